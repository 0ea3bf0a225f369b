package server

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/store"
)

const crawlBase = "http://127.0.0.1:1"

// crawler walks the site breadth-first, as a reader without JavaScript or a
// search engine would.
type crawler struct {
	t      *testing.T
	client *http.Client
	server *url.URL // the test server
	base   *url.URL // the configured public URL, mapped onto the server
	seen   map[string]bool
	// alsoSame is another host counted as this site for links (the
	// primary, when crawling a mirror), fetched through the crawled name.
	alsoSame string
	from     map[string]string // URL -> the page that linked it first
	queue    []string

	pages       int  // HTML pages fetched
	corrections bool // a correction box was shown
	russian     bool // a page in Russian was shown
}

// sameSite reports whether u is on this site (the test server, or the
// configured public URL that canonical links and feeds use).
func (c *crawler) sameSite(u *url.URL) bool {
	return u.Host == c.server.Host || u.Host == c.base.Host || (c.alsoSame != "" && u.Host == c.alsoSame)
}

// add queues ref, resolved against page, when it is on this site.
func (c *crawler) add(page *url.URL, ref string) (*url.URL, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return nil, false // fragment-only: the same page
	}
	u, err := page.Parse(ref)
	if err != nil {
		c.t.Errorf("%s: unparsable URL %q: %v", page, ref, err)
		return nil, false
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return u, false // mailto: and the like
	}
	if !c.sameSite(u) {
		return u, false
	}
	u.Scheme, u.Host, u.Fragment = c.server.Scheme, c.server.Host, ""
	k := u.String()
	if !c.seen[k] {
		c.seen[k] = true
		c.from[k] = page.String()
		c.queue = append(c.queue, k)
	}
	return u, true
}

// resource checks a URL that a page loads (not one it links to): it must
// be on the host that served the page, whichever configured name that is.
func (c *crawler) resource(page *url.URL, tag, attrName, ref string) {
	if u, err := page.Parse(strings.TrimSpace(ref)); err == nil && u.Host != page.Host {
		c.t.Errorf("%s: <%s %s=%q> loads a resource from another host", page.Path, tag, attrName, ref)
		return
	}
	if _, ok := c.add(page, ref); !ok && !strings.HasPrefix(strings.TrimSpace(ref), "#") && strings.TrimSpace(ref) != "" {
		c.t.Errorf("%s: <%s %s=%q> loads a resource from another host", page.Path, tag, attrName, ref)
	}
}

func attrOf(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func srcsetURLs(v string) []string {
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		if f := strings.Fields(part); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// resourceRels are <link> relations that make the browser load something.
var resourceRels = map[string]bool{
	"stylesheet": true, "icon": true, "shortcut": true, "apple-touch-icon": true, "preload": true,
	"prefetch": true, "modulepreload": true, "manifest": true, "mask-icon": true, "preconnect": true, "dns-prefetch": true,
}

func (c *crawler) html(page *url.URL, body []byte) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		c.t.Errorf("%s: parse HTML: %v", page.Path, err)
		return
	}
	p := page.Path
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			c.element(page, p, n)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(doc)
}

