package site

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"golang.org/x/net/html"
)

// jsonLD decodes the page's JSON-LD block; a @graph is flattened.
func jsonLD(t *testing.T, doc *html.Node, path string) []map[string]any {
	t.Helper()
	scripts := findAll(doc, "script", hasAttr("type", "application/ld+json"))
	if len(scripts) != 1 {
		t.Fatalf("GET %s: %d JSON-LD blocks, want 1", path, len(scripts))
	}
	var top map[string]any
	if err := json.Unmarshal([]byte(text(scripts[0])), &top); err != nil {
		t.Fatalf("GET %s: JSON-LD: %v", path, err)
	}
	if g, ok := top["@graph"].([]any); ok {
		var out []map[string]any
		for _, x := range g {
			out = append(out, x.(map[string]any))
		}
		return out
	}
	return []map[string]any{top}
}

func ldOfType(things []map[string]any, typ string) map[string]any {
	for _, x := range things {
		if x["@type"] == typ {
			return x
		}
	}
	return nil
}

// TestPublisherLogoAndImageFallback: the publisher carries a logo (the
// logo setting, or the site's icon without one), and a page without a
// photo of its own shows the logo in link previews and structured data.
func TestPublisherLogoAndImageFallback(t *testing.T) {
	f := newFixture(t)
	plain := f.create(t, &content.Article{Headline: "No picture here", Lang: "en", Status: content.StatusPublished,
		Section: f.sections["news"], PublishedAt: f.now.Add(-time.Minute), Body: "Words only."})

	ld := ldOfType(jsonLD(t, parseHTML(t, f.body(t, plain.Path())), plain.Path()), "NewsArticle")
	logo, _ := ld["publisher"].(map[string]any)["logo"].(map[string]any)
	if u, _ := logo["url"].(string); !strings.HasPrefix(u, testBase+"/static/") || !strings.HasSuffix(u, ".svg") {
		t.Errorf("publisher logo without a logo setting = %v, want the site icon", logo)
	}

	st := f.s.Settings()
	st.Logo = Logo{URL: "/media/" + imageKey + "/480.jpg", Width: 480, Height: 480}
	f.s.SetSettings(st)
	want := testBase + st.Logo.URL
	for _, path := range []string{plain.Path(), f.featured.Path(), "/", "/news/", "/author/mara-lind/"} {
		doc := parseHTML(t, f.body(t, path))
		things := jsonLD(t, doc, path)
		var pub map[string]any
		if a := ldOfType(things, "NewsArticle"); a != nil {
			pub = a["publisher"].(map[string]any)
		} else {
			pub = ldOfType(things, "NewsMediaOrganization")
		}
		if pub == nil {
			t.Fatalf("GET %s: no publisher in the structured data", path)
		}
		logo := pub["logo"].(map[string]any)
		if logo["url"] != want || logo["width"] != 480.0 || logo["height"] != 480.0 {
			t.Errorf("GET %s: publisher logo %v, want %s 480×480", path, logo, want)
		}
		img := metaContent(doc, "property", "og:image")
		if path == f.featured.Path() {
			if img == want {
				t.Errorf("GET %s: the article's own photo was replaced by the logo", path)
			}
			continue
		}
		if img != want {
			t.Errorf("GET %s: og:image %q, want the logo %q", path, img, want)
		}
	}
	ld = ldOfType(jsonLD(t, parseHTML(t, f.body(t, plain.Path())), plain.Path()), "NewsArticle")
	if imgs, _ := ld["image"].([]any); len(imgs) != 1 || imgs[0] != want {
		t.Errorf("NewsArticle without a photo: image %v, want the logo", ld["image"])
	}
}

