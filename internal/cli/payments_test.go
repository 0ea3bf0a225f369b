package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

const paymentsKey = "0303030303030303030303030303030303030303030303030303030303030303"

func TestPaymentsReconcileUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "site.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"payments"}, "reconcile"},
		{[]string{"payments", "reconcile", "--db", db}, "--provider"},
		{[]string{"payments", "reconcile", "--db", db, "--provider", "paypal"}, "want stripe or btcpay"},
		{[]string{"payments", "reconcile", "--db", db, "--provider", "btcpay", "--since", "yesterday"}, "--since"},
		{[]string{"payments", "reconcile", "--db", db, "--data-key", paymentsKey, "--provider", "btcpay"}, "--btcpay-url"},
		{[]string{"payments", "reconcile", "--db", db, "--data-key", paymentsKey, "--provider", "stripe"}, "--stripe-secret-key"},
	} {
		_, _, err := run(t, "", tc.args...)
		if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v (exit %d), want a usage error naming %s", tc.args, err, ExitCode(err), tc.want)
		}
	}
}

// TestPaymentsReconcileBooksOnce: a settlement whose webhook never came
// is listed and booked; the second run books nothing.
func TestPaymentsReconcileBooksOnce(t *testing.T) {
	f := testpeer.NewBTCPayFake(t)
	db := filepath.Join(t.TempDir(), "site.db")
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCheckout(ctx, revenue.Checkout{ID: "co-lost-webhook", Provider: "btcpay", Frequency: revenue.OneTime,
		Amount: 2000, Currency: "eur"}, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	id := f.AddInvoice(testpeer.FakeInvoice{Amount: "20.00", Currency: "EUR", Status: "Settled",
		Metadata: map[string]any{"orderId": "co-lost-webhook"}, CreatedTime: time.Now().Add(-48 * time.Hour).Unix()})
	args := []string{"payments", "reconcile", "--provider", "btcpay", "--db", db, "--data-key", paymentsKey,
		"--btcpay-url", f.URL, "--btcpay-store-id", f.StoreID, "--btcpay-api-key", f.APIKey, "--btcpay-webhook-secret", "s",
		"--since", time.Now().AddDate(0, 0, -3).Format("2006-01-02")}
	out, errOut, err := run(t, "", args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, "1 settled payments, 1 missing from the ledger") || !strings.Contains(out, "missing: "+id) || !strings.Contains(out, "booked 1") {
		t.Errorf("first run:\n%s", out)
	}
	out, _, err = run(t, "", args...)
	if err != nil || !strings.Contains(out, "0 missing") || !strings.Contains(out, "booked 0") {
		t.Errorf("second run (%v):\n%s", err, out)
	}
	st, _ = store.Open(ctx, db)
	defer st.Close()
	if _, n, _ := st.LedgerTotals(ctx); n != 1 {
		t.Errorf("%d ledger entries, want 1", n)
	}
}
