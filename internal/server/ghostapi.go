package server

import (
	"bytes"
	"context"
	"net/http"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/samizdat-press/samizdat/internal/ghostapi"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/site"
	"github.com/samizdat-press/samizdat/internal/wire"
)

// buildGhostAPI mounts the Ghost Content API under /ghost/api/content/.
// Its routes are literal where the site's are wildcards, so the mux gives
// them precedence over the article and section patterns; the path without
// a trailing slash reaches the API too, which redirects as Ghost does.
func (srv *Server) buildGhostAPI(ctx context.Context, mux *http.ServeMux) error {
	api, err := ghostapi.New(ctx, ghostapi.Config{Store: srv.Store, Log: srv.log, Site: func() ghostapi.Site {
		s := srv.Site.Settings()
		tz := "Etc/UTC"
		if s.Zone != nil {
			tz = s.Zone.String()
		}
		return ghostapi.Site{Name: s.Name, Description: s.Description, Lang: s.Lang, BaseURL: s.BaseURL,
			Logo: s.Logo.URL, Timezone: tz}
	}})
	if err != nil {
		return err
	}
	srv.GhostAPI = api
	for _, p := range []string{"{$}", "{resource}", "{resource}/{$}", "{resource}/{id}", "{resource}/{id}/{$}",
		"{resource}/slug/{slug}", "{resource}/slug/{slug}/{$}"} {
		mux.Handle("GET "+ghostapi.Prefix+p, api)
		// A browser asks first before it sends the client's
		// Accept-Version header to another origin.
		mux.HandleFunc("OPTIONS "+ghostapi.Prefix+p, ghostapi.Preflight)
	}
	return nil
}

// fastPaths tries the Content API's cached answers, then the site's.
type fastPaths struct {
	api     *ghostapi.API
	hosts   *site.Hosts // an unknown Host takes the full path, which refuses it
	site    wire.FastPath
	headers [][2][]byte
}

func newFastPaths(api *ghostapi.API, hosts *site.Hosts, fast wire.FastPath, https bool) *fastPaths {
	f := &fastPaths{api: api, hosts: hosts, site: fast}
	pairs := append(httpx.SecurityHeaderPairs(), ghostapi.Headers...)
	if https {
		pairs = append(pairs, [2]string{"Strict-Transport-Security", httpx.HSTS})
	}
	for _, kv := range pairs {
		f.headers = append(f.headers, [2][]byte{[]byte(http.CanonicalHeaderKey(kv[0])), []byte(kv[1])})
	}
	return f
}

var ghostPrefix = []byte(ghostapi.Prefix)

func (f *fastPaths) Serve(c *fasthttp.RequestCtx) (route string, status int, ok bool) {
	if f.api != nil && c.IsGet() && bytes.HasPrefix(c.Request.Header.RequestURI(), ghostPrefix) {
		if _, known := f.hosts.Resolve(string(c.Host())); !known {
			return "", 0, false
		}
		// The path and query are decoded as net/http decodes them, so
		// both paths compute one cache key. The key is checked here too.
		an, hit := f.api.Cached(string(c.URI().Path()), string(c.URI().QueryString()))
		if !hit {
			return "", 0, false
		}
		for _, kv := range f.headers {
			c.Response.Header.SetCanonical(kv[0], kv[1])
		}
		enc := httpx.NegotiateHeader(c.Request.Header.Peek("Accept-Encoding"))
		body := an.Body(enc)
		if enc != httpx.Identity {
			c.Response.Header.Set("Content-Encoding", enc.Token())
		}
		c.Response.Header.Set("Content-Length", strconv.Itoa(len(body)))
		c.SetStatusCode(http.StatusOK)
		c.Response.SetBodyRaw(body)
		return "GET " + ghostapi.Prefix, http.StatusOK, true
	}
	return f.site.Serve(c)
}
