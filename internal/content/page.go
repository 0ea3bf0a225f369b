package content

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Page is a static page of the site, such as About or How to give safely:
// no byline, no date in its URL, in no list but the footer menu and the
// sitemap.
type Page struct {
	ID    int64
	Slug  string // URL /{slug}/ in the main edition, /{lang}/{slug}/ in the other
	Lang  string
	Title string
	Body  string // Markdown as written; raw HTML inside is sanitized, as in articles
	// BodyHTML is rendered and sanitized at save (Prepare), with the
	// articles' renderer.
	BodyHTML string
	// Status is StatusPublished for a page readers see; any other status
	// (a draft, mostly) keeps it off the site.
	Status    Status
	MenuOrder int   // 0: not in the footer menu; 1, 2, ...: its place there
	Version   int   // bumped by every save; a stale version is a conflict
	EditedBy  int64 // the account saving it now, recorded in the revision
	// TranslationOf is 0, or the ID of the page this one translates. The
	// store keeps groups flat: it points at the group's first page.
	TranslationOf int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Limits of a page's fields.
const (
	MaxPageTitle = 300
	MaxMenuOrder = 1000
)

// reservedPageSlugs are first path segments a page may not take beyond
// the ones no section may take: the site's other top-level pages.
var reservedPageSlugs = map[string]bool{
	"newsletter": true, "supporter": true, "account": true, "checkout": true,
	"static": true, "stop": true, "page": true, "sitemap": true,
	"robots": true, "favicon": true, "well-known": true, "onion": true,
}

// Live reports whether readers may see the page.
func (p *Page) Live() bool { return p.Status == StatusPublished }

// InMenu reports whether the page is listed in its edition's footer menu.
func (p *Page) InMenu() bool { return p.Live() && p.MenuOrder > 0 }

// Path is the page's URL path in the edition of language lang when the
// site's main language is main: /{slug}/ or /{lang}/{slug}/.
func (p *Page) Path(main string) string {
	if p.Lang == main {
		return "/" + p.Slug + "/"
	}
	return "/" + p.Lang + "/" + p.Slug + "/"
}

// ReservedPageSlug says why slug cannot be a page's first path segment,
// or "" when it can. Sections are the store's to check.
func ReservedPageSlug(slug string) string {
	switch {
	case reservedSlugs[slug] || reservedPageSlugs[slug]:
		return fmt.Sprintf("%q is used by the site itself", slug)
	case ValidLanguage(slug):
		return fmt.Sprintf("%q is a language code: /%s/ is that language's edition", slug, slug)
	case strings.Trim(slug, "0123456789") == "":
		return fmt.Sprintf("%q is all digits: such paths are the archive's years and dates", slug)
	}
	return ""
}

// Validate checks a page before it is stored. Uniqueness and collisions
// with sections are the store's to check.
func (p *Page) Validate() error {
	fe := FieldErrors{}
	for field, v := range map[string]string{"title": p.Title, "body": p.Body, "slug": p.Slug} {
		if !utf8.ValidString(v) {
			fe[field] = "is not valid UTF-8 text"
		}
	}
	if _, bad := fe["title"]; !bad {
		switch n := utf8.RuneCountInString(p.Title); {
		case strings.TrimSpace(p.Title) == "":
			fe["title"] = "is required"
		case n > MaxPageTitle:
			fe["title"] = fmt.Sprintf("is too long (%d characters, at most %d)", n, MaxPageTitle)
		}
	}
	if _, bad := fe["body"]; !bad && utf8.RuneCountInString(p.Body) > MaxBody {
		fe["body"] = fmt.Sprintf("is too long (%d characters, at most %d)", utf8.RuneCountInString(p.Body), MaxBody)
	}
	if _, bad := fe["slug"]; !bad {
		if !ValidSlug(p.Slug) {
			fe["slug"] = "must be lowercase letters, digits and hyphens"
		} else if why := ReservedPageSlug(p.Slug); why != "" {
			fe["slug"] = why
		}
	}
	if !ValidLanguage(p.Lang) {
		fe["lang"] = fmt.Sprintf("must be one of %s", strings.Join(Languages, ", "))
	}
	if p.Status != StatusDraft && p.Status != StatusPublished {
		fe["status"] = "must be draft or published"
	}
	if p.MenuOrder < 0 || p.MenuOrder > MaxMenuOrder {
		fe["menu_order"] = fmt.Sprintf("must be 0 (not in the menu) to %d", MaxMenuOrder)
	}
	if p.TranslationOf != 0 && p.TranslationOf == p.ID {
		fe["translation_of"] = "a page cannot be its own translation"
	}
	return fe.orNil()
}

// Prepare cleans, validates and renders a page for saving: the one step
// between a form or an import and the store, which calls it on every save
// so that no page reaches readers unsanitized.
func (p *Page) Prepare(r *Renderer) error {
	p.Title = strings.TrimSpace(stripControls(p.Title))
	p.Body = stripControls(p.Body)
	p.Slug = strings.TrimSpace(p.Slug)
	if p.Slug == "" {
		p.Slug = Slugify(p.Title)
	}
	if p.Status == "" {
		p.Status = StatusDraft
	}
	if err := p.Validate(); err != nil {
		return err
	}
	html, _, err := r.Render(p.Body)
	if err != nil {
		return fmt.Errorf("page %q: %w", p.Slug, err)
	}
	p.BodyHTML = html
	return nil
}

// PageRevision is one saved version of a page.
type PageRevision struct {
	Version   int
	EditedBy  int64
	Editor    string // the account's e-mail; "" when deleted or an import
	CreatedAt time.Time
	Page      Page // the fields as saved
}
