package btcpay_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/revenue/btcpay"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

const secret = "whsec-test-secret"

func newProvider(t *testing.T, f *testpeer.BTCPayFake) *btcpay.Provider {
	t.Helper()
	p, err := btcpay.New(btcpay.Config{URL: f.URL, StoreID: f.StoreID, APIKey: f.APIKey, WebhookSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func checkout(id string, f revenue.Frequency) revenue.Checkout {
	return revenue.Checkout{ID: id, Provider: btcpay.Name, Frequency: f, Amount: 1250, Currency: "eur",
		SuccessURL: "https://news.example/support/thanks?session={CHECKOUT_SESSION_ID}", CancelURL: "https://news.example/support/cancelled",
		Description: "Support for News", Lang: "en"}
}

func headers(body []byte) map[string]string {
	return map[string]string{http.CanonicalHeaderKey("BTCPay-Sig"): testpeer.SignBTCPay(secret, body)}
}

func TestNewNamesWhatIsMissing(t *testing.T) {
	for _, tc := range []struct {
		cfg  btcpay.Config
		want string
	}{
		{btcpay.Config{URL: "pay.example.org", StoreID: "s", APIKey: "k", WebhookSecret: "w"}, "--btcpay-url"},
		{btcpay.Config{URL: "https://pay.example.org", APIKey: "k", WebhookSecret: "w"}, "--btcpay-store-id"},
		{btcpay.Config{URL: "https://pay.example.org", StoreID: "s", WebhookSecret: "w"}, "--btcpay-api-key"},
		{btcpay.Config{URL: "https://pay.example.org", StoreID: "s", APIKey: "k"}, "--btcpay-webhook-secret"},
	} {
		if _, err := btcpay.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error naming %s", tc.cfg, err, tc.want)
		}
	}
}

func TestVerify(t *testing.T) {
	p, err := btcpay.New(btcpay.Config{URL: "https://pay.example.org", StoreID: "s", APIKey: "k", WebhookSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"deliveryId":"d1","type":"InvoiceSettled"}`)
	good := testpeer.SignBTCPay(secret, body)
	for _, tc := range []struct {
		name string
		sig  string
		body []byte
		ok   bool
	}{
		{"signed", good, body, true},
		{"other secret", testpeer.SignBTCPay("other", body), body, false},
		{"body changed", good, []byte(`{"deliveryId":"d1","type":"InvoiceSettled","x":1}`), false},
		{"no prefix", strings.TrimPrefix(good, "sha256="), body, false},
		{"not hex", "sha256=zz" + good[9:], body, false},
		{"cut short", good[:len(good)-2], body, false},
		{"empty", "", body, false},
	} {
		if got := p.Verify(tc.sig, tc.body); got != tc.ok {
			t.Errorf("%s: Verify = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

// TestCheckoutInvoice: the invoice carries our order id, the amount in
// the site's currency, a redirect back with BTCPay's placeholder, and the
// reader's address only when they asked for a receipt.
func TestCheckoutInvoice(t *testing.T) {
	f := testpeer.NewBTCPayFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	for _, receipt := range []bool{false, true} {
		c := checkout("co-receipt-"+map[bool]string{false: "no", true: "yes"}[receipt], revenue.OneTime)
		c.Email, c.Receipt = "reader@example.org", receipt
		res, err := p.StartCheckout(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		inv, ok := f.Invoice(res.Reference)
		if !ok {
			t.Fatalf("no invoice %s at BTCPay", res.Reference)
		}
		if res.RedirectURL != inv.CheckoutLink || inv.Amount != "12.50" || inv.Currency != "EUR" || inv.Metadata["orderId"] != c.ID {
			t.Errorf("invoice %+v for checkout %+v, redirect %s", inv, c, res.RedirectURL)
		}
		if got := inv.Checkout["redirectURL"]; got != "https://news.example/support/thanks?session={InvoiceId}" {
			t.Errorf("redirectURL %v", got)
		}
		if _, sent := inv.Metadata["buyerEmail"]; sent != receipt {
			t.Errorf("receipt %v: buyerEmail sent = %v", receipt, sent)
		}
	}
}

// TestWebhookReadsTheInvoiceBack: a settlement is booked only when BTCPay
// says the invoice is settled now, for what was paid.
func TestWebhookReadsTheInvoiceBack(t *testing.T) {
	f := testpeer.NewBTCPayFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	res, err := p.StartCheckout(ctx, checkout("co-settle", revenue.Monthly))
	if err != nil {
		t.Fatal(err)
	}
	id := res.Reference

	// The body says settled, BTCPay says new: nothing to book.
	body := f.WebhookBody("InvoiceSettled", id)
	ev, err := p.ParseWebhook(ctx, headers(body), body)
	if err != nil || ev.Kind != revenue.EventIgnored || ev.Payment != nil {
		t.Fatalf("settled webhook for a new invoice: %+v, %v", ev, err)
	}

	f.SetStatus(id, "Settled", "PaidOver")
	body = f.WebhookBody("InvoiceSettled", id)
	ev, err = p.ParseWebhook(ctx, headers(body), body)
	if err != nil {
		t.Fatal(err)
	}
	inv, _ := f.Invoice(id)
	if ev.Kind != revenue.EventPaymentSucceeded || !ev.RequireCheckout || ev.CheckoutID != "co-settle" || ev.Payment == nil ||
		ev.Payment.Ref != id || ev.Payment.Currency != "eur" || ev.Payment.Frequency != revenue.Monthly {
		t.Fatalf("settled: %+v", ev)
	}
	if want := minor(t, inv.PaidAmount); ev.Payment.Amount != want || want <= 1250 {
		t.Errorf("overpaid invoice (paid %s) booked as %d, want %d", inv.PaidAmount, ev.Payment.Amount, want)
	}
	if ev.Subscription == nil || ev.Subscription.Ref != btcpay.SubscriptionRef("co-settle") || ev.Subscription.Status != revenue.StatusActive ||
		!ev.Subscription.NextRenewal.Equal(ev.At.AddDate(0, 1, 0)) {
		t.Errorf("monthly gift: subscription %+v", ev.Subscription)
	}

	// A redelivery is the same event for the inbox.
	again := f.Redelivery(body)
	ev2, err := p.ParseWebhook(ctx, headers(again), again)
	if err != nil || ev2.ID != ev.ID {
		t.Errorf("redelivery id %q, first %q (%v)", ev2.ID, ev.ID, err)
	}

	// Forged: refused before anything is read.
	before := f.Requests()
	if _, err := p.ParseWebhook(ctx, map[string]string{"Btcpay-Sig": testpeer.SignBTCPay("forged", body)}, body); !errors.Is(err, revenue.ErrBadSignature) {
		t.Errorf("forged: %v", err)
	}
	if f.Requests() != before {
		t.Error("a forged webhook made the provider call BTCPay")
	}

	// BTCPay down: "try again later", so BTCPay redelivers.
	f.SetDown(true)
	if _, err := p.ParseWebhook(ctx, headers(body), body); !errors.Is(err, revenue.ErrUnavailable) {
		t.Errorf("BTCPay down: %v, want ErrUnavailable", err)
	}
	f.SetDown(false)
}

func TestExpiredAndInvalidClose(t *testing.T) {
	f := testpeer.NewBTCPayFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	for _, tc := range []struct{ status, typ, closed string }{
		{"Expired", "InvoiceExpired", "expired"},
		{"Invalid", "InvoiceInvalid", "invalid"},
	} {
		res, err := p.StartCheckout(ctx, checkout("co-"+tc.closed, revenue.OneTime))
		if err != nil {
			t.Fatal(err)
		}
		f.SetStatus(res.Reference, tc.status, "None")
		body := f.WebhookBody(tc.typ, res.Reference)
		ev, err := p.ParseWebhook(ctx, headers(body), body)
		if err != nil || ev.Kind != revenue.EventCheckoutClosed || ev.Closed != tc.closed || ev.CheckoutID != "co-"+tc.closed || ev.Payment != nil {
			t.Errorf("%s: %+v, %v", tc.typ, ev, err)
		}
	}
}

func TestSettledListsOnlyOurSettledInvoices(t *testing.T) {
	f := testpeer.NewBTCPayFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	var ids []string
	for _, id := range []string{"co-a", "co-b", "co-c"} {
		res, err := p.StartCheckout(ctx, checkout(id, revenue.OneTime))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Reference)
	}
	f.SetStatus(ids[0], "Settled", "None")
	f.SetStatus(ids[2], "Expired", "PaidPartial")
	pos := f.AddInvoice(testpeer.FakeInvoice{Amount: "3.00", Currency: "EUR", Status: "Settled", Metadata: map[string]any{"itemDesc": "Tea"}})
	evs, err := p.Settled(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Payment == nil || evs[0].Payment.Ref != ids[0] || evs[0].CheckoutID != "co-a" || evs[0].Kind != revenue.EventPaymentSucceeded {
		t.Errorf("settled: %+v (point-of-sale invoice %s must not be listed)", evs, pos)
	}
}

func TestProbeSaysWhatToFix(t *testing.T) {
	f := testpeer.NewBTCPayFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	if err := p.Probe(ctx); err != nil {
		t.Fatalf("healthy: %v", err)
	}
	wrong, _ := btcpay.New(btcpay.Config{URL: f.URL, StoreID: "NoSuchStore", APIKey: f.APIKey, WebhookSecret: secret})
	if err := wrong.Probe(ctx); err == nil || !strings.Contains(err.Error(), "--btcpay-store-id") {
		t.Errorf("wrong store: %v", err)
	}
	f.SetDown(true)
	if err := p.Probe(ctx); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("down: %v", err)
	}
	f.SetDown(false)
	f.RevokeKey()
	if err := p.Probe(ctx); err == nil || !strings.Contains(err.Error(), "--btcpay-api-key") {
		t.Errorf("revoked key: %v", err)
	}
}

// TestAgainstBTCPayContract sends every request the provider makes to
// Prism serving BTCPay's own description: one that breaks the contract is
// refused there, and fails here.
func TestAgainstBTCPayContract(t *testing.T) {
	url := testpeer.BTCPayPrism(t)
	p, err := btcpay.New(btcpay.Config{URL: url, StoreID: "BmjwG7HhBFkeqhh8LfH6w6WvYUSF3QTRHtt4fVmA4TD1", APIKey: "0123456789abcdef0123456789abcdef01234567", WebhookSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, f := range []revenue.Frequency{revenue.OneTime, revenue.Monthly} {
		c := checkout("co-prism-"+string(f), f)
		c.Email, c.Receipt = "reader@example.org", true
		res, err := p.StartCheckout(ctx, c)
		if err != nil {
			t.Fatalf("create invoice (%s): %v", f, err)
		}
		if res.RedirectURL == "" || res.Reference == "" {
			t.Errorf("create invoice: %+v", res)
		}
		if _, err := p.OpenInvoice(ctx, res.Reference); err != nil {
			t.Errorf("read invoice: %v", err)
		}
	}
	if _, err := p.Settled(ctx, time.Now().AddDate(0, 0, -7)); err != nil {
		t.Errorf("list invoices: %v", err)
	}
	if err := p.Probe(ctx); err != nil {
		t.Errorf("probe: %v", err)
	}
}

func minor(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00")[:2]
	var n int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			t.Fatalf("amount %q", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
