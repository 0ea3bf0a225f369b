package site

import (
	"sync"

	"github.com/samizdat-press/samizdat/internal/store"
)

// searchResults caches what a search found, keyed by the normalized query
// and the page, beside the cache of rendered pages (keyed by the query as
// typed, which the page shows): "Harbour strike" and "harbour  strike"
// render their own pages from one search. An entry is good only in the
// generation of the page cache it was found in, so every change that drops
// search pages (the change feed's, on every node) drops these too.
type searchResults struct {
	mu      sync.Mutex
	max     int
	entries map[string]searchResult
	order   []string // insertion order, for eviction
}

type searchResult struct {
	gen   uint64
	hits  []store.SearchHit
	total int
}

func newSearchResults(max int) *searchResults {
	return &searchResults{max: max, entries: map[string]searchResult{}}
}

func (c *searchResults) get(key string, gen uint64) ([]store.SearchHit, int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.entries[key]
	if !ok || r.gen != gen {
		return nil, 0, false
	}
	return r.hits, r.total, true
}

func (c *searchResults) put(key string, gen uint64, hits []store.SearchHit, total int) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		for len(c.order) >= c.max {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, key)
	}
	c.entries[key] = searchResult{gen: gen, hits: hits, total: total}
}
