package content

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"
)

// RussianStem is a Cyrillic word's Snowball stem, lowercased and with ё read
// as е ("выборах" → "выбор"), and true; any other word gives "", false.
// SQLite's full-text index stems English only, so the store indexes these
// stems beside the text and searches them for Cyrillic words.
func RussianStem(word string) (string, bool) {
	cyrillic := false
	for _, r := range word {
		if unicode.Is(unicode.Cyrillic, r) {
			cyrillic = true
			break
		}
	}
	if !cyrillic {
		return "", false
	}
	w := strings.ReplaceAll(strings.ToLower(word), "ё", "е")
	return russian.Stem(w, false), true
}

// IndexText is text as SQLite's search index reads it: every Cyrillic word
// replaced by its stem, everything else as written (the index's own porter
// stemmer handles English). Word order is kept, so phrases still match.
func IndexText(text string) string {
	var b strings.Builder
	start := -1
	flush := func(end int) {
		w := text[start:end]
		if st, ok := RussianStem(w); ok {
			b.WriteString(st)
		} else {
			b.WriteString(w)
		}
		start = -1
	}
	for i, r := range text {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case inWord && start < 0:
			start = i
		case !inWord:
			if start >= 0 {
				flush(i)
			}
			b.WriteRune(r)
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	return b.String()
}

// HasCyrillic reports whether any of texts has a Cyrillic letter.
func HasCyrillic(texts ...string) bool {
	for _, t := range texts {
		for _, r := range t {
			if unicode.Is(unicode.Cyrillic, r) {
				return true
			}
		}
	}
	return false
}

// maxSearchWord bounds the words kept for prefix search, in bytes: longer
// ones are not words a reader types the start of.
const maxSearchWord = 64

// SearchWords are the distinct words of texts, lowercased, that a prefix
// search can stand for: MinPrefix letters or more.
func SearchWords(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		for _, w := range words(t) {
			if len(w) > maxSearchWord || utf8.RuneCountInString(w) < MinPrefix || seen[w] {
				continue
			}
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// EnglishStem is a word's Snowball English stem, lowercased: close to the
// Porter stems SQLite's index holds and to PostgreSQL's english
// configuration, for marking a snippet's matches as the engines find them.
func EnglishStem(word string) string {
	return english.Stem(strings.ToLower(word), false)
}
