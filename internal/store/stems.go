package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
)

// stemsOf is an article's text as the search index reads it (migration
// 0010): headline, dek and body with their Cyrillic words stemmed.
func stemsOf(a *content.Article) (headline, dek, body string) {
	return content.IndexText(a.Headline), content.IndexText(a.Dek), content.IndexText(a.BodyText)
}

// searchIndexDDL is SQLite's full-text index over the index text
// (Cyrillic words stemmed) and its word pairs (search_pairs, pairs.go),
// kept in step by triggers. porter stems English; unicode61 folds case.
// Its rowid is the article's search key (migration 0012): within a
// language, rowid order is publication order, and only live and scheduled
// articles are in it. It keeps no copy of the text (contentless): search
// reads only its rowids, and the pairs are in no table. contentless_delete
// lets the triggers take a row out by its key.
const searchIndexDDL = `
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    search_headline, search_dek, search_body, search_pairs,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles WHEN new.search_key IS NOT NULL BEGIN
    INSERT INTO articles_fts (rowid, search_headline, search_dek, search_body, search_pairs)
    VALUES (new.search_key, new.search_headline, new.search_dek, new.search_body, search_pairs(new.headline, new.dek, new.body_text));
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles WHEN old.search_key IS NOT NULL BEGIN
    DELETE FROM articles_fts WHERE rowid = old.search_key;
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF search_headline, search_dek, search_body, lang, live_at ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.search_key;
    INSERT INTO articles_fts (rowid, search_headline, search_dek, search_body, search_pairs)
    SELECT new.search_key, new.search_headline, new.search_dek, new.search_body, search_pairs(new.headline, new.dek, new.body_text)
    WHERE new.search_key IS NOT NULL;
END;
INSERT INTO articles_fts (rowid, search_headline, search_dek, search_body, search_pairs)
    SELECT search_key, search_headline, search_dek, search_body, search_pairs(headline, dek, body_text) FROM articles WHERE search_key IS NOT NULL;`

// searchHeadDDL is a second full-text index over the headline and dek
// alone, with their word pairs (migration 0020's start-up step, pairs
// since 0025): search scores where the reader's words are (headline, dek)
// by asking it, since asking the whole index whether a phrase is in a
// headline reads every position of its words in every body. Same
// tokenizer, same keys, no copy of the text.
const searchHeadDDL = `
CREATE VIRTUAL TABLE articles_fts_hd USING fts5 (
    search_headline, search_dek, pairs_headline, pairs_dek,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_hd_insert AFTER INSERT ON articles WHEN new.search_key IS NOT NULL BEGIN
    INSERT INTO articles_fts_hd (rowid, search_headline, search_dek, pairs_headline, pairs_dek)
    VALUES (new.search_key, new.search_headline, new.search_dek, search_pairs(new.headline), search_pairs(new.dek));
END;
CREATE TRIGGER articles_fts_hd_delete AFTER DELETE ON articles WHEN old.search_key IS NOT NULL BEGIN
    DELETE FROM articles_fts_hd WHERE rowid = old.search_key;
END;
CREATE TRIGGER articles_fts_hd_update AFTER UPDATE OF search_headline, search_dek, lang, live_at ON articles BEGIN
    DELETE FROM articles_fts_hd WHERE rowid = old.search_key;
    INSERT INTO articles_fts_hd (rowid, search_headline, search_dek, pairs_headline, pairs_dek)
    SELECT new.search_key, new.search_headline, new.search_dek, search_pairs(new.headline), search_pairs(new.dek)
    WHERE new.search_key IS NOT NULL;
END;
INSERT INTO articles_fts_hd (rowid, search_headline, search_dek, pairs_headline, pairs_dek)
    SELECT search_key, search_headline, search_dek, search_pairs(headline), search_pairs(dek) FROM articles WHERE search_key IS NOT NULL;`

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
		if err := s.read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM sqlite_master WHERE name IN ('articles_fts', 'articles_fts_hd')) < 2`).Scan(&noIndex); err != nil {
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
		// Either index may be missing (a new database, migration 0020);
		// another process may have made it meanwhile.
		for _, ix := range []struct{ name, ddl string }{{"articles_fts", searchIndexDDL}, {"articles_fts_hd", searchHeadDDL}} {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = ?`, ix.name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, ix.ddl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("search stems: %w", err)
	}
	return nil
}

// writeSearchWords adds an article's words to search_words (migration
// 0020), which prefix search reads.
func (s *Store) writeSearchWords(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	return s.insertSearchWords(ctx, tx, content.SearchWords(a.Headline, a.Dek, a.BodyText))
}

// insertSearchWords adds words not yet in search_words, a few hundred a
// statement, in sorted order: two transactions adding the same words
// then take their keys in the same order, and neither waits on the other
// in a cycle (PostgreSQL).
func (s *Store) insertSearchWords(ctx context.Context, tx *sql.Tx, words []string) error {
	words = slices.Clone(words)
	slices.Sort(words)
	const chunk = 500
	for len(words) > 0 {
		n := min(chunk, len(words))
		args := make([]any, n)
		for i, w := range words[:n] {
			args[i] = w
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO search_words (word) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?),", n), ",")+` ON CONFLICT DO NOTHING`), args...); err != nil {
			return fmt.Errorf("search words: %w", err)
		}
		words = words[n:]
	}
	return nil
}

// finishSearchWords fills search_words from the articles stored before
// migration 0020, or copied in without it (a restore, migrate-db): at
// start, when the table is empty and articles are not. The articles are
// read a few hundred at a time, so memory stays bounded.
func (s *Store) finishSearchWords(ctx context.Context) error {
	var pending bool
	if err := s.read.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM search_words) AND EXISTS (SELECT 1 FROM articles)`).Scan(&pending); err != nil {
		return fmt.Errorf("search words: %w", err)
	}
	if !pending {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockMigrations(ctx, tx); err != nil {
			return err
		}
		const batch = 500
		for after := int64(0); ; {
			rows, err := tx.QueryContext(ctx, s.dialect.rebind(`SELECT id, headline, dek, body_text FROM articles WHERE id > ? ORDER BY id LIMIT ?`), after, batch)
			if err != nil {
				return err
			}
			seen := map[string]bool{}
			var words []string
			n := 0
			for rows.Next() {
				var headline, dek, body string
				if err := rows.Scan(&after, &headline, &dek, &body); err != nil {
					rows.Close()
					return err
				}
				n++
				for _, w := range content.SearchWords(headline, dek, body) {
					if !seen[w] {
						seen[w] = true
						words = append(words, w)
					}
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := s.insertSearchWords(ctx, tx, words); err != nil {
				return err
			}
			if n < batch {
				return nil
			}
		}
	})
	if err != nil {
		return fmt.Errorf("search words: %w", err)
	}
	return nil
}
