package server_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/server"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// startEditorServer runs the real server on a free port with a section, a
// byline and an editor who signs in with pw.
func startEditorServer(t *testing.T, ctx context.Context, pw string) (string, *server.Server, content.Section, account.User) {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	logs := &browserLog{}
	srv, err := server.New(ctx, config.Config{DB: filepath.Join(dir, "samizdat.db"), Media: filepath.Join(dir, "media"),
		BaseURL: base, CacheMB: 16, JobsEvery: time.Second}, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Serve: %v", err)
		}
		srv.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	for range 100 {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	news := content.Section{Slug: "news", Name: "News"}
	if err := srv.Store.CreateSection(ctx, &news); err != nil {
		t.Fatal(err)
	}
	for _, au := range []content.Author{{Slug: "anna-petrova", Name: "Anna Petrova"}, {Slug: "boris-ivanov", Name: "Boris Ivanov"}} {
		if err := srv.Store.CreateAuthor(ctx, &au); err != nil {
			t.Fatal(err)
		}
	}
	ed := account.User{Email: "editor@example.org", Name: "Eda Editor", Role: account.RoleEditor}
	if ed.PasswordHash, err = account.HashPassword(pw); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.CreateUser(ctx, &ed); err != nil {
		t.Fatal(err)
	}
	return base, srv, news, ed
}

func browserValue(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// TestBrowserEditorJourney: in headless Chromium an editor writes with the
// toolbar and its shortcuts, sees the words counted, uploads an image into
// the body and inserts one from the media library, closes the tab with
// unsaved typing and gets it back, and previews the article exactly as the
// published page shows it.
func TestBrowserEditorJourney(t *testing.T) {
	testpeer.NeedChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const pw = "editor passphrase 2030"
	base, srv, news, ed := startEditorServer(t, ctx, pw)
	browserCtx := testpeer.Chromium(t, ctx)
	edCtx, cancelEd := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancelEd()
	browserSignIn(t, edCtx, base, ed.Email, pw)

	// The toolbar replaces the cheat sheet; bold by button, italic by Ctrl+I.
	err := chromedp.Do(edCtx,
		chromedp.Navigate(base+"/admin/articles/new"),
		chromedp.WaitVisible(chromedp.CSS(`.toolbar button.md-bold`)),
		chromedp.SendKeys(chromedp.ID("headline"), "Harbour reopens"),
		chromedp.SetValue(chromedp.ID("section"), strconv.FormatInt(news.ID, 10)),
		chromedp.SendKeys(chromedp.ID("body"), "The ferry sails again"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('body').setSelectionRange(4, 9)`),
		chromedp.Click(chromedp.CSS(`.toolbar button.md-bold`)),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('body').setSelectionRange(14, 19)`),
		chromedp.KeyEvent("i", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
	)
	if err != nil {
		t.Fatalf("write with the toolbar: %v", err)
	}
	if got := browserValue(t, edCtx, `document.getElementById('body').value`); got != "The **ferry** *sails* again" {
		t.Errorf("after the toolbar the body is %q", got)
	}
	if got := browserValue(t, edCtx, `document.getElementById('md-cheatsheet').hidden ? 'hidden' : 'shown'`); got != "hidden" {
		t.Errorf("the cheat sheet is %s beside the toolbar", got)
	}
	if got := browserValue(t, edCtx, `document.getElementById('counts').textContent`); got != "4 words, 1 min read" {
		t.Errorf("counts %q, want 4 words, 1 min read", got)
	}

	// The byline picker: type to narrow, Enter ticks the one left.
	err = chromedp.Do(edCtx,
		chromedp.SendKeys(chromedp.ID("byline-filter"), "bor"),
		chromedp.KeyEvent("\r"),
	)
	if err != nil {
		t.Fatalf("pick a byline: %v", err)
	}
	if got := browserValue(t, edCtx, `[...document.querySelectorAll('#authors li')].filter(li => !li.hidden).map(li => li.textContent.trim() + (li.querySelector('input').checked ? '+' : '')).join(',')`); got != "Boris Ivanov+" {
		t.Errorf("after typing bor and Enter the picker shows %q, want Boris ticked alone", got)
	}

	// An image uploaded into the body at save.
	err = chromedp.Do(edCtx,
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=body_image]`), []string{browserJPEG(t)}),
		chromedp.SendKeys(chromedp.ID("body_image_alt"), "The white ferry at the pier"),
		chromedp.SendKeys(chromedp.ID("body_image_caption"), "Back in service"),
		chromedp.SendKeys(chromedp.ID("body_image_credit"), "Test Photographer"),
		chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash, p.error, .fielderror`)),
	)
	if err != nil {
		t.Fatalf("save with a body image: %v", err)
	}
	loc, _ := chromedp.Run(edCtx, chromedp.Location())
	m := browserSavedRe.FindStringSubmatch(loc)
	if m == nil {
		text, _ := browserText(edCtx)
		t.Fatalf("save landed on %q; page:\n%s", loc, text)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	art, err := srv.Store.ArticleByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(art.Authors) != 1 || art.Authors[0].Name != "Boris Ivanov" {
		t.Errorf("bylines %v, want Boris Ivanov", art.Authors)
	}
	if !strings.Contains(art.BodyHTML, `<figure class="body-figure"><picture>`) || !strings.Contains(art.BodyHTML, `alt="The white ferry at the pier"`) {
		t.Fatalf("saved body has no figure:\n%s", art.BodyHTML)
	}

	// From the library: the same image again, into the body.
	err = chromedp.Do(edCtx,
		chromedp.Click(chromedp.ID("media-library")),
		chromedp.WaitVisible(chromedp.CSS(`.media-item a.insert`)),
		chromedp.Click(chromedp.CSS(`.media-item a.insert`)),
		chromedp.WaitVisible(chromedp.ID("body")),
	)
	if err != nil {
		t.Fatalf("insert from the library: %v", err)
	}
	if got := browserValue(t, edCtx, `document.getElementById('body').value`); strings.Count(got, "![The white ferry at the pier](/media/") != 2 {
		t.Errorf("after inserting from the library the body is %q, want the figure twice", got)
	}

	// Typing that is not saved survives a closed tab.
	err = chromedp.Do(edCtx,
		chromedp.Evaluate[chromedp.Void](`(() => { const b = document.getElementById('body'); b.focus(); b.setSelectionRange(b.value.length, b.value.length) })()`),
		chromedp.SendKeys(chromedp.ID("body"), "\n\nTyped and never saved."),
		chromedp.Poll[chromedp.Void](`document.getElementById('autosave-status').textContent.startsWith('Saved ')`, chromedp.WithPollingTimeout(15*time.Second)),
	)
	if err != nil {
		t.Fatalf("autosave: %v", err)
	}
	if got, _ := srv.Store.ArticleByID(ctx, id); got.Version != art.Version {
		t.Errorf("autosave saved the article: version %d, want %d", got.Version, art.Version)
	}
	if err := chromedp.Cancel(edCtx); err != nil {
		t.Fatalf("close the tab: %v", err)
	}
	tab, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancelTab()
	browserSignIn(t, tab, base, ed.Email, pw)
	err = chromedp.Do(tab,
		chromedp.Navigate(base+"/admin/articles/"+m[1]),
		chromedp.WaitVisible(chromedp.ID("autosave-offer")),
		chromedp.Click(chromedp.ID("autosave-restore")),
		chromedp.WaitVisible(chromedp.ID("body")),
	)
	if err != nil {
		t.Fatalf("restore after reopening: %v", err)
	}
	if got := browserValue(t, tab, `document.getElementById('body').value`); !strings.HasSuffix(got, "Typed and never saved.") {
		t.Errorf("restored body %q", got)
	}

	// Publish, then preview: the frames hold the public page's article.
	err = chromedp.Do(tab,
		chromedp.SetValue(chromedp.ID("status"), "published"),
		chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)),
	)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	// The restored page has a flash too: wait for the saved page itself.
	for deadline := time.Now().Add(15 * time.Second); ; {
		loc, err := chromedp.Run(tab, chromedp.Location())
		if err == nil && strings.Contains(loc, "done=Saved") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("publishing landed on %q (%v)", loc, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	err = chromedp.Do(tab,
		chromedp.WaitVisible(chromedp.CSS(`button[name=action][value=preview]`)),
		chromedp.Click(chromedp.CSS(`button[name=action][value=preview]`)),
		chromedp.WaitVisible(chromedp.ID("preview-desktop")),
		chromedp.Poll[chromedp.Void](`(() => { const d = document.getElementById('preview-desktop').contentDocument; return d && d.querySelector('article') !== null })()`,
			chromedp.WithPollingTimeout(10*time.Second)),
	)
	if err != nil {
		text, _ := browserText(tab)
		t.Fatalf("publish and preview: %v\n%s", err, text)
	}
	preview := browserValue(t, tab, `document.getElementById('preview-desktop').contentDocument.querySelector('article').outerHTML`)
	phone := browserValue(t, tab, `document.getElementById('preview-phone').contentDocument.querySelector('article').outerHTML`)
	phoneWidth := browserValue(t, tab, `String(document.getElementById('preview-phone').contentWindow.innerWidth)`)
	robots := browserValue(t, tab, `document.getElementById('preview-desktop').contentDocument.querySelector('meta[name=robots]').content`)
	published, err := srv.Store.ArticleByID(ctx, id)
	if err != nil || published.Status != content.StatusPublished {
		t.Fatalf("not published: %v %v", published.Status, err)
	}
	err = chromedp.Do(tab, chromedp.Navigate(base+published.Path()), chromedp.WaitVisible(chromedp.CSS(`article`)))
	if err != nil {
		t.Fatal(err)
	}
	public := browserValue(t, tab, `document.querySelector('article').outerHTML`)
	if preview != public || phone != public {
		t.Errorf("the preview's article differs from the published page's:\npreview:\n%s\npublic:\n%s", preview, public)
	}
	for _, want := range []string{"Harbour reopens", `<figure class="body-figure">`, "Back in service", "Typed and never saved."} {
		if !strings.Contains(public, want) {
			t.Errorf("public article lacks %q", want)
		}
	}
	if phoneWidth != "375" || robots != "noindex" {
		t.Errorf("phone frame %s px wide, robots %q; want 375 and noindex", phoneWidth, robots)
	}
}
