package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

const summaryCols = `a.id, a.slug, a.headline, a.dek, a.lang, a.status, a.section_id, s.slug, s.name,
	a.image_key, a.image_width, a.image_height, a.image_widths, a.image_variants, a.image_alt, a.image_credit, a.image_caption,
	a.published_at, a.created_at, a.updated_at, a.version, COALESCE(a.created_by, 0)`

const fullCols = summaryCols + `, a.body, a.body_html, a.body_text`

type scanner interface{ Scan(...any) error }

// scanArticle reads the columns of summaryCols (and of fullCols when full),
// then any extra columns into extra.
func scanArticle(row scanner, full bool, extra ...any) (*content.Article, error) {
	var (
		a content.Article
		r summaryRow
	)
	dest := []any{&a.ID, &a.Slug, &a.Headline, &a.Dek, &a.Lang, &r.status, &a.Section.ID, &a.Section.Slug, &a.Section.Name,
		&a.Image.Key, &a.Image.Width, &a.Image.Height, &r.widths, &r.variants, &a.Image.Alt, &a.Image.Credit, &a.Image.Caption,
		&r.published, &r.created, &r.updated, &a.Version, &a.CreatedBy}
	if full {
		dest = append(dest, &a.Body, &a.BodyHTML, &a.BodyText)
	}
	dest = append(dest, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	r.finish(&a)
	return &a, nil
}

// summaryRow is what finishes an article read from summaryCols: the
// columns stored in another form than content.Article's.
type summaryRow struct {
	status, widths, variants string
	published                sql.NullInt64
	created, updated         int64
}

func (r *summaryRow) finish(a *content.Article) {
	a.Status = content.Status(r.status)
	a.PublishedAt = fromUnix(r.published)
	a.CreatedAt = time.Unix(r.created, 0).UTC()
	a.UpdatedAt = time.Unix(r.updated, 0).UTC()
	for _, w := range strings.Split(r.widths, ",") {
		if n, err := strconv.Atoi(w); err == nil {
			a.Image.Widths = append(a.Image.Widths, n)
		}
	}
	a.Image.SetVariants(r.variants)
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// liveAt is when readers may see the article: its publication time, for a
// published or scheduled article. Lists compare it with the clock, so a
// scheduled article appears at its time without another write (and every
// node drops the pages it joins then: see Feed).
func liveAt(a *content.Article) any {
	if a.Status == content.StatusPublished || a.Status == content.StatusScheduled {
		return unix(a.PublishedAt)
	}
	return nil
}

// CreateArticle stores a new, already validated and rendered article with its
// links, in one transaction, and sets its ID and version.
func (s *Store) CreateArticle(ctx context.Context, a *content.Article) error {
	now := s.now().UTC().Truncate(time.Second)
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = now
	}
	// A correction is a change readers see: sitemaps and feeds read
	// updated_at, so it is never older than the newest correction.
	a.UpdatedAt = a.Modified()
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.createArticleTx(ctx, tx, a, now) })
}

// createArticleTx is CreateArticle inside a caller's transaction.
func (s *Store) createArticleTx(ctx context.Context, tx *sql.Tx, a *content.Article, now time.Time) error {
	sh, sd, sb := stemsOf(a)
	{
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO articles
			(slug, headline, dek, body, body_html, body_text, lang, status, section_id,
			 image_key, image_width, image_height, image_widths, image_variants, image_alt, image_credit, image_caption,
			 published_at, live_at, created_at, updated_at, version, created_by, search_headline, search_dek, search_body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id`),
			a.Slug, a.Headline, a.Dek, a.Body, a.BodyHTML, a.BodyText, a.Lang, string(a.Status), a.Section.ID,
			a.Image.Key, a.Image.Width, a.Image.Height, joinInts(a.Image.Widths), a.Image.Variants(), a.Image.Alt, a.Image.Credit, a.Image.Caption,
			unix(a.PublishedAt), liveAt(a), a.CreatedAt.Unix(), a.UpdatedAt.Unix(), nullID(a.CreatedBy), sh, sd, sb).Scan(&a.ID)
		if isUnique(err) {
			return fmt.Errorf("create article: slug %q is taken: %w", a.Slug, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("create article %q: %w", a.Slug, err)
		}
		a.Version = 1
		if err := s.writeLinks(ctx, tx, a); err != nil {
			return err
		}
		if err := s.writeSearchWords(ctx, tx, a); err != nil {
			return err
		}
		if err := s.writeRevision(ctx, tx, a); err != nil {
			return err
		}
		for i := range a.Corrections {
			c := &a.Corrections[i]
			if c.CreatedAt.IsZero() {
				c.CreatedAt = now
			}
			if err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO corrections (article_id, created_at, text) VALUES (?, ?, ?) RETURNING id`),
				a.ID, c.CreatedAt.Unix(), c.Text).Scan(&c.ID); err != nil {
				return fmt.Errorf("create article %q: correction: %w", a.Slug, err)
			}
		}
		keys, err := s.articleKeysTx(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		return s.recordChange(ctx, tx, keys...)
	}
}

