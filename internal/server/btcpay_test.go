package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/revenue/btcpay"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// These tests run the site as production does (fasthttp on loopback)
// against a BTCPay fake whose every answer and webhook is checked against
// BTCPay's own API description; the provider's requests are checked
// against it too, by the fake and, in package btcpay, by Prism.

const btcpaySecret = "btcpay-webhook-secret"

type cryptoNode struct {
	srv  *Server
	base string
	c    *http.Client
}

func startCryptoNode(t *testing.T, db string, f *testpeer.BTCPayFake, smtpURL string) *cryptoNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := config.Config{DB: db, Media: filepath.Join(filepath.Dir(db), "media"), BaseURL: base, CacheMB: 8, JobsEvery: time.Hour,
		DataKey: testDataKey, SMTPURL: smtpURL, MailFrom: "desk@example.org", MailRate: 100,
		Revenue: config.Revenue{BTCPayURL: f.URL, BTCPayStoreID: f.StoreID, BTCPayAPIKey: f.APIKey, BTCPayWebhookSecret: btcpaySecret,
			ProviderCheck: time.Hour, Currencies: "eur", MinAmount: 2, PledgeDays: 14}}
	srv, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	noRedirect := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &cryptoNode{srv: srv, base: base, c: noRedirect}
}

