package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/revenue"
)

// testClock is a clock the test moves; safe to read from the server's
// goroutines.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func (c *testClock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }

// The copy of the test campaign's prompts, which the tests look for.
const (
	appealTitle = "Help us fill the gap"
	bannerTitle = "Enjoying ad-free journalism?"
	thanksLine  = "Thank you for keeping us ad-free."
)

// promptSite is a served site (fasthttp with the fast path) with one
// article and a running campaign: a top banner (once a day, supporters see
// a thank-you line) and an end-of-article appeal (every page, snooze).
type promptSite struct {
	base    string
	srv     *Server
	clock   *testClock
	article *content.Article
	appeal  *revenue.Prompt
	banner  *revenue.Prompt
}

func startPromptSite(t testing.TB) *promptSite {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps := &promptSite{base: "http://" + ln.Addr().String(), clock: newTestClock(time.Now().UTC().Truncate(time.Second))}
	ctx, cancel := context.WithCancel(context.Background())
	ps.srv, err = New(ctx, config.Config{DB: filepath.Join(dir, "db"), Media: filepath.Join(dir, "media"), BaseURL: ps.base,
		CacheMB: 8, JobsEvery: time.Hour}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := ps.srv
	sec := content.Section{Slug: "news", Name: "News"}
	if err := srv.Store.CreateSection(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	ps.article = &content.Article{Headline: "Bridge tender annulled", Body: "The **tender** was annulled.\n\nThe ministry did not comment.\n\nA third paragraph.",
		Lang: "en", Status: content.StatusPublished, Section: sec, PublishedAt: time.Now().Add(-time.Hour).UTC().Truncate(time.Second)}
	if err := srv.Content.Create(ctx, ps.article); err != nil {
		t.Fatal(err)
	}
	camp := revenue.Campaign{Name: "Winter", Starts: time.Now().AddDate(0, -1, 0)}
	if err := srv.Store.SaveCampaign(ctx, &camp); err != nil {
		t.Fatal(err)
	}
	ps.appeal = &revenue.Prompt{CampaignID: camp.ID, Name: "Appeal", Placement: revenue.EndOfArticle, Amounts: []int64{2, 5, 10},
		Frequency: revenue.Monthly, Audience: revenue.NonSupporters, Cap: revenue.EveryPage,
		Variants: []revenue.Variant{{Slot: 0, Title: appealTitle, Body: "Support us monthly from just 2.",
			BodyHTML: "<p>Support us monthly from just 2.</p>", Button: "Support us", Snooze: "Remind me later", Weight: 1}}}
	ps.banner = &revenue.Prompt{CampaignID: camp.ID, Name: "Banner", Placement: revenue.TopBanner, Amounts: []int64{5},
		Frequency: revenue.OneTime, Audience: revenue.NonSupporters, Cap: revenue.OnceADay, ThankYou: thanksLine,
		Variants: []revenue.Variant{{Slot: 0, Title: bannerTitle, BodyHTML: "", Button: "Give", Weight: 1}}}
	for _, p := range []*revenue.Prompt{ps.appeal, ps.banner} {
		if err := srv.Store.SavePrompt(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.Prompts.Reload(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	srv.Site.SetClock(ps.clock.Now)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after shutdown, want nil", err)
		}
		srv.Close()
	})
	return ps
}

// reader is a browser without JavaScript: a client with a cookie jar that
// follows redirects.
func (ps *promptSite) reader(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Transport: &http.Transport{}}
}

// supporter is a reader holding a valid supporter cookie, as the payments
// step sets it.
func (ps *promptSite) supporter(t testing.TB) *http.Client {
	c := ps.reader(t)
	u, _ := url.Parse(ps.base)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: revenue.SupporterCookie, Path: "/",
		Value: revenue.NewSupporterMarks(ps.srv.Keys).Value(ps.clock.Now().AddDate(1, 0, 0))}})
	return c
}

func fetch(t testing.TB, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return resp, string(b)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)">`)

// snoozeForm reads the appeal's "Remind me later" form from a page.
func snoozeForm(t testing.TB, page string) url.Values {
	t.Helper()
	i := strings.Index(page, `class="prompt prompt-end"`)
	if i < 0 {
		t.Fatal("no end-of-article appeal on the page")
	}
	form := page[i:]
	form = form[strings.Index(form, `<form class="prompt-snooze" method="post" action="/prompts/snooze">`):]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(form, -1) {
		v.Set(m[1], m[2])
	}
	return v
}

