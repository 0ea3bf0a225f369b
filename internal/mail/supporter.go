package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"

	"github.com/samizdat-press/samizdat/web"
)

// SigninData fills the supporter sign-in mail.
type SigninData struct {
	SiteName string
	Link     string // absolute, single use
	Minutes  int    // how long the link is valid
}

// ReceiptData fills the receipt mail.
type ReceiptData struct {
	SiteName  string
	Amount    string // formatted, with currency: "EUR 5.00"
	Frequency string // "one-time", "monthly", "annual"
	Date      string
	Reference string
	ManageURL string // where to sign in and manage support
}

// Signin is the mail with a supporter's sign-in link.
func Signin(to string, d SigninData) (Message, error) {
	return render(to, "signin", fmt.Sprintf("Your sign-in link for %s", d.SiteName), d)
}

// Receipt is the receipt for a gift, sent only when the donor asked.
func Receipt(to string, d ReceiptData) (Message, error) {
	return render(to, "receipt", fmt.Sprintf("Thank you for supporting %s", d.SiteName), d)
}

func render(to, kind, subject string, data any) (Message, error) {
	m := Message{To: to, Subject: subject, Kind: kind}
	tt, err := texttemplate.ParseFS(web.FS, "templates/mail/"+kind+".txt")
	if err != nil {
		return m, fmt.Errorf("mail %s: %w", kind, err)
	}
	var b bytes.Buffer
	if err := tt.Execute(&b, data); err != nil {
		return m, fmt.Errorf("mail %s: %w", kind, err)
	}
	m.Text = b.String()
	ht, err := htmltemplate.ParseFS(web.FS, "templates/mail/"+kind+".html")
	if err != nil {
		return m, fmt.Errorf("mail %s: %w", kind, err)
	}
	b.Reset()
	if err := ht.Execute(&b, data); err != nil {
		return m, fmt.Errorf("mail %s: %w", kind, err)
	}
	m.HTML = b.String()
	return m, nil
}
