// Package mail sends the site's e-mail: an outbox in the database, so a
// message is never lost while the SMTP server is down, a sender that
// delivers it over SMTP with retries and a rate limit, and the templates of
// the mails themselves.
package mail

// Message is one e-mail to one recipient.
type Message struct {
	To      string // the recipient's address: never logged
	Subject string
	Text    string            // the plain-text part; required
	HTML    string            // the HTML part; optional
	Headers map[string]string // extra headers, such as List-Unsubscribe
	// Kind names what the mail is ("signin", "receipt", "newsletter"...):
	// logs and metrics say this instead of the address.
	Kind string
	// SendID is the newsletter send the message belongs to (0: none), for
	// that send's report of sent and failed mail.
	SendID int64
}
