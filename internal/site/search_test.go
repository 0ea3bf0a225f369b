package site

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// gatedReader is the real store, with each search held until the test
// lets it go: a slow full-text search, on demand.
type gatedReader struct {
	Reader
	gate     chan struct{}
	searches atomic.Int32
}

func (g *gatedReader) Search(ctx context.Context, q content.Query, limit, offset int) ([]store.SearchHit, int, error) {
	g.searches.Add(1)
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	return g.Reader.Search(ctx, q, limit, offset)
}

// TestSearchBoundedAndCached: searches beyond the bound wait, then are
// refused with 503 and Retry-After, while cached pages are served; a
// repeated search is answered from the cache without searching again; any
// number of distinct queries never pushes pages out of the page cache; a
// saved article drops the cached results.
func TestSearchBoundedAndCached(t *testing.T) {
	f := newFixture(t)
	g := &gatedReader{Reader: f.s.db, gate: make(chan struct{})}
	f.s.db = g
	f.s.searchSlots = make(chan struct{}, 1)
	f.s.searchWait = 200 * time.Millisecond
	home := f.body(t, "/")

	var wg sync.WaitGroup
	wg.Add(1)
	var first int
	go func() {
		defer wg.Done()
		first = f.get(t, "/search?q=budget").Code
	}()
	for g.searches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	req := httptest.NewRequest(http.MethodGet, "/search?q=elections", nil)
	req.Host = strings.TrimPrefix(testBase, "https://")
	busy := f.wire.Do(t, req) // not f.get: a 503 is what is wanted
	if busy.Code != http.StatusServiceUnavailable || busy.Header().Get("Retry-After") == "" {
		t.Errorf("a search beyond the bound: %d, Retry-After %q; want 503 with Retry-After", busy.Code, busy.Header().Get("Retry-After"))
	}
	if got := f.body(t, "/"); got != home {
		t.Error("the home page changed while search was busy")
	}
	close(g.gate) // searches run freely from now on
	wg.Wait()
	if first != http.StatusOK {
		t.Fatalf("the search that held the slot: %d, want 200", first)
	}
	n := g.searches.Load()
	again := f.get(t, "/search?q=budget")
	if again.Code != http.StatusOK || g.searches.Load() != n {
		t.Errorf("a repeated search: %d after %d more searches; want 200 from the cache", again.Code, g.searches.Load()-n)
	}

	pages := f.s.cache.len()
	for i := range 120 {
		f.get(t, fmt.Sprintf("/search?q=budget+%d", i))
	}
	if got := f.s.cache.len(); got != pages {
		t.Errorf("120 distinct searches moved the page cache from %d to %d pages", pages, got)
	}
	if _, b := f.s.CachedPages(); f.s.searchCache.bytes > f.s.searchCache.max {
		t.Errorf("search cache holds %d bytes, over its %d (page cache %d)", f.s.searchCache.bytes, f.s.searchCache.max, b)
	}

	a := f.featured
	cur, err := f.st.ArticleByID(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur.Headline = "Budget hearing postponed"
	if err := f.svc.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	n = g.searches.Load()
	f.get(t, "/search?q=budget")
	if g.searches.Load() == n {
		t.Error("after an article was saved, the search was answered from the old cache")
	}
}

// TestSearchResultsByNormalizedQuery: the same search typed differently
// searches once, and each page shows the query as its reader typed it; a
// saved article drops the results as it drops the pages.
func TestSearchResultsByNormalizedQuery(t *testing.T) {
	f := newFixture(t)
	g := &gatedReader{Reader: f.s.db, gate: make(chan struct{})}
	close(g.gate)
	f.s.db = g
	first := f.body(t, "/search?q=budget+harbour")
	n := g.searches.Load()
	for _, typed := range []string{"Budget%20%20Harbour", "budget,+harbour!", "BUDGET+harbour"} {
		w := f.get(t, "/search?q="+typed)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d", typed, w.Code)
		}
		raw, _ := url.QueryUnescape(typed)
		if !strings.Contains(w.Body.String(), `value="`+html.EscapeString(raw)+`"`) {
			t.Errorf("%q: the search box does not show what was typed", raw)
		}
	}
	if got := g.searches.Load(); got != n {
		t.Errorf("%d more searches for the same query typed three ways, want 0", got-n)
	}
	if !strings.Contains(first, "budget") {
		t.Fatalf("first page:\n%s", first)
	}
	cur, err := f.st.ArticleByID(context.Background(), f.featured.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur.Headline = "Harbour budget revised"
	if err := f.svc.Update(context.Background(), cur); err != nil {
		t.Fatal(err)
	}
	f.get(t, "/search?q=Budget+Harbour+")
	if g.searches.Load() == n {
		t.Error("after an article was saved, the results came from the old search")
	}
}

// TestPrefixSearchPage: a star after the start of a word finds the words
// that start so, and the page marks them; without the star, the same
// letters are a word of their own that no article has.
func TestPrefixSearchPage(t *testing.T) {
	f := newFixture(t)
	with := f.body(t, "/search?q=cour%2A")
	if !strings.Contains(with, "<mark>court") && !strings.Contains(with, "<mark>Court") {
		t.Errorf("cour*: no marked word starting with cour:\n%s", with)
	}
	without := f.body(t, "/search?q=cour")
	if strings.Contains(without, "<mark>") {
		t.Errorf("cour (no star): found something marked:\n%s", without)
	}
}
