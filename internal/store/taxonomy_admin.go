package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
)

// This file holds the newsroom's changes to sections, tags and bylines:
// renaming, readdressing and deleting what CreateSection, CreateAuthor and
// ensureTags made.

// UpdateSection changes a section's name, slug and order. A slug another
// section has is ErrConflict; an unknown ID is ErrNotFound.
func (s *Store) UpdateSection(ctx context.Context, sec content.Section) error {
	if err := content.ValidateSection(&sec); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.sectionSlugFree(ctx, tx, sec.Slug); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE sections SET slug = ?, name = ?, position = ?, description = ? WHERE id = ?`),
			sec.Slug, sec.Name, sec.Order, sec.Description, sec.ID)
		if isUnique(err) {
			return fmt.Errorf("update section %q: %w", sec.Slug, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("update section %d: %w", sec.ID, err)
		}
		if err := rowsOrNotFound(res, fmt.Sprintf("section %d", sec.ID)); err != nil {
			return err
		}
		return s.recordChange(ctx, tx, KeyEverything) // the navigation is on every page
	})
}

// DeleteSection deletes a section that no article is in; while articles
// are, it returns ErrConflict and deletes nothing.
func (s *Store) DeleteSection(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM articles WHERE section_id = ?`), id).Scan(&n); err != nil {
			return fmt.Errorf("delete section %d: %w", id, err)
		}
		if n > 0 {
			return fmt.Errorf("delete section %d: %d articles are in it: %w", id, n, ErrConflict)
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM sections WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("delete section %d: %w", id, err)
		}
		if err := rowsOrNotFound(res, fmt.Sprintf("section %d", id)); err != nil {
			return err
		}
		return s.recordChange(ctx, tx, KeyEverything)
	})
}

// SectionArticleCount counts the articles in a section, of every status.
func (s *Store) SectionArticleCount(ctx context.Context, id int64) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM articles WHERE section_id = ?`), id).Scan(&n); err != nil {
		return 0, fmt.Errorf("count articles of section %d: %w", id, err)
	}
	return n, nil
}

// TagCount is a tag and how many articles, of every status, carry it.
type TagCount struct {
	content.Tag
	Articles int
}

// TagsWithCounts lists every tag by name with its number of articles.
func (s *Store) TagsWithCounts(ctx context.Context) ([]TagCount, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT t.id, t.slug, t.name, t.description, COUNT(x.article_id)
		FROM tags t LEFT JOIN article_tags x ON x.tag_id = t.id
		GROUP BY t.id, t.slug, t.name, t.description ORDER BY t.name, t.id`)
	if err != nil {
		return nil, fmt.Errorf("list tags with counts: %w", err)
	}
	defer rows.Close()
	var out []TagCount
	for rows.Next() {
		var t TagCount
		if err := rows.Scan(&t.ID, &t.Slug, &t.Name, &t.Description, &t.Articles); err != nil {
			return nil, fmt.Errorf("list tags with counts: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// UpdateTag renames a tag.
//
// Writers tag articles by name, and a name is turned into its tag by its
// slug (see ensureTags). So a tag's slug must stay the slug of its name,
// or every article carrying it would move to a new tag the next time it is
// saved. A new name with the same slug (capitals, spaces, punctuation)
// only renames. A new name with another slug also moves the tag to that
// address, but only while no live article carries the tag: once one is
// published, the address /tag/<slug>/ is public and links to it must keep
// working, so the rename is refused with a content.FieldErrors for "name".
// A slug another tag has is ErrConflict; an unknown ID is ErrNotFound.
func (s *Store) UpdateTag(ctx context.Context, id int64, name string) error {
	name = strings.Join(strings.Fields(name), " ")
	slug := content.Slugify(name)
	if name == "" || slug == "" {
		return fieldInvalid("name", "needs letters or digits")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var oldSlug, oldName string
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT slug, name FROM tags WHERE id = ?`), id).Scan(&oldSlug, &oldName)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("tag %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("update tag %d: %w", id, err)
		}
		// A tag whose slug was never its name's (made by an import, say)
		// keeps its slug while the name keeps the same letters.
		if slug == oldSlug || slug == content.Slugify(oldName) {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE tags SET name = ? WHERE id = ?`), name, id); err != nil {
				return fmt.Errorf("update tag %d: %w", id, err)
			}
			// Tag names are on the tag's page and on article pages and cards.
			return s.recordChange(ctx, tx, KeyEverything)
		}
		var live int
		if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM article_tags WHERE tag_id = ? AND live_at IS NOT NULL`), id).Scan(&live); err != nil {
			return fmt.Errorf("update tag %d: %w", id, err)
		}
		if live > 0 {
			return fieldInvalid("name", fmt.Sprintf("can change only in capitals, spaces and punctuation, because published articles carry this tag "+
				"and its address /tag/%s/ must keep working (the new name would need /tag/%s/)", oldSlug, slug))
		}
		_, err = tx.ExecContext(ctx, s.dialect.rebind(`UPDATE tags SET slug = ?, name = ? WHERE id = ?`), slug, name, id)
		if isUnique(err) {
			return fmt.Errorf("update tag %d: slug %q: %w", id, slug, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("update tag %d: %w", id, err)
		}
		return s.recordChange(ctx, tx, KeyEverything)
	})
}

// DeleteTag removes a tag from every article that carries it and deletes
// it, in one transaction. An unknown ID is ErrNotFound.
func (s *Store) DeleteTag(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM article_tags WHERE tag_id = ?`), id); err != nil {
			return fmt.Errorf("delete tag %d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM tags WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("delete tag %d: %w", id, err)
		}
		if err := rowsOrNotFound(res, fmt.Sprintf("tag %d", id)); err != nil {
			return err
		}
		return s.recordChange(ctx, tx, KeyEverything)
	})
}

