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

// Term is a single word or a quoted phrase of several words.
type Term struct {
	Words []string
}

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
			if ws := words(part); len(ws) > 0 {
				q.Terms = append(q.Terms, Term{Words: ws})
			}
			continue
		}
		for _, f := range strings.Fields(part) {
			exclude := strings.HasPrefix(f, "-")
			for _, w := range words(f) {
				if exclude {
					q.Excluded = append(q.Excluded, w)
					exclude = false // only the first word after the minus
					continue
				}
				q.Terms = append(q.Terms, Term{Words: []string{w}})
			}
		}
	}
	if len(q.Terms) > 12 {
		q.Terms = q.Terms[:12]
	}
	return q
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
	}
	for _, w := range q.Excluded {
		b.WriteString("|-")
		b.WriteString(w)
	}
	return b.String()
}
