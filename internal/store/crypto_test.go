package store_test

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
)

// TestRecurringByHand runs, on both engines, the store's side of gifts
// that are paid by hand each period (crypto): checkouts that must be
// ours, closing, one reminder per period across nodes, the lapse rule,
// and the providers' status.
func TestRecurringByHand(t *testing.T) {
	for _, eng := range []struct {
		name  string
		open  func(t *testing.T) *store.Store
		nodes func(t *testing.T, n int) []*store.Store
	}{{"sqlite", openSQLite, sqliteNodes}, {"postgres", openPostgres, postgresNodes}} {
		t.Run(eng.name, func(t *testing.T) {
			t.Run("checkouts", func(t *testing.T) { testCryptoCheckouts(t, eng.open(t)) })
			t.Run("periods", func(t *testing.T) { testCryptoPeriods(t, eng.open(t)) })
			t.Run("one reminder across nodes", func(t *testing.T) { testOneReminder(t, eng.nodes(t, 4)) })
			t.Run("provider status", func(t *testing.T) { testProviderStatus(t, eng.open(t)) })
		})
	}
}

var cryptoT0 = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)

func settledEvent(id, checkout, invoice string, amount int64, sub *revenue.Subscription) revenue.Event {
	ev := revenue.Event{Provider: "btcpay", ID: id, Type: "InvoiceSettled", Kind: revenue.EventPaymentSucceeded, At: cryptoT0,
		CheckoutID: checkout, RequireCheckout: true,
		Payment: &revenue.Payment{Ref: invoice, ChargeRef: invoice, Amount: amount, Currency: "eur", Frequency: revenue.OneTime}}
	if sub != nil {
		ev.Payment.Frequency, ev.Payment.SubscriptionRef, ev.Subscription = sub.Frequency, sub.Ref, sub
	}
	return ev
}