// UpdateAuthor changes a byline's name, slug and biography. A slug another
// author has is ErrConflict; an unknown ID is ErrNotFound.
func (s *Store) UpdateAuthor(ctx context.Context, a content.Author) error {
	if err := content.ValidateAuthor(&a); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE authors SET slug = ?, name = ?, bio = ? WHERE id = ?`),
			a.Slug, a.Name, a.Bio, a.ID)
		if isUnique(err) {
			return fmt.Errorf("update author %q: %w", a.Slug, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("update author %d: %w", a.ID, err)
		}
		if err := rowsOrNotFound(res, fmt.Sprintf("author %d", a.ID)); err != nil {
			return err
		}
		return s.recordChange(ctx, tx, KeyEverything) // bylines are on article pages and cards
	})
}

// rowsOrNotFound turns a statement that touched no row into ErrNotFound.
func rowsOrNotFound(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// fieldInvalid is a validation failure of one field, as content reports
// its own.
func fieldInvalid(field, msg string) error {
	return fmt.Errorf("%w: %w", content.ErrInvalid, content.FieldErrors{field: msg})
}

// UpdateAuthorProfile saves what an author's profile page edits: the name,
// biography, photo (a media library key, "" for none) and links (one a
// line, checked by content.ParseLinks). The slug and the account stay. An
// unknown ID is ErrNotFound.
func (s *Store) UpdateAuthorProfile(ctx context.Context, a content.Author) error {
	if strings.TrimSpace(a.Name) == "" {
		return fieldInvalid("name", "is required")
	}
	if _, err := content.ParseLinks(a.Links); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var name, bio string
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT name, bio FROM authors WHERE id = ?`), a.ID).Scan(&name, &bio)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("author %d: %w", a.ID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("update author profile %d: %w", a.ID, err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE authors SET name = ?, bio = ?, photo_key = ?, links = ? WHERE id = ?`),
			a.Name, a.Bio, a.PhotoKey, a.Links, a.ID); err != nil {
			return fmt.Errorf("update author profile %d: %w", a.ID, err)
		}
		if name != a.Name || bio != a.Bio {
			// Bylines (and their biographies, in structured data) are on
			// article pages and cards.
			return s.recordChange(ctx, tx, KeyEverything)
		}
		// The photo and the links are on the author's page only.
		return s.recordChange(ctx, tx, KeyAuthor(a.ID))
	})
}

// LinkAuthor links an author profile to an account, or with userID 0
// unlinks it. An account has at most one profile: one linked to another
// author is ErrConflict. An unknown author or account is ErrNotFound.
func (s *Store) LinkAuthor(ctx context.Context, authorID, userID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if userID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM users WHERE id = ?`), userID).Scan(&n); err != nil {
				return fmt.Errorf("link author %d: %w", authorID, err)
			}
			if n == 0 {
				return fmt.Errorf("link author %d: user %d: %w", authorID, userID, ErrNotFound)
			}
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE authors SET user_id = ? WHERE id = ?`), nullID(userID), authorID)
		if isUnique(err) {
			return fmt.Errorf("link author %d: user %d has another profile: %w", authorID, userID, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("link author %d: %w", authorID, err)
		}
		return rowsOrNotFound(res, fmt.Sprintf("author %d", authorID))
	})
}

// SetTagDescription stores the text a tag's front shows under its name. An
// unknown ID is ErrNotFound.
func (s *Store) SetTagDescription(ctx context.Context, id int64, description string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE tags SET description = ? WHERE id = ?`), description, id)
		if err != nil {
			return fmt.Errorf("describe tag %d: %w", id, err)
		}
		if err := rowsOrNotFound(res, fmt.Sprintf("tag %d", id)); err != nil {
			return err
		}
		return s.recordChange(ctx, tx, KeyTag(id))
	})
}

// createAccountAuthor makes the author profile of a new account in tx, named
// as the account (or, without a name, after its address), at a free slug
// made from the name, and returns its ID.
func (s *Store) createAccountAuthor(ctx context.Context, tx *sql.Tx, userID int64, name, email string) (int64, error) {
	if name = strings.Join(strings.Fields(name), " "); name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	base := content.Slugify(name)
	if base == "" {
		base = content.Slugify(email)
	}
	if base == "" {
		base = "author"
	}
	slug := base
	for n := 2; ; n++ {
		var taken int
		if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM authors WHERE slug = ?`), slug).Scan(&taken); err != nil {
			return 0, fmt.Errorf("author of user %d: %w", userID, err)
		}
		if taken == 0 {
			break
		}
		slug = fmt.Sprintf("%s-%d", base, n)
	}
	var id int64
	err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO authors (slug, name, user_id) VALUES (?, ?, ?) RETURNING id`),
		slug, name, userID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("author of user %d: %w", userID, err)
	}
	return id, nil
}
