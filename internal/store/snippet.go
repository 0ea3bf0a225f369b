package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/content"
)

// snippetWords is how many words a snippet shows, as FTS5's snippet does.
const snippetWords = 24

// stemSnippet cuts a snippet around the first word of the first of texts
// that the query finds (a word in any form its stem stands for, a phrase's
// words, a prefix's words), with every such word in the window marked.
// Both engines' snippets are cut here, from the text the page shows: the
// engines' own (FTS5's snippet(), ts_headline) tokenize every hit's whole
// body, and FTS5 would show the index text, in which Cyrillic words are
// stems.
func stemSnippet(q content.Query, texts ...string) string {
	stems, words, english := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var prefixes []string
	for _, t := range q.Terms {
		for i, w := range t.Words {
			if t.Prefix && i == len(t.Words)-1 {
				prefixes = append(prefixes, strings.ReplaceAll(strings.ToLower(w), "ё", "е"))
				continue
			}
			if st, ok := content.RussianStem(w); ok {
				stems[st] = true
			} else {
				words[strings.ToLower(w)] = true
				english[content.EnglishStem(w)] = true
			}
		}
	}
	// A stem is (nearly) a prefix of its words: stem (slow) only a word
	// that starts like one of the query's stems; English stems may end in
	// a letter their words do not have (city, citi), so three letters.
	startsLike := func(lower string, set map[string]bool, n int) bool {
		for st := range set {
			if strings.HasPrefix(lower, st[:min(len(st), n)]) {
				return true
			}
		}
		return false
	}
	matches := func(w string) bool {
		lower := strings.ReplaceAll(strings.ToLower(w), "ё", "е")
		if words[lower] {
			return true
		}
		for _, p := range prefixes {
			if strings.HasPrefix(lower, p) {
				return true
			}
		}
		if content.HasCyrillic(lower) {
			if startsLike(lower, stems, 1<<30) {
				if got, ok := content.RussianStem(w); ok && stems[got] {
					return true
				}
			}
			return false
		}
		return len(english) > 0 && startsLike(lower, english, 3) && english[content.EnglishStem(lower)]
	}
	for _, text := range texts {
		spans := wordSpans(text)
		for i, sp := range spans {
			if matches(text[sp[0]:sp[1]]) {
				start := max(0, i-snippetWords/3)
				end := min(len(spans), start+snippetWords)
				return markWindow(text, spans[start:end], start > 0, end < len(spans), matches)
			}
		}
	}
	for _, text := range texts {
		if spans := wordSpans(text); len(spans) > 0 {
			end := min(len(spans), snippetWords)
			return markWindow(text, spans[:end], false, end < len(spans), func(string) bool { return false })
		}
	}
	return ""
}

// wordSpans are the byte ranges of text's words.
func wordSpans(text string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range text {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(text)})
	}
	return out
}

// markWindow is text from the first span to the last, its matching words
// between MarkStart and MarkEnd, with an ellipsis where text was cut.
func markWindow(text string, spans [][2]int, cutBefore, cutAfter bool, matches func(string) bool) string {
	var b strings.Builder
	if cutBefore {
		b.WriteString("…")
	}
	pos := spans[0][0]
	for _, sp := range spans {
		b.WriteString(text[pos:sp[0]])
		w := text[sp[0]:sp[1]]
		if matches(w) {
			b.WriteString(MarkStart + w + MarkEnd)
		} else {
			b.WriteString(w)
		}
		pos = sp[1]
	}
	// Keep a closing punctuation mark that ends the last word's sentence.
	if r, n := utf8.DecodeRuneInString(text[pos:]); n > 0 && unicode.IsPunct(r) {
		b.WriteString(text[pos : pos+n])
	}
	if cutAfter {
		b.WriteString("…")
	}
	return b.String()
}
