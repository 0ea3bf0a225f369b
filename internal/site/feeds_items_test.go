package site

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/samizdat-press/samizdat/internal/content"
)

// The feeds as encoding/xml and encoding/json read them, with nothing in
// between to repair or hide what was sent.

const (
	nsXML     = "http://www.w3.org/XML/1998/namespace"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsAtom    = "http://www.w3.org/2005/Atom"
)

type feedPageXML struct {
	Lang       string `xml:"lang,attr"`
	Site       string `xml:"site,attr"`
	Home       string `xml:"home,attr"`
	Stylesheet string `xml:"stylesheet,attr"`
	Heading    string `xml:"heading"`
	About      string `xml:"about"`
	Subscribe  string `xml:"subscribe"`
	Latest     string `xml:"latest"`
	HomeLabel  string `xml:"home"`
}

type rssXML struct {
	Channel struct {
		Title string `xml:"title"`
		// Links are RSS's <link> and atom:link, both named link.
		Links []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:"link"`
		Language string `xml:"language"`
		Image    *struct {
			URL    string `xml:"url"`
			Title  string `xml:"title"`
			Link   string `xml:"link"`
			Width  int    `xml:"width"`
			Height int    `xml:"height"`
		} `xml:"image"`
		Page  *feedPageXML `xml:"https://github.com/samizdat-press/samizdat/ns/feed-page page"`
		Items []struct {
			Link       string   `xml:"link"`
			Creators   []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Categories []string `xml:"category"`
			Encoded    string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Enclosures []struct {
				URL    string `xml:"url,attr"`
				Type   string `xml:"type,attr"`
				Length string `xml:"length,attr"`
			} `xml:"enclosure"`
		} `xml:"item"`
	} `xml:"channel"`
}

// link is the channel's own <link>, not the atom:link beside it.
func (d rssXML) link() string {
	for _, l := range d.Channel.Links {
		if l.XMLName.Space == "" {
			return l.Value
		}
	}
	return ""
}

type atomXML struct {
	Lang    string       `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Title   string       `xml:"title"`
	Icon    string       `xml:"icon"`
	Logo    string       `xml:"logo"`
	Page    *feedPageXML `xml:"https://github.com/samizdat-press/samizdat/ns/feed-page page"`
	Entries []struct {
		Lang    string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		ID      string `xml:"id"`
		Authors []struct {
			Name string `xml:"name"`
			URI  string `xml:"uri"`
		} `xml:"author"`
		Categories []struct {
			Term  string `xml:"term,attr"`
			Label string `xml:"label,attr"`
		} `xml:"category"`
		Content string `xml:"content"`
	} `xml:"entry"`
}

type jsonFeedDoc struct {
	Language string `json:"language"`
	Icon     string `json:"icon"`
	Favicon  string `json:"favicon"`
	Items    []struct {
		URL         string   `json:"url"`
		Language    string   `json:"language"`
		ContentHTML string   `json:"content_html"`
		Tags        []string `json:"tags"`
		Authors     []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"authors"`
	} `json:"items"`
}

func decodeXML[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := xml.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode XML: %v", err)
	}
	return v
}

func decodeJSONFeed(t *testing.T, body string) jsonFeedDoc {
	t.Helper()
	var v jsonFeedDoc
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode JSON Feed: %v", err)
	}
	return v
}

// feedItem is one article as any of the three formats carries it.
type feedItem struct {
	link, lang string
	authors    []string
	categories []string
	content    string
}

// feedItems decodes the feed at path, of whichever format it is.
func feedItems(t *testing.T, f *fixture, path string) []feedItem {
	t.Helper()
	body := f.body(t, path)
	var out []feedItem
	switch {
	case strings.HasSuffix(path, ".json"):
		for _, it := range decodeJSONFeed(t, body).Items {
			fi := feedItem{link: it.URL, lang: it.Language, categories: it.Tags, content: it.ContentHTML}
			for _, a := range it.Authors {
				fi.authors = append(fi.authors, a.Name)
			}
			out = append(out, fi)
		}
	case strings.HasSuffix(path, "atom.xml"):
		for _, e := range decodeXML[atomXML](t, body).Entries {
			fi := feedItem{link: e.ID, lang: e.Lang, content: e.Content}
			for _, a := range e.Authors {
				fi.authors = append(fi.authors, a.Name)
			}
			for _, c := range e.Categories {
				fi.categories = append(fi.categories, c.Label)
			}
			out = append(out, fi)
		}
	default:
		for _, it := range decodeXML[rssXML](t, body).Channel.Items {
			out = append(out, feedItem{link: it.Link, authors: it.Creators, categories: it.Categories, content: it.Encoded})
		}
	}
	return out
}

func itemFor(t *testing.T, items []feedItem, a *content.Article) feedItem {
	t.Helper()
	for _, it := range items {
		if it.link == testBase+a.Path() {
			return it
		}
	}
	t.Fatalf("no item links to %s", testBase+a.Path())
	return feedItem{}
}

// richFixture adds to the fixture a Russian article with everything a feed
// item can carry: a lead photo with a credit, two authors, a tag, footnotes,
// root-relative links and an image in the body. The tag, its section and
// one author have Russian names.
func richFixture(t *testing.T) (*fixture, *content.Article) {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	ivan, mara := f.authors["ivan-petrov"], f.authors["mara-lind"]
	a := f.create(t, &content.Article{
		Slug:     "sud-ostavil-zapret",
		Headline: "Суд оставил запрет в силе",
		Dek:      "Апелляция не изменила решение.",
		Body: "Суд оставил запрет в силе.[^1] Смотрите [архив](/ru/news/), [решение](https://courts.example.net/ruling) и [начало](#top).\n\n" +
			"![Карта](/media/" + imageKey + "/480.jpg)\n\n[^1]: Решение от 2 декабря.",
		Lang:    "ru",
		Status:  content.StatusPublished,
		Section: f.sections["news"],
		Authors: []content.Author{ivan, mara},
		Tags:    []content.Tag{{Name: "Courts"}},
		Image: content.Image{Key: imageKey, Width: 1600, Height: 900, Widths: []int{480, 960, 1600},
			Alt: "Здание суда", Credit: "Анна Тест", Caption: "Суд в Вельске."},
		PublishedAt: f.now.Add(-time.Minute),
	})
	tag, err := f.st.TagBySlug(ctx, "courts")
	if err != nil {
		t.Fatal(err)
	}
	for k, name := range map[content.NameKey]string{
		{Kind: content.NameTag, ID: tag.ID, Lang: "ru"}:                       "Суды",
		{Kind: content.NameSection, ID: f.sections["news"].ID, Lang: "ru"}:    "Новости",
		{Kind: content.NameAuthor, ID: f.authors["mara-lind"].ID, Lang: "ru"}: "Мара Линд",
	} {
		if err := f.st.SetNameForm(ctx, k, name); err != nil {
			t.Fatal(err)
		}
	}
	f.s.PurgeCache() // the change feed does too, but in its own time
	return f, f.reload(t, a)
}

var allFeeds = []string{"/feed.xml", "/atom.xml", "/feed.json", "/news/feed.xml"}

// TestFeedEnclosureLength: an RSS enclosure's length is the size of the
// file served at its URL; without the file there is no enclosure, rather
// than one that says the image is empty.
func TestFeedEnclosureLength(t *testing.T) {
	f := newFixture(t)
	missing := f.create(t, &content.Article{
		Headline: "A story whose photo is lost", Body: "Text.", Lang: "en", Status: content.StatusPublished,
		Section: f.sections["news"], PublishedAt: f.now.Add(-time.Minute),
		Image: content.Image{Key: "lost-photo-9z9z9z", Width: 1600, Height: 900, Widths: []int{480, 960, 1600}, Alt: "Lost"},
	})
	for _, path := range []string{"/feed.xml", "/news/feed.xml"} {
		t.Run(path, func(t *testing.T) {
			body := f.body(t, path)
			doc := decodeXML[rssXML](t, body)
			gf, err := gofeed.NewParser().ParseString(body)
			if err != nil {
				t.Fatal(err)
			}
			for _, tt := range []struct {
				a    *content.Article
				want bool // an enclosure
			}{{f.featured, true}, {missing, false}} {
				var found bool
				for i, it := range doc.Channel.Items {
					if it.Link != testBase+tt.a.Path() {
						continue
					}
					found = true
					if !tt.want {
						if len(it.Enclosures) > 0 {
							t.Errorf("%s: enclosure %+v for a photo that is not stored, want none", tt.a.Slug, it.Enclosures)
						}
						continue
					}
					if len(it.Enclosures) != 1 {
						t.Fatalf("%s: %d enclosures, want 1", tt.a.Slug, len(it.Enclosures))
					}
					enc := it.Enclosures[0]
					file := f.get(t, strings.TrimPrefix(enc.URL, testBase))
					if file.Code != http.StatusOK {
						t.Fatalf("GET %s: status %d", enc.URL, file.Code)
					}
					want := strconv.Itoa(file.Body.Len())
					if enc.Length != want || file.Body.Len() == 0 {
						t.Errorf("%s: enclosure length %q, want %s, the bytes served at %s", tt.a.Slug, enc.Length, want, enc.URL)
					}
					if enc.Type != file.Header().Get("Content-Type") {
						t.Errorf("%s: enclosure type %q, served as %q", tt.a.Slug, enc.Type, file.Header().Get("Content-Type"))
					}
					if g := gf.Items[i].Enclosures; len(g) != 1 || g[0].Length != want {
						t.Errorf("gofeed reads the enclosures as %+v, want length %s", g, want)
					}
				}
				if !found {
					t.Fatalf("no item for %s", tt.a.Slug)
				}
			}
		})
	}
}

// TestFeedLanguages: a feed is in its edition's language, whichever the
// site's main language is, and every Atom entry and JSON Feed item says its
// article's.
func TestFeedLanguages(t *testing.T) {
	f := newFixture(t)
	langOf := map[string]string{}
	for _, a := range f.live(t) {
		langOf[testBase+a.Path()] = a.Lang
	}
	check := func(t *testing.T, path, lang string) {
		body := f.body(t, path)
		switch {
		case strings.HasSuffix(path, ".json"):
			doc := decodeJSONFeed(t, body)
			if doc.Language != lang {
				t.Errorf("language %q, want %s", doc.Language, lang)
			}
			for _, it := range doc.Items {
				if it.Language != langOf[it.URL] || it.Language != lang {
					t.Errorf("item %s: language %q, want %s", it.URL, it.Language, langOf[it.URL])
				}
			}
		case strings.HasSuffix(path, "atom.xml"):
			doc := decodeXML[atomXML](t, body)
			if doc.Lang != lang {
				t.Errorf("feed xml:lang %q, want %s", doc.Lang, lang)
			}
			for _, e := range doc.Entries {
				if e.Lang != langOf[e.ID] || e.Lang != lang {
					t.Errorf("entry %s: xml:lang %q, want %s", e.ID, e.Lang, langOf[e.ID])
				}
			}
		default:
			if got := decodeXML[rssXML](t, body).Channel.Language; got != lang {
				t.Errorf("channel language %q, want %s", got, lang)
			}
		}
		gf, err := gofeed.NewParser().ParseString(body)
		if err != nil {
			t.Fatal(err)
		}
		if gf.Language != lang {
			t.Errorf("gofeed reads the language as %q, want %s", gf.Language, lang)
		}
	}
	for _, main := range []string{"en", "ru"} {
		st := f.s.Settings()
		st.Lang = main
		f.s.SetSettings(st)
		other := map[string]string{"en": "ru", "ru": "en"}[main]
		for _, tt := range []struct{ prefix, lang string }{{"", main}, {"/" + other, other}} {
			for _, path := range []string{"/feed.xml", "/atom.xml", "/feed.json", "/opinion/feed.xml"} {
				t.Run("main "+main+" "+tt.prefix+path, func(t *testing.T) { check(t, tt.prefix+path, tt.lang) })
			}
		}
	}
}

// TestFeedCategories: an item's categories are its section and its tags,
// named in the article's language.
func TestFeedCategories(t *testing.T) {
	f, ru := richFixture(t)
	for _, tt := range []struct {
		prefix string
		a      *content.Article
		want   []string
	}{
		{"", f.featured, []string{"News", "Courts", "Press freedom"}},
		{"", f.news[1], []string{"News", "Elections"}},
		{"/ru", ru, []string{"Новости", "Суды"}},
	} {
		for _, path := range allFeeds {
			path = tt.prefix + path
			t.Run(path+" "+tt.a.Slug, func(t *testing.T) {
				it := itemFor(t, feedItems(t, f, path), tt.a)
				if !slices.Equal(it.categories, tt.want) {
					t.Errorf("categories %q, want %q", it.categories, tt.want)
				}
				gf, _ := fetchFeed(t, f, path)
				for _, g := range gf.Items {
					if g.Link == it.link && !slices.Equal(g.Categories, tt.want) {
						t.Errorf("gofeed reads the categories as %q, want %q", g.Categories, tt.want)
					}
				}
			})
		}
	}
	// Atom's terms are the slugs, which stay the same in every language.
	for _, e := range decodeXML[atomXML](t, f.body(t, "/ru/atom.xml")).Entries {
		if e.ID != testBase+ru.Path() {
			continue
		}
		var terms []string
		for _, c := range e.Categories {
			terms = append(terms, c.Term)
		}
		if want := []string{"news", "courts"}; !slices.Equal(terms, want) {
			t.Errorf("Atom category terms %q, want %q", terms, want)
		}
	}
}

// TestFeedIcons: every feed names the site's icon, and its logo where one
// is set; RSS, whose <image> must be GIF, JPEG or PNG, only a raster logo.
func TestFeedIcons(t *testing.T) {
	f := newFixture(t)
	icon := testBase + f.s.assets.url("icon.svg")
	for _, tt := range []struct {
		name          string
		logo          Logo
		wantLogo      string // Atom logo, JSON Feed icon
		wantRSS       string // RSS image URL, "" for none
		width, height int
	}{
		{"no logo", Logo{}, icon, "", 0, 0},
		{"small JPEG logo", Logo{URL: "/media/logo-abc/120.jpg", Width: 120, Height: 60}, testBase + "/media/logo-abc/120.jpg", testBase + "/media/logo-abc/120.jpg", 120, 60},
		{"wide JPEG logo", Logo{URL: "/media/logo-abc/600.jpg", Width: 600, Height: 150}, testBase + "/media/logo-abc/600.jpg", testBase + "/media/logo-abc/600.jpg", 0, 0},
		{"SVG logo", Logo{URL: "/static/x/logo.svg", Width: 100, Height: 40}, testBase + "/static/x/logo.svg", "", 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := f.s.Settings()
			st.Logo = tt.logo
			f.s.SetSettings(st)
			for _, path := range []string{"/feed.xml", "/ru/feed.xml", "/news/feed.xml"} {
				doc := decodeXML[rssXML](t, f.body(t, path))
				ch, link := doc.Channel, doc.link()
				switch {
				case tt.wantRSS == "" && ch.Image != nil:
					t.Errorf("%s: <image> %+v, want none for this logo", path, ch.Image)
				case tt.wantRSS != "" && ch.Image == nil:
					t.Errorf("%s: no <image>, want %s", path, tt.wantRSS)
				case ch.Image != nil:
					if ch.Image.URL != tt.wantRSS || ch.Image.Title != ch.Title || ch.Image.Link != link || link == "" {
						t.Errorf("%s: <image> %+v, want url %s with the channel's title %q and link %s", path, ch.Image, tt.wantRSS, ch.Title, link)
					}
					if ch.Image.Width != tt.width || ch.Image.Height != tt.height {
						t.Errorf("%s: <image> %d×%d, want %d×%d (RSS allows at most 144×400)", path, ch.Image.Width, ch.Image.Height, tt.width, tt.height)
					}
				}
			}
			for _, path := range []string{"/atom.xml", "/ru/atom.xml"} {
				doc := decodeXML[atomXML](t, f.body(t, path))
				if doc.Icon != icon || doc.Logo != tt.wantLogo {
					t.Errorf("%s: icon %q, logo %q; want %q, %q", path, doc.Icon, doc.Logo, icon, tt.wantLogo)
				}
			}
			for _, path := range []string{"/feed.json", "/ru/feed.json"} {
				doc := decodeJSONFeed(t, f.body(t, path))
				if doc.Favicon != icon || doc.Icon != tt.wantLogo {
					t.Errorf("%s: favicon %q, icon %q; want %q, %q", path, doc.Favicon, doc.Icon, icon, tt.wantLogo)
				}
			}
			gf, _ := fetchFeed(t, f, "/feed.xml")
			if got := gf.Image; (tt.wantRSS == "") != (got == nil) || (got != nil && got.URL != tt.wantRSS) {
				t.Errorf("gofeed reads the RSS image as %+v, want %q", got, tt.wantRSS)
			}
		})
	}
	// The icon is served where the feeds say.
	if rec := f.get(t, strings.TrimPrefix(icon, testBase)); rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("GET %s: status %d, type %q", icon, rec.Code, rec.Header().Get("Content-Type"))
	}
}

// contentURLs are the href and src values in an item's HTML.
func contentURLs(t *testing.T, content string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, n := range findAll(parseHTML(t, content), "", nil) {
		for _, at := range n.Attr {
			if at.Key == "href" || at.Key == "src" {
				out[at.Key] = append(out[at.Key], at.Val)
			}
		}
	}
	return out
}

// TestFeedContentLinks: in a feed reader, a footnote's fragment link would
// point at the reader's own page and a root-relative link at the reader's
// host: every link and image in feed content is absolute, fragments into
// the article's own URL.
func TestFeedContentLinks(t *testing.T) {
	f, ru := richFixture(t)
	for _, tt := range []struct {
		prefix string
		a      *content.Article
		want   []string // among the links and sources
	}{
		{"", f.featured, []string{testBase + "/news/", "https://courts.example.net/ruling", testBase + "/media/" + imageKey + "/960.jpg"}},
		{"/ru", ru, []string{
			testBase + ru.Path() + "#fn:1", testBase + ru.Path() + "#fnref:1", testBase + ru.Path() + "#top",
			testBase + "/ru/news/", "https://courts.example.net/ruling", testBase + "/media/" + imageKey + "/480.jpg",
		}},
	} {
		if !strings.Contains(tt.a.BodyHTML, `="/`) {
			t.Fatalf("%s: the body has no root-relative link to test: %s", tt.a.Slug, tt.a.BodyHTML)
		}
		for _, path := range allFeeds {
			path = tt.prefix + path
			t.Run(path+" "+tt.a.Slug, func(t *testing.T) {
				it := itemFor(t, feedItems(t, f, path), tt.a)
				urls := contentURLs(t, it.content)
				all := append(urls["href"], urls["src"]...)
				for _, u := range all {
					if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "mailto:") {
						t.Errorf("link or source %q is not absolute", u)
					}
				}
				for _, w := range tt.want {
					if !slices.Contains(all, w) {
						t.Errorf("no link or source %q; have %q", w, all)
					}
				}
			})
		}
	}
	// The rest of the body is as it was saved.
	it := itemFor(t, feedItems(t, f, "/feed.xml"), f.featured)
	if want := strings.ReplaceAll(f.featured.BodyHTML, `href="/news/"`, `href="`+testBase+`/news/"`); !strings.Contains(it.content, want) {
		t.Errorf("content does not hold the body with only its links changed\n got: %s\nwant: %s", it.content, want)
	}
}

