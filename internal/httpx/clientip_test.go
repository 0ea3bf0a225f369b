package httpx

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIPAddr(t *testing.T) {
	prefixes := func(ps ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, p := range ps {
			out = append(out, netip.MustParsePrefix(p))
		}
		return out
	}
	proxies := prefixes("10.0.0.0/8", "127.0.0.1/32", "2001:db8:ffff::/48")
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		xff     []string // one entry a header line
		want    string   // "" for the zero Addr
	}{
		{"no proxies: the peer", nil, "203.0.113.7:4242", nil, "203.0.113.7"},
		{"no proxies: a spoofed header is ignored", nil, "203.0.113.7:4242", []string{"198.51.100.1"}, "203.0.113.7"},
		{"untrusted peer: a spoofed header is ignored", proxies, "203.0.113.7:4242", []string{"10.1.2.3"}, "203.0.113.7"},
		{"untrusted peer claiming a trusted proxy chain", proxies, "203.0.113.7:4242", []string{"198.51.100.1, 127.0.0.1"}, "203.0.113.7"},
		{"trusted proxy, no header: the proxy", proxies, "10.0.0.5:80", nil, "10.0.0.5"},
		{"trusted proxy: its peer", proxies, "10.0.0.5:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client-sent hops left of the real one are not believed", proxies, "10.0.0.5:80", []string{"1.1.1.1, 2.2.2.2, 198.51.100.1"}, "198.51.100.1"},
		{"a client faking a trusted hop is still found", proxies, "10.0.0.5:80", []string{"10.9.9.9, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies", proxies, "127.0.0.1:9000", []string{"198.51.100.1, 10.0.0.5"}, "198.51.100.1"},
		{"several header lines are one list", proxies, "127.0.0.1:9000", []string{"6.6.6.6, 198.51.100.1", "10.0.0.5"}, "198.51.100.1"},
		{"every hop trusted: the furthest", proxies, "10.0.0.5:80", []string{"10.0.0.7, 10.0.0.6"}, "10.0.0.7"},
		{"garbage stops the walk at the last trusted hop", proxies, "10.0.0.5:80", []string{"198.51.100.1, unknown, 10.0.0.6"}, "10.0.0.6"},
		{"garbage right after the proxy: the proxy", proxies, "10.0.0.5:80", []string{"<script>"}, "10.0.0.5"},
		{"empty entries are skipped", proxies, "10.0.0.5:80", []string{"198.51.100.1, ,"}, "198.51.100.1"},
		{"hop with a port", proxies, "10.0.0.5:80", []string{"198.51.100.1:5555"}, "198.51.100.1"},
		{"IPv6 peer and hops", proxies, "[2001:db8:ffff::1]:443", []string{"2001:db8:1::42, [2001:db8:ffff::2]"}, "2001:db8:1::42"},
		{"bracketed IPv6 with a port", proxies, "[2001:db8:ffff::1]:443", []string{"[2001:db8:1::42]:1234"}, "2001:db8:1::42"},
		{"IPv4-mapped peer matches an IPv4 prefix", proxies, "[::ffff:10.0.0.5]:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"IPv4-mapped hop is IPv4", proxies, "10.0.0.5:80", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"RemoteAddr without a port", proxies, "203.0.113.7", nil, "203.0.113.7"},
		{"RemoteAddr not an address", proxies, "pipe", []string{"198.51.100.1"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got := ClientIP{Trusted: tc.trusted}.Addr(r)
			var want netip.Addr
			if tc.want != "" {
				want = netip.MustParseAddr(tc.want)
			}
			if got != want {
				t.Errorf("Addr = %v, want %v", got, want)
			}
		})
	}
}
