package wire

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/valyala/fasthttp"
)

// maxBufferedBody is how much of a request body fasthttp reads before the
// handler runs. A longer body is streamed to the handler, whose route sets
// its own limit (http.MaxBytesReader): a client cannot make the server
// hold more than this for a route that takes no body.
const maxBufferedBody = 64 << 10

// bridge serves a fasthttp request with a net/http handler.
//
// Every string of the http.Request it builds is a copy that the handler may
// keep. fasthttp reuses a connection's buffers for the next request as soon
// as the handler returns, and handlers keep request data well past that: the
// page cache keeps keys made from the path, the prompt counters keep cookie
// values. (fasthttpadaptor hands out strings that alias those buffers, which
// once made the page cache's keys change under it.) The handler runs on the
// connection's goroutine and its response is buffered, which every handler
// here is written for: none streams, flushes or hijacks.
type bridge struct {
	handler http.Handler
	base    context.Context // outlives shutdown, so requests in flight finish
	log     *slog.Logger
}

// serve is the fasthttp.RequestHandler.
func (b *bridge) serve(c *fasthttp.RequestCtx) {
	r, err := b.request(c)
	if err != nil {
		c.Error(fmt.Sprintf("Bad request: %v\n", err), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithCancel(b.base)
	defer cancel()
	r = r.WithContext(ctx)
	w := &responseWriter{c: c, header: make(http.Header, 8)}
	defer func() {
		if v := recover(); v != nil {
			c.SetConnectionClose()
			if v == http.ErrAbortHandler {
				return
			}
			b.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if !w.wroteHeader {
				c.Response.Reset()
				c.Error("Internal server error\n", http.StatusInternalServerError)
			}
		}
	}()
	b.handler.ServeHTTP(w, r)
	w.finish()
	// A streamed body the handler did not read to the end (a form over its
	// limit, refused with 413) is read to the end here, up to maxDrain:
	// closing the connection on unread data makes the kernel reset it, and
	// the client, still sending, never sees the answer. Anything longer, or
	// of unknown length, closes the connection.
	if n := c.Request.Header.ContentLength(); n > maxBufferedBody || n == -1 {
		if s := c.RequestBodyStream(); s != nil && n > 0 && n <= maxDrain {
			if _, err := io.Copy(io.Discard, io.LimitReader(s, int64(n))); err == nil {
				return
			}
		}
		c.SetConnectionClose()
	}
}

// maxDrain is the longest body read to the end after its handler, so that
// the client gets the answer: more than any form takes (the admin's photo
// upload, 20 MB, is the largest).
const maxDrain = 64 << 20

// request builds an http.Request that owns all its memory.
func (b *bridge) request(c *fasthttp.RequestCtx) (*http.Request, error) {
	uri := string(c.Request.Header.RequestURI())
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return nil, fmt.Errorf("request target %q: %w", truncate(uri, 100), err)
	}
	r := &http.Request{
		Method:     method(c.Method()),
		URL:        u,
		RequestURI: uri,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Host:       string(c.Host()),
		RemoteAddr: c.RemoteAddr().String(),
		Header:     make(http.Header, 16),
		Body:       http.NoBody,
	}
	if !c.Request.Header.IsHTTP11() {
		r.Proto, r.ProtoMinor = "HTTP/1.0", 0
	}
	for k, v := range c.Request.Header.All() {
		name := http.CanonicalHeaderKey(string(k))
		switch name {
		case "Host", "Content-Length":
			continue // in r.Host and r.ContentLength, as net/http keeps them
		case "Transfer-Encoding":
			r.TransferEncoding = append(r.TransferEncoding, string(v))
			continue
		}
		r.Header[name] = append(r.Header[name], string(v))
	}
	switch n := c.Request.Header.ContentLength(); {
	case n > 0 || n == -1:
		r.ContentLength = int64(n)
		if s := c.RequestBodyStream(); s != nil {
			r.Body = io.NopCloser(s)
		} else {
			r.Body = io.NopCloser(strings.NewReader(string(c.Request.Body())))
		}
	}
	return r, nil
}

// method returns the request method as a constant for the common ones, and
// a copy otherwise.
func method(m []byte) string {
	switch string(m) {
	case http.MethodGet:
		return http.MethodGet
	case http.MethodHead:
		return http.MethodHead
	case http.MethodPost:
		return http.MethodPost
	}
	return string(m)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// responseWriter buffers a net/http response into the fasthttp response.
type responseWriter struct {
	c           *fasthttp.RequestCtx
	header      http.Header
	status      int
	wroteHeader bool
	sniffed     bool
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if w.wroteHeader || code < 200 {
		return // informational responses are not sent
	}
	w.wroteHeader = true
	w.status = code
	h := &w.c.Response.Header
	for k, vs := range w.header {
		if k == "Content-Length" {
			continue // fasthttp counts the body it sends
		}
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if _, ok := w.header["Content-Type"]; !ok {
		// Set on the first write, from the body, as net/http does.
		h.SetNoDefaultContentType(true)
	} else {
		w.sniffed = true
	}
	w.c.SetStatusCode(code)
	if w.c.IsHead() {
		// A HEAD answer carries the length the GET body would have.
		if cl := w.header.Get("Content-Length"); cl != "" {
			h.Set("Content-Length", cl)
		}
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sniffed && len(p) > 0 {
		w.sniffed = true
		w.c.Response.Header.SetNoDefaultContentType(false)
		w.c.Response.Header.SetContentType(http.DetectContentType(p))
	}
	if w.c.IsHead() || !bodyAllowed(w.status) {
		return len(p), nil
	}
	return w.c.Write(p)
}

// WriteString lets io.WriteString and fmt.Fprint skip a copy.
func (w *responseWriter) WriteString(s string) (int, error) {
	if !w.wroteHeader || !w.sniffed {
		return w.Write([]byte(s))
	}
	if w.c.IsHead() || !bodyAllowed(w.status) {
		return len(s), nil
	}
	return w.c.WriteString(s)
}

// Flush is a no-op: the response is sent when the handler returns.
func (w *responseWriter) Flush() {}

// finish sends the status of a handler that wrote nothing.
func (w *responseWriter) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
}

func bodyAllowed(status int) bool {
	return status != http.StatusNotModified && status != http.StatusNoContent
}
