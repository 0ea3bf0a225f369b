package store

import (
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/content"
)

// TestStemSnippet: the snippet opens a third of a window before the first
// word the query finds, in any form its stem stands for, and marks every
// such word in it.
func TestStemSnippet(t *testing.T) {
	long := strings.Repeat("filler ", 30) + "the Elections were held. " + strings.Repeat("more ", 30)
	for _, tc := range []struct {
		name, query string
		texts       []string
		want        string
	}{
		{"english stem", "election", []string{"Voters went to the elections, and the election was close."},
			"Voters went to the [elections], and the [election] was close."},
		{"russian stem", "выборы", []string{"На выборах победили независимые кандидаты."},
			"На [выборах] победили независимые кандидаты."},
		{"prefix", "harb*", []string{"Boats returned to the harbour and the harbourside."},
			"Boats returned to the [harbour] and the [harbourside]."},
		{"phrase words", `"border village"`, []string{"Shells hit the border village."},
			"Shells hit the [border] [village]."},
		{"window cut both sides", "election", []string{long},
			"…filler filler filler filler filler filler filler the [Elections] were held. more more more more more more more more more more more more more…"},
		{"second text when the first has none", "harbour", []string{"Nothing here.", "The harbour reopened."},
			"The [harbour] reopened."},
		{"no match: the first words", "zzz", []string{"", "Storm warning for the coast."}, "Storm warning for the coast."},
		{"ё read as е", "ёлка", []string{"Ёлки стояли у дороги."}, "[Ёлки] стояли у дороги."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := stemSnippet(content.ParseQuery(tc.query), tc.texts...)
			got = strings.NewReplacer(MarkStart, "[", MarkEnd, "]").Replace(got)
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
