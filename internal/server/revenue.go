package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue/btcpay"
	"github.com/samizdat-press/samizdat/internal/secret"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/revenue/banktransfer"
	"github.com/samizdat-press/samizdat/internal/revenue/stripe"
	"github.com/samizdat-press/samizdat/internal/site"
)

// settingBankDetails holds the account details bank transfers go to. The
// static export shows them too: keep the key.
const settingBankDetails = "bank.details"

// buildProviders makes the enabled payment providers, in the order the
// support page offers them: Stripe with a key, BTCPay Server when
// configured, and bank transfer always (it tells the reader when no
// account details are set yet).
func (srv *Server) buildProviders() error {
	r := srv.cfg.Revenue
	srv.Health = revenue.NewHealth()
	srv.Providers = nil
	if r.StripeSecretKey != "" {
		srv.Providers = append(srv.Providers, stripe.New(stripe.Config{
			SecretKey: r.StripeSecretKey, WebhookSecret: r.StripeWebhookSecret, APIURL: r.StripeAPIURL,
		}))
	}
	if r.BTCPayURL != "" {
		p, err := btcpay.New(btcpay.Config{URL: r.BTCPayURL, StoreID: r.BTCPayStoreID, APIKey: r.BTCPayAPIKey,
			WebhookSecret: r.BTCPayWebhookSecret})
		if err != nil {
			return err
		}
		srv.Providers = append(srv.Providers, p)
	}
	srv.Providers = append(srv.Providers, &banktransfer.Provider{Details: func(ctx context.Context) (string, error) {
		return srv.Store.Setting(ctx, settingBankDetails, "")
	}})
	return nil
}

// supportConfig builds the support pages' configuration: the providers,
// their health, and the mail queue when the store has one.
func (srv *Server) supportConfig() site.SupportConfig {
	r := srv.cfg.Revenue
	cfg := site.SupportConfig{
		Store: srv.Store, Keys: srv.Keys, Providers: srv.Providers, Health: srv.Health,
		Currencies: r.CurrencyList(), MinAmount: int64(r.MinAmount),
		PledgeTTL: time.Duration(r.PledgeDays) * 24 * time.Hour,
	}
	// The mail outbox lives in the store once it exists.
	if q, ok := any(srv.Store).(site.MailQueue); ok {
		cfg.Mail = q
	}
	return cfg
}

