package content

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Limits on an author's links.
const (
	MaxLinks      = 10
	MaxLinkLength = 500
)

// LinkProblem is why a link was refused.
type LinkProblem string

// The reasons ParseLinks refuses a link.
const (
	LinkNotURL   LinkProblem = "is not a web address"
	LinkTooLong  LinkProblem = "is too long"
	LinkNoScheme LinkProblem = "must start with https://, http:// or mailto:"
	LinkScheme   LinkProblem = "uses a scheme other than https, http and mailto"
	LinkNoHost   LinkProblem = "has no host"
	LinkUserInfo LinkProblem = "carries a user name or password"
	LinkMailto   LinkProblem = "is not an e-mail address"
	LinkTooMany  LinkProblem = "is one too many"
)

// LinkError is a link ParseLinks refused: Line is its line, from 1, among
// the lines as typed (blank ones counted).
type LinkError struct {
	Line    int
	Link    string
	Problem LinkProblem
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("link on line %d (%q) %s", e.Line, e.Link, e.Problem)
}

// ParseLinks reads an author's links as typed, one a line, and checks each:
// it must be an absolute http:// or https:// URL with a host, or a mailto:
// address. Blank lines are skipped; the first bad line is a *LinkError
// (wrapping ErrInvalid), and so is a link past the MaxLinks-th.
func ParseLinks(text string) ([]string, error) {
	var out []string
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		p := linkProblem(line)
		if p == "" && len(out) == MaxLinks {
			p = LinkTooMany
		}
		if p != "" {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, &LinkError{Line: i + 1, Link: line, Problem: p})
		}
		out = append(out, line)
	}
	return out, nil
}

// linkProblem says what is wrong with one link, or "".
func linkProblem(s string) LinkProblem {
	if !utf8.ValidString(s) || strings.ContainsAny(s, " \t<>\"\\") {
		return LinkNotURL
	}
	if len(s) > MaxLinkLength {
		return LinkTooLong
	}
	u, err := url.Parse(s)
	if err != nil {
		return LinkNotURL
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		switch {
		case u.Opaque != "" || u.Hostname() == "":
			return LinkNoHost
		case u.User != nil:
			return LinkUserInfo
		}
	case "mailto":
		addr := u.Opaque
		if at := strings.IndexByte(addr, '@'); at <= 0 || at == len(addr)-1 || strings.Count(addr, "@") != 1 {
			return LinkMailto
		}
	case "":
		return LinkNoScheme
	default:
		return LinkScheme
	}
	return ""
}
