package server_test

import (
	"bytes"
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/cli"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/server"
	"github.com/samizdat-press/samizdat/internal/site"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

const migrateBase = "http://example.test"

// TestMigrateDBDemo moves the demo newsroom from SQLite to PostgreSQL with
// `samizdat migrate-db` and serves it from both: every public URL answers
// with the same status and the same bytes, and searches find the same
// articles.
func TestMigrateDBDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo newsroom")
	}
	pgURL := pgtest.Database(t)
	// The test server trusts local connections, so a password in the URL
	// is accepted and ignored: it must never be printed.
	const secret = "migrate-s3cret-pw"
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), secret)
	pgURL = u.String()

	ctx := context.Background()
	dir := t.TempDir()
	sqlitePath, media := filepath.Join(dir, "samizdat.db"), filepath.Join(dir, "media")
	// One mirror key for both, as nodes of one site share it: the mirrors
	// page links its public half.
	cfg := config.Config{DB: sqlitePath, Media: media, BaseURL: migrateBase, Demo: true, CacheMB: 0,
		MirrorKey: filepath.Join(t.TempDir(), "mirror.key")}
	log := slog.New(slog.DiscardHandler)
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		t.Fatalf("demo site: %v", err)
	}
	srv.Close()

	run := func(args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		start := time.Now()
		err := cli.Run(ctx, append([]string{"migrate-db"}, args...), strings.NewReader(""), &out, &out, func(string) string { return "" })
		shown := strings.ReplaceAll(strings.Join(args, " "), secret, "xxxxx")
		t.Logf("samizdat migrate-db %s: %s\n%s", shown, time.Since(start).Round(time.Millisecond), out.String())
		if strings.Contains(out.String(), secret) || (err != nil && strings.Contains(err.Error(), secret)) {
			t.Errorf("the password was printed:\n%s\n%v", out.String(), err)
		}
		return out.String(), err
	}
	out, err := run("--from", sqlitePath, "--to", pgURL)
	if err != nil {
		t.Fatalf("migrate-db: %v", err)
	}
	if !strings.Contains(out, "verified: row counts and checksums match") || !strings.Contains(out, "xxxxx@") {
		t.Errorf("migrate-db output lacks the verification or the redacted URL:\n%s", out)
	}
	for _, table := range store.CopyTables() {
		if !regexp.MustCompile(`(?m)^` + table + ` +\d+ `).MatchString(out) {
			t.Errorf("migrate-db output has no row for table %s", table)
		}
	}
	// Again: refused, the target has data now; with --force, replaced.
	if _, err := run("--from", sqlitePath, "--to", pgURL); err == nil || cli.ExitCode(err) != 1 ||
		!strings.Contains(err.Error(), "--force") {
		t.Errorf("second migrate-db without --force: %v; want a failure that suggests --force", err)
	}
	if _, err := run("--from", sqlitePath, "--to", pgURL, "--force"); err != nil {
		t.Fatalf("migrate-db --force: %v", err)
	}

	cfg.Demo = false
	lite, err := server.New(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	cfg.DB = pgURL
	pg, err := server.New(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if lite.Store.Engine() != "sqlite" || pg.Store.Engine() != "postgres" {
		t.Fatalf("engines: %s and %s", lite.Store.Engine(), pg.Store.Engine())
	}

	paths := migrateSeeds(t, lite.Store)
	seen := map[string]bool{}
	for _, p := range paths {
		seen[p] = true
	}
	var pages, other int
	for i := 0; i < len(paths); i++ {
		p := paths[i]
		code, ctype, body := migrateSame(t, p, lite.Handler(), pg.Handler())
		if code == 200 && strings.HasPrefix(ctype, "text/html") {
			pages++
		} else {
			other++
		}
		for _, link := range migrateLinks(body) {
			if !seen[link] && len(seen) < 5000 {
				seen[link] = true
				paths = append(paths, link)
			}
		}
	}
	if pages < 50 {
		t.Errorf("compared %d HTML pages; the demo should have more", pages)
	}
	t.Logf("compared %d URLs (%d HTML pages) on SQLite and PostgreSQL", len(paths), pages)

	// Search: the engines cut snippets differently and may rank a little
	// differently, so compare which articles are found, over every page.
	for _, q := range []string{"hospital", "elections", "messenger blocked", "Velsk", `"hospital strike"`, "journalists -exiled",
		"выборы", "блокировка", "школы", "тепло", "журналисты"} {
		a, b := migrateSearch(t, lite.Handler(), q), migrateSearch(t, pg.Handler(), q)
		if !slices.Equal(a, b) {
			t.Errorf("search %q:\n  SQLite     %v\n  PostgreSQL %v", q, a, b)
		}
		if len(a) == 0 {
			t.Errorf("search %q: nothing found; pick a query that finds something", q)
		}
		t.Logf("search %q: %d results on both", q, len(a))
	}
}

// migrateSearch returns every article a search finds, following its pages.
func migrateSearch(t *testing.T, h http.Handler, q string) []string {
	t.Helper()
	var out []string
	for page := 1; ; page++ {
		v := url.Values{"q": {q}}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		v.Set("in", "all") // both languages: the Russian queries too
		rec := migrateGet(t, h, "/search?"+v.Encode())
		if rec.Code != http.StatusOK {
			t.Errorf("search %q page %d: status %d", q, page, rec.Code)
			break
		}
		hits := migrateHitRe.FindAllStringSubmatch(rec.Body.String(), -1)
		for _, m := range hits {
			out = append(out, m[1])
		}
		if len(hits) < site.PageSize || page > 50 {
			break
		}
	}
	slices.Sort(out)
	return out
}

// migrateSeeds lists the demo's public URLs from its database; the pages
// they link to are compared too.
func migrateSeeds(t *testing.T, st *store.Store) []string {
	t.Helper()
	ctx := context.Background()
	paths := []string{"/", "/?page=2", "/feed.xml", "/atom.xml", "/feed.json", "/sitemap.xml", "/news-sitemap.xml", "/robots.txt"}
	secs, err := st.Sections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		paths = append(paths, "/"+s.Slug+"/", "/"+s.Slug+"/feed.xml")
		n, err := st.CountArticles(ctx, store.ListQuery{SectionID: s.ID})
		if err != nil {
			t.Fatal(err)
		}
		if n > site.PageSize {
			paths = append(paths, "/"+s.Slug+"/?page=2")
		}
	}
	list, err := st.ListArticles(ctx, store.ListQuery{Limit: 100_000, NoBylines: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		paths = append(paths, a.Path())
	}
	tags, err := st.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range tags {
		paths = append(paths, "/tag/"+tg.Slug+"/")
	}
	authors, err := st.Authors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range authors {
		paths = append(paths, "/author/"+a.Slug+"/")
	}
	if len(list) < 40 || len(secs) < 3 || len(tags) == 0 || len(authors) < 4 {
		t.Fatalf("demo: %d articles, %d sections, %d tags, %d authors", len(list), len(secs), len(tags), len(authors))
	}
	return paths
}

func migrateGet(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, migrateBase+path, nil))
	return rec
}

