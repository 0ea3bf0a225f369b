package site

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/store"
)

// RelatedCount is the length of the "Read more" list.
const RelatedCount = 4

func (s *Site) article(r *http.Request) (*page, error) {
	ctx := r.Context()
	slug := r.PathValue("slug")
	if !validDate(r.PathValue("yyyy"), r.PathValue("mm"), r.PathValue("dd")) || !content.ValidSlug(slug) {
		// Not a date at all (or the 31st of February): no article could
		// live here, so there is nothing to redirect to.
		return nil, httpx.NotFound()
	}
	a, related, err := s.db.ArticleWithRelated(ctx, slug, RelatedCount)
	if errors.Is(err, store.ErrNotFound) {
		return nil, httpx.NotFound()
	}
	if err != nil {
		return nil, err
	}
	if !a.Live(s.now()) {
		return nil, httpx.NotFound()
	}
	if strings.Contains(a.BodyHTML, "<table") {
		shown := *a // the page's copy: the stored body stays as saved
		shown.BodyHTML = scrollableTables(a.BodyHTML, s.catalog.Locale(a.Lang))
		a = &shown
	}
	// Any other spelling of the article's path (another date, "/2/" for
	// "/02/", "/02026/") is the same article under a second URL: it moves
	// permanently to the one URL search engines should index.
	if p := a.Path(); p != r.URL.Path {
		// A stored redirect for this very path (an imported permalink
		// whose slug now belongs to another article) comes first.
		if to, ok := s.redirectFor(ctx, r.URL.RequestURI()); ok {
			return nil, &redirect{to: to}
		}
		return nil, &redirect{to: p}
	}
	l, err := s.newLayout(r, a.Headline, a.Dek)
	if err != nil {
		return nil, err
	}
	// The page is in the article's language, masthead and all, and its
	// links lead into that language's edition.
	l.Lang = a.Lang
	l.Canonical = s.conf().BaseURL + a.Path()
	l.Switch = s.otherEditions(a.Lang)
	s.setAlternates(&l, s.articleAlternates(a))
	l.Current = a.Section.Slug
	og := &openGraph{
		Type:          "article",
		PublishedTime: a.PublishedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		ModifiedTime:  a.Modified().UTC().Format("2006-01-02T15:04:05Z07:00"),
		Section:       a.Section.Name,
	}
	for _, t := range a.Tags {
		og.Tags = append(og.Tags, t.Name)
	}
	if a.Image.Present() {
		og.Image = s.conf().BaseURL + imageURL(a.Image, 1200)
		og.ImageAlt = a.Image.Alt
		w := a.Image.Widths[len(a.Image.Widths)-1]
		og.ImageWidth, og.ImageHeight = w, a.Image.HeightFor(w)
		// The 16:9 crop, once made: the shape link previews show.
		if u := imageCropURL(s.conf().BaseURL, a.Image, media.Aspect{W: 16, H: 9}); u != "" {
			og.Image = u
			og.ImageWidth = media.CropWidth(a.Image.Width, a.Image.Height, media.Aspect{W: 16, H: 9})
			og.ImageHeight = max(1, og.ImageWidth*9/16)
		}
	} else {
		s.fallbackImage(og)
	}
	l.OG = og
	ld, err := s.newsArticleLD(a)
	if err != nil {
		return nil, err
	}
	l.JSONLD = ld
	pb, err := s.articlePrompts(r, a)
	if err != nil {
		return nil, err
	}
	l.setPrompts(pb, s.assets.url("prompts.js"))
	data := struct {
		layout
		Article *content.Article
		Related []*content.Article
	}{layout: l, Article: a, Related: related}
	deps := []string{depArticle(a.ID), depSection(a.Section.ID)}
	for _, t := range a.Translations { // live or not: one going live adds its link
		deps = append(deps, depArticle(t.ID))
	}
	for _, t := range a.Tags {
		deps = append(deps, depTag(t.ID))
	}
	if info := pageInfoFrom(r.Context()); info != nil {
		if err := s.describeArticle(info, a); err != nil {
			return nil, err
		}
	}
	p, err := s.renderPage("article", data, articleDeps(deps, related))
	// The page shows the related articles' headlines too.
	return modifiedAt(p, err, newestUpdate(a.Modified(), related))
}

