package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/config"
)

const signInPassword = "correct horse battery staple"

// signInHash is the hash of signInPassword, made once: argon2id costs a
// large fraction of a second under the race detector.
var signInHash = sync.OnceValues(func() (string, error) { return account.HashPassword(signInPassword) })

// startSignInServer runs the real listener, as startServer does, on an
// empty site with one admin account, its clock frozen so that sign-in
// waits do not run out during a test. trusted is --trusted-proxy.
func startSignInServer(t *testing.T, trusted ...string) (base string, srv *Server, admin account.User) {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err = New(ctx, config.Config{DB: filepath.Join(dir, "db"), Media: filepath.Join(dir, "media"), BaseURL: base,
		CacheMB: 8, JobsEvery: time.Hour, TrustedProxy: trusted}, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	srv.Admin.SetClock(func() time.Time { return now })
	hash, err := signInHash()
	if err != nil {
		t.Fatal(err)
	}
	admin = account.User{Email: "editor@example.org", Name: "Editor", Role: account.RoleAdmin, PasswordHash: hash}
	if err := srv.Store.CreateUser(ctx, &admin); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after shutdown, want nil", err)
		}
		srv.Close()
	})
	return base, srv, admin
}

var signInCSRFRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signInClient is one browser at the real sign-in form: its own cookies,
// no redirects followed.
type signInClient struct {
	base string
	c    *http.Client
	csrf string
	xff  string // X-Forwarded-For sent, if any
}

