package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for lead images
	_ "image/png"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	_ "golang.org/x/image/webp"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/media"
)

// Limits on imported files.
const (
	MaxFileSize  = 2 << 20  // a Markdown file
	MaxImageSize = 20 << 20 // a lead image file
	MaxPixels    = 50_000_000
)

// Taxonomy finds sections and authors, and creates authors met for the
// first time (sections must exist: a typo should not create a section).
type Taxonomy interface {
	SectionBySlug(ctx context.Context, slug string) (content.Section, error)
	AuthorBySlug(ctx context.Context, slug string) (content.Author, error)
	CreateAuthor(ctx context.Context, a *content.Author) error
}

// Creator stores a new article: content.Service in production.
type Creator interface {
	Create(ctx context.Context, a *content.Article) error
}

// Updater saves an existing article and finds one by slug, for imports
// that update what an earlier import made (see Importer.Update).
type Updater interface {
	Update(ctx context.Context, a *content.Article) error
	ArticleBySlug(ctx context.Context, slug string) (*content.Article, error)
}

// Images stores resized variants of a lead image: media.Dir.
type Images interface {
	SaveVariants(key string, img image.Image) (media.Saved, error)
}

// Importer imports Markdown files.
type Importer struct {
	Taxonomy Taxonomy
	Articles Creator
	Images   Images
	// DefaultLang is used when a file has no lang.
	DefaultLang string
	// Warn, when set, hears of a file imported with less than it asked
	// for: a lead image kept as JPEG only because its WebP versions could
	// not be made.
	Warn func(file string, err error)
	// Placeholder, when set, makes a lead image for files that name none.
	Placeholder func(slug string) image.Image
	// AdjustDate, when set, maps each file's date (the demo shifts its
	// articles so that the newest is recent).
	AdjustDate func(time.Time) time.Time
	// Update, when set, makes a file whose slug an article already has
	// update that article (a new revision) instead of failing: editing the
	// files and importing again edits the site. A file marked draft then
	// unpublishes a published article. Corrections in the file are added
	// only when the article is created.
	Update Updater
	// Links, when set, links each file naming the article it "translates"
	// to that article once every file is in (either may come first).
	Links Linker
}

// Linker finds articles by slug and links translations: the store.
type Linker interface {
	ArticleBySlug(ctx context.Context, slug string) (*content.Article, error)
	LinkTranslation(ctx context.Context, id, other int64) error
}

// Result lists what an import did.
type Result struct {
	Imported []string // slugs
	Errors   []error  // one per file that failed, as *LineError
}

// ImportFS imports every .md file under fsys, one transaction per file. A bad
// file is reported and skipped; the others still import.
func (im *Importer) ImportFS(ctx context.Context, fsys fs.FS) (Result, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(path.Ext(p), ".md") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("import: %w", err)
	}
	sort.Strings(files)
	var res Result
	type link struct{ file, slug, of string }
	var links []link
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		slug, fm, err := im.importFile(ctx, fsys, f)
		if err != nil {
			res.Errors = append(res.Errors, err)
			continue
		}
		res.Imported = append(res.Imported, slug)
		if fm.Translates != "" {
			links = append(links, link{f, slug, fm.Translates})
		}
	}
	if im.Links == nil {
		return res, nil
	}
	for _, l := range links {
		if err := im.link(ctx, l.slug, l.of); err != nil {
			res.Errors = append(res.Errors, &LineError{File: l.file, Err: err})
		}
	}
	return res, nil
}

// link makes the articles slug and of translations of each other; linking
// them again is no change.
func (im *Importer) link(ctx context.Context, slug, of string) error {
	a, err := im.Links.ArticleBySlug(ctx, slug)
	if err != nil {
		return fmt.Errorf("translates: %w", err)
	}
	other, err := im.Links.ArticleBySlug(ctx, of)
	if err != nil {
		return fmt.Errorf("translates %q: no article has that slug", of)
	}
	for _, t := range a.Translations {
		if t.ID == other.ID {
			return nil
		}
	}
	if err := im.Links.LinkTranslation(ctx, a.ID, other.ID); err != nil {
		return fmt.Errorf("translates %q: %w", of, err)
	}
	return nil
}

