package site

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/i18n"
	"golang.org/x/net/html"
)

// visibleText is what a reader sees or hears of a page: its text (scripts
// and styles aside) and the attributes read out or shown.
func visibleText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			b.WriteByte('\n')
		case html.ElementNode:
			if n.Data == "script" || n.Data == "style" {
				return
			}
			for _, a := range n.Attr {
				switch a.Key {
				case "aria-label", "placeholder", "title", "alt":
					b.WriteString(a.Val)
					b.WriteByte('\n')
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// TestRussianPagesSpeakRussian is the catalog test on rendered pages: a
// Russian edition's home, section, search and 404 page, and a Russian
// article, contain no words of the English catalog.
func TestRussianPagesSpeakRussian(t *testing.T) {
	f := newFixture(t)
	english := i18n.Fragments("en")
	if len(english) < 100 {
		t.Fatalf("only %d English fragments: the catalog test would prove little", len(english))
	}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/ru/", 200},
		{"/ru/opinion/", 200},
		{f.russian.Path(), 200},
		{"/ru/search?q=" + url.QueryEscape("выборы"), 200},
		{"/ru/search?q=zzzqqq", 200},
		{"/ru/search", 200},
		{"/ru/no-such-section/", 404},
		{"/ru/2026/01/01/no-such-article", 404},
		{"/ru/mirrors", 200},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := f.get(t, tc.path)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			doc := parseHTML(t, rec.Body.String())
			if got := findAll(doc, "html", hasAttr("lang", "ru")); len(got) != 1 {
				t.Errorf(`want <html lang="ru">`)
			}
			text := visibleText(doc)
			for _, e := range english {
				if strings.Contains(text, e) {
					t.Errorf("shows the English %q", e)
				}
			}
		})
	}
	// An unknown language prefix is a 404 in the main language.
	rec := f.get(t, "/de/")
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `lang="en"`) || !strings.Contains(rec.Body.String(), "We could not find that page") {
		t.Errorf("/de/: status %d, want an English 404", rec.Code)
	}
	// The main language's own prefix is the same page without it.
	if rec := f.get(t, "/en/news/?page=2"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/news/?page=2" {
		t.Errorf("/en/news/: status %d to %q, want 301 to /news/?page=2", rec.Code, rec.Header().Get("Location"))
	}
}

// hreflangs are a page's alternates: language to absolute URL.
func hreflangs(t *testing.T, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range findAll(parseHTML(t, body), "link", hasAttr("rel", "alternate")) {
		if lang, ok := attr(l, "hreflang"); ok {
			href, _ := attr(l, "href")
			out[lang] = href
		}
	}
	return out
}

// TestHreflangReciprocity: every page with a version in the other language
// names it, that version names it back, both name the same x-default, and
// each shows a link to the other a reader can follow.
func TestHreflangReciprocity(t *testing.T) {
	f := newFixture(t)
	en := f.news[2]
	if err := f.st.LinkTranslation(context.Background(), f.russian.ID, en.ID); err != nil {
		t.Fatal(err)
	}
	en = f.reload(t, en)
	pairs := [][2]string{
		{en.Path(), f.russian.Path()},
		{"/", "/ru/"},
		{"/news/", "/ru/news/"},
		{"/tag/courts/", "/ru/tag/courts/"},
	}
	for _, p := range pairs {
		a, b := hreflangs(t, f.body(t, p[0])), hreflangs(t, f.body(t, p[1]))
		if a["en"] != testBase+p[0] || a["ru"] != testBase+p[1] {
			t.Errorf("%s: hreflang %v, want en=%s and ru=%s", p[0], a, testBase+p[0], testBase+p[1])
		}
		if b["en"] != a["en"] || b["ru"] != a["ru"] || a["x-default"] == "" || a["x-default"] != b["x-default"] {
			t.Errorf("%s and %s are not reciprocal: %v and %v", p[0], p[1], a, b)
		}
		if body := f.body(t, p[1]); !strings.Contains(body, `href="`+p[0]+`" hreflang="en"`) {
			t.Errorf("%s has no visible link to %s", p[1], p[0])
		}
	}
	if !strings.Contains(f.body(t, f.russian.Path()), "Read in English") || !strings.Contains(f.body(t, en.Path()), "Читать на русском") {
		t.Error("the translated pair lacks its Read in English / Читать на русском links")
	}

	// The sitemap lists the same alternates for both articles.
	body := f.body(t, "/sitemap.xml")
	for _, p := range []string{en.Path(), f.russian.Path()} {
		_, rest, ok := strings.Cut(body, "<loc>"+testBase+p+"</loc>")
		entry, _, _ := strings.Cut(rest, "</url>")
		if !ok {
			t.Fatalf("sitemap lacks %s", p)
		}
		for _, want := range []string{
			`hreflang="en" href="` + testBase + en.Path() + `"`,
			`hreflang="ru" href="` + testBase + f.russian.Path() + `"`,
			`hreflang="x-default" href="` + testBase + en.Path() + `"`,
		} {
			if !strings.Contains(entry, want) {
				t.Errorf("sitemap entry of %s lacks %s:\n%s", p, want, entry)
			}
		}
	}
	if !strings.Contains(body, `xmlns:xhtml="http://www.w3.org/1999/xhtml"`) {
		t.Error("sitemap does not declare the xhtml namespace")
	}
	// Unlinked, the alternates go from pages and sitemap alike.
	if err := f.st.UnlinkTranslation(context.Background(), en.ID); err != nil {
		t.Fatal(err)
	}
	if got := hreflangs(t, f.body(t, en.Path())); len(got) != 0 {
		t.Errorf("after unlinking: hreflang %v, want none", got)
	}
	if body := f.body(t, "/sitemap.xml"); strings.Contains(body, `href="`+testBase+f.russian.Path()+`"`) {
		t.Error("after unlinking, the sitemap still lists the alternate")
	}

}
