package site

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/view"
)

// parseViews parses the pages once per language, each with the functions
// that speak it: a partial such as a card then needs no locale in its data.
func (s *Site) parseViews(web fs.FS) (map[string]*view.Set, error) {
	sets := map[string]*view.Set{}
	for _, lang := range i18n.Languages {
		v, err := view.Parse(web, s.funcs(lang), "layout.html", []string{"templates/layout.html", "templates/partials/*.html"}, "templates/pages/*.html")
		if err != nil {
			return nil, err
		}
		sets[lang] = v
	}
	return sets, nil
}

// viewsFor returns the pages in lang, or in the main language.
func (s *Site) viewsFor(lang string) *view.Set {
	if v, ok := s.views[lang]; ok {
		return v
	}
	return s.views[s.conf().Lang]
}

// langOf is the language of a page's data: its layout's.
func langOf(data any) string {
	if l, ok := data.(interface{ pageLanguage() string }); ok {
		return l.pageLanguage()
	}
	return ""
}

// layout is the data every page shares.
type layout struct {
	Site        Settings
	Title       string // of the page, without the site name
	Description string
	Canonical   string // absolute URL
	Lang        string
	Sections    []content.Section
	Current     string // slug of the section in the nav
	Query       string // of the search box
	OG          *openGraph
	JSONLD      template.JS
	NoIndex     bool
	Feed        string // path of a section feed, besides the site feeds
	CSS         string
	Prompts     *promptBlocks // donation prompts; nil where there are none
	Script      string        // the prompts' script, when the page has prompts
	// Alternates are the page's versions in every language (hreflang),
	// XDefault the one for readers of neither; Switch the others, for the
	// masthead's language links.
	Alternates []alternate
	XDefault   string
	Switch     []alternate
	Menu       []menuLink // the footer menu: the edition's pages in it
}

func (l layout) pageLanguage() string { return l.Lang }

type openGraph struct {
	Type          string
	Image         string
	ImageAlt      string
	ImageWidth    int
	ImageHeight   int
	PublishedTime string
	ModifiedTime  string
	Section       string
	Tags          []string
}

func (s *Site) newLayout(r *http.Request, title, desc string) (layout, error) {
	secs, err := s.navList(r.Context())
	if err != nil {
		return layout{}, err
	}
	lang := s.pageLang(r)
	l := layout{
		Site:        s.conf(),
		Title:       title,
		Description: desc,
		Canonical:   s.conf().BaseURL + r.URL.Path,
		Lang:        lang,
		Sections:    secs,
		CSS:         s.assets.url("style.css"),
	}
	l.Switch = s.otherEditions(lang)
	l.Menu = s.menuFor(lang)
	if r.Pattern != articlePattern { // the article page chooses its own, knowing the article
		pb, err := s.choosePrompts(r, revenue.PageInfo{Path: r.URL.Path, Lang: lang, MainLang: s.conf().Lang}, "")
		if err != nil {
			return layout{}, err
		}
		l.setPrompts(pb, s.assets.url("prompts.js"))
	}
	return l, nil
}

// funcs are the templates' functions for pages in lang.
func (s *Site) funcs(lang string) template.FuncMap {
	loc := s.catalog.Locale(lang)
	names := func() content.NameForms {
		if p := s.sections.Load(); p != nil {
			return p.names
		}
		return nil
	}
	return template.FuncMap{
		"t":        loc.T,
		"date":     loc.Date,
		"datetime": loc.DateTime,
		"readtime": loc.ReadingTime,
		// Amounts with their currency, as the language writes them.
		"money":      loc.Money,
		"moneyMajor": loc.MoneyMajor,
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"lang":       func() string { return lang },
		// readin is "Read in English" in the language named, for its readers.
		"readin": func(other string) string { return s.catalog.Locale(other).T("language.read") },
		// ed is a path in this language's edition: "/news/" or "/ru/news/".
		"ed":      func(p string) string { return s.editionPrefix(lang) + p },
		"abs":     func(p string) string { return s.conf().BaseURL + p },
		"img":     imageURL,
		"srcset":  srcset,
		"webpset": webpSrcset,
		"mark":    highlight,
		"asset":   func(name string) string { return s.assets.url(name) },
		// The names of sections, tags and authors in this language.
		"secname": func(x content.Section) string { return names().Of(content.NameSection, x.ID, lang, x.Name) },
		"tagname": func(x content.Tag) string { return names().Of(content.NameTag, x.ID, lang, x.Name) },
		"authname": func(x content.Author) string {
			return names().Of(content.NameAuthor, x.ID, lang, x.Name)
		},
		"raw": func(h string) template.HTML {
			// Only for article bodies: they were sanitized when saved.
			return template.HTML(h)
		},
		"add": func(a, b int) int { return a + b },
	}
}

func imageURL(im content.Image, w int) string {
	best := 0
	for _, v := range im.Widths {
		if best == 0 || (v >= w && best < w) || (v <= w && v > best) {
			best = v
		}
	}
	return "/media/" + im.Key + "/" + media.VariantName(best)
}

func srcset(im content.Image) string {
	parts := make([]string, len(im.Widths))
	for i, w := range im.Widths {
		parts[i] = "/media/" + im.Key + "/" + media.VariantName(w) + " " + strconv.Itoa(w) + "w"
	}
	return strings.Join(parts, ", ")
}

