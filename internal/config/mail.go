package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/samizdat-press/samizdat/internal/mail"
)

// validateMail checks the mail flags; host is the base URL's, for the
// default From address. Errors never repeat the SMTP password.
func (c *Config) validateMail(host string) error {
	if c.SMTPURL != "" {
		if _, err := mail.ParseSMTPURL(c.SMTPURL); err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
	}
	if c.MailFrom == "" {
		c.MailFrom = mailFromHost(host)
	}
	if err := (mail.Message{To: c.MailFrom, Text: "-", Kind: "-"}).Validate(); err != nil {
		return fmt.Errorf("--mail-from %q: want an e-mail address such as newsroom@example.org", c.MailFrom)
	}
	if c.MailRate <= 0 {
		return fmt.Errorf("--mail-rate %g: want more than 0 messages per second", c.MailRate)
	}
	return nil
}

// DefaultMailFrom is the From address of a site at baseURL when
// --mail-from is not given: newsroom@ its host, without "www.". Message-IDs
// take the From address's domain (mail.NewSender), so neither names the
// machine the site runs on.
func DefaultMailFrom(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return mailFromHost("")
	}
	return mailFromHost(u.Hostname())
}

func mailFromHost(host string) string {
	if !strings.Contains(host, ".") || net.ParseIP(host) != nil {
		// localhost or an IP address: a From address needs a domain, and
		// this reserved one says plainly that none was configured.
		return "newsroom@localhost.localdomain"
	}
	return "newsroom@" + strings.TrimPrefix(host, "www.")
}

// SMTP returns the parsed --smtp-url, or ok=false when mail is not sent.
func (c *Config) SMTP() (cfg mail.SMTP, ok bool) {
	if c.SMTPURL == "" {
		return mail.SMTP{}, false
	}
	cfg, err := mail.ParseSMTPURL(c.SMTPURL)
	return cfg, err == nil
}
