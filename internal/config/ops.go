package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// opsFlags registers the flags about what sits in front of the server and
// who may read its metrics.
func (c *Config) opsFlags(fs *flag.FlagSet) {
	fs.Var(listFlag{&c.TrustedProxy}, "trusted-proxy", "address or CIDR of a reverse proxy whose X-Forwarded-For names the client, such as 127.0.0.1 or 10.0.0.0/8 (repeatable, or comma-separated; default: none, the connection's address is the client)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "address serving /metrics on its own listener, such as 127.0.0.1:9090 (default: /metrics only with --metrics-token)")
	fs.StringVar(&c.MetricsToken, "metrics-token", "", "bearer token that lets a scraper read /metrics on the site's own address (default: none, /metrics is not public)")
}

// TrustedProxies parses --trusted-proxy into prefixes; a bare address is a
// prefix of one address.
func (c *Config) TrustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range c.TrustedProxy {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy %q: want an IP address or CIDR such as 10.0.0.0/8", v)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func (c *Config) validateOps() error {
	if _, err := c.TrustedProxies(); err != nil {
		return err
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr %q: want host:port, such as 127.0.0.1:9090", c.MetricsAddr)
		}
		if c.MetricsAddr == c.Addr {
			return errors.New("--metrics-addr must differ from --addr: metrics are not served to readers")
		}
	}
	if c.MetricsToken != "" && len(strings.TrimSpace(c.MetricsToken)) < 16 {
		return errors.New("--metrics-token: want at least 16 characters, such as the output of `openssl rand -hex 16`")
	}
	return nil
}