func (c *crawler) element(page *url.URL, p string, n *html.Node) {
	get := func(name string) string { v, _ := attrOf(n, name); return v }
	for _, a := range n.Attr {
		if strings.HasPrefix(strings.ToLower(a.Key), "on") {
			c.t.Errorf("%s: <%s %s=…>: inline event handlers are inline script", p, n.Data, a.Key)
		}
		if (a.Key == "href" || a.Key == "action" || a.Key == "src") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
			c.t.Errorf("%s: <%s %s=%q> needs JavaScript", p, n.Data, a.Key, a.Val)
		}
	}
	switch n.Data {
	case "html":
		if get("lang") == "ru" {
			c.russian = true
		}
	case "a", "area":
		if href, ok := attrOf(n, "href"); ok {
			c.add(page, href) // other sites are navigations, allowed
		}
	case "link":
		href := get("href")
		isResource := false
		for rel := range strings.FieldsSeq(strings.ToLower(get("rel"))) {
			isResource = isResource || resourceRels[rel]
		}
		if isResource {
			c.resource(page, "link rel="+get("rel"), "href", href)
		} else {
			c.add(page, href) // canonical, alternate feeds
		}
	case "img", "source", "video", "audio", "iframe", "embed", "track", "input", "frame":
		if n.Data == "img" {
			c.image(p, n)
		}
		if src, ok := attrOf(n, "src"); ok {
			c.resource(page, n.Data, "src", src)
		}
		for _, u := range srcsetURLs(get("srcset")) {
			c.resource(page, n.Data, "srcset", u)
		}
		if poster, ok := attrOf(n, "poster"); ok {
			c.resource(page, n.Data, "poster", poster)
		}
	case "object":
		if data, ok := attrOf(n, "data"); ok {
			c.resource(page, n.Data, "data", data)
		}
	case "script":
		typ := strings.ToLower(get("type"))
		if src, ok := attrOf(n, "src"); ok {
			c.resource(page, "script", "src", src)
		} else if typ != "application/ld+json" {
			c.t.Errorf("%s: inline <script type=%q>: the site must work without JavaScript", p, typ)
		}
	case "meta":
		// Share images are fetched by other sites' crawlers: they must resolve.
		switch get("property") + get("name") {
		case "og:image", "twitter:image":
			if u, ok := c.add(page, get("content")); !ok {
				c.t.Errorf("%s: %s %q is not on this site", p, get("property")+get("name"), u)
			}
		}
	case "form":
		action, ok := attrOf(n, "action")
		post := strings.EqualFold(strings.TrimSpace(get("method")), "post")
		switch {
		case !ok || strings.TrimSpace(action) == "":
			c.t.Errorf("%s: <form> without an action", p)
		case post:
			// A POST target answers only a POST: check where it goes,
			// do not fetch it.
			if u, err := page.Parse(strings.TrimSpace(action)); err != nil || !c.sameSite(u) {
				c.t.Errorf("%s: <form method=post action=%q> is not on this site", p, action)
			}
		default:
			if _, same := c.add(page, action); !same {
				c.t.Errorf("%s: <form action=%q> is not on this site", p, action)
			}
		}
		if !hasSubmit(n) {
			c.t.Errorf("%s: <form action=%q> has no submit button: it needs JavaScript", p, action)
		}
	case "aside":
		if strings.Contains(get("class"), "corrections") {
			c.corrections = true
		}
	}
}

func hasSubmit(form *html.Node) bool {
	found := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			t, _ := attrOf(n, "type")
			t = strings.ToLower(t)
			if (n.Data == "button" && (t == "" || t == "submit")) || (n.Data == "input" && (t == "submit" || t == "image")) {
				found = true
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(form)
	return found
}

// xml follows the URLs in a feed or sitemap: <loc>, <link>, <guid>, and
// href and url attributes.
func (c *crawler) xml(page *url.URL, body []byte) {
	d := xml.NewDecoder(bytes.NewReader(body))
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			c.t.Errorf("%s: parse XML: %v", page.Path, err)
			return
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
			for _, a := range tok.Attr {
				if a.Name.Local == "href" || a.Name.Local == "url" {
					c.add(page, a.Value)
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			switch stack[len(stack)-1] {
			case "loc", "link", "guid", "id":
				c.add(page, string(tok))
			}
		}
	}
}

func (c *crawler) run(max int) {
	for len(c.queue) > 0 {
		if len(c.seen) > max {
			c.t.Fatalf("more than %d URLs: the crawl does not end", max)
		}
		k := c.queue[0]
		c.queue = c.queue[1:]
		c.fetch(k)
	}
}

func (c *crawler) fetch(k string) {
	u, _ := url.Parse(k)
	resp, err := c.client.Get(k)
	if err != nil {
		c.t.Errorf("GET %s (linked from %s): %v", u.RequestURI(), c.from[k], err)
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.t.Errorf("GET %s: read: %v", u.RequestURI(), err)
		return
	}
	switch {
	case resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusSeeOther:
		// A permanent move, or a link that counts a click and moves on
		// (the donation prompts' buttons): follow it on the site.
		loc := resp.Header.Get("Location")
		if _, ok := c.add(u, loc); !ok {
			c.t.Errorf("GET %s (linked from %s): %d to %q, off the site", u.RequestURI(), c.from[k], resp.StatusCode, loc)
		}
		return
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		c.t.Errorf("GET %s (linked from %s): status %d, want 2xx", u.RequestURI(), c.from[k], resp.StatusCode)
		return
	}
	ct := resp.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "text/html"):
		c.pages++
		c.html(u, body)
	case strings.Contains(ct, "xml"):
		c.xml(u, body)
	}
}

