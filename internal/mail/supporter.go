package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"

	"github.com/samizdat-press/samizdat/internal/i18n"

	"github.com/samizdat-press/samizdat/web"
)

// SigninData fills the supporter sign-in mail.
type SigninData struct {
	SiteName string
	Link     string // absolute, single use
	Minutes  int    // how long the link is valid
	Lang     string // the reader's: the mail's language
}

// ReceiptData fills the receipt mail.
type ReceiptData struct {
	SiteName  string
	Amount    string // formatted, with currency: "EUR 5.00"
	Frequency string // "one-time", "monthly", "annual"
	Date      string
	Reference string
	ManageURL string // where to sign in and manage support
	Lang      string // the donor's: the mail's language
	// NextDue is when a standing order's next transfer is due, as a date
	// in the mail's language; empty for other gifts.
	NextDue string
}

// Signin is the mail with a supporter's sign-in link.
func Signin(to string, d SigninData) (Message, error) {
	loc := i18n.New(d.Lang).Locale(d.Lang)
	return render(to, "signin", loc.T("Your sign-in link for %s", d.SiteName), loc, d)
}

// Receipt is the receipt for a gift, sent only when the donor asked.
func Receipt(to string, d ReceiptData) (Message, error) {
	loc := i18n.New(d.Lang).Locale(d.Lang)
	return render(to, "receipt", loc.T("Thank you for supporting %s", d.SiteName), loc, d)
}

// templateFuncs are the mail templates' words in loc's language.
func templateFuncs(loc *i18n.Locale) map[string]any {
	return map[string]any{"t": loc.T, "lang": loc.Lang, "date": loc.Date}
}

func render(to, kind, subject string, loc *i18n.Locale, data any) (Message, error) {
	m := Message{To: to, Subject: subject, Kind: kind}
	tt, err := texttemplate.New(kind+".txt").Funcs(templateFuncs(loc)).ParseFS(web.FS, "templates/mail/"+kind+".txt")
	if err != nil {
		return m, fmt.Errorf("mail %s: %w", kind, err)
	}
	var b bytes.Buffer
	if err := tt.Execute(&b, data); err != nil {
		return m, fmt.Errorf("mail %s: %w", kind, err)
	}
	m.Text = b.String()
	ht, err := htmltemplate.New(kind+".html").Funcs(templateFuncs(loc)).ParseFS(web.FS, "templates/mail/"+kind+".html")
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

// RenewalData fills the reminder of a recurring gift that is paid by hand
// each period (crypto).
type RenewalData struct {
	SiteName  string
	Amount    string // formatted, with currency
	Frequency string // "monthly" or "annual"
	Due       string // the period's start, as a date in the mail's language
	PayURL    string // opens a fresh invoice for the period
	StopURL   string // asks before stopping the gift
	Lang      string
}

// Renewal is the reminder that a period of a recurring crypto gift began.
func Renewal(to string, d RenewalData) (Message, error) {
	loc := i18n.New(d.Lang).Locale(d.Lang)
	return render(to, "renewal", loc.T("Your recurring gift to %s is due", d.SiteName), loc, d)
}

// BankTransferData fills the mail with a bank transfer's instructions,
// sent when the donor asked for a receipt.
type BankTransferData struct {
	SiteName  string
	Reference string
	Amount    string // formatted, with currency: "EUR 10.00"
	Frequency string // "one-time", "monthly", "annual"
	Details   string // the account to transfer to, as the newsroom wrote it
	Expires   string // until when the pledge waits for its first transfer
	PageURL   string // the instructions on the site
	Lang      string
}

// BankTransfer is the mail with the reference and bank details of a bank
// transfer pledge; for a monthly or annual one it asks for a standing order.
func BankTransfer(to string, d BankTransferData) (Message, error) {
	loc := i18n.New(d.Lang).Locale(d.Lang)
	return render(to, "bank-transfer", loc.T("Your bank transfer to %s: reference %s", d.SiteName, d.Reference), loc, d)
}
