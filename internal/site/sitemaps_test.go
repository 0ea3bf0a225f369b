package site

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"
	newsNS    = "http://www.google.com/schemas/sitemap-news/0.9"
)

type xmlURLSet struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 loc"`
		LastMod string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 lastmod"`
		News    *struct {
			Publication struct {
				Name     string `xml:"http://www.google.com/schemas/sitemap-news/0.9 name"`
				Language string `xml:"http://www.google.com/schemas/sitemap-news/0.9 language"`
			} `xml:"http://www.google.com/schemas/sitemap-news/0.9 publication"`
			PublicationDate string `xml:"http://www.google.com/schemas/sitemap-news/0.9 publication_date"`
			Title           string `xml:"http://www.google.com/schemas/sitemap-news/0.9 title"`
		} `xml:"http://www.google.com/schemas/sitemap-news/0.9 news"`
	} `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 url"`
}

type xmlIndex struct {
	XMLName  xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []struct {
		Loc string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 loc"`
	} `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemap"`
}

// rootName returns the namespace and name of a document's root element.
func rootName(t *testing.T, body string) xml.Name {
	t.Helper()
	var root struct{ XMLName xml.Name }
	if err := xml.Unmarshal([]byte(body), &root); err != nil {
		t.Fatalf("decode XML: %v", err)
	}
	return root.XMLName
}

func decodeURLSet(t *testing.T, path, body string) xmlURLSet {
	t.Helper()
	var set xmlURLSet
	if err := xml.Unmarshal([]byte(body), &set); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return set
}

// wantSitemap is every URL the sitemap must list: home, sections, authors,
// tags with published articles, and live articles.
func (f *fixture) wantSitemap(t *testing.T) map[string]bool {
	t.Helper()
	ctx := context.Background()
	want := map[string]bool{testBase + "/": true}
	secs, err := f.st.Sections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		want[testBase+"/"+s.Slug+"/"] = true
	}
	authors, err := f.st.Authors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range authors {
		want[testBase+"/author/"+a.Slug+"/"] = true
	}
	live := f.live(t)
	for _, a := range live {
		want[testBase+a.Path()] = true
		for _, tag := range a.Tags {
			want[testBase+"/tag/"+tag.Slug+"/"] = true
		}
	}
	if n := 1 + len(secs) + len(authors) + len(live); len(want) <= n {
		t.Fatalf("fixture: %d sitemap URLs, want tags besides the %d others", len(want), n)
	}
	// Every page but an article's has a Russian edition's version too.
	var ru []string
	for u := range want {
		if p := strings.TrimPrefix(u, testBase); !strings.HasPrefix(p, "/20") {
			ru = append(ru, testBase+"/ru"+p)
		}
	}
	for _, u := range ru {
		want[u] = true
	}
	return want
}

func checkLoc(t *testing.T, loc string) {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil || !u.IsAbs() || u.Host == "" || !strings.HasPrefix(loc, testBase+"/") {
		t.Errorf("<loc>%s</loc>: want an absolute URL under %s", loc, testBase)
	}
}

func TestSitemap(t *testing.T) {
	f := newFixture(t)
	body := f.body(t, "/sitemap.xml")
	if got := rootName(t, body); got != (xml.Name{Space: sitemapNS, Local: "urlset"}) {
		t.Fatalf("root element: got %v, want urlset in %s", got, sitemapNS)
	}
	set := decodeURLSet(t, "/sitemap.xml", body)
	want := f.wantSitemap(t)
	seen := map[string]bool{}
	for _, u := range set.URLs {
		checkLoc(t, u.Loc)
		if seen[u.Loc] {
			t.Errorf("<loc>%s</loc> listed twice", u.Loc)
		}
		seen[u.Loc] = true
		if !want[u.Loc] {
			t.Errorf("<loc>%s</loc>: not a public page", u.Loc)
		}
		if u.LastMod != "" {
			if _, err := time.Parse(time.RFC3339, u.LastMod); err != nil {
				t.Errorf("<lastmod>%s</lastmod> of %s: not a W3C datetime: %v", u.LastMod, u.Loc, err)
			}
		}
		if strings.Contains(u.Loc, "/20") && u.LastMod == "" {
			t.Errorf("article %s has no <lastmod>", u.Loc)
		}
	}
	if len(set.URLs) != len(want) {
		t.Errorf("URLs: got %d, want %d (home + sections + authors + tags + live articles)", len(set.URLs), len(want))
	}
	for loc := range want {
		if !seen[loc] {
			t.Errorf("sitemap lacks %s", loc)
		}
	}
	if len(set.URLs) > SitemapMax {
		t.Errorf("URLs: got %d, want at most %d", len(set.URLs), SitemapMax)
	}
	if len(body) >= 50<<20 {
		t.Errorf("size: got %d bytes, want under 50 MB", len(body))
	}
	if strings.Contains(body, f.draft.Slug) || strings.Contains(body, "yacht-affair") {
		t.Error("sitemap reveals the draft or its tag")
	}
}

