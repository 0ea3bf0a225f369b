package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// Keys of the change feed for pages.
const (
	// KeyPages names every list of pages: the sitemap. The footer menu is
	// on every page, so a change to it records KeyEverything instead.
	KeyPages = "pages"
)

// KeyPage names a static page's own URL (and its translation's hreflang).
func KeyPage(id int64) string { return "pg:" + strconv.FormatInt(id, 10) }

// pageRenderer renders every page at save, whoever saves it (the admin, an
// importer), so that no page is stored unsanitized. A Renderer holds no
// state of its own after it is built.
var pageRenderer = sync.OnceValue(content.NewRenderer)

const pageCols = `id, slug, lang, title, body, body_html, status, menu_order, translation_of, created_at, updated_at, version`

func scanPage(row scanner) (*content.Page, error) {
	var p content.Page
	var status string
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Slug, &p.Lang, &p.Title, &p.Body, &p.BodyHTML, &status, &p.MenuOrder,
		&p.TranslationOf, &created, &updated, &p.Version); err != nil {
		return nil, err
	}
	p.Status = content.Status(status)
	p.CreatedAt = time.Unix(created, 0).UTC()
	p.UpdatedAt = time.Unix(updated, 0).UTC()
	return &p, nil
}

// pageFieldError is a save refused for one field, as forms show it.
func pageFieldError(sentinel error, field, msg string) error {
	return fmt.Errorf("%w: %w", sentinel, content.FieldErrors{field: msg})
}

// CreatePage validates, renders and stores a new page, and sets its ID and
// version. A slug is unique per language and may not be a section's.
func (s *Store) CreatePage(ctx context.Context, p *content.Page) error {
	if err := p.Prepare(pageRenderer()); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Second)
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = now
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkPageSlug(ctx, tx, p); err != nil {
			return err
		}
		root, err := s.pageGroupRoot(ctx, tx, p)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO pages
			(slug, lang, title, body, body_html, status, menu_order, translation_of, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`),
			p.Slug, p.Lang, p.Title, p.Body, p.BodyHTML, string(p.Status), p.MenuOrder, root,
			p.CreatedAt.Unix(), p.UpdatedAt.Unix()).Scan(&p.ID)
		if isUnique(err) {
			return pageFieldError(ErrConflict, "slug", fmt.Sprintf("slug %q is taken by another page in %s", p.Slug, p.Lang))
		}
		if err != nil {
			return fmt.Errorf("create page %q: %w", p.Slug, err)
		}
		p.Version, p.TranslationOf = 1, root
		if err := s.writePageRevision(ctx, tx, p); err != nil {
			return err
		}
		keys, err := s.pageKeysTx(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		return s.recordChange(ctx, tx, keys...)
	})
}

// UpdatePage saves changes to a page. Its Version must be the stored one:
// a stale version means someone else saved in between, and the save fails
// with ErrConflict instead of overwriting their work.
func (s *Store) UpdatePage(ctx context.Context, p *content.Page) error {
	if err := p.Prepare(pageRenderer()); err != nil {
		return err
	}
	p.UpdatedAt = s.now().UTC().Truncate(time.Second)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := s.pageKeysTx(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if err := s.checkPageSlug(ctx, tx, p); err != nil {
			return err
		}
		root, err := s.pageGroupRoot(ctx, tx, p)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE pages SET
			slug = ?, lang = ?, title = ?, body = ?, body_html = ?, status = ?, menu_order = ?, translation_of = ?,
			updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`),
			p.Slug, p.Lang, p.Title, p.Body, p.BodyHTML, string(p.Status), p.MenuOrder, root,
			p.UpdatedAt.Unix(), p.ID, p.Version)
		if isUnique(err) {
			return pageFieldError(ErrConflict, "slug", fmt.Sprintf("slug %q is taken by another page in %s", p.Slug, p.Lang))
		}
		if err != nil {
			return fmt.Errorf("update page %d: %w", p.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var v int
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT version FROM pages WHERE id = ?`), p.ID).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("update page %d: %w", p.ID, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("update page %d: %w", p.ID, err)
			}
			return fmt.Errorf("update page %d: saved by someone else (version %d, yours %d): %w", p.ID, v, p.Version, ErrConflict)
		}
		p.Version++
		p.TranslationOf = root
		if err := s.writePageRevision(ctx, tx, p); err != nil {
			return err
		}
		after, err := s.pageKeysTx(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		return s.recordChange(ctx, tx, append(before, after...)...)
	})
}

// checkPageSlug refuses a slug that is a section's: /{slug}/ is its front.
func (s *Store) checkPageSlug(ctx context.Context, tx *sql.Tx, p *content.Page) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM sections WHERE slug = ?`), p.Slug).Scan(&n); err != nil {
		return fmt.Errorf("page %q: %w", p.Slug, err)
	}
	if n > 0 {
		return pageFieldError(ErrConflict, "slug", fmt.Sprintf("%q is a section's: /%s/ is its front", p.Slug, p.Slug))
	}
	return nil
}