// creditText is the text of the credit under the lead photo in HTML.
func creditText(t *testing.T, s string) string {
	t.Helper()
	for _, fc := range findAll(parseHTML(t, s), "figcaption", nil) {
		for _, c := range findAll(fc, "span", hasClass("credit")) {
			return text(c)
		}
	}
	return ""
}

// TestFeedPhotoCredit: the credit reads in a feed as on the article's page,
// with its label, in the article's language.
func TestFeedPhotoCredit(t *testing.T) {
	f, ru := richFixture(t)
	for _, tt := range []struct {
		prefix string
		a      *content.Article
		want   string
	}{
		{"", f.featured, "Photo: Ana Test"},
		{"/ru", ru, "Фото: Анна Тест"},
	} {
		page := creditText(t, f.body(t, tt.a.Path()))
		if page != tt.want {
			t.Fatalf("the article page's credit reads %q, want %q", page, tt.want)
		}
		for _, path := range allFeeds {
			path = tt.prefix + path
			t.Run(path+" "+tt.a.Slug, func(t *testing.T) {
				it := itemFor(t, feedItems(t, f, path), tt.a)
				if got := creditText(t, it.content); got != page {
					t.Errorf("credit %q, want %q as on the article's page", got, page)
				}
			})
		}
	}
	// Corrections are labelled in the article's language too.
	if it := itemFor(t, feedItems(t, f, "/feed.xml"), f.featured); !strings.Contains(it.content, "Correction, ") {
		t.Errorf("the correction has no label: %.500s", it.content)
	}
}

