package site

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

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
	// Self is the key other pages carry when they show the article.
	Self string
	// Summary identifies what those other pages show of the article (its
	// card): an edit that leaves it alone changes only the article's page.
	Summary string
	// Lists are the keys of the lists the article is in (every list of
	// its section, tags and authors, and the home page and feeds), and
	// Order its place in them: when either changes, every page of those
	// lists may shift.
	Lists []string
	Order int64
}

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
	card, err := s.views.RenderTemplate("article", "card", a)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(card)
	info.Self = depArticle(a.ID)
	info.Summary = hex.EncodeToString(sum[:16])
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
