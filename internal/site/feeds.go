package site

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

// FeedSize is the number of items in each feed.
const FeedSize = 20

type feedData struct {
	title, description, link, self string
	lang, base                     string
	items                          []*content.Article
	deps                           []string
}

func (s *Site) feedItems(r *http.Request, q store.ListQuery) ([]*content.Article, error) {
	q.Limit, q.Full = FeedSize, true
	return s.db.ListArticles(r.Context(), q)
}

func (s *Site) siteFeed(r *http.Request) (feedData, error) {
	lang := s.pageLang(r) // each edition has its own feeds
	items, err := s.feedItems(r, store.ListQuery{Lang: lang})
	if err != nil {
		return feedData{}, err
	}
	return feedData{
		title: s.conf().Name, description: s.conf().Description, lang: lang,
		link: s.hostBase(r) + s.editionPrefix(lang) + "/", self: s.hostBase(r) + r.URL.Path, base: s.hostBase(r),
		items: items, deps: articleDeps([]string{depAll}, items),
	}, nil
}

func (s *Site) rss(r *http.Request) (*page, error) {
	f, err := s.siteFeed(r)
	if err != nil {
		return nil, err
	}
	return s.rssPage(f)
}

func (s *Site) sectionFeed(r *http.Request) (*page, error) {
	sec, err := s.db.SectionBySlug(r.Context(), r.PathValue("section"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, httpx.NotFound()
	}
	if err != nil {
		return nil, err
	}
	lang := s.pageLang(r)
	items, err := s.feedItems(r, store.ListQuery{Lang: lang, SectionID: sec.ID})
	if err != nil {
		return nil, err
	}
	name := s.nameOf(r.Context(), content.NameSection, sec.ID, lang, sec.Name)
	return s.rssPage(feedData{
		title: s.conf().Name + ": " + name, description: s.catalog.Locale(lang).T("%s from %s", name, s.conf().Name),
		lang: lang, link: s.hostBase(r) + s.editionPrefix(lang) + "/" + sec.Slug + "/", self: s.hostBase(r) + r.URL.Path, base: s.hostBase(r),
		items: items, deps: articleDeps([]string{depSection(sec.ID)}, items),
	})
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Content string     `xml:"xmlns:content,attr"`
	DC      string     `xml:"xmlns:dc,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Self          atomLink  `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssItem struct {
	Title       string        `xml:"title"`
	Link        string        `xml:"link"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate"`
	Description string        `xml:"description"`
	Creators    []string      `xml:"dc:creator"`
	Categories  []string      `xml:"category"`
	Encoded     cdata         `xml:"content:encoded"`
	Enclosure   *rssEnclosure `xml:"enclosure,omitempty"`
}

type rssGUID struct {
	Value       string `xml:",chardata"`
	IsPermaLink string `xml:"isPermaLink,attr"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Type   string `xml:"type,attr"`
	Length int    `xml:"length,attr"`
}

type cdata struct {
	Value string `xml:",cdata"`
}

func (s *Site) rssPage(f feedData) (*page, error) {
	doc := rssDoc{
		Version: "2.0",
		Content: "http://purl.org/rss/1.0/modules/content/",
		DC:      "http://purl.org/dc/elements/1.1/",
		Atom:    "http://www.w3.org/2005/Atom",
		Channel: rssChannel{
			Title: f.title, Link: f.link, Description: rssText(f.description), Language: f.lang,
			Self: atomLink{Href: f.self, Rel: "self", Type: "application/rss+xml"},
		},
	}
	if len(f.items) > 0 {
		doc.Channel.LastBuildDate = latestUpdate(f.items).Format(time.RFC1123Z)
	}
	for _, a := range f.items {
		url := f.base + a.Path()
		it := rssItem{
			Title: a.Headline, Link: url, GUID: rssGUID{Value: url, IsPermaLink: "true"},
			PubDate: a.PublishedAt.UTC().Format(time.RFC1123Z), Description: rssText(a.Dek),
			Encoded: cdata{Value: s.feedBody(f.base, a)},
		}
		for _, au := range a.Authors {
			it.Creators = append(it.Creators, au.Name)
		}
		it.Categories = append(it.Categories, a.Section.Name)
		if a.Image.Present() {
			it.Enclosure = &rssEnclosure{URL: f.base + imageURL(a.Image, 960), Type: "image/jpeg"}
		}
		doc.Channel.Items = append(doc.Channel.Items, it)
	}
	p, err := xmlPage("application/rss+xml; charset=utf-8", doc, f.deps)
	return modifiedAt(p, err, latestUpdate(f.items))
}

// feedBody is the full text for feed readers: lead image, body, corrections.
// Image URLs are absolute because feed readers show them elsewhere.
func (s *Site) feedBody(base string, a *content.Article) string {
	body := ""
	if a.Image.Present() {
		body += fmt.Sprintf(`<figure><img src="%s" alt="%s" width="%d" height="%d"><figcaption>%s %s</figcaption></figure>`,
			xmlEscape(base+imageURL(a.Image, 960)), xmlEscape(a.Image.Alt), 960, a.Image.HeightFor(960),
			xmlEscape(a.Image.Caption), xmlEscape(a.Image.Credit))
	}
	body += a.BodyHTML
	for _, c := range a.Corrections {
		body += fmt.Sprintf(`<p><strong>Correction, %s:</strong> %s</p>`, c.CreatedAt.Format("2 January 2006"), xmlEscape(c.Text))
	}
	return body + s.mirrorFooter()
}

func latestUpdate(items []*content.Article) time.Time {
	var t time.Time
	for _, a := range items {
		if a.UpdatedAt.After(t) {
			t = a.UpdatedAt
		}
	}
	return t.UTC()
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr,omitempty"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Sub     string      `xml:"subtitle,omitempty"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Links      []atomLink     `xml:"link"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomContent   `xml:"summary,omitempty"`
	Content    atomContent    `xml:"content"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomContent struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

func (s *Site) atom(r *http.Request) (*page, error) {
	f, err := s.siteFeed(r)
	if err != nil {
		return nil, err
	}
	doc := atomFeed{
		Lang: f.lang, ID: f.link, Title: f.title, Sub: f.description,
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Links:   []atomLink{{Href: f.self, Rel: "self", Type: "application/atom+xml"}, {Href: f.link, Rel: "alternate", Type: "text/html"}},
	}
	if len(f.items) > 0 {
		doc.Updated = latestUpdate(f.items).Format(time.RFC3339)
	}
	for _, a := range f.items {
		url := f.base + a.Path()
		e := atomEntry{
			ID: url, Title: a.Headline, Updated: a.UpdatedAt.UTC().Format(time.RFC3339),
			Published:  a.PublishedAt.UTC().Format(time.RFC3339),
			Links:      []atomLink{{Href: url, Rel: "alternate", Type: "text/html"}},
			Content:    atomContent{Type: "html", Value: s.feedBody(f.base, a)},
			Categories: []atomCategory{{Term: a.Section.Slug, Label: a.Section.Name}},
		}
		if a.Dek != "" {
			// The dek is plain text. Text is Atom's default, but say so:
			// a reader must not guess HTML from a dek that looks like it.
			e.Summary = &atomContent{Type: "text", Value: a.Dek}
		}
		for _, au := range a.Authors {
			e.Authors = append(e.Authors, atomPerson{Name: au.Name, URI: f.base + "/author/" + au.Slug + "/"})
		}
		if len(e.Authors) == 0 {
			e.Authors = []atomPerson{{Name: s.conf().Name}}
		}
		doc.Entries = append(doc.Entries, e)
	}
	p, err := xmlPage("application/atom+xml; charset=utf-8", doc, f.deps)
	return modifiedAt(p, err, latestUpdate(f.items))
}

type jsonFeed struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	HomePageURL string         `json:"home_page_url"`
	FeedURL     string         `json:"feed_url"`
	Description string         `json:"description,omitempty"`
	Language    string         `json:"language,omitempty"`
	Items       []jsonFeedItem `json:"items"`
}

type jsonFeedItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url"`
	Title         string           `json:"title"`
	Summary       string           `json:"summary,omitempty"`
	ContentHTML   string           `json:"content_html"`
	Image         string           `json:"image,omitempty"`
	DatePublished string           `json:"date_published"`
	DateModified  string           `json:"date_modified"`
	Authors       []jsonFeedAuthor `json:"authors,omitempty"`
	Tags          []string         `json:"tags,omitempty"`
	Language      string           `json:"language,omitempty"`
}

type jsonFeedAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

func (s *Site) jsonFeed(r *http.Request) (*page, error) {
	f, err := s.siteFeed(r)
	if err != nil {
		return nil, err
	}
	doc := jsonFeed{
		Version: "https://jsonfeed.org/version/1.1", Title: f.title, HomePageURL: f.link,
		FeedURL: f.self, Description: f.description, Language: f.lang, Items: []jsonFeedItem{},
	}
	for _, a := range f.items {
		url := f.base + a.Path()
		it := jsonFeedItem{
			ID: url, URL: url, Title: a.Headline, Summary: a.Dek, ContentHTML: s.feedBody(f.base, a),
			DatePublished: a.PublishedAt.UTC().Format(time.RFC3339), DateModified: a.UpdatedAt.UTC().Format(time.RFC3339),
			Tags: []string{a.Section.Name}, Language: a.Lang,
		}
		if a.Image.Present() {
			it.Image = f.base + imageURL(a.Image, 960)
		}
		for _, au := range a.Authors {
			it.Authors = append(it.Authors, jsonFeedAuthor{Name: au.Name, URL: f.base + "/author/" + au.Slug + "/"})
		}
		doc.Items = append(doc.Items, it)
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return nil, fmt.Errorf("json feed: %w", err)
	}
	return &page{contentType: "application/feed+json; charset=utf-8", body: b, deps: f.deps, modified: latestUpdate(f.items)}, nil
}

func xmlPage(ctype string, doc any, deps []string) (*page, error) {
	b, err := xml.MarshalIndent(doc, "", " ")
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", ctype, err)
	}
	return &page{contentType: ctype, body: append([]byte(xml.Header), b...), deps: deps}, nil
}

func xmlEscape(s string) string { return html.EscapeString(s) }

// rssTextEscaper escapes only what HTML needs in text. Quotes are left
// alone: they are harmless in text, and the few readers that show a
// description as plain text would otherwise print &#39; for every
// apostrophe.
var rssTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// rssText prepares plain text (a dek, the site's description) for an RSS
// <description>. Feed readers render a description as HTML once the XML is
// decoded, so plain text must be HTML-escaped before encoding/xml escapes it
// again; otherwise an imported dek like "<svg onload=...>" runs as markup in
// the reader.
func rssText(s string) string { return rssTextEscaper.Replace(s) }