// sectionSlugFree refuses a section slug that a static page has in any
// language: the section's front would hide the page.
func (s *Store) sectionSlugFree(ctx context.Context, tx *sql.Tx, slug string) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM pages WHERE slug = ?`), slug).Scan(&n); err != nil {
		return fmt.Errorf("section %q: %w", slug, err)
	}
	if n > 0 {
		return pageFieldError(ErrConflict, "slug", "is the address of a static page")
	}
	return nil
}

// pageGroupRoot checks p's translation link and returns what to store:
// 0, or the first page of the group p joins. A group holds one page per
// language, and stays flat: a page others translate cannot itself become
// a translation.
func (s *Store) pageGroupRoot(ctx context.Context, tx *sql.Tx, p *content.Page) (int64, error) {
	if p.TranslationOf == 0 {
		if p.ID != 0 {
			// The pages translating p must keep one per language with it.
			members, err := s.pageGroupTx(ctx, tx, p.ID)
			if err != nil {
				return 0, err
			}
			for _, m := range members {
				if m.ID != p.ID && m.Lang == p.Lang {
					return 0, pageFieldError(content.ErrInvalid, "lang", fmt.Sprintf("page %q translates this one into %s already", m.Slug, m.Lang))
				}
			}
		}
		return 0, nil
	}
	if p.TranslationOf == p.ID {
		return 0, pageFieldError(content.ErrInvalid, "translation_of", "a page cannot be its own translation")
	}
	var root, targetRoot int64
	err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, translation_of FROM pages WHERE id = ?`), p.TranslationOf).Scan(&root, &targetRoot)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, pageFieldError(content.ErrInvalid, "translation_of", fmt.Sprintf("there is no page %d", p.TranslationOf))
	}
	if err != nil {
		return 0, fmt.Errorf("page %q: translation: %w", p.Slug, err)
	}
	if targetRoot != 0 {
		root = targetRoot
	}
	if root == p.ID {
		return 0, nil // linked to a page of its own group: nothing changes
	}
	if p.ID != 0 {
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM pages WHERE translation_of = ?`), p.ID).Scan(&n); err != nil {
			return 0, fmt.Errorf("page %q: translation: %w", p.Slug, err)
		}
		if n > 0 {
			return 0, pageFieldError(content.ErrInvalid, "translation_of", "other pages translate this one: link them to that page instead")
		}
	}
	members, err := s.pageGroupTx(ctx, tx, root)
	if err != nil {
		return 0, err
	}
	for _, m := range members {
		if m.ID != p.ID && m.Lang == p.Lang {
			return 0, pageFieldError(content.ErrInvalid, "translation_of", fmt.Sprintf("that page has a %s version already: %q", m.Lang, m.Slug))
		}
	}
	return root, nil
}

// pageGroupTx returns the pages of the group whose first page is root,
// root included.
func (s *Store) pageGroupTx(ctx context.Context, q queryer, root int64) ([]*content.Page, error) {
	rows, err := q.QueryContext(ctx, s.dialect.rebind(`SELECT `+pageCols+` FROM pages WHERE id = ? OR translation_of = ? ORDER BY id`), root, root)
	if err != nil {
		return nil, fmt.Errorf("page group %d: %w", root, err)
	}
	return collectPages(rows)
}

func collectPages(rows *sql.Rows) ([]*content.Page, error) {
	defer rows.Close()
	var out []*content.Page
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
			return nil, fmt.Errorf("pages: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	return out, nil
}

// pageKeysTx returns the keys a page's state touches, as stored now in tx:
// its URL and its group's (their hreflang links name each other), the
// sitemap when it is live, every page when it is in the footer menu.
func (s *Store) pageKeysTx(ctx context.Context, tx *sql.Tx, id int64) ([]string, error) {
	keys := []string{KeyPage(id)}
	var status string
	var menu int
	var root int64
	err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT status, menu_order, translation_of FROM pages WHERE id = ?`), id).Scan(&status, &menu, &root)
	if errors.Is(err, sql.ErrNoRows) {
		return keys, nil
	}
	if err != nil {
		return nil, fmt.Errorf("page %d: keys: %w", id, err)
	}
	if root == 0 {
		root = id
	}
	group, err := s.pageGroupTx(ctx, tx, root)
	if err != nil {
		return nil, err
	}
	for _, m := range group {
		keys = append(keys, KeyPage(m.ID))
	}
	if content.Status(status) == content.StatusPublished {
		keys = append(keys, KeyPages)
		if menu > 0 {
			keys = append(keys, KeyEverything)
		}
	}
	return keys, nil
}

