package admin

// Sign-in under load: attempts at once, the hashing gate, client addresses
// behind proxies. The helpers are those of helpers_test.go.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/httpx"
)

// TestAuthConcurrentGuesses: wrong passwords sent all at once are checked
// no more often than the limit allows one after another, for each
// throttled form. The count is of real argon2 checks (HashStats).
func TestAuthConcurrentGuesses(t *testing.T) {
	for _, tc := range []struct {
		name string
		// prepare returns n browsers ready to send one guess each.
		prepare func(e *tAuthEnv, u account.User, n int) []*tAuthBrowser
		target  string
		form    url.Values
		fail    int // the status of a checked, wrong guess
	}{
		{"sign-in", func(e *tAuthEnv, u account.User, n int) []*tAuthBrowser {
			bs := make([]*tAuthBrowser, n)
			for i := range bs {
				bs[i] = e.tAuthBrowser()
				bs[i].addr = fmt.Sprintf("198.51.100.%d:1000", i+1) // no address reaches its limit
				bs[i].get("/admin/signin")
			}
			return bs
		}, "/admin/signin", url.Values{"password": {"wrong password, all at once"}}, http.StatusUnauthorized},
		{"password change", func(e *tAuthEnv, u account.User, n int) []*tAuthBrowser {
			// One stolen session, many requests.
			b := e.tAuthSession(u)
			bs := make([]*tAuthBrowser, n)
			for i := range bs {
				bs[i] = b.clone()
			}
			return bs
		}, "/admin/password", url.Values{"current": {"wrong password, all at once"}, "password": {tAuthNewPass}, "confirm": {tAuthNewPass}}, http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tAuthNewEnvWith(t, "http://example.test", func(c *Config) { c.HashWait = time.Minute })
			u := e.tAuthUser(account.RoleEditor, tAuthPassword)
			const n = 24
			bs := tc.prepare(e, u, n)
			form := url.Values{"email": {u.Email}}
			for k, v := range tc.form {
				form[k] = v
			}
			codes := make([]int, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, b := range bs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					codes[i] = b.post(tc.target, form).Code
				}()
			}
			close(start)
			wg.Wait()
			counts := map[int]int{}
			for _, c := range codes {
				counts[c]++
			}
			if got := e.adm.HashStats().Checks; got != freeAttempts {
				t.Errorf("%d passwords checked, want %d", got, freeAttempts)
			}
			if counts[tc.fail] != freeAttempts || counts[http.StatusTooManyRequests] != n-freeAttempts {
				t.Errorf("answers %v, want %d × %d and the rest 429", counts, freeAttempts, tc.fail)
			}
		})
	}
}

// tAuthForwarded is a browser whose requests come from peer and carry
// X-Forwarded-For xff (none when empty).
func (e *tAuthEnv) tAuthForwarded(peer, xff string) *tAuthBrowser {
	b := e.tAuthBrowser()
	b.addr = peer
	if xff != "" {
		b.header = http.Header{"X-Forwarded-For": {xff}}
	}
	return b
}

// TestAuthAddressBehindProxy: behind a trusted proxy the per-address
// limit counts the forwarded client, and failures on other accounts from
// that address do not keep an account's right password out; a peer that is
// not a trusted proxy cannot move its failures elsewhere with a forged
// X-Forwarded-For.
func TestAuthAddressBehindProxy(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}
	for _, tc := range []struct {
		name    string
		peer    string
		xff     func(i int) string // the header of the i-th request
		counted string             // the address failures must be counted for
		ignored func(i int) string // addresses that must count nothing
	}{
		{"trusted proxy", "10.0.0.2:3456",
			func(i int) string { return fmt.Sprintf("192.0.2.%d, 198.51.100.9", 100+i) }, // a client-sent hop, then the real one
			"198.51.100.9",
			func(i int) string { return []string{"10.0.0.2", fmt.Sprintf("192.0.2.%d", 100+i)}[i%2] }},
		{"untrusted peer forging the header", "203.0.113.5:3456",
			func(i int) string { return fmt.Sprintf("198.51.100.%d", 10+i) },
			"203.0.113.5",
			func(i int) string { return fmt.Sprintf("198.51.100.%d", 10+i) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tAuthNewEnvWith(t, "http://example.test", func(c *Config) { c.ClientIP = httpx.ClientIP{Trusted: proxies} })
			editor := e.tAuthUser(account.RoleAdmin, tAuthPassword)
			at := func(i int) *tAuthBrowser { return e.tAuthForwarded(tc.peer, tc.xff(i)) }
			// The address is one failure short of its limit (seeded: argon2
			// is slow under the race detector); two more come through the form.
			for range freeAttemptsIP - 1 {
				if err := e.st.RecordFailure(e.ctx, e.clock.Now(), "ip:"+tc.counted); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 2 {
				tAuthStatus(t, at(i).signIn(fmt.Sprintf("guess%d@example.org", i), "password guess 123", ""), http.StatusUnauthorized)
			}
			if n, _, _ := e.st.Throttle(e.ctx, "ip:"+tc.counted); n != freeAttemptsIP+1 {
				t.Errorf("failures of %s: %d, want %d", tc.counted, n, freeAttemptsIP+1)
			}
			for i := range 2 {
				if n, _, _ := e.st.Throttle(e.ctx, "ip:"+tc.ignored(i)); n != 0 {
					t.Errorf("failures of %s: %d, want none", tc.ignored(i), n)
				}
			}
			// Over its limit, the address still lets the admin in.
			tAuthRedirect(t, at(2).signIn(editor.Email, tAuthPassword, ""), "/admin/")
			// A failure of the admin's own makes the address's record count,
			// whatever the header claims.
			tAuthStatus(t, at(3).signIn(editor.Email, "password guess 456", ""), http.StatusUnauthorized)
			tAuthThrottled(t, at(4).signIn(editor.Email, tAuthPassword, ""))
		})
	}
}