// TestFeedAuthors: every author reaches every feed. RSS carries them as one
// byline, which readers that keep only one dc:creator still show whole.
func TestFeedAuthors(t *testing.T) {
	f, ru := richFixture(t)
	for _, tt := range []struct {
		prefix string
		a      *content.Article
		byline string
		each   []string
	}{
		{"", f.featured, "Mara Lind and Иван Петров", []string{"Mara Lind", "Иван Петров"}},
		{"/ru", ru, "Иван Петров и Мара Линд", []string{"Иван Петров", "Мара Линд"}},
		{"", f.news[0], "Mara Lind", []string{"Mara Lind"}},
	} {
		for _, path := range []string{"/feed.xml", "/atom.xml", "/feed.json", "/news/feed.xml"} {
			path = tt.prefix + path
			t.Run(path+" "+tt.a.Slug, func(t *testing.T) {
				it := itemFor(t, feedItems(t, f, path), tt.a)
				want := tt.each
				if strings.HasSuffix(path, "feed.xml") {
					want = []string{tt.byline}
				}
				if !slices.Equal(it.authors, want) {
					t.Errorf("authors %q, want %q", it.authors, want)
				}
				gf, _ := fetchFeed(t, f, path)
				for _, g := range gf.Items {
					if g.Link == it.link && !slices.Equal(personNames(g.Authors), want) {
						t.Errorf("gofeed reads the authors as %q, want %q", personNames(g.Authors), want)
					}
				}
			})
		}
	}
}

