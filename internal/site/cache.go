package site

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/revenue"
)

// page is a rendered response before it is cached.
type page struct {
	contentType string
	body        []byte
	deps        []string        // what the page shows: see the dep* helpers
	shown       []revenue.Shown // the donation prompts on the page, counted when served
	// modified is the newest modification time of what the page shows,
	// where the page knows it (articles); zero: the time it was built.
	modified time.Time
}

// representation is a page's body in one content coding, with its header
// values prepared so that serving it allocates nothing.
type representation struct {
	body      []byte
	length    []string // Content-Length
	etag      []string
	etagBytes []byte // etag, for the fast path
}

func newRepresentation(body []byte, tag string, enc httpx.Encoding) *representation {
	etag := `"` + tag + enc.ETagSuffix() + `"`
	return &representation{body: body, length: []string{strconv.Itoa(len(body))}, etag: []string{etag}, etagBytes: []byte(etag)}
}

// entry is a cached page: the identity body and gzip made when it is built,
// brotli and zstd the first time a client asks for them (once per entry),
// with header values prepared so that serving a hit allocates nothing.
type entry struct {
	key         string
	route       string // the ServeMux pattern that rendered it, for metrics
	contentType []string
	tag         string // the identity body's hash, the root of every ETag
	// compressible is false for bodies under httpx.MinCompressSize and
	// types that are compressed already: every client gets identity.
	compressible bool
	level        httpx.Level // how hard the codings work: Best for the cache
	reps         [httpx.NumEncodings]atomic.Pointer[representation]
	fill         sync.Mutex // held while a lazy representation is made
	cache        *pageCache // where the entry is counted; nil when not cached
	counted      int        // bytes counted in cache.bytes, with lazy representations; under cache.mu
	modified     time.Time  // Last-Modified, whole seconds
	lastMod      []string   // modified as the header says it
	lastModBytes []byte
	deps         []string
	shown        []revenue.Shown
	newReader    atomic.Pointer[cookieMemo] // the state cookie of a reader without one, this minute
	lastUse      atomic.Int64               // the cache's tick at the last hit
}

// raw is the identity body.
func (e *entry) raw() []byte { return e.reps[httpx.Identity].Load().body }

// size is what the entry costs the cache before lazy representations.
func (e *entry) size() int {
	n := len(e.key) + 512
	for i := range e.reps {
		if r := e.reps[i].Load(); r != nil {
			n += len(r.body)
		}
	}
	return n
}

// representation returns the body in enc, making it on first use; an entry
// that is not compressible has only identity.
func (e *entry) representation(enc httpx.Encoding) (*representation, httpx.Encoding) {
	if !e.compressible {
		enc = httpx.Identity
	}
	if r := e.reps[enc].Load(); r != nil {
		return r, enc
	}
	e.fill.Lock()
	defer e.fill.Unlock()
	if r := e.reps[enc].Load(); r != nil {
		return r, enc // made while this one waited
	}
	r := newRepresentation(httpx.Compress(enc, e.level, e.raw()), e.tag, enc)
	e.reps[enc].Store(r)
	if e.cache != nil {
		e.cache.grow(e, len(r.body))
	}
	return r, enc
}

// negotiate chooses the representation for an Accept-Encoding value.
func negotiate[T ~string | ~[]byte](e *entry, acceptEncoding T) (*representation, httpx.Encoding) {
	if !e.compressible {
		return e.reps[httpx.Identity].Load(), httpx.Identity
	}
	return e.representation(httpx.NegotiateHeader(acceptEncoding))
}

// notModified evaluates a request's preconditions against the entry whose
// representation has etag: If-None-Match when present, otherwise
// If-Modified-Since (RFC 9110, section 13.2.2).
func notModified[T ~string | ~[]byte](e *entry, etag string, inm, ims T) bool {
	if len(inm) > 0 {
		return etagMatch(string(inm), etag)
	}
	if len(ims) == 0 || e.lastMod == nil {
		return false
	}
	if string(ims) == e.lastMod[0] {
		return true
	}
	t, err := http.ParseTime(string(ims))
	return err == nil && !e.modified.After(t)
}

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

// build makes an entry of a page. An entry for the cache c is compressed
// as hard as the codings go, gzip now and brotli and zstd when first asked
// for; one that is not cached (c nil, or the cache is off) only in the
// coding its request asks for, quickly. now is the time the page was built,
// its Last-Modified when the page knows no better; floor is the earliest
// Last-Modified (a change to the site's settings reaches every page).
func build(key string, p *page, c *pageCache, now, floor time.Time) *entry {
	sum := sha256.Sum256(p.body)
	tag := hex.EncodeToString(sum[:12])
	mod := p.modified
	if mod.IsZero() {
		mod = now
	}
	if mod.Before(floor) {
		mod = floor
	}
	mod = mod.UTC().Truncate(time.Second)
	lm := mod.Format(http.TimeFormat)
	e := &entry{
		key:          key,
		contentType:  []string{p.contentType},
		tag:          tag,
		compressible: len(p.body) >= httpx.MinCompressSize && httpx.Compressible(p.contentType),
		modified:     mod,
		lastMod:      []string{lm},
		lastModBytes: []byte(lm),
		deps:         p.deps,
		shown:        p.shown,
	}
	e.reps[httpx.Identity].Store(newRepresentation(p.body, tag, httpx.Identity))
	if c != nil && !c.disabled {
		e.level = httpx.Best
		if e.compressible {
			e.reps[httpx.Gzip].Store(newRepresentation(httpx.Compress(httpx.Gzip, httpx.Best, p.body), tag, httpx.Gzip))
		}
	}
	return e
}

// buildAsset is build for a static file: kept for the process's life,
// outside any cache, and compressed as hard as the codings go.
func buildAsset(key string, p *page, now time.Time) *entry {
	e := build(key, p, nil, now, time.Time{})
	e.level = httpx.Best
	if e.compressible {
		e.reps[httpx.Gzip].Store(newRepresentation(httpx.Compress(httpx.Gzip, httpx.Best, p.body), e.tag, httpx.Gzip))
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
	e.cache = c
	e.counted = e.size()
	c.entries[e.key] = e
	c.bytes += e.counted
	for _, d := range e.deps {
		set := c.byDep[d]
		if set == nil {
			set = map[*entry]struct{}{}
			c.byDep[d] = set
		}
		set[e] = struct{}{}
	}
	c.evict()
}

// grow counts n more bytes of a representation made for e, if e is still
// cached, and makes room for them.
func (c *pageCache) grow(e *entry, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[e.key] != e {
		return
	}
	e.counted += n
	c.bytes += n
	c.evict()
}

// evict drops the least recently used entries until the cache is within
// its size; the caller holds c.mu.
func (c *pageCache) evict() {
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
	c.bytes -= e.counted

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
