package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// The admin dashboard's reads. Each reads one index and stops at its
// limit, so the morning page costs the same at 100 or 100,000 articles:
// articles by (status, updated_at) or (status, published_at), corrections
// by created_at, the ledger by at, the outbox's waiting and failed rows by
// their partial indexes (migration 0019).

// ArticlesByStatus returns up to limit articles in status, with their
// bylines, and how many there are in all: the most recently changed first,
// or, for the scheduled queue, the next to go live first.
func (s *Store) ArticlesByStatus(ctx context.Context, status content.Status, limit int) ([]*content.Article, int, error) {
	order := `updated_at DESC, id DESC`
	if status == content.StatusScheduled {
		order = `published_at, id`
	}
	ids, err := queryInts(ctx, s.read, s.dialect.rebind(`SELECT id FROM articles WHERE status = ? ORDER BY `+order+` LIMIT ?`), string(status), limit)
	if err != nil {
		return nil, 0, fmt.Errorf("articles %s: %w", status, err)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM articles WHERE status = ?`), string(status)).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count articles %s: %w", status, err)
	}
	list, err := s.articlesByIDs(ctx, ids)
	if err != nil {
		return nil, 0, fmt.Errorf("articles %s: %w", status, err)
	}
	return list, n, nil
}

// RecentCorrection is a correction with the article it corrects.
type RecentCorrection struct {
	ArticleID int64
	Headline  string
	Text      string
	At        time.Time
}

// RecentCorrections returns the newest corrections, up to limit.
func (s *Store) RecentCorrections(ctx context.Context, limit int) ([]RecentCorrection, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT c.article_id, a.headline, c.text, c.created_at
		FROM (SELECT article_id, text, created_at, id FROM corrections ORDER BY created_at DESC, id DESC LIMIT ?) c
		JOIN articles a ON a.id = c.article_id ORDER BY c.created_at DESC, c.id DESC`), limit)
	if err != nil {
		return nil, fmt.Errorf("recent corrections: %w", err)
	}
	defer rows.Close()
	var out []RecentCorrection
	for rows.Next() {
		var c RecentCorrection
		var at int64
		if err := rows.Scan(&c.ArticleID, &c.Headline, &c.Text, &at); err != nil {
			return nil, fmt.Errorf("recent corrections: %w", err)
		}
		c.At = time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent corrections: %w", err)
	}
	return out, nil
}

// SupportSince returns the ledger's net support in currency (gifts of every
// frequency, less refunds and disputes) from from until now, and how many
// gifts it counts.
func (s *Store) SupportSince(ctx context.Context, from time.Time, currency string) (amount int64, gifts int, err error) {
	err = s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COALESCE(SUM(amount), 0), COALESCE(SUM(CASE WHEN kind = 'gift' THEN 1 ELSE 0 END), 0)
		FROM ledger_entries WHERE at >= ? AND at <= ? AND LOWER(currency) = LOWER(?)`), from.Unix(), s.now().Unix(), currency).Scan(&amount, &gifts)
	if err != nil {
		return 0, 0, fmt.Errorf("support since %s: %w", from.Format(time.RFC3339), err)
	}
	return amount, gifts, nil
}

// MailQueue is the outbox as the newsroom sees it: what waits to be sent,
// since when, and what was given up on.
type MailQueue struct {
	Waiting int
	Oldest  time.Time // of the waiting; zero when none waits
	Failed  int
}

// MailQueue counts the waiting and the failed mail.
func (s *Store) MailQueue(ctx context.Context) (MailQueue, error) {
	var q MailQueue
	var oldest sql.NullInt64
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*), MIN(next_attempt_at) FROM mail_outbox
		WHERE sent_at IS NULL AND failed_at IS NULL`).Scan(&q.Waiting, &oldest); err != nil {
		return q, fmt.Errorf("mail queue: %w", err)
	}
	q.Oldest = fromUnix(oldest)
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE failed_at IS NOT NULL`).Scan(&q.Failed); err != nil {
		return q, fmt.Errorf("mail queue: %w", err)
	}
	return q, nil
}