// TestFeedStylesheet: a browser that opens an RSS or Atom feed shows it
// through the site's own XSL stylesheet, which the site's CSP allows, in
// the feed's language.
func TestFeedStylesheet(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct{ path, lang string }{
		{"/feed.xml", "en"}, {"/atom.xml", "en"}, {"/news/feed.xml", "en"}, {"/ru/feed.xml", "ru"}, {"/ru/atom.xml", "ru"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			rec := f.get(t, tt.path)
			href := stylesheetHref(t, rec.Body.String())
			// Browsers apply only a stylesheet of the feed's own origin.
			if !strings.HasPrefix(href, "/static/") || !strings.HasSuffix(href, "/feed.xsl") {
				t.Fatalf("stylesheet href %q, want the fingerprinted /static/…/feed.xsl", href)
			}
			// XSLT is governed by script-src, its page's stylesheet by style-src.
			csp := rec.Header().Get("Content-Security-Policy")
			for _, d := range []string{"script-src 'self'", "style-src 'self'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, d)
				}
			}
			xsl := f.get(t, href)
			if xsl.Code != http.StatusOK {
				t.Fatalf("GET %s: status %d", href, xsl.Code)
			}
			if ct := xsl.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/xsl") && !strings.HasPrefix(ct, "application/xslt+xml") {
				t.Errorf("GET %s: Content-Type %q, want an XSLT type", href, ct)
			}
			checkXSL(t, xsl.Body.String())

			var pg *feedPageXML
			if strings.HasSuffix(tt.path, "atom.xml") {
				pg = decodeXML[atomXML](t, rec.Body.String()).Page
			} else {
				pg = decodeXML[rssXML](t, rec.Body.String()).Channel.Page
			}
			if pg == nil {
				t.Fatal("the feed has no sz:page for the stylesheet")
			}
			loc := f.s.catalog.Locale(tt.lang)
			want := feedPageXML{
				Lang: tt.lang, Site: testName, Home: map[string]string{"en": "/", "ru": "/ru/"}[tt.lang], Stylesheet: f.s.assets.url("style.css"),
				Heading: loc.T("This is a news feed"), About: loc.T("A feed reader app checks this address for new articles from %s and shows them to you as they are published: no account and no tracking.", testName),
				Subscribe: loc.T("To subscribe, copy this page's address into your feed reader:"), Latest: loc.T("Latest"), HomeLabel: loc.T("Go to the front page"),
			}
			if *pg != want {
				t.Errorf("sz:page\n got %+v\nwant %+v", *pg, want)
			}
			if tt.lang == "ru" && pg.Heading == f.s.catalog.Locale("en").T("This is a news feed") {
				t.Error("the Russian feed explains itself in English")
			}
			if css := f.get(t, pg.Stylesheet); css.Code != http.StatusOK || !strings.HasPrefix(css.Header().Get("Content-Type"), "text/css") {
				t.Errorf("GET %s: status %d, type %q", pg.Stylesheet, css.Code, css.Header().Get("Content-Type"))
			}
			// Feed readers still read the feed.
			if _, err := gofeed.NewParser().ParseString(rec.Body.String()); err != nil {
				t.Errorf("gofeed: %v", err)
			}
		})
	}
	// JSON has no stylesheets.
	if strings.Contains(f.body(t, "/feed.json"), "feed.xsl") {
		t.Error("the JSON Feed names the XSL stylesheet")
	}
}

