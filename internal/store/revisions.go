package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// snapshot is the JSON kept for each revision: the fields a writer edits.
type snapshot struct {
	Slug     string           `json:"slug"`
	Headline string           `json:"headline"`
	Dek      string           `json:"dek"`
	Body     string           `json:"body"`
	Lang     string           `json:"lang"`
	Status   string           `json:"status"`
	Section  content.Section  `json:"section"`
	Authors  []content.Author `json:"authors"`
	Tags     []content.Tag    `json:"tags"`
	Image    content.Image    `json:"image"`
	Publish  int64            `json:"published_at,omitempty"`
}

// writeRevision records the article as saved, in the save's transaction.
func (s *Store) writeRevision(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	b, err := json.Marshal(snapshotOf(a))
	if err != nil {
		return fmt.Errorf("revision: %w", err)
	}
	var editor any
	if a.EditedBy != 0 {
		editor = a.EditedBy
	}
	_, err = tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO article_revisions (article_id, version, user_id, created_at, snapshot)
		VALUES (?, ?, ?, ?, ?)`), a.ID, a.Version, editor, a.UpdatedAt.Unix(), string(b))
	if err != nil {
		return fmt.Errorf("revision %d of article %d: %w", a.Version, a.ID, err)
	}
	return nil
}

// Revisions lists an article's revisions, newest first.
func (s *Store) Revisions(ctx context.Context, articleID int64) ([]content.Revision, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT r.version, r.user_id, COALESCE(u.email, ''), r.created_at, r.snapshot
		FROM article_revisions r LEFT JOIN users u ON u.id = r.user_id
		WHERE r.article_id = ? ORDER BY r.version DESC`), articleID)
	if err != nil {
		return nil, fmt.Errorf("revisions of article %d: %w", articleID, err)
	}
	defer rows.Close()
	var out []content.Revision
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, fmt.Errorf("revisions of article %d: %w", articleID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Revision returns one revision of an article.
func (s *Store) Revision(ctx context.Context, articleID int64, version int) (content.Revision, error) {
	row := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT r.version, r.user_id, COALESCE(u.email, ''), r.created_at, r.snapshot
		FROM article_revisions r LEFT JOIN users u ON u.id = r.user_id
		WHERE r.article_id = ? AND r.version = ?`), articleID, version)
	r, err := scanRevision(row)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("revision %d of article %d: %w", version, articleID, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("revision %d of article %d: %w", version, articleID, err)
	}
	r.Article.ID = articleID
	return r, nil
}

func scanRevision(row scanner) (content.Revision, error) {
	var r content.Revision
	var editor sql.NullInt64
	var at int64
	var raw string
	if err := row.Scan(&r.Version, &editor, &r.Editor, &at, &raw); err != nil {
		return r, err
	}
	r.EditedBy = editor.Int64
	r.CreatedAt = time.Unix(at, 0).UTC()
	var snap snapshot
	if err := json.Unmarshal([]byte(raw), &snap); err != nil {
		return r, fmt.Errorf("revision %d: %w", r.Version, err)
	}
	r.Article = articleOf(snap)
	r.Article.Version = r.Version
	return r, nil
}

func snapshotOf(a *content.Article) snapshot {
	snap := snapshot{
		Slug: a.Slug, Headline: a.Headline, Dek: a.Dek, Body: a.Body, Lang: a.Lang, Status: string(a.Status),
		Section: a.Section, Authors: a.Authors, Tags: a.Tags, Image: a.Image,
	}
	if !a.PublishedAt.IsZero() {
		snap.Publish = a.PublishedAt.Unix()
	}
	return snap
}

func articleOf(snap snapshot) content.Article {
	a := content.Article{
		Slug: snap.Slug, Headline: snap.Headline, Dek: snap.Dek, Body: snap.Body, Lang: snap.Lang,
		Status: content.Status(snap.Status), Section: snap.Section, Authors: snap.Authors, Tags: snap.Tags,
		Image: snap.Image,
	}
	if snap.Publish != 0 {
		a.PublishedAt = time.Unix(snap.Publish, 0).UTC()
	}
	return a
}

// PublishDue publishes every scheduled article whose time has come and
// returns their IDs. It is one conditional UPDATE: running it twice, or on
// two nodes at once, publishes each article once.
func (s *Store) PublishDue(ctx context.Context, now time.Time) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.dialect.rebind(`UPDATE articles SET status = 'published', live_at = published_at
			WHERE status = 'scheduled' AND published_at IS NOT NULL AND published_at <= ? RETURNING id`), now.Unix())
		if err != nil {
			return fmt.Errorf("publish due: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			for _, q := range []string{
				`UPDATE article_authors SET live_at = (SELECT live_at FROM articles WHERE id = ?) WHERE article_id = ?`,
				`UPDATE article_tags SET live_at = (SELECT live_at FROM articles WHERE id = ?) WHERE article_id = ?`,
			} {
				if _, err := tx.ExecContext(ctx, s.dialect.rebind(q), id, id); err != nil {
					return fmt.Errorf("publish due: %w", err)
				}
			}
		}
		var keys []string
		for _, id := range ids {
			k, err := s.articleKeysTx(ctx, tx, id)
			if err != nil {
				return err
			}
			keys = append(keys, k...)
		}
		return s.recordChange(ctx, tx, keys...)
	})
	return ids, err
}

// RevisionsSince returns the number of the newest article revision and,
// for every article saved after revision after, the number of its first
// revision since. Revision numbers only grow, so a static export tells
// from them, exactly, which articles were saved since it began.
func (s *Store) RevisionsSince(ctx context.Context, after int64) (last int64, first map[int64]int64, err error) {
	if err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM article_revisions`).Scan(&last); err != nil {
		return 0, nil, fmt.Errorf("revisions: %w", err)
	}
	first = map[int64]int64{}
	if last <= after {
		return last, first, nil
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT article_id, MIN(id) FROM article_revisions
		WHERE id > ? AND id <= ? GROUP BY article_id`), after, last)
	if err != nil {
		return 0, nil, fmt.Errorf("revisions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var article, rev int64
		if err := rows.Scan(&article, &rev); err != nil {
			return 0, nil, fmt.Errorf("revisions: %w", err)
		}
		first[article] = rev
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("revisions: %w", err)
	}
	return last, first, nil
}
