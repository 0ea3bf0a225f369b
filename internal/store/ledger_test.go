package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// TestLedger runs the ledger's guarantees on both engines.
func TestLedger(t *testing.T) {
	for _, eng := range []struct {
		name  string
		open  func(t *testing.T) *store.Store
		nodes func(t *testing.T, n int) []*store.Store
	}{{"sqlite", openSQLite, sqliteNodes}, {"postgres", openPostgres, postgresNodes}} {
		t.Run(eng.name, func(t *testing.T) {
			t.Run("exactly once and out of order", func(t *testing.T) { testLedgerEvents(t, eng.open(t)) })
			t.Run("bank pledges", func(t *testing.T) { testPledges(t, eng.open(t)) })
			t.Run("supporter tokens", func(t *testing.T) { testSupporterTokens(t, eng.open(t)) })
			t.Run("cumulative figures across nodes", func(t *testing.T) { testCumulativeAcrossNodes(t, eng.nodes(t, 4)) })
		})
	}
}

// sqliteNodes opens n stores on one new SQLite file, each with its own
// connections, as n processes sharing the file would.
func sqliteNodes(t *testing.T, n int) []*store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "samizdat.db")
	copyTemplate(t, path)
	return openNodes(t, path, n)
}

// postgresNodes opens n stores, each with its own pool, on one new
// PostgreSQL database: n server nodes.
func postgresNodes(t *testing.T, n int) []*store.Store {
	t.Helper()
	return openNodes(t, pgDatabase(t), n)
}

func openNodes(t *testing.T, dsn string, n int) []*store.Store {
	t.Helper()
	nodes := make([]*store.Store, n)
	for i := range nodes {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("node %d: store.Open: %v", i, err)
		}
		t.Cleanup(func() {
			if err := st.Close(); err != nil {
				t.Errorf("node %d: Close: %v", i, err)
			}
		})
		nodes[i] = st
	}
	return nodes
}

// testCumulativeAcrossNodes delivers, at the same moment, one cumulative
// refund event per node for each payment (each node a different total, the
// largest at a different node each time), and the same dispute to every
// node under its own event id. The ledger must hold exactly the largest
// total refunded and the dispute once, whatever the interleaving: two
// nodes that both read "nothing refunded yet" and both book their
// difference would over-refund.
func testCumulativeAcrossNodes(t *testing.T, nodes []*store.Store) {
	ctx := context.Background()
	const payments = 50
	totals := []int64{100, 250, 400, 500} // one per node; 500 is final
	if len(totals) != len(nodes) {
		t.Fatalf("%d totals for %d nodes", len(totals), len(nodes))
	}
	const gift, dispute = 2000, 700
	at := month.Add(time.Hour)
	for _, st := range nodes {
		st.SetClock(func() time.Time { return month.AddDate(0, 0, 1) })
	}
	pi := func(p int) string { return fmt.Sprintf("pi_%03d", p) }
	for p := range payments {
		ev := revenue.Event{Provider: "stripe", ID: fmt.Sprintf("evt_gift_%d", p), Type: "checkout.session.completed",
			Kind: revenue.EventCheckoutCompleted, At: at,
			Payment: &revenue.Payment{Ref: pi(p), ChargeRef: pi(p), Amount: gift, Currency: "eur", Frequency: revenue.OneTime}}
		if _, err := nodes[p%len(nodes)].ApplyEvent(ctx, ev, []byte("sealed"), nil); err != nil {
			t.Fatalf("gift %d: %v", p, err)
		}
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	deliver := func(st *store.Store, ev revenue.Event) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := st.ApplyEvent(ctx, ev, []byte("sealed"), nil); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", ev.ID, err))
				mu.Unlock()
			}
		}()
	}
	for p := range payments {
		for i, st := range nodes {
			deliver(st, revenue.Event{Provider: "stripe", ID: fmt.Sprintf("evt_ref_%d_%d", p, i), Type: "charge.refunded",
				Kind: revenue.EventRefunded, At: at.Add(time.Duration(i+1) * time.Minute),
				Payment: &revenue.Payment{Ref: "ch_" + pi(p), ChargeRef: pi(p), Amount: totals[(p+i)%len(totals)], Currency: "eur"}})
			deliver(st, revenue.Event{Provider: "stripe", ID: fmt.Sprintf("evt_dp_%d_%d", p, i), Type: "charge.dispute.created",
				Kind: revenue.EventDisputed, At: at.Add(time.Hour),
				Payment: &revenue.Payment{Ref: fmt.Sprintf("du_%03d", p), ChargeRef: pi(p), Amount: dispute, Currency: "eur"}})
		}
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Errorf("ApplyEvent: %v", err)
	}

	entries, err := nodes[0].Entries(ctx, store.LedgerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	refunded, disputed, gifts := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, e := range entries {
		switch e.Kind {
		case revenue.Refund:
			refunded[e.PaymentRef] -= e.Amount
		case revenue.Dispute:
			disputed[e.PaymentRef] -= e.Amount
		case revenue.Gift:
			gifts[e.PaymentRef] += e.Amount
		}
	}
	wrongRefunds, wrongDisputes := 0, 0
	for p := range payments {
		if got, want := refunded[pi(p)], totals[len(totals)-1]; got != want {
			wrongRefunds++
			if wrongRefunds <= 5 {
				t.Errorf("%s: refunded %d, want %d (the largest cumulative total)", pi(p), got, want)
			}
		}
		if got := disputed[pi(p)]; got != dispute {
			wrongDisputes++
			if wrongDisputes <= 5 {
				t.Errorf("%s: disputed %d, want %d", pi(p), got, dispute)
			}
		}
		if got := gifts[pi(p)]; got != gift {
			t.Errorf("%s: gift %d, want %d", pi(p), got, gift)
		}
	}
	if wrongRefunds+wrongDisputes > 0 {
		t.Errorf("%d of %d payments refunded wrong, %d disputed wrong, across %d nodes", wrongRefunds, payments, wrongDisputes, len(nodes))
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
