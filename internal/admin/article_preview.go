package admin

import (
	"net/http"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
)

// readerPreview renders the form's article through the public article
// template, byline, photo and caption included, for the preview frames.
// Nothing is saved; an article never published is shown as if published
// now.
func (a *Admin) readerPreview(r *http.Request, d *editData, art *content.Article, html, text string) error {
	if a.preview == nil {
		return nil
	}
	shown := *art
	shown.Headline, shown.Dek = strings.TrimSpace(shown.Headline), strings.TrimSpace(shown.Dek)
	shown.BodyHTML, shown.BodyText = html, text
	now := a.now().UTC().Truncate(1e9)
	if shown.PublishedAt.IsZero() {
		shown.PublishedAt = now
	}
	if shown.UpdatedAt.IsZero() {
		shown.CreatedAt, shown.UpdatedAt = now, now
	}
	if shown.Slug == "" {
		shown.Slug = content.Slugify(shown.Headline)
	}
	doc, err := a.preview.PreviewArticle(r, &shown)
	if err != nil {
		return err
	}
	d.PreviewDoc = string(doc)
	return nil
}