// webpSrcset is srcset's WebP variants, for a <source> the templates write
// only when im.WebP says they exist.
func webpSrcset(im content.Image) string {
	parts := make([]string, len(im.Widths))
	for i, w := range im.Widths {
		parts[i] = "/media/" + im.Key + "/" + media.WebPName(w) + " " + strconv.Itoa(w) + "w"
	}
	return strings.Join(parts, ", ")
}

// ImageCropURLs are the absolute URLs of im's centre crops, 1:1, 4:3 and
// 16:9 in that order (Google's), under base (the site's base URL); none
// when im has no crops yet.
func ImageCropURLs(base string, im content.Image) []string {
	if !im.Present() || !im.Crops {
		return nil
	}
	urls := make([]string, len(media.Aspects))
	for i, a := range media.Aspects {
		urls[i] = base + "/media/" + im.Key + "/" + media.CropName(im.Width, im.Height, a)
	}
	return urls
}

// imageCropURL is the absolute URL of im's crop in the shape a, or "" when
// it has none.
func imageCropURL(base string, im content.Image, a media.Aspect) string {
	for i, x := range media.Aspects {
		if x == a {
			if urls := ImageCropURLs(base, im); urls != nil {
				return urls[i]
			}
		}
	}
	return ""
}

// highlight escapes a search snippet and marks the matched words.
func highlight(snippet string) template.HTML {
	esc := template.HTMLEscapeString(snippet)
	esc = strings.ReplaceAll(esc, store.MarkStart, "<mark>")
	esc = strings.ReplaceAll(esc, store.MarkEnd, "</mark>")
	return template.HTML(esc)
}

// render renders a page template into a cacheable page.
func (s *Site) renderPage(name string, data any, deps []string) (*page, error) {
	b, err := s.viewsFor(langOf(data)).Render(name, data)
	if err != nil {
		return nil, err
	}
	return &page{contentType: "text/html; charset=utf-8", body: b, deps: deps}, nil
}

// errorPage renders 404, 500 and other errors in the site's style. It
// must work even when the database does not, so it loads no sections.
func (s *Site) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	// An old address that moved is a 301, not a 404: checked here, where
	// every 404 of the site ends, so a page that exists always wins.
	if status == http.StatusNotFound && s.serveRedirect(w, r) {
		return
	}
	// Messages from the catalog are shown in the page's language; the rest
	// were made for this request and are already in it.
	if loc := s.loc(r); loc.Known(message) {
		message = loc.T(message)
	}
	data := struct {
		layout
		Status  int
		Message string
	}{
		layout: layout{Site: s.conf(), Title: s.loc(r).T(errorTitle(status)), Lang: s.pageLang(r),
			CSS: s.assets.url("style.css"), NoIndex: true, Canonical: s.conf().BaseURL + s.editionPrefix(s.pageLang(r)) + "/",
			Menu: s.menuFor(s.pageLang(r))},
		Status: status, Message: message,
	}
	b, err := s.viewsFor(s.pageLang(r)).Render("error", data)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if err != nil {
		s.log.Error("render error page", "err", err)
		http.Error(w, message, status)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// assets are the embedded static files, served under URLs that carry a hash
// of their content so browsers and CDNs may keep them forever.
type assets struct {
	files   map[string]*entry
	version string
}

func loadAssets(web fs.FS, now time.Time) (*assets, error) {
	a := &assets{files: map[string]*entry{}}
	h := sha256.New()
	entries, err := fs.ReadDir(web, "static")
	if err != nil {
		return nil, fmt.Errorf("read static files: %w", err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(web, "static/"+e.Name())
		if err != nil {
			return nil, err
		}
		ctype := assetTypes[path.Ext(e.Name())]
		if ctype == "" {
			ctype = mime.TypeByExtension(path.Ext(e.Name()))
		}
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.files[e.Name()] = buildAsset(e.Name(), &page{contentType: ctype, body: b}, now)
		h.Write([]byte(e.Name()))
		h.Write(b)
	}
	a.version = hex.EncodeToString(h.Sum(nil))[:10]
	return a, nil
}

// assetTypes are the types of assets that Go's table lacks, which would
// otherwise come from the host's mime.types, or nowhere. Browsers apply an
// XSLT stylesheet only when it comes with an XML type.
var assetTypes = map[string]string{".xsl": "text/xsl; charset=utf-8"}

func (a *assets) url(name string) string { return "/static/" + a.version + "/" + name }

// AssetURL is the fingerprinted URL of a static file, for the admin's pages.
func (s *Site) AssetURL(name string) string { return s.assets.url(name) }

var (
	immutable = []string{"public, max-age=31536000, immutable"}
	shortLife = []string{"public, max-age=300"}
)

func (s *Site) static(w http.ResponseWriter, r *http.Request) error {
	e, ok := s.assets.files[r.PathValue("name")]
	if !ok {
		return httpx.NotFound()
	}
	cc := immutable
	if r.PathValue("version") != s.assets.version {
		// An old page asked for an old version: send the current file, but
		// do not let it be kept under the old URL for long.
		cc = shortLife
	}
	serveEntry(w, r, e, cc)
	return nil
}

func (s *Site) favicon(w http.ResponseWriter, r *http.Request) error {
	e, ok := s.assets.files["icon.svg"]
	if !ok {
		return httpx.NotFound()
	}
	serveEntry(w, r, e, shortLife)
	return nil
}

// errorTitle is the catalog key of an error page's title.
func errorTitle(status int) string {
	switch {
	case status == http.StatusNotFound:
		return "Page not found"
	case status < 500:
		return "Request refused"
	}
	return "Something went wrong"
}
