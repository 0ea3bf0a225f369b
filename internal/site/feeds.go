package site

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
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
	return s.rssPage(r, f)
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
	return s.rssPage(r, feedData{
		title: s.conf().Name + ": " + name, description: s.catalog.Locale(lang).T("%s from %s", name, s.conf().Name),
		lang: lang, link: s.hostBase(r) + s.editionPrefix(lang) + "/" + sec.Slug + "/", self: s.hostBase(r) + r.URL.Path, base: s.hostBase(r),
		items: items, deps: articleDeps([]string{depSection(sec.ID)}, items),
	})
}

// feedEntry is what every format says of one article, worked out once:
// names in the article's language, links made absolute for feed readers,
// which show the text away from the site.
type feedEntry struct {
	*content.Article
	url        string
	authors    []feedPerson
	byline     string         // every author, joined as the article's byline joins them
	categories []feedCategory // the section, then the tags
	body       string         // full text, HTML
	image      string         // absolute URL of the lead image, "" without one
	imageSize  int64          // its bytes; -1 when the file could not be found
}

type feedPerson struct{ name, url string }

type feedCategory struct{ term, label string }

// feedEntries prepares the items of f.
func (s *Site) feedEntries(ctx context.Context, f feedData) []feedEntry {
	names := s.names(ctx)
	out := make([]feedEntry, 0, len(f.items))
	for _, a := range f.items {
		loc := s.catalog.Locale(a.Lang)
		e := feedEntry{Article: a, url: f.base + a.Path(), imageSize: -1}
		var byline []string
		for _, au := range a.Authors {
			name := names.Of(content.NameAuthor, au.ID, a.Lang, au.Name)
			e.authors = append(e.authors, feedPerson{name: name, url: f.base + "/author/" + au.Slug + "/"})
			byline = append(byline, name)
		}
		e.byline = loc.List(byline)
		e.categories = append(e.categories, feedCategory{term: a.Section.Slug, label: names.Of(content.NameSection, a.Section.ID, a.Lang, a.Section.Name)})
		for _, t := range a.Tags {
			e.categories = append(e.categories, feedCategory{term: t.Slug, label: names.Of(content.NameTag, t.ID, a.Lang, t.Name)})
		}
		if a.Image.Present() {
			e.image = f.base + imageURL(a.Image, feedImageWidth)
			e.imageSize = s.mediaSize(a.Image, feedImageWidth)
		}
		e.body = s.feedBody(f.base, e.url, a, loc)
		out = append(out, e)
	}
	return out
}

// names are the names of sections, tags and authors in every language, as
// the navigation loaded them; nil (the names as entered) when they cannot
// be read, as nameOf does.
func (s *Site) names(ctx context.Context) content.NameForms {
	if _, err := s.navList(ctx); err != nil {
		return nil
	}
	if p := s.sections.Load(); p != nil {
		return p.names
	}
	return nil
}

// feedImageWidth is the width of the lead image feeds show.
const feedImageWidth = 960

// mediaSize is the size in bytes of the image file served for im at width
// w, or -1 when there is none. It asks the file system (Stat), never reads
// the file: a feed renders twenty of them.
func (s *Site) mediaSize(im content.Image, w int) int64 {
	if s.media == nil {
		return -1
	}
	f, err := s.media.Open(im.Key, path.Base(imageURL(im, w)))
	if err != nil {
		return -1
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return -1
	}
	return info.Size()
}

// feedIcons are the feed's pictures, as absolute URLs.
type feedIcons struct {
	icon string // the site's icon: square and small (Atom icon, JSON Feed favicon)
	logo string // the site's logo, or the icon without one (Atom logo, JSON Feed icon)
	// rssLogo is the logo when it is a raster image, the only kinds RSS's
	// <image> allows (GIF, JPEG, PNG); "" otherwise.
	rssLogo       string
	width, height int // of rssLogo, when RSS allows them (at most 144 × 400)
}

func (s *Site) feedIcons(base string) feedIcons {
	var ic feedIcons
	if _, ok := s.assets.files["icon.svg"]; ok {
		ic.icon = base + s.assets.url("icon.svg")
	}
	ic.logo = ic.icon
	if lg := s.conf().Logo; lg.URL != "" {
		ic.logo = lg.URL
		if !strings.HasPrefix(lg.URL, "https://") && !strings.HasPrefix(lg.URL, "http://") {
			ic.logo = base + lg.URL
		}
		switch strings.ToLower(path.Ext(lg.URL)) {
		case ".jpg", ".jpeg", ".png", ".gif":
			ic.rssLogo = ic.logo
			if lg.Width > 0 && lg.Width <= 144 && lg.Height > 0 && lg.Height <= 400 {
				ic.width, ic.height = lg.Width, lg.Height
			}
		}
	}
	return ic
}

