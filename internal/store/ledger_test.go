package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// TestLedger runs the ledger's guarantees on both engines.
func TestLedger(t *testing.T) {
	for _, eng := range []struct {
		name string
		open func(t *testing.T) *store.Store
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(eng.name, func(t *testing.T) {
			t.Run("exactly once and out of order", func(t *testing.T) { testLedgerEvents(t, eng.open(t)) })
			t.Run("bank pledges", func(t *testing.T) { testPledges(t, eng.open(t)) })
			t.Run("supporter tokens", func(t *testing.T) { testSupporterTokens(t, eng.open(t)) })
		})
	}
}

var month = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func testLedgerEvents(t *testing.T, st *store.Store) {
	ctx := context.Background()
	st.SetClock(func() time.Time { return month.AddDate(0, 1, 5) })
	attr := revenue.Attribution{Campaign: 3, Prompt: 4, Variant: 5}
	if err := st.CreateCheckout(ctx, revenue.Checkout{ID: "co1", Provider: "stripe", Frequency: revenue.Monthly,
		Amount: 500, Currency: "eur", Attribution: attr}, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCheckout(ctx, revenue.Checkout{ID: "co2", Provider: "stripe", Frequency: revenue.OneTime,
		Amount: 2000, Currency: "eur"}, nil); err != nil {
		t.Fatal(err)
	}
	at := month.Add(48 * time.Hour)
	key := &store.SupporterKey{Lookup: []byte("lookup-1"), Sealed: []byte("sealed")}
	// invoice.paid arrives before checkout.session.completed.
	events := []revenue.Event{
		{ID: "evt_inv", Kind: revenue.EventPaymentSucceeded, At: at.Add(time.Second), CheckoutID: "co1",
			Payment:      &revenue.Payment{Ref: "in_1", Amount: 500, Currency: "eur", SubscriptionRef: "sub_1"},
			Subscription: &revenue.Subscription{Ref: "sub_1", Status: revenue.StatusActive, Amount: 500, Currency: "eur", NextRenewal: at.AddDate(0, 1, 0)}},
		{ID: "evt_co", Kind: revenue.EventCheckoutCompleted, At: at, CheckoutID: "co1", CustomerRef: "cus_1",
			Subscription: &revenue.Subscription{Ref: "sub_1", CustomerRef: "cus_1", Currency: "eur"}},
		{ID: "evt_once", Kind: revenue.EventCheckoutCompleted, At: at, CheckoutID: "co2",
			Payment: &revenue.Payment{Ref: "pi_2", ChargeRef: "pi_2", Amount: 2000, Currency: "eur", Frequency: revenue.OneTime}},
		// The same payment reported again by a second event type.
		{ID: "evt_async", Kind: revenue.EventPaymentSucceeded, At: at, CheckoutID: "co2",
			Payment: &revenue.Payment{Ref: "pi_2", ChargeRef: "pi_2", Amount: 2000, Currency: "eur", Frequency: revenue.OneTime}},
		{ID: "evt_ref1", Kind: revenue.EventRefunded, At: at.Add(time.Hour),
			Payment: &revenue.Payment{Ref: "ch_2", ChargeRef: "pi_2", Amount: 300, Currency: "eur"}},
		{ID: "evt_ref2", Kind: revenue.EventRefunded, At: at.Add(2 * time.Hour),
			Payment: &revenue.Payment{Ref: "ch_2", ChargeRef: "pi_2", Amount: 500, Currency: "eur"}},
		{ID: "evt_unknown", Kind: revenue.EventIgnored, Type: "customer.created", At: at},
	}
	for round := 0; round < 2; round++ {
		for _, ev := range events {
			ev.Provider = "stripe"
			if ev.Type == "" {
				ev.Type = string(ev.Kind)
			}
			k := key
			if ev.ID != "evt_co" {
				k = nil
			}
			applied, err := st.ApplyEvent(ctx, ev, []byte("sealed payload"), k)
			if err != nil {
				t.Fatalf("%s: %v", ev.ID, err)
			}
			if applied != (round == 0) {
				t.Errorf("round %d %s: applied = %v", round, ev.ID, applied)
			}
		}
	}
	totals, n, err := st.LedgerTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"gift eur": 2500, "refund eur": -500}
	if n != 4 || totals["gift eur"] != want["gift eur"] || totals["refund eur"] != want["refund eur"] {
		t.Errorf("totals = %v (%d entries), want %v in 4 entries", totals, n, want)
	}
	if c, _ := st.WebhookCount(ctx, "stripe"); c != len(events) {
		t.Errorf("inbox holds %d events, want %d", c, len(events))
	}
	sub, err := st.RecurringGift(ctx, "stripe", "sub_1")
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != revenue.StatusActive || sub.CustomerRef != "cus_1" || sub.Attribution != attr || sub.Frequency != revenue.Monthly || sub.Amount != 500 {
		t.Errorf("subscription = %+v", sub)
	}
	entries, err := st.Entries(ctx, store.LedgerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Ref == "in_1" && (e.Attribution != attr || e.Frequency != revenue.Monthly) {
			t.Errorf("invoice entry = %+v, want the checkout's attribution and frequency", e)
		}
	}
	// The supporter arrived with the later event; the gift still counts.
	id, err := st.SupporterByLookup(ctx, key.Lookup)
	if err != nil {
		t.Fatal(err)
	}
	subs, _ := st.Subscriptions(ctx, id)
	if len(subs) != 1 {
		t.Errorf("supporter has %d subscriptions, want 1", len(subs))
	}
	// Funding in March: 500 monthly + 2000 one-time - 500 refunded.
	f, err := st.Funding(ctx, month, "eur")
	if err != nil || f != 2000 {
		t.Errorf("Funding = %d, %v; want 2000", f, err)
	}
	conv, err := st.Conversions(ctx, month, month.AddDate(0, 1, 0))
	if err != nil || len(conv) != 1 || conv[0].Variant != 5 || conv[0].Gifts != 1 || conv[0].Amount != 500 {
		t.Errorf("Conversions = %+v, %v", conv, err)
	}
	// A cancellation sent before a late invoice.paid stays the final state.
	for _, ev := range []revenue.Event{
		{ID: "evt_del", Kind: revenue.EventSubscriptionChanged, At: at.Add(10 * 24 * time.Hour),
			Subscription: &revenue.Subscription{Ref: "sub_1", Status: revenue.StatusCanceled, Amount: 500, Currency: "eur", Frequency: revenue.Monthly}},
		{ID: "evt_upd_old", Kind: revenue.EventSubscriptionChanged, At: at.Add(5 * 24 * time.Hour),
			Subscription: &revenue.Subscription{Ref: "sub_1", Status: revenue.StatusActive, Amount: 500, Currency: "eur", Frequency: revenue.Monthly}},
	} {
		ev.Provider, ev.Type = "stripe", "customer.subscription.updated"
		if _, err := st.ApplyEvent(ctx, ev, []byte("p"), nil); err != nil {
			t.Fatal(err)
		}
	}
	sub, _ = st.RecurringGift(ctx, "stripe", "sub_1")
	if sub.Status != revenue.StatusCanceled {
		t.Errorf("status = %q, want canceled", sub.Status)
	}
	rep, err := st.MonthlyReport(ctx, month, month.AddDate(0, 1, 0))
	if err != nil || len(rep) != 1 {
		t.Fatalf("MonthlyReport = %+v, %v", rep, err)
	}
	if r := rep[0]; r.Received != 2500 || r.Refunded != 500 || r.New != 2 || r.Lost != 1 || r.MRR != 0 {
		t.Errorf("March report = %+v", r)
	}
}

