package site

import (
	"context"
	"net/http"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/i18n"
)

// Editions: the site's main language is served at "/", each other language
// under its code ("/ru/"): its own home, section fronts, tag and author
// pages, search, feeds, support and newsletter pages. Article URLs are the
// same in every language; an article's page is in the article's language.

// editionKey carries the language of the edition a request was made in.
type editionKey struct{}

// pageLang is the language of the edition r was made in: its prefix's, or
// the main language.
func (s *Site) pageLang(r *http.Request) string {
	if l, ok := r.Context().Value(editionKey{}).(string); ok {
		return l
	}
	return s.conf().Lang
}

// loc is the words of the page r asks for.
func (s *Site) loc(r *http.Request) *i18n.Locale { return s.catalog.Locale(s.pageLang(r)) }

// editionPrefix is the path prefix of lang's edition: "" for the main
// language, "/ru" for another.
func (s *Site) editionPrefix(lang string) string { return i18n.EditionPrefix(lang, s.conf().Lang) }

// inEdition serves h as lang's edition. The main language's own prefix
// redirects to the same page without it, so each page has one address.
func (s *Site) inEdition(lang string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if lang == s.conf().Lang {
			to := strings.TrimPrefix(r.URL.Path, "/"+lang)
			if to == "" {
				to = "/"
			}
			if r.URL.RawQuery != "" {
				to += "?" + r.URL.RawQuery
			}
			code := http.StatusMovedPermanently
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				code = http.StatusPermanentRedirect
			}
			http.Redirect(w, r, to, code)
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), editionKey{}, lang)))
	})
}

// editionPatterns returns pattern and its form under every language prefix.
func editionPatterns(pattern string) []string {
	method, path, _ := strings.Cut(pattern, " ")
	out := []string{pattern}
	for _, lang := range i18n.Languages {
		out = append(out, method+" /"+lang+path)
	}
	return out
}

// handleEditions registers h at pattern for the main edition and under
// every language prefix for the others.
func (s *Site) handleEditions(mux *http.ServeMux, pattern string, h http.Handler) {
	mux.Handle(pattern, h)
	method, path, _ := strings.Cut(pattern, " ")
	for _, lang := range i18n.Languages {
		mux.Handle(method+" /"+lang+path, s.inEdition(lang, h))
	}
}

// editionRoots answers "/ru" with "/ru/", permanently.
func (s *Site) editionRoots(mux *http.ServeMux) {
	for _, lang := range i18n.Languages {
		mux.Handle("GET /"+lang, http.RedirectHandler("/"+lang+"/", http.StatusPermanentRedirect))
	}
}

// alternate is a version of a page in one language, for hreflang links
// and the language switcher.
type alternate struct {
	Lang  string
	Href  string // absolute
	Path  string // root-relative
	Label string // in the alternate's own language
}

// editionAlternates are the versions of a list page (path without any
// edition prefix) in every edition, the page's own language first.
func (s *Site) editionAlternates(lang, path string) []alternate {
	out := make([]alternate, 0, len(i18n.Languages))
	for _, l := range append([]string{lang}, i18n.Languages...) {
		if l == lang && len(out) > 0 {
			continue
		}
		p := s.editionPrefix(l) + path
		out = append(out, alternate{Lang: l, Path: p, Href: s.conf().BaseURL + p, Label: s.catalog.Locale(l).Name()})
	}
	return out
}

// articleAlternates are an article's live versions, its own first.
func (s *Site) articleAlternates(a *content.Article) []alternate {
	tr := a.LiveTranslations()
	if len(tr) == 0 {
		return nil
	}
	out := []alternate{{Lang: a.Lang, Path: a.Path(), Href: s.conf().BaseURL + a.Path(), Label: s.catalog.Locale(a.Lang).Name()}}
	for _, t := range tr {
		out = append(out, alternate{Lang: t.Lang, Path: t.Path(), Href: s.conf().BaseURL + t.Path(), Label: s.catalog.Locale(t.Lang).T("language.read")})
	}
	return out
}

// xDefault is the version for readers of neither language: the main
// language's, else the first.
func (s *Site) xDefault(alts []alternate) string {
	for _, a := range alts {
		if a.Lang == s.conf().Lang {
			return a.Href
		}
	}
	if len(alts) > 0 {
		return alts[0].Href
	}
	return ""
}

// setAlternates puts hreflang links and the language switcher on a page.
func (s *Site) setAlternates(l *layout, alts []alternate) {
	if len(alts) < 2 {
		return
	}
	l.Alternates = alts
	l.XDefault = s.xDefault(alts)
	l.Switch = alts[1:]
}

// otherEditions links the other editions' home pages: the switcher of a
// page without a counterpart.
func (s *Site) otherEditions(lang string) []alternate {
	var out []alternate
	for _, l := range i18n.Languages {
		if l != lang {
			p := s.editionPrefix(l) + "/"
			out = append(out, alternate{Lang: l, Path: p, Href: s.conf().BaseURL + p, Label: s.catalog.Locale(l).Name()})
		}
	}
	return out
}

// editionLangs are the site's editions, the main language's first.
func (s *Site) editionLangs() []string {
	out := []string{s.conf().Lang}
	for _, l := range i18n.Languages {
		if l != s.conf().Lang {
			out = append(out, l)
		}
	}
	return out
}
