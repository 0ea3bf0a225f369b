package site

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestOneURLPerArticle: every other spelling of an article's path moves
// permanently to the canonical one, a path that is no date is 404 (not a
// redirect, which could loop), and the canonical link names the article's
// own path whatever was asked for.
func TestOneURLPerArticle(t *testing.T) {
	f := newFixture(t)
	a := f.featured
	at := a.PublishedAt.UTC()
	y, m, d := at.Year(), int(at.Month()), at.Day()
	canonical := a.Path()
	tests := []struct {
		name, path string
		want       int
	}{
		{"canonical", canonical, http.StatusOK},
		{"day without zero", fmt.Sprintf("/%d/%d/%d/%s", y, m, d, a.Slug), http.StatusMovedPermanently},
		{"year with a leading zero", fmt.Sprintf("/0%d/%02d/%02d/%s", y, m, d, a.Slug), http.StatusMovedPermanently},
		{"day with two zeros", fmt.Sprintf("/%d/%02d/00%d/%s", y, m, d, a.Slug), http.StatusMovedPermanently},
		{"another real date", "/1999/12/31/" + a.Slug, http.StatusMovedPermanently},
		{"a trailing slash, as WordPress writes it", canonical + "/", http.StatusMovedPermanently},
		{"a trailing slash and another spelling", fmt.Sprintf("/%d/%d/%d/%s/", y, m, d, a.Slug), http.StatusMovedPermanently},
		{"a trailing slash on a missing article", fmt.Sprintf("/%d/%02d/%02d/%s/", y, m, d, "no-such-story"), http.StatusNotFound},
		{"a plus sign", fmt.Sprintf("/%d/%02d/+%d/%s", y, m, d, a.Slug), http.StatusNotFound},
		{"a minus sign", fmt.Sprintf("/%d/-%d/%02d/%s", y, m, d, a.Slug), http.StatusNotFound},
		{"month 13", fmt.Sprintf("/%d/13/01/%s", y, a.Slug), http.StatusNotFound},
		{"month 0", fmt.Sprintf("/%d/00/01/%s", y, a.Slug), http.StatusNotFound},
		{"day 32", fmt.Sprintf("/%d/01/32/%s", y, a.Slug), http.StatusNotFound},
		{"31 February", fmt.Sprintf("/%d/02/31/%s", y, a.Slug), http.StatusNotFound},
		{"year 0", "/0000/01/01/" + a.Slug, http.StatusNotFound},
		{"huge year", "/99999999999999999999/01/01/" + a.Slug, http.StatusNotFound},
		{"letters", "/abcd/ef/gh/" + a.Slug, http.StatusNotFound},
		{"hex", "/0x7e/01/01/" + a.Slug, http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.get(t, tc.path)
			if rec.Code != tc.want {
				t.Fatalf("GET %s: status %d, want %d", tc.path, rec.Code, tc.want)
			}
			if tc.want == http.StatusMovedPermanently {
				if got := rec.Header().Get("Location"); got != canonical {
					t.Errorf("GET %s: Location %q, want %q", tc.path, got, canonical)
				}
				// Following it ends at a page, not another redirect.
				if next := f.get(t, rec.Header().Get("Location")); next.Code != http.StatusOK {
					t.Errorf("GET %s then its Location: status %d, want 200", tc.path, next.Code)
				}
			}
			if tc.want == http.StatusOK {
				doc := parseHTML(t, rec.Body.String())
				links := findAll(doc, "link", hasAttr("rel", "canonical"))
				if len(links) != 1 {
					t.Fatalf("GET %s: %d canonical links, want 1", tc.path, len(links))
				}
				if href, _ := attr(links[0], "href"); href != testBase+canonical {
					t.Errorf("GET %s: canonical %q, want %q", tc.path, href, testBase+canonical)
				}
			}
		})
	}
}

// TestTrailingSlash: a list page asked for without its slash moves
// permanently (308) to the slash form when that page exists; a path that
// names nothing is 404 at once, with no redirect before it.
func TestTrailingSlash(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		path, to string // to "" wants 404
	}{
		{"/news", "/news/"},
		{"/culture", "/culture/"},
		{"/tag/courts", "/tag/courts/"},
		{"/author/mara-lind", "/author/mara-lind/"},
		{"/ru", "/ru/"},
		{"/ru/news", "/ru/news/"},
		{"/news?page=2", "/news/?page=2"},
		{"/wp-login.php", ""},
		{"/no-such-section", ""},
		{"/tag/no-such-tag", ""},
		{"/tag/Bad_Tag!", ""},
		{"/author/nobody", ""},
		{"/ru/no-such-section", ""},
		{"/ru/tag/no-such-tag", ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			rec := f.get(t, tc.path)
			if tc.to == "" {
				if rec.Code != http.StatusNotFound {
					t.Fatalf("GET %s: status %d (Location %q), want 404 straight away", tc.path, rec.Code, rec.Header().Get("Location"))
				}
				if !strings.Contains(rec.Body.String(), "We could not find") {
					t.Errorf("GET %s: 404 is not the site's 404 page", tc.path)
				}
				return
			}
			if rec.Code != http.StatusPermanentRedirect {
				t.Fatalf("GET %s: status %d, want 308", tc.path, rec.Code)
			}
			if got := rec.Header().Get("Location"); got != tc.to {
				t.Fatalf("GET %s: Location %q, want %q", tc.path, got, tc.to)
			}
			if next := f.get(t, tc.to); next.Code != http.StatusOK {
				t.Errorf("GET %s: status %d, want 200", tc.to, next.Code)
			}
		})
	}
}

// TestSupportAlwaysOneClickAway: after a snooze or the day's cap no prompt
// shows, so the masthead and the footer of every page link the support
// page (in the page's edition), and the footer says where else to read us.
func TestSupportAlwaysOneClickAway(t *testing.T) {
	f := newFixture(t)
	paths := append(f.htmlPaths(), "/search?q=courts", "/no-such-page", "/ru/search?q=x")
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			rec := f.get(t, path)
			doc := parseHTML(t, rec.Body.String())
			lang := ""
			if h := findAll(doc, "html", nil); len(h) == 1 {
				lang, _ = attr(h[0], "lang")
			}
			support := "/support"
			if lang == "ru" {
				support = "/ru/support"
			}
			for _, place := range []string{"header", "footer"} {
				regions := findAll(doc, place, func(n *html.Node) bool {
					c, _ := attr(n, "class")
					return c == "masthead" || c == "sitefoot"
				})
				if len(regions) != 1 {
					t.Fatalf("GET %s: %d site %ss, want 1", path, len(regions), place)
				}
				if len(findAll(regions[0], "a", hasAttr("href", support))) == 0 {
					t.Errorf("GET %s: no link to %s in the %s", path, support, place)
				}
			}
			foot := findAll(doc, "footer", hasClass("sitefoot"))[0]
			if len(findAll(foot, "a", func(n *html.Node) bool {
				h, _ := attr(n, "href")
				return strings.HasSuffix(h, "/mirrors")
			})) == 0 {
				t.Errorf("GET %s: the footer does not link where to read us (/mirrors)", path)
			}
		})
	}
}
