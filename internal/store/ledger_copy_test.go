package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// fillLedgerTables puts a row in each reader-revenue table of the copy
// test's site.
func fillLedgerTables(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	key := &store.SupporterKey{Lookup: []byte("copy-lookup"), Sealed: []byte("copy-sealed")}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.CreateCheckout(ctx, revenue.Checkout{ID: "co-copy", Provider: "stripe", Frequency: revenue.Monthly, Amount: 500,
		Currency: "eur", Attribution: revenue.Attribution{Campaign: 1, Prompt: 2, Variant: 3}}, key))
	_, err := st.ApplyEvent(ctx, revenue.Event{Provider: "stripe", ID: "evt_copy", Type: "invoice.paid", Kind: revenue.EventPaymentSucceeded,
		At: copyNow, CheckoutID: "co-copy",
		Payment:      &revenue.Payment{Ref: "in_copy", Amount: 500, Currency: "eur", SubscriptionRef: "sub_copy"},
		Subscription: &revenue.Subscription{Ref: "sub_copy", CustomerRef: "cus_copy", Status: revenue.StatusActive, Amount: 500, Currency: "eur"},
	}, []byte("sealed payload"), key)
	must(err)
	id, err := st.AddSupporter(ctx, *key)
	must(err)
	must(st.CreateSupporterToken(ctx, id, "copy-token-hash", copyNow.Add(15*time.Minute)))
	must(st.CreateSupporterSession(ctx, "copy-session-hash", id, copyNow.Add(30*24*time.Hour)))
	_, err = st.CreatePledge(ctx, revenue.Pledge{Reference: "SZ-COPY-TEST", Frequency: revenue.OneTime, Amount: 1000, Currency: "eur",
		ExpiresAt: copyNow.Add(time.Hour)}, key)
	must(err)
	_, err = st.ClaimRenewalNotice(ctx, "btcpay", "crypto_copy", copyNow, mail.Message{To: "reader@example.org", Subject: "Due",
		Text: "Pay", Kind: "renewal"})
	must(err)
	must(st.ProviderCheck(ctx, "btcpay", copyNow, ""))
}
