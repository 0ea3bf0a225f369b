package site

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/wire/wiretest"
	"github.com/samizdat-press/samizdat/web"
)

const (
	testBase = "https://news.example.org"
	testName = "The Test Ledger"
)

// fixture is a site on a real store, filled with articles through the
// content service so that saves invalidate the page cache as in production.
type fixture struct {
	st       *store.Store
	svc      *content.Service
	s        *Site
	h        http.Handler
	wire     *wiretest.Server // h and the fast path, served as production serves them
	now      time.Time
	sections map[string]content.Section
	authors  map[string]content.Author

	featured *content.Article // news, two authors, image, correction, tags, <script> in body
	russian  *content.Article // opinion, lang ru
	old      *content.Article // opinion, published 72 hours ago
	draft    *content.Article // news, never published
	news     []*content.Article
	culture  []*content.Article
	all      []*content.Article // every article created, drafts included
}

// mediaFS serves the fixture's lead images.
type mediaFS struct{ fsys fstest.MapFS }

func (m mediaFS) Open(key, name string) (fs.File, error) { return m.fsys.Open(key + "/" + name) }

const imageKey = "court-ban-1a2b3c"

func tinyJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	for x := range 8 {
		for y := range 4 {
			img.Set(x, y, color.RGBA{uint8(x * 30), uint8(y * 60), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, filepath.Join(t.TempDir(), "db"))
}

// newFixtureOn is newFixture on the database dsn names: a SQLite path or
// a PostgreSQL URL.
func newFixtureOn(t *testing.T, dsn string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{
		st:       st,
		svc:      content.NewService(st, content.NewRenderer()),
		now:      time.Now().UTC().Truncate(time.Second),
		sections: map[string]content.Section{},
		authors:  map[string]content.Author{},
	}
	for i, sec := range []content.Section{
		{Slug: "news", Name: "News"}, {Slug: "culture", Name: "Culture"}, {Slug: "opinion", Name: "Opinion"},
	} {
		sec.Order = i + 1
		if err := st.CreateSection(ctx, &sec); err != nil {
			t.Fatalf("create section: %v", err)
		}
		f.sections[sec.Slug] = sec
	}
	for _, au := range []content.Author{
		{Slug: "mara-lind", Name: "Mara Lind", Bio: "Mara Lind covers courts and elections."},
		{Slug: "ivan-petrov", Name: "Иван Петров", Bio: "Иван Петров пишет о регионах."},
	} {
		if err := st.CreateAuthor(ctx, &au); err != nil {
			t.Fatalf("create author: %v", err)
		}
		f.authors[au.Slug] = au
	}
	jpg := tinyJPEG(t)
	media := fstest.MapFS{}
	for _, w := range []int{480, 960, 1600} {
		media[imageKey+"/"+strconv.Itoa(w)+".jpg"] = &fstest.MapFile{Data: jpg, ModTime: f.now}
		media[imageKey+"/"+strconv.Itoa(w)+".webp"] = &fstest.MapFile{Data: tinyWebP, ModTime: f.now}
	}
	f.s, err = New(Config{
		Settings:   Settings{Name: testName, Description: "Independent reporting, funded by readers.", Lang: "en", BaseURL: testBase + "/"},
		Reader:     st,
		Media:      mediaFS{media},
		Web:        web.FS,
		Log:        slog.New(slog.DiscardHandler),
		Registry:   prometheus.NewRegistry(),
		CacheBytes: 8 << 20,
	})
	if err != nil {
		t.Fatalf("site.New: %v", err)
	}
	// The node's follower of the change feed, as the server wires it.
	feed, err := st.NewFeed(ctx, func(_ context.Context, changes []store.Change) {
		for _, c := range changes {
			f.s.InvalidateKeys(c.Keys...)
		}
	}, func(err error) { t.Errorf("change feed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(feed.Close)
	mux := http.NewServeMux()
	f.s.Routes(mux)
	f.h = httpx.SecurityHeaders(f.s.StrictSlash(mux))
	f.wire = wiretest.Start(t, f.h, f.s.FastPath())

	mara, ivan := f.authors["mara-lind"], f.authors["ivan-petrov"]
	for i := range 22 {
		tag := "Elections"
		if i%2 == 0 {
			tag = "Courts"
		}
		f.news = append(f.news, f.create(t, &content.Article{
			Headline:    fmt.Sprintf("News story number %d", i),
			Dek:         fmt.Sprintf("What happened in story %d.", i),
			Body:        fmt.Sprintf("Reporting for story %d about the regional budget.\n\nA second paragraph.", i),
			Lang:        "en",
			Status:      content.StatusPublished,
			Section:     f.sections["news"],
			Authors:     []content.Author{mara},
			Tags:        []content.Tag{{Name: tag}},
			PublishedAt: f.now.Add(-time.Duration(i+1) * time.Hour),
		}))
	}
	f.featured = f.create(t, &content.Article{
		Slug:     "court-upholds-ban",
		Headline: "Court upholds ban on the Velsk Courier",
		Dek:      "The appeals court confirmed the ban & the fine.",
		Body: "The appeals **court** in Velsk confirmed the ban on Tuesday. <script>alert(1)</script>\n\n" +
			"Read the [ruling](https://courts.example.net/ruling) and our [archive](/news/).\n\n" +
			"The editors said the newspaper would keep publishing from abroad.",
		Lang:    "en",
		Status:  content.StatusPublished,
		Section: f.sections["news"],
		Authors: []content.Author{mara, ivan},
		Tags:    []content.Tag{{Name: "Courts"}, {Name: "Press freedom"}},
		Image: content.Image{Key: imageKey, Width: 1600, Height: 900, Widths: []int{480, 960, 1600},
			Alt: "The courthouse in Velsk at dusk", Credit: "Ana Test", Caption: "The courthouse."},
		Corrections: []content.Correction{{CreatedAt: f.now.Add(-10 * time.Minute), Text: "An earlier version misnamed the presiding judge."}},
		PublishedAt: f.now.Add(-30 * time.Minute),
	})
	for i := range 3 {
		f.culture = append(f.culture, f.create(t, &content.Article{
			Headline:    fmt.Sprintf("Culture piece number %d", i),
			Dek:         "A book from the diaspora.",
			Body:        "A review of a novel written in exile.",
			Lang:        "en",
			Status:      content.StatusPublished,
			Section:     f.sections["culture"],
			Authors:     []content.Author{mara},
			Tags:        []content.Tag{{Name: "Books"}},
			PublishedAt: f.now.Add(-time.Duration(3+2*i) * time.Hour),
		}))
	}
	f.russian = f.create(t, &content.Article{
		Slug:        "vybory-perenesli",
		Headline:    "Выборы в Северном крае перенесли на осень",
		Dek:         "Избирательная комиссия объяснила перенос нехваткой денег.",
		Body:        "Голосование на выборах губернатора должно было пройти весной.\n\nКомиссия не назвала новую дату.",
		Lang:        "ru",
		Status:      content.StatusPublished,
		Section:     f.sections["opinion"],
		Authors:     []content.Author{ivan},
		Tags:        []content.Tag{{Name: "Выборы"}},
		PublishedAt: f.now.Add(-150 * time.Minute),
	})
	f.old = f.create(t, &content.Article{
		Headline:    "An older opinion on the border",
		Dek:         "Written three days ago.",
		Body:        "The border has been closed for a year.",
		Lang:        "en",
		Status:      content.StatusPublished,
		Section:     f.sections["opinion"],
		Authors:     []content.Author{mara},
		PublishedAt: f.now.Add(-72 * time.Hour),
	})
	f.draft = f.create(t, &content.Article{
		Slug:     "secret-draft-story",
		Headline: "Secret draft about the minister's yacht",
		Dek:      "Not ready yet.",
		Body:     "Unpublished reporting.",
		Lang:     "en",
		Status:   content.StatusDraft,
		Section:  f.sections["news"],
		Authors:  []content.Author{mara},
		Tags:     []content.Tag{{Name: "Courts"}, {Name: "Yacht affair"}},
	})
	return f
}

func (f *fixture) create(t *testing.T, a *content.Article) *content.Article {
	t.Helper()
	if err := f.svc.Create(context.Background(), a); err != nil {
		t.Fatalf("create %q: %v", a.Headline, err)
	}
	f.all = append(f.all, a)
	return a
}

// reload returns the stored article, with its current version.
func (f *fixture) reload(t *testing.T, a *content.Article) *content.Article {
	t.Helper()
	got, err := f.st.ArticleByID(context.Background(), a.ID)
	if err != nil {
		t.Fatalf("reload %d: %v", a.ID, err)
	}
	return got
}

// live returns the stored live articles, newest first, as readers see them.
// liveIn is live in one edition's language, newest first.
func (f *fixture) liveIn(t *testing.T, lang string) []*content.Article {
	t.Helper()
	var out []*content.Article
	for _, a := range f.live(t) {
		if a.Lang == lang {
			out = append(out, a)
		}
	}
	return out
}

func (f *fixture) live(t *testing.T) []*content.Article {
	t.Helper()
	var out []*content.Article
	for _, a := range f.all {
		a = f.reload(t, a)
		if a.Live(time.Now()) {
			out = append(out, a)
		}
	}
	// Newest first, then higher ID first, as lists are ordered.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && newer(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func newer(a, b *content.Article) bool {
	if !a.PublishedAt.Equal(b.PublishedAt) {
		return a.PublishedAt.After(b.PublishedAt)
	}
	return a.ID > b.ID
}

// checkHeaders are the security headers every response must carry.
func checkHeaders(t *testing.T, path string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("GET %s: Content-Security-Policy = %q, want it to contain %q", path, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("GET %s: Content-Security-Policy = %q, want no unsafe-inline", path, csp)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET %s: X-Content-Type-Options = %q, want nosniff", path, got)
	}
	if got := h.Get("Referrer-Policy"); got == "" {
		t.Errorf("GET %s: Referrer-Policy missing", path)
	}
	if got := h.Get("Permissions-Policy"); got == "" {
		t.Errorf("GET %s: Permissions-Policy missing", path)
	}
}

// get requests path and checks what every response must satisfy: the
// security headers, and never a 500.
func (f *fixture) get(t *testing.T, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = strings.TrimPrefix(testBase, "https://") // the site's own name, which the fast path answers
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := f.wire.Do(t, req)
	if rec.Code >= 500 {
		t.Errorf("GET %s: status %d, want no server error; body: %.300s", path, rec.Code, rec.Body.String())
	}
	checkHeaders(t, path, rec.Header())
	return rec
}

// body fetches path, wants 200, and returns the body.
func (f *fixture) body(t *testing.T, path string) string {
	t.Helper()
	rec := f.get(t, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", path, rec.Code)
	}
	return rec.Body.String()
}

// htmlPaths are pages of every kind, for checks that hold on all of them.
func (f *fixture) htmlPaths() []string {
	return []string{
		"/", "/news/", "/news/?page=2", "/culture/", "/opinion/",
		f.featured.Path(), f.russian.Path(), f.news[3].Path(), f.culture[0].Path(),
		"/tag/courts/", "/tag/vybory/", "/author/mara-lind/", "/author/ivan-petrov/",
		"/search", "/search?q=court", "/search?q=%D0%B2%D1%8B%D0%B1%D0%BE%D1%80%D1%8B", "/search?q=nothingmatchesthis",
		"/no-such-section/", "/news/?page=0", "/2001/01/01/no-such-story",
	}
}

func parseHTML(t *testing.T, s string) *html.Node {
	t.Helper()
	n, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("parse html: %v", err)
	}
	return n
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// findAll returns the elements under n matching tag (any when "") and pred.
func findAll(n *html.Node, tag string, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (tag == "" || n.Data == tag) && (pred == nil || pred(n)) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func hasAttr(name, val string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		v, ok := attr(n, name)
		return ok && v == val
	}
}

func hasClass(class string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		v, _ := attr(n, "class")
		for c := range strings.FieldsSeq(v) {
			if c == class {
				return true
			}
		}
		return false
	}
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func metaContent(doc *html.Node, key, name string) string {
	for _, m := range findAll(doc, "meta", hasAttr(key, name)) {
		v, _ := attr(m, "content")
		return v
	}
	return ""
}

func TestPublicURLs(t *testing.T) {
	f := newFixture(t)
	home := f.body(t, "/")
	var css string
	for _, l := range findAll(parseHTML(t, home), "link", hasAttr("rel", "stylesheet")) {
		css, _ = attr(l, "href")
	}
	if !strings.HasPrefix(css, "/static/") {
		t.Fatalf("stylesheet href in home page = %q, want a /static/ URL", css)
	}
	tests := []struct {
		path  string
		ctype string
	}{
		{"/", "text/html; charset=utf-8"},
		{"/news/", "text/html; charset=utf-8"},
		{"/news/?page=2", "text/html; charset=utf-8"},
		{"/culture/", "text/html; charset=utf-8"},
		{f.featured.Path(), "text/html; charset=utf-8"},
		{f.russian.Path(), "text/html; charset=utf-8"},
		{"/tag/courts/", "text/html; charset=utf-8"},
		{"/tag/press-freedom/", "text/html; charset=utf-8"},
		{"/author/mara-lind/", "text/html; charset=utf-8"},
		{"/author/ivan-petrov/", "text/html; charset=utf-8"},
		{"/search?q=court", "text/html; charset=utf-8"},
		{"/search", "text/html; charset=utf-8"},
		// RSS and Atom as XML, so that browsers apply their stylesheet.
		{"/feed.xml", "application/xml; charset=utf-8"},
		{"/atom.xml", "application/xml; charset=utf-8"},
		{"/feed.json", "application/feed+json; charset=utf-8"},
		{"/news/feed.xml", "application/xml; charset=utf-8"},
		{"/sitemap.xml", "application/xml; charset=utf-8"},
		{"/news-sitemap.xml", "application/xml; charset=utf-8"},
		{"/robots.txt", "text/plain; charset=utf-8"},
		{css, "text/css; charset=utf-8"},
		{"/media/" + imageKey + "/960.jpg", "image/jpeg"},
		{"/favicon.ico", "image/svg+xml"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := f.get(t, tt.path)
			if rec.Code != http.StatusOK {
				t.Errorf("GET %s: got status %d, want 200", tt.path, rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("GET %s: got Content-Type %q, want %q", tt.path, got, tt.ctype)
			}
			if rec.Body.Len() == 0 {
				t.Errorf("GET %s: got empty body", tt.path)
			}
		})
	}
	// Page 2 of a section holds what page 1 does not.
	p2 := f.body(t, "/news/?page=2")
	if !strings.Contains(p2, f.news[len(f.news)-1].Headline) {
		t.Errorf("/news/?page=2 does not show the oldest news story %q", f.news[len(f.news)-1].Headline)
	}
	if strings.Contains(p2, f.featured.Headline) {
		t.Errorf("/news/?page=2 shows the newest story %q, which belongs on page 1", f.featured.Headline)
	}
}

func TestWrongDateRedirects(t *testing.T) {
	f := newFixture(t)
	tests := []string{
		"/1999/12/31/" + f.featured.Slug,
		"/2001/1/1/" + f.featured.Slug,
		strings.Replace(f.russian.Path(), "/"+f.russian.PublishedAt.Format("2006")+"/", "/2000/", 1),
	}
	for _, path := range tests {
		rec := f.get(t, path)
		if rec.Code != http.StatusMovedPermanently {
			t.Errorf("GET %s: got status %d, want 301", path, rec.Code)
			continue
		}
		want := f.featured.Path()
		if strings.Contains(path, f.russian.Slug) {
			want = f.russian.Path()
		}
		if got := rec.Header().Get("Location"); got != want {
			t.Errorf("GET %s: got Location %q, want %q", path, got, want)
		}
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t)
	draftPaths := []string{f.draft.Path(), "/2026/01/01/" + f.draft.Slug}
	tests := []string{
		"/no-such-section/",
		"/no-such-section/feed.xml",
		"/tag/no-such-tag/",
		"/author/no-such-author/",
		"/2020/01/01/no-such-story",
		"/tag/Bad_Tag!/",
		"/author/..%2f..%2fetc/",
		"/2020/01/01/Bad_Slug",
		"/2020/01/01/bad%20slug",
		"/2020/01/01/%3Cscript%3E",
		"/abcd/01/01/" + f.featured.Slug,
		"/NEWS/",
		"/static/nope/style.css.map",
		"/media/" + imageKey + "/123.jpg",
		"/media/..%2f/960.jpg",
		"/sitemaps/1/sitemap.xml",
		"/news/extra/path",
		"/?page=2",
	}
	tests = append(tests, draftPaths...)
	for _, path := range tests {
		t.Run(path, func(t *testing.T) {
			rec := f.get(t, path)
			if rec.Code != http.StatusNotFound {
				t.Fatalf("GET %s: got status %d, want 404", path, rec.Code)
			}
			body := rec.Body.String()
			for _, want := range []string{testName, "We could not find", `<link rel="stylesheet" href="/static/`} {
				if !strings.Contains(body, want) {
					t.Errorf("GET %s: 404 page does not contain %q (site layout)", path, want)
				}
			}
			if strings.Contains(body, "yacht") {
				t.Errorf("GET %s: 404 page shows the draft's headline", path)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("a", 3000)
	tests := []struct {
		path string
		want int
	}{
		{"/news/?page=0", http.StatusBadRequest},
		{"/news/?page=-1", http.StatusBadRequest},
		{"/news/?page=abc", http.StatusBadRequest},
		{"/news/?page=99999999999999999999", http.StatusBadRequest},
		{"/news/?page=1.5", http.StatusBadRequest},
		{"/news/?page=999", http.StatusNotFound},
		{"/news/?page=3", http.StatusNotFound},
		{"/tag/courts/?page=0", http.StatusBadRequest},
		{"/tag/courts/?page=999", http.StatusNotFound},
		{"/author/mara-lind/?page=-1", http.StatusBadRequest},
		{"/author/mara-lind/?page=999", http.StatusNotFound},
		{"/search?q=court&page=0", http.StatusBadRequest},
		{"/search?q=court&page=abc", http.StatusBadRequest},
		{"/search?q=court&page=999", http.StatusNotFound},
		{"/search?q=" + long, http.StatusBadRequest},
		{"/news/?page=2", http.StatusOK},
		{"/news/?page=1", http.StatusOK},
		{"/news/?utm_source=x", http.StatusOK},
	}
	for _, tt := range tests {
		rec := f.get(t, tt.path)
		if rec.Code != tt.want {
			t.Errorf("GET %.80s: got status %d, want %d", tt.path, rec.Code, tt.want)
		}
		if tt.want != http.StatusOK && !strings.Contains(rec.Body.String(), testName) {
			t.Errorf("GET %.80s: error page is not in the site's layout", tt.path)
		}
	}
}

func TestHostileSearch(t *testing.T) {
	f := newFixture(t)
	queries := []string{
		`"`, `""`, `"court`, `(((`, `)))`, `NEAR(`, `NEAR(court ban, 2)`, `*`, `court*`, `-`, `--`, `-court`,
		`'; DROP TABLE articles; --`, `court AND OR NOT`, `^court`, `headline:court`, `{court}`, `:`, `\`,
		`<script>alert(1)</script>`, "\x00", "court\x01ban\x02",
		strings.Repeat("court ", 300),
	}
	for _, q := range queries {
		path := "/search?q=" + url.QueryEscape(q)
		rec := f.get(t, path)
		if rec.Code != http.StatusOK {
			t.Errorf("search %q: got status %d, want 200", q, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "<script>alert") {
			t.Errorf("search %q: page reflects a <script> tag", q)
		}
	}
	for _, raw := range []string{"/search?q=%ff%fe", "/search?q=%ff", "/search?q=%c3", "/search?q=%d0%b2%ff%d1"} {
		rec := f.get(t, raw)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: got status %d, want 200", raw, rec.Code)
		}
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	f := newFixture(t)
	paths := append(f.htmlPaths(), "/feed.xml", "/atom.xml", "/feed.json", "/sitemap.xml", "/news-sitemap.xml",
		"/robots.txt", "/favicon.ico", "/media/"+imageKey+"/480.jpg", "/1999/01/01/"+f.featured.Slug,
		"/search?q="+strings.Repeat("x", 3000))
	for _, p := range paths {
		f.get(t, p) // checks the headers
	}
	// A 304 carries them too.
	rec := f.get(t, "/")
	f.get(t, "/", "If-None-Match", rec.Header().Get("ETag"))
}

func TestCachedResponses(t *testing.T) {
	f := newFixture(t)
	paths := []string{"/", "/news/", "/news/?page=2", f.featured.Path(), f.russian.Path(), "/tag/courts/",
		"/author/mara-lind/", "/feed.xml", "/atom.xml", "/feed.json", "/news/feed.xml", "/sitemap.xml", "/news-sitemap.xml"}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			plain := f.get(t, path)
			if plain.Code != http.StatusOK {
				t.Fatalf("GET %s: got status %d, want 200", path, plain.Code)
			}
			h := plain.Header()
			etag := h.Get("ETag")
			if etag == "" || !strings.HasPrefix(etag, `"`) {
				t.Errorf("GET %s: got ETag %q, want a quoted tag", path, etag)
			}
			cc := h.Get("Cache-Control")
			if !strings.Contains(cc, "public") || !strings.Contains(cc, "max-age=") {
				t.Errorf("GET %s: got Cache-Control %q, want public with max-age", path, cc)
			}
			if got := h.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("GET %s: got Vary %q, want Accept-Encoding", path, got)
			}
			if got := h.Get("Content-Encoding"); got != "" {
				t.Errorf("GET %s without Accept-Encoding: got Content-Encoding %q, want none", path, got)
			}
			if got, want := h.Get("Content-Length"), strconv.Itoa(plain.Body.Len()); got != want {
				t.Errorf("GET %s: got Content-Length %s, want %s", path, got, want)
			}

			nm := f.get(t, path, "If-None-Match", etag)
			if nm.Code != http.StatusNotModified {
				t.Errorf("GET %s If-None-Match %s: got status %d, want 304", path, etag, nm.Code)
			}
			if nm.Body.Len() != 0 {
				t.Errorf("GET %s If-None-Match: got %d body bytes, want none", path, nm.Body.Len())
			}
			if got := nm.Header().Get("ETag"); got != etag {
				t.Errorf("GET %s If-None-Match: got ETag %q, want %q", path, got, etag)
			}
			if other := f.get(t, path, "If-None-Match", `"something-else"`); other.Code != http.StatusOK {
				t.Errorf("GET %s with a stale If-None-Match: got status %d, want 200", path, other.Code)
			}

			gz := f.get(t, path, "Accept-Encoding", "gzip, deflate") // br, also offered, would win
			if gz.Code != http.StatusOK {
				t.Fatalf("GET %s gzip: got status %d, want 200", path, gz.Code)
			}
			if got := gz.Header().Get("Content-Encoding"); got != "gzip" {
				t.Fatalf("GET %s gzip: got Content-Encoding %q, want gzip", path, got)
			}
			if got := gz.Header().Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("GET %s gzip: got Vary %q, want Accept-Encoding", path, got)
			}
			if gz.Header().Get("ETag") == etag {
				t.Errorf("GET %s gzip: ETag %s equals the identity ETag; representations must differ", path, etag)
			}
			zr, err := gzip.NewReader(gz.Body)
			if err != nil {
				t.Fatalf("GET %s gzip: %v", path, err)
			}
			unz, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("GET %s gzip: %v", path, err)
			}
			if !bytes.Equal(unz, plain.Body.Bytes()) {
				t.Errorf("GET %s: gunzipped body (%d bytes) differs from the identity body (%d bytes)", path, len(unz), plain.Body.Len())
			}
			if gz304 := f.get(t, path, "Accept-Encoding", "gzip", "If-None-Match", gz.Header().Get("ETag")); gz304.Code != http.StatusNotModified {
				t.Errorf("GET %s gzip If-None-Match: got status %d, want 304", path, gz304.Code)
			}
			if no := f.get(t, path, "Accept-Encoding", "gzip;q=0"); no.Header().Get("Content-Encoding") != "" {
				t.Errorf("GET %s Accept-Encoding gzip;q=0: got Content-Encoding %q, want none", path, no.Header().Get("Content-Encoding"))
			}
		})
	}
}

func TestCacheHit(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/news/", f.featured.Path(), "/feed.xml", "/tag/courts/"} {
		key := f.s.testCacheKey(path)
		if f.s.cache.has(key) {
			t.Fatalf("%s cached before any request", path)
		}
		first := f.body(t, path)
		if !f.s.cache.has(key) {
			t.Fatalf("GET %s: page not cached under %q after the first request", path, key)
		}
		e := f.s.cache.get(key)
		second := f.body(t, path)
		if f.s.cache.get(key) != e {
			t.Errorf("GET %s: second request re-rendered the page, want a cache hit", path)
		}
		if first != second {
			t.Errorf("GET %s: cached page differs from the first response", path)
		}
	}
	// Tracking parameters share the page's cache entry.
	f.body(t, "/news/?utm_source=newsletter&fbclid=abc")
	if f.s.cache.has("/news/?utm_source=newsletter&fbclid=abc") {
		t.Error("a tracking parameter made its own cache entry")
	}
}

func TestCacheInvalidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	affected := []string{f.featured.Path(), "/", "/news/", "/feed.xml", "/atom.xml", "/feed.json", "/news/feed.xml",
		"/tag/courts/", "/tag/press-freedom/", "/author/mara-lind/", "/author/ivan-petrov/"}
	unrelated := []string{"/culture/", "/culture/feed.xml", f.culture[0].Path(), "/tag/books/"}
	for _, p := range append(affected, unrelated...) {
		f.body(t, p)
		if !f.s.cache.has(f.s.testCacheKey(p)) {
			t.Fatalf("GET %s: not cached", p)
		}
	}
	for _, p := range affected[:4] {
		if body := f.body(t, p); !strings.Contains(body, f.featured.Headline) {
			t.Fatalf("GET %s does not show %q before the update", p, f.featured.Headline)
		}
	}
	unrelatedEntries := map[string]*entry{}
	for _, p := range unrelated {
		unrelatedEntries[p] = f.s.cache.get(f.s.testCacheKey(p))
	}

	oldHeadline := f.featured.Headline
	a := f.reload(t, f.featured)
	a.Headline = "Court lifts the ban on the Velsk Courier"
	if err := f.svc.Update(ctx, a); err != nil {
		t.Fatalf("update: %v", err)
	}
	for _, p := range affected {
		body := f.body(t, p)
		if !strings.Contains(body, a.Headline) {
			t.Errorf("GET %s after the update: does not show the new headline %q", p, a.Headline)
		}
		if strings.Contains(body, oldHeadline) {
			t.Errorf("GET %s after the update: still shows the old headline %q (stale cache)", p, oldHeadline)
		}
	}
	for _, p := range unrelated {
		if got := f.s.cache.get(f.s.testCacheKey(p)); got == nil || got != unrelatedEntries[p] {
			t.Errorf("%s: dropped from the cache by an update to an article it does not show (want exact invalidation)", p)
		}
	}
}

func TestPublishDraft(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, p := range []string{"/", "/tag/courts/", "/news/", "/feed.xml", "/sitemap.xml"} {
		rec := f.get(t, p)
		if strings.Contains(rec.Body.String(), f.draft.Slug) || strings.Contains(rec.Body.String(), "yacht") {
			t.Fatalf("GET %s shows the draft before it is published", p)
		}
	}
	// The draft's own tag must not reveal the unpublished story.
	if rec := f.get(t, "/tag/yacht-affair/"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /tag/yacht-affair/ (only a draft has it): got status %d, want 404", rec.Code)
	}
	if rec := f.get(t, f.draft.Path()); rec.Code != http.StatusNotFound {
		t.Fatalf("GET draft %s: got status %d, want 404", f.draft.Path(), rec.Code)
	}
	d := f.reload(t, f.draft)
	d.Status = content.StatusPublished
	d.PublishedAt = time.Now().UTC().Truncate(time.Second)
	if err := f.svc.Update(ctx, d); err != nil {
		t.Fatalf("publish: %v", err)
	}
	for _, p := range []string{"/", "/tag/courts/", "/tag/yacht-affair/", "/news/", "/feed.xml", "/author/mara-lind/", d.Path()} {
		body := f.body(t, p)
		if !strings.Contains(body, d.Path()) || !strings.Contains(body, html.EscapeString(d.Headline)) {
			t.Errorf("GET %s after publishing: does not link %s with its headline %q", p, d.Path(), d.Headline)
		}
	}
}

// TestPublishDraftDefaultsDate publishes a draft without a date, which
// content.Service.prepare means to fill with the current time.
func TestPublishDraftDefaultsDate(t *testing.T) {
	f := newFixture(t)
	d := f.reload(t, f.draft)
	d.Status = content.StatusPublished
	err := f.svc.Update(context.Background(), d)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if d.PublishedAt.IsZero() {
		t.Fatal("publishing did not set PublishedAt")
	}
	if body := f.body(t, "/"); !strings.Contains(body, d.Path()) {
		t.Errorf("home after publishing does not show %q", d.Headline)
	}
}

func TestUnpublish(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	path := f.featured.Path()
	for _, p := range []string{path, "/", "/news/", "/tag/press-freedom/", "/feed.xml", "/sitemap.xml"} {
		if body := f.body(t, p); !strings.Contains(body, f.featured.Slug) {
			t.Fatalf("GET %s does not link the article before unpublishing", p)
		}
	}
	a := f.reload(t, f.featured)
	a.Status = content.StatusDraft
	if err := f.svc.Update(ctx, a); err != nil {
		t.Fatalf("unpublish: %v", err)
	}
	if rec := f.get(t, path); rec.Code != http.StatusNotFound {
		t.Errorf("GET %s after unpublishing: got status %d, want 404", path, rec.Code)
	}
	// Its only article gone, the tag page goes too.
	if rec := f.get(t, "/tag/press-freedom/"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /tag/press-freedom/ after unpublishing its only article: got status %d, want 404", rec.Code)
	}
	for _, p := range []string{"/", "/news/", "/tag/courts/", "/author/ivan-petrov/", "/feed.xml", "/atom.xml", "/feed.json", "/sitemap.xml", "/news-sitemap.xml"} {
		if body := f.body(t, p); strings.Contains(body, f.featured.Slug) || strings.Contains(body, "press-freedom") {
			t.Errorf("GET %s after unpublishing: still links the article", p)
		}
	}
}

func TestArticlePage(t *testing.T) {
	f := newFixture(t)
	a := f.reload(t, f.featured)
	body := f.body(t, a.Path())
	doc := parseHTML(t, body)

	if htmls := findAll(doc, "html", hasAttr("lang", "en")); len(htmls) != 1 {
		t.Errorf(`got %d <html lang="en">, want 1`, len(htmls))
	}
	canon := findAll(doc, "link", hasAttr("rel", "canonical"))
	if len(canon) != 1 {
		t.Fatalf("got %d canonical links, want 1", len(canon))
	}
	if got, _ := attr(canon[0], "href"); got != testBase+a.Path() {
		t.Errorf("canonical: got %q, want %q", got, testBase+a.Path())
	}
	metas := []struct{ key, name, want string }{
		{"property", "og:title", a.Headline},
		{"property", "og:type", "article"},
		{"property", "og:url", testBase + a.Path()},
		{"property", "og:image", testBase + "/media/" + imageKey + "/1600.jpg"},
		{"property", "og:image:alt", a.Image.Alt},
		{"property", "article:published_time", a.PublishedAt.Format(time.RFC3339)},
		{"name", "twitter:card", "summary_large_image"},
		{"name", "description", a.Dek},
	}
	for _, m := range metas {
		if got := metaContent(doc, m.key, m.name); got != m.want {
			t.Errorf("meta %s: got %q, want %q", m.name, got, m.want)
		}
	}

	// JSON-LD.
	lds := findAll(doc, "script", hasAttr("type", "application/ld+json"))
	if len(lds) != 1 {
		t.Fatalf("got %d JSON-LD scripts, want 1", len(lds))
	}
	var ld struct {
		Type          string `json:"@type"`
		Headline      string `json:"headline"`
		DatePublished string `json:"datePublished"`
		DateModified  string `json:"dateModified"`
		InLanguage    string `json:"inLanguage"`
		Image         []string
		Author        []struct {
			Type string `json:"@type"`
			Name string `json:"name"`
		} `json:"author"`
	}
	if err := json.Unmarshal([]byte(text(lds[0])), &ld); err != nil {
		t.Fatalf("JSON-LD does not parse: %v\n%s", err, text(lds[0]))
	}
	if ld.Type != "NewsArticle" {
		t.Errorf(`JSON-LD @type: got %q, want "NewsArticle"`, ld.Type)
	}
	if ld.Headline != a.Headline {
		t.Errorf("JSON-LD headline: got %q, want %q", ld.Headline, a.Headline)
	}
	if want := a.PublishedAt.UTC().Format(time.RFC3339); ld.DatePublished != want {
		t.Errorf("JSON-LD datePublished: got %q, want %q", ld.DatePublished, want)
	}
	if _, err := time.Parse(time.RFC3339, ld.DateModified); err != nil {
		t.Errorf("JSON-LD dateModified %q: %v", ld.DateModified, err)
	}
	var names []string
	for _, au := range ld.Author {
		names = append(names, au.Name)
	}
	if got, want := strings.Join(names, ","), "Mara Lind,Иван Петров"; got != want {
		t.Errorf("JSON-LD authors: got %q, want %q", got, want)
	}
	if len(ld.Image) == 0 || !strings.HasPrefix(ld.Image[0], testBase+"/media/") {
		t.Errorf("JSON-LD image: got %q, want absolute media URLs", ld.Image)
	}

	story := findAll(doc, "article", hasClass("story"))
	if len(story) != 1 {
		t.Fatalf("got %d article.story, want 1", len(story))
	}
	times := findAll(story[0], "time", nil)
	if len(times) == 0 {
		t.Error("no <time> in the article")
	} else if got, _ := attr(times[0], "datetime"); got != a.PublishedAt.UTC().Format(time.RFC3339) {
		t.Errorf("<time datetime>: got %q, want %q", got, a.PublishedAt.UTC().Format(time.RFC3339))
	}
	var bylines []string
	for _, l := range findAll(story[0], "a", hasAttr("rel", "author")) {
		href, _ := attr(l, "href")
		bylines = append(bylines, href+"="+text(l))
	}
	if got, want := strings.Join(bylines, " "), "/author/mara-lind/=Mara Lind /author/ivan-petrov/=Иван Петров"; got != want {
		t.Errorf("byline links: got %q, want %q", got, want)
	}
	if !strings.Contains(text(story[0]), a.Corrections[0].Text) {
		t.Errorf("article page does not show the correction %q", a.Corrections[0].Text)
	}
	var tags []string
	for _, l := range findAll(story[0], "a", hasAttr("rel", "tag")) {
		href, _ := attr(l, "href")
		tags = append(tags, href)
	}
	if got, want := strings.Join(tags, " "), "/tag/courts/ /tag/press-freedom/"; got != want {
		t.Errorf("tag links: got %q, want %q", got, want)
	}

	// Read more.
	related := findAll(doc, "section", hasClass("related"))
	if len(related) != 1 {
		t.Fatalf("got %d related sections, want 1", len(related))
	}
	cards := findAll(related[0], "article", hasClass("card"))
	if n := len(cards); n < 3 || n > 5 {
		t.Errorf("Read more: got %d articles, want 3 to 5", n)
	}
	for _, l := range findAll(related[0], "a", nil) {
		if href, _ := attr(l, "href"); href == a.Path() {
			t.Errorf("Read more links the article itself")
		}
	}

	// Lead image.
	imgs := findAll(doc, "figure", hasClass("lead"))
	if len(imgs) != 1 {
		t.Fatalf("got %d lead figures, want 1", len(imgs))
	}
	img := findAll(imgs[0], "img", nil)[0]
	for _, name := range []string{"width", "height", "srcset", "alt", "src"} {
		if v, ok := attr(img, name); !ok || v == "" {
			t.Errorf("lead image: attribute %s missing or empty", name)
		}
	}
	if got, _ := attr(img, "alt"); got != a.Image.Alt {
		t.Errorf("lead image alt: got %q, want %q", got, a.Image.Alt)
	}
	if got, _ := attr(img, "srcset"); !strings.Contains(got, "/media/"+imageKey+"/480.jpg 480w") {
		t.Errorf("lead image srcset: got %q, want the 480w variant", got)
	}

	// The <script> in the Markdown body is gone; the link to another site stays.
	if strings.Contains(body, "alert(1)") || strings.Contains(body, "<script>") {
		t.Error("article page contains the <script> written into the body")
	}
	if !strings.Contains(body, `href="https://courts.example.net/ruling"`) {
		t.Error("article body lost its link to another site")
	}
}

func TestRussianArticlePage(t *testing.T) {
	f := newFixture(t)
	body := f.body(t, f.russian.Path())
	doc := parseHTML(t, body)
	if got := findAll(doc, "html", hasAttr("lang", "ru")); len(got) != 1 {
		t.Errorf(`Russian article: got %d <html lang="ru">, want 1`, len(got))
	}
	// The whole page is in the article's language, the masthead too.
	if got := findAll(doc, "header", hasAttr("lang", "en")); len(got) != 0 {
		t.Errorf(`Russian article: got %d <header lang="en">, want the masthead in Russian`, len(got))
	}
	published := i18n.New("en").Locale("ru").Date(f.reload(t, f.russian).PublishedAt) // "2 декабря 2026"
	for _, want := range []string{"Перейти к тексту", "Поддержать нас", "Текст:", published, "Опубликовано"} {
		if !strings.Contains(body, want) {
			t.Errorf("Russian article page lacks %q", want)
		}
	}
	if got := metaContent(doc, "property", "og:locale"); got != "ru_RU" {
		t.Errorf("og:locale: got %q, want ru_RU", got)
	}
	if !strings.Contains(body, f.russian.Headline) {
		t.Errorf("page does not show %q", f.russian.Headline)
	}
	if got := metaContent(doc, "name", "twitter:card"); got != "summary" {
		t.Errorf("twitter:card without an image: got %q, want summary", got)
	}
}

func TestSearchResults(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		edition, q, want, mark string
	}{
		{"", "court", f.featured.Headline, "court"},
		{"/ru", "губернатором", f.russian.Headline, "губернатора"}, // the body has «губернатора»
		{"/ru", "выборах", f.russian.Headline, "выбор"},            // any form: «Выборы» in the headline, «выборах» in the body
		{"", `"keep publishing"`, f.featured.Headline, "keep"},
	}
	for _, tt := range tests {
		body := f.body(t, tt.edition+"/search?q="+url.QueryEscape(tt.q))
		doc := parseHTML(t, body)
		results := findAll(doc, "ol", hasClass("results"))
		if len(results) != 1 {
			t.Errorf("search %q: got %d result lists, want 1", tt.q, len(results))
			continue
		}
		if !strings.Contains(text(results[0]), tt.want) {
			t.Errorf("search %q: results do not include %q", tt.q, tt.want)
		}
		var marked []string
		for _, m := range findAll(results[0], "mark", nil) {
			marked = append(marked, strings.ToLower(text(m)))
		}
		if !strings.Contains(strings.Join(marked, " "), tt.mark) {
			t.Errorf("search %q: got <mark>ed %q, want %q among them", tt.q, marked, tt.mark)
		}
	}
	// Each edition searches its own language, unless asked for every one.
	if body := f.body(t, "/search?q="+url.QueryEscape("выборах")); strings.Contains(body, f.russian.Headline) {
		t.Error("the English edition's search finds the Russian article")
	}
	if body := f.body(t, "/search?in=all&q="+url.QueryEscape("выборах")); !strings.Contains(body, f.russian.Headline) {
		t.Error("a search in every language does not find the Russian article")
	}
	if body := f.body(t, "/search?q="+url.QueryEscape("yacht")); strings.Contains(body, f.draft.Slug) {
		t.Error("search finds a draft")
	}
	if body := f.body(t, "/search?q=court+-velsk"); strings.Contains(body, f.featured.Headline) {
		t.Error("search for court -velsk finds the Velsk story")
	}
}