func newSignInClient(t *testing.T, base, xff string) *signInClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &signInClient{base: base, xff: xff, c: &http.Client{Jar: jar, Transport: tr, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// open fetches the form and keeps its CSRF token (and the cookie with it).
func (c *signInClient) open() error {
	resp, err := c.c.Get(c.base + "/admin/signin")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	m := signInCSRFRe.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return fmt.Errorf("GET /admin/signin: %d, CSRF token found: %v", resp.StatusCode, m != nil)
	}
	c.csrf = html.UnescapeString(string(m[1]))
	return nil
}

// send posts the form and returns the answer's status and Retry-After.
func (c *signInClient) send(email, pw string) (int, string, error) {
	form := url.Values{"csrf": {c.csrf}, "email": {email}, "password": {pw}}
	req, err := http.NewRequest(http.MethodPost, c.base+"/admin/signin", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.xff != "" {
		req.Header.Set("X-Forwarded-For", c.xff)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), nil
}

// heapPeak samples the heap's live and not yet swept objects until stop is
// closed, and returns the most it saw.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux 4.0+);
// false where that is not possible.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS is VmHWM in bytes, or 0 where /proc is not available.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:")); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(string(v)), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestSignInFloodChecksAtMostTheLimit: 24 wrong passwords for one account,
// sent at once through the real listener with real CSRF tokens, get at
// most freeAttempts (3) argon2 checks between them, and the process's
// memory stays bounded while they run (each check holds 64 MiB).
func TestSignInFloodChecksAtMostTheLimit(t *testing.T) {
	base, srv, admin := startSignInServer(t)
	const n, limit = 24, 3
	clients := make([]*signInClient, n)
	for i := range clients {
		clients[i] = newSignInClient(t, base, "")
		if err := clients[i].open(); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	baseHeap := make([]metrics.Sample, 1)
	baseHeap[0].Name = "/memory/classes/heap/objects:bytes"
	metrics.Read(baseHeap)
	canRSS := resetPeakRSS()
	rssBefore := peakRSS()
	stop := make(chan struct{})
	peak := heapPeak(stop)
	checksBefore := srv.Admin.HashStats().Checks

	statuses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	var ready atomic.Int32
	start := make(chan struct{})
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Add(1)
			<-start
			statuses[i], _, errs[i] = c.send(admin.Email, fmt.Sprintf("wrong password number %d", i))
		}()
	}
	for ready.Load() < n {
		runtime.Gosched()
	}
	close(start)
	wg.Wait()
	close(stop)
	heapGrowth := int64(<-peak) - int64(baseHeap[0].Value.Uint64())
	rssGrowth := int64(peakRSS()) - int64(rssBefore)

	for i, err := range errs {
		if err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
	}
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	checks := srv.Admin.HashStats().Checks - checksBefore
	t.Logf("%d concurrent wrong sign-ins: answers %v, %d passwords checked; peak heap growth %d MiB, peak RSS growth %d MiB (measured: %v)",
		n, counts, checks, heapGrowth>>20, rssGrowth>>20, canRSS)
	if checks > limit {
		t.Errorf("%d passwords checked for %d attempts at once, want at most %d", checks, n, limit)
	}
	if counts[http.StatusUnauthorized] > limit || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != n {
		t.Errorf("answers %v: want at most %d × 401 and the rest 429", counts, limit)
	}
	const bound = 300 << 20
	if heapGrowth > bound {
		t.Errorf("heap grew by %d MiB during the flood, want under %d MiB", heapGrowth>>20, bound>>20)
	}
	// RSS also holds the race detector's shadow of the heap, several times
	// its size: the bound applies without it.
	if canRSS && !raceEnabled && rssGrowth > bound {
		t.Errorf("peak RSS grew by %d MiB during the flood, want under %d MiB", rssGrowth>>20, bound>>20)
	}
	// The right password is held up now (the account's own failures),
	// and says for how long.
	c := newSignInClient(t, base, "")
	if err := c.open(); err != nil {
		t.Fatal(err)
	}
	if status, retry, err := c.send(admin.Email, signInPassword); err != nil || status != http.StatusTooManyRequests || retry == "" {
		t.Errorf("right password after the flood: %d, Retry-After %q, %v; want 429 with Retry-After", status, retry, err)
	}
}

// TestSignInBehindTrustedProxy, through the real listener: with
// --trusted-proxy the forwarded client is counted, without it the header
// is ignored and the peer is; either way, failures on other accounts from
// that address, past its limit, do not keep the admin's right password out.
func TestSignInBehindTrustedProxy(t *testing.T) {
	const forwarded = "198.51.100.9"
	for _, tc := range []struct {
		name             string
		trusted          []string
		counted, ignored string
	}{
		{"trusted proxy", []string{"127.0.0.1"}, forwarded, "127.0.0.1"},
		{"untrusted peer", nil, "127.0.0.1", forwarded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, srv, admin := startSignInServer(t, tc.trusted...)
			ctx := context.Background()
			// The address is one failure short of its limit, seeded to save
			// argon2 time; one more comes through the form.
			for range 9 {
				if err := srv.Store.RecordFailure(ctx, time.Now(), "ip:"+tc.counted); err != nil {
					t.Fatal(err)
				}
			}
			guesser := newSignInClient(t, base, "192.0.2.66, "+forwarded) // a made-up hop, then what the proxy saw
			if err := guesser.open(); err != nil {
				t.Fatal(err)
			}
			if status, _, err := guesser.send("somebody-else@example.org", "password guess 123"); err != nil || status != http.StatusUnauthorized {
				t.Fatalf("guess: %d, %v; want 401", status, err)
			}
			for key, want := range map[string]int{"ip:" + tc.counted: 10, "ip:" + tc.ignored: 0, "ip:192.0.2.66": 0} {
				if n, _, err := srv.Store.Throttle(ctx, key); err != nil || n != want {
					t.Errorf("%s: %d failures (%v), want %d", key, n, err, want)
				}
			}
			c := newSignInClient(t, base, forwarded)
			if err := c.open(); err != nil {
				t.Fatal(err)
			}
			if status, _, err := c.send(admin.Email, signInPassword); err != nil || status != http.StatusSeeOther {
				t.Errorf("admin's right password from the same address: %d, %v; want 303", status, err)
			}
		})
	}
}
