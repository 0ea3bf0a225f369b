package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/jackc/pgx/v5/pgconn"
	"slices"
	"strings"
	"unicode"

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
	// compile turns a parsed query into the engine's match arguments,
	// reading the archive's words for a prefix where the engine needs to.
	compile(ctx context.Context, db *sql.DB, q content.Query) (compiled, error)
	// results ranks up to SearchCap live matches, best first (as rank
	// does), and returns the IDs of those from offset, at most limit, and
	// the number of matches ranked. lang, when not empty, keeps articles
	// in that language only.
	results(ctx context.Context, db *sql.DB, m compiled, lang string, now int64, limit, offset int) ([]int64, int, error)
}

// compiled is a query in an engine's terms: whole is the match argument
// of the whole query; where are the tests that score a candidate: each
// positive term in the headline, then in the dek. The zero compiled
// matches nothing (none), as for a prefix no word of the archive has.
type compiled struct {
	whole string
	where []weighted
	// pairs, on PostgreSQL, is the tsquery of the query's phrases over
	// the pairs column (migration 0025), "" when it has none; whole then
	// holds the rest of the query's terms ("" when there is none) and
	// excluded its excluded words. SQLite's match has them all in it.
	pairs, excluded string
	// words, on PostgreSQL, says the query is of words only, which need
	// no positions: it is searched in search_lexemes (migration 0027).
	words bool
}

// none reports that c matches nothing: every query has a term, a word or
// a phrase, unless compile found one that no article can have.
func (c compiled) none() bool { return c.whole == "" && c.pairs == "" }

// weighted is one scoring test: a candidate matching it gains weight.
// column, on PostgreSQL, is the search_lexemes column match is tested on;
// SQLite's match names its column.
type weighted struct {
	match  string
	weight int
	column string
}

// Where a term is found weighs its part in an article's relevance: in the
// headline most, then in the dek; in the body only (every candidate has
// every term somewhere) nothing more. Both engines score alike, so they
// rank alike (TestSearchParity).
const (
	headlineWeight = 10
	dekWeight      = 4
)

// scored is a candidate: its recency (larger is newer) and its score.
type scored struct {
	id, recency int64
	score       int
}

// rank orders candidates by relevance, then recency, and returns their IDs.
func rank(cs []scored) []int64 {
	slices.SortFunc(cs, func(x, y scored) int {
		return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(y.recency, x.recency))
	})
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.id
	}
	return ids
}

type fts5 struct{}

// compile: a prefix term becomes the OR of the archive's words that
// start with it (prefixWords), as FTS5's own prefix query merges the lists
// of every such word before it returns a first row (230 ms for "th*" at
// 100,000 articles), while an OR of words walks them newest first.
func (f fts5) compile(ctx context.Context, db *sql.DB, q content.Query) (compiled, error) {
	expanded := make([][]string, len(q.Terms))
	for i, t := range q.Terms {
		if t.Prefix {
			ws, err := prefixWords(ctx, db, func(q string) string { return q }, t.Words[len(t.Words)-1])
			if err != nil {
				return compiled{}, err
			}
			expanded[i] = ws
		}
	}
	c := compiled{whole: f.matchExpanded(q, expanded)}
	if c.none() {
		return c, nil
	}
	for i, t := range q.Terms {
		c.where = append(c.where, weighted{match: ftsTerm(t, expanded[i], "pairs_headline", "search_headline"), weight: headlineWeight},
			weighted{match: ftsTerm(t, expanded[i], "pairs_dek", "search_dek"), weight: dekWeight})
	}
	return c, nil
}

// MaxPrefixWords bounds the words a prefix stands for: the first of them
// in alphabetical order.
const MaxPrefixWords = 64