// ImportFile imports one file and returns the new article's slug.
func (im *Importer) ImportFile(ctx context.Context, fsys fs.FS, name string) (string, error) {
	slug, _, err := im.importFile(ctx, fsys, name)
	return slug, err
}

func (im *Importer) importFile(ctx context.Context, fsys fs.FS, name string) (string, FrontMatter, error) {
	var fm FrontMatter
	slug, err := im.importOne(ctx, fsys, name, &fm)
	return slug, fm, err
}

func (im *Importer) importOne(ctx context.Context, fsys fs.FS, name string, out *FrontMatter) (string, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return "", &LineError{File: name, Err: err}
	}
	if info.Size() > MaxFileSize {
		return "", &LineError{File: name, Err: fmt.Errorf("file is %d bytes; at most %d", info.Size(), MaxFileSize)}
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return "", &LineError{File: name, Err: err}
	}
	fm, body, err := Parse(name, data)
	if err != nil {
		return "", err
	}
	*out = *fm
	a, err := im.article(ctx, fsys, name, data, fm, body)
	if err != nil {
		return "", err
	}
	save := im.Articles.Create
	if im.Update != nil {
		if old, err := im.Update.ArticleBySlug(ctx, a.Slug); err == nil {
			a.ID, a.Version, a.CreatedAt, a.CreatedBy, a.Corrections = old.ID, old.Version, old.CreatedAt, old.CreatedBy, nil
			if a.Status == content.StatusDraft && old.Status != content.StatusDraft {
				a.Status, a.PublishedAt = content.StatusUnpublished, old.PublishedAt
			}
			if a.Image.Key == "" {
				a.Image = old.Image
			}
			save = im.Update.Update
		}
	}
	if err := save(ctx, a); err != nil {
		var fe content.FieldErrors
		line := 0
		if errors.As(err, &fe) {
			// The first offending key in the file; map order is random.
			for field := range fe {
				l := keyLine(data, frontMatterKey(field))
				if l == 0 && field == "alt" {
					l = keyLine(data, "image") // the photo needs a description
				}
				if l == 0 && field == "slug" {
					l = keyLine(data, "title") // the slug was made from it
				}
				if l > 0 && (line == 0 || l < line) {
					line = l
				}
			}
		} else if strings.Contains(err.Error(), "slug") {
			line = keyLine(data, "slug")
			if line == 0 {
				line = keyLine(data, "title")
			}
		}
		return "", &LineError{File: name, Line: line, Err: err}
	}
	return a.Slug, nil
}

func frontMatterKey(field string) string {
	switch field {
	case "headline":
		return "title"
	case "dek":
		return "summary"
	case "published_at":
		return "date"
	}
	return field
}

