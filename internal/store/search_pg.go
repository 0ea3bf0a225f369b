package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"

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
type pgSearch struct{}

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

// tsTerm is one term as a tsquery source: a word, or a phrase of words
// joined by <->; a prefix term is the OR of the words it stands for
// (expanded), as on SQLite, or "" when the archive has none. weight, when
// not empty, keeps lexemes of that weight only (A headline, B dek).
func tsTerm(t content.Term, expanded []string, weight string) string {
	op := func(w string) string {
		if weight != "" {
			return tsOperand(w) + ":" + weight
		}
		return tsOperand(w)
	}
	phrase := func(ws []string) string {
		ops := make([]string, len(ws))
		for i, w := range ws {
			ops[i] = op(w)
		}
		if len(ops) == 1 {
			// The configurations stem the word: a Russian one by Snowball,
			// as SQLite's index text does (content.IndexText).
			return ops[0]
		}
		return "(" + strings.Join(ops, " <-> ") + ")"
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
	return "(" + strings.Join(alts, " | ") + ")"
}

// compile: a prefix term stands for the archive's words that start with
// it (search_words), as on SQLite, so both engines find the same: the
// configurations' own prefix match (:*) would stem "electi" to a prefix
// that "election"'s lexeme, "elect", does not start with.
func (pgSearch) compile(ctx context.Context, db *sql.DB, q content.Query) (compiled, error) {
	expanded := make([][]string, len(q.Terms))
	var pos []string
	for i, t := range q.Terms {
		if t.Prefix {
			ws, err := prefixWords(ctx, db, rebindDollar, t.Words[len(t.Words)-1])
			if err != nil {
				return compiled{}, err
			}
			expanded[i] = ws
		}
		tt := tsTerm(t, expanded[i], "")
		if tt == "" {
			return compiled{}, nil
		}
		pos = append(pos, tt)
	}
	var neg []string
	seen := map[string]bool{}
	for _, w := range q.Excluded {
		if !seen[w] {
			seen[w] = true
			neg = append(neg, tsOperand(w))
		}
	}
	c := compiled{whole: strings.Join(pos, " & ") + pgSep + strings.Join(neg, " | ")}
	for i, t := range q.Terms {
		c.where = append(c.where, weighted{tsTerm(t, expanded[i], "A"), headlineWeight}, weighted{tsTerm(t, expanded[i], "B"), dekWeight})
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

// candidates keeps the newest SearchCap live matches (by live_at, as on
// SQLite) and scores them as SQLite does: each term found in the headline
// adds headlineWeight, in the dek dekWeight, read from search_hd
// (migration 0020), the headline and dek alone, small enough to be kept in
// the row, where ts_rank_cd read every candidate's whole tsvector, body
// positions and all, out of TOAST a second time.
func (pgSearch) candidates(ctx context.Context, db *sql.DB, m compiled, lang string, now int64) ([]int64, error) {
	if m.whole == "" {
		return nil, nil
	}
	var score []string
	var args []any
	for _, w := range m.where {
		score = append(score, `(CASE WHEN c.search_hd @@ `+pgAnyConfig(`CAST(? AS text)`)+` THEN `+strconv.Itoa(w.weight)+` ELSE 0 END)`)
		args = append(args, w.match, w.match, w.match)
	}
	args = append(args, m.whole)
	cond, rest := langFilter("a.lang", lang, now, SearchCap)
	// Planned for its own words every time (an unnamed statement): a
	// prepared statement gets a generic plan after five runs, made without
	// knowing the tsquery, and for a prefix's OR of common words that plan
	// reads every match out of the index and sorts them, 200 ms instead of
	// 15 ms.
	args = append([]any{pgx.QueryExecModeExec}, args...)
	cs, err := pgScored(ctx, db, rebindDollar(`SELECT c.id, c.live_at, `+strings.Join(score, " + ")+` FROM `+pgQuery+` CROSS JOIN LATERAL (
			SELECT a.id, a.live_at, a.search_hd FROM articles a
			WHERE a.live_at IS NOT NULL AND a.live_at <= ?`+cond+` AND a.search @@ q.q
			ORDER BY a.live_at DESC, a.id DESC LIMIT ?) c`), append(args, rest...)...)
	if err != nil {
		return nil, err
	}
	return rank(cs), nil
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