// feedPageNS is the namespace of the words a browser shows when it opens a
// feed (feedPage). Feed readers skip elements of namespaces they do not know.
const feedPageNS = "https://github.com/samizdat-press/samizdat/ns/feed-page"

// feedPage carries, inside RSS and Atom feeds, what web/static/feed.xsl
// needs to show the feed as a page in a browser: the words, from the
// catalog in the feed's language (so the stylesheet holds none of its
// own), and the site's stylesheet, whose fingerprinted URL the XSL file
// cannot know.
type feedPage struct {
	Lang       string `xml:"lang,attr"`
	Site       string `xml:"site,attr"`
	Home       string `xml:"home,attr"`
	Stylesheet string `xml:"stylesheet,attr"`
	Heading    string `xml:"sz:heading"`
	About      string `xml:"sz:about"`
	Subscribe  string `xml:"sz:subscribe"`
	Latest     string `xml:"sz:latest"`
	HomeLabel  string `xml:"sz:home"`
}

func (s *Site) feedPage(f feedData) *feedPage {
	loc := s.catalog.Locale(f.lang)
	return &feedPage{
		Lang: f.lang, Site: s.conf().Name, Home: s.editionPrefix(f.lang) + "/", Stylesheet: s.assets.url("style.css"),
		Heading:   loc.T("This is a news feed"),
		About:     loc.T("A feed reader app checks this address for new articles from %s and shows them to you as they are published: no account and no tracking.", s.conf().Name),
		Subscribe: loc.T("To subscribe, copy this page's address into your feed reader:"),
		Latest:    loc.T("Latest"),
		HomeLabel: loc.T("Go to the front page"),
	}
}

// feedXMLType is the Content-Type of the RSS and Atom feeds. Their own
// types (application/rss+xml, application/atom+xml) make Chromium show the
// feed as plain text and Firefox offer it as a download, either way without
// the stylesheet; as application/xml both apply it. Feed readers read the
// document, whatever its type (they already read the static copy's
// feed.xml, which static hosts serve as application/xml), and pages still
// announce the feeds with their own types in <link rel="alternate">.
const feedXMLType = "application/xml; charset=utf-8"

// feedStylesheet is the processing instruction that makes a browser show an
// RSS or Atom feed through feed.xsl. The address is root-relative: browsers
// apply only a stylesheet from the feed's own origin, and so it works on
// every mirror, the onion service and a static copy alike.
func (s *Site) feedStylesheet() string {
	return `<?xml-stylesheet type="text/xsl" href="` + s.assets.url("feed.xsl") + `"?>` + "\n"
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Content string     `xml:"xmlns:content,attr"`
	DC      string     `xml:"xmlns:dc,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	SZ      string     `xml:"xmlns:sz,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Image         *rssImage `xml:"image,omitempty"`
	Self          atomLink  `xml:"atom:link"`
	Page          *feedPage `xml:"sz:page"`
	Items         []rssItem `xml:"item"`
}

type rssImage struct {
	URL    string `xml:"url"`
	Title  string `xml:"title"`
	Link   string `xml:"link"`
	Width  int    `xml:"width,omitempty"`
	Height int    `xml:"height,omitempty"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Description string  `xml:"description"`
	// Creator is every author in one byline ("A, B and C"). Dublin Core
	// allows one dc:creator per author, but many readers (gofeed among
	// them) keep only the first of several, so co-authors would vanish;
	// one joined name reaches every reader whole. Atom and JSON Feed,
	// whose readers do take lists, list the authors one by one.
	Creator    string        `xml:"dc:creator,omitempty"`
	Categories []string      `xml:"category"`
	Encoded    cdata         `xml:"content:encoded"`
	Enclosure  *rssEnclosure `xml:"enclosure,omitempty"`
}

type rssGUID struct {
	Value       string `xml:",chardata"`
	IsPermaLink string `xml:"isPermaLink,attr"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Type   string `xml:"type,attr"`
	Length int64  `xml:"length,attr"`
}

type cdata struct {
	Value string `xml:",cdata"`
}

