package site

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

// maxQueryBytes refuses search URLs no person types.
const maxQueryBytes = 2000

// searchWait is how long a search waits for a turn before it is refused.
const searchWait = 2 * time.Second

// search answers from its own cache (see Site.searchCache), and runs at
// most len(searchSlots) searches at once: a flood of searches waits or is
// refused with 503, while cached pages keep being served.
func (s *Site) search(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.Query().Get("q")
	if len(raw) > maxQueryBytes {
		return httpx.BadRequest(s.loc(r).T("That search is too long. Try a few words."))
	}
	n, err := pageNumber(r)
	if err != nil {
		return err
	}
	all := r.URL.Query().Get("in") == "all"
	// The page shows the query as typed, so that is the key, in the
	// edition's path.
	key := r.URL.Path + "?q=" + raw + "&page=" + strconv.Itoa(n)
	if all {
		key += "&in=all"
	}
	if e := s.searchCache.get(key); e != nil {
		serveEntry(w, r, e, searchCacheControl)
		return nil
	}
	gen := s.searchCache.generation()
	q := content.ParseQuery(raw)
	if !all {
		q.Lang = s.pageLang(r) // the edition's articles only
	}
	rkey := q.Key() + "#" + strconv.Itoa(n)
	hits, total, found := s.searchResults.get(rkey, gen)
	if !found && !q.Empty() {
		if hits, total, err = s.runSearch(r, q, n); err != nil && !errors.Is(err, store.ErrSearchTooSlow) {
			return err
		}
	}
	tooSlow := errors.Is(err, store.ErrSearchTooSlow)
	p, err := s.searchPage(r, raw, q, n, all, hits, total, err)
	if err != nil {
		return err
	}
	e := s.build(key, p, s.searchCache)
	e.route = r.Pattern
	// A search cut short by its time limit is not kept.
	if !tooSlow {
		if !found {
			s.searchResults.put(rkey, gen, hits, total)
		}
		s.searchCache.put(e, gen)
	}
	serveEntry(w, r, e, searchCacheControl)
	return nil
}

var searchCacheControl = []string{"public, max-age=60"}

// runSearch searches the store for page n of q, in one of the
// len(searchSlots) turns: it waits a little for one, then refuses.
func (s *Site) runSearch(r *http.Request, q content.Query, n int) ([]store.SearchHit, int, error) {
	select {
	case s.searchSlots <- struct{}{}:
	default:
		t := time.NewTimer(cmp.Or(s.searchWait, searchWait))
		defer t.Stop()
		select {
		case s.searchSlots <- struct{}{}:
		case <-t.C:
			return nil, 0, httpx.Busy(s.loc(r).T("Search is busy right now. Please try again in a few seconds."), 5)
		case <-r.Context().Done():
			return nil, 0, r.Context().Err()
		}
	}
	defer func() { <-s.searchSlots }()
	return s.db.Search(r.Context(), q, PageSize, (n-1)*PageSize)
}

// searchPage renders page n of the results for raw (parsed: q); searchErr
// is ErrSearchTooSlow for a search cut short by its time limit.
func (s *Site) searchPage(r *http.Request, raw string, q content.Query, n int, all bool, hits []store.SearchHit, total int, searchErr error) (*page, error) {
	tooSlow := errors.Is(searchErr, store.ErrSearchTooSlow)
	if n > 1 && len(hits) == 0 {
		return nil, httpx.NotFound()
	}
	loc := s.loc(r)
	title := loc.T("Search")
	if strings.TrimSpace(raw) != "" {
		title = loc.T("Search: %s", truncate(raw, 60))
	}
	l, err := s.newLayout(r, title, loc.T("Search the archive of %s: every article, in every language.", s.conf().Name))
	if err != nil {
		return nil, err
	}
	// Result pages are kept out of search engines (an endless space of
	// thin pages, as Google's guidelines say); the search page itself,
	// the form, is a page like any other.
	l.NoIndex = strings.TrimSpace(raw) != "" || n > 1
	l.Query = raw
	data := struct {
		layout
		Q           string
		AllEditions bool
		Empty       bool
		Hits        []store.SearchHit
		Total       int
		Capped      bool
		TooSlow     bool
		Pager       pager
	}{layout: l, Q: raw, AllEditions: all, Empty: q.Empty(), Hits: hits, Total: total, Capped: total >= store.SearchCap, TooSlow: tooSlow}
	last := max(1, (total+PageSize-1)/PageSize)
	pagerPath := r.URL.Path + "?q=" + url.QueryEscape(raw)
	if all {
		pagerPath += "&in=all"
	}
	data.Pager = pager{Page: n, Last: last, Path: pagerPath}
	// Any change to a live article may change any result.
	return s.renderPage("search", data, []string{depAll})
}
