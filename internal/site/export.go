package site

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// StaticExtra is what the export's own pages need that the site does not
// keep: the bank details, read from the site's settings by the caller.
type StaticExtra struct {
	BankDetails string // free text; empty when none are published
}

// StaticPage renders the pages that a static copy has in place of those
// that need the server: "/support" offers what works without it (a bank
// transfer, the live site's checkout on the primary and the onion), and
// "/search" says plainly that searching needs the live site and offers
// browsing instead.
func (s *Site) StaticPage(ctx context.Context, path string, extra StaticExtra) ([]byte, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	// "/ru/support" is the Russian edition's.
	prefix := ""
	for _, lang := range s.editionLangs()[1:] {
		if rest, ok := strings.CutPrefix(path, "/"+lang+"/"); ok {
			prefix, path = "/"+lang, "/"+rest
			r = r.WithContext(context.WithValue(ctx, editionKey{}, lang))
		}
	}
	var title, desc, name string
	loc := s.loc(r)
	switch path {
	case "/support":
		title, desc, name = loc.T("Support us"), loc.T("How to support %s from this copy of the site.", s.conf().Name), "static_support"
	case "/search":
		title, desc, name = loc.T("Search"), "", "static_search"
	case "/newsletter":
		title, desc, name = loc.T("Newsletters"), "", "static_newsletter"
	default:
		return nil, fmt.Errorf("no static page %s", path)
	}
	l, err := s.newLayout(r, title, desc)
	if err != nil {
		return nil, err
	}
	l.NoIndex = true
	data := struct {
		layout
		Bank    string
		Primary string
		Onion   string
	}{layout: l, Bank: extra.BankDetails, Primary: s.conf().BaseURL + prefix}
	if o, ok := s.hosts.Onion(); ok {
		data.Onion = o.Base + prefix
	}
	p, err := s.renderPage(name, data, nil)
	if err != nil {
		return nil, err
	}
	return p.body, nil
}
