package site

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// HostKind says which of a site's names a request came through.
type HostKind uint8

const (
	HostPrimary HostKind = iota // the configured base URL (and loopback names)
	HostMirror                  // one of the mirror domains
	HostOnion                   // the onion service
)

func (k HostKind) String() string {
	switch k {
	case HostMirror:
		return "mirror"
	case HostOnion:
		return "onion"
	}
	return "primary"
}

// Host is one configured name of the site.
type Host struct {
	Kind HostKind
	Name string // host name, lower case, without port
	Base string // absolute base URL, no trailing slash: feeds and sitemaps served on this host use it
}

// Hosts are every name the site answers to. One instance serves them all:
// page HTML uses root-relative links, so one cached page serves every host,
// while canonical links point to the primary.
type Hosts struct {
	primary Host
	mirrors []Host
	onion   *Host
	byName  map[string]Host
}

// NewHosts checks the configured names. primary is the base URL; mirrors
// are host names or base URLs (a bare name takes the primary's scheme);
// onion is a host name ending in .onion or a base URL, or empty. extra are
// further names answered as the primary, such as the listen address's host.
func NewHosts(primary string, mirrors []string, onion string, extra ...string) (*Hosts, error) {
	p, err := parseHost(primary, "")
	if err != nil {
		return nil, fmt.Errorf("base URL: %w", err)
	}
	p.Kind = HostPrimary
	h := &Hosts{primary: p, byName: map[string]Host{}}
	// Loopback names are always the primary: health checks, a reverse
	// proxy on the same machine, and local use all come through them.
	for _, n := range append([]string{"localhost", "127.0.0.1", "::1"}, extra...) {
		if n = strings.ToLower(strings.Trim(n, "[]")); n != "" && n != "0.0.0.0" && n != "::" {
			h.byName[n] = p
		}
	}
	scheme, _, _ := strings.Cut(p.Base, "://")
	for _, m := range mirrors {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		mh, err := parseHost(m, scheme)
		if err != nil {
			return nil, fmt.Errorf("mirror host %q: %w", m, err)
		}
		mh.Kind = HostMirror
		if _, dup := h.byName[mh.Name]; dup || mh.Name == p.Name {
			return nil, fmt.Errorf("mirror host %q is named twice", m)
		}
		h.mirrors = append(h.mirrors, mh)
		h.byName[mh.Name] = mh
	}
	if onion = strings.TrimSpace(onion); onion != "" {
		oh, err := parseHost(onion, "http") // onion services need no TLS
		if err != nil {
			return nil, fmt.Errorf("onion host %q: %w", onion, err)
		}
		if !strings.HasSuffix(oh.Name, ".onion") {
			return nil, fmt.Errorf("onion host %q: want a name ending in .onion", onion)
		}
		oh.Kind = HostOnion
		h.onion = &oh
		h.byName[oh.Name] = oh
	}
	h.byName[p.Name] = p
	return h, nil
}