// TestCorrectionMovesDateModified: a correction newer than the last save
// (as an imported article's can be) is the article's modification time:
// in dateModified, article:modified_time and a visible "Updated" line.
func TestCorrectionMovesDateModified(t *testing.T) {
	f := newFixture(t)
	published := f.now.Add(-48 * time.Hour)
	corrected := f.now.Add(-3 * time.Hour)
	a := f.create(t, &content.Article{Headline: "Corrected later", Lang: "en", Status: content.StatusPublished,
		Section: f.sections["news"], PublishedAt: published, UpdatedAt: published, Body: "A claim.",
		Corrections: []content.Correction{{CreatedAt: corrected, Text: "An earlier version misstated the claim."}}})
	doc := parseHTML(t, f.body(t, a.Path()))
	want := corrected.UTC().Format(time.RFC3339)
	if got := ldOfType(jsonLD(t, doc, a.Path()), "NewsArticle")["dateModified"]; got != want {
		t.Errorf("dateModified %v, want the correction's %s", got, want)
	}
	if got := metaContent(doc, "property", "article:modified_time"); got != want {
		t.Errorf("article:modified_time %q, want %s", got, want)
	}
	dates := findAll(doc, "span", hasClass("dates"))
	if len(dates) != 1 || !strings.Contains(text(dates[0]), "Updated") || len(findAll(dates[0], "time", hasAttr("datetime", want))) != 1 {
		t.Errorf("no visible Updated line at the correction's time")
	}
}

// TestListPagesDescribed: section, tag, author and search pages have a
// description (and og:description), and the fronts carry structured data.
func TestListPagesDescribed(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		path, desc, ldType string
	}{
		{"/", "", "WebSite"},
		{"/news/", "News: the latest reporting from " + testName + ".", "CollectionPage"},
		{"/ru/", "", "WebSite"},
		{"/culture/", "Culture: the latest reporting from " + testName + ".", "CollectionPage"},
		{"/tag/courts/", "Everything " + testName + " has published on Courts.", "CollectionPage"},
		{"/author/mara-lind/", "Mara Lind covers courts and elections.", "ProfilePage"},
		{"/search?q=courts", "Search the archive of " + testName + ": every article, in every language.", ""},
	}
	for _, tc := range tests {
		rec := f.get(t, tc.path)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", tc.path, rec.Code)
		}
		doc := parseHTML(t, rec.Body.String())
		desc := metaContent(doc, "name", "description")
		if desc == "" || (tc.desc != "" && desc != tc.desc) {
			t.Errorf("GET %s: description %q, want %q", tc.path, desc, tc.desc)
		}
		if tc.ldType == "" {
			continue
		}
		if og := metaContent(doc, "property", "og:description"); og != desc {
			t.Errorf("GET %s: og:description %q, want %q", tc.path, og, desc)
		}
		things := jsonLD(t, doc, tc.path)
		x := ldOfType(things, tc.ldType)
		if x == nil {
			t.Fatalf("GET %s: no %s in the structured data", tc.path, tc.ldType)
		}
		switch tc.ldType {
		case "WebSite":
			if act, _ := x["potentialAction"].(map[string]any); act == nil || !strings.Contains(act["target"].(string), "/search?q={search_term_string}") {
				t.Errorf("GET %s: WebSite without its search action: %v", tc.path, x["potentialAction"])
			}
		case "CollectionPage":
			items := x["mainEntity"].(map[string]any)["itemListElement"].([]any)
			if len(items) == 0 || !strings.HasPrefix(items[0].(map[string]any)["url"].(string), testBase+"/") {
				t.Errorf("GET %s: the list's stories are missing: %v", tc.path, items)
			}
		case "ProfilePage":
			if p := x["mainEntity"].(map[string]any); p["@type"] != "Person" || p["name"] != "Mara Lind" {
				t.Errorf("GET %s: mainEntity %v, want the person", tc.path, p)
			}
		}
	}
}

// TestSearchIndexing: the search page (the form) may be indexed; its
// result pages, an endless space of thin pages, may not.
func TestSearchIndexing(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		path    string
		noindex bool
	}{
		{"/search", false}, {"/ru/search", false}, {"/search?q=courts", true}, {"/search?q=", false},
	} {
		doc := parseHTML(t, f.get(t, tc.path).Body.String())
		if got := metaContent(doc, "name", "robots") == "noindex"; got != tc.noindex {
			t.Errorf("GET %s: noindex %v, want %v", tc.path, got, tc.noindex)
		}
	}
}

// TestRobotsLetSearchPageIn: robots.txt keeps crawlers out of search
// results in every edition but lets them reach the search page.
func TestRobotsLetSearchPageIn(t *testing.T) {
	f := newFixture(t)
	body := f.body(t, "/robots.txt")
	for _, want := range []string{"Disallow: /search?\n", "Disallow: /ru/search?\n", "Disallow: /admin/\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("robots.txt lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Disallow: /search\n") {
		t.Errorf("robots.txt blocks the search page itself:\n%s", body)
	}
}
