package revenue_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// flakySink is the real store, but every third flush fails before it
// writes, as when the database is briefly unreachable.
type flakySink struct {
	st    *store.Store
	calls atomic.Int64
}

func (f *flakySink) AddPromptCounts(ctx context.Context, c []revenue.Count) error {
	if f.calls.Add(1)%3 == 0 {
		return errors.New("database unreachable")
	}
	return f.st.AddPromptCounts(ctx, c)
}

// TestCountersExactUnderConcurrentLoad adds counts from many goroutines
// while flushes run (some failing): every count reaches the store exactly
// once. Run with -race.
func TestCountersExactUnderConcurrentLoad(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sink := &flakySink{st: st}
	c := revenue.NewCounters()
	day1 := time.Date(2026, 11, 29, 23, 59, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Minute) // the next day: counts go to their own day
	const workers, each = 16, 3000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		for {
			select {
			case <-stop:
				return
			default:
				c.Flush(ctx, sink) // failures put the counts back
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				at := day1
				if i%2 == 1 {
					at = day2
				}
				c.Add(int64(1+w%3), revenue.Impression, at, 1)
				if i%10 == 0 {
					c.Add(int64(1+w%3), revenue.Click, at, 1)
				}
				if i%100 == 0 {
					c.Add(int64(1+w%3), revenue.Snooze, at, 1)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-flushed
	for c.Pending() != nil {
		c.Flush(ctx, sink)
	}
	counts, err := st.PromptCounts(ctx, day1.Truncate(24*time.Hour), day2.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var imp, clicks, snoozes int64
	perDay := map[string]int64{}
	for _, n := range counts {
		imp += n.Impressions
		clicks += n.Clicks
		snoozes += n.Snoozes
		perDay[n.Day] += n.Impressions
	}
	if imp != workers*each || clicks != workers*each/10 || snoozes != workers*each/100 {
		t.Errorf("stored %d impressions, %d clicks, %d snoozes; want %d, %d, %d", imp, clicks, snoozes, workers*each, workers*each/10, workers*each/100)
	}
	if perDay["2026-11-29"] != workers*each/2 || perDay["2026-11-30"] != workers*each/2 {
		t.Errorf("per day: %v", perDay)
	}
	if sink.calls.Load() < 3 {
		t.Logf("only %d flushes ran during the load", sink.calls.Load())
	}
}
