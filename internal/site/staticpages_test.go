package site

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/wire/wiretest"
	"github.com/samizdat-press/samizdat/web"
)

const mirrorHost = "mirror.example"

// pagesSite is a site with static pages and a mirror host, served through
// the real listener with its fast path and the change feed wired as the
// server wires them.
type pagesSite struct {
	st    *store.Store
	s     *Site
	wire  *wiretest.Server
	about *content.Page
	ru    *content.Page
	story *content.Article
}

func newPagesSite(t *testing.T) *pagesSite {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hosts, err := NewHosts(testBase, []string{mirrorHost}, "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Settings: Settings{Name: testName, Lang: "en", BaseURL: testBase}, Reader: st, Web: web.FS,
		Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), CacheBytes: 8 << 20, Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	feed, err := st.NewFeed(ctx, func(_ context.Context, cs []store.Change) {
		for _, c := range cs {
			s.InvalidateKeys(c.Keys...)
		}
	}, func(err error) { t.Errorf("change feed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(feed.Close)
	mux := http.NewServeMux()
	s.Routes(mux)
	p := &pagesSite{st: st, s: s, wire: wiretest.Start(t, httpx.SecurityHeaders(s.HostCheck(s.StrictSlash(mux))), s.FastPath())}

	news := content.Section{Slug: "news", Name: "News"}
	if err := st.CreateSection(ctx, &news); err != nil {
		t.Fatal(err)
	}
	p.story = &content.Article{Slug: "river-rises", Headline: "The river rises", Body: "Water.", Lang: "en",
		Status: content.StatusPublished, Section: news, PublishedAt: time.Now().Add(-time.Hour).UTC().Truncate(time.Second)}
	if err := content.NewService(st, content.NewRenderer()).Create(ctx, p.story); err != nil {
		t.Fatal(err)
	}
	p.about = p.page(t, &content.Page{Slug: "about", Lang: "en", Title: "About us",
		Body: "We are **independent**. <script>alert(1)</script>", Status: content.StatusPublished, MenuOrder: 2})
	p.page(t, &content.Page{Slug: "give-safely", Lang: "en", Title: "How to give safely", Body: "Use the onion.",
		Status: content.StatusPublished, MenuOrder: 1})
	p.page(t, &content.Page{Slug: "secret-plans", Lang: "en", Title: "Unfinished page", Body: "Not yet.",
		Status: content.StatusDraft, MenuOrder: 3})
	p.ru = p.page(t, &content.Page{Slug: "o-nas", Lang: "ru", Title: "О нас", Body: "Мы независимы.",
		Status: content.StatusPublished, MenuOrder: 1, TranslationOf: p.about.ID})
	return p
}

func (p *pagesSite) page(t *testing.T, pg *content.Page) *content.Page {
	t.Helper()
	if err := p.st.CreatePage(context.Background(), pg); err != nil {
		t.Fatalf("CreatePage(%s): %v", pg.Slug, err)
	}
	return pg
}

func (p *pagesSite) get(t *testing.T, host, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := p.wire.Do(t, req)
	if rec.Code >= 500 {
		t.Errorf("GET %s%s: %d: %.300s", host, path, rec.Code, rec.Body.String())
	}
	return rec
}

const primaryHost = "news.example.org"

var footerMenuRe = regexp.MustCompile(`(?s)<ul class="inline menu">(.*?)</ul>`)

// footerMenu returns the hrefs of the footer menu of a page.
func footerMenu(body string) []string {
	m := footerMenuRe.FindStringSubmatch(body)
	if m == nil {
		return nil
	}
	var out []string
	for _, h := range regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, h[1])
	}
	return out
}

// TestStaticPages: a live page is served at /{slug}/ in the main edition
// and /{lang}/{slug}/ in the other, in the site's template, with its
// language, canonical and hreflang links to its translation, Last-Modified
// and an ETag that a second request revalidates; drafts and unknown slugs
// are 404s; a path without its slash is 308 only where a page exists.
func TestStaticPages(t *testing.T) {
	p := newPagesSite(t)
	rec := p.get(t, primaryHost, "/about/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /about/: %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`<html lang="en">`, "<title>About us — " + testName + "</title>", "<h1>About us</h1>",
		"<strong>independent</strong>",
		`<link rel="canonical" href="` + testBase + `/about/">`,
		`<link rel="alternate" hreflang="ru" href="` + testBase + `/ru/o-nas/">`,
		`<link rel="alternate" hreflang="x-default" href="` + testBase + `/about/">`,
		`<header class="masthead">`, `<footer class="sitefoot">`,
		`href="/ru/o-nas/" hreflang="ru" lang="ru"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /about/: no %q in\n%.3000s", want, body)
		}
	}
	if strings.Contains(body, "alert(1)") {
		t.Error("GET /about/: the page's script survived the sanitizer")
	}
	etag, mod := rec.Header().Get("Etag"), rec.Header().Get("Last-Modified")
	if etag == "" || mod == "" {
		t.Errorf("GET /about/: ETag %q, Last-Modified %q; want both", etag, mod)
	}
	// The second request is the cache's (the fast path): same tag, and a
	// revalidation is a 304.
	if again := p.get(t, primaryHost, "/about/"); again.Header().Get("Etag") != etag {
		t.Errorf("second GET /about/: ETag %q, want %q", again.Header().Get("Etag"), etag)
	}
	if nm := p.get(t, primaryHost, "/about/", "If-None-Match", etag); nm.Code != http.StatusNotModified {
		t.Errorf("GET /about/ with If-None-Match: %d, want 304", nm.Code)
	}

	ru := p.get(t, primaryHost, "/ru/o-nas/")
	if ru.Code != http.StatusOK {
		t.Fatalf("GET /ru/o-nas/: %d", ru.Code)
	}
	for _, want := range []string{`<html lang="ru">`, "<h1>О нас</h1>", `<link rel="canonical" href="` + testBase + `/ru/o-nas/">`,
		`<link rel="alternate" hreflang="en" href="` + testBase + `/about/">`} {
		if !strings.Contains(ru.Body.String(), want) {
			t.Errorf("GET /ru/o-nas/: no %q", want)
		}
	}

	for _, tc := range []struct {
		path     string
		status   int
		location string
	}{
		{"/about", http.StatusPermanentRedirect, "/about/"},
		{"/ru/o-nas", http.StatusPermanentRedirect, "/ru/o-nas/"},
		{"/news", http.StatusPermanentRedirect, "/news/"},
		{"/nothing-here", http.StatusNotFound, ""},
		{"/nothing-here/", http.StatusNotFound, ""},
		{"/secret-plans/", http.StatusNotFound, ""},
		{"/secret-plans", http.StatusNotFound, ""},
		{"/o-nas/", http.StatusNotFound, ""}, // a Russian page is not in the English edition
		{"/ru/about/", http.StatusNotFound, ""},
		{"/en/about/", http.StatusMovedPermanently, "/about/"},
	} {
		rec := p.get(t, primaryHost, tc.path)
		if rec.Code != tc.status || rec.Header().Get("Location") != tc.location {
			t.Errorf("GET %s: %d, Location %q; want %d, %q", tc.path, rec.Code, rec.Header().Get("Location"), tc.status, tc.location)
		}
	}
}

// TestFooterMenu: every page of an edition lists its live pages in the
// menu, in order, in its language; a change to the menu shows on pages
// already cached, through the change feed.
func TestFooterMenu(t *testing.T) {
	p := newPagesSite(t)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/", []string{"/give-safely/", "/about/"}},
		{"/about/", []string{"/give-safely/", "/about/"}},
		{p.story.Path(), []string{"/give-safely/", "/about/"}},
		{"/news/", []string{"/give-safely/", "/about/"}},
		{"/ru/", []string{"/ru/o-nas/"}},
		{"/ru/o-nas/", []string{"/ru/o-nas/"}},
		{"/nothing-here/", []string{"/give-safely/", "/about/"}}, // the 404 too
	} {
		body := p.get(t, primaryHost, tc.path).Body.String()
		if got := footerMenu(body); strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("GET %s: footer menu %v, want %v", tc.path, got, tc.want)
		}
	}
	// The pages are cached now; renaming About and moving it before How
	// to give safely shows on them all.
	ctx := context.Background()
	about, err := p.st.PageByID(ctx, p.about.ID)
	if err != nil {
		t.Fatal(err)
	}
	give, err := p.st.PageBySlug(ctx, "en", "give-safely")
	if err != nil {
		t.Fatal(err)
	}
	about.MenuOrder, about.Title, give.MenuOrder = 1, "Who we are", 5
	for _, pg := range []*content.Page{about, give} {
		if err := p.st.UpdatePage(ctx, pg); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/", "/news/", p.story.Path()} {
		body := p.get(t, primaryHost, path).Body.String()
		if got := footerMenu(body); strings.Join(got, " ") != "/about/ /give-safely/" || !strings.Contains(footerMenuRe.FindString(body), ">Who we are</a>") {
			t.Errorf("GET %s after the edit: footer menu %v in %s; want About first, renamed", path, got, footerMenuRe.FindString(body))
		}
	}
	if body := p.get(t, primaryHost, "/about/").Body.String(); !strings.Contains(body, "<h1>Who we are</h1>") {
		t.Error("GET /about/ after the edit: still the old title")
	}
	// Taken out of the menu: gone from the Russian edition's menu too.
	ru, err := p.st.PageByID(ctx, p.ru.ID)
	if err != nil {
		t.Fatal(err)
	}
	ru.MenuOrder = 0
	if err := p.st.UpdatePage(ctx, ru); err != nil {
		t.Fatal(err)
	}
	if got := footerMenu(p.get(t, primaryHost, "/ru/").Body.String()); len(got) != 0 {
		t.Errorf("GET /ru/ after leaving the menu: footer menu %v, want none", got)
	}
}

// TestRedirectsServed: a stored redirect answers 301 where the site has
// no page, on the primary and on a mirror (with the mirror's own host, as
// the target is a path), for a path in any of its forms and for an old
// query address even when the home page is cached on the fast path; a
// redirect added or deleted takes effect at once.
func TestRedirectsServed(t *testing.T) {
	p := newPagesSite(t)
	ctx := context.Background()
	for _, r := range [][2]string{
		{"/?p=123", "/about/"},
		{"/?page_id=7", "/ru/o-nas/"},
		{"/2019/05/old-story/", p.story.Path()},
		{"/old-about", "/about/"},
		{"/archive/", "https://archive.example.net/"},
	} {
		if err := p.st.PutRedirect(ctx, r[0], r[1], "wordpress"); err != nil {
			t.Fatal(err)
		}
	}
	// The home page in the cache, on both hosts: the fast path would serve
	// it for "/?p=123" if it did not know better.
	for _, h := range []string{primaryHost, mirrorHost} {
		p.get(t, h, "/")
		p.get(t, h, "/")
	}
	for _, host := range []string{primaryHost, mirrorHost} {
		for _, tc := range []struct{ path, to string }{
			{"/?p=123", "/about/"},
			{"/?p=123&utm_source=feed", "/about/"},
			{"/?page_id=7", "/ru/o-nas/"},
			{"/2019/05/old-story/", p.story.Path()},
			{"/2019/05/old-story", p.story.Path()},
			{"/old-about", "/about/"},
			{"/old-about/", "/about/"},
			{"/archive/", "https://archive.example.net/"},
		} {
			rec := p.get(t, host, tc.path)
			if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != tc.to {
				t.Errorf("GET %s%s: %d, Location %q; want 301 to %s", host, tc.path, rec.Code, rec.Header().Get("Location"), tc.to)
			}
		}
		for _, path := range []string{"/", "/?p=999", "/?page=1", "/about/"} {
			if rec := p.get(t, host, path); rec.Code != http.StatusOK {
				t.Errorf("GET %s%s: %d, want the page itself", host, path, rec.Code)
			}
		}
	}
	// A page wins over a redirect from its own address.
	if err := p.st.PutRedirect(ctx, "/about/", "/give-safely/", "ghost"); err != nil {
		t.Fatal(err)
	}
	if rec := p.get(t, primaryHost, "/about/"); rec.Code != http.StatusOK {
		t.Errorf("GET /about/ with a redirect from it: %d, want the page", rec.Code)
	}
	// Added after a 404, deleted after a 301.
	if rec := p.get(t, primaryHost, "/new-old/"); rec.Code != http.StatusNotFound {
		t.Fatalf("GET /new-old/: %d", rec.Code)
	}
	if err := p.st.PutRedirect(ctx, "/new-old/", "/about/", "admin"); err != nil {
		t.Fatal(err)
	}
	if rec := p.get(t, primaryHost, "/new-old/"); rec.Code != http.StatusMovedPermanently {
		t.Errorf("GET /new-old/ after adding its redirect: %d, want 301", rec.Code)
	}
	for _, from := range []string{"/new-old/", "/?p=123"} {
		if err := p.st.DeleteRedirect(ctx, from); err != nil {
			t.Fatal(err)
		}
	}
	if rec := p.get(t, primaryHost, "/new-old/"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /new-old/ after deleting its redirect: %d, want 404", rec.Code)
	}
	if rec := p.get(t, primaryHost, "/?p=123"); rec.Code != http.StatusOK {
		t.Errorf("GET /?p=123 after deleting its redirect: %d, want the home page", rec.Code)
	}
}

// TestPagesInSitemap: live pages are in the sitemap, each with its
// translation; drafts are not.
func TestPagesInSitemap(t *testing.T) {
	p := newPagesSite(t)
	body := p.get(t, primaryHost, "/sitemap.xml").Body.String()
	for _, want := range []string{
		"<loc>" + testBase + "/about/</loc>", "<loc>" + testBase + "/give-safely/</loc>", "<loc>" + testBase + "/ru/o-nas/</loc>",
		`hreflang="ru" href="` + testBase + `/ru/o-nas/"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("sitemap: no %q", want)
		}
	}
	if strings.Contains(body, "secret-plans") {
		t.Error("sitemap lists a draft page")
	}
	// A new page shows in the sitemap already cached.
	p.page(t, &content.Page{Slug: "contact", Lang: "en", Title: "Contact", Status: content.StatusPublished})
	if body := p.get(t, primaryHost, "/sitemap.xml").Body.String(); !strings.Contains(body, testBase+"/contact/") {
		t.Error("sitemap: a new page is missing after the change feed")
	}
}

