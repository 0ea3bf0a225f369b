package site

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/samizdat-press/samizdat/internal/content"
)

// fetchFeed fetches a feed and parses it back as a feed reader would.
func fetchFeed(t *testing.T, f *fixture, path string) (*gofeed.Feed, string) {
	t.Helper()
	body := f.body(t, path)
	feed, err := gofeed.NewParser().ParseString(body)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return feed, body
}

func authorNames(a *content.Article) []string {
	var names []string
	for _, au := range a.Authors {
		names = append(names, au.Name)
	}
	return names
}

// categoryNames are an article's section and tags, as the fixture names
// them (it has no names in other languages).
func categoryNames(a *content.Article) []string {
	names := []string{a.Section.Name}
	for _, t := range a.Tags {
		names = append(names, t.Name)
	}
	return names
}

func personNames(ps []*gofeed.Person) []string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return names
}

func sameSecond(got *time.Time, want time.Time) bool {
	return got != nil && got.Unix() == want.Unix()
}

func TestFeeds(t *testing.T) {
	f := newFixture(t)
	live := f.liveIn(t, "en")
	if len(live) <= FeedSize {
		t.Fatalf("fixture has %d live English articles, want more than %d to test the limit", len(live), FeedSize)
	}
	if len(f.liveIn(t, "ru")) == 0 {
		t.Fatal("fixture has no live Russian article")
	}
	// Each edition has its own feeds, of its language only.
	for _, ed := range []struct{ prefix, lang string }{{"", "en"}, {"/ru", "ru"}} {
		want := f.liveIn(t, ed.lang)
		want = want[:min(len(want), FeedSize)]
		testFeeds(t, f, ed.prefix, ed.lang, want)
	}
}

func testFeeds(t *testing.T, f *fixture, prefix, lang string, want []*content.Article) {
	tests := []struct {
		path     string
		feedType string // as gofeed names it
		// updated reports whether items carry an updated date (RSS has none).
		updated bool
		authors func(it *gofeed.Item) []string
	}{
		{"/feed.xml", "rss", false, func(it *gofeed.Item) []string {
			if it.DublinCoreExt == nil {
				return nil
			}
			return it.DublinCoreExt.Creator // one dc:creator: the whole byline
		}},
		{"/atom.xml", "atom", true, func(it *gofeed.Item) []string { return personNames(it.Authors) }},
		{"/feed.json", "json", true, func(it *gofeed.Item) []string { return personNames(it.Authors) }},
	}
	for _, tt := range tests {
		tt.path = prefix + tt.path
		t.Run(tt.path, func(t *testing.T) {
			feed, body := fetchFeed(t, f, tt.path)
			if feed.FeedType != tt.feedType {
				t.Errorf("feed type: got %q, want %q", feed.FeedType, tt.feedType)
			}
			if feed.Title != testName {
				t.Errorf("feed title: got %q, want %q", feed.Title, testName)
			}
			if feed.Language != lang {
				t.Errorf("feed language: got %q, want %s", feed.Language, lang)
			}
			if feed.Link != testBase+prefix+"/" {
				t.Errorf("feed link: got %q, want %q", feed.Link, testBase+prefix+"/")
			}
			if feed.FeedLink != testBase+tt.path {
				t.Errorf("feed self link: got %q, want %q", feed.FeedLink, testBase+tt.path)
			}
			if len(feed.Items) != len(want) {
				t.Fatalf("items: got %d, want %d (newest %d live articles)", len(feed.Items), len(want), FeedSize)
			}
			if strings.Contains(body, f.draft.Slug) {
				t.Error("feed contains the draft")
			}
			if strings.Contains(body, "alert(1)") {
				t.Error("feed contains the <script> written into a body")
			}
			for i, it := range feed.Items {
				a := want[i]
				link := testBase + a.Path()
				if it.Title != a.Headline {
					t.Errorf("item %d title: got %q, want %q", i, it.Title, a.Headline)
				}
				if it.Link != link {
					t.Errorf("item %d link: got %q, want %q", i, it.Link, link)
				}
				if it.GUID != link {
					t.Errorf("item %d GUID: got %q, want %q", i, it.GUID, link)
				}
				if !sameSecond(it.PublishedParsed, a.PublishedAt) {
					t.Errorf("item %d published: got %v, want %v", i, it.PublishedParsed, a.PublishedAt)
				}
				if tt.updated && !sameSecond(it.UpdatedParsed, a.UpdatedAt) {
					t.Errorf("item %d updated: got %v, want %v", i, it.UpdatedParsed, a.UpdatedAt)
				}
				wantAuthors := authorNames(a)
				if tt.feedType == "rss" {
					wantAuthors = []string{f.s.catalog.Locale(a.Lang).List(wantAuthors)}
				}
				if got := tt.authors(it); !slices.Equal(got, wantAuthors) {
					t.Errorf("item %d authors: got %q, want %q", i, got, wantAuthors)
				}
				if got, want := it.Categories, categoryNames(a); !slices.Equal(got, want) {
					t.Errorf("item %d categories: got %q, want %q", i, got, want)
				}
				desc := it.Description
				if tt.feedType == "rss" {
					desc, _ = htmlText(t, desc) // an RSS description is HTML
				}
				if desc != a.Dek {
					t.Errorf("item %d description: got %q, want the dek %q", i, desc, a.Dek)
				}
				if body := bodyWithAbsoluteLinks(a); !strings.Contains(it.Content, body) {
					t.Errorf("item %d content does not contain the body HTML\n got: %.300s\nwant: %.300s", i, it.Content, body)
				}
				if a.Image.Present() {
					if tt.feedType != "atom" && (it.Image == nil || !strings.HasPrefix(it.Image.URL, testBase+"/media/"+a.Image.Key+"/")) {
						t.Errorf("item %d image: got %+v, want an absolute URL under %s/media/%s/", i, it.Image, testBase, a.Image.Key)
					}
					if !strings.Contains(it.Content, `src="`+testBase+"/media/") {
						t.Errorf("item %d content: lead image src is not absolute", i)
					}
				}
				if i > 0 && newer(a, want[i-1]) {
					t.Errorf("item %d is newer than item %d: want newest first", i, i-1)
				}
			}
		})
	}
}

