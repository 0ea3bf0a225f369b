package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/store"
)

// benchServer opens the database named by SAMIZDAT_BENCH_DB (made by
// `samizdat gen --articles 100000`, as `make bench` does) with the page
// cache off, so every request renders.
func benchServer(b *testing.B) (*Server, []string) {
	db := os.Getenv("SAMIZDAT_BENCH_DB")
	if db == "" {
		b.Skip("SAMIZDAT_BENCH_DB is not set: run `make bench`, which generates a 100,000-article database")
	}
	ctx := context.Background()
	srv, err := New(ctx, config.Config{
		DB: db, Media: filepath.Join(b.TempDir(), "media"), BaseURL: "http://127.0.0.1:8080", CacheMB: 0,
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	list, err := srv.Store.ListArticles(ctx, store.ListQuery{Limit: 500, Offset: 1000, NoBylines: true})
	if err != nil || len(list) == 0 {
		b.Fatalf("list articles: %v (%d)", err, len(list))
	}
	paths := make([]string, len(list))
	for i, a := range list {
		paths[i] = a.Path()
	}
	return srv, paths
}

// runPaths requests paths in turn and reports the median and 99th percentile.
func runPaths(b *testing.B, h http.Handler, paths []string) {
	b.Helper()
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest("GET", "http://localhost"+paths[i%len(paths)], nil)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		durations = append(durations, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", req.URL.Path, rec.Code)
		}
		io.Copy(io.Discard, rec.Body)
	}
	b.StopTimer()
	slices.Sort(durations)
	if n := len(durations); n > 0 {
		b.ReportMetric(float64(durations[n/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(durations[n*99/100].Microseconds()), "p99-µs")
	}
}

func BenchmarkArticleUncached(b *testing.B) {
	srv, paths := benchServer(b)
	runPaths(b, srv.Handler(), paths)
}

func BenchmarkHomeUncached(b *testing.B) {
	srv, _ := benchServer(b)
	runPaths(b, srv.Handler(), []string{"/"})
}

func BenchmarkRSSUncached(b *testing.B) {
	srv, _ := benchServer(b)
	runPaths(b, srv.Handler(), []string{"/feed.xml"})
}

func BenchmarkSectionPageUncached(b *testing.B) {
	srv, _ := benchServer(b)
	secs, err := srv.Store.Sections(context.Background())
	if err != nil || len(secs) == 0 {
		b.Fatal("no sections", err)
	}
	runPaths(b, srv.Handler(), []string{"/" + secs[0].Slug + "/", fmt.Sprintf("/%s/?page=%d", secs[0].Slug, 50)})
}

func BenchmarkSearch(b *testing.B) {
	srv, _ := benchServer(b)
	runPaths(b, srv.Handler(), []string{"/search?q=court+election", "/search?q=energy", "/search?q=%22border+village%22"})
}

// editionPaths are live articles of one language, for the editions'
// benchmarks on a database made with `gen --russian-share`.
func editionPaths(b *testing.B, srv *Server, lang string) []string {
	list, err := srv.Store.ListArticles(context.Background(), store.ListQuery{Lang: lang, Limit: 500, Offset: 500, NoBylines: true})
	if err != nil || len(list) == 0 {
		b.Skipf("no %s articles (%v): run scripts/bench-editions.sh, which generates a two-language database", lang, err)
	}
	paths := make([]string, len(list))
	for i, a := range list {
		paths[i] = a.Path()
	}
	return paths
}

// BenchmarkEditions compares the two editions on the same database: the
// uncached article page, and search by kind of query, the same kinds in
// each language (the Russian words are the English ones' translations at
// the same frequency, inflected, so the Russian search also stems). Each
// sub-benchmark alternates English and Russian requests, so that a machine
// that slows down or speeds up during the run weighs on both alike.
func BenchmarkEditions(b *testing.B) {
	srv, _ := benchServer(b)
	h := srv.Handler()
	ru := func(q string) string { return "/ru/search?q=" + url.QueryEscape(q) }
	for _, kind := range []struct {
		name   string
		en, ru []string
	}{
		{"article", editionPaths(b, srv, "en"), editionPaths(b, srv, "ru")},
		{"search-words", []string{"/search?q=court+election"}, []string{ru("суд выборы")}},
		{"search-word", []string{"/search?q=energy"}, []string{ru("энергия")}},
		{"search-phrase", []string{"/search?q=%22border+village%22"}, []string{ru(`"границы деревни"`)}},
	} {
		b.Run(kind.name, func(b *testing.B) { runAlternating(b, h, kind.en, kind.ru) })
	}
}

// runAlternating requests en and ru paths in turn and reports each
// language's median and 99th percentile.
func runAlternating(b *testing.B, h http.Handler, en, ru []string) {
	b.Helper()
	var durations [2][]time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		lang, paths := i%2, en
		if lang == 1 {
			paths = ru
		}
		req := httptest.NewRequest("GET", "http://localhost"+paths[(i/2)%len(paths)], nil)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		durations[lang] = append(durations[lang], time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", req.URL.Path, rec.Code)
		}
	}
	b.StopTimer()
	for lang, name := range []string{"en", "ru"} {
		d := durations[lang]
		slices.Sort(d)
		if n := len(d); n > 0 {
			b.ReportMetric(float64(d[n/2].Microseconds()), "p50-"+name+"-µs")
			b.ReportMetric(float64(d[n*99/100].Microseconds()), "p99-"+name+"-µs")
		}
	}
}

// BenchmarkSearchKinds is search by kind of query on the benchmark site,
// uncached: two common words, one common word, a phrase.
func BenchmarkSearchKinds(b *testing.B) {
	srv, _ := benchServer(b)
	for _, k := range []struct{ name, path string }{
		{"words", "/search?q=court+election"},
		{"word", "/search?q=energy"},
		{"phrase", "/search?q=%22border+village%22"},
		{"rare", "/search?q=niselpel"},
		{"prefix", "/search?q=gov%2A"},
		{"prefix-long", "/search?q=electi%2A"},
	} {
		b.Run(k.name, func(b *testing.B) { runPaths(b, srv.Handler(), []string{k.path}) })
	}
}

// BenchmarkAdminDashboard renders the newsroom's home page, signed in as
// an admin (every block shown), on the benchmark database.
func BenchmarkAdminDashboard(b *testing.B) {
	srv, _ := benchServer(b)
	ctx := context.Background()
	u := account.User{Email: fmt.Sprintf("bench%d@example.org", time.Now().UnixNano()), Role: account.RoleAdmin}
	if err := srv.Store.CreateUser(ctx, &u); err != nil {
		b.Fatal(err)
	}
	raw, hash, err := account.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	if err := srv.Store.CreateSession(ctx, account.Session{TokenHash: hash, UserID: u.ID, CSRFToken: "x",
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(account.SessionAbsolute)}); err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	signedIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.AddCookie(&http.Cookie{Name: "samizdat_session", Value: raw})
		h.ServeHTTP(w, r)
	})
	runPaths(b, signedIn, []string{"/admin/"})
}

