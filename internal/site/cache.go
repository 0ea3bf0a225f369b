package site

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// page is a rendered response before it is cached.
type page struct {
	contentType string
	body        []byte
	deps        []string        // what the page shows: see the dep* helpers
	shown       []revenue.Shown // the donation prompts on the page, counted when served
}

// entry is a cached page, compressed once, with its header values prepared
// so that serving a hit allocates nothing.
type entry struct {
	key         string
	route       string // the ServeMux pattern that rendered it, for metrics
	contentType []string
	raw, gz     []byte
	rawLen      []string
	gzLen       []string
	etag        []string  // of the identity representation
	etagGz      []string  // of the gzip representation
	etagBytes   [2][]byte // etag and etagGz, for the fast path
	deps        []string
	shown       []revenue.Shown
	newReader   atomic.Pointer[cookieMemo] // the state cookie of a reader without one, this minute
	lastUse     atomic.Int64               // the cache's tick at the last hit
}

func (e *entry) size() int { return len(e.raw) + len(e.gz) + len(e.key) + 256 }

// pageCache holds rendered pages in memory, bounded by bytes, least recently
// used out first. Each entry records what it depends on; invalidating a
// dependency drops exactly the pages that show it. A hit takes only a read
// lock and stamps the entry with a tick, so concurrent readers never wait on
// each other; eviction, which happens only on a miss, looks for the oldest
// stamp.
type pageCache struct {
	mu       sync.RWMutex
	max      int
	bytes    int
	entries  map[string]*entry
	byDep    map[string]map[*entry]struct{}
	tick     atomic.Int64
	gen      atomic.Uint64 // bumped by every invalidation
	hits     prometheus.Counter
	misses   prometheus.Counter
	evicted  prometheus.Counter
	sizeG    prometheus.GaugeFunc
	countG   prometheus.GaugeFunc
	disabled bool
}

// newPageCache makes a cache of at most maxBytes whose metrics carry the
// label cache=name.
func newPageCache(name string, maxBytes int, reg prometheus.Registerer) *pageCache {
	l := prometheus.Labels{"cache": name}
	c := &pageCache{
		max:     maxBytes,
		entries: map[string]*entry{},
		byDep:   map[string]map[*entry]struct{}{},
		hits:    prometheus.NewCounter(prometheus.CounterOpts{Name: "samizdat_page_cache_hits_total", Help: "Pages served from the page cache.", ConstLabels: l}),
		misses:  prometheus.NewCounter(prometheus.CounterOpts{Name: "samizdat_page_cache_misses_total", Help: "Pages rendered because they were not cached.", ConstLabels: l}),
		evicted: prometheus.NewCounter(prometheus.CounterOpts{Name: "samizdat_page_cache_evictions_total", Help: "Pages dropped to stay within the size limit.", ConstLabels: l}),
	}
	c.sizeG = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "samizdat_page_cache_bytes", Help: "Bytes held by the page cache.", ConstLabels: l},
		func() float64 { c.mu.RLock(); defer c.mu.RUnlock(); return float64(c.bytes) })
	c.countG = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "samizdat_page_cache_entries", Help: "Pages held by the page cache.", ConstLabels: l},
		func() float64 { c.mu.RLock(); defer c.mu.RUnlock(); return float64(len(c.entries)) })
	reg.MustRegister(c.hits, c.misses, c.evicted, c.sizeG, c.countG)
	c.disabled = maxBytes <= 0
	return c
}

// get returns the cached entry for key, or nil.
func (c *pageCache) get(key string) *entry {
	e := c.lookup(key)
	if e != nil {
		c.hits.Inc()
	} else {
		c.misses.Inc()
	}
	return e
}

// lookup finds key under the read lock and marks the entry used.
func (c *pageCache) lookup(key string) *entry {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e != nil {
		e.lastUse.Store(c.tick.Add(1))
	}
	return e
}

// peekBytes is peek for a key held as bytes, without copying it.
func (c *pageCache) peekBytes(key []byte) *entry {
	c.mu.RLock()
	e := c.entries[string(key)]
	c.mu.RUnlock()
	if e != nil {
		e.lastUse.Store(c.tick.Add(1))
		c.hits.Inc()
	}
	return e
}

// peek returns the cached entry for key, or nil, counting only hits: the
// fast path falls back to the full handler on a miss, which counts it.
func (c *pageCache) peek(key string) *entry {
	e := c.lookup(key)
	if e != nil {
		c.hits.Inc()
	}
	return e
}

// generation is read before rendering; put refuses pages rendered before an
// invalidation, which could show what was just changed.
func (c *pageCache) generation() uint64 { return c.gen.Load() }

// gzipWriters are reused: a gzip.Writer allocates hundreds of kilobytes.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
	return zw
}}

// build makes an entry of a page; compressed says whether to gzip it now
// (always for the cache; for an uncached response only if the client takes it).
func build(key string, p *page, compressed bool) *entry {
	sum := sha256.Sum256(p.body)
	tag := hex.EncodeToString(sum[:12])
	e := &entry{
		key:         key,
		contentType: []string{p.contentType},
		raw:         p.body,
		rawLen:      []string{strconv.Itoa(len(p.body))},
		etag:        []string{`"` + tag + `"`},
		etagGz:      []string{`"` + tag + `-gz"`},
		etagBytes:   [2][]byte{[]byte(`"` + tag + `"`), []byte(`"` + tag + `-gz"`)},
		deps:        p.deps,
		shown:       p.shown,
	}
	if compressed {
		var buf bytes.Buffer
		buf.Grow(len(p.body) / 3)
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		zw.Write(p.body)
		zw.Close()
		gzipWriters.Put(zw)
		e.gz = buf.Bytes()
		e.gzLen = []string{strconv.Itoa(buf.Len())}
	}
	return e
}

// put stores e unless the cache was invalidated since gen.
func (c *pageCache) put(e *entry, gen uint64) {
	if c.disabled || e.size() > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if old := c.entries[e.key]; old != nil {
		c.remove(old)
	}
	e.lastUse.Store(c.tick.Add(1))
	c.entries[e.key] = e
	c.bytes += e.size()
	for _, d := range e.deps {
		set := c.byDep[d]
		if set == nil {
			set = map[*entry]struct{}{}
			c.byDep[d] = set
		}
		set[e] = struct{}{}
	}
	for c.bytes > c.max && len(c.entries) > 0 {
		var oldest *entry
		for _, cand := range c.entries {
			if oldest == nil || cand.lastUse.Load() < oldest.lastUse.Load() {
				oldest = cand
			}
		}
		c.remove(oldest)
		c.evicted.Inc()
	}
}

func (c *pageCache) remove(e *entry) {
	delete(c.entries, e.key)
	c.bytes -= e.size()
	for _, d := range e.deps {
		if set := c.byDep[d]; set != nil {
			delete(set, e)
			if len(set) == 0 {
				delete(c.byDep, d)
			}
		}
	}
}

// invalidate drops every page that depends on any of deps.
func (c *pageCache) invalidate(deps ...string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	n := 0
	for _, d := range deps {
		for e := range c.byDep[d] {
			c.remove(e)
			n++
		}
	}
	return n
}

// purge drops everything, for changes that touch every page (site settings).
func (c *pageCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	c.entries = map[string]*entry{}
	c.byDep = map[string]map[*entry]struct{}{}
	c.bytes = 0
}

// len is the number of cached pages.
func (c *pageCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// has reports whether key is cached, for tests.
func (c *pageCache) has(key string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries[key] != nil
}
