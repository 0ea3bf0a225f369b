package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/store"
)

// throttleLimit is the failures each key allows in these tests, with no
// waits: an attempt may proceed while every key has fewer.
const throttleLimit = 3

// underLimit is a decide function for ReserveAttempt: it refuses for an
// hour once any key reached throttleLimit.
func underLimit(counts []store.ThrottleCount) time.Duration {
	for _, c := range counts {
		if c.Failures >= throttleLimit {
			return time.Hour
		}
	}
	return 0
}

// testThrottle checks ReserveAttempt and SettleAttempt one call at a time.
func testThrottle(t *testing.T, f *fixture) {
	reserve := func(at time.Time, keys ...string) (time.Duration, []store.ThrottleCount) {
		t.Helper()
		var seen []store.ThrottleCount
		wait, err := f.st.ReserveAttempt(f.ctx, at, keys, func(c []store.ThrottleCount) time.Duration {
			seen = c
			return underLimit(c)
		})
		if err != nil {
			t.Fatalf("ReserveAttempt(%v): %v", keys, err)
		}
		return wait, seen
	}
	count := func(key string) (int, time.Time) {
		t.Helper()
		n, last, err := f.st.Throttle(f.ctx, key)
		if err != nil {
			t.Fatalf("Throttle(%s): %v", key, err)
		}
		return n, last
	}

	// A new key: decide sees no failures and no time.
	at := base.Add(300 * time.Millisecond)
	wait, seen := reserve(at, "account:a", "ip:1")
	if wait != 0 || len(seen) != 2 || seen[0] != (store.ThrottleCount{Key: "account:a"}) || seen[1] != (store.ThrottleCount{Key: "ip:1"}) {
		t.Fatalf("first reservation: wait %v, decide saw %+v; want 0 and two empty counts in the order given", wait, seen)
	}
	// The charge's time is rounded up to the second, so that a wait
	// computed from it is never shorter than meant.
	if n, last := count("account:a"); n != 1 || !last.Equal(base.Add(time.Second)) {
		t.Errorf("after one reservation: %d at %v, want 1 at %v", n, last, base.Add(time.Second))
	}
	// Keys reach decide in the caller's order, whatever their sorting.
	if _, seen := reserve(base, "ip:1", "account:a"); seen[0].Key != "ip:1" || seen[0].Failures != 1 || seen[1].Key != "account:a" || seen[1].Failures != 1 {
		t.Errorf("decide saw %+v, want ip:1 then account:a, one failure each", seen)
	}
	reserve(base, "account:a")
	if wait, seen := reserve(base, "account:a", "ip:2"); wait != time.Hour || seen[0].Failures != throttleLimit {
		t.Fatalf("reservation over the limit: wait %v, decide saw %+v; want an hour", wait, seen)
	}
	// A refused attempt charges nothing, not even the key that had room.
	if n, _ := count("account:a"); n != throttleLimit {
		t.Errorf("account:a after a refusal: %d failures, want %d", n, throttleLimit)
	}
	if n, last := count("ip:2"); n != 0 || !last.IsZero() {
		t.Errorf("ip:2, charged only by a refused attempt: %d at %v, want nothing", n, last)
	}

	// Settling: the account is forgotten, the address gets its charge back.
	if err := f.st.SettleAttempt(f.ctx, []string{"account:a"}, []string{"ip:1"}); err != nil {
		t.Fatalf("SettleAttempt: %v", err)
	}
	if n, _ := count("account:a"); n != 0 {
		t.Errorf("account:a after clearing: %d failures, want 0", n)
	}
	if n, _ := count("ip:1"); n != 1 {
		t.Errorf("ip:1 after a refund: %d failures, want 1", n)
	}
	// Refunds stop at zero, and unknown keys are no error.
	if err := f.st.SettleAttempt(f.ctx, []string{"account:nobody"}, []string{"ip:1", "ip:1", "ip:never"}); err != nil {
		t.Fatalf("SettleAttempt: %v", err)
	}
	if n, _ := count("ip:1"); n != 0 {
		t.Errorf("ip:1 after refunding more than was charged: %d failures, want 0", n)
	}
	if wait, _ := reserve(base, "account:a"); wait != 0 {
		t.Errorf("after clearing, a reservation waits %v, want 0", wait)
	}
}