func (s *Site) rssPage(r *http.Request, f feedData) (*page, error) {
	doc := rssDoc{
		Version: "2.0",
		Content: "http://purl.org/rss/1.0/modules/content/",
		DC:      "http://purl.org/dc/elements/1.1/",
		Atom:    "http://www.w3.org/2005/Atom",
		SZ:      feedPageNS,
		Channel: rssChannel{
			Title: f.title, Link: f.link, Description: rssText(f.description), Language: f.lang,
			Self: atomLink{Href: f.self, Rel: "self", Type: "application/rss+xml"},
			Page: s.feedPage(f),
		},
	}
	if ic := s.feedIcons(f.base); ic.rssLogo != "" {
		// The image's title and link are the channel's, as RSS asks: readers
		// show the picture as a link to the site.
		doc.Channel.Image = &rssImage{URL: ic.rssLogo, Title: f.title, Link: f.link, Width: ic.width, Height: ic.height}
	}
	if len(f.items) > 0 {
		doc.Channel.LastBuildDate = latestUpdate(f.items).Format(time.RFC1123Z)
	}
	for _, e := range s.feedEntries(r.Context(), f) {
		it := rssItem{
			Title: e.Headline, Link: e.url, GUID: rssGUID{Value: e.url, IsPermaLink: "true"},
			PubDate: e.PublishedAt.UTC().Format(time.RFC1123Z), Description: rssText(e.Dek),
			Creator: e.byline, Encoded: cdata{Value: e.body},
		}
		for _, c := range e.categories {
			it.Categories = append(it.Categories, c.label)
		}
		// RSS requires the enclosure's true length; without the file there
		// is no enclosure (the image is still in the text).
		if e.image != "" && e.imageSize >= 0 {
			it.Enclosure = &rssEnclosure{URL: e.image, Type: "image/jpeg", Length: e.imageSize}
		}
		doc.Channel.Items = append(doc.Channel.Items, it)
	}
	p, err := xmlPage(feedXMLType, s.feedStylesheet(), doc, f.deps)
	return modifiedAt(p, err, latestUpdate(f.items))
}

// feedBody is the full text for feed readers: lead image, body,
// corrections and the site's other addresses, its words in the article's
// language as on the article's page. Every URL is absolute, because feed
// readers show the text away from the site.
func (s *Site) feedBody(base, url string, a *content.Article, loc *i18n.Locale) string {
	var b strings.Builder
	if a.Image.Present() {
		fmt.Fprintf(&b, `<figure><img src="%s" alt="%s" width="%d" height="%d">`,
			xmlEscape(base+imageURL(a.Image, feedImageWidth)), xmlEscape(a.Image.Alt), feedImageWidth, a.Image.HeightFor(feedImageWidth))
		// The caption as the "figure" partial writes it, credit labelled.
		if a.Image.Caption != "" || a.Image.Credit != "" {
			b.WriteString("<figcaption>" + xmlEscape(a.Image.Caption))
			if a.Image.Credit != "" {
				b.WriteString(` <span class="credit">` + xmlEscape(loc.T("Photo: %s", a.Image.Credit)) + `</span>`)
			}
			b.WriteString("</figcaption>")
		}
		b.WriteString("</figure>")
	}
	b.WriteString(absoluteLinks(a.BodyHTML, base, url))
	for _, c := range a.Corrections {
		fmt.Fprintf(&b, `<p><strong>%s</strong> %s</p>`, xmlEscape(loc.T("Correction, %s:", loc.Date(c.CreatedAt))), xmlEscape(c.Text))
	}
	b.WriteString(s.mirrorFooter(loc))
	return b.String()
}

// absoluteLinks makes the links and images of an article's body work in a
// feed reader: a fragment ("#fn:1", a footnote) points into the article at
// page, and a root-relative URL ("/news/") gets the site's base. Only the
// tags it changes are written anew; every other byte is kept as it was.
func absoluteLinks(body, base, page string) string {
	if !strings.Contains(body, `="/`) && !strings.Contains(body, `="#`) {
		return body // the common case: nothing to change
	}
	z := html.NewTokenizer(strings.NewReader(body))
	var b strings.Builder
	b.Grow(len(body) + 256)
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return body
			}
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			// Raw before Token: reading the tag lower-cases its name in
			// the tokenizer's buffer.
			raw := string(z.Raw())
			t := z.Token()
			changed := false
			for i, at := range t.Attr {
				var v string
				switch at.Key {
				case "href", "src":
					v = absoluteURL(at.Val, base, page)
				case "srcset":
					v = absoluteSrcset(at.Val, base, page)
				default:
					continue
				}
				if v != at.Val {
					t.Attr[i].Val, changed = v, true
				}
			}
			if changed {
				b.WriteString(t.String())
			} else {
				b.WriteString(raw)
			}
		default:
			b.Write(z.Raw())
		}
	}
}

func absoluteURL(u, base, page string) string {
	switch {
	case strings.HasPrefix(u, "#"):
		return page + u
	case strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//"):
		return base + u
	}
	return u // absolute, scheme-relative, or relative to the article's own URL
}

func absoluteSrcset(set, base, page string) string {
	parts := strings.Split(set, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		u, desc, _ := strings.Cut(p, " ")
		if desc != "" {
			desc = " " + desc
		}
		parts[i] = absoluteURL(u, base, page) + desc
	}
	return strings.Join(parts, ", ")
}

