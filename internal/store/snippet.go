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
	m := newSnippetMatcher(q)
	const before = snippetWords / 3
	for _, text := range texts {
		// The starts of the last words before, kept round: the window
		// opens a third of a snippet before the first match. Reading stops
		// at that match; a body is not split into words past it.
		var starts [before]int
		for i, pos := 0, 0; ; i++ {
			sp, ok := nextWord(text, pos)
			if !ok {
				break
			}
			if m.matches(text[sp[0]:sp[1]]) {
				from := sp[0]
				if i >= before {
					from = starts[(i-before)%before]
				} else if i > 0 {
					from = starts[0]
				}
				spans := wordSpansFrom(text, from, snippetWords+1)
				cutAfter := len(spans) > snippetWords
				return markWindow(text, spans[:min(len(spans), snippetWords)], i > before, cutAfter, m.matches)
			}
			starts[i%before] = sp[0]
			pos = sp[1]
		}
	}
	for _, text := range texts {
		if spans := wordSpansFrom(text, 0, snippetWords+1); len(spans) > 0 {
			end := min(len(spans), snippetWords)
			return markWindow(text, spans[:end], false, len(spans) > snippetWords, func(string) bool { return false })
		}
	}
	return ""
}

// snippetMatcher tells the words a query finds: as typed, by a prefix, or
// by their Russian or English stem.
type snippetMatcher struct {
	words, stems, english map[string]bool
	prefixes              []string
	// The starts of the stems: a stem is (nearly) a prefix of its words,
	// so only a word that starts like one is stemmed (slow). English stems
	// may end in a letter their words do not have (city, citi): three
	// letters of them.
	stemStarts, englishStarts []string
	// first marks the bytes a found word can start with, lowercased: every
	// word of a body is tested, and most are refused by their first byte.
	first [256]bool
}

func newSnippetMatcher(q content.Query) *snippetMatcher {
	m := &snippetMatcher{words: map[string]bool{}, stems: map[string]bool{}, english: map[string]bool{}}
	for _, t := range q.Terms {
		for i, w := range t.Words {
			if t.Prefix && i == len(t.Words)-1 {
				m.prefixes = append(m.prefixes, strings.ReplaceAll(strings.ToLower(w), "ё", "е"))
				continue
			}
			if st, ok := content.RussianStem(w); ok {
				if !m.stems[st] {
					m.stems[st] = true
					m.stemStarts = append(m.stemStarts, st)
				}
				continue
			}
			m.words[strings.ToLower(w)] = true
			if st := content.EnglishStem(w); !m.english[st] {
				m.english[st] = true
				m.englishStarts = append(m.englishStarts, st[:min(len(st), 3)])
			}
		}
	}
	mark := func(ws []string) {
		for _, w := range ws {
			if w == "" {
				continue
			}
			if b := w[0]; b < utf8.RuneSelf {
				m.first[b] = true
			} else {
				for c := utf8.RuneSelf; c < 256; c++ {
					m.first[c] = true
				}
			}
		}
	}
	mark(m.prefixes)
	mark(m.stemStarts)
	mark(m.englishStarts)
	for w := range m.words {
		mark([]string{w})
	}
	return m
}

func (m *snippetMatcher) matches(w string) bool {
	b := w[0]
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	if !m.first[b] {
		return false
	}
	lower := strings.ToLower(w)
	if strings.Contains(lower, "ё") {
		lower = strings.ReplaceAll(lower, "ё", "е")
	}
	if m.words[lower] {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	if !isASCII(lower) && content.HasCyrillic(lower) {
		for _, st := range m.stemStarts {
			if strings.HasPrefix(lower, st) {
				got, ok := content.RussianStem(w)
				return ok && m.stems[got]
			}
		}
		return false
	}
	for _, st := range m.englishStarts {
		if strings.HasPrefix(lower, st) {
			return m.english[content.EnglishStem(lower)]
		}
	}
	return false
}

// nextWord is the byte range of the first word of text at or after pos.
func nextWord(text string, pos int) ([2]int, bool) {
	start := -1
	for i, r := range text[pos:] {
		var inWord bool
		if r < utf8.RuneSelf {
			inWord = 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
		} else {
			inWord = unicode.IsLetter(r) || unicode.IsDigit(r)
		}
		switch {
		case inWord && start < 0:
			start = pos + i
		case !inWord && start >= 0:
			return [2]int{start, pos + i}, true
		}
	}
	if start >= 0 {
		return [2]int{start, len(text)}, true
	}
	return [2]int{}, false
}

// wordSpansFrom are the byte ranges of up to n words of text from pos.
func wordSpansFrom(text string, pos, n int) [][2]int {
	var out [][2]int
	for len(out) < n {
		sp, ok := nextWord(text, pos)
		if !ok {
			break
		}
		out = append(out, sp)
		pos = sp[1]
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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