// newsArticleLD is the schema.org NewsArticle that search engines read.
func (s *Site) newsArticleLD(a *content.Article) (template.JS, error) {
	type thing = map[string]any
	var authors []thing
	for _, au := range a.Authors {
		authors = append(authors, thing{"@type": "Person", "name": au.Name, "url": s.conf().BaseURL + "/author/" + au.Slug + "/"})
	}
	ld := thing{
		"@context":            "https://schema.org",
		"@type":               "NewsArticle",
		"headline":            truncate(a.Headline, 110),
		"description":         a.Dek,
		"datePublished":       a.PublishedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		"dateModified":        a.Modified().UTC().Format("2006-01-02T15:04:05Z07:00"),
		"inLanguage":          a.Lang,
		"articleSection":      a.Section.Name,
		"wordCount":           a.WordCount(),
		"mainEntityOfPage":    thing{"@type": "WebPage", "@id": s.conf().BaseURL + a.Path()},
		"url":                 s.conf().BaseURL + a.Path(),
		"publisher":           s.publisherLD(),
		"isAccessibleForFree": true,
	}
	if len(authors) > 0 {
		ld["author"] = authors
	}
	if a.Image.Present() {
		// The 1:1, 4:3 and 16:9 crops Google's Article guidance asks for;
		// the widths as stored until the crops are made.
		imgs := ImageCropURLs(s.conf().BaseURL, a.Image)
		if imgs == nil {
			for _, w := range a.Image.Widths {
				imgs = append(imgs, s.conf().BaseURL+imageURL(a.Image, w))
			}
		}
		ld["image"] = imgs
	} else if logo := s.conf().Logo; logo.URL != "" {
		ld["image"] = []string{s.conf().BaseURL + logo.URL} // a picture is required: the newsroom's
	}
	b, err := json.Marshal(ld) // escapes <, > and & so the block cannot end early
	if err != nil {
		return "", fmt.Errorf("json-ld: %w", err)
	}
	return template.JS(b), nil
}

// scrollableTables puts each table of a sanitized body in a region that
// scrolls sideways when the table is wider than the screen. The region is
// focusable and named, so a keyboard can reach it and scroll (WCAG 2.1.1;
// axe's scrollable-region-focusable); the names are numbered so that no
// two landmarks of a page share one.
func scrollableTables(body string, loc *i18n.Locale) string {
	var b strings.Builder
	n := 0
	for {
		i := strings.Index(body, "<table")
		if i < 0 {
			break
		}
		end := strings.Index(body[i:], "</table>")
		if end < 0 {
			break
		}
		end += i + len("</table>")
		n++
		b.WriteString(body[:i])
		b.WriteString(`<div class="scroller" role="region" tabindex="0" aria-label="`)
		b.WriteString(template.HTMLEscapeString(loc.T("Table %d, scrolls sideways", n)))
		b.WriteString(`">`)
		b.WriteString(body[i:end])
		b.WriteString(`</div>`)
		body = body[end:]
	}
	b.WriteString(body)
	return b.String()
}

// validDate reports whether the path's date segments are a calendar date
// written in digits only: "+2", "2e1" and month 13 are not.
func validDate(yyyy, mm, dd string) bool {
	num := func(v string, maxLen int) (int, bool) {
		if v == "" || len(v) > maxLen {
			return 0, false
		}
		n := 0
		for _, c := range []byte(v) {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, okY := num(yyyy, 6)
	m, okM := num(mm, 3)
	d, okD := num(dd, 3)
	if !okY || !okM || !okD || y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// redirect is returned by a page that lives at another URL.
type redirect struct{ to string }

func (r *redirect) Error() string { return "redirect to " + r.to }
