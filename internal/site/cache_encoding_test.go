package site

import (
	"bytes"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samizdat-press/samizdat/internal/httpx"
)

// TestLazyRepresentations: brotli and zstd are made once per entry however
// many readers ask at once, and the cache counts their bytes, so that it
// stays within its size; an entry dropped meanwhile is not counted.
func TestLazyRepresentations(t *testing.T) {
	c := newPageCache("t", 1<<20, prometheus.NewRegistry())
	body := bytes.Repeat([]byte("<p>The tender was annulled after an inquiry into the bids.</p>\n"), 200)
	p := &page{contentType: "text/html; charset=utf-8", body: body}
	e := build("/a", p, c, time.Now(), time.Time{})
	c.put(e, c.generation())
	before := c.bytes
	if e.reps[httpx.Gzip].Load() == nil || e.reps[httpx.Brotli].Load() != nil || e.reps[httpx.Zstd].Load() != nil {
		t.Fatal("a cached entry should hold identity and gzip, and no brotli or zstd before it is asked for")
	}
	var wg sync.WaitGroup
	got := make([]*representation, 16)
	for i := range got {
		wg.Go(func() {
			got[i], _ = e.representation([]httpx.Encoding{httpx.Brotli, httpx.Zstd}[i%2])
		})
	}
	wg.Wait()
	for i, r := range got {
		if r != got[i%2] {
			t.Fatalf("reader %d got a representation of its own: made more than once", i)
		}
	}
	br, zst := got[0], got[1]
	if want := before + len(br.body) + len(zst.body); c.bytes != want {
		t.Errorf("cache bytes %d after brotli and zstd, want %d", c.bytes, want)
	}
	if br.etag[0] != `"`+e.tag+`-br"` || zst.etag[0] != `"`+e.tag+`-zst"` {
		t.Errorf("ETags %s and %s, want the identity tag with -br and -zst", br.etag[0], zst.etag[0])
	}
	c.invalidate() // nothing depends on nothing: no change
	c.purge()
	if c.bytes != 0 {
		t.Errorf("cache bytes %d after purge", c.bytes)
	}
	// Made for an entry no longer cached: not counted.
	e2 := build("/b", p, c, time.Now(), time.Time{})
	c.put(e2, c.generation())
	c.purge()
	e2.representation(httpx.Brotli)
	if c.bytes != 0 {
		t.Errorf("cache bytes %d after a representation made for a dropped entry", c.bytes)
	}
	// Many entries whose brotli is asked for: the cache stays within its size.
	small := newPageCache("s", 64<<10, prometheus.NewRegistry())
	for i := range 100 {
		e := build("/p"+strconv.Itoa(i), &page{contentType: "text/html", body: append(bytes.Clone(body), strconv.Itoa(i)...)}, small, time.Now(), time.Time{})
		small.put(e, small.generation())
		e.representation(httpx.Brotli)
		e.representation(httpx.Zstd)
		if small.bytes > small.max {
			t.Fatalf("after %d pages: %d bytes, limit %d", i+1, small.bytes, small.max)
		}
	}
	sum := 0
	for _, e := range small.entries {
		sum += e.counted
	}
	if sum != small.bytes {
		t.Errorf("cache bytes %d, its entries count %d", small.bytes, sum)
	}
}

// TestSmallAndBinaryEntriesStayIdentity: a body under the threshold and
// a JPEG are served as they are whatever the client takes.
func TestSmallAndBinaryEntriesStayIdentity(t *testing.T) {
	c := newPageCache("t", 1<<20, prometheus.NewRegistry())
	for _, p := range []*page{
		{contentType: "text/plain", body: []byte("short")},
		{contentType: "image/jpeg", body: bytes.Repeat([]byte{0xff, 0xd8}, 4096)},
	} {
		e := build("/x", p, c, time.Now(), time.Time{})
		for _, enc := range []httpx.Encoding{httpx.Gzip, httpx.Brotli, httpx.Zstd} {
			r, got := e.representation(enc)
			if got != httpx.Identity || !bytes.Equal(r.body, p.body) {
				t.Errorf("%s body of %d bytes asked for in %s: got %q", p.contentType, len(p.body), enc.Token(), got.Token())
			}
		}
	}
}