func testCryptoCheckouts(t *testing.T, st *store.Store) {
	ctx := context.Background()
	if err := st.CreateCheckout(ctx, revenue.Checkout{ID: "co-1", Provider: "btcpay", Frequency: revenue.OneTime, Amount: 500, Currency: "eur"}, nil); err != nil {
		t.Fatal(err)
	}
	// A settlement naming no checkout of ours is kept, books nothing.
	if ok, err := st.ApplyEvent(ctx, settledEvent("d-foreign", "not-ours", "inv-x", 9000, nil), []byte("sealed"), nil); err != nil || !ok {
		t.Fatalf("foreign settlement: %v %v", ok, err)
	}
	// A stripe checkout's id is not a btcpay checkout.
	if err := st.CreateCheckout(ctx, revenue.Checkout{ID: "co-stripe", Provider: "stripe", Frequency: revenue.OneTime, Amount: 500, Currency: "eur"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyEvent(ctx, settledEvent("d-cross", "co-stripe", "inv-y", 9000, nil), []byte("sealed"), nil); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := st.LedgerTotals(ctx); n != 0 {
		t.Fatalf("%d entries booked from settlements of no btcpay checkout", n)
	}
	// Expired, then paid late: paid; a late expiry does not reopen it.
	for _, ev := range []revenue.Event{
		{Provider: "btcpay", ID: "d-exp", Type: "InvoiceExpired", Kind: revenue.EventCheckoutClosed, Closed: "expired", CheckoutID: "co-1", At: cryptoT0},
		settledEvent("d-paid", "co-1", "inv-1", 500, nil),
		{Provider: "btcpay", ID: "d-exp2", Type: "InvoiceInvalid", Kind: revenue.EventCheckoutClosed, Closed: "invalid", CheckoutID: "co-1", At: cryptoT0},
	} {
		if _, err := st.ApplyEvent(ctx, ev, []byte("sealed"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if s, err := st.CheckoutStatus(ctx, "co-1"); err != nil || s != "paid" {
		t.Errorf("checkout %q %v, want paid", s, err)
	}
	missing, err := st.MissingPayments(ctx, "btcpay", []string{"inv-1", "inv-2"})
	if err != nil || len(missing) != 1 || missing[0] != "inv-2" {
		t.Errorf("missing %v %v, want [inv-2]", missing, err)
	}
}

func testCryptoPeriods(t *testing.T, st *store.Store) {
	ctx := context.Background()
	key := &store.SupporterKey{Lookup: []byte("lk-monthly"), Sealed: []byte("sealed-address")}
	if err := st.CreateCheckout(ctx, revenue.Checkout{ID: "co-m", Provider: "btcpay", Frequency: revenue.Monthly, Amount: 1000,
		Currency: "eur", Lang: "ru"}, key); err != nil {
		t.Fatal(err)
	}
	due := cryptoT0.AddDate(0, 1, 0)
	sub := &revenue.Subscription{Ref: "crypto_co-m", Status: revenue.StatusActive, Frequency: revenue.Monthly, Amount: 1000, Currency: "eur", NextRenewal: due}
	if _, err := st.ApplyEvent(ctx, settledEvent("d-m1", "co-m", "inv-m1", 1000, sub), []byte("sealed"), nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.DueRenewals(ctx, "btcpay", due.Add(-time.Minute)); len(got) != 0 {
		t.Errorf("due before the period: %+v", got)
	}
	got, err := st.DueRenewals(ctx, "btcpay", due)
	if err != nil || len(got) != 1 || got[0].Subscription.Ref != "crypto_co-m" || !got[0].Due.Equal(due) || got[0].Lang != "ru" ||
		string(got[0].EmailSealed) != "sealed-address" || got[0].SupporterID == 0 {
		t.Fatalf("due renewals %+v %v", got, err)
	}
	// The reader opens the period's invoice.
	renewal := revenue.Checkout{ID: "co-m2", Provider: "btcpay", Frequency: revenue.Monthly, Amount: 1000, Currency: "eur",
		SupporterID: got[0].SupporterID, Renewal: &revenue.Renewal{SubscriptionRef: "crypto_co-m", Due: due}}
	if err := st.CreateCheckout(ctx, renewal, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.SetCheckoutRef(ctx, "co-m2", "inv-m2"); err != nil {
		t.Fatal(err)
	}
	if id, ref, err := st.RenewalCheckout(ctx, "btcpay", "crypto_co-m", due); err != nil || id != "co-m2" || ref != "inv-m2" {
		t.Errorf("renewal checkout %q %q %v", id, ref, err)
	}
	// Unpaid past the grace: no longer counted; a payment brings it back.
	grace := 7 * 24 * time.Hour
	if l, e, err := st.LapseRecurring(ctx, "btcpay", due.Add(grace-time.Minute), grace); err != nil || l+e != 0 {
		t.Errorf("within the grace: lapsed %d ended %d %v", l, e, err)
	}
	if l, e, err := st.LapseRecurring(ctx, "btcpay", due.Add(grace+time.Minute), grace); err != nil || l != 1 || e != 0 {
		t.Errorf("past the grace: lapsed %d ended %d %v", l, e, err)
	}
	later := due.AddDate(0, 1, 0)
	if v, _ := st.Funding(ctx, later, "eur"); v != 0 {
		t.Errorf("a lapsed gift counts %d toward the goal", v)
	}
	paid := settledEvent("d-m2", "co-m2", "inv-m2", 1000, &revenue.Subscription{Ref: "crypto_co-m", Status: revenue.StatusActive,
		Frequency: revenue.Monthly, Amount: 1000, Currency: "eur", NextRenewal: later})
	paid.At = due.Add(grace + time.Hour)
	if _, err := st.ApplyEvent(ctx, paid, []byte("sealed"), nil); err != nil {
		t.Fatal(err)
	}
	r, err := st.RecurringRenewal(ctx, "btcpay", "crypto_co-m")
	if err != nil || r.Subscription.Status != revenue.StatusActive || !r.Due.Equal(later) {
		t.Fatalf("after paying late: %+v %v", r, err)
	}
	if v, _ := st.Funding(ctx, later, "eur"); v != 1000 {
		t.Errorf("a paid-up gift counts %d, want 1000", v)
	}
	// Two unpaid periods end it.
	if _, e, err := st.LapseRecurring(ctx, "btcpay", later.AddDate(0, 1, 0).Add(grace+time.Minute), grace); err != nil || e != 1 {
		t.Errorf("two periods unpaid: ended %d %v", e, err)
	}
	if r, _ := st.RecurringRenewal(ctx, "btcpay", "crypto_co-m"); r.Subscription.Status != revenue.StatusCanceled {
		t.Errorf("status %s, want canceled", r.Subscription.Status)
	}
	if got, _ := st.DueRenewals(ctx, "btcpay", later.AddDate(1, 0, 0)); len(got) != 0 {
		t.Errorf("an ended gift is still due: %+v", got)
	}
}

func testOneReminder(t *testing.T, nodes []*store.Store) {
	ctx := context.Background()
	keys, err := secret.NewKeys(bytes.Repeat([]byte{5}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range nodes {
		st.SetSealer(secret.NewBox(keys))
	}
	var queued atomic.Int32
	var wg sync.WaitGroup
	for _, st := range nodes {
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := st.ClaimRenewalNotice(ctx, "btcpay", "crypto_x", cryptoT0, mail.Message{To: "r@example.org", Subject: "Due", Text: "Pay", Kind: "renewal"})
				if err != nil {
					t.Error(err)
				}
				if ok {
					queued.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	s, err := nodes[0].MailStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if queued.Load() != 1 || s.Pending != 1 {
		t.Errorf("%d claims won, %d mails queued; want 1 and 1", queued.Load(), s.Pending)
	}
	// The next period is a new reminder.
	if ok, err := nodes[1].ClaimRenewalNotice(ctx, "btcpay", "crypto_x", cryptoT0.AddDate(0, 1, 0), mail.Message{To: "r@example.org", Subject: "Due", Text: "Pay", Kind: "renewal"}); err != nil || !ok {
		t.Errorf("next period: %v %v", ok, err)
	}
}

func testProviderStatus(t *testing.T, st *store.Store) {
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.ProviderCheck(ctx, "btcpay", cryptoT0, ""))
	must(st.ProviderCheck(ctx, "btcpay", cryptoT0.Add(time.Minute), "BTCPay cannot be reached"))
	// A node whose check is older does not overwrite a newer one.
	must(st.ProviderCheck(ctx, "btcpay", cryptoT0.Add(30*time.Second), ""))
	must(st.ProviderEvent(ctx, "btcpay", "webhook", cryptoT0.Add(2*time.Minute)))
	must(st.ProviderEvent(ctx, "btcpay", "webhook", cryptoT0.Add(time.Minute)))
	must(st.ProviderEvent(ctx, "btcpay", "reconcile", cryptoT0.Add(3*time.Minute)))
	if _, err := st.ApplyEvent(ctx, settledEvent("d-review", "nobody", "inv-r", 100, nil), []byte("sealed"), nil); err != nil {
		t.Fatal(err)
	}
	ps, err := st.ProviderStatuses(ctx)
	must(err)
	must(st.ProviderWebhooks(ctx, ps))
	if len(ps) != 1 {
		t.Fatalf("statuses %+v", ps)
	}
	p := ps[0]
	if p.Healthy || p.Problem != "BTCPay cannot be reached" || !p.LastOK.Equal(cryptoT0) || !p.CheckedAt.Equal(cryptoT0.Add(time.Minute)) ||
		!p.LastWebhook.Equal(cryptoT0.Add(2*time.Minute)) || !p.LastReconcile.Equal(cryptoT0.Add(3*time.Minute)) ||
		p.ReviewWebhooks != 1 || p.WebhooksStored != 1 {
		t.Errorf("status %+v", p)
	}
}
