package site

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

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
	live := f.live(t)
	if len(live) <= FeedSize {
		t.Fatalf("fixture has %d live articles, want more than %d to test the limit", len(live), FeedSize)
	}
	want := live[:FeedSize]

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
			return it.DublinCoreExt.Creator // every dc:creator, not only the first
		}},
		{"/atom.xml", "atom", true, func(it *gofeed.Item) []string { return personNames(it.Authors) }},
		{"/feed.json", "json", true, func(it *gofeed.Item) []string { return personNames(it.Authors) }},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			feed, body := fetchFeed(t, f, tt.path)
			if feed.FeedType != tt.feedType {
				t.Errorf("feed type: got %q, want %q", feed.FeedType, tt.feedType)
			}
			if feed.Title != testName {
				t.Errorf("feed title: got %q, want %q", feed.Title, testName)
			}
			if feed.Language != "en" {
				t.Errorf("feed language: got %q, want en", feed.Language)
			}
			if feed.Link != testBase+"/" {
				t.Errorf("feed link: got %q, want %q", feed.Link, testBase+"/")
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
				if got, want := tt.authors(it), authorNames(a); !slices.Equal(got, want) {
					t.Errorf("item %d authors: got %q, want %q", i, got, want)
				}
				if got, want := it.Categories, []string{a.Section.Name}; !slices.Equal(got, want) {
					t.Errorf("item %d categories: got %q, want %q", i, got, want)
				}
				if it.Description != a.Dek {
					t.Errorf("item %d description: got %q, want the dek %q", i, it.Description, a.Dek)
				}
				if !strings.Contains(it.Content, a.BodyHTML) {
					t.Errorf("item %d content does not contain the body HTML\n got: %.300s\nwant: %.300s", i, it.Content, a.BodyHTML)
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
	want := f.live(t)[:FeedSize]
	if len(doc.Items) != len(want) {
		t.Fatalf("items: got %d, want %d", len(doc.Items), len(want))
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
	live := f.live(t)
	for _, sec := range []string{"news", "culture", "opinion"} {
		t.Run(sec, func(t *testing.T) {
			var want []*content.Article
			for _, a := range live {
				if a.Section.Slug == sec && len(want) < FeedSize {
					want = append(want, a)
				}
			}
			feed, _ := fetchFeed(t, f, "/"+sec+"/feed.xml")
			if feed.Link != testBase+"/"+sec+"/" {
				t.Errorf("feed link: got %q, want %q", feed.Link, testBase+"/"+sec+"/")
			}
			if feed.Language != "en" {
				t.Errorf("feed language: got %q, want en", feed.Language)
			}
			if len(feed.Items) != len(want) {
				t.Fatalf("items: got %d, want %d", len(feed.Items), len(want))
			}
			for i, it := range feed.Items {
				if it.Link != testBase+want[i].Path() {
					t.Errorf("item %d: got %q, want %q", i, it.Link, testBase+want[i].Path())
				}
				if got := it.Categories; !slices.Equal(got, []string{want[i].Section.Name}) {
					t.Errorf("item %d categories: got %q, want only this section %q", i, got, want[i].Section.Name)
				}
				if !strings.Contains(it.Content, want[i].BodyHTML) {
					t.Errorf("item %d content does not contain the body HTML", i)
				}
			}
		})
	}
}
