package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS says how the connection to the SMTP server is encrypted.
type TLS string

const (
	// TLSImplicit connects with TLS from the first byte (smtps://, port 465).
	TLSImplicit TLS = "implicit"
	// TLSRequired insists on STARTTLS.
	TLSRequired TLS = "starttls"
	// TLSOpportunistic uses STARTTLS when the server offers it.
	TLSOpportunistic TLS = "opportunistic"
	// TLSNone never encrypts: only for a server on the same machine or a
	// test server such as mailpit.
	TLSNone TLS = "none"
)

// SMTP is where and how mail is handed over.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string // never logged: String leaves it out
	TLS      TLS
}

// ParseSMTPURL reads smtp://[user[:password]@]host[:port][?tls=MODE] or
// smtps://… (TLS from the start). MODE is starttls, opportunistic (the
// default for smtp://) or none. Errors never repeat the password.
func ParseSMTPURL(raw string) (SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return SMTP{}, fmt.Errorf("SMTP URL: %w", err)
	}
	c := SMTP{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		c.Port, c.TLS = 587, TLSOpportunistic
	case "smtps":
		c.Port, c.TLS = 465, TLSImplicit
	default:
		return SMTP{}, fmt.Errorf("SMTP URL: scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	if c.Host == "" {
		return SMTP{}, errors.New("SMTP URL: no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTP{}, fmt.Errorf("SMTP URL: port %q", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	if mode := u.Query().Get("tls"); mode != "" {
		if u.Scheme == "smtps" {
			return SMTP{}, errors.New("SMTP URL: smtps:// is always TLS; drop ?tls=")
		}
		switch TLS(mode) {
		case TLSRequired, TLSOpportunistic, TLSNone:
			c.TLS = TLS(mode)
		default:
			return SMTP{}, fmt.Errorf("SMTP URL: tls=%q: want starttls, opportunistic or none", mode)
		}
	}
	return c, nil
}

// String describes the server for logs, without the password.
func (c SMTP) String() string {
	user := ""
	if c.Username != "" {
		user = c.Username + ":***@"
	}
	return fmt.Sprintf("smtp://%s%s (tls: %s)", user, net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), c.TLS)
}

// Sender hands messages to an SMTP server with go-mail.
type Sender struct {
	cfg     SMTP
	from    string
	domain  string // the From address's: Message-IDs and the EHLO greeting
	timeout time.Duration
}

// NewSender checks the From address; nothing connects until Send. Every
// mail's Message-ID, and the EHLO greeting, use the From address's domain
// (the site's, by default): never the machine's host name, which says
// where the site runs and is no name the world can check.
func NewSender(cfg SMTP, from string) (*Sender, error) {
	if err := (Message{To: from, Text: "-", Kind: "-"}).Validate(); err != nil {
		return nil, fmt.Errorf("mail sender: From %q is not an e-mail address", from)
	}
	return &Sender{cfg: cfg, from: from, domain: from[strings.LastIndexByte(from, '@')+1:], timeout: 30 * time.Second}, nil
}

// messageID is a new Message-ID: random, at the sender's domain.
func (s *Sender) messageID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b) + "@" + s.domain
}

// SendError is a message the server refused. Permanent refusals (5xx)
// will not succeed by retrying.
type SendError struct {
	Err       error
	Permanent bool
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Send delivers msgs over one connection and returns one result per
// message: nil when the server took it. When the server cannot be reached
// every message gets that (temporary) error.
func (s *Sender) Send(ctx context.Context, msgs []Message) []error {
	errs := make([]error, len(msgs))
	fail := func(err error) []error {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = &SendError{Err: err}
			}
		}
		return errs
	}
	built := make([]*gomail.Msg, len(msgs))
	for i, m := range msgs {
		gm, err := s.build(m)
		if err != nil {
			errs[i] = &SendError{Err: err, Permanent: true}
			continue
		}
		built[i] = gm
	}
	c, err := gomail.NewClient(s.cfg.Host, s.options()...)
	if err != nil {
		return fail(fmt.Errorf("smtp client: %w", err))
	}
	if err := c.DialWithContext(ctx); err != nil {
		return fail(fmt.Errorf("connect to SMTP server: %w", err))
	}
	defer c.Close()
	for i, gm := range built {
		if gm == nil {
			continue
		}
		if err := c.Send(gm); err != nil {
			errs[i] = &SendError{Err: err, Permanent: gm.HasSendError() && !gm.SendErrorIsTemp() && permanentCode(err)}
		}
	}
	return errs
}

// permanentCode reports a 5xx reply: go-mail marks connection trouble as
// not temporary too, and that must be retried.
func permanentCode(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}

func (s *Sender) options() []gomail.Option {
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.timeout), gomail.WithHELO(s.domain)}
	switch s.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSRequired:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.cfg.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if s.cfg.TLS == TLSNone {
			// Discovery refuses to send a password in clear text; with
			// tls=none the operator chose exactly that (a local relay).
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return opts
}

func (s *Sender) build(m Message) (*gomail.Msg, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	gm := gomail.NewMsg()
	if err := gm.From(s.from); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := gm.To(m.To); err != nil {
		return nil, errors.New("recipient address refused")
	}
	gm.Subject(m.Subject)
	gm.SetDate()
	gm.SetMessageIDWithValue(s.messageID())
	gm.SetBodyString(gomail.TypeTextPlain, m.Text)
	if strings.TrimSpace(m.HTML) != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for k, v := range m.Headers {
		gm.SetGenHeader(gomail.Header(k), v)
	}
	return gm, nil
}
