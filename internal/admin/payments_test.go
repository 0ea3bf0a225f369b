package admin

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
)

func TestPaymentsMarkReceived(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	staff := e.tAuthSession(e.tAuthUser(account.RoleRevenue, ""))
	id, err := e.st.CreatePledge(e.ctx, revenue.Pledge{Reference: "SZ-ACDE-FGHJ", Frequency: revenue.OneTime, Amount: 2500,
		Currency: "eur", Attribution: revenue.Attribution{Variant: 4}, ExpiresAt: e.clock.Now().Add(24 * time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	page := staff.get("/admin/payments")
	tAuthStatus(t, page, http.StatusOK)
	tAuthBody(t, page, "SZ-ACDE-FGHJ", "25.00 EUR")

	// Typed from the statement, in lower case with a space; then the
	// list's button, as a double click would.
	w := staff.post("/admin/payments/pledges/received", url.Values{"reference": {"sz-acde fghj"}})
	tAuthRedirect(t, w, "/admin/payments?done=received")
	w = staff.post("/admin/payments/pledges/received", url.Values{"id": {"1"}})
	tAuthRedirect(t, w, "/admin/payments?done=not-open")
	_ = id
	totals, n, err := e.st.LedgerTotals(e.ctx)
	if err != nil || n != 1 || totals["gift eur"] != 2500 {
		t.Errorf("ledger = %v in %d entries, %v; want one gift of 2500", totals, n, err)
	}
	if f, _ := e.st.Funding(e.ctx, e.clock.Now(), "eur"); f != 2500 {
		t.Errorf("Funding = %d, want 2500 (the goal meter's figure)", f)
	}
	w = staff.post("/admin/payments/pledges/received", url.Values{"reference": {"SZ-NOPE"}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "No pledge has the reference", `value="SZ-NOPE"`)

	csv := staff.get("/admin/payments/report.csv")
	tAuthStatus(t, csv, http.StatusOK)
	if !strings.Contains(csv.Body.String(), "2030-03,EUR,25.00,0.00,0.00,1,0") {
		t.Errorf("CSV:\n%s", csv.Body.String())
	}
	page = staff.get("/admin/payments")
	tAuthBody(t, page, "<svg", "Received, refunded and monthly recurring revenue, EUR")

	// Without the CSRF token nothing happens.
	w = staff.post("/admin/payments/pledges/received", url.Values{"id": {"1"}, "csrf": {""}})
	tAuthStatus(t, w, http.StatusForbidden)
}

func TestPaymentsBankDetails(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	staff := e.tAuthSession(e.tAuthUser(account.RoleRevenue, ""))
	details := "Holder: Samizdat\r\nIBAN: DE00 0000 <b>"
	w := staff.post("/admin/payments/settings", url.Values{"bank_details": {details}})
	tAuthRedirect(t, w, "/admin/payments/settings?done=saved")
	got, _ := e.st.Setting(e.ctx, "bank.details", "")
	if got != "Holder: Samizdat\nIBAN: DE00 0000 <b>" {
		t.Errorf("bank.details = %q", got)
	}
	if b := staff.get("/admin/payments/settings").Body.String(); !strings.Contains(b, "IBAN: DE00 0000 &lt;b&gt;") {
		t.Errorf("settings page does not show the escaped details:\n%s", b)
	}
	w = staff.post("/admin/payments/settings", url.Values{"bank_details": {strings.Repeat("x", 2001)}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
}

// TestPaymentProvidersPanel: the revenue staff see each provider's last
// successful call and webhook, and a warning on every page while one is
// not offered; editors, who cannot act on it, do not.
func TestPaymentProvidersPanel(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	staff := e.tAuthSession(e.tAuthUser(account.RoleRevenue, ""))
	editor := e.tAuthSession(e.tAuthUser(account.RoleEditor, ""))
	now := e.clock.Now()
	if err := e.st.ProviderCheck(e.ctx, "btcpay", now.Add(-time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	if err := e.st.ProviderEvent(e.ctx, "btcpay", "webhook", now.Add(-30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	page := staff.get("/admin/payments")
	tAuthStatus(t, page, http.StatusOK)
	tAuthBody(t, page, "Payment providers", "btcpay", "Offered")
	if strings.Contains(page.Body.String(), "are not offered to readers") {
		t.Error("a warning while every provider is healthy")
	}
	if err := e.st.ProviderCheck(e.ctx, "btcpay", now, "BTCPay at https://pay.example refused the API key"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/admin/payments", "/admin/"} {
		w := staff.get(path)
		tAuthBody(t, w, "Payments by btcpay are not offered to readers: BTCPay at https://pay.example refused the API key")
	}
	if w := editor.get("/admin/"); strings.Contains(w.Body.String(), "are not offered to readers") {
		t.Error("an editor sees the payment warning")
	}
}

// TestPaymentsStandingOrder: a monthly bank pledge marked received becomes
// a standing order that counts in MRR; the next month's transfer with the
// same reference pays the next period of the same supporter's gift, asked
// first when the reference is typed, and a second click (or a colleague's)
// books nothing more. Each booking queues one receipt.
func TestPaymentsStandingOrder(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	keys, _ := secret.NewKeys(bytes.Repeat([]byte{9}, 32))
	box := secret.NewBox(keys)
	e.st.SetSealer(box)
	receipts := 0
	e.adm.SetTransferReceipts(func(r store.ReceivedTransfer) (mail.Message, error) {
		receipts++
		return mail.Message{To: r.To, Subject: "Receipt", Text: r.Entry.Ref, Kind: "receipt"}, nil
	})
	user := e.tAuthUser(account.RoleRevenue, "")
	staff := e.tAuthSession(user)
	now := e.clock.Now()
	id, err := e.st.CreatePledge(e.ctx, revenue.Pledge{Reference: "SZ-ACDE-FGHJ", Frequency: revenue.Monthly, Amount: 1000,
		Currency: "eur", ExpiresAt: now.Add(14 * 24 * time.Hour), Receipt: true, Lang: "en"},
		&store.SupporterKey{Lookup: box.Lookup("donor@example.org"), Sealed: box.Seal("donor@example.org")})
	if err != nil {
		t.Fatal(err)
	}
	tAuthBody(t, staff.get("/admin/payments"), "No standing orders.")
	for i, want := range []string{"received", "not-open"} {
		form := url.Values{"id": {strconv.FormatInt(id, 10)}} // the list's button, as a double click would
		if i == 0 {
			form = url.Values{"reference": {"sz-acde-fghj"}} // typed from the statement
		}
		tAuthRedirect(t, staff.post("/admin/payments/pledges/received", form), "/admin/payments?done="+want)
	}
	if f, _ := e.st.Funding(e.ctx, now, "eur"); f != 1000 {
		t.Errorf("Funding = %d, want 1000 a month", f)
	}
	rep, _ := e.st.MonthlyReport(e.ctx, now, now.AddDate(0, 1, 0))
	if len(rep) != 1 || rep[0].MRR != 1000 {
		t.Errorf("report = %+v, want MRR 1000", rep)
	}
	due := now.AddDate(0, 1, 0)
	page := staff.get("/admin/payments")
	tAuthBody(t, page, "Standing orders", "SZ-ACDE-FGHJ", `name="due" value="`+strconv.FormatInt(due.Unix(), 10)+`"`, "Mark next transfer received")

	// A month later the statement shows the reference again: typing it
	// asks which period it pays, and books nothing yet.
	e.clock.Advance(30 * 24 * time.Hour)
	staff = e.tAuthSession(user)
	w := staff.post("/admin/payments/pledges/received", url.Values{"reference": {"SZ-ACDE-FGHJ"}})
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, "is a standing order of 10.00 EUR", "Mark this transfer received")
	if _, n, _ := e.st.LedgerTotals(e.ctx); n != 1 {
		t.Fatalf("typing the reference booked something: %d entries", n)
	}
	for i, want := range []string{"received", "period-booked", "period-booked"} {
		form := url.Values{"id": {strconv.FormatInt(id, 10)}, "due": {strconv.FormatInt(due.Unix(), 10)}}
		if i == 2 {
			form = url.Values{"reference": {"SZ-ACDE-FGHJ"}, "due": {strconv.FormatInt(due.Unix(), 10)}}
		}
		tAuthRedirect(t, staff.post("/admin/payments/pledges/received", form), "/admin/payments?done="+want)
	}
	tAuthBody(t, staff.get("/admin/payments?done=period-booked"), "marked received already")
	entries, _ := e.st.Entries(e.ctx, store.LedgerQuery{})
	if len(entries) != 2 || entries[0].SupporterID != entries[1].SupporterID || entries[0].Frequency != revenue.Monthly ||
		entries[0].Ref != "SZ-ACDE-FGHJ/"+due.Format("2006-01-02") {
		t.Errorf("ledger = %+v, want two monthly gifts of one supporter", entries)
	}
	if sub, _ := e.st.RecurringGift(e.ctx, "bank", "SZ-ACDE-FGHJ"); !sub.NextRenewal.Equal(due.AddDate(0, 1, 0)) {
		t.Errorf("standing order next due %v, want %v", sub.NextRenewal, due.AddDate(0, 1, 0))
	}
	if receipts != 2 {
		t.Errorf("%d receipts made, want one per transfer", receipts)
	}
	if s, _ := e.st.MailStats(e.ctx); s.Pending != 2 {
		t.Errorf("outbox holds %d mails, want 2 receipts", s.Pending)
	}
	// Without the CSRF token nothing happens.
	w = staff.post("/admin/payments/pledges/received", url.Values{"id": {strconv.FormatInt(id, 10)}, "due": {"1"}, "csrf": {""}})
	tAuthStatus(t, w, http.StatusForbidden)
}
