package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
)

// image checks what every picture the site shows must have: a size
// reserved before it arrives, a choice of widths (but for the logo), and
// lazy loading, but for the lead photo (an article's, a front's lead
// story's): the largest thing in the first screen is loaded at once and
// first; and the first cards of a list without a lead, which are in the
// first screen too, load at once.
func (c *crawler) image(p string, n *html.Node) {
	get := func(name string) string { v, _ := attrOf(n, name); return v }
	if get("width") == "" || get("height") == "" {
		c.t.Errorf("%s: <img src=%q> without width and height", p, get("src"))
	}
	if strings.Contains(get("class"), "logo") {
		return // the masthead logo is small and shown at once
	}
	switch {
	case isLeadImage(n):
		if get("loading") == "lazy" || get("fetchpriority") != "high" {
			c.t.Errorf("%s: lead <img src=%q> is loading=%q fetchpriority=%q, want eager and high", p, get("src"), get("loading"), get("fetchpriority"))
		}
	case inEagerCard(n):
		if get("loading") == "lazy" || get("fetchpriority") != "" {
			c.t.Errorf("%s: first-screen card <img src=%q> is loading=%q fetchpriority=%q, want eager, normal priority", p, get("src"), get("loading"), get("fetchpriority"))
		}
	case get("loading") != "lazy" || get("fetchpriority") != "":
		c.t.Errorf("%s: <img src=%q> does not lazy-load", p, get("src"))
	}
	if get("srcset") == "" {
		c.t.Errorf("%s: <img src=%q> without srcset", p, get("src"))
	}
}

// inEagerCard reports whether img is in one of the first cards of a list
// (see site.cardAt).
func inEagerCard(img *html.Node) bool {
	for a := img.Parent; a != nil; a = a.Parent {
		if class, _ := attrOf(a, "class"); a.Data == "article" && class == "card eager" {
			return true
		}
	}
	return false
}

// isLeadImage reports whether img is in an article's lead figure or a
// front's lead story.
func isLeadImage(img *html.Node) bool {
	for a := img.Parent; a != nil; a = a.Parent {
		class, _ := attrOf(a, "class")
		if a.Data == "figure" && class == "lead" || a.Data == "article" && class == "leadstory" {
			return true
		}
	}
	return false
}

// hostTransport sends every request to the test server under one of the
// site's names, as a reader reaching it through that name would.
type hostTransport struct {
	host string
	next http.RoundTripper
}

func (h hostTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = h.host
	return h.next.RoundTrip(r)
}

