package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/jackc/pgx/v5/pgconn"
	"slices"
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

// ErrSearchTooSlow means a search ran past the statement timeout, as a
// phrase of very common words can on PostgreSQL.
var ErrSearchTooSlow = errors.New("search took too long")

// canceledByTimeout reports PostgreSQL's statement timeout (57014).
func canceledByTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "57014"
}

// SearchCap bounds the matches a search ranks and counts: the newest
// SearchCap matches are ranked by relevance. A news site's readers want
// recent stories, and the bound keeps a search for a word found in every
// article as fast as one for a rare word.
const SearchCap = 1000

// searcher is the engine-specific half of search.
type searcher interface {
	// match turns a parsed query into the engine's match argument.
	match(q content.Query) string
	// candidates returns the IDs of up to SearchCap live matches, best first.
	// lang, when not empty, keeps articles in that language only.
	candidates(ctx context.Context, db *sql.DB, match, lang string, now int64) ([]int64, error)
	// snippetQuery selects the summary columns, then the snippet, then the
	// id again, of the articles whose ids follow: args: match, ids (n of
	// them). One query for a page of hits evaluates the match once.
	snippetQuery(n int, q content.Query) string
	// snippet is the hit's snippet: the engine's, or one made here.
	snippet(q content.Query, engine string, a *content.Article, body string) string
}

type fts5 struct{}

func (fts5) match(q content.Query) string {
	quote := func(w string) string { return `"` + strings.ReplaceAll(w, `"`, `""`) + `"` }
	var parts []string
	for _, t := range q.Terms {
		ws := make([]string, len(t.Words))
		for i, w := range t.Words {
			ws[i] = quote(indexWord(w))
		}
		if len(ws) == 1 {
			parts = append(parts, ws[0])
			continue
		}
		parts = append(parts, strings.Join(ws, " + "))
	}
	m := strings.Join(parts, " AND ")
	for _, w := range q.Excluded {
		m += " NOT " + quote(indexWord(w))
	}
	return m
}

// indexWord is a query word as the index holds it: a Cyrillic word's stem
// (content.IndexText), any other word as typed (porter stems English).
func indexWord(w string) string {
	if st, ok := content.RussianStem(w); ok {
		return st
	}
	return w
}

// snippet: FTS5 cuts its snippet from the index text, in which Cyrillic
// words are stems, which readers must not see; a Russian query's or a
// Russian article's snippet is cut from the text here (stemSnippet).
func (fts5) snippet(q content.Query, engine string, a *content.Article, body string) string {
	if content.HasCyrillic(flatten(q)...) || content.HasCyrillic(a.Headline, a.Dek, body) {
		return stemSnippet(q, body, a.Dek, a.Headline)
	}
	return engine
}

// flatten is every word of q.
func flatten(q content.Query) []string {
	var out []string
	for _, t := range q.Terms {
		out = append(out, t.Words...)
	}
	return append(out, q.Excluded...)
}

// An article's search key, SQLite's full-text rowid (migration 0012):
// its language's number times searchLangScale, plus live_at times
// searchKeyScale, plus its id. Ids stay below searchKeyScale.
const (
	searchKeyScale  = 100_000_000
	searchLangScale = 1_000_000_000_000_000_000
)

// searchLangs are the language numbers of the search key, as migration
// 0012 computes them; any other language is 8.
var searchLangs = map[string]int64{"en": 0, "ru": 1}

const searchOtherLang = 8

