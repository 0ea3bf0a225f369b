package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/samizdat-press/samizdat/internal/content"
)

// ArticleWithRelated is ArticleBySlug and Related(a, n) in one statement:
// the article page, the page most often rendered, is one round trip on
// PostgreSQL. The related list is Related's, computed whatever the
// article's status.
func (s *Store) ArticleWithRelated(ctx context.Context, slug string, n int) (*content.Article, []*content.Article, error) {
	if n <= 0 {
		a, err := s.ArticleBySlug(ctx, slug)
		return a, nil, err
	}
	now := s.now().Unix()
	var links, related string
	row := s.queryRow(ctx, s.dialect.rebind(`SELECT `+fullCols+`, `+s.dialect.jsonRows(linksQuery, "k, i, sl, nm, b, o, sn")+`,
		`+s.dialect.jsonRows(s.relatedQuery(n), relatedCols)+`
		FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.slug = ?`), now, now, now, slug)
	a, err := scanArticle(row, true, &links, &related)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("article %v: %w", slug, ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("article %v: %w", slug, err)
	}
	if err := readLinks(a, links); err != nil {
		return nil, nil, fmt.Errorf("article %v: %w", slug, err)
	}
	list, err := readRelated(related)
	if err != nil {
		return nil, nil, fmt.Errorf("article %v: related: %w", slug, err)
	}
	return a, list, nil
}

// relatedCols name relatedQuery's columns: the sort keys (shared tags,
// newest time, byline position), the summary (as summaryCols) and the
// byline.
const relatedCols = `sc, at, pos, id, slug, hl, dek, lang, st, sid, sslug, sname,
	ikey, iw, ih, iws, ivar, ialt, icr, icap, pub, cre, upd, ver, cby, auid, auslug, auname, aubio`

// relatedQuery is Related's statement for the article a of the enclosing
// query, a row per byline (or one for an article without any); it takes
// two arguments, the time now twice. Each of a's tags gives its newest
// n*3 articles in a's language, a's section its newest n*2; those sharing
// the most tags with a come first, newest among equals.
func (s *Store) relatedQuery(n int) string {
	tagged := s.dialect.lateral(`article_tags mt`, `SELECT t.article_id AS id, t.live_at AS live_at FROM article_tags t
				JOIN articles o ON o.id = t.article_id
				WHERE t.tag_id = mt.tag_id AND t.live_at IS NOT NULL AND t.live_at <= ? AND t.article_id <> a.id AND o.lang = a.lang
				ORDER BY t.live_at DESC LIMIT `+strconv.Itoa(n*3), []string{"id", "live_at"}) + ` WHERE mt.article_id = a.id`
	return `SELECT r.score AS sc, r.at AS at, COALESCE(x.position, 0) AS pos,
			ra.id AS id, ra.slug AS slug, ra.headline AS hl, ra.dek AS dek, ra.lang AS lang, ra.status AS st,
			ra.section_id AS sid, rs.slug AS sslug, rs.name AS sname,
			ra.image_key AS ikey, ra.image_width AS iw, ra.image_height AS ih, ra.image_widths AS iws, ra.image_variants AS ivar,
			ra.image_alt AS ialt, ra.image_credit AS icr, ra.image_caption AS icap,
			ra.published_at AS pub, ra.created_at AS cre, ra.updated_at AS upd, ra.version AS ver, COALESCE(ra.created_by, 0) AS cby,
			au.id AS auid, au.slug AS auslug, au.name AS auname, au.bio AS aubio
		FROM (SELECT c.id, SUM(c.from_tag) AS score, MAX(c.live_at) AS at FROM (
			SELECT g.id, g.live_at, 1 AS from_tag FROM (` + tagged + `) g
			UNION ALL
			SELECT * FROM (SELECT o.id, o.live_at, 0 AS from_tag FROM articles o
				WHERE o.section_id = a.section_id AND o.lang = a.lang AND o.live_at IS NOT NULL AND o.live_at <= ? AND o.id <> a.id
				ORDER BY o.live_at DESC LIMIT ` + strconv.Itoa(n*2) + `) sec
			) c GROUP BY c.id ORDER BY score DESC, at DESC, c.id DESC LIMIT ` + strconv.Itoa(n) + `) r
		JOIN articles ra ON ra.id = r.id JOIN sections rs ON rs.id = ra.section_id
		LEFT JOIN article_authors x ON x.article_id = ra.id LEFT JOIN authors au ON au.id = x.author_id`
}

