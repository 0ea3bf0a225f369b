// Package demo fills an empty database with a small newsroom written for
// samizdat: The Northern Ledger, reporting from exile on a fictional
// country. Articles are Markdown files imported like any other site's;
// their lead images are drawn here, so nothing is downloaded.
package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/importer"
)

//go:embed site.yaml pages.yaml articles
var files embed.FS

type siteFile struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Language    string            `yaml:"language"`
	Sections    []content.Section `yaml:"sections"`
	Authors     []content.Author  `yaml:"authors"`
	// Names are the other languages' forms of sections, authors and tags:
	// kind, then slug, then language.
	Names map[content.NameKind]map[string]map[string]string `yaml:"names"`
}

// Store is what the demo writes besides articles.
type Store interface {
	importer.Taxonomy
	Sections(ctx context.Context) ([]content.Section, error)
	CreateSection(ctx context.Context, s *content.Section) error
	SetSetting(ctx context.Context, key, value string) error
	importer.Linker
	SetNameForm(ctx context.Context, k content.NameKey, name string) error
	Tags(ctx context.Context) ([]content.Tag, error)
	CreatePage(ctx context.Context, p *content.Page) error
}

// Load fills the database when it has no sections yet and returns how many
// articles it imported; on a database with content it does nothing.
func Load(ctx context.Context, st Store, articles importer.Creator, images importer.Images) (int, error) {
	secs, err := st.Sections(ctx)
	if err != nil {
		return 0, err
	}
	if len(secs) > 0 {
		return 0, nil
	}
	b, err := files.ReadFile("site.yaml")
	if err != nil {
		return 0, err
	}
	var sf siteFile
	if err := yaml.Unmarshal(b, &sf); err != nil {
		return 0, fmt.Errorf("site.yaml: %w", err)
	}
	for _, kv := range [][2]string{{"site.name", sf.Name}, {"site.description", sf.Description}, {"site.lang", sf.Language}} {
		if err := st.SetSetting(ctx, kv[0], kv[1]); err != nil {
			return 0, err
		}
	}
	logo := Logo()
	if saved, err := images.SaveVariants("demo-logo", logo); err != nil {
		return 0, fmt.Errorf("demo logo: %w", err)
	} else if saved.Width > 0 {
		if err := st.SetSetting(ctx, "site.logo", fmt.Sprintf("demo-logo %d %d", saved.Width, saved.Height)); err != nil {
			return 0, err
		}
	}
	for i := range sf.Sections {
		if err := st.CreateSection(ctx, &sf.Sections[i]); err != nil {
			return 0, err
		}
	}
	for i := range sf.Authors {
		if err := st.CreateAuthor(ctx, &sf.Authors[i]); err != nil {
			return 0, err
		}
	}
	sub, err := fs.Sub(files, "articles")
	if err != nil {
		return 0, err
	}
	newest, err := newestDate(sub)
	if err != nil {
		return 0, err
	}
	// Shift every date so that the newest article is an hour old: the demo
	// looks alive whenever it is started, and the news sitemap has entries.
	shift := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute).Sub(newest)
	im := &importer.Importer{
		Taxonomy:    st,
		Articles:    articles,
		Images:      images,
		DefaultLang: sf.Language,
		Placeholder: Picture,
		Links:       st,
		AdjustDate: func(t time.Time) time.Time {
			// Corrections may be dated after the newest article: keep them in the past.
			latest := time.Now().UTC().Add(-5 * time.Minute).Truncate(time.Minute)
			if t = t.Add(shift); t.After(latest) {
				return latest
			}
			return t
		},
	}
	res, err := im.ImportFS(ctx, sub)
	if err != nil {
		return 0, err
	}
	if len(res.Errors) > 0 {
		return len(res.Imported), fmt.Errorf("demo article: %w", res.Errors[0])
	}
	if err := loadNames(ctx, st, sf.Names); err != nil {
		return len(res.Imported), err
	}
	return len(res.Imported), loadPages(ctx, st)
}

// demoPage is one page of pages.yaml.
type demoPage struct {
	Slug       string `yaml:"slug"`
	Lang       string `yaml:"lang"`
	Title      string `yaml:"title"`
	Menu       int    `yaml:"menu"`
	Translates string `yaml:"translates"` // the slug of the page it translates
	Body       string `yaml:"body"`
}

// loadPages stores the static pages of pages.yaml, live and in the footer
// menu, each translation linked to its original.
func loadPages(ctx context.Context, st Store) error {
	b, err := files.ReadFile("pages.yaml")
	if err != nil {
		return err
	}
	var pages []demoPage
	if err := yaml.Unmarshal(b, &pages); err != nil {
		return fmt.Errorf("pages.yaml: %w", err)
	}
	ids := map[string]int64{}
	for _, dp := range pages {
		p := &content.Page{Slug: dp.Slug, Lang: dp.Lang, Title: dp.Title, Body: dp.Body, Status: content.StatusPublished,
			MenuOrder: dp.Menu}
		if dp.Translates != "" {
			if p.TranslationOf = ids[dp.Translates]; p.TranslationOf == 0 {
				return fmt.Errorf("pages.yaml: %s translates %q, which comes later or not at all", dp.Slug, dp.Translates)
			}
		}
		if err := st.CreatePage(ctx, p); err != nil {
			return fmt.Errorf("demo page %s: %w", dp.Slug, err)
		}
		ids[dp.Slug] = p.ID
	}
	return nil
}

// loadNames stores the name forms of site.yaml, once the articles have
// made the tags.
func loadNames(ctx context.Context, st Store, names map[content.NameKind]map[string]map[string]string) error {
	ids := map[content.NameKind]map[string]int64{content.NameSection: {}, content.NameAuthor: {}, content.NameTag: {}}
	secs, err := st.Sections(ctx)
	if err != nil {
		return err
	}
	for _, s := range secs {
		ids[content.NameSection][s.Slug] = s.ID
	}
	tags, err := st.Tags(ctx)
	if err != nil {
		return err
	}
	for _, t := range tags {
		ids[content.NameTag][t.Slug] = t.ID
	}
	for slug := range names[content.NameAuthor] {
		a, err := st.AuthorBySlug(ctx, slug)
		if err != nil {
			return fmt.Errorf("site.yaml names: author %s: %w", slug, err)
		}
		ids[content.NameAuthor][slug] = a.ID
	}
	for kind, bySlug := range names {
		for slug, forms := range bySlug {
			id, ok := ids[kind][slug]
			if !ok {
				return fmt.Errorf("site.yaml names: no %s %q", kind, slug)
			}
			for lang, name := range forms {
				if err := st.SetNameForm(ctx, content.NameKey{Kind: kind, ID: id, Lang: lang}, name); err != nil {
					return fmt.Errorf("site.yaml names: %s %s in %s: %w", kind, slug, lang, err)
				}
			}
		}
	}
	return nil
}

func newestDate(fsys fs.FS) (time.Time, error) {
	var newest time.Time
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fm, _, err := importer.Parse(p, b)
		if err != nil {
			return err
		}
		if t, err := time.Parse(time.RFC3339, fm.Date); err == nil && t.After(newest) {
			newest = t
		}
		return nil
	})
	if newest.IsZero() {
		newest = time.Now()
	}
	return newest, err
}
