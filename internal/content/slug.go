package content

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// cyrillic transliterates Russian letters to Latin for slugs, close to the
// scheme used on Russian passports since 2014 (ICAO Doc 9303).
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e",
	'ж': "zh", 'з': "z", 'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m",
	'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
	'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "ie", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	'і': "i", 'ї': "i", 'є': "ie", 'ґ': "g",
}

// latin spells Latin letters that NFKD does not decompose into a base letter
// and an accent, so that «Łukasz Søndergaard» does not become "ukasz-sndergaard".
var latin = map[rune]string{
	'æ': "ae", 'ø': "o", 'œ': "oe", 'ß': "ss", 'ł': "l", 'đ': "d", 'ð': "d",
	'þ': "th", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'ŋ': "ng",
}

// Slugify makes a URL slug from a headline or name: lowercase ASCII,
// Cyrillic transliterated, accents dropped, words joined by hyphens.
func Slugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(strings.ToLower(s)) {
		var out string
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			out = string(r)
		case cyrillic[r] != "" || r == 'ь':
			out = cyrillic[r]
		case latin[r] != "":
			out = latin[r]
		case unicode.Is(unicode.Mn, r):
			continue // combining accent left by NFKD
		default:
			if b.Len() > 0 {
				hyphen = true
			}
			continue
		}
		if out == "" {
			continue
		}
		if hyphen {
			b.WriteByte('-')
			hyphen = false
		}
		b.WriteString(out)
		if b.Len() >= MaxSlug-10 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}
