package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQuery bounds what a reader can type into search.
const MaxQuery = 200

// Query is a reader's search, reduced to words and phrases. Any syntax the
// reader typed (operators, stray quotes or brackets) is read as plain words,
// so no input can produce an invalid query for the engine.
type Query struct {
	Terms    []Term
	Excluded []string // words after a minus sign
	Lang     string   // only articles in this language; "" for every language
}

// Term is a single word or a quoted phrase of several words. Prefix
// means the last word was typed with a trailing star ("harb*"): any word
// starting with it matches.
type Term struct {
	Words  []string
	Prefix bool
}

// MinPrefix is the shortest prefix searched as one: "ha*" would match a
// good part of the dictionary, so a shorter one is read as the word.
const MinPrefix = 3

// Empty reports whether the query has nothing to look for.
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// ParseQuery reads a search box. "quoted words" make a phrase, -word
// excludes; everything that is not a letter or digit separates words.
func ParseQuery(s string) Query {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	if utf8.RuneCountInString(s) > MaxQuery {
		s = string([]rune(s)[:MaxQuery])
	}
	var q Query
	for i, part := range strings.Split(s, `"`) {
		inPhrase := i%2 == 1 && i < strings.Count(s, `"`)
		if inPhrase {
			if ws, starred := starredWords(part); len(ws) > 0 {
				q.Terms = append(q.Terms, Term{Words: ws, Prefix: prefixable(ws, starred)})
			}
			continue
		}
		for _, f := range strings.Fields(part) {
			exclude := strings.HasPrefix(f, "-")
			ws, starred := starredWords(f)
			for i, w := range ws {
				if exclude {
					q.Excluded = append(q.Excluded, w)
					exclude = false // only the first word after the minus
					continue
				}
				q.Terms = append(q.Terms, Term{Words: []string{w}, Prefix: i == len(ws)-1 && prefixable(ws, starred)})
			}
		}
	}
	if len(q.Terms) > 12 {
		q.Terms = q.Terms[:12]
	}
	return q
}

// starredWords is s's words, and whether a star follows the last of them
// with nothing but the star between ("harb*", "border vill*").
func starredWords(s string) ([]string, bool) {
	ws := words(s)
	t := strings.TrimRightFunc(s, unicode.IsSpace)
	return ws, len(ws) > 0 && strings.HasSuffix(t, "*") && strings.HasSuffix(strings.ToLower(strings.TrimRight(t, "*")), ws[len(ws)-1])
}

// prefixable reports whether a starred last word is long enough to be a
// prefix.
func prefixable(ws []string, starred bool) bool {
	return starred && utf8.RuneCountInString(ws[len(ws)-1]) >= MinPrefix
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// Key is the query's canonical form: queries that search for the same
// thing ("Harbour  Strike", "harbour strike!") have the same key, so
// their results can be cached once.
func (q Query) Key() string {
	var b strings.Builder
	b.WriteString(q.Lang)
	for _, t := range q.Terms {
		b.WriteByte('|')
		b.WriteString(strings.Join(t.Words, " "))
		if t.Prefix {
			b.WriteByte('*')
		}
	}
	for _, w := range q.Excluded {
		b.WriteString("|-")
		b.WriteString(w)
	}
	return b.String()
}