// TestFeedCorrections: corrections are part of the full text in feeds, as
// feedBody writes them.
func TestFeedCorrections(t *testing.T) {
	f := newFixture(t)
	a := f.reload(t, f.featured)
	if len(a.Corrections) == 0 {
		t.Fatal("fixture article has no correction")
	}
	var missing []string
	for _, path := range []string{"/feed.xml", "/atom.xml", "/feed.json", "/news/feed.xml"} {
		feed, _ := fetchFeed(t, f, path)
		for _, it := range feed.Items {
			if it.Link == testBase+a.Path() && !strings.Contains(it.Content, a.Corrections[0].Text) {
				missing = append(missing, path)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("the correction is missing from %v", missing)
	}
}

func TestJSONFeedDocument(t *testing.T) {
	f := newFixture(t)
	var doc struct {
		Version     string `json:"version"`
		Title       string `json:"title"`
		HomePageURL string `json:"home_page_url"`
		FeedURL     string `json:"feed_url"`
		Language    string `json:"language"`
		Items       []struct {
			ID            string `json:"id"`
			URL           string `json:"url"`
			ContentHTML   string `json:"content_html"`
			DatePublished string `json:"date_published"`
			DateModified  string `json:"date_modified"`
			Language      string `json:"language"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(f.body(t, "/feed.json")), &doc); err != nil {
		t.Fatalf("decode /feed.json: %v", err)
	}
	if doc.Version != "https://jsonfeed.org/version/1.1" {
		t.Errorf("version: got %q, want %q", doc.Version, "https://jsonfeed.org/version/1.1")
	}
	if doc.FeedURL != testBase+"/feed.json" || doc.HomePageURL != testBase+"/" {
		t.Errorf("feed_url, home_page_url: got %q, %q, want %q, %q", doc.FeedURL, doc.HomePageURL, testBase+"/feed.json", testBase+"/")
	}
	want := f.liveIn(t, "en")[:FeedSize]
	if doc.Language != "en" {
		t.Errorf("language: got %q, want en", doc.Language)
	}
	if len(doc.Items) != len(want) {
		t.Fatalf("items: got %d, want %d", len(doc.Items), len(want))
	}
	var ru struct {
		Language    string `json:"language"`
		HomePageURL string `json:"home_page_url"`
		Items       []struct {
			URL      string `json:"url"`
			Language string `json:"language"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(f.body(t, "/ru/feed.json")), &ru); err != nil {
		t.Fatalf("decode /ru/feed.json: %v", err)
	}
	if ru.Language != "ru" || ru.HomePageURL != testBase+"/ru/" || len(ru.Items) != len(f.liveIn(t, "ru")) {
		t.Errorf("/ru/feed.json: language %q, home %q, %d items; want ru, %s/ru/ and %d items", ru.Language, ru.HomePageURL, len(ru.Items), testBase, len(f.liveIn(t, "ru")))
	}
	for i, it := range ru.Items {
		if it.Language != "ru" {
			t.Errorf("/ru/feed.json item %d (%s) language %q, want ru", i, it.URL, it.Language)
		}
	}
	for i, it := range doc.Items {
		a := want[i]
		if it.Language != a.Lang {
			t.Errorf("item %d language: got %q, want %q", i, it.Language, a.Lang)
		}
		for _, d := range []string{it.DatePublished, it.DateModified} {
			if _, err := time.Parse(time.RFC3339, d); err != nil {
				t.Errorf("item %d date %q: not RFC 3339: %v", i, d, err)
			}
		}
	}
}

func TestSectionFeeds(t *testing.T) {
	f := newFixture(t)
	for _, ed := range []struct{ prefix, lang, sec string }{{"", "en", "news"}, {"", "en", "culture"}, {"", "en", "opinion"}, {"/ru", "ru", "opinion"}} {
		sec := ed.sec
		t.Run(ed.prefix+"/"+sec, func(t *testing.T) {
			var want []*content.Article
			for _, a := range f.liveIn(t, ed.lang) {
				if a.Section.Slug == sec && len(want) < FeedSize {
					want = append(want, a)
				}
			}
			if len(want) == 0 {
				t.Fatalf("fixture has no %s article in %s", ed.lang, sec)
			}
			feed, _ := fetchFeed(t, f, ed.prefix+"/"+sec+"/feed.xml")
			if feed.Link != testBase+ed.prefix+"/"+sec+"/" {
				t.Errorf("feed link: got %q, want %q", feed.Link, testBase+ed.prefix+"/"+sec+"/")
			}
			if feed.Language != ed.lang {
				t.Errorf("feed language: got %q, want %s", feed.Language, ed.lang)
			}
			if len(feed.Items) != len(want) {
				t.Fatalf("items: got %d, want %d", len(feed.Items), len(want))
			}
			for i, it := range feed.Items {
				if it.Link != testBase+want[i].Path() {
					t.Errorf("item %d: got %q, want %q", i, it.Link, testBase+want[i].Path())
				}
				if got := it.Categories; !slices.Equal(got, categoryNames(want[i])) {
					t.Errorf("item %d categories: got %q, want this section and the tags %q", i, got, categoryNames(want[i]))
				}
				if !strings.Contains(it.Content, bodyWithAbsoluteLinks(want[i])) {
					t.Errorf("item %d content does not contain the body HTML", i)
				}
			}
		})
	}
}

// markupDek is a dek as an importer may bring it in: it looks like markup,
// but a dek is plain text, so every reader must see these characters and
// no element.
const markupDek = `<svg onload=alert(1)>Tom & Jerry's <b>"cut"</b></svg> &amp; more`

// htmlText interprets s as an HTML fragment, the way a feed reader shows an
// RSS description, and returns its text and the names of the elements in it.
func htmlText(t *testing.T, s string) (string, []string) {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatalf("parse %q as HTML: %v", s, err)
	}
	var elems []string
	var b strings.Builder
	for _, n := range nodes {
		for _, e := range findAll(n, "", nil) {
			elems = append(elems, e.Data)
		}
		b.WriteString(text(n))
	}
	return b.String(), elems
}

// xmlElement is an element decoded generically: its attributes, its text and
// any element inside it.
type xmlElement struct {
	Attrs    []xml.Attr   `xml:",any,attr"`
	Text     string       `xml:",chardata"`
	Children []xmlElement `xml:",any"`
}

// TestFeedDekIsText: a dek that looks like markup reaches every feed and
// page as the same literal text, never as an element.
func TestFeedDekIsText(t *testing.T) {
	f := newFixture(t)
	a := f.create(t, &content.Article{
		Headline: "An imported story", Dek: markupDek, Body: "Imported body.", Lang: "en",
		Status: content.StatusPublished, Section: f.sections["news"], PublishedAt: f.now.Add(-time.Minute),
	})
	link := testBase + a.Path()
	// rssSummary and atomSummary decode the feed with encoding/xml, not a
	// feed library, so nothing in between repairs or hides what was sent.
	rssSummary := func(t *testing.T, body string) string {
		var doc struct {
			Items []struct {
				Link        string     `xml:"link"`
				Description xmlElement `xml:"description"`
			} `xml:"channel>item"`
		}
		if err := xml.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("decode RSS: %v", err)
		}
		for _, it := range doc.Items {
			if it.Link != link {
				continue
			}
			if len(it.Description.Children) > 0 {
				t.Errorf("description holds XML elements %+v", it.Description.Children)
			}
			// RSS readers render a description as HTML: what they show is
			// the text of the description's text parsed as HTML.
			txt, elems := htmlText(t, it.Description.Text)
			if len(elems) > 0 {
				t.Errorf("description %q renders as HTML elements %q", it.Description.Text, elems)
			}
			return txt
		}
		t.Fatalf("no item links to %s", link)
		return ""
	}
	atomSummary := func(t *testing.T, body string) string {
		var doc struct {
			Entries []struct {
				ID      string     `xml:"id"`
				Summary xmlElement `xml:"summary"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("decode Atom: %v", err)
		}
		for _, e := range doc.Entries {
			if e.ID != link {
				continue
			}
			if len(e.Summary.Children) > 0 {
				t.Errorf("summary holds XML elements %+v", e.Summary.Children)
			}
			for _, at := range e.Summary.Attrs {
				if at.Name.Local == "type" && at.Value != "text" {
					t.Errorf("summary type %q, want text: readers would render the dek as markup", at.Value)
				}
			}
			return e.Summary.Text // type text: shown as it is
		}
		t.Fatalf("no entry has id %s", link)
		return ""
	}
	jsonSummary := func(t *testing.T, body string) string {
		var doc struct {
			Items []struct {
				URL     string `json:"url"`
				Summary string `json:"summary"` // plain text by the JSON Feed spec
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("decode JSON Feed: %v", err)
		}
		for _, it := range doc.Items {
			if it.URL == link {
				return it.Summary
			}
		}
		t.Fatalf("no item has url %s", link)
		return ""
	}
	for _, tt := range []struct {
		path    string
		summary func(*testing.T, string) string
	}{
		{"/feed.xml", rssSummary},
		{"/news/feed.xml", rssSummary},
		{"/atom.xml", atomSummary},
		{"/feed.json", jsonSummary},
	} {
		t.Run(tt.path, func(t *testing.T) {
			body := f.body(t, tt.path)
			if got := tt.summary(t, body); got != markupDek {
				t.Errorf("a reader shows the dek as %q, want it literally: %q", got, markupDek)
			}
			// gofeed, as a feed reader would use it, agrees.
			feed, err := gofeed.NewParser().ParseString(body)
			if err != nil {
				t.Fatalf("gofeed: %v", err)
			}
			for _, it := range feed.Items {
				if it.Link != link {
					continue
				}
				got := it.Description
				if feed.FeedType == "rss" {
					got, _ = htmlText(t, got)
				}
				if got != markupDek {
					t.Errorf("gofeed description %q, want the dek %q", got, markupDek)
				}
			}
		})
	}

	t.Run("article page", func(t *testing.T) {
		doc := parseHTML(t, f.body(t, a.Path()))
		for _, e := range findAll(doc, "", func(n *html.Node) bool { _, ok := attr(n, "onload"); return ok }) {
			t.Errorf("<%s> with an onload attribute got into the page", e.Data)
		}
		found := false // the "Read more" list shows other deks too
		for _, p := range findAll(doc, "p", hasClass("dek")) {
			if c := p.FirstChild; c == nil || c.NextSibling != nil || c.Type != html.TextNode {
				t.Errorf("dek paragraph %q is not one text node", text(p))
			}
			found = found || text(p) == markupDek
		}
		if !found {
			t.Errorf("no dek paragraph reads %q", markupDek)
		}
		for _, m := range []struct{ key, name string }{
			{"name", "description"}, {"property", "og:description"}, {"name", "twitter:description"},
		} {
			if got := metaContent(doc, m.key, m.name); got != markupDek {
				t.Errorf("meta %s: got %q, want %q", m.name, got, markupDek)
			}
		}
		lds := findAll(doc, "script", hasAttr("type", "application/ld+json"))
		if len(lds) != 1 {
			t.Fatalf("got %d JSON-LD scripts, want 1", len(lds))
		}
		var ld struct {
			Description string `json:"description"`
		}
		if err := json.Unmarshal([]byte(text(lds[0])), &ld); err != nil {
			t.Fatalf("JSON-LD: %v", err)
		}
		if ld.Description != markupDek {
			t.Errorf("JSON-LD description %q, want %q", ld.Description, markupDek)
		}
	})
	t.Run("home page", func(t *testing.T) {
		doc := parseHTML(t, f.body(t, "/"))
		for _, e := range findAll(doc, "", func(n *html.Node) bool { _, ok := attr(n, "onload"); return ok }) {
			t.Errorf("<%s> with an onload attribute got into the page", e.Data)
		}
	})
}
