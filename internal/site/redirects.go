package site

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/samizdat-press/samizdat/internal/store"
)

// Redirects from old addresses (an imported blog's /?p=123 or
// /2019/05/old-slug/, or what an editor typed) answer 301 where the site
// would otherwise answer 404: a page that exists always wins. Addresses
// whose query names an old post are checked before routing, since "/"
// with any query is the home page. The table is held in memory and
// reloaded after the change feed names it (store.KeyRedirects), on every
// node; a mirror host answers with a Location on its own host, as the
// targets are root-relative paths.

// redirectTable is the redirects as read in one generation.
type redirectTable struct {
	gen uint64
	to  map[string]string // normalized from -> to
	// query is whether any from has a query: only then do requests with
	// a query need looking at before routing.
	query bool
}

// redirectParams are the query parameters a stored from may keep (see
// store.NormalizeRedirectFrom).
var redirectParams = []string{"p", "page_id", "attachment_id", "cat", "tag", "author"}

// redirects returns the table, reading it when a change dropped it. On an
// error it returns an empty table: a failed read must not turn into 500s
// on pages that would have been 404s.
func (s *Site) redirects(ctx context.Context) *redirectTable {
	gen := s.redirGen.Load()
	if t := s.redirs.Load(); t != nil && t.gen == gen {
		return t
	}
	list, err := s.db.Redirects(ctx)
	if err != nil {
		s.log.Error("read redirects", "err", err)
		return &redirectTable{gen: gen}
	}
	t := &redirectTable{gen: gen, to: make(map[string]string, len(list))}
	for _, r := range list {
		t.to[r.From] = r.To
		if strings.Contains(r.From, "?") {
			t.query = true
		}
	}
	s.redirs.Store(t)
	return t
}

func (s *Site) dropRedirects() { s.redirGen.Add(1) }

// redirectFor returns where a request for requestURI (path and query, as
// sent) redirects, if anywhere.
func (s *Site) redirectFor(ctx context.Context, requestURI string) (string, bool) {
	t := s.redirects(ctx)
	if len(t.to) == 0 {
		return "", false
	}
	from, err := store.NormalizeRedirectFrom(requestURI)
	if err != nil {
		return "", false
	}
	to, ok := t.to[from]
	return to, ok
}

// hasRedirectParam reports whether a raw query holds a parameter that a
// redirect's from may keep, cheaply: most queries (?page=2, ?q=) do not.
func hasRedirectParam[T ~string | ~[]byte](rawQuery T) bool {
	for len(rawQuery) > 0 {
		end := len(rawQuery)
		for i := 0; i < len(rawQuery); i++ {
			if rawQuery[i] == '&' {
				end = i
				break
			}
		}
		part := rawQuery[:end]
		for i := 0; i < len(part); i++ {
			if part[i] == '=' {
				part = part[:i]
				break
			}
		}
		for _, p := range redirectParams {
			if string(part) == p {
				return true
			}
		}
		if end == len(rawQuery) {
			break
		}
		rawQuery = rawQuery[end+1:]
	}
	return false
}

// mayRedirectQuery reports whether a request with this query must take
// the full path to be checked against the redirects: it names an old
// post, and the table has such redirects or is not loaded yet.
func (s *Site) mayRedirectQuery(rawQuery []byte) bool {
	if !hasRedirectParam(rawQuery) {
		return false
	}
	t := s.redirs.Load()
	return t == nil || t.gen != s.redirGen.Load() || t.query
}

// queryRedirect answers a request whose query names an old post with its
// redirect, before routing; it reports whether it did.
func (s *Site) queryRedirect(w http.ResponseWriter, r *http.Request) bool {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.URL.RawQuery == "" || !hasRedirectParam(r.URL.RawQuery) {
		return false
	}
	if t := s.redirects(r.Context()); !t.query {
		return false
	}
	return s.serveRedirect(w, r)
}

// serveRedirect writes the 301 for r if a redirect matches it.
func (s *Site) serveRedirect(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	to, ok := s.redirectFor(r.Context(), r.URL.RequestURI())
	if !ok {
		return false
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.Redirect(w, r, to, http.StatusMovedPermanently)
	return true
}

// RedirectFile is a redirect as a static copy has it: a page at the old
// path that sends readers to the new one.
type RedirectFile struct {
	Path string // the old path, without a query (static hosts ignore queries)
	Body []byte
}

// RedirectPages renders every redirect whose from is a plain path as a
// small HTML page with a canonical link, a meta refresh and a plain link:
// no script, so it works everywhere the copy is read.
func (s *Site) RedirectPages(ctx context.Context) ([]RedirectFile, error) {
	list, err := s.db.Redirects(ctx)
	if err != nil {
		return nil, err
	}
	var out []RedirectFile
	for _, rd := range list {
		if strings.Contains(rd.From, "?") || rd.From == "/" {
			continue
		}
		href := rd.To
		abs := href
		if strings.HasPrefix(href, "/") {
			abs = s.conf().BaseURL + href
		}
		data := struct {
			layout
			To, Abs string
		}{layout: layout{Site: s.conf(), Lang: s.conf().Lang, Title: s.catalog.Locale(s.conf().Lang).T("This page has moved"),
			Canonical: abs, NoIndex: true}, To: href, Abs: abs}
		b, err := s.viewsFor(s.conf().Lang).RenderTemplate("moved", "moved", data)
		if err != nil {
			return nil, err
		}
		p, err := url.PathUnescape(rd.From)
		if err != nil {
			continue
		}
		out = append(out, RedirectFile{Path: p, Body: b})
	}
	return out, nil
}