// parseHost reads "name", "name:port" or "scheme://name[:port]".
func parseHost(v, defScheme string) (Host, error) {
	if !strings.Contains(v, "://") {
		if defScheme == "" {
			return Host{}, errors.New("want an absolute http(s) URL")
		}
		v = defScheme + "://" + v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.User != nil {
		return Host{}, errors.New("want a host name or an http(s) URL without a path")
	}
	name := strings.ToLower(u.Hostname())
	return Host{Name: name, Base: u.Scheme + "://" + strings.ToLower(u.Host)}, nil
}

// Resolve finds the configured host a Host header names; the port is
// ignored, since a proxy in front may listen on another one.
func (h *Hosts) Resolve(hostHeader string) (Host, bool) {
	name := hostHeader
	if n, _, err := net.SplitHostPort(hostHeader); err == nil {
		name = n
	}
	name = strings.ToLower(strings.TrimSuffix(strings.Trim(name, "[]"), "."))
	hh, ok := h.byName[name]
	return hh, ok
}

// Primary is the canonical host.
func (h *Hosts) Primary() Host { return h.primary }

// Onion is the onion host, if one is configured.
func (h *Hosts) Onion() (Host, bool) {
	if h.onion == nil {
		return Host{}, false
	}
	return *h.onion, true
}

// Mirrors are the mirror hosts, in configured order.
func (h *Hosts) Mirrors() []Host { return append([]Host(nil), h.mirrors...) }

// MirrorList is every address readers can reach the site by, primary
// first, then the mirrors, then the onion service: for footers of feeds
// and newsletters and for /mirrors.txt.
func (h *Hosts) MirrorList() []string {
	out := []string{h.primary.Base + "/"}
	for _, m := range h.mirrors {
		out = append(out, m.Base+"/")
	}
	if h.onion != nil {
		out = append(out, h.onion.Base+"/")
	}
	return out
}

// OnionLocation is the Onion-Location header value for a request on host
// kind k for requestURI, or "" when there is none to send.
func (h *Hosts) OnionLocation(k HostKind, requestURI string) string {
	if h.onion == nil || k == HostOnion {
		return ""
	}
	return h.onion.Base + requestURI
}

// resolveBytes is Resolve for the fast path: the common Host values, a
// lower-case name with or without a port, are looked up without allocating.
func (h *Hosts) resolveBytes(b []byte) (Host, bool) {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 && bytes.IndexByte(b, ']') < 0 && bytes.Count(b, []byte(":")) == 1 {
		b = b[:i]
	}
	if hh, ok := h.byName[string(b)]; ok {
		return hh, true
	}
	return h.Resolve(string(b))
}

type hostCtxKey struct{}

// WithHost records the resolved host of a request.
func WithHost(ctx context.Context, h Host) context.Context {
	return context.WithValue(ctx, hostCtxKey{}, h)
}

// Hosts returns the site's configured names.
func (s *Site) Hosts() *Hosts { return s.hosts }

// requestHost is the configured host a request came through; the primary
// when the request did not pass through HostCheck (tests, the export).
func (s *Site) requestHost(r *http.Request) Host {
	if h, ok := r.Context().Value(hostCtxKey{}).(Host); ok {
		return h
	}
	if h, ok := s.hosts.Resolve(r.Host); ok {
		return h
	}
	return s.hosts.primary
}

// hostBase is the base URL for absolute links in feeds and sitemaps: the
// configured host the request came through, never the raw Host header.
func (s *Site) hostBase(r *http.Request) string {
	h := s.requestHost(r)
	if h.Kind == HostPrimary {
		return s.conf().BaseURL
	}
	return h.Base
}

// HostCheck refuses requests for names the site is not configured to
// answer, records the resolved host for the handlers, and points Tor
// Browser to the onion service on the primary and the mirrors.
func (s *Site) HostCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := s.hosts.Resolve(r.Host)
		if !ok {
			s.adapter.Page(w, r, http.StatusMisdirectedRequest, "This site is not served under that name.")
			return
		}
		if loc := s.hosts.OnionLocation(h.Kind, r.URL.RequestURI()); loc != "" {
			w.Header().Set("Onion-Location", loc)
		}
		next.ServeHTTP(w, r.WithContext(WithHost(r.Context(), h)))
	})
}

type perHostKey struct{}

// hostKeyPrefix is the cache-key component of per-host routes: empty for
// shared pages.
func (s *Site) hostKeyPrefix(r *http.Request) string {
	if r.Context().Value(perHostKey{}) == nil {
		return ""
	}
	return "@" + s.requestHost(r).Name + " "
}

// hostScoped marks a route whose response holds absolute URLs of the
// requesting host (feeds, sitemaps): its cache entries are kept per host,
// under keys the fast path never looks up, while HTML pages stay shared.
func hostScoped(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), perHostKey{}, true)))
	})
}
