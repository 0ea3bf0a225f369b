package server

import (
	"context"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/revenue/banktransfer"
	"github.com/samizdat-press/samizdat/internal/revenue/stripe"
	"github.com/samizdat-press/samizdat/internal/site"
)

// settingBankDetails holds the account details bank transfers go to. The
// static export shows them too: keep the key.
const settingBankDetails = "bank.details"

// supportConfig builds the support pages' configuration: the enabled
// payment providers (Stripe with a key, bank transfer once account details
// are set) and the mail queue when the store has one.
func (srv *Server) supportConfig() site.SupportConfig {
	r := srv.cfg.Revenue
	var providers []revenue.Provider
	if r.StripeSecretKey != "" {
		providers = append(providers, stripe.New(stripe.Config{
			SecretKey: r.StripeSecretKey, WebhookSecret: r.StripeWebhookSecret, APIURL: r.StripeAPIURL,
		}))
	}
	// Bank transfer is offered always; it tells the reader when no
	// details are configured yet.
	providers = append(providers, &banktransfer.Provider{Details: func(ctx context.Context) (string, error) {
		return srv.Store.Setting(ctx, settingBankDetails, "")
	}})
	cfg := site.SupportConfig{
		Store: srv.Store, Keys: srv.Keys, Providers: providers,
		Currencies: r.CurrencyList(), MinAmount: int64(r.MinAmount),
		PledgeTTL: time.Duration(r.PledgeDays) * 24 * time.Hour,
	}
	// The mail outbox lives in the store once it exists.
	if q, ok := any(srv.Store).(site.MailQueue); ok {
		cfg.Mail = q
	}
	return cfg
}

// expirePledges is a background job: open bank pledges past their expiry
// are closed.
func (srv *Server) expirePledges(ctx context.Context) {
	if n, err := srv.Store.ExpirePledges(ctx); err != nil && ctx.Err() == nil {
		srv.log.Error("expire bank pledges", "err", err)
	} else if n > 0 {
		srv.log.Info("bank pledges expired", "count", n)
	}
}
