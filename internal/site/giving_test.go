package site

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// TestThanksSaysWhatItKnows: the page a payment service sends the reader
// back to thanks only for a payment the site has; one being confirmed
// says so, one that expired says it did not go through, and a session the
// site does not know (or none) claims nothing and marks no one a supporter.
func TestThanksSaysWhatItKnows(t *testing.T) {
	f := newSupportFixture(t, "")
	ctx := context.Background()
	for i, c := range []struct{ id, state string }{{"co-paid", "paid"}, {"co-open", "open"}, {"co-expired", "expired"}, {"co-invalid", "invalid"}} {
		if err := f.st.CreateCheckout(ctx, revenue.Checkout{ID: c.id, Provider: "stripe", Frequency: revenue.OneTime, Amount: 700, Currency: "eur"}, nil); err != nil {
			t.Fatal(err)
		}
		if err := f.st.SetCheckoutRef(ctx, c.id, "cs_"+c.id); err != nil {
			t.Fatal(err)
		}
		ev := revenue.Event{Provider: "stripe", ID: "evt_" + c.id, Type: "test", At: time.Now(), CheckoutID: c.id}
		switch c.state {
		case "paid":
			ev.Kind = revenue.EventCheckoutCompleted
			ev.Payment = &revenue.Payment{Ref: "pi_" + c.id, Amount: 700, Currency: "eur", Frequency: revenue.OneTime}
		case "expired", "invalid":
			ev.Kind, ev.Closed = revenue.EventCheckoutClosed, c.state
		default:
			continue
		}
		if _, err := f.st.ApplyEvent(ctx, ev, []byte("{}"), nil); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	if err := f.st.SetSetting(ctx, "bank.details", "IBAN: DE00 1234"); err != nil {
		t.Fatal(err)
	}
	pledge := f.do(t, "POST", "/support", form(map[string]string{"frequency": "one-time", "amount": "10", "currency": "eur", "method": "bank"}))
	ref := strings.TrimPrefix(pledge.Header().Get("Location"), "/support/pledge/")

	tests := []struct {
		name, path string
		status     int
		want       []string
		supporter  bool
	}{
		{"no session", "/support/thanks", 404, []string{"No record of this payment", "If you gave, thank you", `href="/support"`}, false},
		{"unknown session", "/support/thanks?session=cs_nobody", 404, []string{"No record of this payment"}, false},
		{"a bank reference is not a session", "/support/thanks?session=" + ref, 404, []string{"No record of this payment"}, false},
		{"paid", "/support/thanks?session=cs_co-paid", 200, []string{"Thank you", "Your support keeps this newsroom independent"}, true},
		{"being confirmed", "/support/thanks?session=cs_co-open", 200, []string{"Your payment is being confirmed", `href="/support/thanks?session=cs_co-open"`}, true},
		{"expired", "/support/thanks?session=cs_co-expired", 200, []string{"Your payment did not go through", `href="/support"`, "Try again"}, false},
		{"invalid", "/support/thanks?session=cs_co-invalid", 200, []string{"Your payment did not go through"}, false},
		{"in Russian", "/ru/support/thanks?session=cs_nobody", 404, []string{"Этот платёж нам неизвестен", `href="/ru/support"`}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do(t, "GET", tc.path, "")
			b := w.Body.String()
			if w.Code != tc.status {
				t.Errorf("status %d, want %d", w.Code, tc.status)
			}
			for _, s := range tc.want {
				if !strings.Contains(b, s) {
					t.Errorf("page lacks %q:\n%s", s, b)
				}
			}
			if tc.status != 200 || tc.name != "paid" {
				if strings.Contains(b, "Your support keeps this newsroom independent") || strings.Contains(b, "<h1>Thank you</h1>") {
					t.Errorf("the page thanks for a payment it has no record of:\n%s", b)
				}
			}
			for _, word := range []string{"EUR", "7.00", "cs_co-"} {
				if strings.Contains(visibleText(parseHTML(t, b)), word) {
					t.Errorf("the page shows %q of a payment", word)
				}
			}
			got := false
			for _, c := range w.Result().Cookies() {
				got = got || c.Name == revenue.SupporterCookie
			}
			if got != tc.supporter {
				t.Errorf("supporter cookie set: %v, want %v", got, tc.supporter)
			}
		})
	}
}

