package store_test

import (
	"testing"

	"github.com/samizdat-press/samizdat/internal/store"
)

// TestNormalizeRedirectFrom: the forms one old address arrives in are one
// stored from; what is not a path on this site is refused.
func TestNormalizeRedirectFrom(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/", "/"},
		{"/?p=123", "/?p=123"},
		{"/?p=123&utm_source=x", "/?p=123"},
		{"/?utm_source=x&p=123", "/?p=123"},
		{"/index.php?page_id=7", "/index.php?page_id=7"},
		{"/?page_id=7&p=3", "/?p=3"}, // p is looked for first
		{"/?utm_source=x", "/"},
		{"/old/slug/", "/old/slug"},
		{"/old/slug", "/old/slug"},
		{"  /old//slug/  ", "/old/slug"},
		{"/a/../old/slug/", "/old/slug"},
		{"/2019/05/14/старое/", "/2019/05/14/%D1%81%D1%82%D0%B0%D1%80%D0%BE%D0%B5"},
		{"/2019/05/14/%d1%81%d1%82%d0%b0%d1%80%d0%be%d0%b5/", "/2019/05/14/%D1%81%D1%82%D0%B0%D1%80%D0%BE%D0%B5"},
		{"/tag/a b/", "/tag/a%20b"},
		{"/?s=", "/"},
	} {
		got, err := store.NormalizeRedirectFrom(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeRedirectFrom(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "old/slug", "//evil.example/x", "https://example.org/x"} {
		if got, err := store.NormalizeRedirectFrom(bad); err == nil {
			t.Errorf("NormalizeRedirectFrom(%q) = %q, want an error", bad, got)
		}
	}
	for _, tc := range []struct {
		to string
		ok bool
	}{
		{"/about/", true}, {"/2019/05/14/x", true}, {"https://archive.example.org/x?y=1", true},
		{"", false}, {"//evil.example/", false}, {`/\evil.example`, false}, {"http://example.org/", false},
		{"javascript:alert(1)", false}, {"https://user:pw@example.org/", false}, {"https:///x", false},
	} {
		if err := store.ValidRedirectTo(tc.to); (err == nil) != tc.ok {
			t.Errorf("ValidRedirectTo(%q) = %v, want ok %v", tc.to, err, tc.ok)
		}
	}
}
