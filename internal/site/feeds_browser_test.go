package site

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// TestFeedInBrowser opens the feeds in a real browser, under the site's
// security headers: each shows as a page in its language, styled by the
// site's stylesheet, and the Content-Security-Policy blocks nothing.
func TestFeedInBrowser(t *testing.T) {
	testpeer.NeedChromium(t)
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	browser := testpeer.Chromium(t, ctx)

	for _, tt := range []struct {
		path, lang string
		items      int
	}{
		{"/ru/feed.xml", "ru", len(f.liveIn(t, "ru"))},
		{"/atom.xml", "en", FeedSize},
		{"/news/feed.xml", "en", FeedSize},
	} {
		t.Run(tt.path, func(t *testing.T) {
			tab, closeTab := chromedp.NewContext(browser)
			defer closeTab()
			var mu sync.Mutex
			var console []string
			listen, stop := context.WithCancel(tab)
			done := make(chan struct{})
			messages := chromedp.Console(listen)
			go func() {
				defer close(done)
				for m, err := range messages {
					if err != nil {
						return
					}
					mu.Lock()
					console = append(console, m.String())
					mu.Unlock()
				}
			}()
			if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+tt.path), chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
				t.Fatalf("open %s: %v", tt.path, err)
			}
			type shown struct {
				Lang    string `json:"lang"`
				Title   string `json:"title"`
				Heading string `json:"heading"`
				Cards   int    `json:"cards"`
				Styled  bool   `json:"styled"`
				// Inline are style and on* attributes and scripts in the
				// page, outside the banner Chromium adds to every XSLT page
				// (which carries inline styles of its own, and so makes the
				// CSP complain whatever the stylesheet writes).
				Inline []string `json:"inline"`
				// Foreign are the resources loaded from another origin.
				Foreign []string `json:"foreign"`
			}
			got, err := chromedp.Run(tab, chromedp.Evaluate[shown](`({
				lang: document.documentElement.lang,
				title: document.title,
				heading: document.querySelector("section h2")?.textContent ?? "",
				cards: document.querySelectorAll("article.card h3 a[href]").length,
				styled: [...document.styleSheets].some(s => (s.href || "").endsWith("/style.css") && s.cssRules.length > 0),
				inline: [...document.querySelectorAll("*")].filter(e => !e.closest("xslt-warning-banner")).flatMap(e =>
					e.tagName === "SCRIPT" ? ["<script>"] : [...e.attributes].map(a => a.name).filter(n => n === "style" || n.startsWith("on")).map(n => e.tagName + " " + n)),
				foreign: performance.getEntriesByType("resource").map(e => e.name).filter(u => new URL(u).origin !== location.origin),
			})`))
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond) // let late console messages arrive
			stop()
			<-done
			if got.Lang != tt.lang {
				t.Errorf("page language %q, want %s", got.Lang, tt.lang)
			}
			if want := f.s.catalog.Locale(tt.lang).T("This is a news feed"); got.Heading != want {
				t.Errorf("heading %q, want %q", got.Heading, want)
			}
			if !strings.HasPrefix(got.Title, testName) {
				t.Errorf("title %q, want the feed's title", got.Title)
			}
			if got.Cards != tt.items {
				t.Errorf("%d linked items, want %d", got.Cards, tt.items)
			}
			if !got.Styled {
				t.Error("the site's stylesheet did not load")
			}
			if len(got.Inline) > 0 {
				t.Errorf("the page has inline style or script, which the CSP blocks: %q", got.Inline)
			}
			if len(got.Foreign) > 0 {
				t.Errorf("the page loaded from other hosts: %q", got.Foreign)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range console {
				// "Refused to load …": a stylesheet or image the CSP blocked.
				if strings.Contains(m, "Refused to") {
					t.Errorf("the browser refused something: %s", m)
				}
			}
		})
	}
}
