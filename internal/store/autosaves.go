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

// Autosave is a draft the editor kept by itself: what one account had
// typed, on top of the saved version it started from.
type Autosave struct {
	Article   content.Article // the typed fields; Version is the base version
	UserID    int64
	CreatedAt time.Time
}

// StaleError says an autosave was refused because the article was saved
// since the writer opened it: by whom (an e-mail, empty if unknown), when,
// and as which version. It wraps ErrConflict.
type StaleError struct {
	Version int
	Editor  string
	EditBy  int64
	SavedAt time.Time
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("autosave: the article was saved as version %d at %s", e.Version, e.SavedAt.Format(time.RFC3339))
}

func (e *StaleError) Unwrap() error { return ErrConflict }

// SaveAutosave keeps a.Headline, Dek, Slug, Body and the other typed fields
// as userID's autosave of article a.ID, made on top of version a.Version.
// It writes no revision, bumps no version and records no change: nothing
// public changes. If the article was saved since a.Version it fails with a
// *StaleError, so a stale autosave never lands on a newer saved revision;
// an autosave older than the one kept (a request that arrived late) is
// dropped.
func (s *Store) SaveAutosave(ctx context.Context, userID int64, a *content.Article) (time.Time, error) {
	now := s.now().UTC().Truncate(time.Second)
	b, err := json.Marshal(snapshotOf(a))
	if err != nil {
		return now, fmt.Errorf("autosave: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var version int
		var updated int64
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT version, updated_at FROM articles WHERE id = ?`), a.ID).Scan(&version, &updated)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("autosave of article %d: %w", a.ID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("autosave of article %d: %w", a.ID, err)
		}
		if version != a.Version {
			stale := &StaleError{Version: version, SavedAt: time.Unix(updated, 0).UTC()}
			var editor sql.NullInt64
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT r.user_id, COALESCE(u.email, '') FROM article_revisions r
				LEFT JOIN users u ON u.id = r.user_id WHERE r.article_id = ? AND r.version = ?`), a.ID, version).Scan(&editor, &stale.Editor)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("autosave of article %d: %w", a.ID, err)
			}
			stale.EditBy = editor.Int64
			return stale
		}
		_, err = tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO article_autosaves (article_id, user_id, base_version, created_at, snapshot)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (article_id, user_id) DO UPDATE SET base_version = excluded.base_version,
				created_at = excluded.created_at, snapshot = excluded.snapshot
			WHERE article_autosaves.base_version < excluded.base_version
				OR article_autosaves.base_version = excluded.base_version AND article_autosaves.created_at <= excluded.created_at`),
			a.ID, userID, a.Version, now.Unix(), string(b))
		if err != nil {
			return fmt.Errorf("autosave of article %d: %w", a.ID, err)
		}
		return nil
	})
	return now, err
}

// LatestAutosave returns userID's autosave of the article if it was made on
// top of the version saved now, so that it holds changes newer than that
// version; otherwise ErrNotFound.
func (s *Store) LatestAutosave(ctx context.Context, articleID, userID int64) (Autosave, error) {
	var as Autosave
	var at int64
	var raw string
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT s.base_version, s.created_at, s.snapshot
		FROM article_autosaves s JOIN articles a ON a.id = s.article_id
		WHERE s.article_id = ? AND s.user_id = ? AND s.base_version = a.version`), articleID, userID).Scan(&as.Article.Version, &at, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return as, fmt.Errorf("autosave of article %d: %w", articleID, ErrNotFound)
	}
	if err != nil {
		return as, fmt.Errorf("autosave of article %d: %w", articleID, err)
	}
	var snap snapshot
	if err := json.Unmarshal([]byte(raw), &snap); err != nil {
		return as, fmt.Errorf("autosave of article %d: %w", articleID, err)
	}
	v := as.Article.Version
	as.Article = articleOf(snap)
	as.Article.ID, as.Article.Version = articleID, v
	as.UserID, as.CreatedAt = userID, time.Unix(at, 0).UTC()
	return as, nil
}

// DiscardAutosave forgets userID's autosave of the article (the writer
// chose not to restore it).
func (s *Store) DiscardAutosave(ctx context.Context, articleID, userID int64) error {
	_, err := s.write.ExecContext(ctx, s.dialect.rebind(`DELETE FROM article_autosaves WHERE article_id = ? AND user_id = ?`), articleID, userID)
	if err != nil {
		return fmt.Errorf("discard autosave of article %d: %w", articleID, err)
	}
	return nil
}
