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

// Change tells listeners (the page cache, later mirrors and newsletters)
// that an article was saved. Before is nil for a new article.
type Change struct {
	Before, After *Article
}

// Service is the one way articles are written: it validates, renders the
// Markdown once, stores, and announces the change.
type Service struct {
	repo      Repository
	renderer  *Renderer
	listeners []func(context.Context, Change)
	now       func() time.Time
}

// NewService returns a Service writing through repo.
func NewService(repo Repository, r *Renderer) *Service {
	return &Service{repo: repo, renderer: r, now: time.Now}
}

// OnChange registers fn to be called after every successful save.
func (s *Service) OnChange(fn func(context.Context, Change)) {
	s.listeners = append(s.listeners, fn)
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

func (s *Service) prepare(a *Article) error {
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
	html, text, err := s.renderer.Render(a.Body)
	if err != nil {
		return err
	}
	a.BodyHTML, a.BodyText = html, text
	return nil
}

// Create validates, renders and stores a new article.
func (s *Service) Create(ctx context.Context, a *Article) error {
	if err := s.prepare(a); err != nil {
		return err
	}
	if err := s.repo.CreateArticle(ctx, a); err != nil {
		return err
	}
	s.notify(ctx, Change{After: a})
	return nil
}

// Update validates, renders and saves changes to an existing article.
func (s *Service) Update(ctx context.Context, a *Article) error {
	before, err := s.repo.ArticleByID(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("update article: %w", err)
	}
	if err := s.prepare(a); err != nil {
		return err
	}
	if err := s.repo.UpdateArticle(ctx, a); err != nil {
		return err
	}
	s.notify(ctx, Change{Before: before, After: a})
	return nil
}

func (s *Service) notify(ctx context.Context, c Change) {
	for _, fn := range s.listeners {
		fn(ctx, c)
	}
}

// PublishDue publishes scheduled articles whose time has come and announces
// each. The store's update is conditional, so running it on every node, or
// again after a restart, publishes each article once.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	ids, err := s.repo.PublishDue(ctx, s.now())
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		a, err := s.repo.ArticleByID(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("publish due: %w", err)
		}
		before := *a
		before.Status = StatusScheduled
		s.notify(ctx, Change{Before: &before, After: a})
	}
	return len(ids), nil
}

// SetClock replaces the service's clock; tests use it.
func (s *Service) SetClock(now func() time.Time) { s.now = now }
