// Package config builds the Config value from flags, SAMIZDAT_* environment
// variables and an optional file, in that order of precedence. It is
// validated once; nothing else reads the environment.
package config

import (
	"bufio"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/secret"
)

// Config is everything the server needs to start.
type Config struct {
	Addr      string // listen address
	DB        string // SQLite path or postgres:// URL
	Media     string // media directory; default: "media" beside a SQLite file
	BaseURL   string // public URL of the site, for canonical links and feeds
	Demo      bool   // fill an empty database with demo content
	CacheMB   int    // page cache size; 0 disables it
	LogLevel  slog.Level
	JobsEvery time.Duration // how often scheduled articles are published
	File      string        // optional config file of "name = value" lines
	// DataKey is the master key (64 hex digits or base64) that seals donor
	// and subscriber e-mails and signs cookies; when empty it is read from
	// DataKeyFile, which is created on first use. Every node of a site
	// needs the same key.
	DataKey     string
	DataKeyFile string // default: samizdat.key beside a SQLite file, or in the working directory
	// MirrorHosts and OnionHost are the site's other names (see ReachFlags);
	// MirrorKey is the path of the key signing static exports.
	MirrorHosts []string
	OnionHost   string
	MirrorKey   string
	// Static is set while building a static copy (samizdat export): pages
	// then leave out what needs this server, such as donation prompts.
	Static bool
	// SMTPURL is where mail goes: smtp[s]://user:password@host:port?tls=…
	// (see mail.ParseSMTPURL). Empty: mail waits in the outbox. Holds a
	// password: never log it (mail.SMTP.String redacts).
	SMTPURL  string
	MailFrom string  // From address; default: newsroom@ the base URL's host
	MailRate float64 // messages per second each node sends
	Revenue  Revenue
	// TrustedProxy lists the reverse proxies (addresses or CIDRs) whose
	// X-Forwarded-For header names the client; see TrustedProxies.
	TrustedProxy []string
	// MetricsAddr serves /metrics on a listener of its own; MetricsToken
	// lets a scraper holding it read /metrics on the main address. With
	// neither, /metrics is not served.
	MetricsAddr  string
	MetricsToken string
}

// Revenue configures reader revenue: payment providers and amounts.
type Revenue struct {
	StripeSecretKey     string // empty: card payments off
	StripeWebhookSecret string
	StripeAPIURL        string // stripe-mock's address in tests; empty: Stripe's
	BTCPayURL           string // the newsroom's BTCPay Server; empty: crypto off
	BTCPayStoreID       string
	BTCPayAPIKey        string
	BTCPayWebhookSecret string
	// ProviderCheck is how often each provider's API is checked; one that
	// fails is not offered until a check succeeds.
	ProviderCheck time.Duration
	Currencies    string // comma-separated ISO codes, the first is the site's
	MinAmount     int    // smallest gift, in major units
	PledgeDays    int    // days a bank transfer pledge stays open
}

// envName maps a flag to its environment variable: base-url -> SAMIZDAT_BASE_URL.
func envName(flagName string) string {
	return "SAMIZDAT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Flags registers the flags shared by commands that touch data.
func (c *Config) DataFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", "samizdat.db", "SQLite database file, or a postgres:// URL")
	fs.StringVar(&c.Media, "media", "", "media directory (default: media/ beside the SQLite file)")
	fs.StringVar(&c.File, "config", "", "optional file of name = value lines, one per flag")
	fs.StringVar(&c.DataKey, "data-key", "", "master key sealing personal data and signing cookies: 64 hex digits or base64 (default: read from --data-key-file)")
	fs.StringVar(&c.DataKeyFile, "data-key-file", "", "file holding the data key, created on first use (default: samizdat.key beside the SQLite file)")
}

