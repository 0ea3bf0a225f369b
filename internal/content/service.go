package content

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Repository is what the content service needs from storage.
type Repository interface {
	CreateArticle(ctx context.Context, a *Article) error
	UpdateArticle(ctx context.Context, a *Article) error
	ArticleByID(ctx context.Context, id int64) (*Article, error)
	PublishDue(ctx context.Context, now time.Time) ([]int64, error)
}

// Service is the one way articles are written: it validates, renders the
// Markdown once and stores. The store records what each save changed in
// the same transaction, for every node to follow.
type Service struct {
	repo     Repository
	renderer *Renderer
	now      func() time.Time
}

// NewService returns a Service writing through repo.
func NewService(repo Repository, r *Renderer) *Service {
	return &Service{repo: repo, renderer: r, now: time.Now}
}

// stripControls removes control characters other than tab and newline:
// they have no place in prose, and search uses two of them as markers.
func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

func (s *Service) prepare(ctx context.Context, a *Article) error {
	for _, f := range []*string{&a.Headline, &a.Dek, &a.Body, &a.Image.Alt, &a.Image.Credit, &a.Image.Caption} {
		*f = stripControls(*f)
	}
	a.Headline = strings.TrimSpace(a.Headline)
	a.Dek = strings.TrimSpace(a.Dek)
	if a.Slug == "" {
		a.Slug = Slugify(a.Headline)
	}
	if a.Status == "" {
		a.Status = StatusDraft
	}
	if a.Status == StatusPublished && a.PublishedAt.IsZero() {
		a.PublishedAt = s.now().UTC().Truncate(time.Second) // publishing now
	}
	if err := a.Validate(); err != nil {
		return err
	}
	images, err := s.bodyImages(ctx, a.Body)
	if err != nil {
		return err
	}
	html, text, err := s.renderer.RenderFigures(a.Body, images)
	if err != nil {
		return err
	}
	a.BodyHTML, a.BodyText = html, text
	return nil
}

// bodyImages looks up the body's figures in the media library, when the
// repository keeps one.
func (s *Service) bodyImages(ctx context.Context, body string) (map[string]Image, error) {
	bi, ok := s.repo.(BodyImages)
	keys := BodyImageKeys(body)
	if !ok || len(keys) == 0 {
		return nil, nil
	}
	images, err := bi.ImagesByKey(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("body images: %w", err)
	}
	return images, nil
}

// RenderBody renders a body as a save would, figures included, without
// saving: for previews.
func (s *Service) RenderBody(ctx context.Context, body string) (htmlOut, text string, err error) {
	images, err := s.bodyImages(ctx, body)
	if err != nil {
		return "", "", err
	}
	return s.renderer.RenderFigures(body, images)
}

// Create validates, renders and stores a new article.
func (s *Service) Create(ctx context.Context, a *Article) error {
	if err := s.prepare(ctx, a); err != nil {
		return err
	}
	return s.repo.CreateArticle(ctx, a)
}

// Update validates, renders and saves changes to an existing article.
func (s *Service) Update(ctx context.Context, a *Article) error {
	if err := s.prepare(ctx, a); err != nil {
		return err
	}
	return s.repo.UpdateArticle(ctx, a)
}

// PublishDue marks scheduled articles whose time has come as published.
// Readers see them from their time on without it (a scheduled article is
// live by its clock); this is the newsroom's record that they went out.
// The store's update is conditional, so running it on every node, or again
// after a restart, publishes each article once.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	ids, err := s.repo.PublishDue(ctx, s.now())
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// SetClock replaces the service's clock; tests use it.
func (s *Service) SetClock(now func() time.Time) { s.now = now }
