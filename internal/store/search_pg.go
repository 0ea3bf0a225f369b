package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/samizdat-press/samizdat/internal/content"
)

// pgSearch is PostgreSQL's full-text search: the articles.search tsvector
// column (generated, weighted A headline, B dek, C body, stemmed for the
// article's language) with a GIN index.
//
// A reader's words never reach PostgreSQL as tsquery syntax. match writes
// each word as a quoted, escaped operand (a Cyrillic word as its stem with
// :* for prefix matching), joins phrases with <-> and terms with &, and
// keeps the excluded words apart:
//
//	positive source \n excluded source
//
// The SQL (pgQuery) then normalizes both sources with to_tsquery under the
// English, Russian and simple configurations and ORs the three, so an
// English or Russian word finds articles of either language, and requires
// the positive query and none of the excluded words in any configuration.
type pgSearch struct {
	mu     sync.Mutex
	bounds map[string]pgWindows // by edition language
}

// pgWindows are an edition's window bounds and when they were read.
type pgWindows struct {
	at   time.Time
	from []int64
}

// pgSep separates the positive and the excluded halves of a match.
const pgSep = "\n"

// tsOperand quotes one word as a tsquery operand: inside quotes only the
// quote and the backslash are special. Control characters (the separator
// among them) and NUL, which PostgreSQL text cannot hold, become spaces.
func tsOperand(w string) string {
	w = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, w)
	w = strings.ReplaceAll(w, `\`, `\\`)
	w = strings.ReplaceAll(w, `'`, `''`)
	return `'` + w + `'`
}

// tsTerm is one term as a tsquery source: a word, a phrase of words
// joined by <->, a prefix's last word with :*. weight, when not empty,
// keeps lexemes of that weight only (A headline, B dek).
func tsTerm(t content.Term, weight string) string {
	ws := make([]string, len(t.Words))
	for i, w := range t.Words {
		ws[i] = tsOperand(w)
		if t.Prefix && i == len(ws)-1 {
			ws[i] += ":*" + weight
		} else if weight != "" {
			ws[i] += ":" + weight
		}
	}
	if len(ws) == 1 {
		// The configurations stem the word: a Russian one by Snowball,
		// as SQLite's index text does (content.IndexText).
		return ws[0]
	}
	return "(" + strings.Join(ws, " <-> ") + ")"
}

func (*pgSearch) match(q content.Query) string {
	var pos []string
	for _, t := range q.Terms {
		pos = append(pos, tsTerm(t, ""))
	}
	var neg []string
	seen := map[string]bool{}
	for _, w := range q.Excluded {
		if !seen[w] {
			seen[w] = true
			neg = append(neg, tsOperand(w))
		}
	}
	return strings.Join(pos, " & ") + pgSep + strings.Join(neg, " | ")
}

// compile: PostgreSQL's index finds a prefix's words itself.
func (p *pgSearch) compile(_ context.Context, _ *sql.DB, q content.Query) (compiled, error) {
	c := compiled{whole: p.match(q)}
	for _, t := range q.Terms {
		c.where = append(c.where, weighted{tsTerm(t, "A"), headlineWeight}, weighted{tsTerm(t, "B"), dekWeight})
	}
	return c, nil
}

// pgAnyConfig normalizes a tsquery source under each configuration an
// article can be indexed with and ORs the results.
func pgAnyConfig(src string) string {
	return `(to_tsquery('english', ` + src + `) || to_tsquery('russian', ` + src + `) || to_tsquery('simple', ` + src + `))`
}

// pgQuery is a FROM item "q" with one row and one column, q.q: the reader's
// tsquery. It takes one argument, the match. An empty positive query (only
// stop words or over-long words) stays empty and matches nothing, even with
// exclusions.
var pgQuery = `(SELECT CASE WHEN numnode(t.p) = 0 OR numnode(t.n) = 0 THEN t.p ELSE t.p && !!t.n END AS q
	FROM (SELECT ` + pgAnyConfig(`s.p`) + ` AS p,
		CASE WHEN s.n = '' THEN ''::tsquery ELSE ` + pgAnyConfig(`s.n`) + ` END AS n
		FROM (SELECT split_part(i.m, chr(10), 1) AS p, split_part(i.m, chr(10), 2) AS n
			FROM (SELECT CAST(? AS text) AS m) i) s) t) q`

// pgConfig is the text search configuration an article is indexed with;
// it must match the search column's definition in the migrations.
const pgConfig = `(CASE a.lang WHEN 'ru' THEN 'russian'::regconfig WHEN 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END)`

