package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/revenue"
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
