package site

import (
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"golang.org/x/net/html"
)

// TestTablesScrollByKeyboard: a table wider than a phone scrolls in a
// region a keyboard can reach (focusable, named in the article's
// language), each region's name its own.
func TestTablesScrollByKeyboard(t *testing.T) {
	f := newFixture(t)
	table := "| Region | 2024 | 2025 |\n|---|---:|---:|\n| North | 12 | 14 |\n"
	tests := []struct {
		lang, label string
	}{
		{"en", "Table %d, scrolls sideways"},
		{"ru", "Таблица %d, прокручивается вбок"},
	}
	for _, tc := range tests {
		a := f.create(t, &content.Article{Headline: "Tables " + tc.lang, Lang: tc.lang, Status: content.StatusPublished,
			Section: f.sections["news"], PublishedAt: f.now.Add(-time.Minute),
			Body: "Before.\n\n" + table + "\nBetween.\n\n" + table + "\nAfter."})
		doc := parseHTML(t, f.body(t, a.Path()))
		regions := findAll(doc, "div", hasClass("scroller"))
		if len(regions) != 2 {
			t.Fatalf("%s: %d table regions, want 2", tc.lang, len(regions))
		}
		seen := map[string]bool{}
		for i, r := range regions {
			if v, _ := attr(r, "tabindex"); v != "0" {
				t.Errorf("%s: region %d tabindex %q, want 0 (reachable by keyboard)", tc.lang, i, v)
			}
			if v, _ := attr(r, "role"); v != "region" {
				t.Errorf("%s: region %d role %q", tc.lang, i, v)
			}
			label, _ := attr(r, "aria-label")
			if want := strings.Replace(tc.label, "%d", string(rune('1'+i)), 1); label != want {
				t.Errorf("%s: region %d label %q, want %q", tc.lang, i, label, want)
			}
			if seen[label] {
				t.Errorf("%s: two regions named %q", tc.lang, label)
			}
			seen[label] = true
			if len(findAll(r, "table", nil)) != 1 {
				t.Errorf("%s: region %d does not hold its table", tc.lang, i)
			}
		}
		// The stored body is as saved: the regions are the page's.
		if strings.Contains(f.reload(t, a).BodyHTML, "scroller") {
			t.Error("the stored body was changed")
		}
	}
}

// TestLandmarksNamed: every search landmark has a name of its own (axe
// landmark-unique), and every section of the home page has a heading.
func TestLandmarksNamed(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/search?q=courts", "/search", "/no-such-page", "/ru/search?q=x", "/ru/no-such-page", f.featured.Path()} {
		doc := parseHTML(t, f.get(t, path).Body.String())
		names := map[string]bool{}
		for _, form := range findAll(doc, "form", hasAttr("role", "search")) {
			name, _ := attr(form, "aria-label")
			if name == "" {
				t.Errorf("GET %s: a search landmark without a name", path)
			}
			if names[name] {
				t.Errorf("GET %s: two search landmarks named %q", path, name)
			}
			names[name] = true
		}
	}
	doc := parseHTML(t, f.body(t, "/"))
	for _, sec := range findAll(doc, "section", nil) {
		var heading *html.Node
		for c := sec.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && len(c.Data) == 2 && c.Data[0] == 'h' && c.Data[1] >= '1' && c.Data[1] <= '6' {
				heading = c
				break
			}
		}
		if heading == nil {
			cls, _ := attr(sec, "class")
			t.Errorf("home: section %q has no heading of its own", cls)
		}
	}
}
