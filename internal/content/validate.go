package content

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits on what a newsroom can type. They are generous; they exist so that
// a pasted file or a hostile request cannot fill the database.
const (
	MaxHeadline = 300
	MaxDek      = 1000
	MaxBody     = 400_000
	MaxSlug     = 120
	MaxCaption  = 1000
)

// FieldErrors maps a field name to what is wrong with it. It is an error so
// that forms and the importer can show every problem at once.
type FieldErrors map[string]string

func (fe FieldErrors) Error() string {
	parts := make([]string, 0, len(fe))
	for _, f := range sortedKeys(fe) {
		parts = append(parts, f+": "+fe[f])
	}
	return "invalid: " + strings.Join(parts, "; ")
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// ErrInvalid is wrapped by every validation failure.
var ErrInvalid = errors.New("invalid")

var slugRe = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// reservedSlugs are first path segments the site itself uses, so no section
// may take them.
var reservedSlugs = map[string]bool{
	"admin": true, "author": true, "tag": true, "search": true, "static": true,
	"media": true, "sitemaps": true, "support": true, "prompts": true,
	"webhooks": true, "healthz": true, "metrics": true, "mirrors": true,
	"feed": true, "api": true,
}

// ValidSlug reports whether s is a lowercase ASCII slug.
func ValidSlug(s string) bool { return len(s) <= MaxSlug && slugRe.MatchString(s) }

// ValidateSection checks a section before it is stored.
func ValidateSection(s *Section) error {
	fe := FieldErrors{}
	if strings.TrimSpace(s.Name) == "" {
		fe["name"] = "is required"
	}
	switch {
	case !ValidSlug(s.Slug):
		fe["slug"] = "must be lowercase letters, digits and hyphens"
	case reservedSlugs[s.Slug]:
		fe["slug"] = fmt.Sprintf("%q is used by the site itself", s.Slug)
	case ValidLanguage(s.Slug):
		fe["slug"] = fmt.Sprintf("%q is a language code: /%s/ is that language's edition", s.Slug, s.Slug)
	}
	return fe.orNil()
}

// ValidateAuthor checks an author before it is stored.
func ValidateAuthor(a *Author) error {
	fe := FieldErrors{}
	if strings.TrimSpace(a.Name) == "" {
		fe["name"] = "is required"
	}
	if !ValidSlug(a.Slug) {
		fe["slug"] = "must be lowercase letters, digits and hyphens"
	}
	return fe.orNil()
}

// Validate checks an article before it is stored. It does not look at the
// database: uniqueness is the store's job, enforced by constraints.
func (a *Article) Validate() error {
	fe := FieldErrors{}
	for field, v := range map[string]string{
		"headline": a.Headline, "dek": a.Dek, "body": a.Body, "slug": a.Slug,
		"caption": a.Image.Caption, "credit": a.Image.Credit, "alt": a.Image.Alt,
	} {
		if !utf8.ValidString(v) {
			fe[field] = "is not valid UTF-8 text"
		}
	}
	check := func(field, v string, max int, required bool) {
		if _, bad := fe[field]; bad {
			return
		}
		switch {
		case required && strings.TrimSpace(v) == "":
			fe[field] = "is required"
		case utf8.RuneCountInString(v) > max:
			fe[field] = fmt.Sprintf("is too long (%d characters, at most %d)", utf8.RuneCountInString(v), max)
		}
	}
	check("headline", a.Headline, MaxHeadline, true)
	check("dek", a.Dek, MaxDek, false)
	check("body", a.Body, MaxBody, false)
	check("caption", a.Image.Caption, MaxCaption, false)
	check("credit", a.Image.Credit, MaxCaption, false)
	check("alt", a.Image.Alt, MaxCaption, false)
	if _, bad := fe["slug"]; !bad && !ValidSlug(a.Slug) {
		fe["slug"] = "must be lowercase letters, digits and hyphens"
	}
	if !ValidLanguage(a.Lang) {
		fe["lang"] = fmt.Sprintf("must be one of %s", strings.Join(Languages, ", "))
	}
	if !a.Status.Valid() {
		fe["status"] = "must be draft, review, scheduled, published or unpublished"
	}
	if a.Section.ID == 0 {
		fe["section"] = "is required"
	}
	if (a.Status == StatusPublished || a.Status == StatusScheduled) && a.PublishedAt.IsZero() {
		fe["published_at"] = "is required to publish"
	}
	if a.Image.Present() && strings.TrimSpace(a.Image.Alt) == "" {
		fe["alt"] = "describe the photo for readers who cannot see it"
	}
	// A draft may wait for its alt text; readers may not.
	if _, bad := fe["body"]; !bad && (a.Status == StatusPublished || a.Status == StatusScheduled) && ImagesWithoutAlt(a.Body) > 0 {
		fe["body"] = "has an image without alt text"
	}
	return fe.orNil()
}

func (fe FieldErrors) orNil() error {
	if len(fe) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalid, fe)
}
