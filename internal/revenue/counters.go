package revenue

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Count is one day's aggregated numbers for one prompt variant. There is
// no reader identifier and no address anywhere in it.
type Count struct {
	Day         string // UTC, "2006-01-02"
	Variant     int64
	Impressions int64
	Clicks      int64
	Snoozes     int64
}

// CountSink adds counts to what is stored: additively, so that several
// nodes flushing the same day and variant add up.
type CountSink interface {
	AddPromptCounts(ctx context.Context, counts []Count) error
}

// Counters counts impressions, clicks and snoozes in memory, at serve time
// (the fast path included), and Flush moves them to the store.
type Counters struct {
	// mu is read-locked by every Add: the add to a cell happens under it,
	// so Flush, which swaps the map under the write lock, sees every add
	// made to the cells it takes, and none is lost or counted twice.
	mu    sync.RWMutex
	cells map[cellKey]*cell
}

type cellKey struct {
	day     int64 // days since the Unix epoch, UTC
	variant int64
}

type cell struct{ impressions, clicks, snoozes atomic.Int64 }

// NewCounters returns empty counters.
func NewCounters() *Counters { return &Counters{cells: map[cellKey]*cell{}} }

// The kinds of count.
const (
	Impression = iota
	Click
	Snooze
)

// Add counts n of kind for variant at t.
func (c *Counters) Add(variant int64, kind int, t time.Time, n int64) {
	k := cellKey{day: t.Unix() / 86400, variant: variant}
	c.mu.RLock()
	ce := c.cells[k]
	if ce == nil {
		c.mu.RUnlock()
		c.mu.Lock()
		if ce = c.cells[k]; ce == nil {
			ce = &cell{}
			c.cells[k] = ce
		}
		c.mu.Unlock()
		c.mu.RLock()
		if c.cells[k] != ce { // flushed in between: count in the new map
			c.mu.RUnlock()
			c.Add(variant, kind, t, n)
			return
		}
	}
	switch kind {
	case Impression:
		ce.impressions.Add(n)
	case Click:
		ce.clicks.Add(n)
	case Snooze:
		ce.snoozes.Add(n)
	}
	c.mu.RUnlock()
}

// take empties the counters and returns what they held.
func (c *Counters) take() []Count {
	c.mu.Lock()
	cells := c.cells
	c.cells = map[cellKey]*cell{}
	c.mu.Unlock()
	out := make([]Count, 0, len(cells))
	for k, ce := range cells {
		n := Count{Day: time.Unix(k.day*86400, 0).UTC().Format("2006-01-02"), Variant: k.variant,
			Impressions: ce.impressions.Load(), Clicks: ce.clicks.Load(), Snoozes: ce.snoozes.Load()}
		if n.Impressions != 0 || n.Clicks != 0 || n.Snoozes != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Pending returns the counts not yet flushed, without taking them.
func (c *Counters) Pending() []Count {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Count
	for k, ce := range c.cells {
		out = append(out, Count{Day: time.Unix(k.day*86400, 0).UTC().Format("2006-01-02"), Variant: k.variant,
			Impressions: ce.impressions.Load(), Clicks: ce.clicks.Load(), Snoozes: ce.snoozes.Load()})
	}
	return out
}

// Flush writes the counts to sink in one call (one transaction in the
// store). On failure they are put back, to go with the next flush: the
// sink's transaction either added all of them or none.
func (c *Counters) Flush(ctx context.Context, sink CountSink) error {
	counts := c.take()
	if len(counts) == 0 {
		return nil
	}
	if err := sink.AddPromptCounts(ctx, counts); err != nil {
		for _, n := range counts {
			day, _ := time.Parse("2006-01-02", n.Day)
			c.Add(n.Variant, Impression, day, n.Impressions)
			c.Add(n.Variant, Click, day, n.Clicks)
			c.Add(n.Variant, Snooze, day, n.Snoozes)
		}
		return fmt.Errorf("flush prompt counters: %w", err)
	}
	return nil
}
