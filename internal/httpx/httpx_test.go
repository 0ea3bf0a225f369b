package httpx

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAdapterStatuses(t *testing.T) {
	a := &Adapter{Log: slog.New(slog.DiscardHandler), Page: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
		w.WriteHeader(status)
		fmt.Fprint(w, msg)
	}}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, tc := range []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"not found", NotFound(), 404, "Page not found"},
		{"bad request", BadRequest("Page \"x\" is not a page number."), 400, "not a page number"},
		{"database down", fmt.Errorf("list articles: %w", refused), 503, "cannot reach its database"},
		{"bad connection", fmt.Errorf("query: %w", driver.ErrBadConn), 503, "cannot reach its database"},
		{"timeout", fmt.Errorf("query: %w", context.DeadlineExceeded), 503, "cannot reach its database"},
		{"bug", errors.New("template: no such field"), 500, "Something went wrong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			a.Handle(func(http.ResponseWriter, *http.Request) error { return tc.err }).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("got %d %q, want %d containing %q", w.Code, w.Body, tc.status, tc.body)
			}
			if tc.status == 503 && w.Header().Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			if tc.status == 500 && strings.Contains(w.Body.String(), "template") {
				t.Error("the cause of a 500 leaked to the reader")
			}
		})
	}
}

func TestAdapterRecoversPanics(t *testing.T) {
	a := &Adapter{Log: slog.New(slog.DiscardHandler), Page: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
		w.WriteHeader(status)
	}}
	w := httptest.NewRecorder()
	a.Handle(func(http.ResponseWriter, *http.Request) error { panic("boom") }).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 {
		t.Errorf("status = %d, want 500", w.Code)
	}
}

func TestSecurityHeaders(t *testing.T) {
	w := httptest.NewRecorder()
	SecurityHeaders(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := w.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if len(SecurityHeaderPairs()) != len(securityHeaders) {
		t.Error("SecurityHeaderPairs does not list every header")
	}
}
