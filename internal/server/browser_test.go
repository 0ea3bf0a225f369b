package server_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/server"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// browserLog collects the server's log, shown when the test fails.
type browserLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *browserLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *browserLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// browserJPEG writes a generated 1200×800 photo and returns its path.
func browserJPEG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 1200, 800))
	for y := range 800 {
		for x := range 1200 {
			img.Set(x, y, color.RGBA{uint8(x / 5), uint8(y / 4), uint8((x + y) / 8), 255})
		}
	}
	p := filepath.Join(t.TempDir(), "ferry.jpg")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// browserSignIn signs in through the form, typing as a person does, and
// waits for the dashboard.
func browserSignIn(t *testing.T, ctx context.Context, base, email, pw string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/signin"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/signout"]`)),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", email, err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != base+"/admin/" {
		t.Fatalf("after sign-in at %q (%v), want %s/admin/", loc, err, base)
	}
}

// browserText is the visible text of the page.
func browserText(ctx context.Context) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
}

var browserSavedRe = regexp.MustCompile(`/admin/articles/(\d+)\?done=Saved$`)

// TestBrowserJourney: an editor schedules an article with a photo in a real
// browser, and it goes live on the home page; an author cannot publish or
// open the editor's article.
func TestBrowserJourney(t *testing.T) {
	testpeer.NeedChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// The real server, on a free port.
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	logs := &browserLog{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := server.New(ctx, config.Config{DB: filepath.Join(dir, "samizdat.db"), Media: filepath.Join(dir, "media"),
		BaseURL: base, CacheMB: 16, JobsEvery: 500 * time.Millisecond}, logger)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	serveCtx, stopServe := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, ln) }()
	t.Cleanup(func() {
		stopServe()
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})

	// The editor has not been written yet: nothing to drive.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var resp *http.Response
	for range 50 { // the server starts in the background
		if resp, err = noRedirect.Get(base + "/admin/articles/new"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server not answering: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		t.Skip("/admin/articles/new is 404: the article editor is not written yet")
	}

	// The newsroom: a section, a byline, an editor and an author.
	news := content.Section{Slug: "news", Name: "News"}
	if err := srv.Store.CreateSection(ctx, &news); err != nil {
		t.Fatal(err)
	}
	anna := content.Author{Slug: "anna-petrova", Name: "Anna Petrova"}
	if err := srv.Store.CreateAuthor(ctx, &anna); err != nil {
		t.Fatal(err)
	}
	const editorPW, authorPW = "editor passphrase 2030", "author passphrase 2030"
	users := map[string]*account.User{
		editorPW: {Email: "editor@example.org", Name: "Eda Editor", Role: account.RoleEditor},
		authorPW: {Email: "author@example.org", Name: "Abe Author", Role: account.RoleAuthor},
	}
	for pw, u := range users {
		if u.PasswordHash, err = account.HashPassword(pw); err != nil {
			t.Fatal(err)
		}
		if err := srv.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	editor, author := users[editorPW], users[authorPW]

	// One headless Chromium; each person gets a browser context of their
	// own (separate cookies).
	browserCtx := testpeer.Chromium(t, ctx)
	edCtx, cancelEd := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancelEd()
	auCtx, cancelAu := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancelAu()

	// The editor signs in and writes.
	browserSignIn(t, edCtx, base, editor.Email, editorPW)

	// Scheduling works to the minute (the form's date and 24-hour time
	// fields have no seconds, as a person would type it; the newsroom's
	// zone is UTC here): choose the next minute boundary
	// at least 15 s away, so that it is still in the future when the form
	// arrives, and wait for it. The server's clock is not touched: the job
	// that publishes is the real one.
	now := time.Now().UTC()
	publishAt := now.Truncate(time.Minute).Add(time.Minute)
	if publishAt.Sub(now) < 15*time.Second {
		publishAt = publishAt.Add(time.Minute)
	}
	photo := browserJPEG(t)
	const headline = "Ferry service resumes after three weeks"
	err = chromedp.Do(edCtx,
		chromedp.Navigate(base+"/admin/articles/new"),
		chromedp.WaitVisible(chromedp.ID("headline")),
		chromedp.SendKeys(chromedp.ID("headline"), headline),
		chromedp.SendKeys(chromedp.ID("dek"), "The island is connected again."),
		chromedp.SendKeys(chromedp.ID("body"), "The ferry *sails* again.\n\nPassengers cheered at the pier."),
		chromedp.SetValue(chromedp.ID("section"), strconv.FormatInt(news.ID, 10)),
		chromedp.SendKeys(chromedp.ID("tags"), "Transport, Islands"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
			`document.querySelector('#authors input[value="%d"]').checked = true`, anna.ID)),
		chromedp.SetValue(chromedp.ID("status"), "scheduled"),
		chromedp.SendKeys(chromedp.ID("publish_date"), publishAt.Format("2006-01-02")),
		chromedp.SendKeys(chromedp.ID("publish_time"), publishAt.Format("15:04")),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=image]`), []string{photo}),
		chromedp.SendKeys(chromedp.ID("image_alt"), "The white ferry at the pier"),
		chromedp.SendKeys(chromedp.ID("image_credit"), "Test Photographer"),
		chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash, p.error, .fielderror`)),
	)
	if err != nil {
		t.Fatalf("fill and save the editor form: %v", err)
	}
	loc, _ := chromedp.Run(edCtx, chromedp.Location())
	m := browserSavedRe.FindStringSubmatch(loc)
	if m == nil {
		text, _ := browserText(edCtx)
		t.Fatalf("save landed on %q, want /admin/articles/{id}?done=Saved; page:\n%s", loc, text)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	art, err := srv.Store.ArticleByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if art.Status != content.StatusScheduled || !art.PublishedAt.Equal(publishAt) || art.CreatedBy != editor.ID ||
		!art.Image.Present() || art.Image.Alt != "The white ferry at the pier" || len(art.Authors) != 1 ||
		art.Authors[0].ID != anna.ID || art.Section.ID != news.ID || len(art.Tags) != 2 {
		t.Fatalf("saved article: status %s at %v (want scheduled at %v), by %d, image %+v, authors %v, section %v, tags %v",
			art.Status, art.PublishedAt, publishAt, art.CreatedBy, art.Image, art.Authors, art.Section, art.Tags)
	}
	if time.Now().Before(publishAt) {
		text, err := chromedp.Run(edCtx, chromedp.Evaluate[string](`fetch("/").then(r => r.text())`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, headline) {
			t.Error("the scheduled article is on the home page before its time")
		}
	}

	// Meanwhile, the author: no publishing, and no way into the editor's article.
	browserSignIn(t, auCtx, base, author.Email, authorPW)
	if err := chromedp.Do(auCtx, chromedp.Navigate(base+"/admin/articles/new"), chromedp.WaitVisible(chromedp.ID("status"))); err != nil {
		t.Fatal(err)
	}
	statuses, err := chromedp.Run(auCtx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#status option')].map(o => o.value)`))
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(statuses, "published") || slices.Contains(statuses, "scheduled") || !slices.Contains(statuses, "draft") {
		t.Errorf("the author's status choices are %v: want draft (and review), never published or scheduled", statuses)
	}
	// A forged form, sent from the author's own page with its CSRF token,
	// asking for "published": refused.
	forged, err := chromedp.Run(auCtx, chromedp.Evaluate[int](`(async () => {
		const f = document.querySelector('form.editor');
		const fd = new FormData(f);
		fd.set('headline', 'Forged by the author');
		fd.set('body', 'Text.');
		fd.set('section', '`+strconv.FormatInt(news.ID, 10)+`');
		fd.set('status', 'published');
		fd.set('action', 'save');
		/* not f.action: that names the buttons called "action" */
		const r = await fetch(f.getAttribute('action'), {method: 'POST', body: fd, redirect: 'manual'});
		return r.status;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if forged != http.StatusForbidden {
		t.Errorf("forged POST with status published: %d, want 403", forged)
	}
	if list, n, err := srv.Store.AdminArticles(ctx, store.AdminQuery{CreatedBy: author.ID}); err != nil || n != 0 {
		t.Errorf("the forged POST stored %d articles (%v, %v)", n, list, err)
	}
	resp403, err := chromedp.Run(auCtx, chromedp.NavigateResponse(fmt.Sprintf("%s/admin/articles/%d", base, id)))
	if err != nil {
		t.Fatal(err)
	}
	if resp403.Status != http.StatusForbidden {
		t.Errorf("author opening the editor's article: %d, want 403", resp403.Status)
	}
	if text, _ := browserText(auCtx); strings.Contains(text, headline) || !strings.Contains(text, "belongs to another writer") {
		t.Errorf("author's 403 page:\n%s", text)
	}

	// The scheduled time comes; the job publishes; the home page shows it.
	deadline := publishAt.Add(30 * time.Second)
	for check := 0; ; check++ {
		// The page may be in the browser's own cache (max-age=60): a query
		// the server ignores makes the browser ask again.
		if err := chromedp.Do(edCtx, chromedp.Navigate(fmt.Sprintf("%s/?check=%d", base, check))); err != nil {
			t.Fatal(err)
		}
		text, err := browserText(edCtx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, headline) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the article is not on the home page 30 s after %v; page:\n%s", publishAt, text)
		}
		if err := chromedp.Do(edCtx, chromedp.Sleep(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if time.Now().Before(publishAt) {
		t.Errorf("published at %v, before its time %v", time.Now().UTC(), publishAt)
	}
	type photoInfo struct {
		Srcset   string `json:"srcset"`
		Src      string `json:"src"`
		Complete bool   `json:"complete"`
		Width    int    `json:"width"`
	}
	// Wait for the photo to load, then read it.
	if _, err := chromedp.Run(edCtx, chromedp.Poll[bool](`(() => {
		const img = [...document.querySelectorAll('img[srcset]')].find(i => i.closest('article'));
		return img && img.complete && img.naturalWidth > 0;
	})()`)); err != nil {
		t.Fatalf("no loaded photo with a srcset on the home page: %v", err)
	}
	info, err := chromedp.Run(edCtx, chromedp.Evaluate[photoInfo](`(() => {
		const img = [...document.querySelectorAll('img[srcset]')].find(i => i.closest('article'));
		return {srcset: img.getAttribute('srcset'), src: img.currentSrc, complete: img.complete, width: img.naturalWidth};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info.Srcset, art.Image.Key) || !strings.Contains(info.Srcset, ",") || !strings.HasPrefix(info.Src, base+"/") {
		t.Errorf("home page photo: srcset %q, src %q: want the article's variants, served by the site", info.Srcset, info.Src)
	}
	// Readers see it from its time by the clock; the scheduler, every
	// 500 ms here, then records it as published.
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if art, err = srv.Store.ArticleByID(ctx, id); err == nil && art.Status == content.StatusPublished {
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("article status %v (%v) 3 s after it went live, want published", art.Status, err)
			break
		}
	}
}
