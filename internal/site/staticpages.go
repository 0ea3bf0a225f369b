package site

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Static pages (About, How to give safely) live at /{slug}/ in the main
// edition and /{lang}/{slug}/ in the other, where a section's front would
// be: the section handler falls back to them, and the store refuses a
// page slug that is a section's.

var depPage = store.KeyPage

// depPages is the change feed's key for every list of pages: the sitemap.
const depPages = store.KeyPages

// PageReader is what static pages, the footer menu and redirects read.
type PageReader interface {
	PageBySlug(ctx context.Context, lang, slug string) (*content.Page, error)
	PageTranslations(ctx context.Context, id int64) ([]*content.Page, error)
	MenuPages(ctx context.Context, lang string) ([]*content.Page, error)
	LivePages(ctx context.Context) ([]*content.Page, error)
	Redirects(ctx context.Context) ([]store.Redirect, error)
}

// livePage returns the live page of the edition's language at slug.
func (s *Site) livePage(ctx context.Context, lang, slug string) (*content.Page, error) {
	if !content.ValidSlug(slug) {
		return nil, httpx.NotFound()
	}
	p, err := s.db.PageBySlug(ctx, lang, slug)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !p.Live()) {
		return nil, httpx.NotFound()
	}
	return p, err
}

// staticPage renders the page at slug in r's edition.
func (s *Site) staticPage(r *http.Request, slug string) (*page, error) {
	ctx := r.Context()
	lang := s.pageLang(r)
	p, err := s.livePage(ctx, lang, slug)
	if err != nil {
		return nil, err
	}
	l, err := s.newLayout(r, p.Title, pageDescription(p))
	if err != nil {
		return nil, err
	}
	main := s.conf().Lang
	l.Canonical = s.conf().BaseURL + p.Path(main)
	tr, err := s.db.PageTranslations(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	alts := []alternate{{Lang: p.Lang, Path: p.Path(main), Href: s.conf().BaseURL + p.Path(main), Label: s.catalog.Locale(p.Lang).Name()}}
	var others []alternate
	for _, t := range tr {
		if t.Live() {
			a := alternate{Lang: t.Lang, Path: t.Path(main), Href: s.conf().BaseURL + t.Path(main), Label: s.catalog.Locale(t.Lang).T("language.read")}
			alts = append(alts, a)
			others = append(others, a)
		}
	}
	s.setAlternates(&l, alts)
	l.OG = &openGraph{Type: "website"}
	s.fallbackImage(l.OG)
	data := struct {
		layout
		Page         *content.Page
		Translations []alternate
	}{layout: l, Page: p, Translations: others}
	// The store names every page of the group when any of them changes,
	// so the page's own key covers its translations' links.
	pg, err := s.renderPage("page", data, []string{depPage(p.ID)})
	return modifiedAt(pg, err, p.UpdatedAt)
}

// pageDescription is the start of a page's text, for search engines and
// link previews.
func pageDescription(p *content.Page) string {
	text := strings.Join(strings.Fields(content.PlainText(p.BodyHTML)), " ")
	if utf8.RuneCountInString(text) <= 160 {
		return text
	}
	r := []rune(text)[:160]
	if i := strings.LastIndexByte(string(r), ' '); i > 80 {
		return string(r)[:i] + "…"
	}
	return string(r) + "…"
}

// menuLink is a page in the footer menu.
type menuLink struct {
	Title, Path string
}

// loadMenus reads the footer menu of every edition.
func (s *Site) loadMenus(ctx context.Context) (map[string][]menuLink, error) {
	out := map[string][]menuLink{}
	for _, lang := range s.editionLangs() {
		ps, err := s.db.MenuPages(ctx, lang)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out[lang] = append(out[lang], menuLink{Title: p.Title, Path: p.Path(s.conf().Lang)})
		}
	}
	return out, nil
}

// menuFor is the footer menu of lang's edition as last loaded with the
// navigation, without asking the database (the error page cannot).
func (s *Site) menuFor(lang string) []menuLink {
	if p := s.sections.Load(); p != nil {
		return p.menus[lang]
	}
	return nil
}