// candidates keeps the newest SearchCap live matches (by live_at, as on
// SQLite) and scores them as SQLite does: each term found in the headline
// adds headlineWeight, in the dek dekWeight, read from search_hd
// (migration 0020), the headline and dek alone, small enough to be kept in
// the row, where search's body positions must be read from TOAST.
//
// The GIN index cannot return matches newest first, and walking articles
// newest first reads every article's tsvector out of TOAST to test it. So
// the search looks in windows of the newest articles, 2,000 then 8,000 then
// 32,000 then all: the index's matches intersected with a window are read
// from the table row by row without their tsvector, and a window holding
// SearchCap matches holds the newest SearchCap. A word found in most
// articles is answered by the first window, a rare one by a small bitmap
// of the whole archive.
func (p *pgSearch) candidates(ctx context.Context, db *sql.DB, m compiled, lang string, now int64) ([]int64, error) {
	if len(m.where) == 0 {
		return nil, nil
	}
	var score []string
	var args []any
	for _, w := range m.where {
		score = append(score, `(CASE WHEN c.search_hd @@ `+pgAnyConfig(`CAST(? AS text)`)+` THEN `+strconv.Itoa(w.weight)+` ELSE 0 END)`)
		args = append(args, w.match, w.match, w.match)
	}
	args = append(args, m.whole)
	windows, err := p.windows(ctx, db, lang, now)
	if err != nil {
		return nil, err
	}
	for i, from := range append(windows, 0) {
		last := i == len(windows)
		cond, rest := langFilter("a.lang", lang, now, from, SearchCap)
		q := `SELECT c.id, c.live_at, ` + strings.Join(score, " + ") + ` FROM ` + pgQuery + ` CROSS JOIN LATERAL (
				SELECT a.id, a.live_at, a.search_hd FROM articles a
				WHERE a.live_at IS NOT NULL AND a.live_at <= ?` + cond + ` AND a.live_at >= ? AND a.search @@ q.q
				ORDER BY a.live_at DESC, a.id DESC LIMIT ?) c`
		cs, err := pgScored(ctx, db, rebindDollar(q), append(slices.Clone(args), rest...)...)
		if err != nil {
			return nil, err
		}
		if last || len(cs) >= SearchCap {
			return rank(cs), nil
		}
	}
	return nil, nil
}

// pgScored reads candidates: id, live_at, score.
func pgScored(ctx context.Context, db *sql.DB, query string, args ...any) ([]scored, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []scored
	for rows.Next() {
		var c scored
		var liveAt int64
		if err := rows.Scan(&c.id, &liveAt, &c.score); err != nil {
			return nil, err
		}
		c.recency = liveAt*searchKeyScale + c.id
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// pgWindowSizes are the search windows, in newest articles.
var pgWindowSizes = []int{2_000, 8_000, 32_000}

// pgWindowsFor is how long the windows' bounds are reused. Bounds only
// make a search faster or slower, never its results different: a window
// holding SearchCap matches, however it is bounded, holds the newest
// SearchCap, and the last window is the whole archive.
const pgWindowsFor = time.Minute

// windows are the live_at bounds of the search windows of an edition (lang
// "" for every language), oldest included, newest window first: as many
// as the archive is large enough for.
func (p *pgSearch) windows(ctx context.Context, db *sql.DB, lang string, now int64) ([]int64, error) {
	p.mu.Lock()
	w, ok := p.bounds[lang]
	p.mu.Unlock()
	if ok && time.Since(w.at) < pgWindowsFor {
		return w.from, nil
	}
	var from []int64
	for _, size := range pgWindowSizes {
		cond, args := langFilter("lang", lang, now, size-1)
		var at int64
		err := db.QueryRowContext(ctx, rebindDollar(`SELECT live_at FROM articles
			WHERE live_at IS NOT NULL AND live_at <= ?`+cond+` ORDER BY live_at DESC OFFSET ? LIMIT 1`), args...).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("search windows: %w", err)
		}
		from = append(from, at)
	}
	p.mu.Lock()
	if p.bounds == nil {
		p.bounds = map[string]pgWindows{}
	}
	p.bounds[lang] = pgWindows{at: time.Now(), from: from}
	p.mu.Unlock()
	return from, nil
}

// pgHeadline marks the matches in one column; the marker bytes are taken
// out of the text first, so only matches carry them.
func pgHeadline(col string) string {
	return `ts_headline(` + pgConfig + `, translate(` + col + `, chr(1) || chr(2), ''), q.q,
		'StartSel="' || chr(1) || '", StopSel="' || chr(2) || '", MaxWords=35, MinWords=15')`
}

// snippetQuery takes the snippet from the body if it matches, else from the
// dek, else the headline, else (terms spread over several columns) from all
// three together.
// snippet: ts_headline marks PostgreSQL's own matches.
func (*pgSearch) snippet(_ content.Query, engine string, _ *content.Article, _ string) string {
	return engine
}

func (*pgSearch) snippetQuery(n int, _ content.Query) string {
	return `SELECT ` + summaryCols + `, CASE
			WHEN to_tsvector(` + pgConfig + `, a.body_text) @@ q.q THEN ` + pgHeadline(`a.body_text`) + `
			WHEN to_tsvector(` + pgConfig + `, a.dek) @@ q.q THEN ` + pgHeadline(`a.dek`) + `
			WHEN to_tsvector(` + pgConfig + `, a.headline) @@ q.q THEN ` + pgHeadline(`a.headline`) + `
			ELSE ` + pgHeadline(`a.headline || ' ' || a.dek || ' ' || a.body_text`) + ` END, a.id, a.body_text
		FROM ` + pgQuery + ` CROSS JOIN articles a JOIN sections s ON s.id = a.section_id
		WHERE a.search @@ q.q AND a.id IN (` + placeholders(n) + `)`
}