// candidates reads the full-text index in rowid order, which within one
// language's range is publication order, newest first from now: FTS5
// walks the matches' lists backwards and stops at SearchCap, so a word
// found in every article costs no more than a rare one. The same pass
// scores each candidate by bm25 with the headline weighted above the dek
// above the body, and they are ranked here: relevance, then recency. A
// search of every language reads each language's range and keeps the
// SearchCap newest of them all.
func (fts5) candidates(ctx context.Context, db *sql.DB, match, lang string, now int64) ([]int64, error) {
	nums := []int64{0, 1, searchOtherLang}
	if lang != "" {
		n, ok := searchLangs[lang]
		if !ok {
			n = searchOtherLang
		}
		nums = []int64{n}
	}
	type cand struct {
		key   int64
		score float64
	}
	var cs []cand
	for _, n := range nums {
		lo := n * searchLangScale
		rows, err := db.QueryContext(ctx, `SELECT rowid, bm25(articles_fts, 10.0, 4.0, 1.0) FROM articles_fts
			WHERE articles_fts MATCH ? AND rowid >= ? AND rowid < ? ORDER BY rowid DESC LIMIT ?`,
			match, lo, lo+(now+1)*searchKeyScale, SearchCap)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c cand
			if err := rows.Scan(&c.key, &c.score); err != nil {
				rows.Close()
				return nil, err
			}
			cs = append(cs, c)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	if len(nums) > 1 && len(cs) > SearchCap {
		// The newest SearchCap over every language: by live_at, then id.
		slices.SortFunc(cs, func(x, y cand) int { return cmp.Compare(y.key%searchLangScale, x.key%searchLangScale) })
		cs = cs[:SearchCap]
	}
	slices.SortFunc(cs, func(x, y cand) int {
		return cmp.Or(cmp.Compare(x.score, y.score), cmp.Compare(y.key%searchLangScale, x.key%searchLangScale))
	})
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.key % searchKeyScale
	}
	return ids, nil
}

func (fts5) snippetQuery(n int, q content.Query) string {
	snippet := `snippet(articles_fts, -1, '` + MarkStart + `', '` + MarkEnd + `', '…', 24)`
	if content.HasCyrillic(flatten(q)...) {
		snippet = `''` // cut from the text by stemSnippet instead
	}
	return `SELECT ` + summaryCols + `, ` + snippet + `, a.id, a.body_text
		FROM articles_fts f JOIN articles a ON a.search_key = f.rowid JOIN sections s ON s.id = a.section_id
		WHERE articles_fts MATCH ? AND f.rowid IN (SELECT search_key FROM articles WHERE id IN (` + placeholders(n) + `))`
}

// Search finds live articles matching a reader's query, best first. The
// total is capped at SearchCap.
func (s *Store) Search(ctx context.Context, q content.Query, limit, offset int) ([]SearchHit, int, error) {
	if q.Empty() {
		return nil, 0, nil
	}
	m := s.dialect.search.match(q)
	ids, err := s.dialect.search.candidates(ctx, s.read, m, q.Lang, s.now().Unix())
	if canceledByTimeout(err) {
		return nil, 0, fmt.Errorf("search: %w", ErrSearchTooSlow)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	total := len(ids)
	if offset >= total {
		return nil, total, nil
	}
	ids = ids[offset:min(total, offset+limit)]
	hits := make([]SearchHit, 0, len(ids))
	list := make([]*content.Article, 0, len(ids))
	args := make([]any, 0, len(ids)+1)
	args = append(args, m)
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(s.dialect.search.snippetQuery(len(ids), q)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	found := make(map[int64]SearchHit, len(ids))
	for rows.Next() {
		var h SearchHit
		var id int64
		var body string
		a, err := scanArticle(rows, false, &h.Snippet, &id, &body)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("search: %w", err)
		}
		h.Article = a
		h.Snippet = s.dialect.search.snippet(q, h.Snippet, a, body)
		found[id] = h
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	for _, id := range ids { // in rank order; one unpublished since the first query is gone
		if h, ok := found[id]; ok {
			hits = append(hits, h)
			list = append(list, h.Article)
		}
	}
	return hits, total, s.loadAuthors(ctx, list)
}

// langFilter is the condition keeping one language's articles (none for
// every language) on column, and the arguments from now on: now, the
// language if any, then rest.
func langFilter(column, lang string, now int64, rest ...any) (string, []any) {
	if lang == "" {
		return "", append([]any{now}, rest...)
	}
	return " AND " + column + " = ?", append([]any{now, lang}, rest...)
}
