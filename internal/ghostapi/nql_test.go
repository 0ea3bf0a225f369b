package ghostapi

import (
	"strings"
	"testing"
)

type fakeRecord map[string][]string

func (r fakeRecord) values(field string) []string { return r[field] }

func TestFilterParsesAndMatches(t *testing.T) {
	rec := fakeRecord{"tags": {"news", "courts"}, "authors": {"anna"}, "slug": {"tender"},
		"published_at": {"2024-02-10T09:00:00Z"}, "featured": {"false"}, "primary_tag": {"news"}}
	for _, c := range []struct {
		filter string
		want   bool
	}{
		{"tag:news", true},
		{"tag:culture", false},
		{"tags:[culture,courts]", true},
		{"tags.slug:[culture]", false},
		{"author:anna+tag:news", true},
		{"author:anna+tag:culture", false},
		{"author:boris,tag:courts", true},
		{"tag:culture,author:boris+tag:news", false}, // + binds tighter than ,
		{"(tag:culture,author:anna)+tag:news", true},
		{"tag:-news", false},
		{"tag:-[culture,sport]", true},
		{"-tag:news", false},
		{"-(tag:culture)", true},
		{"primary_tag:news", true},
		{"featured:false", true},
		{"featured:true", false},
		{"slug:'tender'", true},
		{`slug:"tender"`, true},
		{"slug:[tender, other]", true},
		{"published_at:>'2024-01-01'", true},
		{"published_at:>='2024-02-10 09:00:00'", true},
		{"published_at:>'2024-02-10 09:00:00'", false},
		{"published_at:<2024-03-01", true},
		{"published_at:<='2024-02-09'", false},
		{"slug:~end", true},
		{" tag:news + author:anna ", true},
	} {
		n, err := parseFilter(c.filter, postFields)
		if err != nil {
			t.Errorf("%q: %v", c.filter, err)
			continue
		}
		if got := n.match(rec); got != c.want {
			t.Errorf("%q matched %v, want %v", c.filter, got, c.want)
		}
	}
}

func TestFilterErrorsSayWhereAndWhat(t *testing.T) {
	for _, c := range []struct{ filter, want string }{
		{"tag", `character 1: a colon was expected after "tag"`},
		{"tag:", "character 5: a value was expected, and the filter ended"},
		{"colour:red", `character 1: unknown field "colour"`},
		{"tag:news+", "the filter ended"},
		{"tags:[a,b", "a comma or a closing bracket was expected"},
		{"(tag:a", "a closing parenthesis was expected"},
		{"tag:a)", `unexpected ')'`},
		{"slug:'open", "the quoted value is not closed"},
		{"published_at:>soon", "needs a date"},
		{"published_at:>[a,b]", "cannot take a list"},
		{":x", "a field name such as tag or slug was expected"},
	} {
		_, err := parseFilter(c.filter, postFields)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error saying %q", c.filter, err, c.want)
		}
	}
	if n, err := parseFilter("  ", postFields); n != nil || err != nil {
		t.Errorf("an empty filter: %v, %v", n, err)
	}
}

func FuzzFilter(f *testing.F) {
	for _, s := range []string{"tag:news+author:anna", "tags:[a,b],-slug:x", "published_at:>'2024-01-01'", "(a:b"} {
		f.Add(s)
	}
	rec := fakeRecord{"tags": {"a"}}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseFilter(s, postFields)
		if err == nil && n != nil {
			n.match(rec)
		}
	})
}
