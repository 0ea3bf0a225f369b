package site

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

// RelatedCount is the length of the "Read more" list.
const RelatedCount = 4

func (s *Site) article(r *http.Request) (*page, error) {
	ctx := r.Context()
	y, errY := strconv.Atoi(r.PathValue("yyyy"))
	m, errM := strconv.Atoi(r.PathValue("mm"))
	d, errD := strconv.Atoi(r.PathValue("dd"))
	slug := r.PathValue("slug")
	if errY != nil || errM != nil || errD != nil || !content.ValidSlug(slug) {
		return nil, httpx.NotFound()
	}
	a, err := s.db.ArticleBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return nil, httpx.NotFound()
	}
	if err != nil {
		return nil, err
	}
	if !a.Live(s.now()) {
		return nil, httpx.NotFound()
	}
	if p := a.Path(); p != fmt.Sprintf("/%04d/%02d/%02d/%s", y, m, d, slug) {
		return nil, &redirect{to: p}
	}
	related, err := s.db.Related(ctx, a, RelatedCount)
	if err != nil {
		return nil, err
	}
	l, err := s.newLayout(r, a.Headline, a.Dek)
	if err != nil {
		return nil, err
	}
	// The page is in the article's language, masthead and all, and its
	// links lead into that language's edition.
	l.Lang = a.Lang
	l.Switch = s.otherEditions(a.Lang)
	s.setAlternates(&l, s.articleAlternates(a))
	l.Current = a.Section.Slug
	og := &openGraph{
		Type:          "article",
		PublishedTime: a.PublishedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		ModifiedTime:  a.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
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
	return modifiedAt(p, err, newestUpdate(a.UpdatedAt, related))
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
		"dateModified":        a.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		"inLanguage":          a.Lang,
		"articleSection":      a.Section.Name,
		"wordCount":           a.WordCount(),
		"mainEntityOfPage":    thing{"@type": "WebPage", "@id": s.conf().BaseURL + a.Path()},
		"url":                 s.conf().BaseURL + a.Path(),
		"publisher":           thing{"@type": "NewsMediaOrganization", "name": s.conf().Name, "url": s.conf().BaseURL + "/"},
		"isAccessibleForFree": true,
	}
	if len(authors) > 0 {
		ld["author"] = authors
	}
	if a.Image.Present() {
		var imgs []string
		for _, w := range a.Image.Widths {
			imgs = append(imgs, s.conf().BaseURL+imageURL(a.Image, w))
		}
		ld["image"] = imgs
	}
	b, err := json.Marshal(ld) // escapes <, > and & so the block cannot end early
	if err != nil {
		return "", fmt.Errorf("json-ld: %w", err)
	}
	return template.JS(b), nil
}

// redirect is returned by a page that lives at another URL.
type redirect struct{ to string }

func (r *redirect) Error() string { return "redirect to " + r.to }