// TestBankPledgeMailsAndStandingOrder: a monthly or annual bank pledge asks
// for a standing order, on the page and in the mail a donor who asked for
// a receipt gets (in their language, with the reference, amount and bank
// details); marking it received queues the receipt once, in the outbox.
func TestBankPledgeMailsAndStandingOrder(t *testing.T) {
	tests := []struct {
		name, path string
		form       map[string]string
		mail       bool
		want       []string // on the page and in the mail
		standing   bool
	}{
		{"monthly with receipt", "/support", map[string]string{"frequency": "monthly", "amount": "10", "currency": "eur", "method": "bank", "email": "donor@example.org", "receipt": "on"},
			true, []string{"standing order", "€10 every month", "same reference every time"}, true},
		{"annual with receipt", "/support", map[string]string{"frequency": "annual", "amount": "100", "currency": "eur", "method": "bank", "email": "donor@example.org", "receipt": "on"},
			true, []string{"standing order", "€100 every year"}, true},
		{"one-time with receipt", "/support", map[string]string{"frequency": "one-time", "amount": "25", "currency": "usd", "method": "bank", "email": "donor@example.org", "receipt": "on"},
			true, []string{"Please transfer $25 with this reference"}, false},
		{"monthly without receipt", "/support", map[string]string{"frequency": "monthly", "amount": "10", "currency": "eur", "method": "bank", "email": "donor@example.org"},
			false, []string{"standing order", "€10 every month"}, true},
		{"monthly in Russian", "/ru/support", map[string]string{"frequency": "monthly", "amount": "10", "currency": "eur", "method": "bank", "email": "donor@example.org", "receipt": "on"},
			true, []string{"регулярный платёж", "10\u00a0€ каждый месяц"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newSupportFixture(t, "")
			ctx := context.Background()
			if err := f.st.SetSetting(ctx, "bank.details", "Holder: Samizdat e.V.\nIBAN: DE00 1234"); err != nil {
				t.Fatal(err)
			}
			w := f.do(t, "POST", tc.path, form(tc.form))
			loc := w.Header().Get("Location")
			if w.Code != http.StatusSeeOther || !strings.Contains(loc, "/support/pledge/SZ-") {
				t.Fatalf("status %d Location %q\n%s", w.Code, loc, w.Body.String())
			}
			ref := loc[strings.LastIndex(loc, "/")+1:]
			page := f.do(t, "GET", loc, "").Body.String()
			for _, s := range append(tc.want, ref, "IBAN: DE00 1234") {
				if !strings.Contains(page, s) {
					t.Errorf("pledge page lacks %q:\n%s", s, page)
				}
			}
			if !tc.mail {
				if len(f.mail.msgs) != 0 {
					t.Errorf("mails %+v, want none: no receipt was asked for", f.mail.msgs)
				}
				return
			}
			if len(f.mail.msgs) != 1 {
				t.Fatalf("mails = %+v, want the instructions", f.mail.msgs)
			}
			m := f.mail.msgs[0]
			if m.To != "donor@example.org" || m.Kind != "bank-transfer" || !strings.Contains(m.Subject, ref) {
				t.Errorf("mail to %q kind %q subject %q", m.To, m.Kind, m.Subject)
			}
			for _, s := range append(tc.want, ref, "IBAN: DE00 1234", "http://127.0.0.1"+loc) {
				if !strings.Contains(m.Text, s) || !strings.Contains(m.HTML, strings.ReplaceAll(s, "\n", "")) {
					t.Errorf("mail lacks %q:\n%s", s, m.Text)
				}
			}

			// Staff mark it received: the receipt is queued with the gift.
			p, err := f.st.PledgeByReference(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				f.st.ReceiveTransfer(ctx, store.TransferMark{PledgeID: p.ID, Receipt: f.sp.TransferReceipt})
			}
			out, err := f.st.ClaimMail(ctx, time.Now().Add(time.Minute), time.Minute, 10)
			if err != nil || len(out) != 1 {
				t.Fatalf("outbox = %+v, %v; want one receipt", out, err)
			}
			r := out[0]
			if r.To != "donor@example.org" || r.Kind != "receipt" || !strings.Contains(r.Text, ref) {
				t.Errorf("receipt to %q kind %q:\n%s", r.To, r.Kind, r.Text)
			}
			if tc.standing != strings.Contains(r.Text, "next transfer") && !strings.Contains(tc.path, "/ru/") {
				t.Errorf("receipt of a standing order must say when the next transfer is due (and only then):\n%s", r.Text)
			}
			if strings.Contains(tc.path, "/ru/") && !strings.Contains(r.Subject, "Спасибо") {
				t.Errorf("receipt of a Russian donor in %q", r.Subject)
			}
		})
	}
}