// TestNoScriptsOrForeignResources: pages work without JavaScript and load
// nothing from other hosts.
func TestNoScriptsOrForeignResources(t *testing.T) {
	f := newFixture(t)
	for _, p := range f.htmlPaths() {
		rec := f.get(t, p)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q, want HTML", p, ct)
			continue
		}
		doc := parseHTML(t, rec.Body.String())
		for _, s := range findAll(doc, "script", nil) {
			if typ, _ := attr(s, "type"); typ != "application/ld+json" {
				t.Errorf("GET %s: <script type=%q>, want only application/ld+json", p, typ)
			}
			if src, ok := attr(s, "src"); ok {
				t.Errorf("GET %s: <script src=%q>", p, src)
			}
		}
		for _, n := range findAll(doc, "", nil) {
			for _, name := range []string{"src", "srcset", "poster", "data"} {
				if v, ok := attr(n, name); ok && foreign(v) {
					t.Errorf("GET %s: <%s %s=%q> loads from another host", p, n.Data, name, v)
				}
			}
			if n.Data == "link" {
				rel, _ := attr(n, "rel")
				href, _ := attr(n, "href")
				if rel != "canonical" && rel != "alternate" && foreign(href) {
					t.Errorf("GET %s: <link rel=%q href=%q> loads from another host", p, rel, href)
				}
			}
			if _, ok := attr(n, "style"); ok {
				t.Errorf("GET %s: <%s style=...>: inline styles are blocked by the CSP", p, n.Data)
			}
		}
		if len(findAll(doc, "style", nil)) > 0 {
			t.Errorf("GET %s: <style> element: inline styles are blocked by the CSP", p)
		}
	}
}

