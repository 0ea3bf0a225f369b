package importer_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samizdat-press/samizdat/internal/httpx"
	public "github.com/samizdat-press/samizdat/internal/site"
	"github.com/samizdat-press/samizdat/internal/wire/wiretest"
	"github.com/samizdat-press/samizdat/web"
)

// TestImportedRedirectsServed: after a WordPress import, the old site's
// addresses answer 301 to the new ones through the real listener.
func TestImportedRedirectsServed(t *testing.T) {
	s := newSite(t, engines()[0])
	if _, err := s.importWP(t, wxrFixture, uploads(t), false); err != nil {
		t.Fatalf("import: %v", err)
	}
	const base = "https://news.example.org"
	hosts, err := public.NewHosts(base, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := public.New(public.Config{Settings: public.Settings{Name: "Harbour Gazette", Lang: "en", BaseURL: base}, Reader: s.st, Web: web.FS,
		Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), CacheBytes: 1 << 20, Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	pub.Routes(mux)
	srv := wiretest.Start(t, httpx.SecurityHeaders(pub.HostCheck(pub.StrictSlash(mux))), pub.FastPath())
	strike := s.article(t, "port-strike")
	ru := s.article(t, "sud-otlozhil")
	dup := s.article(t, "port-strike-2")
	for _, tc := range []struct{ path, to string }{
		{"/?p=100", strike.Path()},
		{"/?p=100&utm_medium=rss", strike.Path()},
		{"/2024/05/03/%d1%81%d1%83%d0%b4-%d0%be%d1%82%d0%bb%d0%be%d0%b6%d0%b8%d0%bb/", ru.Path()},
		{"/2024/05/06/port-strike/", dup.Path()},
		{"/?page_id=200", "/about/"},
		{"/category/world/", "/world/"},
		{"/category/world/europe/", "/tag/europe/"},
		{"/tag/%d1%81%d1%83%d0%b4/", "/tag/sud/"},
		{"/author/anna/", "/author/anna-petrova/"},
		{"/feed/", "/feed.xml"},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Host = "news.example.org"
		rec := srv.Do(t, req)
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != tc.to {
			t.Errorf("GET %s: %d, Location %q; want 301 to %s", tc.path, rec.Code, rec.Header().Get("Location"), tc.to)
		}
	}
	for _, path := range []string{strike.Path(), "/about/", "/world/", "/tag/sud/", "/author/anna-petrova/"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Host = "news.example.org"
		if rec := srv.Do(t, req); rec.Code != http.StatusOK {
			t.Errorf("GET %s (a new address): %d, want 200", path, rec.Code)
		}
	}
}
