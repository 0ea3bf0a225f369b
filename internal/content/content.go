// Package content holds the newsroom's domain: articles, authors, sections,
// tags and images, their validation, and the Markdown to safe HTML step.
// It imports no HTTP and no SQL driver.
package content

import (
	"strconv"
	"strings"
	"time"
)

// Status is where an article is in its life.
type Status string

// The workflow: draft -> review -> scheduled or published -> unpublished.
const (
	StatusDraft       Status = "draft"
	StatusReview      Status = "review"
	StatusScheduled   Status = "scheduled"
	StatusPublished   Status = "published"
	StatusUnpublished Status = "unpublished"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusDraft, StatusReview, StatusScheduled, StatusPublished, StatusUnpublished}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Languages the site publishes in.
var Languages = []string{"en", "ru"}

// ValidLanguage reports whether lang is one the site publishes in.
func ValidLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Author is a byline. The profile fields (UserID, PhotoKey, Links) are
// read with the author itself (Authors, AuthorBySlug); the bylines loaded
// with an article carry only ID, Slug, Name and Bio.
type Author struct {
	ID   int64
	Slug string
	Name string
	Bio  string
	// UserID is the newsroom account the profile belongs to; 0 for none.
	UserID int64 `json:",omitempty"`
	// PhotoKey is the media library key of the author's photo; "" for none.
	PhotoKey string `json:",omitempty"`
	// Links are the author's pages elsewhere, one a line, in the order
	// shown: absolute http(s) or mailto: URLs (see ParseLinks). A string,
	// so that an Author stays comparable.
	Links string `json:",omitempty"`
}

