package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
)

const (
	hostsPrimary = "https://news.example"
	hostsOnion   = "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion"
)

var hostsMirrors = []string{"mirror-one.example", "https://mirror-two.example:8443"}

// startHostsServer runs the real listener (fasthttp and its cache fast
// path) for a site with two mirrors and an onion service.
func startHostsServer(t *testing.T) (listen string, a *content.Article) {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, config.Config{DB: filepath.Join(dir, "db"), Media: filepath.Join(dir, "media"), BaseURL: hostsPrimary,
		Addr: ln.Addr().String(), MirrorHosts: hostsMirrors, OnionHost: hostsOnion, MirrorKey: filepath.Join(dir, "mirror.key"),
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
		<-done
		srv.Close()
	})
	return "http://" + ln.Addr().String(), a
}

func hostGet(t *testing.T, listen, host, path string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", listen+path, nil)
	req.Host = host
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s on %s: %v", path, host, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var (
	canonicalRE = regexp.MustCompile(`<link rel="canonical" href="([^"]*)">`)
	ogURLRE     = regexp.MustCompile(`<meta property="og:url" content="([^"]*)">`)
	rssLinkRE   = regexp.MustCompile(`<channel>\s*<title>[^<]*</title>\s*<link>([^<]*)</link>`)
	sitemapLoc  = regexp.MustCompile(`<loc>([^<]*)</loc>`)
)

// TestHosts checks that every configured host serves the same pages with
// canonical links to the primary, feeds and sitemaps on its own address,
// Onion-Location everywhere but the onion, and that other names are refused.
// Each page is fetched twice: a miss rendered by net/http, then a hit
// answered by the fast path.
func TestHosts(t *testing.T) {
	listen, a := startHostsServer(t)
	tests := []struct {
		host, base string
		onionLoc   bool
	}{
		{"news.example", hostsPrimary, true},
		{"mirror-one.example", "https://mirror-one.example", true},
		{"mirror-two.example:8443", "https://mirror-two.example:8443", true},
		{hostsOnion, "http://" + hostsOnion, false},
		{strings.TrimPrefix(listen, "http://"), hostsPrimary, true}, // the listen address: local checks
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			for _, try := range []string{"miss", "hit"} {
				for _, p := range []string{"/", a.Path(), "/news/"} {
					resp, body := hostGet(t, listen, tc.host, p)
					if resp.StatusCode != 200 {
						t.Fatalf("%s GET %s: status %d", try, p, resp.StatusCode)
					}
					m := canonicalRE.FindStringSubmatch(body)
					if m == nil || m[1] != hostsPrimary+p {
						t.Errorf("%s GET %s: canonical %v, want %s", try, p, m, hostsPrimary+p)
					}
					if m := ogURLRE.FindStringSubmatch(body); m == nil || m[1] != hostsPrimary+p {
						t.Errorf("%s GET %s: og:url %v, want %s", try, p, m, hostsPrimary+p)
					}
					want := ""
					if tc.onionLoc {
						want = "http://" + hostsOnion + p
					}
					if got := resp.Header.Get("Onion-Location"); got != want {
						t.Errorf("%s GET %s: Onion-Location %q, want %q", try, p, got, want)
					}
					if strings.Contains(body, `href="https://`) && strings.Contains(body, `href="`+tc.base) && tc.base != hostsPrimary {
						t.Errorf("%s GET %s: page links to its own host absolutely; links must be root-relative", try, p)
					}
				}
				resp, body := hostGet(t, listen, tc.host, "/feed.xml")
				if m := rssLinkRE.FindStringSubmatch(body); resp.StatusCode != 200 || m == nil || m[1] != tc.base+"/" {
					t.Errorf("%s /feed.xml: status %d, channel link %v, want %s/", try, resp.StatusCode, m, tc.base)
				}
				if !strings.Contains(body, "<link>"+tc.base+a.Path()+"</link>") {
					t.Errorf("%s /feed.xml: no item link %s", try, tc.base+a.Path())
				}
				for _, m := range append(hostsMirrors, hostsOnion) {
					if !strings.Contains(body, strings.TrimPrefix(strings.TrimPrefix(m, "https://"), "http://")+"/") {
						t.Errorf("%s /feed.xml: the items' footer does not list %s", try, m)
					}
				}
				_, body = hostGet(t, listen, tc.host, "/sitemap.xml")
				for _, m := range sitemapLoc.FindAllStringSubmatch(body, -1) {
					if !strings.HasPrefix(m[1], tc.base+"/") {
						t.Errorf("%s /sitemap.xml: <loc>%s</loc> is not on %s", try, m[1], tc.base)
					}
				}
				_, body = hostGet(t, listen, tc.host, "/robots.txt")
				if !strings.Contains(body, "Sitemap: "+tc.base+"/sitemap.xml") {
					t.Errorf("%s /robots.txt does not point to %s/sitemap.xml:\n%s", try, tc.base, body)
				}
			}
		})
	}

	t.Run("unknown host refused", func(t *testing.T) {
		for _, p := range []string{"/", a.Path(), "/feed.xml", "/sitemap.xml", "/admin/login"} {
			resp, body := hostGet(t, listen, "evil.example", p)
			if resp.StatusCode != http.StatusMisdirectedRequest {
				t.Errorf("GET %s on evil.example: status %d, want 421", p, resp.StatusCode)
			}
			if strings.Contains(body, "evil.example") {
				t.Errorf("GET %s on evil.example: the refusal repeats the Host header", p)
			}
		}
	})

	t.Run("mirror list", func(t *testing.T) {
		_, txt := hostGet(t, listen, "mirror-one.example", "/mirrors.txt")
		lines := strings.Fields(strings.SplitN(txt, "\n", 2)[1])
		want := []string{hostsPrimary + "/", "https://mirror-one.example/", "https://mirror-two.example:8443/", "http://" + hostsOnion + "/"}
		if strings.Join(lines, " ") != strings.Join(want, " ") {
			t.Errorf("/mirrors.txt lists %q, want %q", lines, want)
		}
		resp, page := hostGet(t, listen, hostsOnion, "/mirrors")
		for _, w := range want {
			if !strings.Contains(page, `href="`+w+`"`) {
				t.Errorf("/mirrors (status %d) does not link %s", resp.StatusCode, w)
			}
		}
		resp, key := hostGet(t, listen, "news.example", "/.well-known/samizdat-mirror.pub")
		if resp.StatusCode != 200 || !strings.HasPrefix(key, "samizdat-mirror-ed25519 ") {
			t.Errorf("/.well-known/samizdat-mirror.pub: status %d, %q", resp.StatusCode, key)
		}
	})
}
