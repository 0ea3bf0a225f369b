package testpeer

// stripe-mock: Stripe's official mock of its API, checking every request
// against Stripe's OpenAPI description.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// StripeMock is a running stripe-mock.
type StripeMock struct {
	URL string // http://127.0.0.1:PORT, the API base for stripe-go
}

// FreePort returns a loopback port nothing listens on at the moment.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a peer's output for the skip or failure message.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Stripe starts `go tool stripe-mock` on two free loopback ports (both
// must be given, or it listens on every interface).
func Stripe(t testing.TB) *StripeMock {
	t.Helper()
	httpPort, httpsPort := FreePort(t), FreePort(t)
	bin := Tool(t, "stripe-mock")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"-http-addr", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"-https-addr", fmt.Sprintf("127.0.0.1:%d", httpsPort))
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Skipf("stripe-mock cannot start (go tool stripe-mock): %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	addr := fmt.Sprintf("127.0.0.1:%d", httpPort)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			t.Skipf("stripe-mock exited before it listened:\n%s", out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return &StripeMock{URL: "http://" + addr}
		}
		if time.Now().After(deadline) {
			t.Skipf("stripe-mock did not listen on %s:\n%s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Tool returns the path of a pinned Go tool's binary, building it if need
// be. The binary is run directly rather than through `go tool`, so that
// stopping it stops the peer itself and not only the go command.
func Tool(t testing.TB, name string) string {
	t.Helper()
	out, err := exec.Command("go", "tool", "-n", name).Output()
	if err != nil {
		t.Skipf("%s is not available (go tool -n %s): %v", name, name, err)
	}
	return strings.TrimSpace(string(out))
}