func TestSitemapIndex(t *testing.T) {
	f := newFixture(t)
	f.s.maxSitemap = 10
	want := f.wantSitemap(t)
	if len(f.live(t)) < 25 {
		t.Fatalf("fixture has %d live articles, want at least 25", len(f.live(t)))
	}
	body := f.body(t, "/sitemap.xml")
	if got := rootName(t, body); got != (xml.Name{Space: sitemapNS, Local: "sitemapindex"}) {
		t.Fatalf("with %d URLs and at most 10 a file: root element %v, want sitemapindex in %s", len(want), got, sitemapNS)
	}
	var idx xmlIndex
	if err := xml.Unmarshal([]byte(body), &idx); err != nil {
		t.Fatalf("decode index: %v", err)
	}
	if min := (len(want) + 9) / 10; len(idx.Sitemaps) < min {
		t.Errorf("parts: got %d, want at least %d", len(idx.Sitemaps), min)
	}
	seen := map[string]int{}
	for _, sm := range idx.Sitemaps {
		checkLoc(t, sm.Loc)
		path := strings.TrimPrefix(sm.Loc, testBase)
		part := f.body(t, path)
		if got := rootName(t, part); got.Local != "urlset" {
			t.Errorf("%s: root element %v, want urlset", path, got)
		}
		set := decodeURLSet(t, path, part)
		if len(set.URLs) > 10 {
			t.Errorf("%s: got %d URLs, want at most 10", path, len(set.URLs))
		}
		if len(set.URLs) == 0 {
			t.Errorf("%s: empty part", path)
		}
		for _, u := range set.URLs {
			checkLoc(t, u.Loc)
			seen[u.Loc]++
		}
	}
	for loc, n := range seen {
		if n != 1 {
			t.Errorf("%s: in %d parts, want exactly 1", loc, n)
		}
		if !want[loc] {
			t.Errorf("%s: listed, but not a public page", loc)
		}
	}
	for loc := range want {
		if seen[loc] == 0 {
			t.Errorf("%s: in no part of the sitemap", loc)
		}
	}
	for _, path := range []string{
		"/sitemaps/" + strconv.Itoa(len(idx.Sitemaps)+1) + "/sitemap.xml",
		"/sitemaps/0/sitemap.xml", "/sitemaps/-1/sitemap.xml", "/sitemaps/abc/sitemap.xml", "/sitemaps/99999999999/sitemap.xml",
	} {
		if rec := f.get(t, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: got status %d, want 404", path, rec.Code)
		}
	}
}

