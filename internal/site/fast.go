package site

import (
	"bytes"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/samizdat-press/samizdat/internal/httpx"
)

// FastPath answers requests for pages already in the page cache straight
// from a fasthttp server, without building a net/http request: on a small
// machine this more than doubles the pages served per second. Everything
// else (misses, admin, errors) goes through the ordinary handlers.
type FastPath struct {
	site    *Site
	headers [][2]string
}

// FastPath returns the site's fast path.
func (s *Site) FastPath() *FastPath {
	return &FastPath{site: s, headers: httpx.SecurityHeaderPairs()}
}

// Serve answers ctx from the cache and reports the route and status it
// served, or ok=false when the request must take the full path.
func (f *FastPath) Serve(ctx *fasthttp.RequestCtx) (route string, status int, ok bool) {
	if !ctx.IsGet() && !ctx.IsHead() {
		return "", 0, false
	}
	raw := ctx.Request.Header.RequestURI()
	// Leave anything that needs decoding or cleaning to net/http, so the
	// cache key is computed one way only.
	if len(raw) == 0 || raw[0] != '/' || bytes.IndexByte(raw, '%') >= 0 || bytes.Contains(raw, []byte("//")) ||
		bytes.Contains(raw, []byte("/.")) || bytes.IndexByte(raw, '#') >= 0 {
		return "", 0, false
	}
	uri := ctx.Request.URI()
	var key string
	if q := uri.QueryString(); len(q) == 0 {
		key = string(uri.Path())
	} else {
		args := uri.QueryArgs()
		if page := args.Peek("page"); len(page) > 0 && string(page) != "1" {
			key = string(uri.Path()) + "?page=" + string(page)
		} else {
			key = string(uri.Path())
		}
	}
	e := f.site.cache.peek(key)
	if e == nil {
		return "", 0, false
	}
	h := &ctx.Response.Header
	for _, kv := range f.headers {
		h.Set(kv[0], kv[1])
	}
	h.Set("Cache-Control", cacheControl[0])
	h.Set("Vary", "Accept-Encoding")
	gz := e.gz != nil && acceptsGzipHeader(ctx.Request.Header.Peek("Accept-Encoding"))
	etag := e.etag[0]
	if gz {
		etag = e.etagGz[0]
	}
	h.Set("ETag", etag)
	if inm := ctx.Request.Header.Peek("If-None-Match"); len(inm) > 0 && etagMatch(string(inm), etag) {
		ctx.Response.SkipBody = true
		ctx.SetStatusCode(http.StatusNotModified)
		return e.route, http.StatusNotModified, true
	}
	h.Set("Content-Type", e.contentType[0])
	if gz {
		h.Set("Content-Encoding", "gzip")
		ctx.Response.SetBodyRaw(e.gz)
	} else {
		ctx.Response.SetBodyRaw(e.raw)
	}
	return e.route, http.StatusOK, true
}

func acceptsGzipHeader(v []byte) bool { return len(v) > 0 && gzipAccepted(string(v)) }
