package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
)

// Defaults of Config.HashConcurrency and Config.HashWait. Each argon2id
// hash holds 64 MiB and two cores for a good fraction of a second: two at
// once already fill the 2-core machines newsrooms rent, so more would only
// add memory, not answers.
const (
	defaultHashConcurrency = 2
	defaultHashWait        = 2 * time.Second
	// busyRetry is the Retry-After of a request turned away by a full gate.
	busyRetry = 5 * time.Second
)

// errBusy: every hashing slot stayed taken for as long as a request may
// wait, or the client went away while waiting. No password was hashed.
var errBusy = errors.New("password hashing busy")

// hashGate bounds the argon2id work of every request path (sign-in,
// password change, invitations and resets), so that a flood of requests
// costs at most slots × 64 MiB, however many arrive at once; the rest wait
// briefly in line and are then told to come back.
type hashGate struct {
	slots chan struct{}
	wait  time.Duration
	// Counted for HashStats: tests and operators see the real work done.
	checks, hashes, busy atomic.Int64
}

func newHashGate(n int, wait time.Duration) *hashGate {
	if n <= 0 {
		n = defaultHashConcurrency
	}
	if wait <= 0 {
		wait = defaultHashWait
	}
	return &hashGate{slots: make(chan struct{}, n), wait: wait}
}

// acquire takes a slot, waiting at most g.wait and never past ctx.
func (g *hashGate) acquire(ctx context.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	case <-t.C:
	case <-ctx.Done():
	}
	g.busy.Add(1)
	return nil, errBusy
}

// check is account.CheckPassword in a slot; errBusy when none came free.
func (g *hashGate) check(ctx context.Context, hash, pw string) (bool, error) {
	release, err := g.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	g.checks.Add(1)
	return account.CheckPassword(hash, pw), nil
}

// hash is account.HashPassword in a slot; errBusy when none came free.
func (g *hashGate) hash(ctx context.Context, pw string) (string, error) {
	release, err := g.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	g.hashes.Add(1)
	return account.HashPassword(pw)
}

// HashStats counts the password hashing an Admin did since New.
type HashStats struct {
	Checks int64 // passwords checked against a stored hash (or the dummy of an unknown account)
	Hashes int64 // new passwords hashed
	Busy   int64 // requests turned away because no hashing slot came free in time
}

// HashStats reports the hashing done so far.
func (a *Admin) HashStats() HashStats {
	return HashStats{Checks: a.hashes.checks.Load(), Hashes: a.hashes.hashes.Load(), Busy: a.hashes.busy.Load()}
}

// renderBusy answers a request that got no hashing slot: 429 with
// Retry-After, and the form it came from with a message, so that what was
// typed (but the passwords) is still there.
func (a *Admin) renderBusy(w http.ResponseWriter, r *http.Request, name string, errs map[string]string, data any) error {
	w.Header().Set("Retry-After", strconv.Itoa(int(busyRetry/time.Second)))
	errs["form"] = a.loc(r).T("The server is busy checking other passwords. Wait a few seconds and try again.")
	return a.render(w, http.StatusTooManyRequests, name, data)
}