// readRelated reads relatedQuery's rows, a JSON array of arrays, into
// Related's list, in its order.
func readRelated(rows string) ([]*content.Article, error) {
	var raw [][]json.RawMessage
	if err := json.Unmarshal([]byte(rows), &raw); err != nil {
		return nil, err
	}
	type row struct {
		score, at, pos int64
		a              *content.Article
		au             content.Author
		hasAuthor      bool
	}
	list := make([]row, 0, len(raw))
	for _, cells := range raw {
		if len(cells) != 29 {
			return nil, fmt.Errorf("a row of %d columns", len(cells))
		}
		var (
			r   row
			a   content.Article
			sum summaryRow
			au  sql.NullInt64
		)
		c := jsonCells{cells: cells}
		c.int(&r.score)
		c.int(&r.at)
		c.int(&r.pos)
		c.int(&a.ID)
		c.str(&a.Slug)
		c.str(&a.Headline)
		c.str(&a.Dek)
		c.str(&a.Lang)
		c.str(&sum.status)
		c.int(&a.Section.ID)
		c.str(&a.Section.Slug)
		c.str(&a.Section.Name)
		c.str(&a.Image.Key)
		c.intAs(&a.Image.Width)
		c.intAs(&a.Image.Height)
		c.str(&sum.widths)
		c.str(&sum.variants)
		c.str(&a.Image.Alt)
		c.str(&a.Image.Credit)
		c.str(&a.Image.Caption)
		c.nullInt(&sum.published)
		c.int(&sum.created)
		c.int(&sum.updated)
		c.intAs(&a.Version)
		c.int(&a.CreatedBy)
		c.nullInt(&au)
		c.str(&r.au.Slug)
		c.str(&r.au.Name)
		c.str(&r.au.Bio)
		if c.err != nil {
			return nil, c.err
		}
		sum.finish(&a)
		r.a, r.au.ID, r.hasAuthor = &a, au.Int64, au.Valid
		list = append(list, r)
	}
	slices.SortFunc(list, func(x, y row) int {
		return cmp.Or(-cmp.Compare(x.score, y.score), -cmp.Compare(x.at, y.at), -cmp.Compare(x.a.ID, y.a.ID), cmp.Compare(x.pos, y.pos))
	})
	var out []*content.Article
	for _, r := range list {
		a := r.a
		if len(out) > 0 && out[len(out)-1].ID == a.ID {
			a = out[len(out)-1]
		} else {
			out = append(out, a)
		}
		if r.hasAuthor {
			a.Authors = append(a.Authors, r.au)
		}
	}
	return out, nil
}

// jsonCells reads a JSON row's cells in turn, keeping the first error:
// numbers and strings without escapes are read without the reflection
// json.Unmarshal goes through.
type jsonCells struct {
	cells []json.RawMessage
	next  int
	err   error
}

func (c *jsonCells) cell() []byte {
	if c.err != nil || c.next >= len(c.cells) {
		if c.err == nil {
			c.err = errors.New("too few columns")
		}
		return nil
	}
	b := c.cells[c.next]
	c.next++
	return b
}

func (c *jsonCells) fail(b []byte, err error) {
	if c.err == nil {
		c.err = fmt.Errorf("column %d (%.40s): %w", c.next, b, err)
	}
}

// int reads a number; null reads as 0, as json.Unmarshal leaves it.
func (c *jsonCells) int(dst *int64) {
	var n sql.NullInt64
	c.nullInt(&n)
	*dst = n.Int64
}

func (c *jsonCells) intAs(dst *int) {
	var n int64
	c.int(&n)
	*dst = int(n)
}

func (c *jsonCells) nullInt(dst *sql.NullInt64) {
	b := c.cell()
	if b == nil {
		return
	}
	if string(b) == "null" {
		*dst = sql.NullInt64{}
		return
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		c.fail(b, err)
	}
	*dst = sql.NullInt64{Int64: n, Valid: true}
}

// str reads a string; null (a byline's columns, for an article without
// one) reads as "".
func (c *jsonCells) str(dst *string) {
	b := c.cell()
	if b == nil {
		return
	}
	if string(b) == "null" {
		*dst = ""
		return
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		*dst = string(b[1 : len(b)-1])
		return
	}
	if err := json.Unmarshal(b, dst); err != nil {
		c.fail(b, err)
	}
}