// PageByID returns a page whatever its status.
func (s *Store) PageByID(ctx context.Context, id int64) (*content.Page, error) {
	return s.page(ctx, `id = ?`, id)
}

// PageBySlug returns the page of language lang at slug, live or not:
// callers check its status.
func (s *Store) PageBySlug(ctx context.Context, lang, slug string) (*content.Page, error) {
	return s.page(ctx, `lang = ? AND slug = ?`, lang, slug)
}

func (s *Store) page(ctx context.Context, where string, args ...any) (*content.Page, error) {
	p, err := scanPage(s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT `+pageCols+` FROM pages WHERE `+where), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("page %v: %w", args, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("page %v: %w", args, err)
	}
	return p, nil
}

// Pages returns every page, for the admin: by language, then title.
func (s *Store) Pages(ctx context.Context) ([]*content.Page, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+pageCols+` FROM pages ORDER BY lang, title, id`)
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	return collectPages(rows)
}

// LivePages returns every page readers see, for the sitemap and the
// static export: by language, then slug.
func (s *Store) LivePages(ctx context.Context) ([]*content.Page, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT `+pageCols+` FROM pages WHERE status = ? ORDER BY lang, slug`),
		string(content.StatusPublished))
	if err != nil {
		return nil, fmt.Errorf("live pages: %w", err)
	}
	return collectPages(rows)
}