// stylesheetHref is the href of the xml-stylesheet processing instruction
// before the root element, as a browser finds it.
func stylesheetHref(t *testing.T, body string) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("no xml-stylesheet before the root element: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			t.Fatalf("no xml-stylesheet before <%s>", tok.Name.Local)
		case xml.ProcInst:
			if tok.Target != "xml-stylesheet" {
				continue
			}
			// Its pseudo-attributes read as an element's attributes.
			var pi struct {
				Type string `xml:"type,attr"`
				Href string `xml:"href,attr"`
			}
			if err := xml.Unmarshal([]byte("<pi "+string(tok.Inst)+"/>"), &pi); err != nil {
				t.Fatalf("xml-stylesheet %q: %v", tok.Inst, err)
			}
			if pi.Type != "text/xsl" {
				t.Errorf("xml-stylesheet type %q, want text/xsl", pi.Type)
			}
			return pi.Href
		}
	}
}

// checkXSL: the stylesheet is well-formed XSLT, writes no script and no
// inline style (the CSP would block them), and makes the browser load
// nothing from another host.
func checkXSL(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	root := true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("feed.xsl is not well-formed: %v", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root && (el.Name.Space != "http://www.w3.org/1999/XSL/Transform" || el.Name.Local != "stylesheet") {
			t.Fatalf("feed.xsl's root is %v, want xsl:stylesheet", el.Name)
		}
		root = false
		if el.Name.Local == "script" || el.Name.Local == "style" || el.Name.Local == "iframe" || el.Name.Local == "object" {
			t.Errorf("feed.xsl writes <%s>", el.Name.Local)
		}
		for _, a := range el.Attr {
			if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
				continue // namespace names are not loaded
			}
			if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") {
				t.Errorf("feed.xsl writes a %s attribute on <%s>", a.Name.Local, el.Name.Local)
			}
			if v := strings.TrimSpace(a.Value); strings.Contains(v, "://") || strings.HasPrefix(v, "//") {
				t.Errorf("feed.xsl names another host: <%s %s=%q>", el.Name.Local, a.Name.Local, v)
			}
		}
	}
}

