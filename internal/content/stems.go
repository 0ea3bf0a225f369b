package content

import (
	"strings"
	"unicode"

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

// Stems are the stems of text's Cyrillic words, in order, space-separated:
// what the index searches for Russian words.
func Stems(text string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if st, ok := RussianStem(w); ok && st != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(st)
		}
	}
	return b.String()
}
