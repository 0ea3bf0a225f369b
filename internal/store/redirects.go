package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
)

// KeyRedirects names the redirects table: every node reloads its redirects
// when a change carries it.
const KeyRedirects = "redirects"

// Redirect is a 301 from an old path to a new place.
type Redirect struct {
	From      string // normalized: see NormalizeRedirectFrom
	To        string // a path on this site, or an absolute https URL
	Source    string // "admin", "wordpress", "ghost", ...
	CreatedAt time.Time
}

// redirectParams are the query parameters that name a post on the blogs
// sites come from (WordPress's ?p=123, ?page_id=7, ...), in the order they
// are looked for: a redirect's from keeps the first one present and drops
// the rest of the query (utm_source and the like).
var redirectParams = []string{"p", "page_id", "attachment_id", "cat", "tag", "author"}

// NormalizeRedirectFrom returns the form in which a redirect's from is
// stored and looked up: the cleaned, escaped path without a trailing slash
// (but "/"), plus "?name=value" when the query holds one of the parameters
// that name an old post. "/Old/slug/?utm_source=x" and "/Old/slug" are the
// same; "/?p=123&utm_source=x" is "/?p=123".
func NormalizeRedirectFrom(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") {
		return "", fmt.Errorf("redirect from %q: must be a path on this site, starting with /", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("redirect from %q: %w", raw, err)
	}
	p := path.Clean(u.Path)
	if p == "." {
		p = "/"
	}
	out := (&url.URL{Path: p}).EscapedPath()
	q := u.Query()
	for _, name := range redirectParams {
		if v := q.Get(name); v != "" {
			return out + "?" + url.Values{name: {v}}.Encode(), nil
		}
	}
	return out, nil
}

// ValidRedirectTo reports whether to may be a redirect's target: a path on
// this site or an absolute https URL.
func ValidRedirectTo(to string) error {
	switch {
	case to == "":
		return errors.New("redirect to: is required")
	case strings.HasPrefix(to, "//") || strings.HasPrefix(to, `/\`):
		return fmt.Errorf("redirect to %q: a path must not start with //", to)
	case strings.HasPrefix(to, "/"):
		if _, err := url.Parse(to); err != nil {
			return fmt.Errorf("redirect to %q: %w", to, err)
		}
		return nil
	}
	u, err := url.Parse(to)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Errorf("redirect to %q: must be a path on this site (/...) or an https:// address", to)
	}
	return nil
}

// PutRedirect stores a redirect, or replaces the one with the same from:
// an import run twice leaves one row. from is normalized; a redirect to
// itself is refused, and so is one closing a loop through stored ones.
func (s *Store) PutRedirect(ctx context.Context, from, to, source string) error {
	nf, err := NormalizeRedirectFrom(from)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRedirect, err)
	}
	if err := ValidRedirectTo(to); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRedirect, err)
	}
	if source == "" {
		source = "admin"
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkRedirectLoop(ctx, tx, nf, to); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO redirects (from_path, to_path, source, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path, source = excluded.source`),
			nf, to, source, s.now().Unix())
		if err != nil {
			return fmt.Errorf("put redirect %s: %w", nf, err)
		}
		return s.recordChange(ctx, tx, KeyRedirects)
	})
}

// ErrInvalidRedirect is wrapped by every refused redirect.
var ErrInvalidRedirect = errors.New("invalid redirect")

// maxRedirectHops bounds the loop check: a chain longer than this is
// refused as well, since readers' browsers give up on it.
const maxRedirectHops = 10

func (s *Store) checkRedirectLoop(ctx context.Context, tx *sql.Tx, from, to string) error {
	next := to
	for range maxRedirectHops {
		if !strings.HasPrefix(next, "/") {
			return nil // off this site
		}
		n, err := NormalizeRedirectFrom(next)
		if err != nil {
			return nil // not a path a redirect could start from
		}
		if n == from {
			return fmt.Errorf("%w: %s → %s leads back to %s", ErrInvalidRedirect, from, to, from)
		}
		err = tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT to_path FROM redirects WHERE from_path = ?`), n).Scan(&next)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("redirect %s: %w", from, err)
		}
	}
	return fmt.Errorf("%w: %s → %s starts a chain of more than %d redirects", ErrInvalidRedirect, from, to, maxRedirectHops)
}

// RedirectFor returns where from redirects to. from may be a request's
// path and query as they came: it is normalized first.
func (s *Store) RedirectFor(ctx context.Context, from string) (to string, ok bool, err error) {
	nf, err := NormalizeRedirectFrom(from)
	if err != nil {
		return "", false, nil // no stored redirect has such a from
	}
	err = s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT to_path FROM redirects WHERE from_path = ?`), nf).Scan(&to)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("redirect for %s: %w", nf, err)
	}
	return to, true, nil
}

// Redirects returns every redirect, by from.
func (s *Store) Redirects(ctx context.Context) ([]Redirect, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT from_path, to_path, source, created_at FROM redirects ORDER BY from_path`)
	if err != nil {
		return nil, fmt.Errorf("redirects: %w", err)
	}
	defer rows.Close()
	var out []Redirect
	for rows.Next() {
		var r Redirect
		var at int64
		if err := rows.Scan(&r.From, &r.To, &r.Source, &at); err != nil {
			return nil, fmt.Errorf("redirects: %w", err)
		}
		r.CreatedAt = time.Unix(at, 0).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("redirects: %w", err)
	}
	return out, nil
}

// DeleteRedirect removes the redirect from from; ErrNotFound when there
// is none.
func (s *Store) DeleteRedirect(ctx context.Context, from string) error {
	nf, err := NormalizeRedirectFrom(from)
	if err != nil {
		return fmt.Errorf("delete redirect: %w", ErrNotFound)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM redirects WHERE from_path = ?`), nf)
		if err != nil {
			return fmt.Errorf("delete redirect %s: %w", nf, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("delete redirect %s: %w", nf, ErrNotFound)
		}
		return s.recordChange(ctx, tx, KeyRedirects)
	})
}
