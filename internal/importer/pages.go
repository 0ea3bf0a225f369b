package importer

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Pages stores static pages: the store.
type Pages interface {
	CreatePage(ctx context.Context, p *content.Page) error
	UpdatePage(ctx context.Context, p *content.Page) error
	PageByID(ctx context.Context, id int64) (*content.Page, error)
	PageBySlug(ctx context.Context, lang, slug string) (*content.Page, error)
}

// putPage stores a page of the old site as a static page. The page and
// the record of its import are two transactions: a crash between them
// makes the next run store the page again under a suffixed slug, which
// the report lists.
func (a *Archive) putPage(ctx context.Context, pr *prepared) error {
	d := pr.d
	if a.Pages == nil {
		a.Report.Skip("pages (this site stores no pages)")
		return nil
	}
	counts := a.Report.counts(KindPage)
	if pr.unchanged {
		counts.Unchanged++
		return nil
	}
	var old *content.Page
	var err error
	if pr.found {
		old, err = a.Pages.PageByID(ctx, pr.ref.LocalID)
		if errors.Is(err, store.ErrNotFound) {
			a.Report.skip(d, "deleted here since an earlier import")
			return nil
		}
		if err != nil {
			return err
		}
	}
	p := &content.Page{Title: strings.TrimSpace(d.Title), Lang: a.lang(d), Status: content.StatusDraft}
	if p.Title == "" {
		p.Title = "(untitled)"
		a.Report.note(d, "had no title: stored as “(untitled)”")
	}
	switch d.Status {
	case content.StatusPublished:
		p.Status = content.StatusPublished
	case content.StatusScheduled:
		a.Report.note(d, "was scheduled: pages here are published or drafts, so it is a draft")
	}
	if d.MenuOrder > 0 && d.MenuOrder <= content.MaxMenuOrder {
		p.MenuOrder = d.MenuOrder
	}
	if !d.CreatedAt.IsZero() {
		p.CreatedAt = d.CreatedAt.UTC()
		p.UpdatedAt = p.CreatedAt
	}
	p.Body = pr.body
	if d.Lead != nil {
		// A page has no lead photo: its photo leads the body.
		if img := pr.lead; img.Present() {
			ref := a.Photos.body(img.Key, mediaSaved(img))
			fig := `<figure><img src="` + ref.Src + `" alt="` + htmlAttr(img.Alt) + `" width="` + strconv.Itoa(ref.Width) +
				`" height="` + strconv.Itoa(ref.Height) + `" loading="lazy">`
			if img.Caption != "" {
				fig += "<figcaption>" + htmlAttr(img.Caption) + "</figcaption>"
			}
			p.Body = fig + "</figure>\n" + p.Body
		}
	}
	if old != nil {
		p.ID, p.Version, p.Slug, p.CreatedAt, p.TranslationOf = old.ID, old.Version, old.Slug, old.CreatedAt, old.TranslationOf
		if p.MenuOrder == 0 {
			p.MenuOrder = old.MenuOrder // put in the menu here
		}
	} else if p.Slug, err = a.freePageSlug(ctx, d, p.Lang, itemSlug(d)); err != nil {
		return err
	}
	if a.DryRun {
		if err := p.Prepare(a.Renderer); err != nil {
			return itemErr(err)
		}
	} else {
		save := a.Pages.CreatePage
		if old != nil {
			save = a.Pages.UpdatePage
		}
		if err := save(ctx, p); err != nil {
			if errors.Is(err, content.ErrInvalid) || errors.Is(err, store.ErrConflict) {
				return itemErr(err)
			}
			return err
		}
		if err := a.Store.PutImportRef(ctx, store.ImportRef{Source: a.Source, Kind: KindPage, SourceID: d.SourceID, LocalID: p.ID, Hash: pr.sum}); err != nil {
			return err
		}
	}
	if old != nil {
		counts.Updated++
	} else {
		counts.Created++
	}
	if p.Live() {
		main := a.MainLang
		if main == "" {
			main = a.Lang
		}
		for _, from := range d.OldPaths {
			if err := a.redirect(ctx, from, p.Path(main)); err != nil {
				return err
			}
		}
	}
	return nil
}

// freePageSlug returns a slug no page of lang and no section has,
// suffixed when taken (and reported).
func (a *Archive) freePageSlug(ctx context.Context, d *Doc, lang, slug string) (string, error) {
	base := slug
	if content.ReservedPageSlug(slug) != "" {
		slug += "-page"
	}
	for n := 2; ; n++ {
		taken := a.claimed["page:"+lang+":"+slug]
		if !taken {
			_, err := a.Pages.PageBySlug(ctx, lang, slug)
			switch {
			case err == nil:
				taken = true
			case !errors.Is(err, store.ErrNotFound):
				return "", err
			}
		}
		if !taken {
			if _, err := a.Store.SectionBySlug(ctx, slug); err == nil {
				taken = true
			}
		}
		if !taken {
			break
		}
		suffix := "-" + strconv.Itoa(n)
		slug = strings.TrimRight(truncate(base, content.MaxSlug-len(suffix)), "-") + suffix
	}
	if slug != base {
		a.Report.rename(Renamed{Item: describe(d), From: base, To: slug})
	}
	if a.DryRun {
		a.claimed["page:"+lang+":"+slug] = true
	}
	return slug, nil
}
