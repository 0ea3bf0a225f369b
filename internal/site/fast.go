package site

import (
	"bytes"
	"net/http"
	"slices"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/samizdat-press/samizdat/internal/httpx"
)

// FastPath answers requests for pages already in the page cache straight
// from a fasthttp server, without building a net/http request: on a small
// machine this more than doubles the pages served per second. Everything
// else (misses, admin, errors) goes through the ordinary handlers.
type FastPath struct {
	site    *Site
	headers [][2][]byte // name and value, the name already canonical
	// promptHeaders are headers with the caching rules of pages with prompts.
	promptHeaders [][2][]byte
}

// FastPath returns the site's fast path.
func (s *Site) FastPath() *FastPath {
	f := &FastPath{site: s}
	security := httpx.SecurityHeaderPairs()
	if strings.HasPrefix(s.conf().BaseURL, "https://") {
		security = append(security, [2]string{"Strict-Transport-Security", httpx.HSTS})
	}
	pairs := append(slices.Clone(security),
		[2]string{"Cache-Control", cacheControl[0]}, [2]string{"Vary", "Accept-Encoding"})
	for _, kv := range pairs {
		f.headers = append(f.headers, [2][]byte{[]byte(http.CanonicalHeaderKey(kv[0])), []byte(kv[1])})
	}
	pairs = append(slices.Clone(security),
		[2]string{"Cache-Control", promptCacheControl[0]}, [2]string{"Vary", promptVary[0]})
	for _, kv := range pairs {
		f.promptHeaders = append(f.promptHeaders, [2][]byte{[]byte(http.CanonicalHeaderKey(kv[0])), []byte(kv[1])})
	}
	return f
}

var (
	hdrETag            = []byte("Etag")
	hdrContentEncoding = []byte("Content-Encoding")
	hdrLastModified    = []byte("Last-Modified")
	hdrOnionLocation   = []byte("Onion-Location")
	// encodingValues are the Content-Encoding values, by coding.
	encodingValues = [httpx.NumEncodings][]byte{nil, []byte("gzip"), []byte("br"), []byte("zstd")}
)

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
	// An unknown Host takes the full path, which refuses it.
	if _, known := f.site.hosts.resolveBytes(ctx.Request.Header.Host()); !known {
		return "", 0, false
	}
	uri := ctx.Request.URI()
	// "/?p=123" is the home page's path: the full path sends it to its
	// redirect first.
	if q := uri.QueryString(); len(q) > 0 && f.site.mayRedirectQuery(q) {
		return "", 0, false
	}
	if pr := f.site.prompts; pr != nil && isPromptPath(uri.Path()) {
		if route, status, ok, handled := f.servePrompted(ctx, pr, uri); handled {
			return route, status, ok
		}
	}
	var e *entry
	if q := uri.QueryString(); len(q) == 0 {
		e = f.site.cache.peekBytes(uri.Path())
	} else if page := uri.QueryArgs().Peek("page"); len(page) > 0 && string(page) != "1" {
		e = f.site.cache.peek(string(uri.Path()) + "?page=" + string(page))
	} else {
		e = f.site.cache.peekBytes(uri.Path())
	}
	if e == nil {
		return "", 0, false
	}
	return f.serveEntry(ctx, e)
}

// serveEntry writes a cached entry with the fast path's headers.
func (f *FastPath) serveEntry(ctx *fasthttp.RequestCtx, e *entry) (route string, status int, ok bool) {
	return f.serveEntryWith(ctx, e, f.headers)
}

// serveEntryWith writes a cached entry with the given headers.
func (f *FastPath) serveEntryWith(ctx *fasthttp.RequestCtx, e *entry, headers [][2][]byte) (route string, status int, ok bool) {
	h := &ctx.Response.Header
	for _, kv := range headers {
		h.SetCanonical(kv[0], kv[1])
	}
	if o := f.site.hosts.onion; o != nil {
		if host, _ := f.site.hosts.resolveBytes(ctx.Request.Header.Host()); host.Kind != HostOnion {
			h.SetCanonical(hdrOnionLocation, append([]byte(o.Base), ctx.Request.Header.RequestURI()...))
		}
	}
	rep, enc := negotiate(e, ctx.Request.Header.Peek("Accept-Encoding"))
	h.SetCanonical(hdrETag, rep.etagBytes)
	h.SetCanonical(hdrLastModified, e.lastModBytes)
	if notModified(e, rep.etag[0], ctx.Request.Header.Peek("If-None-Match"), ctx.Request.Header.Peek("If-Modified-Since")) {
		ctx.Response.SkipBody = true
		ctx.SetStatusCode(http.StatusNotModified)
		return e.route, http.StatusNotModified, true
	}
	h.SetContentType(e.contentType[0])
	if enc != httpx.Identity {
		h.SetCanonical(hdrContentEncoding, encodingValues[enc])
	}
	ctx.Response.SetBodyRaw(rep.body)
	return e.route, http.StatusOK, true
}