// TestAuthHashBusy: with every hashing slot taken, each form that hashes
// answers 429 with Retry-After after a short wait, hashes nothing, charges
// no failure and spends no link; once a slot frees, the same form works.
func TestAuthHashBusy(t *testing.T) {
	for _, tc := range []struct {
		name string
		// send sends the form once and returns the answer; charged lists
		// the throttle keys that must be left as they were.
		send func(e *tAuthEnv) (send func() *httptest.ResponseRecorder, charged []string)
		done string // where the form leads when it works
	}{
		{"sign-in", func(e *tAuthEnv) (func() *httptest.ResponseRecorder, []string) {
			u := e.tAuthUser(account.RoleEditor, tAuthPassword)
			b := e.tAuthBrowser()
			b.get("/admin/signin")
			return func() *httptest.ResponseRecorder {
				return b.post("/admin/signin", url.Values{"email": {u.Email}, "password": {tAuthPassword}})
			}, []string{"account:" + u.Email, "ip:192.0.2.1"}
		}, "/admin/"},
		{"password change", func(e *tAuthEnv) (func() *httptest.ResponseRecorder, []string) {
			u := e.tAuthUser(account.RoleEditor, tAuthPassword)
			b := e.tAuthSession(u)
			return func() *httptest.ResponseRecorder {
				return b.post("/admin/password", url.Values{"current": {tAuthPassword}, "password": {tAuthNewPass}, "confirm": {tAuthNewPass}})
			}, []string{"password:" + strconv.FormatInt(u.ID, 10)}
		}, "/admin/?done=Password+changed.+Every+other+session+was+signed+out."},
		{"invitation", func(e *tAuthEnv) (func() *httptest.ResponseRecorder, []string) {
			link := tAuthMakeInvite(e, account.Invite{Email: "new@example.org", Role: account.RoleAuthor})
			b := e.tAuthBrowser()
			b.get(link)
			return func() *httptest.ResponseRecorder {
				return b.post(link, url.Values{"name": {"Nadia"}, "password": {tAuthNewPass}, "confirm": {tAuthNewPass}})
			}, nil
		}, "/admin/"},
		{"password reset", func(e *tAuthEnv) (func() *httptest.ResponseRecorder, []string) {
			u := e.tAuthUser(account.RoleEditor, tAuthPassword)
			link := tAuthMakeInvite(e, account.Invite{Email: u.Email, Role: u.Role, UserID: u.ID})
			b := e.tAuthBrowser()
			b.get(link)
			return func() *httptest.ResponseRecorder {
				return b.post(link, url.Values{"password": {tAuthNewPass}, "confirm": {tAuthNewPass}})
			}, nil
		}, "/admin/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const wait = 100 * time.Millisecond
			e := tAuthNewEnvWith(t, "http://example.test", func(c *Config) { c.HashConcurrency, c.HashWait = 1, wait })
			send, charged := tc.send(e)
			e.adm.hashes.slots <- struct{}{} // the one slot is taken
			before := e.adm.HashStats()
			start := time.Now()
			w := send()
			took := time.Since(start)
			tAuthStatus(t, w, http.StatusTooManyRequests)
			if ra := w.Header().Get("Retry-After"); ra != strconv.Itoa(int(busyRetry.Seconds())) {
				t.Errorf("Retry-After %q, want %v in seconds", ra, busyRetry)
			}
			tAuthBody(t, w, "busy", "try again")
			if took < wait {
				t.Errorf("answered busy after %v, before the %v wait", took, wait)
			}
			after := e.adm.HashStats()
			if after.Checks != before.Checks || after.Hashes != before.Hashes || after.Busy != before.Busy+1 {
				t.Errorf("HashStats %+v after %+v: want no hashing and one busy answer", after, before)
			}
			for _, k := range charged {
				if n, _, err := e.st.Throttle(e.ctx, k); err != nil || n != 0 {
					t.Errorf("throttle %s: %d failures (%v), want none: nothing was checked", k, n, err)
				}
			}
			<-e.adm.hashes.slots
			tAuthRedirect(t, send(), tc.done)
		})
	}
}

// tAuthMakeInvite stores an invitation and returns its link.
func tAuthMakeInvite(e *tAuthEnv, in account.Invite) string {
	e.t.Helper()
	link, err := e.adm.MakeInvite(httptest.NewRequest("GET", "/", nil), in)
	if err != nil {
		e.t.Fatalf("MakeInvite: %v", err)
	}
	return link
}

// TestHashGateWaits: a request waits for a slot that frees in time, and
// stops waiting when its client goes away.
func TestHashGateWaits(t *testing.T) {
	g := newHashGate(1, time.Minute)
	g.slots <- struct{}{}
	go func() {
		time.Sleep(50 * time.Millisecond)
		<-g.slots
	}()
	release, err := g.acquire(context.Background())
	if err != nil {
		t.Fatalf("acquire with a slot freeing in 50 ms: %v", err)
	}
	// The slot is now this caller's; a second caller gives up with its client.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if _, err := g.acquire(ctx); err != errBusy {
		t.Errorf("acquire after the client left: %v, want errBusy", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("gave up after %v, want soon after the client left", d)
	}
	release()
	if len(g.slots) != 0 {
		t.Errorf("%d slots still taken after release", len(g.slots))
	}
}
