package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// ListQuery selects live articles, newest first. At most one of SectionID,
// TagID and AuthorID is used, in that order.
type ListQuery struct {
	// Lang limits the home and section lists to one edition ("": every
	// language). Tag and author lists span both editions.
	Lang      string
	SectionID int64
	TagID     int64
	AuthorID  int64
	Since     time.Time // only articles published at or after it
	Limit     int
	Offset    int
	Full      bool // include bodies, tags and corrections, for feeds
	NoBylines bool // skip loading authors, for sitemaps
}

// pageSQL selects the IDs of one page of a list, newest first, from the
// partial index the filter uses and nothing else: the articles' rows (and
// their bodies) are read only for the page itself, not for the rows an
// OFFSET skips, so page 1,000 costs about what page 1 does.
func (s *Store) pageSQL(q ListQuery) (sql string, args []any) {
	now := s.now().Unix()
	since := int64(0)
	if !q.Since.IsZero() {
		since = q.Since.Unix()
	}
	switch {
	case q.SectionID != 0 && q.Lang != "":
		sql, args = `SELECT a.id AS id, a.live_at AS live_at FROM articles a
			WHERE a.section_id = ? AND a.lang = ? AND a.live_at IS NOT NULL AND a.live_at <= ? AND a.live_at >= ?
			ORDER BY a.live_at DESC, a.id DESC`, []any{q.SectionID, q.Lang, now, since}
	case q.SectionID != 0:
		sql, args = `SELECT a.id AS id, a.live_at AS live_at FROM articles a
			WHERE a.section_id = ? AND a.live_at IS NOT NULL AND a.live_at <= ? AND a.live_at >= ?
			ORDER BY a.live_at DESC, a.id DESC`, []any{q.SectionID, now, since}
	case q.TagID != 0:
		sql, args = `SELECT x.article_id AS id, x.live_at AS live_at FROM article_tags x
			WHERE x.tag_id = ? AND x.live_at IS NOT NULL AND x.live_at <= ? AND x.live_at >= ?
			ORDER BY x.live_at DESC, x.article_id DESC`, []any{q.TagID, now, since}
	case q.AuthorID != 0:
		sql, args = `SELECT x.article_id AS id, x.live_at AS live_at FROM article_authors x
			WHERE x.author_id = ? AND x.live_at IS NOT NULL AND x.live_at <= ? AND x.live_at >= ?
			ORDER BY x.live_at DESC, x.article_id DESC`, []any{q.AuthorID, now, since}
	case q.Lang != "":
		sql, args = `SELECT a.id AS id, a.live_at AS live_at FROM articles a
			WHERE a.lang = ? AND a.live_at IS NOT NULL AND a.live_at <= ? AND a.live_at >= ?
			ORDER BY a.live_at DESC, a.id DESC`, []any{q.Lang, now, since}
	default:
		sql, args = `SELECT a.id AS id, a.live_at AS live_at FROM articles a
			WHERE a.live_at IS NOT NULL AND a.live_at <= ? AND a.live_at >= ?
			ORDER BY a.live_at DESC, a.id DESC`, []any{now, since}
	}
	return sql + ` LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)
}

// ListArticles returns live articles, newest first.
func (s *Store) ListArticles(ctx context.Context, q ListQuery) ([]*content.Article, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	page, args := s.pageSQL(q)
	cols := summaryCols
	if q.Full {
		cols = fullCols
	}
	rows, err := s.query(ctx, s.dialect.rebind(`SELECT `+cols+` FROM (`+page+`) p
		JOIN articles a ON a.id = p.id JOIN sections s ON s.id = a.section_id
		ORDER BY p.live_at DESC, p.id DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	defer rows.Close()
	var list []*content.Article
	for rows.Next() {
		a, err := scanArticle(rows, q.Full)
		if err != nil {
			return nil, fmt.Errorf("list articles: %w", err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	rows.Close()
	if !q.NoBylines {
		if err := s.loadAuthors(ctx, list); err != nil {
			return nil, err
		}
	}
	if q.Full {
		// Feeds carry the tags as categories, and corrections with the
		// full text.
		if err := s.loadTags(ctx, list); err != nil {
			return nil, err
		}
		for _, a := range list {
			if err := s.loadCorrections(ctx, a); err != nil {
				return nil, err
			}
		}
	}
	return list, nil
}

// CountArticles counts what ListArticles would page through. It reads
// only the index the filter uses: joining the articles themselves (for
// their section) would read every counted row, bodies and all, which on
// 100,000 articles took seconds.
func (s *Store) CountArticles(ctx context.Context, q ListQuery) (int, error) {
	now := s.now().Unix()
	since := int64(0)
	if !q.Since.IsZero() {
		since = q.Since.Unix()
	}
	from, args := ` FROM articles a WHERE a.live_at IS NOT NULL AND a.live_at <= ? AND a.live_at >= ?`, []any{now, since}
	switch {
	case q.SectionID != 0 && q.Lang != "":
		from, args = ` FROM articles a WHERE a.section_id = ? AND a.lang = ? AND a.live_at IS NOT NULL AND a.live_at <= ? AND a.live_at >= ?`,
			[]any{q.SectionID, q.Lang, now, since}
	case q.SectionID != 0:
		from, args = ` FROM articles a WHERE a.section_id = ? AND a.live_at IS NOT NULL AND a.live_at <= ? AND a.live_at >= ?`,
			[]any{q.SectionID, now, since}
	case q.TagID != 0:
		from, args = ` FROM article_tags x WHERE x.tag_id = ? AND x.live_at IS NOT NULL AND x.live_at <= ? AND x.live_at >= ?`,
			[]any{q.TagID, now, since}
	case q.AuthorID != 0:
		from, args = ` FROM article_authors x WHERE x.author_id = ? AND x.live_at IS NOT NULL AND x.live_at <= ? AND x.live_at >= ?`,
			[]any{q.AuthorID, now, since}
	case q.Lang != "":
		from, args = ` FROM articles a WHERE a.lang = ? AND a.live_at IS NOT NULL AND a.live_at <= ? AND a.live_at >= ?`,
			[]any{q.Lang, now, since}
	}
	var n int
	if err := s.queryRow(ctx, s.dialect.rebind(`SELECT COUNT(*)`+from), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return n, nil
}

// ArticleLoc is where a live article is and when it last changed: what a
// sitemap lists.
type ArticleLoc struct {
	ID          int64
	Slug        string
	PublishedAt time.Time
	UpdatedAt   time.Time
	// Versions are the live members of the article's translation group,
	// itself included, when it has a live translation: the sitemap's
	// hreflang alternates. Empty for an article in one language only.
	Versions []content.Translation
}

// Path is the article's public path, as content.Article.Path gives it.
func (l ArticleLoc) Path() string {
	a := content.Article{Slug: l.Slug, PublishedAt: l.PublishedAt}
	return a.Path()
}

// ArticleLocs pages through live articles, newest first, reading only what
// a sitemap needs, from the articles_sitemap index alone, and then the
// translation groups of the articles that have one.
func (s *Store) ArticleLocs(ctx context.Context, offset, limit int) ([]ArticleLoc, error) {
	now := s.now().Unix()
	rows, err := s.query(ctx, s.dialect.rebind(`SELECT a.id, a.slug, a.published_at, a.updated_at FROM articles a
		WHERE a.live_at IS NOT NULL AND a.live_at <= ? ORDER BY a.live_at DESC, a.id DESC LIMIT ? OFFSET ?`),
		now, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("article locations: %w", err)
	}
	defer rows.Close()
	out := make([]ArticleLoc, 0, min(limit, 1024))
	for rows.Next() {
		var l ArticleLoc
		var published sql.NullInt64
		var updated int64
		if err := rows.Scan(&l.ID, &l.Slug, &published, &updated); err != nil {
			return nil, fmt.Errorf("article locations: %w", err)
		}
		l.PublishedAt, l.UpdatedAt = fromUnix(published), time.Unix(updated, 0).UTC()
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("article locations: %w", err)
	}
	rows.Close()
	return out, s.locVersions(ctx, out, now)
}

// locVersions fills in the translation groups of locs, a few hundred
// articles a query.
func (s *Store) locVersions(ctx context.Context, locs []ArticleLoc, now int64) error {
	const chunk = 500
	at := make(map[int64]int, len(locs))
	for i, l := range locs {
		at[l.ID] = i
	}
	for start := 0; start < len(locs); start += chunk {
		part := locs[start:min(start+chunk, len(locs))]
		args := make([]any, 0, len(part)+1)
		args = append(args, now)
		for _, l := range part {
			args = append(args, l.ID)
		}
		rows, err := s.query(ctx, s.dialect.rebind(`SELECT t.article_id, m.id, m.lang, m.slug, m.published_at
			FROM article_translations t
			JOIN article_translations o ON o.grp = t.grp
			JOIN articles m ON m.id = o.article_id
			WHERE m.live_at IS NOT NULL AND m.live_at <= ? AND t.article_id IN (`+placeholders(len(part))+`)
			ORDER BY t.article_id, m.lang`), args...)
		if err != nil {
			return fmt.Errorf("article locations: translations: %w", err)
		}
		for rows.Next() {
			var of int64
			var v content.Translation
			var published sql.NullInt64
			if err := rows.Scan(&of, &v.ID, &v.Lang, &v.Slug, &published); err != nil {
				rows.Close()
				return fmt.Errorf("article locations: translations: %w", err)
			}
			v.PublishedAt, v.Live = fromUnix(published), true
			i := at[of]
			locs[i].Versions = append(locs[i].Versions, v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("article locations: translations: %w", err)
		}
	}
	for i := range locs {
		if len(locs[i].Versions) < 2 {
			locs[i].Versions = nil
		}
	}
	return nil
}

// Related returns up to n live articles for a "Read more" list, in a's
// language (its reader may read no other): those sharing the most tags with
// a first (newest among equals), then the newest of its section. One query
// does it all, a branch per tag plus one for the section, ranked and joined
// with the summaries and bylines. The article page reads the same list
// with its article, through ArticleWithRelated (relatedQuery); the
// store's tests keep the two equal.
func (s *Store) Related(ctx context.Context, a *content.Article, n int) ([]*content.Article, error) {
	if n <= 0 {
		return nil, nil
	}
	now := s.now().Unix()
	var q strings.Builder
	args := make([]any, 0, 4*(len(a.Tags)+1))
	q.WriteString(`SELECT ` + summaryCols + `, au.id, au.slug, au.name, au.bio FROM (
		SELECT c.id, SUM(c.from_tag) AS score, MAX(c.live_at) AS at FROM (`)
	// The limits are written into the statement, not passed: PostgreSQL
	// plans a statement with a LIMIT parameter anew on every run (its
	// generic plan guesses the limit and looks dearer than the custom
	// ones), and planning this one took longer than running it.
	for i, t := range a.Tags {
		fmt.Fprintf(&q, `SELECT * FROM (SELECT t.article_id AS id, t.live_at, 1 AS from_tag FROM article_tags t
			JOIN articles a ON a.id = t.article_id
			WHERE t.tag_id = ? AND t.live_at IS NOT NULL AND t.live_at <= ? AND t.article_id <> ? AND a.lang = ?
			ORDER BY t.live_at DESC LIMIT %d) t%d UNION ALL `, n*3, i)
		args = append(args, t.ID, now, a.ID, a.Lang)
	}
	fmt.Fprintf(&q, `SELECT * FROM (SELECT id, live_at, 0 AS from_tag FROM articles
			WHERE section_id = ? AND lang = ? AND live_at IS NOT NULL AND live_at <= ? AND id <> ?
			ORDER BY live_at DESC LIMIT %d) sec
		) c GROUP BY c.id ORDER BY score DESC, at DESC, c.id DESC LIMIT %d) r
		JOIN articles a ON a.id = r.id JOIN sections s ON s.id = a.section_id
		LEFT JOIN article_authors x ON x.article_id = a.id LEFT JOIN authors au ON au.id = x.author_id
		ORDER BY r.score DESC, r.at DESC, r.id DESC, x.position`, n*2, n)
	args = append(args, a.Section.ID, a.Lang, now, a.ID)
	rows, err := s.query(ctx, s.dialect.rebind(q.String()), args...)
	if err != nil {
		return nil, fmt.Errorf("related: %w", err)
	}
	defer rows.Close()
	var out []*content.Article
	for rows.Next() {
		var (
			auID                  sql.NullInt64
			auSlug, auName, auBio sql.NullString
		)
		r, err := scanArticle(rows, false, &auID, &auSlug, &auName, &auBio)
		if err != nil {
			return nil, fmt.Errorf("related: %w", err)
		}
		if len(out) > 0 && out[len(out)-1].ID == r.ID {
			r = out[len(out)-1]
		} else {
			out = append(out, r)
		}
		if auID.Valid {
			r.Authors = append(r.Authors, content.Author{ID: auID.Int64, Slug: auSlug.String, Name: auName.String, Bio: auBio.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("related: %w", err)
	}
	return out, nil
}

// articlesByIDs returns summaries with their bylines, in the order of ids,
// in one query: a row per byline (or one for an article without any).
func (s *Store) articlesByIDs(ctx context.Context, ids []int64) ([]*content.Article, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.query(ctx, s.dialect.rebind(`SELECT `+summaryCols+`, au.id, au.slug, au.name, au.bio
		FROM articles a JOIN sections s ON s.id = a.section_id
		LEFT JOIN article_authors x ON x.article_id = a.id LEFT JOIN authors au ON au.id = x.author_id
		WHERE a.id IN (`+placeholders(len(ids))+`) ORDER BY a.id, x.position`), args...)
	if err != nil {
		return nil, fmt.Errorf("articles by id: %w", err)
	}
	defer rows.Close()
	byID := map[int64]*content.Article{}
	for rows.Next() {
		var (
			auID                  sql.NullInt64
			auSlug, auName, auBio sql.NullString
		)
		a, err := scanArticle(rows, false, &auID, &auSlug, &auName, &auBio)
		if err != nil {
			return nil, fmt.Errorf("articles by id: %w", err)
		}
		if seen := byID[a.ID]; seen != nil {
			a = seen
		} else {
			byID[a.ID] = a
		}
		if auID.Valid {
			a.Authors = append(a.Authors, content.Author{ID: auID.Int64, Slug: auSlug.String, Name: auName.String, Bio: auBio.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("articles by id: %w", err)
	}
	out := make([]*content.Article, 0, len(ids))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}