func (n *cryptoNode) do(t *testing.T, method, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, n.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := n.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// hook posts a webhook body, signed with secret.
func (n *cryptoNode) hook(t *testing.T, body []byte, secret string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, n.base+"/webhooks/btcpay", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("BTCPay-Sig", testpeer.SignBTCPay(secret, body))
	resp, err := n.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// give fills the support form as a reader without JavaScript does and
// returns the invoice the site sent them to.
func (n *cryptoNode) give(t *testing.T, f *testpeer.BTCPayFake, form url.Values) testpeer.FakeInvoice {
	t.Helper()
	code, body, h := n.do(t, http.MethodPost, "/support", form)
	if code != http.StatusSeeOther {
		t.Fatalf("support form: %d, want 303 to the invoice\n%s", code, body)
	}
	invs := f.Invoices()
	if len(invs) == 0 {
		t.Fatal("no invoice at BTCPay")
	}
	inv := invs[len(invs)-1]
	if h.Get("Location") != inv.CheckoutLink {
		t.Fatalf("303 to %q, want the invoice's checkout link %q", h.Get("Location"), inv.CheckoutLink)
	}
	return inv
}

func ledgerCount(t *testing.T, st *store.Store) int {
	t.Helper()
	_, n, err := st.LedgerTotals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCryptoGiftWithoutJavaScript is the reader's journey: the support
// page offers crypto, the form sends them to BTCPay's checkout, and the
// signed InvoiceSettled books the gift once, whatever is delivered again.
func TestCryptoGiftWithoutJavaScript(t *testing.T) {
	f := testpeer.NewBTCPayFake(t)
	n := startCryptoNode(t, filepath.Join(t.TempDir(), "site.db"), f, "")
	ctx := context.Background()
	code, page, _ := n.do(t, http.MethodGet, "/support", nil)
	if code != http.StatusOK || !strings.Contains(page, `value="btcpay"`) || !strings.Contains(page, "Crypto (Bitcoin, Lightning…)") {
		t.Fatalf("support page (%d) does not offer crypto:\n%s", code, page)
	}
	inv := n.give(t, f, url.Values{"frequency": {"one-time"}, "amount": {"25"}, "currency": {"eur"}, "method": {"btcpay"},
		"email": {"giver@example.org"}, "receipt": {"1"}})
	if inv.Amount != "25.00" || inv.Currency != "EUR" || inv.Metadata["buyerEmail"] != "giver@example.org" {
		t.Errorf("invoice %+v", inv)
	}
	before, err := n.srv.Store.Funding(ctx, time.Now(), "eur")
	if err != nil {
		t.Fatal(err)
	}

	// The reader pays; BTCPay settles and tells the site.
	f.SetStatus(inv.ID, "Settled", "None")
	settled := f.WebhookBody("InvoiceSettled", inv.ID)
	if code, body := n.hook(t, settled, btcpaySecret); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("InvoiceSettled: %d %q", code, body)
	}
	// The same delivery again, BTCPay's redelivery of it, and a payment
	// event for the same invoice: nothing more is booked.
	for _, b := range [][]byte{settled, f.Redelivery(settled), f.WebhookBody("InvoicePaymentSettled", inv.ID)} {
		if code, _ := n.hook(t, b, btcpaySecret); code != http.StatusOK {
			t.Fatalf("redelivery: %d", code)
		}
	}
	entries, err := n.srv.Store.Entries(ctx, store.LedgerQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Provider != btcpay.Name || entries[0].Ref != inv.ID || entries[0].Amount != 2500 ||
		entries[0].Frequency != revenue.OneTime || entries[0].SupporterID == 0 {
		t.Fatalf("ledger after one gift delivered four times: %+v", entries)
	}
	after, err := n.srv.Store.Funding(ctx, time.Now(), "eur")
	if err != nil {
		t.Fatal(err)
	}
	if after-before != 2500 {
		t.Errorf("goal meter moved by %d, want 2500", after-before)
	}
	if st, _ := n.srv.Store.MailStats(ctx); st.Pending != 1 {
		t.Errorf("%d mails waiting, want the one receipt", st.Pending)
	}
	// BTCPay sends the reader back to the thank-you page with the
	// invoice's id; it marks them a supporter, so the prompts stop.
	thanks, _ := url.Parse(strings.ReplaceAll(inv.Checkout["redirectURL"].(string), "{InvoiceId}", inv.ID))
	code, _, h := n.do(t, http.MethodGet, thanks.RequestURI(), nil)
	if code != http.StatusOK || !strings.Contains(h.Get("Set-Cookie"), revenue.SupporterCookie+"=") {
		t.Errorf("thank-you page: %d, Set-Cookie %q", code, h.Get("Set-Cookie"))
	}
	if st, err := n.srv.Store.CheckoutStatus(ctx, inv.Metadata["orderId"].(string)); err != nil || st != "paid" {
		t.Errorf("checkout %q, %v; want paid", st, err)
	}
}

// TestBTCPayWebhooksThatMustNotBook: forged, oversize, stale, reordered
// and foreign deliveries book nothing; the forged and oversize ones are
// not even stored.
func TestBTCPayWebhooksThatMustNotBook(t *testing.T) {
	f := testpeer.NewBTCPayFake(t)
	n := startCryptoNode(t, filepath.Join(t.TempDir(), "site.db"), f, "")
	ctx := context.Background()
	form := url.Values{"frequency": {"one-time"}, "amount": {"10"}, "currency": {"eur"}, "method": {"btcpay"}}
	inv := n.give(t, f, form)
	f.SetStatus(inv.ID, "Settled", "None")
	body := f.WebhookBody("InvoiceSettled", inv.ID)

	if code, _ := n.hook(t, body, "not-the-secret"); code != http.StatusBadRequest {
		t.Errorf("forged signature: %d, want 400", code)
	}
	big := append(append([]byte(nil), body[:len(body)-1]...), []byte(`,"padding":"`+strings.Repeat("x", 2<<20)+`"}`)...)
	if c, _ := n.srv.Store.WebhookCount(ctx, btcpay.Name); c != 0 {
		t.Fatalf("after the forged delivery: %d stored", c)
	}
	if code, _ := n.hook(t, big, btcpaySecret); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize webhook: %d, want 413", code)
	}
	if c, _ := n.srv.Store.WebhookCount(ctx, btcpay.Name); c != 0 || ledgerCount(t, n.srv.Store) != 0 {
		t.Fatalf("after forged and oversize deliveries: %d stored, %d booked", c, ledgerCount(t, n.srv.Store))
	}

	// Stale: the delivery says settled, but by the time it arrives BTCPay
	// says the payment did not confirm in time.
	stale := n.give(t, f, form)
	f.SetStatus(stale.ID, "Settled", "None")
	staleBody := f.WebhookBody("InvoiceSettled", stale.ID)
	f.SetStatus(stale.ID, "Invalid", "Invalid")
	if code, _ := n.hook(t, staleBody, btcpaySecret); code != http.StatusOK || ledgerCount(t, n.srv.Store) != 0 {
		t.Errorf("stale settlement: %d, %d booked", code, ledgerCount(t, n.srv.Store))
	}

	// Reordered: the settlement first, then an expiry sent earlier.
	if code, _ := n.hook(t, body, btcpaySecret); code != http.StatusOK || ledgerCount(t, n.srv.Store) != 1 {
		t.Fatalf("settlement: %d, %d booked", code, ledgerCount(t, n.srv.Store))
	}
	if code, _ := n.hook(t, f.WebhookBody("InvoiceExpired", inv.ID), btcpaySecret); code != http.StatusOK {
		t.Errorf("late expiry: %d", code)
	}
	if st, _ := n.srv.Store.CheckoutStatus(ctx, inv.Metadata["orderId"].(string)); st != "paid" {
		t.Errorf("a late expiry reopened a paid checkout: %q", st)
	}

	// An invoice this site never created (the store's point of sale, or
	// someone's hand-made invoice naming an order id): kept for review.
	foreign := f.AddInvoice(testpeer.FakeInvoice{Amount: "500.00", Currency: "EUR", Status: "Settled",
		Metadata: map[string]any{"orderId": "not-one-of-ours"}})
	if code, _ := n.hook(t, f.WebhookBody("InvoiceSettled", foreign), btcpaySecret); code != http.StatusOK {
		t.Errorf("foreign invoice: %d", code)
	}
	if got := ledgerCount(t, n.srv.Store); got != 1 {
		t.Errorf("%d ledger entries, want only the one real gift", got)
	}
	ps, err := n.srv.Store.ProviderStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.srv.Store.ProviderWebhooks(ctx, ps); err != nil {
		t.Fatal(err)
	}
	var review int
	for _, p := range ps {
		if p.Provider == btcpay.Name {
			review = p.ReviewWebhooks
		}
	}
	if review != 1 {
		t.Errorf("%d webhooks kept for review, want the foreign invoice's", review)
	}
}

// TestBTCPayExpiryAndReconciliation: an expired invoice books nothing; a
// settlement whose webhook never came is booked by reconciliation, once,
// and the webhook arriving after books nothing more.
func TestBTCPayExpiryAndReconciliation(t *testing.T) {
	f := testpeer.NewBTCPayFake(t)
	n := startCryptoNode(t, filepath.Join(t.TempDir(), "site.db"), f, "")
	ctx := context.Background()
	form := url.Values{"frequency": {"one-time"}, "amount": {"15"}, "currency": {"eur"}, "method": {"btcpay"}}

	expired := n.give(t, f, form)
	f.SetStatus(expired.ID, "Expired", "PaidPartial")
	if code, _ := n.hook(t, f.WebhookBody("InvoiceExpired", expired.ID), btcpaySecret); code != http.StatusOK {
		t.Fatalf("expiry: %d", code)
	}
	if st, _ := n.srv.Store.CheckoutStatus(ctx, expired.Metadata["orderId"].(string)); st != "expired" || ledgerCount(t, n.srv.Store) != 0 {
		t.Errorf("expired invoice: checkout %q, %d booked", st, ledgerCount(t, n.srv.Store))
	}

	lost := n.give(t, f, form)
	f.SetStatus(lost.ID, "Settled", "PaidLate") // paid after expiry, settled by BTCPay
	res, err := n.srv.Reconcile(ctx, btcpay.Name, time.Now().Add(-time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Settled != 1 || len(res.Missing) != 1 || res.Missing[0] != lost.ID || res.Booked != 1 || ledgerCount(t, n.srv.Store) != 1 {
		t.Fatalf("first reconciliation: %+v, %d booked", res, ledgerCount(t, n.srv.Store))
	}
	res, err = n.srv.Reconcile(ctx, btcpay.Name, time.Now().Add(-time.Hour), time.Time{})
	if err != nil || res.Booked != 0 || len(res.Missing) != 0 || ledgerCount(t, n.srv.Store) != 1 {
		t.Errorf("second reconciliation: %+v, %v, %d booked", res, err, ledgerCount(t, n.srv.Store))
	}
	if code, _ := n.hook(t, f.WebhookBody("InvoiceSettled", lost.ID), btcpaySecret); code != http.StatusOK || ledgerCount(t, n.srv.Store) != 1 {
		t.Errorf("the late webhook: %d, %d booked", code, ledgerCount(t, n.srv.Store))
	}

	// The jobs loop does the same once a day, leaving the last hour's
	// payments to their webhooks.
	unpaid := n.give(t, f, form)
	f.AddInvoice(testpeer.FakeInvoice{Amount: "15.00", Currency: "EUR", Status: "Settled",
		Metadata: map[string]any{"orderId": unpaid.Metadata["orderId"]}, CreatedTime: time.Now().Add(-3 * time.Hour).Unix()})
	fresh := n.give(t, f, form)
	day := time.Now().Add(25 * time.Hour) // a day on: the job runs again
	f.AddInvoice(testpeer.FakeInvoice{Amount: "15.00", Currency: "EUR", Status: "Settled",
		Metadata: map[string]any{"orderId": fresh.Metadata["orderId"]}, CreatedTime: day.Add(-30 * time.Minute).Unix()})
	n.srv.reconcileDaily(ctx, day)
	if got := ledgerCount(t, n.srv.Store); got != 2 {
		t.Errorf("after the daily reconciliation: %d gifts, want 2 (the older one only)", got)
	}
}

// TestProviderOutageHidesCrypto: when BTCPay does not answer, or refuses
// the key, the support page stops offering crypto (the bank transfer
// stays), the revenue staff see why, and crypto comes back by itself.
func TestProviderOutageHidesCrypto(t *testing.T) {
	f := testpeer.NewBTCPayFake(t)
	n := startCryptoNode(t, filepath.Join(t.TempDir(), "site.db"), f, "")
	ctx := context.Background()
	offered := func() (crypto, bank bool) {
		_, page, _ := n.do(t, http.MethodGet, "/support", nil)
		return strings.Contains(page, `value="btcpay"`), strings.Contains(page, `value="bank"`)
	}
	if err := n.srv.Store.SetSetting(ctx, settingBankDetails, "IBAN DE00 0000 0000 0000 0000 00"); err != nil {
		t.Fatal(err)
	}
	if c, b := offered(); !c || !b {
		t.Fatalf("healthy: crypto %v, bank %v", c, b)
	}
	f.SetDown(true)
	n.srv.CheckProviders(ctx)
	if c, b := offered(); c || !b {
		t.Errorf("BTCPay down: crypto offered %v, bank %v", c, b)
	}
	ps, _ := n.srv.Store.ProviderStatuses(ctx)
	if len(ps) != 1 || ps[0].Healthy || !strings.Contains(ps[0].Problem, "cannot be reached") {
		t.Errorf("status for the admin: %+v", ps)
	}
	// A reader who loaded the page before the outage and posts crypto is
	// told, and keeps what they typed.
	code, page, _ := n.do(t, http.MethodPost, "/support", url.Values{"frequency": {"one-time"}, "amount": {"10"}, "method": {"btcpay"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "Choose a payment method from the list.") {
		t.Errorf("crypto chosen while hidden: %d", code)
	}
	f.SetDown(false)
	n.srv.CheckProviders(ctx)
	if c, _ := offered(); !c {
		t.Error("crypto did not come back when BTCPay answered again")
	}
	f.RevokeKey()
	n.srv.CheckProviders(ctx)
	ps, _ = n.srv.Store.ProviderStatuses(ctx)
	if c, _ := offered(); c || len(ps) != 1 || !strings.Contains(ps[0].Problem, "--btcpay-api-key") {
		t.Errorf("revoked key: crypto offered %v, status %+v", c, ps)
	}
}

var renewLink = regexp.MustCompile(`https?://\S+/support/renew/[A-Za-z0-9_:.\-]+(?:/stop)?`)

// TestRecurringCryptoReminder: a monthly crypto gift is paid by hand each
// month. When a period begins, exactly one mail goes out, however many
// nodes run the job at that moment; its link opens a fresh invoice for
// the period; paying it keeps the gift current; two unpaid periods end
// it, and MRR stops counting it as soon as a period goes unpaid.
func TestRecurringCryptoReminder(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	f := testpeer.NewBTCPayFake(t)
	db := filepath.Join(t.TempDir(), "site.db")
	a := startCryptoNode(t, db, f, pit.SMTPURL())
	b := startCryptoNode(t, db, f, pit.SMTPURL())
	ctx := context.Background()

	// A reader without an address cannot begin one: reminders need it.
	code, page, _ := a.do(t, http.MethodPost, "/support", url.Values{"frequency": {"monthly"}, "amount": {"10"}, "method": {"btcpay"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "needs an e-mail address") {
		t.Errorf("monthly crypto without e-mail: %d", code)
	}
	first := a.give(t, f, url.Values{"frequency": {"monthly"}, "amount": {"10"}, "currency": {"eur"}, "method": {"btcpay"},
		"email": {"monthly@example.org"}})
	f.SetStatus(first.ID, "Settled", "None")
	if code, _ := a.hook(t, f.WebhookBody("InvoiceSettled", first.ID), btcpaySecret); code != http.StatusOK {
		t.Fatalf("first payment: %d", code)
	}
	ref := btcpay.SubscriptionRef(first.Metadata["orderId"].(string))
	gift, err := a.srv.Store.RecurringRenewal(ctx, btcpay.Name, ref)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Unix(first.CreatedTime, 0).UTC()
	if gift.Subscription.Status != revenue.StatusActive || !gift.Due.Equal(created.AddDate(0, 1, 0)) {
		t.Fatalf("after the first payment: %+v", gift)
	}
	mrr := func(at time.Time) int64 {
		t.Helper()
		// Funding counts the recurring gifts running at the end of the
		// month (now, for this month).
		v, err := a.srv.Store.Funding(ctx, at, "eur")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	due := gift.Due
	if got := mrr(due.Add(-time.Hour)); got != 1000 {
		t.Errorf("MRR while paid: %d, want 1000", got)
	}

	// The period begins: both nodes run the job at the same moment.
	var wg sync.WaitGroup
	for _, n := range []*cryptoNode{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); n.srv.cryptoRenewals(ctx, due.Add(time.Minute)) }()
	}
	wg.Wait()
	b.srv.cryptoRenewals(ctx, due.Add(2*time.Minute)) // and once more, later
	deliver(t, a.srv)
	msgs := pit.MessagesTo(t, "monthly@example.org")
	if len(msgs) != 1 {
		t.Fatalf("%d reminders for one period, want 1", len(msgs))
	}
	m := pit.Message(t, msgs[0].ID)
	link := renewLink.FindString(m.Text)
	if link == "" || !strings.Contains(m.Text, "gift of €10 to") {
		t.Fatalf("reminder without a link or amount:\n%s", m.Text)
	}
	u, _ := url.Parse(link)

	// The link opens a fresh invoice for the period, and again the same one.
	code, _, h := b.do(t, http.MethodGet, u.RequestURI(), nil)
	invs := f.Invoices()
	renewal := invs[len(invs)-1]
	if code != http.StatusSeeOther || h.Get("Location") != renewal.CheckoutLink || renewal.ID == first.ID ||
		renewal.Metadata["samizdatSubscription"] != ref || renewal.Amount != "10.00" {
		t.Fatalf("renewal link: %d to %q; invoice %+v", code, h.Get("Location"), renewal)
	}
	if code, _, h := a.do(t, http.MethodGet, u.RequestURI(), nil); code != http.StatusSeeOther || h.Get("Location") != renewal.CheckoutLink || len(f.Invoices()) != len(invs) {
		t.Errorf("second click: %d to %q, %d invoices (want the same invoice)", code, h.Get("Location"), len(f.Invoices()))
	}
	// A changed link is refused.
	if code, _, _ := a.do(t, http.MethodGet, u.Path[:len(u.Path)-3]+"xyz", nil); code != http.StatusNotFound {
		t.Errorf("tampered link: %d, want 404", code)
	}

	f.SetStatus(renewal.ID, "Settled", "None")
	if code, _ := b.hook(t, f.WebhookBody("InvoiceSettled", renewal.ID), btcpaySecret); code != http.StatusOK {
		t.Fatalf("renewal payment: %d", code)
	}
	gift, _ = a.srv.Store.RecurringRenewal(ctx, btcpay.Name, ref)
	if gift.Subscription.Status != revenue.StatusActive || !gift.Due.Equal(due.AddDate(0, 1, 0)) {
		t.Fatalf("after paying the period: %+v, want the next due %v", gift, due.AddDate(0, 1, 0))
	}
	if ledgerCount(t, a.srv.Store) != 2 {
		t.Errorf("%d gifts booked, want 2", ledgerCount(t, a.srv.Store))
	}

	// The next period goes unpaid: past the grace it stops counting, and
	// after a second unpaid period the gift ends.
	next := gift.Due
	a.srv.cryptoRenewals(ctx, next.Add(renewalGrace+time.Hour))
	gift, _ = a.srv.Store.RecurringRenewal(ctx, btcpay.Name, ref)
	if gift.Subscription.Status != revenue.StatusPastDue {
		t.Errorf("one period unpaid: %s, want past_due", gift.Subscription.Status)
	}
	if got := mrr(next.Add(renewalGrace + 2*time.Hour)); got != 0 {
		t.Errorf("MRR with a period unpaid: %d, want 0", got)
	}
	a.srv.cryptoRenewals(ctx, next.AddDate(0, 1, 0).Add(renewalGrace+time.Hour))
	gift, _ = a.srv.Store.RecurringRenewal(ctx, btcpay.Name, ref)
	if gift.Subscription.Status != revenue.StatusCanceled {
		t.Errorf("two periods unpaid: %s, want canceled", gift.Subscription.Status)
	}
	if code, _, _ := a.do(t, http.MethodGet, u.RequestURI(), nil); code != http.StatusGone {
		t.Errorf("renewal link of an ended gift: %d, want 410", code)
	}
}

// deliver sends everything in srv's outbox now.
func deliver(t *testing.T, srv *Server) {
	t.Helper()
	for range 20 {
		s, err := srv.Store.MailStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if s.Pending == 0 {
			return
		}
		if _, err := srv.Mail.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		srv.Mail.Now = func() time.Time { return time.Now().Add(time.Hour) }
	}
	t.Fatal("outbox not empty after 20 runs")
}

// TestStopCryptoGiftFromTheMail: the reminder's second link asks, and the
// reader's confirmation ends the gift; no reminder follows.
func TestStopCryptoGiftFromTheMail(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	f := testpeer.NewBTCPayFake(t)
	n := startCryptoNode(t, filepath.Join(t.TempDir(), "site.db"), f, pit.SMTPURL())
	ctx := context.Background()
	first := n.give(t, f, url.Values{"frequency": {"annual"}, "amount": {"60"}, "currency": {"eur"}, "method": {"btcpay"},
		"email": {"annual@example.org"}})
	f.SetStatus(first.ID, "Settled", "None")
	if code, _ := n.hook(t, f.WebhookBody("InvoiceSettled", first.ID), btcpaySecret); code != http.StatusOK {
		t.Fatalf("first payment: %d", code)
	}
	ref := btcpay.SubscriptionRef(first.Metadata["orderId"].(string))
	gift, _ := n.srv.Store.RecurringRenewal(ctx, btcpay.Name, ref)
	if !gift.Due.Equal(time.Unix(first.CreatedTime, 0).UTC().AddDate(1, 0, 0)) {
		t.Fatalf("annual gift due %v", gift.Due)
	}
	n.srv.cryptoRenewals(ctx, gift.Due.Add(time.Minute))
	deliver(t, n.srv)
	msgs := pit.MessagesTo(t, "annual@example.org")
	if len(msgs) != 1 {
		t.Fatalf("%d reminders", len(msgs))
	}
	var stop string
	for _, l := range renewLink.FindAllString(pit.Message(t, msgs[0].ID).Text, -1) {
		stop = l
	}
	u, _ := url.Parse(stop)
	if !strings.HasSuffix(u.Path, "/stop") {
		t.Fatalf("no stop link in the reminder: %s", stop)
	}
	code, page, _ := n.do(t, http.MethodGet, u.RequestURI(), nil)
	if code != http.StatusOK || !strings.Contains(page, `method="post"`) {
		t.Fatalf("stop link: %d\n%s", code, page)
	}
	if g, _ := n.srv.Store.RecurringRenewal(ctx, btcpay.Name, ref); g.Subscription.Status == revenue.StatusCanceled {
		t.Fatal("opening the link stopped the gift (mail scanners open links)")
	}
	code, page, _ = n.do(t, http.MethodPost, u.RequestURI(), url.Values{})
	if code != http.StatusOK || !strings.Contains(page, "Your recurring gift has stopped") {
		t.Fatalf("confirming: %d\n%s", code, page)
	}
	if g, _ := n.srv.Store.RecurringRenewal(ctx, btcpay.Name, ref); g.Subscription.Status != revenue.StatusCanceled {
		t.Errorf("after stopping: %s", g.Subscription.Status)
	}
	pit.DeleteAll(t)
	n.srv.cryptoRenewals(ctx, gift.Due.AddDate(1, 0, 0).Add(time.Minute))
	deliver(t, n.srv)
	if got := pit.MessagesTo(t, "annual@example.org"); len(got) != 0 {
		t.Errorf("%d reminders after the gift was stopped", len(got))
	}
}
