package content

import (
	"errors"
	"strings"
	"testing"
)

// TestPagePrepare: a page is cleaned, given a slug from its title,
// rendered and sanitized; what cannot be a page's address is refused
// saying why.
func TestPagePrepare(t *testing.T) {
	r := NewRenderer()
	p := &Page{Title: "  About   us\x07 ", Lang: "en", Body: "We are *here*.<script>x()</script>\x00"}
	if err := p.Prepare(r); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if p.Slug != "about-us" || p.Title != "About   us" || p.Status != StatusDraft || strings.Contains(p.Body, "\x00") {
		t.Errorf("prepared %+v", p)
	}
	if !strings.Contains(p.BodyHTML, "<em>here</em>") || strings.Contains(p.BodyHTML, "script") {
		t.Errorf("BodyHTML %q", p.BodyHTML)
	}
	for _, tc := range []struct {
		name  string
		page  Page
		field string
		says  string
	}{
		{"reserved", Page{Title: "T", Slug: "admin", Lang: "en"}, "slug", "used by the site itself"},
		{"reserved for pages", Page{Title: "T", Slug: "newsletter", Lang: "en"}, "slug", "used by the site itself"},
		{"a language", Page{Title: "T", Slug: "en", Lang: "ru"}, "slug", "language code"},
		{"digits", Page{Title: "T", Slug: "2019", Lang: "en"}, "slug", "all digits"},
		{"bad slug", Page{Title: "T", Slug: "Über uns", Lang: "en"}, "slug", "lowercase"},
		{"no title", Page{Slug: "x", Lang: "en"}, "title", "required"},
		{"long title", Page{Title: strings.Repeat("a", MaxPageTitle+1), Slug: "x", Lang: "en"}, "title", "too long"},
		{"language", Page{Title: "T", Slug: "x", Lang: "de"}, "lang", "one of"},
		{"status", Page{Title: "T", Slug: "x", Lang: "en", Status: StatusScheduled}, "status", "draft or published"},
		{"menu order", Page{Title: "T", Slug: "x", Lang: "en", MenuOrder: -1}, "menu_order", "0"},
		{"itself", Page{ID: 4, Title: "T", Slug: "x", Lang: "en", TranslationOf: 4}, "translation_of", "own translation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.page
			err := p.Prepare(r)
			fe, ok := errors.AsType[FieldErrors](err)
			if !errors.Is(err, ErrInvalid) || !ok || !strings.Contains(fe[tc.field], tc.says) {
				t.Errorf("Prepare(%+v) = %v; want %s to say %q", tc.page, err, tc.field, tc.says)
			}
		})
	}
}

func TestPagePath(t *testing.T) {
	for _, tc := range []struct {
		lang, main, want string
	}{
		{"en", "en", "/about/"}, {"ru", "en", "/ru/about/"}, {"en", "ru", "/en/about/"}, {"ru", "ru", "/about/"},
	} {
		p := Page{Slug: "about", Lang: tc.lang}
		if got := p.Path(tc.main); got != tc.want {
			t.Errorf("Path of a %s page on a %s site = %q, want %q", tc.lang, tc.main, got, tc.want)
		}
	}
}
