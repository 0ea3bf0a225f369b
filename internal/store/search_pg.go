package store

import (
	"context"
	"database/sql"
	"strings"
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

func (pgSearch) match(q content.Query) string {
	var pos []string
	for _, t := range q.Terms {
		if len(t.Words) == 1 {
			// The configurations stem the word: a Russian one by Snowball,
			// as SQLite's index text does (content.IndexText).
			pos = append(pos, tsOperand(t.Words[0]))
			continue
		}
		ws := make([]string, len(t.Words))
		for i, w := range t.Words {
			ws[i] = tsOperand(w)
		}
		pos = append(pos, "("+strings.Join(ws, " <-> ")+")")
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
// SQLite) and ranks them by ts_rank_cd with the headline weighted above the
// dek above the body as bm25 weighs them on SQLite (10:4:1; the weights are
// {D, C, B, A}), divided by 1 + log(length) as bm25 favours short texts;
// the newest first among equals.
func (pgSearch) candidates(ctx context.Context, db *sql.DB, match, lang string, now int64) ([]int64, error) {
	cond, args := langFilter("a.lang", lang, now, SearchCap)
	rows, err := db.QueryContext(ctx, rebindDollar(`SELECT c.id FROM `+pgQuery+` CROSS JOIN LATERAL (
			SELECT a.id, a.live_at, a.search FROM articles a
			WHERE a.live_at IS NOT NULL AND a.live_at <= ?`+cond+` AND a.search @@ q.q
			ORDER BY a.live_at DESC, a.id DESC LIMIT ?) c
		ORDER BY ts_rank_cd('{0.1, 0.1, 0.4, 1.0}', c.search, q.q, 1) DESC, c.live_at DESC, c.id DESC`), append([]any{match}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
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
func (pgSearch) snippet(_ content.Query, engine string, _ *content.Article, _ string) string {
	return engine
}

func (pgSearch) snippetQuery(n int, _ content.Query) string {
	return `SELECT ` + summaryCols + `, CASE
			WHEN to_tsvector(` + pgConfig + `, a.body_text) @@ q.q THEN ` + pgHeadline(`a.body_text`) + `
			WHEN to_tsvector(` + pgConfig + `, a.dek) @@ q.q THEN ` + pgHeadline(`a.dek`) + `
			WHEN to_tsvector(` + pgConfig + `, a.headline) @@ q.q THEN ` + pgHeadline(`a.headline`) + `
			ELSE ` + pgHeadline(`a.headline || ' ' || a.dek || ' ' || a.body_text`) + ` END, a.id, a.body_text
		FROM ` + pgQuery + ` CROSS JOIN articles a JOIN sections s ON s.id = a.section_id
		WHERE a.search @@ q.q AND a.id IN (` + placeholders(n) + `)`
}
