package config

import (
	"flag"
	"path/filepath"
	"strings"
)

// listFlag is a repeatable flag that also takes comma-separated lists, so
// one environment variable or config line can name several values.
type listFlag struct{ dst *[]string }

func (l listFlag) String() string {
	if l.dst == nil {
		return ""
	}
	return strings.Join(*l.dst, ",")
}

func (l listFlag) Set(v string) error {
	for part := range strings.SplitSeq(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l.dst = append(*l.dst, part)
		}
	}
	return nil
}

// ReachFlags registers the flags naming the site's other addresses and the
// key that signs its static copies.
func (c *Config) ReachFlags(fs *flag.FlagSet) {
	fs.Var(listFlag{&c.MirrorHosts}, "mirror-host", "another name the site is served under, such as mirror.example.net or https://mirror.example.net (repeatable, or comma-separated)")
	fs.StringVar(&c.OnionHost, "onion-host", "", "the site's onion service name, such as abc…xyz.onion")
	fs.StringVar(&c.MirrorKey, "mirror-key", "", "Ed25519 key signing static exports, created on first use (default: mirror.key beside the SQLite file)")
}

// MirrorKeyFile is the configured --mirror-key, or its default.
func (c *Config) MirrorKeyFile() string {
	if c.MirrorKey != "" {
		return c.MirrorKey
	}
	if c.DB == "" || strings.Contains(c.DB, "://") {
		return "mirror.key"
	}
	return filepath.Join(filepath.Dir(c.DB), "mirror.key")
}
