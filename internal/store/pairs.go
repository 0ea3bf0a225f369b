package store

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"unicode"

	"modernc.org/sqlite"

	"github.com/samizdat-press/samizdat/internal/content"
)

// Phrases are searched through an index of adjacent word pairs (migration
// 0025). Read as words, a phrase of two common words ("border village":
// 613 articles) makes each engine read every position of both words in
// every article that has both, 80,000 of 100,000; as one pair token it is
// one short list.
//
// On SQLite the pairs are a fourth column of the full-text index, written
// by its triggers through search_pairs(headline, dek, body), a function
// this package gives every connection of the driver. Each token is two
// stems joined and ended by pairMark, a private-use character: the
// tokenizer keeps it inside a token (it reads private-use characters as
// letters), no text has it, and with it last the porter stemmer, which
// looks at the end of a token, leaves the pair as written. A phrase of n
// words is the phrase of its n-1 pairs, which are adjacent in the column
// as its words are in the text, so the match is exact. A lone pairMark
// between headline, dek and body keeps a phrase from spanning two of them.
const pairMark = "\uE000"

// pairWord is a word as a pair token holds it: a Cyrillic word's Russian
// stem (as the index text holds it), any other its English Snowball stem,
// lowercased. A query's words and an article's go through the same
// function, so they meet whatever the stemmer does.
func pairWord(w string) string {
	if st, ok := content.RussianStem(w); ok {
		return st
	}
	return content.EnglishStem(w)
}

// pairToken is the token of two adjacent words.
func pairToken(a, b string) string { return pairWord(a) + pairMark + pairWord(b) + pairMark }

// pairWords splits text into words as the full-text tokenizer does
// (letters and digits; everything else separates).
func pairWords(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// searchPairs is the pair column of an article: the pair tokens of each
// text in word order, the texts apart by a lone pairMark.
func searchPairs(texts ...string) string {
	var b strings.Builder
	for i, t := range texts {
		if i > 0 {
			b.WriteString(" " + pairMark + " ")
		}
		ws := pairWords(t)
		for j := 1; j < len(ws); j++ {
			if j > 1 {
				b.WriteByte(' ')
			}
			b.WriteString(pairToken(ws[j-1], ws[j]))
		}
	}
	return b.String()
}

// ftsPairPhrase is a phrase term (two words or more) as an FTS5 query of
// a pair column.
func ftsPairPhrase(column string, words []string) string {
	toks := make([]string, 0, len(words)-1)
	for i := 1; i < len(words); i++ {
		toks = append(toks, ftsQuote(pairToken(words[i-1], words[i])))
	}
	return "{" + column + "} : (" + strings.Join(toks, " + ") + ")"
}

// The triggers of SQLite's full-text index call search_pairs, so every
// connection must have it: the driver's registry is where connections get
// their functions, as database/sql's is where programs get drivers.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("search_pairs", -1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		texts := make([]string, len(args))
		for i, a := range args {
			switch v := a.(type) {
			case nil:
			case string:
				texts[i] = v
			case []byte:
				texts[i] = string(v)
			default:
				return nil, fmt.Errorf("search_pairs: argument %d is %T, not text", i+1, a)
			}
		}
		return searchPairs(texts...), nil
	})
}
