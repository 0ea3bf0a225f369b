package store

import (
	"context"
	"database/sql"
	"fmt"
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
// keeps the excluded words apart (compiled.whole, compiled.excluded).
// The SQL (results) then normalizes both sources with to_tsquery under the
// English, Russian and simple configurations and ORs the three, so an
// English or Russian word finds articles of either language, and requires
// the positive query and none of the excluded words in any configuration.
type pgSearch struct{}

// tsOperand quotes one word as a tsquery operand: inside quotes only the
// quote and the backslash are special. Control characters (the separator
// among them) and NUL, which PostgreSQL text cannot hold, become spaces.
func tsOperand(w string) string {
	w = strings.ReplaceAll(tsText(w), `\`, `\\`)
	w = strings.ReplaceAll(w, `'`, `''`)
	return `'` + w + `'`
}

// tsText is text PostgreSQL can hold: control characters (NUL among
// them) become spaces.
func tsText(w string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, w)
}

// tsTerm is one term as a tsquery source: a word, or a phrase of words
// joined by <->; a prefix term is the OR of the words it stands for
// (expanded), as on SQLite, or "" when the archive has none.
func tsTerm(t content.Term, expanded []string) string {
	phrase := func(ws []string) string {
		ops := make([]string, len(ws))
		for i, w := range ws {
			ops[i] = tsOperand(w)
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
	pairs, err := pgPairs(ctx, db, q)
	if err != nil {
		return compiled{}, err
	}
	expanded := make([][]string, len(q.Terms))
	var pos, phrases []string
	for i, t := range q.Terms {
		if t.Prefix {
			ws, err := prefixWords(ctx, db, rebindDollar, t.Words[len(t.Words)-1])
			if err != nil {
				return compiled{}, err
			}
			expanded[i] = ws
		}
		if p, ok := pairs[i]; ok {
			phrases = append(phrases, p)
			continue
		}
		tt := tsTerm(t, expanded[i])
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
	c := compiled{whole: strings.Join(pos, " & "), excluded: strings.Join(neg, " | "), pairs: strings.Join(phrases, " & "),
		words: pgLexemeTerms(q)}
	// Each term is looked for in the headline's and the dek's lexemes of
	// search_lexemes (migration 0028), kept apart and without weights: a
	// weighted test (:A) of the two together cost ten times as much.
	for i, t := range q.Terms {
		tt := tsTerm(t, expanded[i])
		c.where = append(c.where, weighted{tt, headlineWeight, "headline"}, weighted{tt, dekWeight, "dek"})
	}
	return c, nil
}

// pgConfigs are the text search configurations a query is read in, as
// pgAnyConfig ORs them.
var pgConfigs = []string{"english", "russian", "simple"}

// pgPairs is each phrase term of q (by its index in q.Terms) as a tsquery
// of the pairs column: in each configuration the phrase's pairs, as the
// article's are made (search_pairs_vector, migration 0025), one after the
// other at the distances of their first words, the configurations ORed.
// A phrase that is one lexeme or none in some configuration ("the state"
// in English) is left out, and searched by its words.
func pgPairs(ctx context.Context, db *sql.DB, q content.Query) (map[int]string, error) {
	var texts []string
	var terms []int
	for i, t := range q.Terms {
		if !t.Prefix && len(t.Words) > 1 {
			texts = append(texts, tsText(strings.Join(t.Words, " ")))
			terms = append(terms, i)
		}
	}
	if len(texts) == 0 {
		return nil, nil
	}
	// The phrases come as one text, split in SQL, and the configurations
	// are written in: with an array argument the planner counts its items,
	// so a plan for the values beats the generic one each time and every
	// search planned the statement again (0.25 ms). tsText leaves no
	// control character in a phrase.
	rows, err := db.QueryContext(ctx, `SELECT ph.i, c.n, p.pos, u.lexeme
		FROM string_to_table($1, chr(1)) WITH ORDINALITY ph(t, i)
		CROSS JOIN unnest('{`+strings.Join(pgConfigs, ",")+`}'::regconfig[]) WITH ORDINALITY c(cfg, n)
		CROSS JOIN LATERAL unnest(search_pairs_vector(c.cfg, ph.t)) u
		CROSS JOIN LATERAL unnest(u.positions) p(pos)
		ORDER BY ph.i, c.n, p.pos`, strings.Join(texts, "\x01"))
	if err != nil {
		return nil, fmt.Errorf("phrase pairs: %w", err)
	}
	defer rows.Close()
	type pair struct {
		pos    int
		lexeme string
	}
	got := make([][][]pair, len(texts)) // phrase, configuration, pairs in order
	for i := range got {
		got[i] = make([][]pair, len(pgConfigs))
	}
	for rows.Next() {
		var i, n int
		var p pair
		if err := rows.Scan(&i, &n, &p.pos, &p.lexeme); err != nil {
			return nil, fmt.Errorf("phrase pairs: %w", err)
		}
		got[i-1][n-1] = append(got[i-1][n-1], p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("phrase pairs: %w", err)
	}
	out := map[int]string{}
phrases:
	for i, byConfig := range got {
		var alts []string
		for _, ps := range byConfig {
			if len(ps) == 0 {
				continue phrases
			}
			var b strings.Builder
			for k, p := range ps {
				if k > 0 {
					fmt.Fprintf(&b, " <%d> ", p.pos-ps[k-1].pos)
				}
				b.WriteString(tsOperand(p.lexeme))
			}
			if alt := b.String(); !slices.Contains(alts, alt) {
				alts = append(alts, alt)
			}
		}
		out[terms[i]] = "(" + strings.Join(alts, " | ") + ")"
	}
	return out, nil
}

// pgAnyConfig normalizes a tsquery source under each configuration an
// article can be indexed with and ORs the different results
// (search_query, migration 0028).
func pgAnyConfig(src string) string { return `search_query(` + src + `)` }

// results keeps the newest SearchCap live matches (by live_at, as on
// SQLite), scores them as SQLite does and ranks them, and returns the page
// asked for with the number of matches kept. Each term found in the
// headline adds headlineWeight, in the dek dekWeight, read from the
// headline's and dek's own lexemes in search_lexemes (pgScoreTests), small
// enough to be kept in the row, where ts_rank_cd read every candidate's
// whole tsvector, body positions and all, out of TOAST a second time, and
// a weighted test of search_hd cost ten times as much. The ranking is done here,
// not in Go as on SQLite: a thousand candidates' rows sent and read one by
// one cost the client more (about 1.5 ms) than the whole ranking does.
func (pgSearch) results(ctx context.Context, db *sql.DB, m compiled, lang string, now int64, limit, offset int) ([]int64, int, error) {
	if m.none() {
		return nil, 0, nil
	}
	// A query of words tests the lexemes of search_lexemes (migration
	// 0027), kept in its rows, not articles.search, read out of TOAST, and
	// scores from its headline and dek. Any other takes them from the
	// article's search_hd as search_lexemes does (migration 0028): 1 µs a
	// candidate, where reading them from its search_lexemes row, most
	// likely not in memory, cost 4.
	pos, neg := m.whole, m.excluded
	from, id, vec, scoredBy, gate := `articles a CROSS JOIN LATERAL (SELECT setweight(ts_filter(a.search_hd, '{a}'), 'D') AS headline,
		setweight(ts_filter(a.search_hd, '{b}'), 'D') AS dek) h`, `a.id`, `a.search`, "h", "a.search_hd"
	if m.words && m.pairs == "" {
		from, id, vec, scoredBy, gate = `search_lexemes a`, `a.article_id`, `a.lexemes`, "a", ""
	}
	// w, one row, holds the reader's tsqueries, p the words and n the
	// excluded words, each normalized once (pgAnyConfig), and the scoring
	// tests'. An empty positive query (only stop words or over-long words)
	// matches nothing, even with exclusions; excluded stop words exclude
	// nothing (an empty tsquery matches no article).
	score, tests, args := pgScoreTests(m, scoredBy, gate)
	var wCols []string
	var wArgs []any
	if pos != "" {
		wCols = append(wCols, pgAnyConfig(`CAST(? AS text)`)+` AS p`)
		wArgs = append(wArgs, pos)
	}
	if neg != "" {
		wCols = append(wCols, pgAnyConfig(`CAST(? AS text)`)+` AS n`)
		wArgs = append(wArgs, neg)
	}
	args = append(wArgs, args...)
	var match string
	switch {
	case m.pairs != "":
		// The phrases are the pairs' (a GIN lookup of one lexeme each);
		// the words, if any, and the excluded words are tested on the rows
		// they find. Words that are only stop words are no condition.
		match = ` AND a.search_pairs @@ CAST(? AS tsquery)`
		if pos != "" {
			match += ` AND (numnode(w.p) = 0 OR a.search @@ w.p)`
		}
	case pos != "":
		match = ` AND ` + vec + ` @@ w.p`
	default:
		return nil, 0, nil
	}
	if neg != "" {
		match += ` AND NOT ` + vec + ` @@ w.n`
	}
	cond, rest := langFilter("a.lang", lang, now, SearchCap)
	if m.pairs != "" { // its argument comes before the limit's
		rest = append(rest[:len(rest)-1:len(rest)-1], m.pairs, rest[len(rest)-1])
	}
	// Planned for its own words every time (an unnamed statement): a
	// prepared statement gets a generic plan after five runs, made without
	// knowing the tsquery, and for a prefix's OR of common words that plan
	// reads every match out of the index and sorts them, 200 ms instead of
	// 15 ms. The score is made in the scan, so that the sort of the
	// candidates by recency carries three numbers a row. w is one SELECT,
	// not nested ones: planning it took 0.4 ms, as long as the search.
	query := rebindDollar(`SELECT c.id, count(*) OVER () FROM (SELECT ` + strings.Join(append(wCols, tests), ", ") + `) w
		CROSS JOIN LATERAL (
			SELECT ` + id + ` AS id, a.live_at, ` + score + ` AS score FROM ` + from + `
			WHERE a.live_at IS NOT NULL AND a.live_at <= ?` + cond + match + `
			ORDER BY a.live_at DESC, ` + id + ` DESC LIMIT ?) c
		ORDER BY c.score DESC, c.live_at DESC, c.id DESC LIMIT ? OFFSET ?`)
	args = append([]any{pgx.QueryExecModeExec}, append(args, rest...)...)
	ids, total, err := pgPage(ctx, db, query, append(args, limit, offset)...)
	if err == nil && len(ids) == 0 && offset > 0 {
		// Past the last page: the count alone, from the first.
		_, total, err = pgPage(ctx, db, query, append(args, 1, 0)...)
	}
	return ids, total, err
}

// pgPage reads a page of ranked results: id, and the number of matches.
func pgPage(ctx context.Context, db *sql.DB, query string, args ...any) ([]int64, int, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var ids []int64
	var total int
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &total); err != nil {
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	return ids, total, rows.Err()
}

// pgScoreTests is the score of a candidate, from the headline and dek
// columns of its search_lexemes row (alias), and the FROM item w that
// makes the scoring tests' tsqueries, with its arguments: one a term, as
// its headline and dek tests are the same query. They are made once, in
// w, as the statement is planned, not for every candidate.
//
// gate, when not empty, is a tsvector that holds every word the columns
// hold (search_hd): a candidate without any of the terms in it scores 0
// without the columns being made (splitting search_hd, 1 µs a candidate).
func pgScoreTests(m compiled, alias, gate string) (score, tests string, args []any) {
	var scores, ts, terms []string
	cols := map[string]string{}
	for _, w := range m.where {
		col, ok := cols[w.match]
		if !ok {
			col = "w" + strconv.Itoa(len(cols))
			cols[w.match] = col
			ts = append(ts, pgAnyConfig(`CAST(? AS text)`)+` AS `+col)
			args = append(args, w.match)
			terms = append(terms, "("+w.match+")")
		}
		scores = append(scores, `(CASE WHEN `+alias+`.`+w.column+` @@ w.`+col+` THEN `+strconv.Itoa(w.weight)+` ELSE 0 END)`)
	}
	if len(ts) == 0 { // every candidate scores 0
		return "0", "1 AS w0", nil
	}
	score = strings.Join(scores, " + ")
	if gate != "" {
		anyTerm := "w0"
		if len(terms) > 1 {
			anyTerm = "wany"
			ts = append(ts, pgAnyConfig(`CAST(? AS text)`)+` AS wany`)
			args = append(args, strings.Join(terms, " | "))
		}
		score = `(CASE WHEN ` + gate + ` @@ w.` + anyTerm + ` THEN ` + score + ` ELSE 0 END)`
	}
	return score, strings.Join(ts, ", "), args
}

// A query of words only (prefixes included, exclusions allowed) is
// searched on PostgreSQL in search_lexemes (migration 0027): each
// article's lexemes without their positions, in the row, uncompressed,
// where articles.search is read out of TOAST for every candidate tested
// (a common word: 1.9 ms instead of 8 at 100,000 articles).

// pgLexemeTerms reports whether q is searched through search_lexemes:
// every term a single word. A phrase goes through the pairs (and its
// words, if any, through articles.search).
func pgLexemeTerms(q content.Query) bool {
	for _, t := range q.Terms {
		if len(t.Words) != 1 || !plainWord(t.Words[0]) {
			return false
		}
	}
	for _, w := range q.Excluded {
		if !plainWord(w) {
			return false
		}
	}
	return len(q.Terms) > 0
}

// plainWord reports whether w is one word as ParseQuery makes them, letters
// and digits: a configuration reads it as one lexeme at most. Anything
// else (a caller's raw term) is searched by the tsquery, as a phrase.
func plainWord(w string) bool {
	return w != "" && !strings.ContainsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
