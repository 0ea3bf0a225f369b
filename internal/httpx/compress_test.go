package httpx

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   Encoding
	}{
		{"", Identity},
		{"gzip", Gzip},
		{"gzip, deflate", Gzip},
		{"gzip, deflate, br", Brotli},
		{"gzip, deflate, br, zstd", Brotli},
		{"zstd, gzip", Zstd},
		{"zstd;q=1, br;q=1", Brotli},
		{"GZIP", Gzip},
		{"x-gzip", Gzip},
		{"br;q=0.5, gzip", Gzip},
		{"gzip ; q=0.8 , br ; q=0.9", Brotli},
		{"br;q=0.001", Brotli},
		{"br;q=0, zstd;q=0, gzip;q=0", Identity},
		{"gzip;q=0", Identity},
		{"gzip;q=0.000", Identity},
		{"*", Brotli},
		{"*;q=0", Identity},
		{"gzip;q=0, *", Brotli},
		{"br;q=0, *;q=0.5", Zstd},
		{"br;q=0, zstd;q=0, *", Gzip},
		{"deflate", Identity},
		{"compress, x-unknown, snappy", Identity},
		{"identity", Identity},
		{"identity;q=0", Identity}, // nothing else offered: identity, never an error
		{"identity;q=1, gzip;q=0.5", Identity},
		{"identity;q=0.5, gzip", Gzip},
		{"gzip;q=abc", Identity},
		{"gzip;q=1.5", Identity},
		{"gzip;q=", Identity},
		{"gzip;level=1", Gzip},
		{"gzip;level=1;q=0", Identity},
		{",,, ,", Identity},
		{"br;q=0.5;q=0.9", Brotli},
		{"\tbr\t", Brotli},
	} {
		if got := NegotiateHeader(tc.header); got != tc.want {
			t.Errorf("Accept-Encoding %q: got %q, want %q", tc.header, got.Token(), tc.want.Token())
		}
		if got := NegotiateHeader([]byte(tc.header)); got != tc.want {
			t.Errorf("Accept-Encoding %q as bytes: got %q, want %q", tc.header, got.Token(), tc.want.Token())
		}
		if got := Negotiate([]string{tc.header}); got != tc.want {
			t.Errorf("Accept-Encoding %q as a header: got %q, want %q", tc.header, got.Token(), tc.want.Token())
		}
	}
	// Several header lines make one list.
	for _, tc := range []struct {
		lines []string
		want  Encoding
	}{
		{nil, Identity},
		{[]string{"gzip", "br;q=0.5"}, Gzip},
		{[]string{"deflate", "zstd"}, Zstd},
		{[]string{"br;q=0", "*"}, Zstd},
	} {
		if got := Negotiate(tc.lines); got != tc.want {
			t.Errorf("Accept-Encoding lines %q: got %q, want %q", tc.lines, got.Token(), tc.want.Token())
		}
	}
}

func TestNegotiateAllocatesNothing(t *testing.T) {
	v := []byte("gzip, deflate, br;q=0.9, zstd;q=0.8, *;q=0.1")
	if n := testing.AllocsPerRun(100, func() { NegotiateHeader(v) }); n != 0 {
		t.Errorf("NegotiateHeader allocates %v times, want 0", n)
	}
}

// decode undoes a Content-Encoding.
func decode(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch coding {
	case "":
		return b
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	default:
		t.Fatalf("unknown Content-Encoding %q", coding)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", coding, err)
	}
	return out
}

func TestCompressRoundTrip(t *testing.T) {
	body := []byte(strings.Repeat("<p>The tender was annulled after an inquiry.</p>\n", 200))
	for _, enc := range []Encoding{Gzip, Brotli, Zstd} {
		for _, l := range []Level{Fast, Best} {
			z := Compress(enc, l, body)
			if len(z) >= len(body) {
				t.Errorf("%s level %d: %d bytes from %d", enc.Token(), l, len(z), len(body))
			}
			if got := decode(t, enc.Token(), z); !bytes.Equal(got, body) {
				t.Errorf("%s level %d: the body does not survive the round trip", enc.Token(), l)
			}
		}
	}
}