func TestNewsSitemap(t *testing.T) {
	f := newFixture(t)
	body := f.body(t, "/news-sitemap.xml")
	if !strings.Contains(body, `xmlns:news="`+newsNS+`"`) {
		t.Errorf("news sitemap does not declare xmlns:news=%q", newsNS)
	}
	set := decodeURLSet(t, "/news-sitemap.xml", body)
	cutoff := time.Now().Add(-48 * time.Hour)
	byLoc := map[string]bool{}
	var want int
	for _, a := range f.live(t) {
		if a.PublishedAt.After(cutoff) {
			want++
		}
	}
	if want == 0 || want == len(f.live(t)) {
		t.Fatalf("fixture: %d of %d live articles in the last 48 hours, want some but not all", want, len(f.live(t)))
	}
	for _, u := range set.URLs {
		checkLoc(t, u.Loc)
		byLoc[u.Loc] = true
		a, err := f.st.ArticleBySlug(context.Background(), u.Loc[strings.LastIndex(u.Loc, "/")+1:])
		if err != nil {
			t.Errorf("%s: %v", u.Loc, err)
			continue
		}
		if testBase+a.Path() != u.Loc {
			t.Errorf("<loc>: got %s, want %s", u.Loc, testBase+a.Path())
		}
		if !a.PublishedAt.After(cutoff) {
			t.Errorf("%s: published %v, more than 48 hours ago", u.Loc, a.PublishedAt)
		}
		if u.News == nil {
			t.Errorf("%s: no <news:news> in namespace %s", u.Loc, newsNS)
			continue
		}
		n := u.News
		if n.Publication.Name != testName {
			t.Errorf("%s: news:publication name: got %q, want %q", u.Loc, n.Publication.Name, testName)
		}
		if n.Publication.Language != a.Lang {
			t.Errorf("%s: news:publication language: got %q, want %q", u.Loc, n.Publication.Language, a.Lang)
		}
		if d, err := time.Parse(time.RFC3339, n.PublicationDate); err != nil || !d.Equal(a.PublishedAt) {
			t.Errorf("%s: news:publication_date: got %q, want %s", u.Loc, n.PublicationDate, a.PublishedAt.Format(time.RFC3339))
		}
		if n.Title != a.Headline {
			t.Errorf("%s: news:title: got %q, want %q", u.Loc, n.Title, a.Headline)
		}
	}
	if len(set.URLs) != want {
		t.Errorf("URLs: got %d, want %d (live articles of the last 48 hours)", len(set.URLs), want)
	}
	if byLoc[testBase+f.old.Path()] {
		t.Errorf("news sitemap lists %s, published 72 hours ago", f.old.Path())
	}
	if !byLoc[testBase+f.russian.Path()] {
		t.Errorf("news sitemap lacks the Russian article %s", f.russian.Path())
	}
	if strings.Contains(body, f.draft.Slug) {
		t.Error("news sitemap lists the draft")
	}
}

func TestRobots(t *testing.T) {
	f := newFixture(t)
	body := f.body(t, "/robots.txt")
	for _, want := range []string{
		"Sitemap: " + testBase + "/sitemap.xml\n",
		"Sitemap: " + testBase + "/news-sitemap.xml\n",
		"User-agent: *\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("robots.txt does not contain %q:\n%s", want, body)
		}
	}
}

func TestURLSetPageMatchesEncodingXML(t *testing.T) {
	urls := []sitemapURL{
		{Loc: "https://news.example/"},
		{Loc: "https://news.example/2026/10/03/a-b", LastMod: "2026-10-03T09:00:00Z"},
		{Loc: "https://news.example/tag/\"odd\"&<x>/'é'\t", LastMod: "2026-10-04T09:00:00Z"},
	}
	want, err := xmlPage("application/xml; charset=utf-8", "", urlset{URLs: urls}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := urlsetPage(urls, nil); string(got.body) != string(want.body) {
		t.Errorf("urlsetPage wrote\n%s\nencoding/xml writes\n%s", got.body, want.body)
	}
}

// A site whose pages fit in one sitemap has no parts to ask for.
func TestSitemapPartsAbsentWhenOneFileHoldsAll(t *testing.T) {
	f := newFixture(t)
	if got := rootName(t, f.body(t, "/sitemap.xml")); got.Local != "urlset" {
		t.Fatalf("small site: root element %v, want urlset", got)
	}
	for _, path := range []string{"/sitemaps/1/sitemap.xml", "/sitemaps/2/sitemap.xml", "/sitemaps/3/sitemap.xml"} {
		if rec := f.get(t, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s on a site with one sitemap: status %d, want 404", path, rec.Code)
		}
	}
}
