package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/server"
)

const paymentsUsage = `usage: samizdat payments reconcile --provider stripe|btcpay [--since DATE]

Lists the payments the provider settled that the ledger lacks (a webhook
lost, or the site down when it came) and books them, through the same path
as the webhook: running it again, or the webhook arriving later, books
nothing twice. DATE is YYYY-MM-DD (UTC); the default is 7 days ago. The
provider's flags are those of serve (--stripe-secret-key, --btcpay-url, ...).
`

func paymentsCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "reconcile" {
		fmt.Fprint(stderr, paymentsUsage)
		return usageError{"payments: the only command is reconcile"}
	}
	var cfg config.Config
	fs := newFlags("payments reconcile", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), paymentsUsage)
		fs.PrintDefaults()
	}
	cfg.DataFlags(fs)
	cfg.RevenueFlags(fs)
	fs.StringVar(&cfg.BaseURL, "base-url", "", "public URL of the site, for the links in receipts")
	provider := fs.String("provider", "", "stripe or btcpay")
	sinceFlag := fs.String("since", "", "first day to look at, YYYY-MM-DD (default: 7 days ago)")
	if err := config.Parse(fs, &cfg, args[1:], getenv); err != nil {
		return usageErr(err)
	}
	if *provider != "stripe" && *provider != "btcpay" {
		return usageError{fmt.Sprintf("payments reconcile: --provider %q: want stripe or btcpay", *provider)}
	}
	since := time.Now().UTC().AddDate(0, 0, -7)
	if *sinceFlag != "" {
		t, err := time.Parse("2006-01-02", *sinceFlag)
		if err != nil {
			return usageError{fmt.Sprintf("payments reconcile: --since %q: want a date such as 2026-11-30", *sinceFlag)}
		}
		since = t
	}
	cfg.CacheMB = 0
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	if srv.Provider(*provider) == nil {
		flag := "--stripe-secret-key"
		if *provider == "btcpay" {
			flag = "--btcpay-url, --btcpay-store-id, --btcpay-api-key and --btcpay-webhook-secret"
		}
		return usageError{fmt.Sprintf("payments reconcile: %s is not configured: give %s (or their SAMIZDAT_ variables)", *provider, flag)}
	}
	res, err := srv.Reconcile(ctx, *provider, since, time.Time{})
	if err != nil {
		return fmt.Errorf("payments reconcile: %w", err)
	}
	fmt.Fprintf(stdout, "%s since %s: %d settled payments, %d missing from the ledger\n", *provider, since.Format("2006-01-02"), res.Settled, len(res.Missing))
	for _, ref := range res.Missing {
		fmt.Fprintf(stdout, "  missing: %s\n", ref)
	}
	fmt.Fprintf(stdout, "booked %d\n", res.Booked)
	return nil
}
