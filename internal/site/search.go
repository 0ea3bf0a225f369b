package site

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

// maxQueryBytes refuses search URLs no person types.
const maxQueryBytes = 2000

// search is not cached: queries are unbounded, and each is cheap.
func (s *Site) search(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.Query().Get("q")
	if len(raw) > maxQueryBytes {
		return httpx.BadRequest("That search is too long. Try a few words.")
	}
	n, err := pageNumber(r)
	if err != nil {
		return err
	}
	q := content.ParseQuery(raw)
	hits, total, err := s.db.Search(r.Context(), q, PageSize, (n-1)*PageSize)
	tooSlow := errors.Is(err, store.ErrSearchTooSlow)
	if err != nil && !tooSlow {
		return err
	}
	if n > 1 && len(hits) == 0 {
		return httpx.NotFound()
	}
	title := "Search"
	if strings.TrimSpace(raw) != "" {
		title = "Search: " + truncate(raw, 60)
	}
	l, err := s.newLayout(r, title, "")
	if err != nil {
		return err
	}
	l.NoIndex = true
	l.Query = raw
	data := struct {
		layout
		Q       string
		Empty   bool
		Hits    []store.SearchHit
		Total   int
		Capped  bool
		TooSlow bool
		Pager   pager
	}{layout: l, Q: raw, Empty: q.Empty(), Hits: hits, Total: total, Capped: total >= store.SearchCap, TooSlow: tooSlow}
	last := max(1, (total+PageSize-1)/PageSize)
	data.Pager = pager{Page: n, Last: last, Path: "/search?q=" + url.QueryEscape(raw)}
	b, err := s.views.Render("search", data)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=60")
	_, err = w.Write(b)
	return err
}
