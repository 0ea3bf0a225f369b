package store

import (
	"context"
	"database/sql"
	"fmt"
)

// A backup's snapshot is a SQLite file that only ever serves as a Copy
// source or target: it needs no full-text index (every target makes its
// own), and building one would double its size and the backup's time.

// DropSearchIndex removes SQLite's full-text index and the triggers that
// keep it, from a snapshot about to be filled; rows copied in after it are
// then not indexed. Only for a backup's snapshot: a site needs its index.
func (s *Store) DropSearchIndex(ctx context.Context) error {
	if s.dialect.name != "sqlite" {
		return fmt.Errorf("drop search index: only a SQLite snapshot has one to drop")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DROP TRIGGER IF EXISTS articles_fts_insert`,
			`DROP TRIGGER IF EXISTS articles_fts_delete`,
			`DROP TRIGGER IF EXISTS articles_fts_update`,
			`DROP TABLE IF EXISTS articles_fts`,
			`DROP TRIGGER IF EXISTS articles_fts_hd_insert`,
			`DROP TRIGGER IF EXISTS articles_fts_hd_delete`,
			`DROP TRIGGER IF EXISTS articles_fts_hd_update`,
			`DROP TABLE IF EXISTS articles_fts_hd`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("drop search index: %w", err)
			}
		}
		return nil
	})
}

// OpenSnapshot opens a backup's SQLite snapshot as it is: when it is at
// this samizdat's schema version, nothing is migrated and no index is
// made; an older one is migrated as Open would (and gets its index).
func OpenSnapshot(ctx context.Context, path string) (*Store, error) {
	s, err := openSQLite(ctx, path)
	if err != nil {
		return nil, err
	}
	ms, err := s.migrations()
	if err != nil {
		s.Close()
		return nil, err
	}
	v, err := s.SchemaVersion(ctx)
	if err == nil && len(ms) > 0 && v == ms[len(ms)-1].version {
		return s, nil
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
