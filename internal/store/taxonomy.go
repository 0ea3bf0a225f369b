package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
)

// CreateSection stores a new section and sets its ID.
func (s *Store) CreateSection(ctx context.Context, sec *content.Section) error {
	if err := content.ValidateSection(sec); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.sectionSlugFree(ctx, tx, sec.Slug); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO sections (slug, name, position, description) VALUES (?, ?, ?, ?) RETURNING id`),
			sec.Slug, sec.Name, sec.Order, sec.Description).Scan(&sec.ID)
		if isUnique(err) {
			return fmt.Errorf("create section %q: %w", sec.Slug, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("create section %q: %w", sec.Slug, err)
		}
		return s.recordChange(ctx, tx, KeyEverything) // the navigation is on every page
	})
}

// Sections lists every section in display order.
func (s *Store) Sections(ctx context.Context) ([]content.Section, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, slug, name, position, description FROM sections ORDER BY position, name`)
	if err != nil {
		return nil, fmt.Errorf("list sections: %w", err)
	}
	defer rows.Close()
	var out []content.Section
	for rows.Next() {
		var sec content.Section
		if err := rows.Scan(&sec.ID, &sec.Slug, &sec.Name, &sec.Order, &sec.Description); err != nil {
			return nil, fmt.Errorf("list sections: %w", err)
		}
		out = append(out, sec)
	}
	return out, rows.Err()
}

// SectionBySlug finds a section.
func (s *Store) SectionBySlug(ctx context.Context, slug string) (content.Section, error) {
	var sec content.Section
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, slug, name, position, description FROM sections WHERE slug = ?`), slug).
		Scan(&sec.ID, &sec.Slug, &sec.Name, &sec.Order, &sec.Description)
	if errors.Is(err, sql.ErrNoRows) {
		return sec, fmt.Errorf("section %q: %w", slug, ErrNotFound)
	}
	if err != nil {
		return sec, fmt.Errorf("section %q: %w", slug, err)
	}
	return sec, nil
}

// authorCols are an author's columns, as scanAuthor reads them.
const authorCols = `id, slug, name, bio, COALESCE(user_id, 0), photo_key, links`

func scanAuthor(row scanner) (content.Author, error) {
	var a content.Author
	err := row.Scan(&a.ID, &a.Slug, &a.Name, &a.Bio, &a.UserID, &a.PhotoKey, &a.Links)
	return a, err
}

// CreateAuthor stores a new author and sets its ID. A UserID another
// author has is ErrConflict.
func (s *Store) CreateAuthor(ctx context.Context, a *content.Author) error {
	if err := content.ValidateAuthor(a); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO authors (slug, name, bio, user_id, photo_key, links)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
			a.Slug, a.Name, a.Bio, nullID(a.UserID), a.PhotoKey, a.Links).Scan(&a.ID)
		if isUnique(err) {
			return fmt.Errorf("create author %q: %w", a.Slug, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("create author %q: %w", a.Slug, err)
		}
		return nil
	})
}

func (s *Store) author(ctx context.Context, what, where string, arg any) (content.Author, error) {
	a, err := scanAuthor(s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT `+authorCols+` FROM authors WHERE `+where), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("author %s: %w", what, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("author %s: %w", what, err)
	}
	return a, nil
}

// AuthorBySlug finds an author.
func (s *Store) AuthorBySlug(ctx context.Context, slug string) (content.Author, error) {
	return s.author(ctx, strconv.Quote(slug), `slug = ?`, slug)
}

// AuthorByID finds an author.
func (s *Store) AuthorByID(ctx context.Context, id int64) (content.Author, error) {
	return s.author(ctx, strconv.FormatInt(id, 10), `id = ?`, id)
}

// AuthorByUser finds the author profile linked to an account; none is
// ErrNotFound.
func (s *Store) AuthorByUser(ctx context.Context, userID int64) (content.Author, error) {
	return s.author(ctx, "of user "+strconv.FormatInt(userID, 10), `user_id = ?`, userID)
}

// Authors lists every author by name.
func (s *Store) Authors(ctx context.Context) ([]content.Author, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+authorCols+` FROM authors ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list authors: %w", err)
	}
	defer rows.Close()
	var out []content.Author
	for rows.Next() {
		a, err := scanAuthor(rows)
		if err != nil {
			return nil, fmt.Errorf("list authors: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// TagBySlug finds a tag.
func (s *Store) TagBySlug(ctx context.Context, slug string) (content.Tag, error) {
	var t content.Tag
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, slug, name, description FROM tags WHERE slug = ?`), slug).
		Scan(&t.ID, &t.Slug, &t.Name, &t.Description)
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("tag %q: %w", slug, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("tag %q: %w", slug, err)
	}
	return t, nil
}

// ensureTags finds or creates tags by name inside tx, returning them with IDs.
// Tags are created on the fly as writers type them.
func (s *Store) ensureTags(ctx context.Context, tx *sql.Tx, tags []content.Tag) ([]content.Tag, error) {
	out := make([]content.Tag, 0, len(tags))
	seen := map[string]bool{}
	// Create tags in slug order: two saves creating the same new tags then
	// take their locks in the same order and cannot deadlock.
	tags = slices.Clone(tags)
	for i := range tags {
		if tags[i].Slug == "" {
			tags[i].Slug = content.Slugify(tags[i].Name)
		}
	}
	slices.SortStableFunc(tags, func(x, y content.Tag) int { return strings.Compare(x.Slug, y.Slug) })
	for _, t := range tags {
		if t.Slug == "" {
			t.Slug = content.Slugify(t.Name)
		}
		if t.Name == "" {
			t.Name = strings.ReplaceAll(t.Slug, "-", " ")
		}
		if !content.ValidSlug(t.Slug) {
			return nil, fmt.Errorf("%w: tag %q has no usable letters", content.ErrInvalid, t.Name)
		}
		if seen[t.Slug] {
			continue
		}
		seen[t.Slug] = true
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO tags (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO NOTHING`), t.Slug, t.Name); err != nil {
			return nil, fmt.Errorf("tag %q: %w", t.Slug, err)
		}
		if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, name FROM tags WHERE slug = ?`), t.Slug).Scan(&t.ID, &t.Name); err != nil {
			return nil, fmt.Errorf("tag %q: %w", t.Slug, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// Setting returns a site setting, or def when it is not set.
func (s *Store) Setting(ctx context.Context, key, def string) (string, error) {
	var v string
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT value FROM settings WHERE key = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	if err != nil {
		return def, fmt.Errorf("setting %q: %w", key, err)
	}
	return v, nil
}

// Settings returns every site setting, by key.
func (s *Store) Settings(ctx context.Context) (map[string]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, fmt.Errorf("list settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("list settings: %w", err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list settings: %w", err)
	}
	return out, nil
}

// SetSetting stores a site setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, value)
		if err != nil {
			return fmt.Errorf("set setting %q: %w", key, err)
		}
		return s.recordChange(ctx, tx, KeySettings)
	})
}

// Tags lists every tag by name.
func (s *Store) Tags(ctx context.Context) ([]content.Tag, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, slug, name, description FROM tags ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	defer rows.Close()
	var out []content.Tag
	for rows.Next() {
		var t content.Tag
		if err := rows.Scan(&t.ID, &t.Slug, &t.Name, &t.Description); err != nil {
			return nil, fmt.Errorf("list tags: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