// Provider returns the enabled provider called name, or nil.
func (srv *Server) Provider(name string) revenue.Provider {
	for _, p := range srv.Providers {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// CheckProviders checks every provider's API once: one that fails is
// hidden from the support page on this node until a check succeeds, and
// the result is stored for the admin. A failure is logged with what to
// fix when the provider's state changes, so a revoked key is reported at
// start-up and not on every check after.
func (srv *Server) CheckProviders(ctx context.Context) {
	for _, p := range srv.Providers {
		pr, ok := p.(revenue.Prober)
		if !ok {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := pr.Probe(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		changed := srv.Health.Set(p.Name(), err)
		switch {
		case err != nil && changed:
			srv.log.Error("payment provider unavailable: not offered until it answers", "provider", p.Name(), "problem", err)
		case err == nil && changed:
			srv.log.Info("payment provider available again", "provider", p.Name())
		}
		problem := ""
		if err != nil {
			problem = err.Error()
		}
		if err := srv.Store.ProviderCheck(ctx, p.Name(), time.Now(), problem); err != nil && ctx.Err() == nil {
			srv.log.Warn("provider status not recorded", "provider", p.Name(), "err", err)
		}
	}
}

// RunProviderChecks checks the providers every interval until ctx ends.
func (srv *Server) RunProviderChecks(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		srv.CheckProviders(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Reconciled is what a reconciliation found.
type Reconciled struct {
	Settled int      // payments the provider settled in the period
	Missing []string // of those, the ones the ledger lacked
	Booked  int      // events booked now (the missing ones, unless another node was faster)
}

// Reconcile asks the provider for the payments it settled since then
// (created before until, unless until is zero) and books those the ledger
// lacks, through the webhook's own path
// (Support.Book): idempotent, so a second run, or a webhook arriving
// after, books nothing more.
func (srv *Server) Reconcile(ctx context.Context, name string, since, until time.Time) (Reconciled, error) {
	var out Reconciled
	p := srv.Provider(name)
	if p == nil {
		return out, fmt.Errorf("payment provider %q is not configured here", name)
	}
	rc, ok := p.(revenue.Reconciler)
	if !ok {
		return out, fmt.Errorf("payment provider %q cannot list its payments", name)
	}
	all, err := rc.Settled(ctx, since)
	if err != nil {
		return out, err
	}
	var evs []revenue.Event
	for _, ev := range all {
		if until.IsZero() || ev.At.Before(until) {
			evs = append(evs, ev)
		}
	}
	var refs []string
	for _, ev := range evs {
		if ev.Payment != nil {
			refs = append(refs, ev.Payment.Ref)
		}
	}
	out.Settled = len(refs)
	missing, err := srv.Store.MissingPayments(ctx, name, refs)
	if err != nil {
		return out, err
	}
	out.Missing = missing
	lacks := map[string]bool{}
	for _, r := range missing {
		lacks[r] = true
	}
	for _, ev := range evs {
		// A subscription's first session carries no payment but links the
		// gift to its supporter: booked when its invoice is missing.
		if ev.Payment != nil && !lacks[ev.Payment.Ref] {
			continue
		}
		payload, _ := json.Marshal(map[string]string{"reconciled": ev.ID, "type": ev.Type})
		applied, err := srv.Support.Book(ctx, ev, payload)
		if err != nil {
			return out, fmt.Errorf("book %s: %w", ev.ID, err)
		}
		if applied && ev.Payment != nil {
			out.Booked++
		}
	}
	if err := srv.Store.ProviderEvent(ctx, name, "reconcile", time.Now()); err != nil {
		srv.log.Warn("provider status not recorded", "provider", name, "err", err)
	}
	return out, nil
}

// reconcileStartDelay is how long a node runs before its first daily
// reconciliation.
const reconcileStartDelay = 10 * time.Minute

// reconcileWindow is how far back the daily reconciliation looks: long
// enough for a webhook a provider gave up retrying (Stripe: 3 days).
const reconcileWindow = 7 * 24 * time.Hour

// reconcileDaily is a background job: once a day per provider (any node),
// reconciliation over the last week, leaving the last hour's payments to
// their webhooks (which providers retry). Two nodes running it at once
// book nothing twice, only ask the provider twice.
func (srv *Server) reconcileDaily(ctx context.Context, now time.Time) {
	// Not in a node's first minutes: a deploy restarting every node would
	// otherwise ask every provider at once, and the webhooks of the
	// minutes before the restart are still being retried.
	if now.Sub(srv.started) < reconcileStartDelay {
		return
	}
	statuses, err := srv.Store.ProviderStatuses(ctx)
	if err != nil {
		if ctx.Err() == nil {
			srv.log.Error("daily reconciliation", "err", err)
		}
		return
	}
	last := map[string]time.Time{}
	for _, s := range statuses {
		last[s.Provider] = s.LastReconcile
	}
	for _, p := range srv.Providers {
		if _, ok := p.(revenue.Reconciler); !ok || now.Sub(last[p.Name()]) < 24*time.Hour || !srv.Health.Available(p.Name()) {
			continue
		}
		res, err := srv.Reconcile(ctx, p.Name(), now.Add(-reconcileWindow), now.Add(-time.Hour))
		switch {
		case err != nil && ctx.Err() == nil:
			srv.log.Error("daily reconciliation", "provider", p.Name(), "err", err)
		case res.Booked > 0:
			srv.log.Warn("reconciliation booked payments whose webhooks never came", "provider", p.Name(), "booked", res.Booked)
		}
	}
}

// renewalGrace is how long a recurring crypto gift counts after its
// period began unpaid: the reminder goes out at the start, and a reader
// may take a few days to pay.
const renewalGrace = 7 * 24 * time.Hour

// cryptoRenewals is a background job for recurring gifts that cannot be
// charged: one reminder per period (on any number of nodes), and the
// lapse rule (see store.LapseRecurring).
func (srv *Server) cryptoRenewals(ctx context.Context, now time.Time) {
	if srv.Provider(btcpay.Name) == nil {
		return
	}
	if _, _, err := srv.Store.LapseRecurring(ctx, btcpay.Name, now, renewalGrace); err != nil && ctx.Err() == nil {
		srv.log.Error("recurring crypto gifts: lapse", "err", err)
	}
	due, err := srv.Store.DueRenewals(ctx, btcpay.Name, now)
	if err != nil {
		if ctx.Err() == nil {
			srv.log.Error("recurring crypto gifts: due", "err", err)
		}
		return
	}
	box := secret.NewBox(srv.Keys)
	signer := site.NewRenewalSigner(srv.Keys)
	conf := srv.Site.Settings()
	name := conf.Name
	for _, d := range due {
		if len(d.EmailSealed) == 0 {
			continue
		}
		// The latest period that has begun: after a month offline, one
		// reminder, not one per missed period.
		start := d.Due
		for next := btcpay.NextDue(start, d.Subscription.Frequency); !next.After(now); next = btcpay.NextDue(start, d.Subscription.Frequency) {
			start = next
		}
		to, err := box.Open(d.EmailSealed)
		if err != nil {
			srv.log.Error("recurring crypto gifts: supporter address cannot be opened", "subscription", d.Subscription.Ref, "err", err)
			continue
		}
		lang := d.Lang
		if !i18n.Supported(lang) {
			lang = conf.Lang
		}
		base := conf.BaseURL + i18n.EditionPrefix(lang, conf.Lang) + "/support/renew/" + site.RenewalToken(signer, btcpay.Name, d.Subscription.Ref, start)
		m, err := mail.Renewal(to, mail.RenewalData{SiteName: name, Amount: i18n.New(lang).Locale(lang).Money(d.Subscription.Amount, d.Subscription.Currency),
			Frequency: string(d.Subscription.Frequency), Due: i18n.New(lang).Locale(lang).Date(start),
			PayURL: base, StopURL: base + "/stop", Lang: lang})
		if err != nil {
			srv.log.Error("recurring crypto gifts: reminder", "err", err)
			continue
		}
		if _, err := srv.Store.ClaimRenewalNotice(ctx, btcpay.Name, d.Subscription.Ref, start, m); err != nil && ctx.Err() == nil {
			srv.log.Error("recurring crypto gifts: reminder not queued", "subscription", d.Subscription.Ref, "err", err)
		}
	}
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

// standingOrderGrace is how long a bank standing order counts after a
// period began with no transfer marked received: a transfer between banks
// takes up to a few working days, and staff mark transfers from the bank
// statement, perhaps once a week.
const standingOrderGrace = 14 * 24 * time.Hour

// lapseStandingOrders is a background job: the lapse rule of recurring
// gifts paid by hand (store.LapseRecurring), for bank standing orders.
// No reminder goes out: the reader's bank sends each transfer by itself.
func (srv *Server) lapseStandingOrders(ctx context.Context, now time.Time) {
	lapsed, ended, err := srv.Store.LapseRecurring(ctx, banktransfer.Name, now, standingOrderGrace)
	switch {
	case err != nil && ctx.Err() == nil:
		srv.log.Error("bank standing orders: lapse", "err", err)
	case lapsed > 0 || ended > 0:
		srv.log.Info("bank standing orders without a transfer", "lapsed", lapsed, "ended", ended)
	}
}