// ServeFlags registers the flags of serve.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.DataFlags(fs)
	c.ReachFlags(fs)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.BaseURL, "base-url", "", "public URL of the site (default: http://ADDR)")
	fs.BoolVar(&c.Demo, "demo", false, "fill an empty database with demo content")
	fs.IntVar(&c.CacheMB, "cache-mb", 64, "page cache size in MB; 0 turns the cache off")
	fs.TextVar(&c.LogLevel, "log-level", slog.LevelInfo, "log level: DEBUG, INFO, WARN or ERROR")
	fs.DurationVar(&c.JobsEvery, "jobs-every", 5*time.Second, "how often background jobs (scheduled publishing) run")
	fs.StringVar(&c.SMTPURL, "smtp-url", "", "SMTP server for outgoing mail: smtp://user:password@host:587, smtps://… or smtp://host:1025?tls=none (default: mail waits in the outbox)")
	fs.StringVar(&c.MailFrom, "mail-from", "", "From address of outgoing mail (default: newsroom@ the base URL's host)")
	fs.Float64Var(&c.MailRate, "mail-rate", 10, "messages per second each node sends")
	c.RevenueFlags(fs)
	c.opsFlags(fs)
}

// Parse parses args, then fills flags not given on the command line from
// the environment, then from the config file, and validates the result.
func Parse(fs *flag.FlagSet, c *Config, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var fileErr error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || f.Name == "config" {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				fileErr = errors.Join(fileErr, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
			set[f.Name] = true
		}
	})
	if fileErr != nil {
		return fileErr
	}
	if c.File == "" {
		c.File = getenv(envName("config"))
	}
	if c.File != "" {
		if err := applyFile(fs, c.File, set); err != nil {
			return err
		}
	}
	return c.validate(fs)
}

func applyFile(fs *flag.FlagSet, path string, set map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name, value = strings.TrimSpace(name), strings.Trim(strings.TrimSpace(value), `"`)
		if !ok {
			return fmt.Errorf("%s:%d: want name = value", path, n)
		}
		if fs.Lookup(name) == nil {
			return fmt.Errorf("%s:%d: unknown setting %q", path, n, name)
		}
		if set[name] {
			continue
		}
		if err := fs.Set(name, value); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", path, n, name, err)
		}
	}
	return sc.Err()
}

func (c *Config) validate(fs *flag.FlagSet) error {
	if c.DB == "" {
		return errors.New("--db is required: a SQLite file path such as samizdat.db")
	}
	if c.Media == "" {
		// Beside a SQLite file; in the working directory for a database
		// server (several nodes need a shared directory: see the docs).
		c.Media = "media"
		if !strings.Contains(c.DB, "://") {
			c.Media = filepath.Join(filepath.Dir(c.DB), "media")
		}
	}
	if c.DataKeyFile == "" {
		c.DataKeyFile = c.defaultKeyFile()
	}
	if c.DataKey != "" {
		if _, err := secret.ParseKey(c.DataKey); err != nil {
			return fmt.Errorf("--data-key: %w", err)
		}
	}
	if fs.Lookup("addr") == nil {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: want host:port, such as 127.0.0.1:8080", c.Addr)
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--base-url %q: want an absolute http(s) URL such as https://example.org", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.JobsEvery <= 0 {
		c.JobsEvery = 5 * time.Second
	}
	if c.CacheMB < 0 {
		return fmt.Errorf("--cache-mb %d: want 0 or more", c.CacheMB)
	}
	if err := c.validateOps(); err != nil {
		return err
	}
	if err := c.validateMail(u.Hostname()); err != nil {
		return err
	}
	return c.Revenue.validate()
}

// Keys returns the site's key material: the --data-key if given, else the
// key file's, created on first use.
func (c *Config) Keys() (*secret.Keys, error) {
	var master []byte
	var err error
	if c.DataKey != "" {
		master, err = secret.ParseKey(c.DataKey)
	} else {
		master, err = secret.LoadOrCreateKeyFile(cmp.Or(c.DataKeyFile, c.defaultKeyFile()))
	}
	if err != nil {
		return nil, err
	}
	return secret.NewKeys(master)
}

// defaultKeyFile is samizdat.key beside a SQLite file, or in the working
// directory for a database server.
func (c *Config) defaultKeyFile() string {
	if c.DB == "" || strings.Contains(c.DB, "://") {
		return "samizdat.key"
	}
	return filepath.Join(filepath.Dir(c.DB), "samizdat.key")
}