// TestPromptJourneyJavaScriptOff: an anonymous reader sees the appeal,
// snoozes it with the plain form (303 back to the article), does not see
// it for 7 days (the clock is moved), and sees it again after; a supporter
// never sees it, only the thank-you line.
func TestPromptJourneyJavaScriptOff(t *testing.T) {
	ps := startPromptSite(t)
	page := ps.base + ps.article.Path()
	r := ps.reader(t)

	// The home page carries the top banner (and no appeal: it is no article).
	_, body := fetch(t, r, ps.base+"/")
	if !strings.Contains(body, bannerTitle) || strings.Contains(body, appealTitle) {
		t.Fatalf("home: banner %v (want true), appeal %v (want false)", strings.Contains(body, bannerTitle), strings.Contains(body, appealTitle))
	}
	resp, body := fetch(t, r, page)
	if !strings.Contains(body, appealTitle) || strings.Contains(body, bannerTitle) {
		t.Fatalf("first article: appeal %v (want true), banner %v (want false: shown on the home page today)",
			strings.Contains(body, appealTitle), strings.Contains(body, bannerTitle))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control of a page with prompts = %q", cc)
	}
	// The banner is capped once a day; the appeal shows on every page. The
	// second request is served by the fast path (the first cached it).
	_, body = fetch(t, r, page)
	if !strings.Contains(body, appealTitle) || strings.Contains(body, bannerTitle) {
		t.Fatalf("second visit: appeal %v (want true), banner %v (want false)", strings.Contains(body, appealTitle), strings.Contains(body, bannerTitle))
	}

	form := snoozeForm(t, body)
	// Without JavaScript the reader comes back to where the appeal was,
	// not to the top of the article.
	if form.Get("return") != ps.article.Path()+"#end-spot" {
		t.Errorf("snooze form returns to %q, want the appeal's place", form.Get("return"))
	}
	noRedirect := *r
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.PostForm(ps.base+"/prompts/snooze", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != ps.article.Path()+"#end-spot" {
		t.Fatalf("snooze: %d to %q, want 303 to the article at the appeal's place", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = fetch(t, r, page)
	if strings.Contains(body, appealTitle) {
		t.Fatal("the appeal is back right after Remind me later")
	}
	if !strings.Contains(body, `id="end-spot"`) {
		t.Error("the article without the appeal lost the place the reader returns to")
	}
	for _, d := range []time.Duration{time.Hour, 3 * 24 * time.Hour, 4*24*time.Hour - 2*time.Hour} { // 6 days 23 hours in all
		ps.clock.Advance(d)
		_, body = fetch(t, r, page)
		if strings.Contains(body, appealTitle) {
			t.Fatalf("the appeal is back %v after the snooze", ps.clock.Now())
		}
	}
	if !strings.Contains(body, bannerTitle) {
		t.Error("the banner's daily cap did not end: the other placement should show")
	}
	ps.clock.Advance(time.Hour + time.Minute) // 7 days and a minute
	_, body = fetch(t, r, page)
	if !strings.Contains(body, appealTitle) {
		t.Fatal("the appeal did not come back after 7 days")
	}

	s := ps.supporter(t)
	for i := range 3 {
		_, body = fetch(t, s, page)
		if strings.Contains(body, appealTitle) || strings.Contains(body, bannerTitle) {
			t.Fatalf("supporter visit %d shows an appeal", i)
		}
		if !strings.Contains(body, thanksLine) {
			t.Errorf("supporter visit %d: no thank-you line", i)
		}
		ps.clock.Advance(8 * 24 * time.Hour)
	}

	// The snooze was counted, for the appeal's variant, with no reader in it.
	ps.srv.flushPromptCounts(context.Background())
	counts, err := ps.srv.Store.PromptCounts(context.Background(), time.Now().AddDate(0, 0, -2), ps.clock.Now().AddDate(0, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	var snoozes int64
	for _, c := range counts {
		if c.Variant == ps.appeal.Variants[0].ID {
			snoozes += c.Snoozes
		}
	}
	if snoozes != 1 {
		t.Errorf("snoozes counted: %d, want 1", snoozes)
	}
}

// TestSnoozeBadInput: a tampered cookie is no cookie; absurd snooze
// lengths are clamped; the return path cannot leave the site; a
// cross-origin POST is refused.
func TestSnoozeBadInput(t *testing.T) {
	ps := startPromptSite(t)
	page := ps.base + ps.article.Path()
	u, _ := url.Parse(ps.base)

	// Tampered state: the reader is treated as new, and the page still works.
	r := ps.reader(t)
	r.Jar.SetCookies(u, []*http.Cookie{{Name: revenue.PromptCookie, Value: "1:202611:99:e-1-99999999999.forged", Path: "/"}})
	if _, body := fetch(t, r, page); !strings.Contains(body, appealTitle) {
		t.Error("a forged snooze cookie hid the appeal")
	}
	r.Jar.SetCookies(u, []*http.Cookie{{Name: revenue.SupporterCookie, Value: "s:99999999999.forged", Path: "/"}})
	if _, body := fetch(t, r, page); !strings.Contains(body, appealTitle) {
		t.Error("a forged supporter cookie hid the appeal")
	}

	noRedirect := &http.Client{Jar: r.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct{ ret, want string }{
		{"https://evil.example/x", "/"}, {"//evil.example/x", "/"}, {"/\\evil.example", "/"}, {"", "/"},
		{"javascript:alert(1)", "/"}, {ps.article.Path(), ps.article.Path()},
		{ps.article.Path() + "#end-spot", ps.article.Path() + "#end-spot"},
		{ps.article.Path() + "#x\"><script>", ps.article.Path()}, {ps.article.Path() + "#%0d%0aSet-Cookie:x", ps.article.Path()},
	} {
		form := url.Values{"prompt": {fmt.Sprint(ps.appeal.ID)}, "variant": {fmt.Sprint(ps.appeal.Variants[0].ID)}, "return": {tc.ret}, "days": {"100000"}}
		resp, err := noRedirect.PostForm(ps.base+"/prompts/snooze", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != tc.want {
			t.Errorf("return %q: %d to %q, want 303 to %q", tc.ret, resp.StatusCode, got, tc.want)
		}
	}
	// The reader cannot choose the length (100000 days): the prompt's
	// own, the default 7 days here, applies.
	ps.clock.Advance(revenue.DefaultSnooze - time.Hour)
	if _, body := fetch(t, r, page); strings.Contains(body, appealTitle) {
		t.Error("the appeal is back before its snooze ended")
	}
	ps.clock.Advance(2 * time.Hour)
	if _, body := fetch(t, r, page); !strings.Contains(body, appealTitle) {
		t.Error("a reader-supplied snooze length was used instead of the prompt's")
	}

	req, _ := http.NewRequest("POST", ps.base+"/prompts/snooze", strings.NewReader("prompt=1&return=/"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin snooze: %d, want 403", resp.StatusCode)
	}
}

// TestPromptCacheCorrectness: readers in different states request the
// same article at once, again and again (misses, then the fast path); each
// always gets its own variant, never another's, and no page holds
// anything of the reader.
func TestPromptCacheCorrectness(t *testing.T) {
	ps := startPromptSite(t)
	page := ps.base + ps.article.Path()
	snoozed := ps.reader(t)
	_, body := fetch(t, snoozed, page)
	resp, err := snoozed.PostForm(ps.base+"/prompts/snooze", snoozeForm(t, body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	supporter := ps.supporter(t)
	u, _ := url.Parse(ps.base)
	secrets := []string{}
	for _, c := range append(snoozed.Jar.Cookies(u), supporter.Jar.Cookies(u)...) {
		secrets = append(secrets, c.Value)
	}

	type reader struct {
		name   string
		client func() *http.Client
		appeal bool // on the article
		banner bool // on the home page
		thanks bool
	}
	readers := []reader{
		{"anonymous", func() *http.Client { return ps.reader(t) }, true, true, false},
		{"supporter", func() *http.Client { return supporter }, false, false, true},
		{"snoozed", func() *http.Client { return snoozed }, false, false, false}, // banner capped: seen today
	}
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for _, rd := range readers {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 40 {
					url, home := page, i%2 == 1
					if home {
						url = ps.base + "/"
					}
					resp, err := rd.client().Get(url)
					if err != nil {
						errs <- err.Error()
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					body := string(b)
					if got := strings.Contains(body, appealTitle); got != (rd.appeal && !home) {
						errs <- fmt.Sprintf("%s: appeal shown = %v (home page: %v)", rd.name, got, home)
					}
					if got := strings.Contains(body, bannerTitle); home && got != rd.banner {
						errs <- fmt.Sprintf("%s: banner shown on the home page = %v", rd.name, got)
					}
					if got := strings.Contains(body, thanksLine); got != rd.thanks {
						errs <- fmt.Sprintf("%s: thank-you shown = %v", rd.name, got)
					}
					for _, s := range secrets {
						if strings.Contains(body, s) {
							errs <- rd.name + ": a cookie value is in the page"
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	seen := map[string]bool{}
	for e := range errs {
		if !seen[e] {
			t.Error(e)
			seen[e] = true
		}
	}
}

// TestPromptImpressionsExact: impressions counted on the fast and full
// paths while counters are flushed concurrently all reach the store, once.
func TestPromptImpressionsExact(t *testing.T) {
	ps := startPromptSite(t)
	page := ps.base + ps.article.Path()
	const workers, each = 8, 40
	var wg sync.WaitGroup
	stop := make(chan struct{})
	flusher := make(chan struct{})
	go func() {
		defer close(flusher)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				ps.srv.flushPromptCounts(context.Background())
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{} // no jar: every request is a new reader, who sees both prompts
			for range each {
				resp, err := c.Get(page)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-flusher
	ps.srv.flushPromptCounts(context.Background())
	counts, err := ps.srv.Store.PromptCounts(context.Background(), time.Now().AddDate(0, 0, -2), time.Now().AddDate(0, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int64{}
	for _, c := range counts {
		got[c.Variant] += c.Impressions
	}
	for _, p := range []*revenue.Prompt{ps.appeal, ps.banner} {
		if n := got[p.Variants[0].ID]; n != workers*each {
			t.Errorf("%s: %d impressions stored, want %d", p.Name, n, workers*each)
		}
	}
}

// TestSnoozeLengthPerPrompt: the newsroom sets how long "Remind me later"
// lasts for each prompt; the admin's form keeps it.
func TestSnoozeLengthPerPrompt(t *testing.T) {
	ps := startPromptSite(t)
	ctx := context.Background()
	ps.appeal.SnoozeDays = 2
	if err := ps.srv.Store.SavePrompt(ctx, ps.appeal); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.srv.Prompts.Reload(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	page := ps.base + ps.article.Path()
	r := ps.reader(t)
	_, body := fetch(t, r, page)
	if _, err := r.PostForm(ps.base+"/prompts/snooze", snoozeForm(t, body)); err != nil {
		t.Fatal(err)
	}
	ps.clock.Advance(2*24*time.Hour - time.Minute)
	if _, body := fetch(t, r, page); strings.Contains(body, appealTitle) {
		t.Fatal("the appeal is back before its 2 days")
	}
	ps.clock.Advance(2 * time.Minute)
	if _, body := fetch(t, r, page); !strings.Contains(body, appealTitle) {
		t.Fatal("the appeal is not back after its 2 days (the default 7 was used?)")
	}
	got, err := ps.srv.Store.Prompt(ctx, ps.appeal.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SnoozeDays != 2 {
		t.Errorf("stored snooze days %d, want 2", got.SnoozeDays)
	}
}

// TestInlineSnoozeReturnsToTheParagraph: without JavaScript, "Remind me
// later" on a prompt inside the article brings the reader back to the
// paragraph where it was, which the page without the prompt still marks.
func TestInlineSnoozeReturnsToTheParagraph(t *testing.T) {
	ps := startPromptSite(t)
	ctx := context.Background()
	inline := &revenue.Prompt{CampaignID: ps.appeal.CampaignID, Name: "Inline", Placement: revenue.Inline, Paragraph: 1, Amounts: []int64{5},
		Frequency: revenue.Monthly, Audience: revenue.NonSupporters, Cap: revenue.EveryPage,
		Variants: []revenue.Variant{{Slot: 0, Title: "Inline appeal", BodyHTML: "<p>Chip in.</p>", Button: "Give", Snooze: "Later", Weight: 1}}}
	if err := ps.srv.Store.SavePrompt(ctx, inline); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.srv.Prompts.Reload(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	page := ps.base + ps.article.Path()
	r := ps.reader(t)
	_, body := fetch(t, r, page)
	i := strings.Index(body, `class="prompt prompt-inline"`)
	if i < 0 {
		t.Fatal("no inline prompt")
	}
	form := body[i:]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(form, -1) {
		v.Set(m[1], m[2])
	}
	if v.Get("return") != ps.article.Path()+"#inline-spot" {
		t.Fatalf("inline snooze returns to %q", v.Get("return"))
	}
	noRedirect := *r
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.PostForm(ps.base+"/prompts/snooze", v)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Location") != ps.article.Path()+"#inline-spot" {
		t.Fatalf("snooze: Location %q", resp.Header.Get("Location"))
	}
	_, body = fetch(t, r, page)
	if strings.Contains(body, "Inline appeal") {
		t.Fatal("the inline prompt is back right after the snooze")
	}
	first := strings.Index(body, "annulled.</p>")
	spot := strings.Index(body, `<span id="inline-spot"></span>`)
	second := strings.Index(body, "The ministry did not comment.")
	if first < 0 || spot < first || second < spot {
		t.Errorf("the mark is not after the first paragraph: first %d, mark %d, second %d", first, spot, second)
	}
}