// benchAdmin is the server's handler signed in as a new account of role.
func benchAdmin(b *testing.B, srv *Server, role account.Role) (http.Handler, account.User) {
	b.Helper()
	ctx := context.Background()
	u := account.User{Email: fmt.Sprintf("bench%d@example.org", time.Now().UnixNano()), Role: role}
	if err := srv.Store.CreateUser(ctx, &u); err != nil {
		b.Fatal(err)
	}
	raw, hash, err := account.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	if err := srv.Store.CreateSession(ctx, account.Session{TokenHash: hash, UserID: u.ID, CSRFToken: "x",
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(account.SessionAbsolute)}); err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.AddCookie(&http.Cookie{Name: "samizdat_session", Value: raw})
		h.ServeHTTP(w, r)
	}), u
}

// BenchmarkAdminArticleList is the newsroom's article list, first pages
// and a filtered one, signed in as an editor, on the benchmark database.
func BenchmarkAdminArticleList(b *testing.B) {
	srv, _ := benchServer(b)
	h, _ := benchAdmin(b, srv, account.RoleEditor)
	runPaths(b, h, []string{"/admin/articles", "/admin/articles?page=2", "/admin/articles?status=draft", "/admin/articles?page=50"})
}

// BenchmarkEditorOpen opens the article editor on articles across the
// benchmark database, signed in as an editor (the autosave offer looked
// up on each).
func BenchmarkEditorOpen(b *testing.B) {
	srv, _ := benchServer(b)
	h, _ := benchAdmin(b, srv, account.RoleEditor)
	list, err := srv.Store.ListArticles(context.Background(), store.ListQuery{Limit: 200, Offset: 5000, NoBylines: true})
	if err != nil || len(list) == 0 {
		b.Fatalf("list articles: %v", err)
	}
	paths := make([]string, len(list))
	for i, a := range list {
		paths[i] = fmt.Sprintf("/admin/articles/%d", a.ID)
	}
	runPaths(b, h, paths)
}

// BenchmarkAutosave is the editor's autosave of articles across the
// benchmark database, signed in as an editor, as its script sends it: the
// typed fields form-encoded, the CSRF token in a header. The cached public
// pages are not told of it (TestAutosaveKeepsPublicPageCached); this is
// its own cost, which scripts/bench-autosave.sh sets against them.
func BenchmarkAutosave(b *testing.B) {
	srv, _ := benchServer(b)
	h, _ := benchAdmin(b, srv, account.RoleEditor)
	list, err := srv.Store.ListArticles(context.Background(), store.ListQuery{Limit: 200, Offset: 1000})
	if err != nil || len(list) == 0 {
		b.Fatalf("list articles: %v", err)
	}
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a := list[i%len(list)]
		form := url.Values{"version": {fmt.Sprint(a.Version)}, "headline": {a.Headline}, "dek": {a.Dek}, "lang": {a.Lang},
			"section": {fmt.Sprint(a.Section.ID)}, "body": {a.Body + fmt.Sprintf("\n\nTyped, not saved: %d", i)}}
		req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("http://localhost/admin/articles/%d/autosave", a.ID), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", "x")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		durations = append(durations, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("autosave of article %d: %d %s", a.ID, rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	slices.Sort(durations)
	if n := len(durations); n > 0 {
		b.ReportMetric(float64(durations[n/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(durations[n*99/100].Microseconds()), "p99-µs")
	}
}
