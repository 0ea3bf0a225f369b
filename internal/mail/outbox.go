package mail

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// Outgoing is a message the outbox handed to one sender: its row, the
// claim that makes it this sender's alone until the lease ends, and how
// many times it has been tried (this attempt included).
type Outgoing struct {
	ID       int64
	Claim    string
	Attempts int
	Message
}

// Validate checks what the outbox must refuse before storing a message: a
// recipient that is not one address, a mail without a plain-text part, and
// line breaks in the subject or header values, which would let a value
// smuggle in headers of its own.
func (m Message) Validate() error {
	a, err := mail.ParseAddress(m.To)
	if err != nil || a.Name != "" || strings.TrimSpace(m.To) != a.Address {
		return errors.New("mail: recipient is not a single e-mail address")
	}
	if strings.TrimSpace(m.Text) == "" {
		return errors.New("mail: the plain-text part is empty")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return errors.New("mail: line break in subject")
	}
	if m.Kind == "" {
		return errors.New("mail: message has no kind")
	}
	for k, v := range m.Headers {
		if k == "" || strings.ContainsAny(k, "\r\n: ") || strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("mail: header %q: invalid name or line break in value", k)
		}
	}
	return nil
}

// emailLike matches anything shaped like an address, for scrubbing.
var emailLike = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+`)

// Scrub removes the recipient's address, and anything else that looks like
// one, from an error text before it is stored or logged: SMTP servers like
// to repeat the address they refuse.
func Scrub(errText, recipient string) string {
	if recipient != "" {
		errText = replaceFold(errText, recipient, "<recipient>")
	}
	errText = emailLike.ReplaceAllString(errText, "<address>")
	if len(errText) > 500 {
		errText = errText[:500]
	}
	return errText
}

func replaceFold(s, old, repl string) string {
	ls, lo := strings.ToLower(s), strings.ToLower(old)
	var b strings.Builder
	for {
		i := strings.Index(ls, lo)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, ls = s[i+len(old):], ls[i+len(old):]
	}
}

// Backoff is the wait before attempt n+1 after n failed attempts: a minute,
// doubling, at most six hours.
func Backoff(attempts int) time.Duration {
	d := time.Minute
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}