// migrateSame fetches path from both servers and reports any difference,
// after a second try (a page rendered on either side of a second or a
// minute may differ in a date).
func migrateSame(t *testing.T, path string, lite, pg http.Handler) (int, string, string) {
	t.Helper()
	var a, b *httptest.ResponseRecorder
	for range 2 {
		a, b = migrateGet(t, lite, path), migrateGet(t, pg, path)
		if a.Code == b.Code && a.Header().Get("Content-Type") == b.Header().Get("Content-Type") &&
			bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
			return a.Code, a.Header().Get("Content-Type"), a.Body.String()
		}
	}
	switch {
	case a.Code != b.Code:
		t.Errorf("GET %s: status %d on SQLite, %d on PostgreSQL", path, a.Code, b.Code)
	case a.Header().Get("Content-Type") != b.Header().Get("Content-Type"):
		t.Errorf("GET %s: Content-Type %q on SQLite, %q on PostgreSQL", path, a.Header().Get("Content-Type"), b.Header().Get("Content-Type"))
	default:
		x, y := a.Body.String(), b.Body.String()
		i := 0
		for i < min(len(x), len(y)) && x[i] == y[i] {
			i++
		}
		from := max(0, i-100)
		t.Errorf("GET %s: bodies differ at byte %d:\n  SQLite     …%q…\n  PostgreSQL …%q…", path, i,
			x[from:min(len(x), i+100)], y[from:min(len(y), i+100)])
	}
	return a.Code, a.Header().Get("Content-Type"), a.Body.String()
}

var (
	migrateHrefRe = regexp.MustCompile(`(?:href|src|action)="([^"]*)"`)
	migrateAbsRe  = regexp.MustCompile(regexp.QuoteMeta(migrateBase) + `(/[^"'<>\s\\]*)`)
	migrateHitRe  = regexp.MustCompile(`<h2><a href="([^"]+)">`)
)

// migrateLinks returns the site's own pages that body links to: not
// static files, media, the newsroom or search.
func migrateLinks(body string) []string {
	var out []string
	add := func(ref string) {
		ref = html.UnescapeString(ref)
		ref = strings.TrimPrefix(ref, migrateBase)
		if i := strings.IndexByte(ref, '#'); i >= 0 {
			ref = ref[:i]
		}
		if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
			return
		}
		for _, skip := range []string{"/static/", "/media/", "/admin", "/search", "/favicon.ico", "/metrics", "/healthz"} {
			if strings.HasPrefix(ref, skip) {
				return
			}
		}
		out = append(out, ref)
	}
	for _, m := range migrateHrefRe.FindAllStringSubmatch(body, -1) {
		add(m[1])
	}
	for _, m := range migrateAbsRe.FindAllStringSubmatch(body, -1) {
		add(m[1])
	}
	return out
}