// UpdateArticle saves changes to an article. The article's Version must be the
// stored one: a stale version means someone else saved in between, and the
// save fails with ErrConflict instead of overwriting their work.
func (s *Store) UpdateArticle(ctx context.Context, a *content.Article) error {
	a.UpdatedAt = s.now().UTC().Truncate(time.Second)
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.updateArticleTx(ctx, tx, a) })
}

// updateArticleTx is UpdateArticle inside a caller's transaction.
func (s *Store) updateArticleTx(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	sh, sd, sb := stemsOf(a)
	{
		// What the article's old place showed it in; the version check
		// below fails if anyone saved it since.
		before, err := s.articleKeysTx(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE articles SET
			slug = ?, headline = ?, dek = ?, body = ?, body_html = ?, body_text = ?, lang = ?, status = ?, section_id = ?,
			image_key = ?, image_width = ?, image_height = ?, image_widths = ?, image_variants = ?, image_alt = ?, image_credit = ?, image_caption = ?,
			published_at = ?, live_at = ?, updated_at = ?, version = version + 1,
			search_headline = ?, search_dek = ?, search_body = ?
			WHERE id = ? AND version = ?`),
			a.Slug, a.Headline, a.Dek, a.Body, a.BodyHTML, a.BodyText, a.Lang, string(a.Status), a.Section.ID,
			a.Image.Key, a.Image.Width, a.Image.Height, joinInts(a.Image.Widths), a.Image.Variants(), a.Image.Alt, a.Image.Credit, a.Image.Caption,
			unix(a.PublishedAt), liveAt(a), a.UpdatedAt.Unix(), sh, sd, sb, a.ID, a.Version)
		if isUnique(err) {
			return fmt.Errorf("update article: slug %q is taken: %w", a.Slug, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("update article %d: %w", a.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var v int
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT version FROM articles WHERE id = ?`), a.ID).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("update article %d: %w", a.ID, ErrNotFound)
			}
			return fmt.Errorf("update article %d: saved by someone else (version %d, yours %d): %w", a.ID, v, a.Version, ErrConflict)
		}
		a.Version++
		for _, q := range []string{`DELETE FROM article_authors WHERE article_id = ?`, `DELETE FROM article_tags WHERE article_id = ?`} {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(q), a.ID); err != nil {
				return fmt.Errorf("update article %d: %w", a.ID, err)
			}
		}
		if err := s.writeLinks(ctx, tx, a); err != nil {
			return err
		}
		if err := s.writeSearchWords(ctx, tx, a); err != nil {
			return err
		}
		if err := s.writeRevision(ctx, tx, a); err != nil {
			return err
		}
		after, err := s.articleKeysTx(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		return s.recordChange(ctx, tx, append(before, after...)...)
	}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (s *Store) writeLinks(ctx context.Context, tx *sql.Tx, a *content.Article) error {
	live := liveAt(a)
	for i, au := range a.Authors {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO article_authors (article_id, author_id, position, live_at) VALUES (?, ?, ?, ?)`),
			a.ID, au.ID, i, live); err != nil {
			return fmt.Errorf("article %q: author %q: %w", a.Slug, au.Slug, err)
		}
	}
	tags, err := s.ensureTags(ctx, tx, a.Tags)
	if err != nil {
		return fmt.Errorf("article %q: %w", a.Slug, err)
	}
	a.Tags = tags
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO article_tags (article_id, tag_id, live_at) VALUES (?, ?, ?)`),
			a.ID, t.ID, live); err != nil {
			return fmt.Errorf("article %q: tag %q: %w", a.Slug, t.Slug, err)
		}
	}
	return s.writeMediaUses(ctx, tx, a)
}

