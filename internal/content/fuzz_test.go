package content_test

import (
	"testing"
	"unicode"

	"github.com/samizdat-press/samizdat/internal/content"
)

func FuzzRender(f *testing.F) {
	for _, s := range hostileCorpus {
		f.Add(s)
	}
	f.Add("# Title\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\nText[^1] ~~x~~ [l](https://example.org/)\n\n[^1]: Note.\n")
	r := content.NewRenderer()
	f.Fuzz(func(t *testing.T, md string) {
		out, _, err := r.Render(md)
		if err != nil {
			return
		}
		assertSafe(t, md, out)
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "elections", `"city council" -draft`, `"unbalanced`, "a AND b OR NOT c*",
		"выборы в Вельске", "-", `""""`, "x\xffy", "title:x NEAR(a b) ^c {d}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := content.ParseQuery(s)
		if len(q.Terms) > 12 {
			t.Errorf("ParseQuery(%q): got %d terms, want at most 12", s, len(q.Terms))
		}
		check := func(kind, w string) {
			if w == "" {
				t.Errorf("ParseQuery(%q): got an empty %s word", s, kind)
			}
			for _, r := range w {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Errorf("ParseQuery(%q): %s word %q has %q, want only letters and digits", s, kind, w, r)
				}
			}
		}
		for _, term := range q.Terms {
			if len(term.Words) == 0 {
				t.Errorf("ParseQuery(%q): got a term with no words", s)
			}
			for _, w := range term.Words {
				check("term", w)
			}
		}
		for _, w := range q.Excluded {
			check("excluded", w)
		}
	})
}