// LinkList is the author's links, one per item.
func (a Author) LinkList() []string {
	var out []string
	for l := range strings.SplitSeq(a.Links, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Section is a front of the site, such as News or Culture.
type Section struct {
	ID    int64
	Slug  string
	Name  string
	Order int
	// Description is shown under the name on the section's front, and
	// describes it to search engines; optional.
	Description string
}

// Tag groups articles across sections.
type Tag struct {
	ID   int64
	Slug string
	Name string
	// Description is shown under the name on the tag's front; optional.
	// Only Tags and TagBySlug read it.
	Description string `json:",omitempty"`
}

// Image is a lead photo. Files are stored under Key in the media store,
// one file per width in Widths, named "<width>.jpg"; when WebP, also one
// "<width>.webp" per width; when Crops, the centre crops of media.Aspects
// (see media.CropName). Images stored before WebP and crops were made
// have neither until the start-up backfill has made them.
type Image struct {
	Key     string
	Width   int // of the largest variant
	Height  int
	Widths  []int
	WebP    bool // a WebP variant beside every JPEG one
	Crops   bool // the centre crops for structured data
	Alt     string
	Credit  string
	Caption string
}

// Variants is the stored form of WebP and Crops: "webp,crops", "webp",
// "crops" or "".
func (im Image) Variants() string {
	var parts []string
	if im.WebP {
		parts = append(parts, "webp")
	}
	if im.Crops {
		parts = append(parts, "crops")
	}
	return strings.Join(parts, ",")
}

// SetVariants sets WebP and Crops from their stored form; unknown words
// are ignored.
func (im *Image) SetVariants(s string) {
	im.WebP, im.Crops = false, false
	for v := range strings.SplitSeq(s, ",") {
		switch v {
		case "webp":
			im.WebP = true
		case "crops":
			im.Crops = true
		}
	}
}

// Present reports whether the article has a lead image.
func (im Image) Present() bool { return im.Key != "" }

// HeightFor returns the height of the variant w pixels wide.
func (im Image) HeightFor(w int) int {
	if im.Width == 0 {
		return 0
	}
	return im.Height * w / im.Width
}

// Correction is a dated note shown under a published article.
type Correction struct {
	ID        int64
	CreatedAt time.Time
	Text      string
}

// Article is one piece of journalism.
type Article struct {
	ID          int64
	Slug        string
	Headline    string
	Dek         string
	Body        string // Markdown, as written
	BodyHTML    string // rendered and sanitized at save
	BodyText    string // plain text, for search and word counts
	Lang        string
	Status      Status
	Section     Section
	Authors     []Author
	Tags        []Tag
	Image       Image
	Corrections []Correction
	// Translations are the other languages' versions, live or not: the
	// page shows the live ones and depends on them all.
	Translations []Translation
	PublishedAt  time.Time // zero for drafts
	UpdatedAt    time.Time
	CreatedAt    time.Time
	Version      int   // bumped by every save; a stale version is a conflict
	CreatedBy    int64 // the newsroom account that created it; 0 for imports
	EditedBy     int64 // the account saving it now, recorded in the revision
}

// Path is the article's public URL path: /yyyy/mm/dd/slug.
func (a *Article) Path() string {
	// Built by hand: a sitemap asks for 50,000 of these at once.
	t := a.PublishedAt.UTC()
	b := make([]byte, 0, 12+len(a.Slug))
	b = append(b, '/')
	b = appendPadded(b, t.Year(), 4)
	b = append(b, '/')
	b = appendPadded(b, int(t.Month()), 2)
	b = append(b, '/')
	b = appendPadded(b, t.Day(), 2)
	b = append(b, '/')
	b = append(b, a.Slug...)
	return string(b)
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n, width int) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// Live reports whether readers may see the article at now: it is
// published, or scheduled, and its time has come.
func (a *Article) Live(now time.Time) bool {
	return (a.Status == StatusPublished || a.Status == StatusScheduled) && !a.PublishedAt.IsZero() && !a.PublishedAt.After(now)
}

// Updated reports whether the article changed meaningfully after publication.
func (a *Article) Updated() bool {
	return !a.PublishedAt.IsZero() && a.Modified().Sub(a.PublishedAt) > time.Minute
}

// Modified is when the article last changed for its readers: its last
// save, or its latest correction when that is later (an imported
// article's corrections can be newer than the import's save time).
func (a *Article) Modified() time.Time {
	m := a.UpdatedAt
	for _, c := range a.Corrections {
		if c.CreatedAt.After(m) {
			m = c.CreatedAt
		}
	}
	return m
}

// WordCount counts the words of the body.
func (a *Article) WordCount() int { return countWords(a.BodyText) }

// Revision is an article as it was saved once. Every save keeps one.
type Revision struct {
	Version   int
	EditedBy  int64
	Editor    string // e-mail of the account, when known
	CreatedAt time.Time
	Article   Article // the editable fields; Section and Authors carry IDs and names
}

// Translation is an article's version in another language, linked by an
// editor. Only live translations are shown to readers.
type Translation struct {
	ID          int64
	Lang        string
	Slug        string
	Headline    string
	PublishedAt time.Time
	Live        bool
}

// Path is the translation's public URL path.
func (t Translation) Path() string {
	a := Article{Slug: t.Slug, PublishedAt: t.PublishedAt}
	return a.Path()
}

// LiveTranslations are the translations a reader may follow.
func (a *Article) LiveTranslations() []Translation {
	var out []Translation
	for _, t := range a.Translations {
		if t.Live && t.Lang != a.Lang {
			out = append(out, t)
		}
	}
	return out
}

// NameKind is what a name form names.
type NameKind string

// The kinds with names per language.
const (
	NameSection NameKind = "section"
	NameTag     NameKind = "tag"
	NameAuthor  NameKind = "author"
)

// NameKey identifies one name form: a section's, tag's or author's name in
// one language.
type NameKey struct {
	Kind NameKind
	ID   int64
	Lang string
}

// NameForms are names per language; a name without a form here is shown
// as entered.
type NameForms map[NameKey]string

// Of returns the name of (kind, id) in lang, or name when it has no form.
func (n NameForms) Of(kind NameKind, id int64, lang, name string) string {
	if v, ok := n[NameKey{kind, id, lang}]; ok && v != "" {
		return v
	}
	return name
}
