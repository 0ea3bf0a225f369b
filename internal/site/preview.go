package site

import (
	"net/http"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
)

// PreviewArticle renders a, saved or not, published or not, through the
// public article template exactly as readers will see it, masthead,
// byline, photo and caption included, but never cached, never indexed and
// without donation prompts or "Read more" (which depend on the reader and
// on other articles). The newsroom's editor shows it; it is not a route of
// the public site.
func (s *Site) PreviewArticle(r *http.Request, a *content.Article) ([]byte, error) {
	shown := *a
	if strings.Contains(shown.BodyHTML, "<table") {
		shown.BodyHTML = scrollableTables(shown.BodyHTML, s.catalog.Locale(shown.Lang))
	}
	l, err := s.newLayout(r, shown.Headline, shown.Dek)
	if err != nil {
		return nil, err
	}
	l.Lang = shown.Lang
	l.NoIndex = true
	l.Current = shown.Section.Slug
	if shown.Path() != "" {
		l.Canonical = s.conf().BaseURL + shown.Path()
	}
	data := struct {
		layout
		Article *content.Article
		Related []*content.Article
	}{layout: l, Article: &shown}
	return s.viewsFor(shown.Lang).Render("article", data)
}
