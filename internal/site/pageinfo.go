package site

import (
	"context"

	"github.com/samizdat-press/samizdat/internal/content"
)

// PageInfo is what rendering a page tells a static export, so that the
// next export can re-render only the pages an edit touches instead of the
// whole site. Only requests that carry one (WithPageInfo) fill it.
type PageInfo struct {
	// Deps are the page's dependency keys, the same the page cache keeps.
	Deps []string
	// The rest describe an article's own page; Self is empty on others.
	//
	// Self is the key other pages carry when they show the article, and
	// Article its number.
	Self    string
	Article int64
	// Card is what other pages show of the article, byte for byte as they
	// embed it, between CardStart and CardEnd. An edit that leaves it alone
	// changes only the article's own page; one that changes it may be
	// carried to those pages by putting the new card in place of the old.
	Card []byte
	// Lists are the keys of the lists the article is in (every list of
	// its section, tags and authors, and the home page and feeds), and
	// Order its place in them: when either changes, every page of those
	// lists may shift.
	Lists []string
	Order int64
}

// CardStart and CardEnd delimit an article's card (the "card" template)
// in the pages that list it.
const (
	CardStart = `<article class="card"`
	CardEnd   = `</article>`
)

// Unpatchable mark the pages that show an article otherwise than as its
// card: a lead story, and a card whose photo loads at once (the first of
// a list), whose bytes differ from the card. An update of a static
// export renders such pages again rather than patching their cards.
var Unpatchable = []string{`<article class="leadstory"`, `<article class="card eager"`}

type pageInfoKey struct{}

// WithPageInfo returns a context whose request, served by the site, fills
// info.
func WithPageInfo(ctx context.Context, info *PageInfo) context.Context {
	return context.WithValue(ctx, pageInfoKey{}, info)
}

func pageInfoFrom(ctx context.Context) *PageInfo {
	info, _ := ctx.Value(pageInfoKey{}).(*PageInfo)
	return info
}

// describeArticle fills info for an article's own page.
func (s *Site) describeArticle(info *PageInfo, a *content.Article) error {
	// The card as lists show it below the first screen (see Unpatchable).
	card, err := s.viewsFor(a.Lang).RenderTemplate("article", "card", cardAt(a, 0, 0))
	if err != nil {
		return err
	}
	info.Self, info.Article = depArticle(a.ID), a.ID
	info.Card = card
	info.Lists = []string{depAll, depSection(a.Section.ID)}
	for _, t := range a.Tags {
		info.Lists = append(info.Lists, depTag(t.ID))
	}
	for _, au := range a.Authors {
		info.Lists = append(info.Lists, depAuthor(au.ID))
	}
	info.Order = a.PublishedAt.Unix()
	return nil
}
