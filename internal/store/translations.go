package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/samizdat-press/samizdat/internal/content"
)

// Errors of LinkTranslation, each saying what an editor must change.
var (
	ErrTranslationSelf     = fmt.Errorf("%w: an article cannot be its own translation", content.ErrInvalid)
	ErrTranslationSameLang = fmt.Errorf("%w: a translation must be in another language", content.ErrInvalid)
	ErrTranslationTaken    = fmt.Errorf("%w: that language already has a linked translation; unlink it first", content.ErrInvalid)
)

// LinkTranslation records that articles id and other translate each other.
// Each joins the other's group; a group holds one article per language.
func (s *Store) LinkTranslation(ctx context.Context, id, other int64) error {
	if id == other {
		return ErrTranslationSelf
	}
	var keys []string
	return s.inTx(ctx, func(tx *sql.Tx) error {
		langs := map[int64]string{}
		for _, aid := range []int64{id, other} {
			var lang string
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT lang FROM articles WHERE id = ?`), aid).Scan(&lang)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("article %d: %w", aid, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("link translation: %w", err)
			}
			langs[aid] = lang
		}
		if langs[id] == langs[other] {
			return ErrTranslationSameLang
		}
		gID, err := translationGroup(ctx, s, tx, id)
		if err != nil {
			return err
		}
		gOther, err := translationGroup(ctx, s, tx, other)
		if err != nil {
			return err
		}
		if gID != 0 && gID == gOther {
			return nil // already linked
		}
		// Each group may gain only languages it lacks; the merged group
		// must keep one article per language.
		members := map[string]int64{}
		for _, g := range []int64{gID, gOther} {
			if g == 0 {
				continue
			}
			rows, err := tx.QueryContext(ctx, s.dialect.rebind(`SELECT a.id, a.lang FROM article_translations x
				JOIN articles a ON a.id = x.article_id WHERE x.grp = ?`), g)
			if err != nil {
				return fmt.Errorf("link translation: %w", err)
			}
			for rows.Next() {
				var mid int64
				var lang string
				if err := rows.Scan(&mid, &lang); err != nil {
					rows.Close()
					return fmt.Errorf("link translation: %w", err)
				}
				if prev, ok := members[lang]; ok && prev != mid {
					rows.Close()
					return ErrTranslationTaken
				}
				members[lang] = mid
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("link translation: %w", err)
			}
		}
		for _, aid := range []int64{id, other} {
			if prev, ok := members[langs[aid]]; ok && prev != aid {
				return ErrTranslationTaken
			}
			members[langs[aid]] = aid
		}
		grp := min(id, other)
		for _, mid := range members {
			grp = min(grp, mid)
		}
		keys = keys[:0]
		for _, mid := range members {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM article_translations WHERE article_id = ?`), mid); err != nil {
				return fmt.Errorf("link translation: %w", err)
			}
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO article_translations (article_id, grp) VALUES (?, ?)`), mid, grp); err != nil {
				return fmt.Errorf("link translation: %w", err)
			}
			keys = append(keys, KeyArticle(mid))
		}
		// Sitemaps list the alternates.
		return s.recordChange(ctx, tx, append(keys, KeyLists)...)
	})
}

// UnlinkTranslation takes article id out of its translation group.
func (s *Store) UnlinkTranslation(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		g, err := translationGroup(ctx, s, tx, id)
		if err != nil || g == 0 {
			return err
		}
		rows, err := tx.QueryContext(ctx, s.dialect.rebind(`SELECT article_id FROM article_translations WHERE grp = ?`), g)
		if err != nil {
			return fmt.Errorf("unlink translation: %w", err)
		}
		var keys []string
		var rest []int64
		for rows.Next() {
			var mid int64
			if err := rows.Scan(&mid); err != nil {
				rows.Close()
				return fmt.Errorf("unlink translation: %w", err)
			}
			keys = append(keys, KeyArticle(mid))
			if mid != id {
				rest = append(rest, mid)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("unlink translation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM article_translations WHERE article_id = ?`), id); err != nil {
			return fmt.Errorf("unlink translation: %w", err)
		}
		if len(rest) == 1 { // a group of one links nothing
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM article_translations WHERE article_id = ?`), rest[0]); err != nil {
				return fmt.Errorf("unlink translation: %w", err)
			}
		}
		return s.recordChange(ctx, tx, append(keys, KeyLists)...)
	})
}

func translationGroup(ctx context.Context, s *Store, tx *sql.Tx, id int64) (int64, error) {
	var g int64
	err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT grp FROM article_translations WHERE article_id = ?`), id).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("translation group of %d: %w", id, err)
	}
	return g, nil
}

// NameForms returns every name form.
func (s *Store) NameForms(ctx context.Context) (content.NameForms, error) {
	rows, err := s.query(ctx, `SELECT kind, ref_id, lang, name FROM name_forms`)
	if err != nil {
		return nil, fmt.Errorf("name forms: %w", err)
	}
	defer rows.Close()
	out := content.NameForms{}
	for rows.Next() {
		var k content.NameKey
		var name string
		if err := rows.Scan(&k.Kind, &k.ID, &k.Lang, &name); err != nil {
			return nil, fmt.Errorf("name forms: %w", err)
		}
		out[k] = name
	}
	return out, rows.Err()
}

// SetNameForm sets the name of a section, tag or author in one language;
// an empty name removes the form. Names are on every page (the navigation),
// so the change drops every page.
func (s *Store) SetNameForm(ctx context.Context, k content.NameKey, name string) error {
	switch k.Kind {
	case content.NameSection, content.NameTag, content.NameAuthor:
	default:
		return fmt.Errorf("%w: unknown kind %q", content.ErrInvalid, k.Kind)
	}
	if !content.ValidLanguage(k.Lang) {
		return fmt.Errorf("%w: unknown language %q", content.ErrInvalid, k.Lang)
	}
	return s.inTxChanging(ctx, []string{KeyEverything}, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM name_forms WHERE kind = ? AND ref_id = ? AND lang = ?`),
			string(k.Kind), k.ID, k.Lang); err != nil {
			return fmt.Errorf("set name form: %w", err)
		}
		if name == "" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO name_forms (kind, ref_id, lang, name) VALUES (?, ?, ?, ?)`),
			string(k.Kind), k.ID, k.Lang, name); err != nil {
			return fmt.Errorf("set name form: %w", err)
		}
		return nil
	})
}
