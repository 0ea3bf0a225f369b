package config

import (
	"fmt"
	"net"
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
		c.MailFrom = "newsroom@" + strings.TrimPrefix(host, "www.")
		if !strings.Contains(host, ".") || net.ParseIP(host) != nil {
			// localhost or an IP address: a From address needs a domain.
			c.MailFrom = "newsroom@localhost.localdomain"
		}
	}
	if err := (mail.Message{To: c.MailFrom, Text: "-", Kind: "-"}).Validate(); err != nil {
		return fmt.Errorf("--mail-from %q: want an e-mail address such as newsroom@example.org", c.MailFrom)
	}
	if c.MailRate <= 0 {
		return fmt.Errorf("--mail-rate %g: want more than 0 messages per second", c.MailRate)
	}
	return nil
}

// SMTP returns the parsed --smtp-url, or ok=false when mail is not sent.
func (c *Config) SMTP() (cfg mail.SMTP, ok bool) {
	if c.SMTPURL == "" {
		return mail.SMTP{}, false
	}
	cfg, err := mail.ParseSMTPURL(c.SMTPURL)
	return cfg, err == nil
}
