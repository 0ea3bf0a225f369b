// Package wiretest serves a handler through the production listener (package
// wire: fasthttp, the fast path, the bridge) on a loopback port, and sends
// test requests over real keep-alive connections. Do returns an
// httptest.ResponseRecorder, so a test written against httptest keeps its
// shape while driving the code that runs.
package wiretest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/wire"
)

// Server is a handler served on a loopback listener.
type Server struct {
	URL    string // http://127.0.0.1:port
	client *http.Client
}

// Start serves h (and fast, when not nil) until the test ends.
func Start(t testing.TB, h http.Handler, fast wire.FastPath) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := wire.NewServer(wire.Config{Handler: h, Fast: fast})
	done := make(chan error, 1)
	go func() { done <- fs.Serve(ln) }()
	tr := &http.Transport{
		DisableCompression:  true, // the test sees what was sent
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}
	s := &Server{URL: "http://" + ln.Addr().String(), client: &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       60 * time.Second,
	}}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := fs.ShutdownWithContext(ctx); err != nil {
			t.Errorf("shut the test listener down: %v", err)
		}
		<-done
	})
	return s
}

// Do sends r, made with httptest.NewRequest or http.NewRequest with a path
// only, to the server. r.Host is sent as the Host header.
func (s *Server) Do(t testing.TB, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	out := r.Clone(r.Context())
	out.RequestURI = ""
	u := *r.URL
	u.Scheme, u.Host = "http", s.URL[len("http://"):]
	out.URL = &u
	if r.Host != "" {
		out.Host = r.Host
	}
	if out.Body == nil || out.Body == http.NoBody {
		out.ContentLength = 0
	}
	resp, err := s.client.Do(out)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	rec := httptest.NewRecorder()
	for k, v := range resp.Header {
		rec.Header()[k] = v
	}
	rec.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(rec.Body, resp.Body); err != nil {
		t.Fatalf("%s %s: read the body: %v", r.Method, r.URL, err)
	}
	return rec
}

// Client is the keep-alive client Do uses, for requests a test builds itself.
func (s *Server) Client() *http.Client { return s.client }