func latestUpdate(items []*content.Article) time.Time {
	var t time.Time
	for _, a := range items {
		if a.Modified().After(t) {
			t = a.Modified()
		}
	}
	return t.UTC()
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr,omitempty"`
	SZ      string      `xml:"xmlns:sz,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Sub     string      `xml:"subtitle,omitempty"`
	Updated string      `xml:"updated"`
	Icon    string      `xml:"icon,omitempty"`
	Logo    string      `xml:"logo,omitempty"`
	Links   []atomLink  `xml:"link"`
	Page    *feedPage   `xml:"sz:page"`
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	// Lang is the article's: an edition's feed holds its language's
	// articles, but a reader should not have to know that.
	Lang       string         `xml:"xml:lang,attr,omitempty"`
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
	ic := s.feedIcons(f.base)
	doc := atomFeed{
		Lang: f.lang, SZ: feedPageNS, ID: f.link, Title: f.title, Sub: f.description,
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Icon:    ic.icon, Logo: ic.logo,
		Links: []atomLink{{Href: f.self, Rel: "self", Type: "application/atom+xml"}, {Href: f.link, Rel: "alternate", Type: "text/html"}},
		Page:  s.feedPage(f),
	}
	if len(f.items) > 0 {
		doc.Updated = latestUpdate(f.items).Format(time.RFC3339)
	}
	for _, e := range s.feedEntries(r.Context(), f) {
		ae := atomEntry{
			Lang: e.Lang, ID: e.url, Title: e.Headline, Updated: e.Modified().UTC().Format(time.RFC3339),
			Published: e.PublishedAt.UTC().Format(time.RFC3339),
			Links:     []atomLink{{Href: e.url, Rel: "alternate", Type: "text/html"}},
			Content:   atomContent{Type: "html", Value: e.body},
		}
		for _, c := range e.categories {
			ae.Categories = append(ae.Categories, atomCategory{Term: c.term, Label: c.label})
		}
		if e.Dek != "" {
			// The dek is plain text. Text is Atom's default, but say so:
			// a reader must not guess HTML from a dek that looks like it.
			ae.Summary = &atomContent{Type: "text", Value: e.Dek}
		}
		for _, au := range e.authors {
			ae.Authors = append(ae.Authors, atomPerson{Name: au.name, URI: au.url})
		}
		if len(ae.Authors) == 0 {
			ae.Authors = []atomPerson{{Name: s.conf().Name}}
		}
		doc.Entries = append(doc.Entries, ae)
	}
	p, err := xmlPage(feedXMLType, s.feedStylesheet(), doc, f.deps)
	return modifiedAt(p, err, latestUpdate(f.items))
}

type jsonFeed struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	HomePageURL string         `json:"home_page_url"`
	FeedURL     string         `json:"feed_url"`
	Description string         `json:"description,omitempty"`
	Icon        string         `json:"icon,omitempty"`
	Favicon     string         `json:"favicon,omitempty"`
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
	ic := s.feedIcons(f.base)
	doc := jsonFeed{
		Version: "https://jsonfeed.org/version/1.1", Title: f.title, HomePageURL: f.link,
		FeedURL: f.self, Description: f.description, Icon: ic.logo, Favicon: ic.icon, Language: f.lang, Items: []jsonFeedItem{},
	}
	for _, e := range s.feedEntries(r.Context(), f) {
		it := jsonFeedItem{
			ID: e.url, URL: e.url, Title: e.Headline, Summary: e.Dek, ContentHTML: e.body, Image: e.image,
			DatePublished: e.PublishedAt.UTC().Format(time.RFC3339), DateModified: e.Modified().UTC().Format(time.RFC3339),
			Language: e.Lang,
		}
		for _, c := range e.categories {
			it.Tags = append(it.Tags, c.label)
		}
		for _, au := range e.authors {
			it.Authors = append(it.Authors, jsonFeedAuthor{Name: au.name, URL: au.url})
		}
		doc.Items = append(doc.Items, it)
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return nil, fmt.Errorf("json feed: %w", err)
	}
	return &page{contentType: "application/feed+json; charset=utf-8", body: b, deps: f.deps, modified: latestUpdate(f.items)}, nil
}

// xmlPage is doc as an XML document; prolog goes between the XML
// declaration and the root element (a stylesheet's processing instruction).
func xmlPage(ctype, prolog string, doc any, deps []string) (*page, error) {
	b, err := xml.MarshalIndent(doc, "", " ")
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", ctype, err)
	}
	return &page{contentType: ctype, body: slices.Concat([]byte(xml.Header), []byte(prolog), b), deps: deps}, nil
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
