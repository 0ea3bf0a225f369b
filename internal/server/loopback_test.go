package server

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// loopback is a Server served as production serves it (Serve: fasthttp,
// the page cache's fast path, the bridge to net/http) on a loopback port.
type loopback struct {
	URL    string
	client *http.Client
}

// serveLoopback serves srv until the test ends, then stops it and closes
// srv.
func serveLoopback(t testing.TB, srv *Server) *loopback {
	t.Helper()
	return serveLoopbackOn(t, srv, "127.0.0.1:0")
}

// serveLoopbackOn is serveLoopback on addr.
func serveLoopbackOn(t testing.TB, srv *Server, addr string) *loopback {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	tr := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second}
	l := &loopback{URL: "http://" + ln.Addr().String(), client: &http.Client{Transport: tr, Timeout: time.Minute}}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after shutdown, want nil", err)
		}
		srv.Close()
	})
	return l
}

// Client returns a keep-alive client of the server; tests may set its
// CheckRedirect and its transport's DisableCompression.
func (l *loopback) Client() *http.Client { return l.client }
