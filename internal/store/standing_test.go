package store_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
)

// TestStandingOrders runs the bank standing order's rules on both engines:
// a monthly or annual pledge stays recurring through the ledger and MRR,
// each later transfer books its own period, and marking a transfer is
// booked once however many staff on however many nodes mark it at once.
func TestStandingOrders(t *testing.T) {
	for _, eng := range []struct {
		name  string
		nodes func(t *testing.T, n int) []*store.Store
	}{{"sqlite", sqliteNodes}, {"postgres", postgresNodes}} {
		t.Run(eng.name, func(t *testing.T) {
			for _, tc := range []struct {
				freq    revenue.Frequency
				amount  int64
				mrr     int64 // the gift per month
				next    func(time.Time) time.Time
				oneTime bool
			}{
				{freq: revenue.Monthly, amount: 1000, mrr: 1000, next: func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
				{freq: revenue.Annual, amount: 12000, mrr: 1000, next: func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
				{freq: revenue.OneTime, amount: 1500, oneTime: true},
			} {
				t.Run(string(tc.freq), func(t *testing.T) {
					testStandingOrder(t, eng.nodes(t, 4), tc.freq, tc.amount, tc.mrr, tc.next, tc.oneTime)
				})
			}
		})
	}
}

// markAll marks the transfer on every node at once and returns how many
// booked it.
func markAll(t *testing.T, nodes []*store.Store, m store.TransferMark) (int, store.ReceivedTransfer) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	booked := 0
	var got store.ReceivedTransfer
	start := make(chan struct{})
	for _, st := range nodes {
		for range 2 { // two staff per node
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, ok, err := st.ReceiveTransfer(context.Background(), m)
				if err != nil {
					t.Errorf("ReceiveTransfer: %v", err)
				}
				if ok {
					mu.Lock()
					booked++
					got = r
					mu.Unlock()
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	return booked, got
}

func testStandingOrder(t *testing.T, nodes []*store.Store, freq revenue.Frequency, amount, mrr int64, next func(time.Time) time.Time, oneTime bool) {
	ctx := context.Background()
	keys, _ := secret.NewKeys(bytes.Repeat([]byte{3}, 32))
	box := secret.NewBox(keys)
	now := month.Add(5 * 24 * time.Hour)
	var clock sync.Mutex
	for _, st := range nodes {
		st.SetSealer(box)
		st.SetClock(func() time.Time { clock.Lock(); defer clock.Unlock(); return now })
	}
	set := func(t time.Time) { clock.Lock(); now = t; clock.Unlock() }
	st := nodes[0]
	const ref = "SZ-ACDE-FGHJ"
	id, err := st.CreatePledge(ctx, revenue.Pledge{Reference: ref, Frequency: freq, Amount: amount, Currency: "eur",
		Attribution: revenue.Attribution{Variant: 9}, ExpiresAt: now.Add(14 * 24 * time.Hour), Receipt: true, Lang: "ru"},
		&store.SupporterKey{Lookup: box.Lookup("donor@example.org"), Sealed: box.Seal("donor@example.org")})
	if err != nil {
		t.Fatal(err)
	}
	receipt := func(r store.ReceivedTransfer) (mail.Message, error) {
		if r.To != "donor@example.org" || r.Lang != "ru" {
			t.Errorf("receipt for %q in %q, want the donor's address and language", r.To, r.Lang)
		}
		return mail.Message{To: r.To, Subject: "Receipt " + r.Entry.Ref, Text: "Thank you.", Kind: "receipt"}, nil
	}

	// The first transfer: every node's staff mark it at once.
	first := now
	n, r := markAll(t, nodes, store.TransferMark{PledgeID: id, Receipt: receipt})
	if n != 1 {
		t.Fatalf("first transfer booked %d times, want once", n)
	}
	if r.Entry.Ref != ref || r.Entry.Frequency != freq || r.Entry.Amount != amount {
		t.Errorf("booked %+v, want %s %s %d", r.Entry, ref, freq, amount)
	}
	if got, _ := st.MailStats(ctx); got.Pending != 1 {
		t.Errorf("outbox holds %d mails after the first transfer, want one receipt", got.Pending)
	}
	funding, _ := st.Funding(ctx, month, "eur")
	if oneTime {
		if funding != amount {
			t.Errorf("Funding = %d, want the one-time gift %d", funding, amount)
		}
		if _, err := st.RecurringGift(ctx, "bank", ref); err != store.ErrNotFound {
			t.Errorf("a one-time pledge became a recurring gift: %v", err)
		}
		if _, ok, _ := st.ReceiveTransfer(ctx, store.TransferMark{PledgeID: id, Due: next0(first)}); ok {
			t.Error("a one-time pledge booked a second transfer")
		}
		return
	}
	if funding != mrr {
		t.Errorf("Funding = %d, want the recurring %d a month (not a one-time gift)", funding, mrr)
	}
	sub, err := st.RecurringGift(ctx, "bank", ref)
	if err != nil || sub.Status != revenue.StatusActive || sub.Frequency != freq || !sub.NextRenewal.Equal(next(first)) {
		t.Fatalf("standing order = %+v, %v; want active, next due %v", sub, err, next(first))
	}
	rep, err := st.MonthlyReport(ctx, month, month.AddDate(0, 1, 0))
	if err != nil || len(rep) != 1 || rep[0].MRR != mrr || rep[0].New != 1 || rep[0].Received != amount {
		t.Errorf("March report = %+v, %v; want MRR %d, one new supporter", rep, err, mrr)
	}
	orders, err := st.StandingOrders(ctx, 10)
	if err != nil || len(orders) != 1 || orders[0].PledgeID != id || orders[0].Ref != ref {
		t.Errorf("StandingOrders = %+v, %v", orders, err)
	}

	// A second click on the first mark books nothing.
	if _, ok, _ := st.ReceiveTransfer(ctx, store.TransferMark{PledgeID: id, Receipt: receipt}); ok {
		t.Error("the first transfer was booked twice")
	}

	// The next period's transfer, marked by everyone at once, early.
	due := next(first)
	set(due.Add(-2 * 24 * time.Hour))
	n, r = markAll(t, nodes, store.TransferMark{PledgeID: id, Due: due, Receipt: receipt})
	if n != 1 {
		t.Fatalf("second transfer booked %d times, want once", n)
	}
	if want := ref + "/" + due.Format("2006-01-02"); r.Entry.Ref != want || !r.Period.Equal(due) || !r.NextDue.Equal(next(due)) {
		t.Errorf("second transfer = %+v period %v next %v; want %s", r.Entry, r.Period, r.NextDue, want)
	}
	// The same period again (a double click, a second tab) books nothing.
	if _, ok, _ := st.ReceiveTransfer(ctx, store.TransferMark{PledgeID: id, Due: due, Receipt: receipt}); ok {
		t.Error("the same period was booked twice")
	}
	entries, _ := st.Entries(ctx, store.LedgerQuery{})
	if len(entries) != 2 {
		t.Fatalf("ledger = %+v, want two gifts", entries)
	}
	for _, e := range entries {
		if e.SupporterID == 0 || e.SupporterID != entries[0].SupporterID || e.Frequency != freq || e.SubscriptionRef != ref {
			t.Errorf("entry %+v: want one supporter, the pledge's frequency, the standing order", e)
		}
	}
	if got, _ := st.MailStats(ctx); got.Pending != 2 {
		t.Errorf("outbox holds %d mails, want two receipts", got.Pending)
	}

	// Unpaid: the lapse rule of recurring gifts paid by hand applies.
	due = next(due)
	set(due.Add(15 * 24 * time.Hour))
	if lapsed, _, err := st.LapseRecurring(ctx, "bank", now, 14*24*time.Hour); err != nil || lapsed != 1 {
		t.Errorf("LapseRecurring = %d, %v; want one lapsed", lapsed, err)
	}
	if sub, _ := st.RecurringGift(ctx, "bank", ref); sub.Status != revenue.StatusPastDue || !sub.EndedAt.Equal(due) {
		t.Errorf("unpaid standing order = %+v, want past_due, ended at %v", sub, due)
	}
	if f, _ := st.Funding(ctx, now, "eur"); f != 0 {
		t.Errorf("Funding of a lapsed standing order = %d, want 0", f)
	}
	// The late transfer makes it current again.
	if _, ok, err := st.ReceiveTransfer(ctx, store.TransferMark{PledgeID: id, Due: due}); !ok || err != nil {
		t.Fatalf("late transfer: %v, %v", ok, err)
	}
	if sub, _ := st.RecurringGift(ctx, "bank", ref); sub.Status != revenue.StatusActive || !sub.EndedAt.IsZero() || !sub.NextRenewal.Equal(next(due)) {
		t.Errorf("after the late transfer = %+v", sub)
	}
	if f, _ := st.Funding(ctx, now, "eur"); f != mrr {
		t.Errorf("Funding after the late transfer = %d, want %d", f, mrr)
	}
}

// next0 is some later period start, for a pledge that has none.
func next0(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
