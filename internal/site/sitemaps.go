package site

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

// SitemapMax is the most URLs one sitemap file may list (sitemaps.org).
const SitemapMax = 50_000

type urlset struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	News    string       `xml:"xmlns:news,attr,omitempty"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string       `xml:"loc"`
	LastMod string       `xml:"lastmod,omitempty"`
	News    *newsElement `xml:"news:news,omitempty"`
	// Alternates are the page's versions in every language, itself
	// included, and x-default: xhtml:link elements (Google's format).
	Alternates []sitemapAlt `xml:"-"`
}

type sitemapAlt struct{ Lang, Href string }

type newsElement struct {
	Publication struct {
		Name     string `xml:"news:name"`
		Language string `xml:"news:language"`
	} `xml:"news:publication"`
	PublicationDate string `xml:"news:publication_date"`
	Title           string `xml:"news:title"`
}

type sitemapIndex struct {
	XMLName  xml.Name       `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []sitemapEntry `xml:"sitemap"`
}

type sitemapEntry struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

func w3c(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// fixedURLs are the pages besides articles: home, sections, authors and
// tags, in every edition, each with its versions in the others.
func (s *Site) fixedURLs(ctx context.Context, base string) ([]sitemapURL, error) {
	paths := []string{"/"}
	secs, err := s.db.Sections(ctx)
	if err != nil {
		return nil, err
	}
	for _, sec := range secs {
		paths = append(paths, "/"+sec.Slug+"/")
	}
	if l, ok := s.db.(lister); ok {
		authors, err := l.Authors(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range authors {
			paths = append(paths, "/author/"+a.Slug+"/")
		}
		tags, err := l.Tags(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range tags {
			// Drafts create tags too: list only those with published articles,
			// as the tag pages do, so the sitemap reveals no unpublished story.
			n, err := s.db.CountArticles(ctx, store.ListQuery{TagID: t.ID})
			if err != nil {
				return nil, err
			}
			if n > 0 {
				paths = append(paths, "/tag/"+t.Slug+"/")
			}
		}
	}
	langs := s.editionLangs()
	urls := make([]sitemapURL, 0, len(paths)*len(langs))
	for _, lang := range langs {
		for _, p := range paths {
			u := sitemapURL{Loc: base + s.editionPrefix(lang) + p}
			if len(langs) > 1 {
				u.Alternates = make([]sitemapAlt, 0, len(langs)+1)
				for _, l := range langs {
					u.Alternates = append(u.Alternates, sitemapAlt{l, base + s.editionPrefix(l) + p})
				}
				u.Alternates = append(u.Alternates, sitemapAlt{"x-default", base + p})
			}
			urls = append(urls, u)
		}
	}
	pages, err := s.pageURLs(ctx, base)
	if err != nil {
		return nil, err
	}
	return append(urls, pages...), nil
}

// pageURLs are the live static pages, each with its live translations.
func (s *Site) pageURLs(ctx context.Context, base string) ([]sitemapURL, error) {
	pages, err := s.db.LivePages(ctx)
	if err != nil {
		return nil, err
	}
	main := s.conf().Lang
	groups := map[int64][]*content.Page{}
	root := func(p *content.Page) int64 { return cmp.Or(p.TranslationOf, p.ID) }
	for _, p := range pages {
		groups[root(p)] = append(groups[root(p)], p)
	}
	urls := make([]sitemapURL, 0, len(pages))
	for _, p := range pages {
		u := sitemapURL{Loc: base + p.Path(main), LastMod: w3c(p.UpdatedAt)}
		if g := groups[root(p)]; len(g) > 1 {
			def := ""
			for _, v := range g {
				u.Alternates = append(u.Alternates, sitemapAlt{v.Lang, base + v.Path(main)})
				if v.Lang == main || def == "" {
					def = base + v.Path(main)
				}
			}
			u.Alternates = append(u.Alternates, sitemapAlt{"x-default", def})
		}
		urls = append(urls, u)
	}
	return urls, nil
}

// lister is the optional part of Reader that lists every author and tag.
type lister interface {
	Authors(ctx context.Context) ([]content.Author, error)
	Tags(ctx context.Context) ([]content.Tag, error)
}

func (s *Site) articleURLs(ctx context.Context, base string, offset, limit int) ([]sitemapURL, error) {
	list, err := s.db.ArticleLocs(ctx, offset, limit)
	if err != nil {
		return nil, err
	}
	urls := make([]sitemapURL, 0, len(list))
	for _, a := range list {
		u := sitemapURL{Loc: base + a.Path(), LastMod: w3c(a.UpdatedAt)}
		if len(a.Versions) > 1 {
			def := ""
			for _, v := range a.Versions {
				u.Alternates = append(u.Alternates, sitemapAlt{v.Lang, base + v.Path()})
				if v.Lang == s.conf().Lang || def == "" {
					def = base + v.Path()
				}
			}
			u.Alternates = append(u.Alternates, sitemapAlt{"x-default", def})
		}
		urls = append(urls, u)
	}
	return urls, nil
}

// sitemap is one urlset while everything fits in one file, and an index of
// numbered parts beyond that: the first parts hold the fixed pages, the
// others the articles, newest first.
func (s *Site) sitemap(r *http.Request) (*page, error) {
	ctx := r.Context()
	fixed, err := s.fixedURLs(ctx, s.hostBase(r))
	if err != nil {
		return nil, err
	}
	n, err := s.db.CountArticles(ctx, store.ListQuery{})
	if err != nil {
		return nil, err
	}
	if len(fixed)+n <= s.sitemapMax() {
		arts, err := s.articleURLs(ctx, s.hostBase(r), 0, n)
		if err != nil {
			return nil, err
		}
		return urlsetPage(append(fixed, arts...), []string{depAll, depPages}), nil
	}
	idx := sitemapIndex{}
	_, parts := s.sitemapParts(len(fixed), n)
	for i := 1; i <= parts; i++ {
		idx.Sitemaps = append(idx.Sitemaps, sitemapEntry{Loc: s.hostBase(r) + "/sitemaps/" + strconv.Itoa(i) + "/sitemap.xml"})
	}
	return xmlPage("application/xml; charset=utf-8", "", idx, []string{depAll, depPages})
}

func (s *Site) sitemapPart(r *http.Request) (*page, error) {
	ctx := r.Context()
	part, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || part < 1 || part > 100_000 {
		return nil, httpx.NotFound()
	}
	fixed, err := s.fixedURLs(ctx, s.hostBase(r))
	if err != nil {
		return nil, err
	}
	m := s.sitemapMax()
	fixedParts, _ := s.sitemapParts(len(fixed), 0)
	if part <= fixedParts {
		// The fixed pages alone never make an index: with few articles
		// there are no parts at all.
		n, err := s.db.CountArticles(ctx, store.ListQuery{})
		if err != nil {
			return nil, err
		}
		if len(fixed)+n <= m {
			return nil, httpx.NotFound()
		}
		return urlsetPage(fixed[(part-1)*m:min(part*m, len(fixed))], []string{depAll, depPages}), nil
	}
	// An article part past the last has no articles: it is not counted
	// first, as counting 100,000 articles costs as much as listing a part.
	urls, err := s.articleURLs(ctx, s.hostBase(r), (part-fixedParts-1)*m, m)
	if err != nil {
		return nil, err
	}
	// A first article part shorter than a file holds every article: if
	// the fixed pages fit beside them, the site has one sitemap, no parts.
	if len(urls) == 0 || (part == fixedParts+1 && len(fixed)+len(urls) <= m) {
		return nil, httpx.NotFound()
	}
	return urlsetPage(urls, []string{depAll, depPages}), nil
}

// urlsetPage writes a plain sitemap by hand, as encoding/xml would (the
// same bytes): a part lists 50,000 addresses, and reflection took most
// of its time.
func urlsetPage(urls []sitemapURL, deps []string) *page {
	b := make([]byte, 0, 128+len(urls)*120)
	b = append(b, xml.Header...)
	b = append(b, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"`...)
	if slices.ContainsFunc(urls, func(u sitemapURL) bool { return len(u.Alternates) > 0 }) {
		b = append(b, ` xmlns:xhtml="http://www.w3.org/1999/xhtml"`...)
	}
	b = append(b, '>')
	for _, u := range urls {
		b = append(b, "\n <url>\n  <loc>"...)
		b = appendXMLText(b, u.Loc)
		b = append(b, "</loc>"...)
		if u.LastMod != "" {
			b = append(b, "\n  <lastmod>"...)
			b = appendXMLText(b, u.LastMod)
			b = append(b, "</lastmod>"...)
		}
		for _, a := range u.Alternates {
			b = append(b, "\n  <xhtml:link rel=\"alternate\" hreflang=\""...)
			b = appendXMLText(b, a.Lang)
			b = append(b, "\" href=\""...)
			b = appendXMLText(b, a.Href)
			b = append(b, "\"/>"...)
		}
		b = append(b, "\n </url>"...)
	}
	b = append(b, "\n</urlset>"...)
	return &page{contentType: "application/xml; charset=utf-8", body: b, deps: deps}
}

// appendXMLText appends s escaped as character data.
func appendXMLText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&' || c == '"' || c == '\'' {
			var buf bytes.Buffer
			xml.EscapeText(&buf, []byte(s))
			return append(b, buf.Bytes()...)
		}
	}
	return append(b, s...)
}

// sitemapParts returns how many parts the fixed pages take, the first ones,
// and how many parts there are in all, articles included.
func (s *Site) sitemapParts(fixed, articles int) (fixedParts, parts int) {
	m := s.sitemapMax()
	fixedParts = max(1, (fixed+m-1)/m)
	return fixedParts, fixedParts + (articles+m-1)/m
}

func (s *Site) sitemapMax() int {
	if s.maxSitemap > 0 {
		return s.maxSitemap
	}
	return SitemapMax
}

// newsSitemap lists the articles of the last 48 hours for Google News.
func (s *Site) newsSitemap(r *http.Request) (*page, error) {
	list, err := s.db.ListArticles(r.Context(), store.ListQuery{Since: s.now().Add(-48 * time.Hour), Limit: 1000, NoBylines: true})
	if err != nil {
		return nil, err
	}
	set := urlset{News: "http://www.google.com/schemas/sitemap-news/0.9", URLs: []sitemapURL{}}
	for _, a := range list {
		n := &newsElement{PublicationDate: w3c(a.PublishedAt), Title: a.Headline}
		n.Publication.Name = s.conf().Name
		n.Publication.Language = a.Lang
		set.URLs = append(set.URLs, sitemapURL{Loc: s.hostBase(r) + a.Path(), News: n})
	}
	p, err := xmlPage("application/xml; charset=utf-8", "", set, articleDeps([]string{depAll, depPages}, list))
	return modifiedAt(p, err, newestUpdate(time.Time{}, list))
}

func (s *Site) robots(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	// Search result pages ("/search?q=…", in every edition) are no
	// pages to crawl; the search page itself is.
	var b strings.Builder
	b.WriteString("User-agent: *\nAllow: /\nDisallow: /admin/\n")
	for _, lang := range i18n.Languages {
		b.WriteString("Disallow: " + s.editionPrefix(lang) + "/search?\n")
	}
	b.WriteString("\nSitemap: " + s.hostBase(r) + "/sitemap.xml\nSitemap: " + s.hostBase(r) + "/news-sitemap.xml\n")
	_, err := w.Write([]byte(b.String()))
	return err
}

func (s *Site) mediaFile(w http.ResponseWriter, r *http.Request) error {
	if s.media == nil {
		return httpx.NotFound()
	}
	f, err := s.media.Open(r.PathValue("key"), r.PathValue("file"))
	if err != nil {
		return httpx.NotFound()
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return httpx.NotFound()
	}
	rs, ok := f.(interface {
		Read([]byte) (int, error)
		Seek(int64, int) (int64, error)
	})
	if !ok {
		return httpx.NotFound()
	}
	ctype := "image/jpeg"
	if strings.HasSuffix(r.PathValue("file"), ".webp") {
		ctype = "image/webp"
	}
	w.Header().Set("Content-Type", ctype)
	// Media keys carry a hash of their source: a changed photo gets a new URL.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", info.ModTime(), rs)
	return nil
}