// AddCorrection appends a dated correction to an article.
func (s *Store) AddCorrection(ctx context.Context, articleID int64, c *content.Correction) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.now().UTC().Truncate(time.Second)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO corrections (article_id, created_at, text) VALUES (?, ?, ?) RETURNING id`),
			articleID, c.CreatedAt.Unix(), c.Text).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("add correction to article %d: %w", articleID, err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE articles SET updated_at = ? WHERE id = ?`), c.CreatedAt.Unix(), articleID); err != nil {
			return fmt.Errorf("add correction to article %d: %w", articleID, err)
		}
		keys, err := s.articleKeysTx(ctx, tx, articleID)
		if err != nil {
			return err
		}
		return s.recordChange(ctx, tx, keys...)
	})
}

// ArticleBySlug returns an article with its authors, tags and corrections,
// whatever its status; callers decide who may see it.
func (s *Store) ArticleBySlug(ctx context.Context, slug string) (*content.Article, error) {
	return s.article(ctx, `a.slug = ?`, slug)
}

// ArticleByID is ArticleBySlug by ID.
func (s *Store) ArticleByID(ctx context.Context, id int64) (*content.Article, error) {
	return s.article(ctx, `a.id = ?`, id)
}

func (s *Store) article(ctx context.Context, where string, arg any) (*content.Article, error) {
	var links string
	row := s.queryRow(ctx, s.dialect.rebind(`SELECT `+fullCols+`, `+s.dialect.jsonRows(linksQuery, "k, i, sl, nm, b, o, sn")+`
		FROM articles a JOIN sections s ON s.id = a.section_id WHERE `+where), s.now().Unix(), arg)
	a, err := scanArticle(row, true, &links)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("article %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("article %v: %w", arg, err)
	}
	if err := readLinks(a, links); err != nil {
		return nil, fmt.Errorf("article %v: %w", arg, err)
	}
	return a, nil
}

// linksQuery is an article's bylines, tags, corrections and translations,
// one row each, for the article a of the enclosing query; it takes one
// argument, the time now (is a translation live). Columns: kind, id, slug,
// name (or correction text), bio (or a translation's language), then the
// sort keys: position for bylines, time for corrections and translations,
// name for tags, and for a translation whether it is live.
const linksQuery = `
		SELECT 1 AS k, au.id AS i, au.slug AS sl, au.name AS nm, au.bio AS b, CAST(x.position AS BIGINT) AS o, '' AS sn
			FROM article_authors x JOIN authors au ON au.id = x.author_id WHERE x.article_id = a.id
		UNION ALL
		SELECT 2, t.id, t.slug, t.name, '', CAST(0 AS BIGINT), t.name
			FROM article_tags x JOIN tags t ON t.id = x.tag_id WHERE x.article_id = a.id
		UNION ALL
		SELECT 3, c.id, '', c.text, '', c.created_at, ''
			FROM corrections c WHERE c.article_id = a.id
		UNION ALL
		SELECT 4, o.id, o.slug, o.headline, o.lang, COALESCE(o.published_at, 0),
			CASE WHEN o.live_at IS NOT NULL AND o.live_at <= ? THEN 'live' ELSE '' END
			FROM article_translations me
			JOIN article_translations x ON x.grp = me.grp AND x.article_id <> me.article_id
			JOIN articles o ON o.id = x.article_id WHERE me.article_id = a.id`

