package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
)

// codings are the Accept-Encoding values of the tests and the coding each
// must get.
var codings = []struct{ accept, coding string }{
	{"gzip", "gzip"},
	{"gzip, deflate, br, zstd", "br"},
	{"zstd, gzip;q=0.5", "zstd"},
	{"snappy, deflate", ""}, // unknown codings: identity
}

// transports are the two ways into one server: the real listener
// (fasthttp, the cache's fast path, the bridge) and net/http's server.
func transports(t *testing.T) (srv *Server, a *content.Article, bases map[string]string) {
	t.Helper()
	base, srv, a := startServer(t)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return srv, a, map[string]string{"loopback": base, "httptest": hs.URL}
}

// fetchEnc is get without failing on a status other than 200.
func fetchEnc(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	return get(t, url, h)
}

// decoded undoes a response's Content-Encoding.
func decoded(t *testing.T, resp *http.Response, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch c := resp.Header.Get("Content-Encoding"); c {
	case "":
		return b
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	default:
		t.Fatalf("Content-Encoding %q", c)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", resp.Header.Get("Content-Encoding"), err)
	}
	return out
}

func varies(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		if strings.Contains(v, "Accept-Encoding") {
			return true
		}
	}
	return false
}

// TestEveryTextResponseCompressed: the pages the cache does not hold
// (search, support, newsletter, error pages, the admin's sign-in,
// robots.txt) are compressed as the cached ones are, in the coding the
// client prefers, through the real listener and through net/http; the
// decompressed body is the identity body.
func TestEveryTextResponseCompressed(t *testing.T) {
	_, a, bases := transports(t)
	paths := []struct {
		path   string
		status int
	}{
		{"/search?q=tender", 200},
		{"/support", 200},
		{"/newsletter", 200},
		{"/no-such-page/", 404},
		{"/2020/01/01/no-such-article", 404},
		{"/admin/signin", 200},
		{"/robots.txt", 200},
		{"/", 200},
		{a.Path(), 200},
		{"/feed.xml", 200},
		{"/feed.json", 200},
		{"/sitemap.xml", 200},
	}
	for name, base := range bases {
		for _, p := range paths {
			plain, plainBody := fetchEnc(t, base+p.path)
			if plain.StatusCode != p.status {
				t.Fatalf("%s GET %s: status %d, want %d", name, p.path, plain.StatusCode, p.status)
			}
			if !varies(plain.Header) {
				t.Errorf("%s GET %s: Vary %q lacks Accept-Encoding", name, p.path, plain.Header.Values("Vary"))
			}
			for _, c := range codings {
				resp, body := fetchEnc(t, base+p.path, "Accept-Encoding", c.accept)
				if resp.StatusCode != p.status {
					t.Fatalf("%s GET %s (%s): status %d, want %d", name, p.path, c.accept, resp.StatusCode, p.status)
				}
				if got := resp.Header.Get("Content-Encoding"); got != c.coding {
					t.Errorf("%s GET %s with Accept-Encoding %q: Content-Encoding %q, want %q", name, p.path, c.accept, got, c.coding)
					continue
				}
				if !varies(resp.Header) {
					t.Errorf("%s GET %s (%s): Vary %q lacks Accept-Encoding", name, p.path, c.accept, resp.Header.Values("Vary"))
				}
				if got := decoded(t, resp, body); !bytes.Equal(masked(got), masked(plainBody)) {
					t.Errorf("%s GET %s (%s): decompressed body (%d bytes) differs from the identity body (%d bytes)", name, p.path, c.coding, len(got), len(plainBody))
				}
				if c.coding != "" && len(body) >= len(plainBody) {
					t.Errorf("%s GET %s (%s): %d bytes compressed from %d", name, p.path, c.coding, len(body), len(plainBody))
				}
			}
		}
	}
}

// masked blanks what a form page makes anew for each request (its CSRF
// token), so that two answers can be compared.
func masked(b []byte) []byte {
	out := b
	for _, attr := range []string{`name="csrf" value="`, `name="_csrf" value="`} {
		for i := 0; ; {
			j := bytes.Index(out[i:], []byte(attr))
			if j < 0 {
				break
			}
			start := i + j + len(attr)
			end := bytes.IndexByte(out[start:], '"')
			if end < 0 {
				break
			}
			out = append(append(bytes.Clone(out[:start]), 'X'), out[start+end:]...)
			i = start + 1
		}
	}
	return out
}