// testThrottleConcurrent: attempts at once on one key get exactly the
// limit between them, and attempts on overlapping keys given in different
// orders neither deadlock nor overshoot.
func testThrottleConcurrent(t *testing.T, f *fixture) {
	t.Run("OneKey", func(t *testing.T) {
		if got := reserveFlood(t, []*store.Store{f.st}, 24, func(int) []string { return []string{"account:flood"} }); got != throttleLimit {
			t.Errorf("%d of 24 attempts at once proceeded, want %d", got, throttleLimit)
		}
	})
	t.Run("OverlappingKeys", func(t *testing.T) {
		got := reserveFlood(t, []*store.Store{f.st}, 24, func(i int) []string {
			if i%2 == 0 {
				return []string{"account:x", "ip:shared"}
			}
			return []string{"ip:shared", fmt.Sprintf("account:y%d", i)}
		})
		if got != throttleLimit {
			t.Errorf("%d of 24 attempts sharing an address proceeded, want %d", got, throttleLimit)
		}
	})
}

// testSupporterLinksCapped: sign-in links requested at once for one
// supporter are created no more often than the cap, and links made before
// the window do not count.
func testSupporterLinksCapped(t *testing.T, f *fixture) {
	if got := linkFlood(t, []*store.Store{f.st}, 24); got != throttleLimit {
		t.Errorf("%d of 24 links requested at once were created, want %d", got, throttleLimit)
	}
	if _, err := f.st.CreateSupporterTokenCapped(f.ctx, 999999, "nobody", base.Add(time.Hour), base, throttleLimit); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a link for no supporter: %v, want ErrNotFound", err)
	}
}

// linkFlood makes a supporter on the first store, requests n sign-in links
// for it at once, spread over the stores, and returns how many were made.
// Links made over an hour earlier are there too, outside the window.
func linkFlood(t *testing.T, stores []*store.Store, n int) int {
	t.Helper()
	ctx := context.Background()
	id, err := stores[0].AddSupporter(ctx, store.SupporterKey{Lookup: []byte("lookup"), Sealed: []byte("sealed")})
	if err != nil {
		t.Fatalf("AddSupporter: %v", err)
	}
	old := base.Add(-2 * time.Hour)
	stores[0].SetClock(func() time.Time { return old })
	for i := range throttleLimit {
		if err := stores[0].CreateSupporterToken(ctx, id, fmt.Sprintf("old-%d", i), old.Add(time.Minute)); err != nil {
			t.Fatalf("CreateSupporterToken: %v", err)
		}
	}
	for _, st := range stores {
		st.SetClock(func() time.Time { return base })
	}
	var made atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := stores[i%len(stores)].CreateSupporterTokenCapped(ctx, id, fmt.Sprintf("new-%d", i), base.Add(15*time.Minute), base.Add(-time.Hour), throttleLimit)
			if ok {
				made.Add(1)
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("CreateSupporterTokenCapped %d: %v", i, err)
		}
	}
	return int(made.Load())
}

// RunShared runs the tests that need two stores on one database, as two
// nodes of a cluster (or two processes on one SQLite file) have. open must
// return two stores on the same fresh, migrated, empty database and arrange
// for both to be closed when the test ends.
func RunShared(t *testing.T, open func(t *testing.T) (*store.Store, *store.Store)) {
	t.Run("ThrottleAcrossNodes", func(t *testing.T) {
		a, b := open(t)
		if got := reserveFlood(t, []*store.Store{a, b}, 24, func(int) []string { return []string{"account:flood", "ip:203.0.113.7"} }); got != throttleLimit {
			t.Errorf("%d of 24 attempts on two nodes proceeded, want %d between them", got, throttleLimit)
		}
	})
	t.Run("SupporterLinksAcrossNodes", func(t *testing.T) {
		a, b := open(t)
		if got := linkFlood(t, []*store.Store{a, b}, 24); got != throttleLimit {
			t.Errorf("%d of 24 links requested on two nodes were created, want %d between them", got, throttleLimit)
		}
	})
}

// reserveFlood starts n reservations at once, spread over the stores, and
// returns how many were allowed to proceed.
func reserveFlood(t *testing.T, stores []*store.Store, n int, keys func(i int) []string) int {
	t.Helper()
	ctx := context.Background()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			wait, err := stores[i%len(stores)].ReserveAttempt(ctx, base, keys(i), underLimit)
			if err == nil && wait == 0 {
				allowed.Add(1)
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("ReserveAttempt %d: %v", i, err)
		}
	}
	return int(allowed.Load())
}
