package store

import (
	"strings"
	"unicode"

	"github.com/samizdat-press/samizdat/internal/content"
)

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