// TestCachedEqualsUncached: for every coding, a page served from the cache
// (the fast path on the real listener, the handler under net/http) says
// what the same page rendered by a server without a cache says: the same
// body once decompressed, the same ETag, the same Last-Modified.
func TestCachedEqualsUncached(t *testing.T) {
	srv, a, bases := transports(t)
	// A second server on the same database, its page cache off.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	uncached, err := New(ctx, config.Config{DB: srv.cfg.DB, Media: filepath.Join(dir, "media"), BaseURL: srv.cfg.BaseURL,
		CacheMB: 0, JobsEvery: time.Hour}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer uncached.Close()
	off := httptest.NewServer(uncached.Handler())
	defer off.Close()
	for _, path := range []string{a.Path(), "/", "/news/", "/feed.xml", "/atom.xml", "/feed.json", "/news/feed.xml", "/sitemap.xml"} {
		for _, c := range codings {
			want, wantBody := fetchEnc(t, off.URL+path, "Accept-Encoding", c.accept)
			if want.StatusCode != 200 {
				t.Fatalf("uncached GET %s: status %d", path, want.StatusCode)
			}
			wantPlain := decoded(t, want, wantBody)
			for name, base := range bases {
				for try := range 2 { // the first may fill the cache, the second is a hit
					got, body := fetchEnc(t, base+path, "Accept-Encoding", c.accept)
					where := name + " GET " + path + " (" + c.accept + ")"
					if try == 1 {
						where += ", cached"
					}
					if got.Header.Get("Content-Encoding") != c.coding {
						t.Errorf("%s: Content-Encoding %q, want %q", where, got.Header.Get("Content-Encoding"), c.coding)
					}
					if !bytes.Equal(decoded(t, got, body), wantPlain) {
						t.Errorf("%s: body differs from the uncached server's", where)
					}
					for _, k := range []string{"ETag", "Last-Modified", "Content-Type", "Content-Encoding", "Vary", "Cache-Control"} {
						if got.Header.Get(k) != want.Header.Get(k) {
							t.Errorf("%s: %s %q, uncached %q", where, k, got.Header.Get(k), want.Header.Get(k))
						}
					}
				}
			}
		}
	}
}

// TestConditionalRequests: each representation of a cached page has its
// own ETag; If-None-Match with it is answered 304 and with another
// representation's 200; If-Modified-Since at or after Last-Modified is
// answered 304, before it 200; If-None-Match, when present, decides alone.
// Pages and feeds carry Last-Modified: an article's is its modification
// time, a feed's the newest of its items'.
func TestConditionalRequests(t *testing.T) {
	srv, a, bases := transports(t)
	stored, err := srv.Store.ArticleBySlug(context.Background(), a.Slug)
	if err != nil {
		t.Fatal(err)
	}
	wantLM := stored.UpdatedAt.UTC().Truncate(time.Second).Format(http.TimeFormat)
	for name, base := range bases {
		for _, path := range []string{a.Path(), "/feed.xml", "/atom.xml", "/feed.json", "/", "/news/", "/sitemap.xml"} {
			url := base + path
			etags := map[string]string{}
			var lastMod string
			for _, c := range codings {
				resp, _ := fetchEnc(t, url, "Accept-Encoding", c.accept)
				etag := resp.Header.Get("ETag")
				if etag == "" {
					t.Fatalf("%s GET %s (%s): no ETag", name, path, c.accept)
				}
				if prev, ok := etags[etag]; ok && prev != c.coding {
					t.Errorf("%s GET %s: ETag %s names both %q and %q", name, path, etag, prev, c.coding)
				}
				etags[etag] = c.coding
				lastMod = resp.Header.Get("Last-Modified")
				if lastMod == "" {
					t.Fatalf("%s GET %s: no Last-Modified", name, path)
				}
				if path == a.Path() || path == "/feed.xml" || path == "/atom.xml" || path == "/feed.json" {
					if lastMod != wantLM {
						t.Errorf("%s GET %s: Last-Modified %q, want the article's modification time %q", name, path, lastMod, wantLM)
					}
				}
				if r, b := fetchEnc(t, url, "Accept-Encoding", c.accept, "If-None-Match", etag); r.StatusCode != http.StatusNotModified || len(b) != 0 {
					t.Errorf("%s GET %s (%s) If-None-Match its ETag: %d with %d bytes, want 304 and none", name, path, c.accept, r.StatusCode, len(b))
				} else if r.Header.Get("ETag") != etag {
					t.Errorf("%s GET %s (%s) 304: ETag %q, want %q", name, path, c.accept, r.Header.Get("ETag"), etag)
				}
				lm, _ := http.ParseTime(lastMod)
				for _, tc := range []struct {
					header []string
					want   int
				}{
					{[]string{"If-Modified-Since", lastMod}, 304},
					{[]string{"If-Modified-Since", lm.Add(time.Hour).Format(http.TimeFormat)}, 304},
					{[]string{"If-Modified-Since", lm.Add(-time.Second).Format(http.TimeFormat)}, 200},
					{[]string{"If-Modified-Since", "not a date"}, 200},
					// If-None-Match takes precedence: a stale tag is 200 whatever the date says.
					{[]string{"If-None-Match", `"stale"`, "If-Modified-Since", lastMod}, 200},
					{[]string{"If-None-Match", etag, "If-Modified-Since", lm.Add(-time.Hour).Format(http.TimeFormat)}, 304},
				} {
					r, b := fetchEnc(t, url, append([]string{"Accept-Encoding", c.accept}, tc.header...)...)
					if r.StatusCode != tc.want {
						t.Errorf("%s GET %s (%s) %q: status %d, want %d", name, path, c.accept, tc.header, r.StatusCode, tc.want)
					}
					if tc.want == 304 && len(b) != 0 {
						t.Errorf("%s GET %s 304 with %d body bytes", name, path, len(b))
					}
				}
			}
			if len(etags) != len(codings) {
				// gzip, br, zstd and identity (unknown codings get it): four representations.
				t.Errorf("%s GET %s: %d distinct ETags %v, want %d", name, path, len(etags), etags, len(codings))
			}
			for etag, coding := range etags {
				for _, c := range codings {
					if c.coding == coding {
						continue
					}
					if r, _ := fetchEnc(t, url, "Accept-Encoding", c.accept, "If-None-Match", etag); r.StatusCode != 200 {
						t.Errorf("%s GET %s (%s) with the %q ETag: status %d, want 200", name, path, c.accept, coding, r.StatusCode)
					}
				}
			}
		}
	}
}