func (im *Importer) article(ctx context.Context, fsys fs.FS, name string, data []byte, fm *FrontMatter, body string) (*content.Article, error) {
	fail := func(key string, err error) error {
		return &LineError{File: name, Line: keyLine(data, key), Err: err}
	}
	a := &content.Article{
		Headline: fm.Title,
		Slug:     fm.Slug,
		Dek:      fm.Summary,
		Body:     body,
		Lang:     fm.Lang,
		Status:   content.StatusPublished,
	}
	if a.Dek == "" {
		a.Dek = fm.Description
	}
	if a.Lang == "" {
		a.Lang = im.DefaultLang
	}
	if a.Slug == "" {
		a.Slug = content.Slugify(fm.Title)
	}
	if fm.Draft {
		a.Status = content.StatusDraft
	}
	if strings.TrimSpace(fm.Title) == "" {
		return nil, fail("title", errors.New("title is required"))
	}
	if fm.Date == "" {
		if !fm.Draft {
			return nil, fail("title", errors.New("date is required for a published article"))
		}
	} else {
		t, err := parseDate(fm.Date)
		if err != nil {
			return nil, fail("date", err)
		}
		if im.AdjustDate != nil {
			t = im.AdjustDate(t)
		}
		a.PublishedAt = t
		a.CreatedAt = t
		a.UpdatedAt = t
	}
	if fm.Section == "" {
		return nil, fail("title", errors.New("section is required"))
	}
	sec, err := im.Taxonomy.SectionBySlug(ctx, fm.Section)
	if err != nil {
		return nil, fail("section", fmt.Errorf("unknown section %q: create it first", fm.Section))
	}
	a.Section = sec
	authors := fm.Authors
	if fm.Author != "" {
		authors = append([]string{fm.Author}, authors...)
	}
	for _, nameOrSlug := range authors {
		au, err := im.author(ctx, nameOrSlug)
		if err != nil {
			return nil, fail("authors", err)
		}
		// "author: Anna K" with "authors: [anna-k]" is one byline; the
		// store refuses an author twice on an article.
		if !slices.ContainsFunc(a.Authors, func(x content.Author) bool { return x.ID == au.ID }) {
			a.Authors = append(a.Authors, au)
		}
	}
	for _, t := range fm.Tags {
		name := strings.TrimSpace(t)
		if !strings.Contains(name, " ") {
			name = strings.ReplaceAll(name, "-", " ") // a slug-style tag: press-freedom
		}
		a.Tags = append(a.Tags, content.Tag{Name: name, Slug: content.Slugify(t)})
	}
	for _, c := range fm.Corrections {
		at, err := parseDate(c.Date)
		if err != nil {
			return nil, fail("corrections", err)
		}
		if im.AdjustDate != nil {
			at = im.AdjustDate(at)
		}
		a.Corrections = append(a.Corrections, content.Correction{CreatedAt: at, Text: strings.TrimSpace(c.Text)})
	}
	var img image.Image
	switch {
	case fm.Image != "":
		img, err = loadImage(fsys, path.Join(path.Dir(name), fm.Image))
		if err != nil {
			return nil, fail("image", err)
		}
	case im.Placeholder != nil:
		img = im.Placeholder(a.Slug)
	}
	if img != nil && im.Images != nil {
		sum := sha256.Sum256(data)
		key := content.Slugify(a.Slug)
		if len(key) > 60 {
			key = key[:60]
		}
		key = strings.Trim(key, "-") + "-" + hex.EncodeToString(sum[:4])
		saved, err := im.Images.SaveVariants(key, img)
		if err != nil {
			return nil, fail("image", err)
		}
		if saved.WebPErr != nil && im.Warn != nil {
			im.Warn(name, fmt.Errorf("WebP versions could not be made: %w; readers get JPEG", saved.WebPErr))
		}
		a.Image = content.Image{
			Key: key, Widths: saved.Widths, Width: saved.Width, Height: saved.Height,
			WebP: saved.WebP, Crops: saved.Crops,
			Alt: fm.Alt, Credit: fm.Credit, Caption: fm.Caption,
		}
		if a.Image.Alt == "" {
			a.Image.Alt = fm.Caption
		}
	}
	return a, nil
}

func (im *Importer) author(ctx context.Context, nameOrSlug string) (content.Author, error) {
	slug := nameOrSlug
	if !content.ValidSlug(slug) {
		slug = content.Slugify(nameOrSlug)
	}
	au, err := im.Taxonomy.AuthorBySlug(ctx, slug)
	if err == nil {
		return au, nil
	}
	au = content.Author{Slug: slug, Name: nameOrSlug}
	if err := im.Taxonomy.CreateAuthor(ctx, &au); err != nil {
		return au, fmt.Errorf("author %q: %w", nameOrSlug, err)
	}
	return au, nil
}

func loadImage(fsys fs.FS, p string) (image.Image, error) {
	info, err := fs.Stat(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", p, err)
	}
	if info.Size() > MaxImageSize {
		return nil, fmt.Errorf("image %s is %d bytes; at most %d", p, info.Size(), MaxImageSize)
	}
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", p, err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("image %s is not a JPEG, PNG or WebP file", p)
	}
	if cfg.Width*cfg.Height > MaxPixels || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("image %s is %d×%d pixels; at most %d pixels", p, cfg.Width, cfg.Height, MaxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("image %s (%s): %w", p, format, err)
	}
	return img, nil
}
