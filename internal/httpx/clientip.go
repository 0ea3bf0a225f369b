package httpx

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP finds the address a request came from, for limits kept per
// address. X-Forwarded-For is believed only as far as it was written by
// proxies the operator named: anyone can send the header, so a client
// talking to us directly could otherwise pick any address it likes, and
// a client behind a proxy could prepend made-up hops.
type ClientIP struct {
	// Trusted are the reverse proxies (--trusted-proxy). Empty: the
	// connection's own address is the client, and X-Forwarded-For is ignored.
	Trusted []netip.Prefix
}

// Addr is the client's address. When the connection comes from a trusted
// proxy, X-Forwarded-For is walked from the right (each proxy appends the
// address of the peer it saw) past every trusted hop, and the first
// untrusted address is the client. An entry that does not parse ends the
// walk: what lies left of it was not written by a proxy we trust, so the
// last trusted hop is the best answer. The zero Addr means RemoteAddr was
// not an address at all.
func (c ClientIP) Addr(r *http.Request) netip.Addr {
	peer := parseHop(r.RemoteAddr)
	if !peer.IsValid() || !c.trusted(peer) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	client := peer
	// Several X-Forwarded-For lines are one list, in order (RFC 9110 5.3).
	for i := len(hops) - 1; i >= 0; i-- {
		list := hops[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				list, hop = list[:j], list[j+1:]
			} else {
				list, hop = "", list
			}
			hop = strings.TrimSpace(hop)
			if hop == "" {
				continue // "a, , b" or a trailing comma: no hop, nothing to believe or doubt
			}
			addr := parseHop(hop)
			if !addr.IsValid() {
				return client
			}
			client = addr
			if !c.trusted(addr) {
				return addr
			}
		}
	}
	// Every hop is trusted (a request from inside the proxies' own
	// network): the furthest one is the client.
	return client
}

func (c ClientIP) trusted(a netip.Addr) bool {
	for _, p := range c.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads "1.2.3.4", "1.2.3.4:567", "2001:db8::1" or
// "[2001:db8::1]:567" (or bracketed without a port), as RemoteAddr and
// X-Forwarded-For write addresses.
// IPv4-mapped IPv6 becomes IPv4 and zones are dropped, so that one client
// has one spelling and prefixes match it.
func parseHop(s string) netip.Addr {
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone("")
}