func testPledges(t *testing.T, st *store.Store) {
	ctx := context.Background()
	now := month.Add(time.Hour)
	st.SetClock(func() time.Time { return now })
	id, err := st.CreatePledge(ctx, revenue.Pledge{Reference: "SZ-AAAA-CCCC", Frequency: revenue.OneTime, Amount: 1500,
		Currency: "eur", ExpiresAt: now.Add(time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreatePledge(ctx, revenue.Pledge{Reference: "SZ-AAAA-CCCC", Amount: 1, Currency: "eur", ExpiresAt: now}, nil); err != store.ErrConflict {
		t.Errorf("duplicate reference: err = %v, want ErrConflict", err)
	}
	old, err := st.CreatePledge(ctx, revenue.Pledge{Reference: "SZ-EEEE-FFFF", Frequency: revenue.OneTime, Amount: 700,
		Currency: "eur", ExpiresAt: now.Add(time.Minute)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} { // a double click counts once
		ok, err := st.ReceivePledge(ctx, id, 0)
		if err != nil || ok != want {
			t.Errorf("receive #%d = %v, %v; want %v", i+1, ok, err, want)
		}
	}
	now = now.Add(2 * time.Minute)
	if n, err := st.ExpirePledges(ctx); err != nil || n != 1 {
		t.Errorf("ExpirePledges = %d, %v; want 1", n, err)
	}
	if ok, _ := st.ReceivePledge(ctx, old, 0); ok {
		t.Error("an expired pledge was received")
	}
	if f, err := st.Funding(ctx, month, "eur"); err != nil || f != 1500 {
		t.Errorf("Funding = %d, %v; want 1500", f, err)
	}
	open, _ := st.Pledges(ctx, store.PledgeQuery{Status: revenue.PledgeOpen})
	if len(open) != 0 {
		t.Errorf("open pledges = %+v", open)
	}
}

func testSupporterTokens(t *testing.T, st *store.Store) {
	ctx := context.Background()
	now := month
	st.SetClock(func() time.Time { return now })
	id, err := st.AddSupporter(ctx, store.SupporterKey{Lookup: []byte("l"), Sealed: []byte("s")})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := st.AddSupporter(ctx, store.SupporterKey{Lookup: []byte("l"), Sealed: []byte("s")})
	if again != id {
		t.Errorf("same lookup gave supporters %d and %d", id, again)
	}
	st.CreateSupporterToken(ctx, id, "h1", now.Add(15*time.Minute))
	st.CreateSupporterToken(ctx, id, "h2", now.Add(15*time.Minute))
	if got, err := st.UseSupporterToken(ctx, "h1"); err != nil || got != id {
		t.Errorf("first use = %d, %v", got, err)
	}
	if _, err := st.UseSupporterToken(ctx, "h1"); err != store.ErrNotFound {
		t.Errorf("second use: err = %v, want ErrNotFound", err)
	}
	now = now.Add(16 * time.Minute)
	if _, err := st.UseSupporterToken(ctx, "h2"); err != store.ErrNotFound {
		t.Errorf("expired link: err = %v, want ErrNotFound", err)
	}
}