// readLinks fills an article's bylines, tags, corrections and
// translations from linksQuery's rows as JSON arrays: they come with the
// article's own row, one round trip for the page most often rendered (on
// PostgreSQL every query is one).
func readLinks(a *content.Article, links string) error {
	const (
		kindAuthor = iota + 1
		kindTag
		kindCorrection
		kindTranslation
	)
	type link struct {
		kind, id        int64
		slug, name, bio string
		order           int64
		sortName        string
	}
	var raw [][]json.RawMessage
	if err := json.Unmarshal([]byte(links), &raw); err != nil {
		return fmt.Errorf("bylines, tags and corrections: %w", err)
	}
	list := make([]link, 0, len(raw))
	for _, r := range raw {
		var l link
		if len(r) != 7 {
			return fmt.Errorf("bylines, tags and corrections: a row of %d columns", len(r))
		}
		c := jsonCells{cells: r}
		c.int(&l.kind)
		c.int(&l.id)
		c.str(&l.slug)
		c.str(&l.name)
		c.str(&l.bio)
		c.int(&l.order)
		c.str(&l.sortName)
		if c.err != nil {
			return fmt.Errorf("bylines, tags and corrections: %w", c.err)
		}
		list = append(list, l)
	}
	slices.SortFunc(list, func(x, y link) int {
		return cmp.Or(cmp.Compare(x.kind, y.kind), cmp.Compare(x.order, y.order), cmp.Compare(x.sortName, y.sortName), cmp.Compare(x.id, y.id))
	})
	for _, l := range list {
		switch l.kind {
		case kindAuthor:
			a.Authors = append(a.Authors, content.Author{ID: l.id, Slug: l.slug, Name: l.name, Bio: l.bio})
		case kindTag:
			a.Tags = append(a.Tags, content.Tag{ID: l.id, Slug: l.slug, Name: l.name})
		case kindCorrection:
			a.Corrections = append(a.Corrections, content.Correction{ID: l.id, Text: l.name, CreatedAt: time.Unix(l.order, 0).UTC()})
		case kindTranslation:
			a.Translations = append(a.Translations, content.Translation{ID: l.id, Slug: l.slug, Headline: l.name, Lang: l.bio,
				PublishedAt: fromUnix(sql.NullInt64{Int64: l.order, Valid: l.order != 0}), Live: l.sortName == "live"})
		}
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// loadAuthors fills the bylines of many articles in one query.
func (s *Store) loadAuthors(ctx context.Context, list []*content.Article) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[int64]*content.Article, len(list))
	args := make([]any, len(list))
	for i, a := range list {
		byID[a.ID] = a
		args[i] = a.ID
	}
	rows, err := s.query(ctx, s.dialect.rebind(`SELECT x.article_id, au.id, au.slug, au.name, au.bio
		FROM article_authors x JOIN authors au ON au.id = x.author_id
		WHERE x.article_id IN (`+placeholders(len(list))+`) ORDER BY x.article_id, x.position`), args...)
	if err != nil {
		return fmt.Errorf("load bylines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var au content.Author
		if err := rows.Scan(&id, &au.ID, &au.Slug, &au.Name, &au.Bio); err != nil {
			return fmt.Errorf("load bylines: %w", err)
		}
		byID[id].Authors = append(byID[id].Authors, au)
	}
	return rows.Err()
}

// loadTags fills the tags of many articles in one query, ordered by name
// as an article's own page (readLinks) orders them.
func (s *Store) loadTags(ctx context.Context, list []*content.Article) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[int64]*content.Article, len(list))
	args := make([]any, len(list))
	for i, a := range list {
		byID[a.ID] = a
		args[i] = a.ID
	}
	rows, err := s.query(ctx, s.dialect.rebind(`SELECT x.article_id, t.id, t.slug, t.name
		FROM article_tags x JOIN tags t ON t.id = x.tag_id
		WHERE x.article_id IN (`+placeholders(len(list))+`) ORDER BY x.article_id, t.name, t.id`), args...)
	if err != nil {
		return fmt.Errorf("load tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t content.Tag
		if err := rows.Scan(&id, &t.ID, &t.Slug, &t.Name); err != nil {
			return fmt.Errorf("load tags: %w", err)
		}
		byID[id].Tags = append(byID[id].Tags, t)
	}
	return rows.Err()
}

func (s *Store) loadCorrections(ctx context.Context, a *content.Article) error {
	rows, err := s.query(ctx, s.dialect.rebind(`SELECT id, created_at, text FROM corrections WHERE article_id = ? ORDER BY created_at, id`), a.ID)
	if err != nil {
		return fmt.Errorf("load corrections: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c content.Correction
		var at int64
		if err := rows.Scan(&c.ID, &at, &c.Text); err != nil {
			return fmt.Errorf("load corrections: %w", err)
		}
		c.CreatedAt = time.Unix(at, 0).UTC()
		a.Corrections = append(a.Corrections, c)
	}
	return rows.Err()
}
