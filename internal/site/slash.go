package site

import (
	"errors"
	"net/http"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

// StrictSlash stands in front of mux where it would answer a path without
// its trailing slash ("/news") by redirecting to the slash form: that
// redirect is permanent (308) when the slash form is a page that exists,
// and a 404 straight away when it is not, so "/wp-login.php" or
// "/tag/nothing" never bounce a crawler or a scanner through a redirect
// first. Every other request goes to mux unchanged.
func (s *Site) StrictSlash(mux *http.ServeMux) http.Handler {
	notFound := s.adapter.Handle(func(w http.ResponseWriter, r *http.Request) error { return httpx.NotFound() })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.queryRedirect(w, r) {
			return
		}
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || strings.HasSuffix(r.URL.Path, "/") {
			mux.ServeHTTP(w, r)
			return
		}
		_, pattern := mux.Handler(r)
		// A path without a trailing slash can only be answered by a
		// pattern ending in "/{$}" through the mux's own redirect.
		if !strings.HasSuffix(pattern, "/{$}") {
			mux.ServeHTTP(w, r)
			return
		}
		exists, err := s.slashPageExists(r)
		if err != nil {
			s.adapter.Handle(func(http.ResponseWriter, *http.Request) error { return err }).ServeHTTP(w, r)
			return
		}
		if !exists {
			notFound.ServeHTTP(w, r)
			return
		}
		to := r.URL.Path + "/"
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, to, http.StatusPermanentRedirect)
	})
}

// slashPageExists reports whether the public list page at r's path plus a
// slash has something to show: a section, tag or author that exists. Any
// other slash route (an edition's home, the admin) always exists.
func (s *Site) slashPageExists(r *http.Request) (bool, error) {
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	lang := s.conf().Lang
	if len(segs) > 1 && i18n.Supported(segs[0]) {
		lang, segs = segs[0], segs[1:] // an edition's prefix
	}
	ctx := r.Context()
	var err error
	switch {
	case len(segs) == 1 && segs[0] == "admin":
		return true, nil
	case len(segs) == 1:
		secs, err := s.navList(ctx)
		if err != nil {
			return false, err
		}
		for _, sec := range secs {
			if sec.Slug == segs[0] {
				return true, nil
			}
		}
		// Or a static page of the edition.
		_, err = s.livePage(ctx, lang, segs[0])
		var he *httpx.Error
		if errors.As(err, &he) && he.Status == http.StatusNotFound {
			return false, nil
		}
		return err == nil, err
	case len(segs) == 2 && !content.ValidSlug(segs[1]):
		return false, nil
	case len(segs) == 2 && segs[0] == "tag":
		// As the tag page: a tag with nothing published does not exist.
		var t content.Tag
		if t, err = s.db.TagBySlug(ctx, segs[1]); err == nil {
			n, err := s.db.CountArticles(ctx, store.ListQuery{TagID: t.ID})
			return n > 0, err
		}
	case len(segs) == 2 && segs[0] == "author":
		_, err = s.db.AuthorBySlug(ctx, segs[1])
	default:
		return true, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