// prefixWords are the archive's words that start with prefix (the
// search_words table, migration 0020).
func prefixWords(ctx context.Context, db *sql.DB, rebind func(string) string, prefix string) ([]string, error) {
	if strings.ContainsFunc(prefix, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		return nil, nil // the list holds words of letters and digits only
	}
	rows, err := db.QueryContext(ctx, rebind(`SELECT word FROM search_words WHERE word >= ? AND word < ? ORDER BY word LIMIT ?`),
		prefix, prefix+"\U0010FFFF", MaxPrefixWords)
	if err != nil {
		return nil, fmt.Errorf("prefix %q: %w", prefix, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// ftsQuote is one word as an FTS5 string.
func ftsQuote(w string) string { return `"` + strings.ReplaceAll(w, `"`, `""`) + `"` }

// ftsTerm is one term of q as FTS5 query syntax. A prefix term is the OR
// of the words it stands for (expanded; prefixWords), or nothing when
// the archive has no such word. A phrase is looked for in the pair column
// pairs (ftsPairPhrase), a word in the column words ("": any column).
func ftsTerm(t content.Term, expanded []string, pairs, words string) string {
	phrase := func(ws []string) string {
		if len(ws) > 1 {
			return ftsPairPhrase(pairs, ws)
		}
		if words == "" {
			return ftsQuote(indexWord(ws[0]))
		}
		return "{" + words + "} : " + ftsQuote(indexWord(ws[0]))
	}
	if !t.Prefix {
		return phrase(t.Words)
	}
	head := t.Words[:len(t.Words)-1]
	var alts []string
	for _, w := range expanded {
		alts = append(alts, phrase(append(slices.Clone(head), w)))
	}
	if len(alts) == 0 {
		return ""
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// matchExpanded is q in FTS5 syntax, with each prefix term's words
// (expanded[i] for q.Terms[i]); "" when a term can match nothing.
func (fts5) matchExpanded(q content.Query, expanded [][]string) string {
	var parts []string
	for i, t := range q.Terms {
		var exp []string
		if i < len(expanded) {
			exp = expanded[i]
		}
		ft := ftsTerm(t, exp, "search_pairs", "")
		if ft == "" {
			return ""
		}
		parts = append(parts, ft)
	}
	m := strings.Join(parts, " AND ")
	for _, w := range q.Excluded {
		m += " NOT " + ftsQuote(indexWord(w))
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
// found in every article costs no more than a rare one. Then each term is
// looked for in the headline and in the dek of the candidates' key range
// only, in the small index of headlines and deks (ftsScore). bm25() is
// not used: it counts every match of each term in the whole archive on
// its first row, 5 ms for a word found in most articles, before the first
// result. A search of every language reads
// each language's range and keeps the SearchCap newest of them all.
func (fts5) candidates(ctx context.Context, db *sql.DB, m compiled, lang string, now int64) ([]int64, error) {
	if m.none() {
		return nil, nil
	}
	nums := []int64{0, 1, searchOtherLang}
	if lang != "" {
		n, ok := searchLangs[lang]
		if !ok {
			n = searchOtherLang
		}
		nums = []int64{n}
	}
	var keys []int64
	for _, n := range nums {
		lo := n * searchLangScale
		got, err := ftsKeys(ctx, db, `SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid >= ? AND rowid < ?
			ORDER BY rowid DESC LIMIT ?`, m.whole, lo, lo+(now+1)*searchKeyScale, SearchCap)
		if err != nil {
			return nil, err
		}
		keys = append(keys, got...)
	}
	if len(nums) > 1 && len(keys) > SearchCap {
		// The newest SearchCap over every language: by live_at, then id.
		slices.SortFunc(keys, func(x, y int64) int { return cmp.Compare(y%searchLangScale, x%searchLangScale) })
		keys = keys[:SearchCap]
	}
	cs := make([]scored, len(keys))
	at := make(map[int64]int, len(keys))
	for i, k := range keys {
		cs[i] = scored{id: k % searchKeyScale, recency: k % searchLangScale}
		at[k] = i
	}
	if err := ftsScore(ctx, db, m.where, keys, at, cs); err != nil {
		return nil, err
	}
	return rank(cs), nil
}

// results: the candidates ranked in Go, in process.
func (f fts5) results(ctx context.Context, db *sql.DB, m compiled, lang string, now int64, limit, offset int) ([]int64, int, error) {
	ids, err := f.candidates(ctx, db, m, lang, now)
	if err != nil {
		return nil, 0, err
	}
	if offset >= len(ids) {
		return nil, len(ids), nil
	}
	return ids[offset:min(len(ids), offset+limit)], len(ids), nil
}

// ftsScore adds to each candidate the weight of every test it passes,
// each looked for within each language's range of the candidates' keys.
func ftsScore(ctx context.Context, db *sql.DB, where []weighted, keys []int64, at map[int64]int, cs []scored) error {
	if len(keys) == 0 {
		return nil
	}
	type span struct{ lo, hi int64 }
	spans := map[int64]*span{}
	for _, k := range keys {
		lang := k / searchLangScale
		if sp, ok := spans[lang]; !ok {
			spans[lang] = &span{k, k}
		} else {
			sp.lo, sp.hi = min(sp.lo, k), max(sp.hi, k)
		}
	}
	for _, w := range where {
		for _, sp := range spans {
			found, err := ftsKeys(ctx, db, `SELECT rowid FROM articles_fts_hd WHERE articles_fts_hd MATCH ? AND rowid >= ? AND rowid <= ?`,
				w.match, sp.lo, sp.hi)
			if err != nil {
				return err
			}
			for _, k := range found {
				if i, ok := at[k]; ok {
					cs[i].score += w.weight
				}
			}
		}
	}
	return nil
}

// ftsKeys runs a query of full-text keys.
func ftsKeys(ctx context.Context, db *sql.DB, query string, args ...any) ([]int64, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// Search finds live articles matching a reader's query, best first. The
// total is capped at SearchCap.
func (s *Store) Search(ctx context.Context, q content.Query, limit, offset int) ([]SearchHit, int, error) {
	if q.Empty() {
		return nil, 0, nil
	}
	m, err := s.dialect.search.compile(ctx, s.read, q)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	ids, total, err := s.dialect.search.results(ctx, s.read, m, q.Lang, s.now().Unix(), limit, offset)
	if canceledByTimeout(err) {
		return nil, 0, fmt.Errorf("search: %w", ErrSearchTooSlow)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	if len(ids) == 0 {
		return nil, total, nil
	}
	hits := make([]SearchHit, 0, len(ids))
	args := make([]any, 0, len(ids))
	for _, id := range ids {
		args = append(args, id)
	}
	// The bylines come with the rows, as JSON: on PostgreSQL a query is
	// a round trip.
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT `+summaryCols+`, a.id, a.body_text, `+
		s.dialect.jsonRows(bylinesQuery, "i, sl, nm, b, o")+`
		FROM articles a JOIN sections s ON s.id = a.section_id WHERE a.id IN (`+placeholders(len(ids))+`)`), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	found := make(map[int64]SearchHit, len(ids))
	for rows.Next() {
		var h SearchHit
		var id int64
		var body, bylines string
		a, err := scanArticle(rows, false, &id, &body, &bylines)
		if err == nil {
			err = readBylines(a, bylines)
		}
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("search: %w", err)
		}
		h.Article = a
		h.Snippet = stemSnippet(q, body, a.Dek, a.Headline)
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
		}
	}
	return hits, total, nil
}

// bylinesQuery is the bylines of the article a of the enclosing query, in
// their order: id, slug, name, bio, position.
const bylinesQuery = `SELECT au.id AS i, au.slug AS sl, au.name AS nm, au.bio AS b, CAST(x.position AS BIGINT) AS o
	FROM article_authors x JOIN authors au ON au.id = x.author_id WHERE x.article_id = a.id`

// readBylines fills a's bylines from bylinesQuery's JSON rows.
func readBylines(a *content.Article, bylines string) error {
	var raw [][]json.RawMessage
	if err := json.Unmarshal([]byte(bylines), &raw); err != nil {
		return fmt.Errorf("bylines: %w", err)
	}
	type byline struct {
		au    content.Author
		order int64
	}
	list := make([]byline, 0, len(raw))
	for _, r := range raw {
		var b byline
		c := jsonCells{cells: r}
		c.int(&b.au.ID)
		c.str(&b.au.Slug)
		c.str(&b.au.Name)
		c.str(&b.au.Bio)
		c.int(&b.order)
		if c.err != nil {
			return fmt.Errorf("bylines: %w", c.err)
		}
		list = append(list, b)
	}
	slices.SortFunc(list, func(x, y byline) int { return cmp.Compare(x.order, y.order) })
	for _, b := range list {
		a.Authors = append(a.Authors, b.au)
	}
	return nil
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
