package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// IndexedArticle is what a filter over the live articles needs of each,
// without bodies: the Content API keeps these for every live article in
// memory and answers its filters, orders and counts from them.
type IndexedArticle struct {
	ID          int64
	Slug        string
	Title       string
	Lang        string
	SectionSlug string
	PublishedAt time.Time
	UpdatedAt   time.Time
	CreatedAt   time.Time
	Tags        []string // tag slugs, by name as the article page lists them
	Authors     []string // author slugs, in byline order
}

// ArticleIndex returns every live article, newest first, with its tags and
// bylines: three queries whatever the number of articles.
func (s *Store) ArticleIndex(ctx context.Context) ([]IndexedArticle, error) {
	now := s.now().Unix()
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT a.id, a.slug, a.headline, a.lang, s.slug,
		a.live_at, a.updated_at, a.created_at
		FROM articles a JOIN sections s ON s.id = a.section_id
		WHERE a.live_at IS NOT NULL AND a.live_at <= ? ORDER BY a.live_at DESC, a.id DESC`), now)
	if err != nil {
		return nil, fmt.Errorf("article index: %w", err)
	}
	defer rows.Close()
	var out []IndexedArticle
	pos := map[int64]int{}
	for rows.Next() {
		var a IndexedArticle
		var pub, upd, created int64
		if err := rows.Scan(&a.ID, &a.Slug, &a.Title, &a.Lang, &a.SectionSlug, &pub, &upd, &created); err != nil {
			return nil, fmt.Errorf("article index: %w", err)
		}
		a.PublishedAt, a.UpdatedAt, a.CreatedAt = time.Unix(pub, 0).UTC(), time.Unix(upd, 0).UTC(), time.Unix(created, 0).UTC()
		pos[a.ID] = len(out)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("article index: %w", err)
	}
	rows.Close()
	links := func(q string, add func(a *IndexedArticle, slug string)) error {
		rows, err := s.read.QueryContext(ctx, s.dialect.rebind(q), now)
		if err != nil {
			return fmt.Errorf("article index: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var slug string
			if err := rows.Scan(&id, &slug); err != nil {
				return fmt.Errorf("article index: %w", err)
			}
			if i, ok := pos[id]; ok {
				add(&out[i], slug)
			}
		}
		return rows.Err()
	}
	if err := links(`SELECT x.article_id, t.slug FROM article_tags x JOIN tags t ON t.id = x.tag_id
		WHERE x.live_at IS NOT NULL AND x.live_at <= ? ORDER BY x.article_id, t.name, t.id`,
		func(a *IndexedArticle, slug string) { a.Tags = append(a.Tags, slug) }); err != nil {
		return nil, err
	}
	if err := links(`SELECT x.article_id, au.slug FROM article_authors x JOIN authors au ON au.id = x.author_id
		WHERE x.live_at IS NOT NULL AND x.live_at <= ? ORDER BY x.article_id, x.position`,
		func(a *IndexedArticle, slug string) { a.Authors = append(a.Authors, slug) }); err != nil {
		return nil, err
	}
	return out, nil
}

// ImportedIDs maps the local IDs of what an import made of one kind of a
// source's items to the IDs the source gave them.
func (s *Store) ImportedIDs(ctx context.Context, source, kind string) (map[int64]string, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT local_id, source_id FROM import_refs
		WHERE source = ? AND kind = ?`), source, kind)
	if err != nil {
		return nil, fmt.Errorf("imported %s %s ids: %w", source, kind, err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var src sql.NullString
		if err := rows.Scan(&id, &src); err != nil {
			return nil, fmt.Errorf("imported %s %s ids: %w", source, kind, err)
		}
		out[id] = src.String
	}
	return out, rows.Err()
}

// NewestChange is the sequence of the change feed's newest row: a test or
// a tool waits for a node's feed to reach it.
func (s *Store) NewestChange(ctx context.Context) (int64, error) {
	_, newest, err := s.changeBounds(ctx)
	return newest, err
}