// foreign reports whether a URL (or srcset list) points at another host.
func foreign(v string) bool {
	for part := range strings.SplitSeq(v, ",") {
		u := strings.Fields(strings.TrimSpace(part))
		if len(u) == 0 {
			continue
		}
		p, err := url.Parse(u[0])
		if err != nil || p.Host != "" || p.Scheme != "" {
			return true
		}
	}
	return false
}

// TestSectionRenameReachesNavigation checks that the navigation, which the
// site keeps in memory, follows a renamed section once the settings are
// reloaded (as the admin does after any section change, on every node),
// and not before a page is rendered again from the store.
func TestSectionRenameReachesNavigation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if body := f.body(t, "/culture/"); !strings.Contains(body, ">Culture<") {
		t.Fatalf("navigation does not show Culture:\n%s", body)
	}
	sec := f.sections["culture"]
	sec.Name = "Arts"
	if err := f.st.UpdateSection(ctx, sec); err != nil {
		t.Fatal(err)
	}
	f.s.SetSettings(f.s.Settings())
	for _, p := range []string{"/culture/", "/news/", f.featured.Path()} {
		body := f.body(t, p)
		if !strings.Contains(body, ">Arts<") || strings.Contains(body, ">Culture<") {
			t.Errorf("GET %s after the rename: navigation still shows the old name", p)
		}
	}
}
