package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/samizdat-press/samizdat/internal/content"
)

// stemsOf is an article's text as the search index reads it (migration
// 0010): headline, dek and body with their Cyrillic words stemmed.
func stemsOf(a *content.Article) (headline, dek, body string) {
	return content.IndexText(a.Headline), content.IndexText(a.Dek), content.IndexText(a.BodyText)
}

// searchIndexDDL is SQLite's full-text index: an external-content FTS5
// table over the index text (Cyrillic words stemmed), kept in step by
// triggers. porter stems English; unicode61 folds case. Its rowid is the
// article's search key (migration 0012): within a language, rowid order is
// publication order, and only live and scheduled articles are in it.
const searchIndexDDL = `
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    search_headline, search_dek, search_body,
    content = 'articles', content_rowid = 'search_key',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles WHEN new.search_key IS NOT NULL BEGIN
    INSERT INTO articles_fts (rowid, search_headline, search_dek, search_body)
    VALUES (new.search_key, new.search_headline, new.search_dek, new.search_body);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles WHEN old.search_key IS NOT NULL BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, search_headline, search_dek, search_body)
    VALUES ('delete', old.search_key, old.search_headline, old.search_dek, old.search_body);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF search_headline, search_dek, search_body, lang, live_at ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, search_headline, search_dek, search_body)
    SELECT 'delete', old.search_key, old.search_headline, old.search_dek, old.search_body WHERE old.search_key IS NOT NULL;
    INSERT INTO articles_fts (rowid, search_headline, search_dek, search_body)
    SELECT new.search_key, new.search_headline, new.search_dek, new.search_body WHERE new.search_key IS NOT NULL;
END;
INSERT INTO articles_fts (rowid, search_headline, search_dek, search_body)
    SELECT search_key, search_headline, search_dek, search_body FROM articles WHERE search_key IS NOT NULL;`

// finishStems completes migration 0010 and keeps it complete: it writes
// the index text of articles that have none (those stored before it, or
// copied in without it) and, on SQLite, makes the index again when the
// migration dropped it, in one transaction (a crash leaves the work to the
// next start). Pages do not show the index text, so nothing is recorded in
// the change feed.
func (s *Store) finishStems(ctx context.Context) error {
	sqlite := s.dialect.name == "sqlite"
	var pending, noIndex bool
	if err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM articles WHERE search_headline IS NULL)`).Scan(&pending); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if sqlite {
		if err := s.read.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'articles_fts')`).Scan(&noIndex); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	if !pending && !noIndex {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockMigrations(ctx, tx); err != nil {
			return err
		}
		// A few hundred articles at a time, so memory stays bounded
		// however large the archive.
		const batch = 500
		for after := int64(0); ; {
			rows, err := tx.QueryContext(ctx, s.dialect.rebind(`SELECT id, headline, dek, body_text FROM articles
				WHERE search_headline IS NULL AND id > ? ORDER BY id LIMIT ?`), after, batch)
			if err != nil {
				return err
			}
			var list []content.Article
			for rows.Next() {
				var a content.Article
				if err := rows.Scan(&a.ID, &a.Headline, &a.Dek, &a.BodyText); err != nil {
					rows.Close()
					return err
				}
				list = append(list, a)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for i := range list {
				h, d, b := stemsOf(&list[i])
				if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE articles SET search_headline = ?, search_dek = ?, search_body = ? WHERE id = ?`),
					h, d, b, list[i].ID); err != nil {
					return err
				}
				after = list[i].ID
			}
			if len(list) < batch {
				break
			}
		}
		if !sqlite {
			return nil
		}
		var n int // another process may have made it meanwhile
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'articles_fts'`).Scan(&n); err != nil || n > 0 {
			return err
		}
		_, err := tx.ExecContext(ctx, searchIndexDDL)
		return err
	})
	if err != nil {
		return fmt.Errorf("search stems: %w", err)
	}
	return nil
}