func TestCompression(t *testing.T) {
	big := strings.Repeat("<p>The tender was annulled after an inquiry into the bids.</p>\n", 100)
	type handler = func(w http.ResponseWriter, r *http.Request)
	html := func(body string) handler {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("ETag", `"abc"`)
			w.Header().Set("Content-Length", "999999") // wrong once compressed: must go
			io.WriteString(w, body)
		}
	}
	for _, tc := range []struct {
		name        string
		h           handler
		accept      string
		method      string
		wantCoding  string
		wantVary    bool
		wantBody    string
		wantETag    string
		wantLenGone bool
	}{
		{name: "html br", h: html(big), accept: "gzip, deflate, br, zstd", wantCoding: "br", wantVary: true, wantBody: big, wantETag: `"abc-br"`, wantLenGone: true},
		{name: "html zstd", h: html(big), accept: "zstd, gzip", wantCoding: "zstd", wantVary: true, wantBody: big, wantETag: `"abc-zst"`, wantLenGone: true},
		{name: "html gzip", h: html(big), accept: "gzip", wantCoding: "gzip", wantVary: true, wantBody: big, wantETag: `"abc-gz"`, wantLenGone: true},
		{name: "html unknown coding", h: html(big), accept: "snappy, deflate", wantVary: true, wantBody: big, wantETag: `"abc"`},
		{name: "html no header", h: html(big), wantVary: true, wantBody: big, wantETag: `"abc"`},
		{name: "html q=0", h: html(big), accept: "br;q=0, gzip;q=0", wantVary: true, wantBody: big, wantETag: `"abc"`},
		{name: "small", h: html("<p>short</p>"), accept: "br", wantVary: true, wantBody: "<p>short</p>", wantETag: `"abc"`},
		{name: "HEAD", h: html(big), accept: "br", method: http.MethodHead, wantVary: true, wantBody: big, wantETag: `"abc"`}, // the recorder keeps a HEAD body
		{name: "written in small pieces", accept: "br", wantCoding: "br", wantVary: true, wantBody: big, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i < len(big); i += 7 {
				io.WriteString(w, big[i:min(i+7, len(big))])
			}
		}},
		{name: "untyped text is sniffed", accept: "gzip", wantCoding: "gzip", wantVary: true, wantBody: big, h: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, big)
		}},
		{name: "error page", accept: "zstd", wantCoding: "zstd", wantVary: true, wantBody: big, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, big)
		}},
		{name: "jpeg", accept: "br, gzip", wantBody: big, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			io.WriteString(w, big)
		}},
		{name: "own Content-Encoding", accept: "br, gzip", wantCoding: "gzip", wantBody: "already", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			io.WriteString(w, "already")
		}},
		{name: "flushed stream", accept: "br", wantVary: true, wantBody: "data: 1\n\n" + big[len("data: 1\n\n"):], h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: 1\n\n")
			w.(http.Flusher).Flush()
			io.WriteString(w, big[len("data: 1\n\n"):])
		}},
		{name: "flushed after compressing", accept: "gzip", wantCoding: "gzip", wantVary: true, wantBody: big + big, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, big)
			http.NewResponseController(w).Flush()
			io.WriteString(w, big)
		}},
		{name: "not modified", accept: "br", wantVary: true, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotModified)
		}},
		{name: "no-transform", accept: "br", wantVary: true, wantBody: big, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Cache-Control", "no-transform")
			io.WriteString(w, big)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := cmpOr(tc.method, http.MethodGet)
			req := httptest.NewRequest(method, "/", nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Encoding", tc.accept)
			}
			rec := httptest.NewRecorder()
			Compression(http.HandlerFunc(tc.h)).ServeHTTP(rec, req)
			h := rec.Header()
			if got := h.Get("Content-Encoding"); got != tc.wantCoding {
				t.Errorf("Content-Encoding %q, want %q", got, tc.wantCoding)
			}
			if got := strings.Contains(h.Get("Vary"), "Accept-Encoding"); got != tc.wantVary {
				t.Errorf("Vary %q: Accept-Encoding there %v, want %v", h.Get("Vary"), got, tc.wantVary)
			}
			if tc.wantETag != "" && h.Get("ETag") != tc.wantETag {
				t.Errorf("ETag %q, want %q", h.Get("ETag"), tc.wantETag)
			}
			if tc.wantLenGone && h.Get("Content-Length") != "" {
				t.Errorf("Content-Length %q kept on a compressed body", h.Get("Content-Length"))
			}
			body := rec.Body.Bytes()
			if tc.name != "own Content-Encoding" {
				body = decode(t, tc.wantCoding, body)
			}
			if string(body) != tc.wantBody {
				t.Errorf("body (%d bytes) differs from what the handler wrote (%d bytes)", len(body), len(tc.wantBody))
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestCompressionVaryOnce: a handler's own Vary naming Accept-Encoding is
// not repeated.
func TestCompressionVaryOnce(t *testing.T) {
	h := Compression(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Vary", "Accept-Encoding, Cookie")
		io.WriteString(w, strings.Repeat("x", 1000))
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "br")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if v := rec.Header().Values("Vary"); len(v) != 1 || v[0] != "Accept-Encoding, Cookie" {
		t.Errorf("Vary %q, want the handler's one value", v)
	}
}
