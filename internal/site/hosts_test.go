package site

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// testCacheKey is the cache key of a request for path on the primary
// host: per-host routes (feeds, sitemaps) carry the host in their key.
func (s *Site) testCacheKey(path string) string {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if strings.HasSuffix(r.URL.Path, ".xml") || strings.HasSuffix(r.URL.Path, ".json") {
		r = r.WithContext(context.WithValue(r.Context(), perHostKey{}, true))
	}
	return s.hostKeyPrefix(r) + cacheKey(r)
}

func TestNewHosts(t *testing.T) {
	tests := []struct {
		name    string
		mirrors []string
		onion   string
		wantErr string
	}{
		{"mirrors and onion", []string{"m1.example", "https://m2.example:8443"}, "abc.onion", ""},
		{"onion not .onion", nil, "example.org", "want a name ending in .onion"},
		{"mirror with path", []string{"https://m.example/news"}, "", "without a path"},
		{"mirror twice", []string{"m.example", "M.example"}, "", "named twice"},
		{"mirror is the primary", []string{"news.example"}, "", "named twice"},
		{"bad scheme", []string{"ftp://m.example"}, "", "http(s) URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewHosts("https://news.example", tc.mirrors, tc.onion)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("NewHosts: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("NewHosts: error %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
	h, _ := NewHosts("https://news.example", []string{"m1.example"}, "abc.onion", "10.0.0.5")
	for _, tc := range []struct {
		host string
		kind HostKind
		ok   bool
	}{
		{"news.example", HostPrimary, true}, {"NEWS.example:443", HostPrimary, true}, {"m1.example", HostMirror, true},
		{"abc.onion", HostOnion, true}, {"localhost:8080", HostPrimary, true}, {"[::1]:80", HostPrimary, true},
		{"10.0.0.5:8080", HostPrimary, true}, {"evil.example", 0, false}, {"news.example.evil.example", 0, false}, {"", 0, false},
	} {
		got, ok := h.Resolve(tc.host)
		if ok != tc.ok || (ok && got.Kind != tc.kind) {
			t.Errorf("Resolve(%q) = %v, %v; want %v, %v", tc.host, got.Kind, ok, tc.kind, tc.ok)
		}
		if gb, okb := h.resolveBytes([]byte(tc.host)); okb != ok || gb != got {
			t.Errorf("resolveBytes(%q) = %v, %v; Resolve gives %v, %v", tc.host, gb, okb, got, ok)
		}
	}
	if got := h.MirrorList(); strings.Join(got, " ") != "https://news.example/ https://m1.example/ http://abc.onion/" {
		t.Errorf("MirrorList() = %q", got)
	}
}
