package content

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestParseLinks: an author's links are absolute http(s) URLs with a host
// or mailto: addresses, one a line; a bad one is refused by its line.
func TestParseLinks(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
		line       int         // of the refused link; 0 when accepted
		problem    LinkProblem // why
	}{
		{"empty", "", nil, 0, ""},
		{"blank lines skipped", "\n https://example.org/mara \r\n\r\nmailto:mara@example.org\n",
			[]string{"https://example.org/mara", "mailto:mara@example.org"}, 0, ""},
		{"http and query", "http://example.org/a?b=c#d", []string{"http://example.org/a?b=c#d"}, 0, ""},
		{"capital scheme", "HTTPS://Example.org/", []string{"HTTPS://Example.org/"}, 0, ""},
		{"no scheme", "https://ok.example/\nexample.org/mara", nil, 2, LinkNoScheme},
		{"relative", "/author/mara/", nil, 1, LinkNoScheme},
		{"javascript", "javascript:alert(1)", nil, 1, LinkScheme},
		{"data", "data:text/html,<b>x</b>", nil, 1, LinkNotURL},
		{"ftp", "ftp://example.org/", nil, 1, LinkScheme},
		{"no host", "https:///path", nil, 1, LinkNoHost},
		{"opaque", "https:example.org", nil, 1, LinkNoHost},
		{"user info", "https://user:pw@example.org/", nil, 1, LinkUserInfo},
		{"space", "https://example.org/a b", nil, 1, LinkNotURL},
		{"quote", `https://example.org/"onmouseover`, nil, 1, LinkNotURL},
		{"mailto without at", "mailto:mara", nil, 1, LinkMailto},
		{"mailto two ats", "mailto:a@b@c", nil, 1, LinkMailto},
		{"too long", "https://example.org/" + strings.Repeat("a", MaxLinkLength), nil, 1, LinkTooLong},
		{"too many", strings.Repeat("https://example.org/\n", MaxLinks+1), nil, MaxLinks + 1, LinkTooMany},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLinks(tc.text)
			if tc.line == 0 {
				if err != nil || !slices.Equal(got, tc.want) {
					t.Errorf("ParseLinks(%q) = %q, %v; want %q", tc.text, got, err, tc.want)
				}
				return
			}
			le, ok := errors.AsType[*LinkError](err)
			if !ok || !errors.Is(err, ErrInvalid) || le.Line != tc.line || le.Problem != tc.problem {
				t.Errorf("ParseLinks(%q) = %q, %v; want %q on line %d", tc.text, got, err, tc.problem, tc.line)
			}
		})
	}
}

func TestAuthorLinkList(t *testing.T) {
	a := Author{Links: "https://a.example/\n\n mailto:b@example.org \n"}
	if got := a.LinkList(); !slices.Equal(got, []string{"https://a.example/", "mailto:b@example.org"}) {
		t.Errorf("LinkList = %q", got)
	}
	if got := (Author{}).LinkList(); got != nil {
		t.Errorf("LinkList of none = %q", got)
	}
}
