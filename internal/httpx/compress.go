package httpx

import (
	"net/http"
	"strings"
)

// Compression compresses the text responses of next (see Compressible) of
// at least MinCompressSize bytes in the coding the client prefers (see
// Negotiate), and adds Accept-Encoding to Vary on every text response, whose
// representation depends on it.
//
// It leaves alone responses that carry their own Content-Encoding (the page
// cache's precompressed pages), that are not text (JPEG, PNG), that have no
// body (HEAD, 204, 304) or are partial (206), and those whose handler flushes
// before MinCompressSize bytes were written: a stream is sent as written.
// A handler that flushes later gets each flush through the encoder.
// A compressed response's ETag gets the coding's suffix, as the page cache's
// do, so that it names that representation only.
//
// At most MinCompressSize bytes are held back; the rest streams through
// a pooled encoder.
func Compression(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &compressWriter{w: w, enc: Negotiate(r.Header["Accept-Encoding"]), head: r.Method == http.MethodHead}
		next.ServeHTTP(cw, r)
		cw.close() // not deferred: a handler that panics sends nothing more

	})
}

type compressState uint8

const (
	undecided   compressState = iota
	passing                   // sent as written
	compressing               // through zw
)

type compressWriter struct {
	w      http.ResponseWriter
	enc    Encoding
	head   bool
	state  compressState
	status int // set by WriteHeader, not yet sent
	n      int // bytes held in buf
	buf    [MinCompressSize]byte
	zw     encoder
}

func (cw *compressWriter) Header() http.Header { return cw.w.Header() }

// Unwrap lets http.ResponseController reach the connection's writer.
func (cw *compressWriter) Unwrap() http.ResponseWriter { return cw.w }

func (cw *compressWriter) WriteHeader(code int) {
	if cw.status != 0 || cw.state != undecided {
		return
	}
	if code < 200 {
		cw.w.WriteHeader(code) // informational: sent as is, the answer follows
		return
	}
	cw.status = code
	h := cw.w.Header()
	switch {
	case code == http.StatusNoContent || code == http.StatusNotModified || code == http.StatusPartialContent ||
		cw.head || h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "":
		cw.pass()
	case h.Get("Content-Type") != "" && !Compressible(h.Get("Content-Type")):
		cw.pass()
	case cw.enc == Identity:
		cw.pass()
	case strings.Contains(strings.ToLower(h.Get("Cache-Control")), "no-transform"):
		cw.pass()
	default:
		if cl := h.Get("Content-Length"); cl != "" && len(cl) < 4 && atoiSmall(cl) < MinCompressSize {
			cw.pass()
		}
	}
}

func atoiSmall(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 1 << 30
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// pass sends the head as the handler set it, with Vary for text.
func (cw *compressWriter) pass() {
	cw.state = passing
	h := cw.w.Header()
	if h.Get("Content-Encoding") == "" && cw.status != http.StatusPartialContent {
		if ct := h.Get("Content-Type"); ct == "" || Compressible(ct) {
			addVary(h)
		}
	}
	cw.w.WriteHeader(cw.status)
}

// start sends the head of a compressed response.
func (cw *compressWriter) start() {
	cw.state = compressing
	h := cw.w.Header()
	h.Del("Content-Length")
	h["Content-Encoding"] = []string{cw.enc.Token()}
	addVary(h)
	if tags := h["Etag"]; len(tags) == 1 {
		if t := tags[0]; len(t) >= 2 && t[len(t)-1] == '"' {
			h["Etag"] = []string{t[:len(t)-1] + cw.enc.ETagSuffix() + `"`}
		}
	}
	cw.w.WriteHeader(cw.status)
	cw.zw = getEncoder(cw.enc, Fast, cw.w)
}

func (cw *compressWriter) Write(p []byte) (int, error) {
	if cw.status == 0 {
		cw.WriteHeader(http.StatusOK)
	}
	switch cw.state {
	case passing:
		return cw.w.Write(p)
	case compressing:
		return cw.zw.Write(p)
	}
	if cw.n+len(p) < MinCompressSize {
		cw.n += copy(cw.buf[cw.n:], p)
		return len(p), nil
	}
	// Enough to be worth it. A body without a type is typed now, from its
	// first bytes, as net/http would.
	h := cw.w.Header()
	if h.Get("Content-Type") == "" {
		sniff := p
		if cw.n > 0 {
			sniff = append(cw.buf[:cw.n:cw.n], p[:min(len(p), 512)]...)
		}
		h.Set("Content-Type", http.DetectContentType(sniff))
		if !Compressible(h.Get("Content-Type")) {
			cw.pass()
			return cw.flushHeld(p)
		}
	}
	cw.start()
	if cw.n > 0 {
		if _, err := cw.zw.Write(cw.buf[:cw.n]); err != nil {
			return 0, err
		}
		cw.n = 0
	}
	return cw.zw.Write(p)
}

// flushHeld writes what was held back, then p, uncompressed.
func (cw *compressWriter) flushHeld(p []byte) (int, error) {
	if cw.n > 0 {
		n := cw.n
		cw.n = 0
		if _, err := cw.w.Write(cw.buf[:n]); err != nil {
			return 0, err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	return cw.w.Write(p)
}

// Flush sends what was written so far. Before the response was found
// worth compressing, it is sent as written from then on.
func (cw *compressWriter) Flush() {
	if cw.status == 0 {
		cw.WriteHeader(http.StatusOK)
	}
	switch cw.state {
	case undecided:
		cw.pass()
		cw.flushHeld(nil)
	case compressing:
		cw.zw.Flush()
	}
	if f, ok := cw.w.(http.Flusher); ok {
		f.Flush()
	}
}

// close ends the response: a short body is sent as it is; a compressed
// one is finished and its encoder returned to the pool.
func (cw *compressWriter) close() {
	switch cw.state {
	case undecided:
		if cw.status == 0 {
			cw.status = http.StatusOK
		}
		cw.pass()
		cw.flushHeld(nil)
	case compressing:
		cw.zw.Close()
		putEncoder(cw.enc, Fast, cw.zw)
		cw.zw = nil
	}
}

// addVary adds Accept-Encoding to Vary unless it is there.
func addVary(h http.Header) {
	for _, v := range h["Vary"] {
		for part := range strings.SplitSeq(v, ",") {
			if p := strings.TrimSpace(part); strings.EqualFold(p, "Accept-Encoding") || p == "*" {
				return
			}
		}
	}
	h.Add("Vary", "Accept-Encoding")
}
