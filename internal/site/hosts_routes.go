package site

import (
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/samizdat-press/samizdat/internal/i18n"
)

// hostRoutes registers the pages that list the site's other addresses.
func (s *Site) hostRoutes(mux *http.ServeMux) {
	h := s.adapter.Handle
	s.handleEditions(mux, "GET /mirrors", h(s.cached(s.mirrorsPage)))
	mux.Handle("GET /mirrors.txt", h(s.cached(s.mirrorsText)))
}

// mirrorAddress is one line of the mirror list.
type mirrorAddress struct {
	Kind, URL string
}

func (s *Site) mirrorAddresses() []mirrorAddress {
	out := []mirrorAddress{{"Main site", s.conf().BaseURL + "/"}}
	for _, m := range s.hosts.mirrors {
		out = append(out, mirrorAddress{"Mirror", m.Base + "/"})
	}
	if o, ok := s.hosts.Onion(); ok {
		out = append(out, mirrorAddress{"Onion service (Tor Browser)", o.Base + "/"})
	}
	return out
}

// mirrorsPage lists where to read the site when its main address is
// blocked. It is the same on every host, like every HTML page.
func (s *Site) mirrorsPage(r *http.Request) (*page, error) {
	loc := s.loc(r)
	l, err := s.newLayout(r, loc.T("Where to read us"), loc.T("Other addresses of %s, for when one is blocked.", s.conf().Name))
	if err != nil {
		return nil, err
	}
	s.setAlternates(&l, s.editionAlternates(l.Lang, "/mirrors"))
	l.OG = &openGraph{Type: "website"}
	data := struct {
		layout
		Addresses []mirrorAddress
	}{l, s.mirrorAddresses()}
	return s.renderPage("mirrors", data, nil)
}

// mirrorsText is the mirror list for scripts and for pasting into
// messages: one address a line.
func (s *Site) mirrorsText(r *http.Request) (*page, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: addresses to read it by, one a line. Main site first.\n", s.conf().Name)
	for _, a := range s.mirrorAddresses() {
		b.WriteString(a.URL + "\n")
	}
	return &page{contentType: "text/plain; charset=utf-8", body: []byte(b.String())}, nil
}

// mirrorFooter closes every feed item with the site's addresses, so a
// reader whose feed still arrives learns where to go when the site is
// blocked. It is in the item's language, in the newsletters' words.
func (s *Site) mirrorFooter(loc *i18n.Locale) string {
	list := s.mirrorAddresses()
	if len(list) < 2 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<hr><p>` + html.EscapeString(loc.T("If our site is blocked where you are, read us at:")) + ` `)
	for i, a := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		u := html.EscapeString(a.URL)
		fmt.Fprintf(&b, `<a href="%s">%s</a>`, u, u)
	}
	b.WriteString(`.</p>`)
	return b.String()
}
