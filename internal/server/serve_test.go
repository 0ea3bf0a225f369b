package server

import (
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
)

// startServer runs the real listener (fasthttp with the cache fast path)
// on a small site with one article.
func startServer(t *testing.T) (base string, srv *Server, a *content.Article) {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err = New(ctx, config.Config{DB: filepath.Join(dir, "db"), Media: filepath.Join(dir, "media"), BaseURL: base,
		CacheMB: 8, JobsEvery: time.Hour}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sec := content.Section{Slug: "news", Name: "News"}
	if err := srv.Store.CreateSection(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	a = &content.Article{Headline: "Bridge tender annulled", Body: "The **tender** was annulled.", Lang: "en",
		Status: content.StatusPublished, Section: sec, PublishedAt: time.Now().Add(-time.Hour).UTC().Truncate(time.Second)}
	if err := srv.Content.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after shutdown, want nil", err)
		}
		srv.Close()
	})
	return base, srv, a
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// A transport without automatic gzip, so the test sees what was sent.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestFastPathMatchesFullPath: a cached page served by the fast path has
// the same body and the same security and caching headers as the first,
// rendered response.
func TestFastPathMatchesFullPath(t *testing.T) {
	base, _, a := startServer(t)
	url := base + a.Path()
	first, body1 := get(t, url, nil) // miss: rendered through net/http
	second, body2 := get(t, url, nil)
	if first.StatusCode != 200 || second.StatusCode != 200 {
		t.Fatalf("status = %d then %d, want 200", first.StatusCode, second.StatusCode)
	}
	if string(body1) != string(body2) || !strings.Contains(string(body2), "Bridge tender annulled") {
		t.Fatal("the cached response differs from the rendered one")
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy",
		"X-Frame-Options", "Cache-Control", "Etag", "Content-Type", "Vary"} {
		if got, want := second.Header.Get(h), first.Header.Get(h); got != want || got == "" {
			t.Errorf("%s: fast path %q, full path %q", h, got, want)
		}
	}
	if got := second.Header.Get("Server"); got != "" {
		t.Errorf("Server header = %q, want none", got)
	}

	gz, zbody := get(t, url, map[string]string{"Accept-Encoding": "gzip"})
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", gz.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(strings.NewReader(string(zbody)))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != string(body1) {
		t.Error("gzip body does not decompress to the page")
	}
	notMod, b := get(t, url, map[string]string{"If-None-Match": gz.Header.Get("Etag"), "Accept-Encoding": "gzip"})
	if notMod.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Errorf("If-None-Match: status %d with %d bytes, want 304 and no body", notMod.StatusCode, len(b))
	}
	if notMod.Header.Get("Content-Security-Policy") == "" {
		t.Error("304 without security headers")
	}
}

// TestFastPathLeavesTheRestToNetHTTP: encoded paths, misses, the admin and
// metrics go through the full handlers.
func TestFastPathLeavesTheRestToNetHTTP(t *testing.T) {
	base, _, a := startServer(t)
	get(t, base+a.Path(), nil)
	for _, tc := range []struct {
		path string
		want int
	}{
		{a.Path(), 200},
		{strings.Replace(a.Path(), "bridge", "%62ridge", 1), 200},
		{"/no-such-section/", 404},
		{"/admin/signin", 200},
		{"/healthz", 200},
		{"/metrics", 404},   // not public: see TestMetricsNotPublic
		{"/?page=abc", 404}, // the home page has no pages
	} {
		resp, _ := get(t, base+tc.path, nil)
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s: status %d, want %d", tc.path, resp.StatusCode, tc.want)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no Content-Security-Policy", tc.path)
		}
	}
}

// TestLogoInMasthead: a logo saved in the settings appears on public pages
// once the settings are reloaded, as the admin's save does.
func TestLogoInMasthead(t *testing.T) {
	base, srv, _ := startServer(t)
	ctx := context.Background()
	if err := srv.Store.SetSetting(ctx, "site.logo", "logo-0a1b2c3d 480 160"); err != nil {
		t.Fatal(err)
	}
	srv.reloadSettings(ctx)
	_, body := get(t, base+"/", nil)
	want := `<img class="logo" src="/media/logo-0a1b2c3d/480.jpg" width="480" height="160" alt="">`
	if !strings.Contains(string(body), want) {
		t.Errorf("home page lacks %s", want)
	}
}

// TestMetricsNotPublic: /metrics is not served on the site's address,
// except to a scraper holding --metrics-token; --metrics-addr serves it on
// a listener of its own. The site sends HSTS when its base URL is https.
func TestMetricsNotPublic(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := mln.Addr().String()
	mln.Close()
	const token = "0123456789abcdef0123"
	srv, err := New(context.Background(), config.Config{DB: filepath.Join(dir, "db"), Media: filepath.Join(dir, "media"),
		BaseURL: "https://news.example", CacheMB: 8, JobsEvery: time.Hour, MetricsToken: token, MetricsAddr: metricsAddr},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l := &loopback{URL: "http://" + ln.Addr().String(), client: &http.Client{}}
	ln.Close()
	l = serveLoopbackOn(t, srv, l.URL[len("http://"):])
	site := func(path string, header map[string]string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", l.URL+path, nil)
		req.Host = "news.example"
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := l.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, tc := range []struct {
		auth string
		want int
	}{{"", 404}, {"Bearer wrong-token-wrong-token", 404}, {"Basic " + token, 404}, {"Bearer " + token, 200}} {
		resp, body := site("/metrics", map[string]string{"Authorization": tc.auth})
		if resp.StatusCode != tc.want {
			t.Errorf("GET /metrics with Authorization %q: %d, want %d", tc.auth, resp.StatusCode, tc.want)
		}
		if tc.want == 200 && !strings.Contains(string(body), "samizdat_page_cache_hits_total") {
			t.Error("metrics lack the page cache's counters")
		}
	}
	resp, body := get(t, "http://"+metricsAddr+"/metrics", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `samizdat_http_requests_total{code="404",route="GET /metrics"} 3`) {
		t.Errorf("--metrics-addr: %d, without the 3 refused requests:\n%s", resp.StatusCode, body)
	}
	for _, path := range []string{"/", "/", "/no-such-page"} { // the second from the cache's fast path
		if resp, _ := site(path, nil); resp.Header.Get("Strict-Transport-Security") != "max-age=63072000" {
			t.Errorf("GET %s on an https site: Strict-Transport-Security %q", path, resp.Header.Get("Strict-Transport-Security"))
		}
	}
}
