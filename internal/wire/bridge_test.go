package wire_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/samizdat-press/samizdat/internal/wire/wiretest"
)

// TestRequestsOwnTheirMemory: what a handler keeps of a request (path,
// query, headers, cookies, form values) still says what that request said
// after the connection has carried many more, as a cache key must.
func TestRequestsOwnTheirMemory(t *testing.T) {
	type kept struct{ path, query, header, cookie, form string }
	var (
		mu   sync.Mutex
		keep []kept
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		c, _ := r.Cookie("c")
		mu.Lock()
		keep = append(keep, kept{r.URL.Path, r.URL.RawQuery, r.Header.Get("X-N"), c.Value, r.PostForm.Get("f")})
		mu.Unlock()
		io.WriteString(w, r.URL.Path)
	})
	srv := wiretest.Start(t, h, nil)
	const n = 300
	for i := range n {
		// Paths of the same length, so a reused buffer would be overwritten in place.
		body := fmt.Sprintf("f=form-%04d", i)
		req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/p/%04d?q=%04d", i, i), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-N", fmt.Sprintf("h-%04d", i))
		req.Header.Set("Cookie", fmt.Sprintf("c=cookie-%04d", i))
		if got := srv.Do(t, req).Body.String(); got != fmt.Sprintf("/p/%04d", i) {
			t.Fatalf("request %d answered %q", i, got)
		}
	}
	for i, k := range keep {
		want := kept{fmt.Sprintf("/p/%04d", i), fmt.Sprintf("q=%04d", i), fmt.Sprintf("h-%04d", i), fmt.Sprintf("cookie-%04d", i), fmt.Sprintf("form-%04d", i)}
		if k != want {
			t.Fatalf("request %d as kept by its handler: %+v, want %+v", i, k, want)
		}
	}
}

// TestHandlerAnswers: status, headers, HEAD and panics cross the bridge as
// net/http would send them.
func TestHandlerAnswers(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", "5")
		w.Header().Add("X-Two", "a")
		w.Header().Add("X-Two", "b")
		io.WriteString(w, "hello")
	})
	mux.HandleFunc("GET /sniff", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<!doctype html><p>hi") })
	mux.HandleFunc("GET /teapot", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	srv := wiretest.Start(t, mux, nil)
	do := func(method, path string) *httptest.ResponseRecorder {
		return srv.Do(t, httptest.NewRequest(method, path, nil))
	}
	if w := do("GET", "/page"); w.Code != 200 || w.Body.String() != "hello" || len(w.Header()["X-Two"]) != 2 {
		t.Errorf("GET /page: %d %q %v", w.Code, w.Body, w.Header())
	}
	if w := do("HEAD", "/page"); w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "5" {
		t.Errorf("HEAD /page: %d, %d bytes, Content-Length %q; want 200, none, 5", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
	if w := do("GET", "/sniff"); !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Errorf("GET /sniff: Content-Type %q, want it sniffed as HTML", w.Header().Get("Content-Type"))
	}
	if w := do("GET", "/teapot"); w.Code != http.StatusTeapot {
		t.Errorf("GET /teapot: %d", w.Code)
	}
	if w := do("GET", "/panic"); w.Code != http.StatusInternalServerError {
		t.Errorf("GET /panic: %d, want 500 (and the server still up)", w.Code)
	}
	if w := do("GET", "/page"); w.Code != 200 {
		t.Errorf("after a panic: %d", w.Code)
	}
}

// TestRefusedUploadIsAnswered: a handler refuses a large body after reading
// a little of it (as a form over its limit is refused with 413); the
// client, which sends the whole body before reading, still gets the answer
// rather than a reset connection, on every try and on one connection.
func TestRefusedUploadIsAnswered(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.CopyN(io.Discard, r.Body, 1<<20)
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
	})
	srv := wiretest.Start(t, h, nil)
	body := bytes.Repeat([]byte("x"), 24<<20)
	for i := range 5 {
		req := httptest.NewRequest(http.MethodPost, "/upload", bytes.NewReader(body))
		if rec := srv.Do(t, req); rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("try %d: status %d, want 413", i, rec.Code)
		}
	}
}