// TestCrawlEveryHost crawls the whole demo site through each configured
// name: the primary, a mirror and the onion service. It fails on anything
// loaded from another host, any inline script or event handler, any form
// that needs JavaScript, any broken link, and any image without size,
// lazy loading and srcset.
func TestCrawlEveryHost(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo newsroom")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db, media := DemoCopy(t)
	const primary, mirrorHost, onionHost = "https://news.example", "mirror.example", "samizdatdemo2345.onion"
	srv, err := New(ctx, config.Config{
		DB: db, Media: media, MirrorKey: filepath.Join(dir, "mirror.key"), DataKeyFile: filepath.Join(dir, "data.key"),
		BaseURL: primary, MirrorHosts: []string{mirrorHost}, OnionHost: onionHost, CacheMB: 16,
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("server.New with demo content: %v", err)
	}
	ts := serveLoopback(t, srv)
	server, _ := url.Parse(ts.URL)
	primaryURL, _ := url.Parse(primary)

	for _, h := range []struct{ name, base string }{
		{"news.example", primary},
		{mirrorHost, "https://" + mirrorHost},
		{onionHost, "http://" + onionHost},
	} {
		t.Run(h.name, func(t *testing.T) {
			base, _ := url.Parse(h.base)
			client := &http.Client{
				Transport:     hostTransport{host: h.name, next: ts.Client().Transport},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}
			c := &crawler{t: t, client: client, server: server, base: base, seen: map[string]bool{}, from: map[string]string{}}
			// Canonical links and share images point to the primary: on a
			// mirror they are followed, through the mirror's own name.
			c.alsoSame = primaryURL.Host
			root, _ := url.Parse(ts.URL + "/")
			for _, p := range []string{"/", "/feed.xml", "/sitemap.xml", "/atom.xml", "/feed.json", "/news-sitemap.xml", "/robots.txt", "/mirrors", "/mirrors.txt"} {
				c.add(root, p)
			}
			c.run(20000)
			if c.pages < 50 {
				t.Errorf("crawled %d HTML pages, want at least 50", c.pages)
			}
			t.Logf("%s: crawled %d URLs, %d HTML pages", h.name, len(c.seen), c.pages)
		})
	}
}

// TestPageWeight checks that an 800-word article, before images, costs at
// most 30 KB on the wire: its HTML and every stylesheet and script it
// loads, compressed as the server sends them.
func TestPageWeight(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := New(ctx, config.Config{DB: filepath.Join(dir, "db"), Media: filepath.Join(dir, "media"),
		MirrorKey: filepath.Join(dir, "mirror.key"), BaseURL: "http://127.0.0.1:1", CacheMB: 8}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sec := content.Section{Slug: "news", Name: "News"}
	if err := srv.Store.CreateSection(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	au := content.Author{Slug: "reporter", Name: "A Reporter"}
	if err := srv.Store.CreateAuthor(ctx, &au); err != nil {
		t.Fatal(err)
	}
	// 800 words of the demo's own reporting: made-up repeated text would
	// compress unfairly well.
	files, _ := filepath.Glob(filepath.Join("..", "demo", "articles", "en-*.md"))
	var words []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, text, _ := strings.Cut(string(b), "\n---\n") // past the front matter
		words = append(words, strings.Fields(text)...)
	}
	if len(words) < 800 {
		t.Fatalf("the demo articles hold %d words, want 800", len(words))
	}
	var body strings.Builder
	for i, w := range words[:800] {
		if i%80 == 79 {
			w += "\n\n"
		}
		body.WriteString(w + " ")
	}
	a := &content.Article{Headline: "Bridge contracts signed before the tender opened", Dek: "Court hears evidence of payments abroad.",
		Body: body.String(), Lang: "en", Status: content.StatusPublished, Section: sec, Authors: []content.Author{au},
		Tags: []content.Tag{{Name: "Corruption"}, {Name: "Courts"}}, PublishedAt: time.Now().Add(-time.Hour).UTC()}
	if err := srv.Content.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	ts := serveLoopback(t, srv)
	c := ts.Client()
	c.Transport.(*http.Transport).DisableCompression = true // count the bytes as sent
	wire := func(path string) (int, []byte) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		plain := raw
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			plain, _ = io.ReadAll(zr)
		} else {
			t.Errorf("GET %s: sent uncompressed (%d bytes)", path, len(raw))
		}
		return len(raw), plain
	}
	n, page := wire(a.Path())
	if got := len(strings.Fields(a.Body)); got < 800 {
		t.Fatalf("article has %d words, want 800", got)
	}
	total := n
	parts := []string{fmt.Sprintf("HTML %d", n)}
	for _, m := range regexp.MustCompile(`<(?:link rel="stylesheet" href|script[^>]*src)="([^"]+)"`).FindAllSubmatch(page, -1) {
		k, _ := wire(string(m[1]))
		total += k
		parts = append(parts, fmt.Sprintf("%s %d", m[1], k))
	}
	t.Logf("800-word article: %d bytes compressed (%s)", total, strings.Join(parts, ", "))
	if total > 30<<10 {
		t.Errorf("800-word article weighs %d bytes compressed (%s), want at most 30 KB", total, strings.Join(parts, ", "))
	}
}