// TestFeedsCachedAsRendered: a feed served from the cache is byte for byte
// the one rendered afresh.
func TestFeedsCachedAsRendered(t *testing.T) {
	f, _ := richFixture(t)
	for _, path := range []string{"/feed.xml", "/atom.xml", "/feed.json", "/news/feed.xml", "/ru/feed.xml", "/ru/atom.xml", "/ru/feed.json", "/ru/news/feed.xml"} {
		t.Run(path, func(t *testing.T) {
			key := f.s.testCacheKey(path)
			first := f.body(t, path) // rendered
			if !f.s.cache.has(key) {
				t.Fatalf("not cached under %q", key)
			}
			cached := f.body(t, path)
			f.s.PurgeCache()
			fresh := f.body(t, path)
			if cached != first || fresh != first {
				t.Errorf("cached and fresh feeds differ:\n first %d bytes, cached %d, fresh %d", len(first), len(cached), len(fresh))
			}
		})
	}
}

// bodyWithAbsoluteLinks is the feed's form of a fixture body: its links
// to the site made absolute, nothing else changed.
func bodyWithAbsoluteLinks(a *content.Article) string {
	return strings.NewReplacer(`href="/`, `href="`+testBase+`/`, `src="/`, `src="`+testBase+`/`,
		`href="#`, `href="`+testBase+a.Path()+`#`).Replace(a.BodyHTML)
}