// TestDemoSite starts the whole product with the demo newsroom and crawls it.
func TestDemoSite(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo newsroom")
	}
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := New(ctx, config.Config{
		DB: filepath.Join(dir, "db"), Media: filepath.Join(dir, "media"),
		BaseURL: crawlBase, Demo: true, CacheMB: 16,
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("server.New with demo content: %v", err)
	}
	ts := serveLoopback(t, srv)

	server, _ := url.Parse(ts.URL)
	base, _ := url.Parse(crawlBase)
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &crawler{t: t, client: client, server: server, base: base, seen: map[string]bool{}, from: map[string]string{}}

	t.Run("crawl", func(t *testing.T) {
		c.t = t
		root, _ := url.Parse(ts.URL + "/")
		for _, p := range []string{"/", "/feed.xml", "/sitemap.xml", "/atom.xml", "/feed.json", "/news-sitemap.xml", "/robots.txt"} {
			c.add(root, p)
		}
		c.run(20000)
		if c.pages < 10 {
			t.Errorf("crawled %d HTML pages, want at least 10", c.pages)
		}
		t.Logf("crawled %d URLs, %d HTML pages", len(c.seen), c.pages)
	})

	t.Run("demo content", func(t *testing.T) {
		secs, err := srv.Store.Sections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		authors, err := srv.Store.Authors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		list, err := srv.Store.ListArticles(ctx, store.ListQuery{Limit: 100_000, NoBylines: true})
		if err != nil {
			t.Fatal(err)
		}
		langs := map[string]int{}
		for _, a := range list {
			langs[a.Lang]++
		}
		if len(secs) < 3 {
			t.Errorf("demo sections: got %d, want at least 3", len(secs))
		}
		if len(authors) < 4 {
			t.Errorf("demo authors: got %d, want at least 4", len(authors))
		}
		if langs["en"] < 30 || langs["ru"] < 10 {
			t.Errorf("demo articles: got %d published (%d English, %d Russian), want at least 30 English and 10 Russian: "+
				"internal/demo/articles/*.md is incomplete", len(list), langs["en"], langs["ru"])
		}
		if !c.corrections {
			t.Error("no page of the demo shows a correction (<aside class=\"corrections\">)")
		}
		if langs["ru"] > 0 && !c.russian {
			t.Error(`the crawl found no page with <html lang="ru">, though the demo has Russian articles`)
		}
	})

	// Every translated pair of the demo names each other, in its pages and
	// in the sitemap.
	t.Run("translations", func(t *testing.T) {
		list, err := srv.Store.ListArticles(ctx, store.ListQuery{Limit: 100_000, NoBylines: true})
		if err != nil {
			t.Fatal(err)
		}
		get := func(p string) string {
			resp, err := client.Get(ts.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", p, resp.StatusCode)
			}
			return string(b)
		}
		sitemap := get("/sitemap.xml")
		pairs := 0
		for _, summary := range list {
			a, err := srv.Store.ArticleBySlug(ctx, summary.Slug)
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range a.LiveTranslations() {
				pairs++
				page, other := get(a.Path()), get(tr.Path())
				for _, want := range []struct{ body, lang, path string }{
					{page, a.Lang, a.Path()}, {page, tr.Lang, tr.Path()}, {other, a.Lang, a.Path()}, {other, tr.Lang, tr.Path()},
				} {
					if link := `<link rel="alternate" hreflang="` + want.lang + `" href="` + crawlBase + want.path + `">`; !strings.Contains(want.body, link) {
						t.Errorf("%s / %s: a page lacks %s", a.Path(), tr.Path(), link)
					}
				}
				_, entry, _ := strings.Cut(sitemap, "<loc>"+crawlBase+a.Path()+"</loc>")
				entry, _, _ = strings.Cut(entry, "</url>")
				if !strings.Contains(entry, `hreflang="`+tr.Lang+`" href="`+crawlBase+tr.Path()+`"`) {
					t.Errorf("the sitemap entry of %s lacks its %s alternate", a.Path(), tr.Lang)
				}
			}
		}
		if pairs < 6 { // three pairs, seen from both sides
			t.Errorf("the demo has %d translation links, want at least 3 pairs", pairs/2)
		}
	})
}