// MenuPages returns the live pages of language lang in the footer menu,
// in their order.
func (s *Store) MenuPages(ctx context.Context, lang string) ([]*content.Page, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT `+pageCols+` FROM pages
		WHERE lang = ? AND status = ? AND menu_order > 0 ORDER BY menu_order, title, id`), lang, string(content.StatusPublished))
	if err != nil {
		return nil, fmt.Errorf("menu pages (%s): %w", lang, err)
	}
	return collectPages(rows)
}

// PageTranslations returns the other pages of page id's group, live or not.
func (s *Store) PageTranslations(ctx context.Context, id int64) ([]*content.Page, error) {
	p, err := s.PageByID(ctx, id)
	if err != nil {
		return nil, err
	}
	root := p.TranslationOf
	if root == 0 {
		root = p.ID
	}
	group, err := s.pageGroupTx(ctx, s.read, root)
	if err != nil {
		return nil, err
	}
	out := group[:0]
	for _, m := range group {
		if m.ID != id {
			out = append(out, m)
		}
	}
	return out, nil
}

// pageSnapshot is the JSON kept for each revision of a page.
type pageSnapshot struct {
	Slug          string `json:"slug"`
	Lang          string `json:"lang"`
	Title         string `json:"title"`
	Body          string `json:"body"`
	Status        string `json:"status"`
	MenuOrder     int    `json:"menu_order"`
	TranslationOf int64  `json:"translation_of,omitempty"`
}

func (s *Store) writePageRevision(ctx context.Context, tx *sql.Tx, p *content.Page) error {
	b, err := json.Marshal(pageSnapshot{Slug: p.Slug, Lang: p.Lang, Title: p.Title, Body: p.Body, Status: string(p.Status),
		MenuOrder: p.MenuOrder, TranslationOf: p.TranslationOf})
	if err != nil {
		return fmt.Errorf("page revision: %w", err)
	}
	_, err = tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO page_revisions (page_id, version, user_id, created_at, snapshot)
		VALUES (?, ?, ?, ?, ?)`), p.ID, p.Version, nullID(p.EditedBy), p.UpdatedAt.Unix(), string(b))
	if err != nil {
		return fmt.Errorf("revision %d of page %d: %w", p.Version, p.ID, err)
	}
	return nil
}

// PageRevisions lists a page's revisions, newest first.
func (s *Store) PageRevisions(ctx context.Context, pageID int64) ([]content.PageRevision, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT r.version, r.user_id, COALESCE(u.email, ''), r.created_at, r.snapshot
		FROM page_revisions r LEFT JOIN users u ON u.id = r.user_id
		WHERE r.page_id = ? ORDER BY r.version DESC`), pageID)
	if err != nil {
		return nil, fmt.Errorf("revisions of page %d: %w", pageID, err)
	}
	defer rows.Close()
	var out []content.PageRevision
	for rows.Next() {
		r, err := scanPageRevision(rows, pageID)
		if err != nil {
			return nil, fmt.Errorf("revisions of page %d: %w", pageID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PageRevision returns one revision of a page.
func (s *Store) PageRevision(ctx context.Context, pageID int64, version int) (content.PageRevision, error) {
	row := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT r.version, r.user_id, COALESCE(u.email, ''), r.created_at, r.snapshot
		FROM page_revisions r LEFT JOIN users u ON u.id = r.user_id
		WHERE r.page_id = ? AND r.version = ?`), pageID, version)
	r, err := scanPageRevision(row, pageID)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("revision %d of page %d: %w", version, pageID, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("revision %d of page %d: %w", version, pageID, err)
	}
	return r, nil
}

func scanPageRevision(row scanner, pageID int64) (content.PageRevision, error) {
	var r content.PageRevision
	var editor sql.NullInt64
	var at int64
	var raw string
	if err := row.Scan(&r.Version, &editor, &r.Editor, &at, &raw); err != nil {
		return r, err
	}
	r.EditedBy = editor.Int64
	r.CreatedAt = time.Unix(at, 0).UTC()
	var snap pageSnapshot
	if err := json.Unmarshal([]byte(raw), &snap); err != nil {
		return r, fmt.Errorf("revision %d: %w", r.Version, err)
	}
	r.Page = content.Page{ID: pageID, Slug: snap.Slug, Lang: snap.Lang, Title: snap.Title, Body: snap.Body,
		Status: content.Status(snap.Status), MenuOrder: snap.MenuOrder, TranslationOf: snap.TranslationOf, Version: r.Version}
	return r, nil
}