// TestRedirectPagesForExport: a static copy gets a small page at every
// plain old path, with a canonical link, a meta refresh and a link, and
// no script.
func TestRedirectPagesForExport(t *testing.T) {
	p := newPagesSite(t)
	ctx := context.Background()
	for _, r := range [][2]string{{"/?p=1", "/about/"}, {"/old-about/", "/about/"}, {"/archive", "https://archive.example.net/x?a=1&b=2"}} {
		if err := p.st.PutRedirect(ctx, r[0], r[1], "admin"); err != nil {
			t.Fatal(err)
		}
	}
	files, err := p.s.RedirectPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Path] = string(f.Body)
	}
	if len(got) != 2 {
		t.Fatalf("redirect pages %v, want /archive and /old-about (a query address has no file)", got)
	}
	for path, want := range map[string][]string{
		"/old-about": {`<link rel="canonical" href="` + testBase + `/about/">`, `<meta http-equiv="refresh" content="0; url=/about/">`, `<a href="/about/">`},
		"/archive": {`<link rel="canonical" href="https://archive.example.net/x?a=1&amp;b=2">`,
			`<meta http-equiv="refresh" content="0; url=https://archive.example.net/x?a=1&amp;b=2">`},
	} {
		body, ok := got[path]
		if !ok {
			t.Errorf("no redirect page for %s", path)
			continue
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("redirect page %s: no %q in\n%s", path, w, body)
			}
		}
		if strings.Contains(body, "<script") {
			t.Errorf("redirect page %s has a script", path)
		}
	}
}
