package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
)

// Snippet markers around matched words. They cannot occur in article text,
// so the site can escape the snippet and then turn them into <mark>.
const (
	MarkStart = "\x01"
	MarkEnd   = "\x02"
)

// SearchHit is one search result.
type SearchHit struct {
	Article *content.Article
	Snippet string // plain text with MarkStart/MarkEnd around matches
}

// searcher is the engine-specific half of search.
type searcher interface {
	// match turns a parsed query into the engine's match argument.
	match(q content.Query) string
	query() string // args: match, now, limit, offset
	count() string // args: match, now
}

type fts5 struct{}

func (fts5) match(q content.Query) string {
	quote := func(w string) string { return `"` + strings.ReplaceAll(w, `"`, `""`) + `"` }
	var parts []string
	for _, t := range q.Terms {
		if len(t.Words) == 1 {
			stem, prefix := content.Stem(t.Words[0])
			if prefix {
				parts = append(parts, quote(stem)+"*")
			} else {
				parts = append(parts, quote(stem))
			}
			continue
		}
		ws := make([]string, len(t.Words))
		for i, w := range t.Words {
			ws[i] = quote(w)
		}
		parts = append(parts, strings.Join(ws, " + "))
	}
	m := strings.Join(parts, " AND ")
	for _, w := range q.Excluded {
		m += " NOT " + quote(w)
	}
	return m
}

func (fts5) query() string {
	return `SELECT ` + summaryCols + `, snippet(articles_fts, -1, '` + MarkStart + `', '` + MarkEnd + `', '…', 24)
		FROM articles_fts f JOIN articles a ON a.id = f.rowid JOIN sections s ON s.id = a.section_id
		WHERE articles_fts MATCH ? AND a.live_at IS NOT NULL AND a.live_at <= ?
		ORDER BY bm25(articles_fts, 10.0, 4.0, 1.0), a.live_at DESC LIMIT ? OFFSET ?`
}

func (fts5) count() string {
	return `SELECT COUNT(*) FROM articles_fts f JOIN articles a ON a.id = f.rowid
		WHERE articles_fts MATCH ? AND a.live_at IS NOT NULL AND a.live_at <= ?`
}

// Search finds live articles matching a reader's query, best first, and
// counts all matches for pagination.
func (s *Store) Search(ctx context.Context, q content.Query, limit, offset int) ([]SearchHit, int, error) {
	if q.Empty() {
		return nil, 0, nil
	}
	m := s.dialect.search.match(q)
	now := s.now().Unix()
	var total int
	if err := s.read.QueryRowContext(ctx, s.dialect.rebind(s.dialect.search.count()), m, now).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("search count: %w", err)
	}
	if total == 0 || offset >= total {
		return nil, total, nil
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(s.dialect.search.query()), m, now, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var hits []SearchHit
	var list []*content.Article
	for rows.Next() {
		var h SearchHit
		a, err := scanArticle(rowWithExtra{rows, &h.Snippet}, false)
		if err != nil {
			return nil, 0, fmt.Errorf("search: %w", err)
		}
		h.Article = a
		hits = append(hits, h)
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	rows.Close()
	return hits, total, s.loadAuthors(ctx, list)
}

// rowWithExtra scans an article row followed by extra columns.
type rowWithExtra struct {
	row   scanner
	extra *string
}

func (r rowWithExtra) Scan(dest ...any) error { return r.row.Scan(append(dest, r.extra)...) }
