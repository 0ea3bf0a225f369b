package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
)

// ReviewMark ends the inbox type of a signed event that names no checkout
// of this site: it is kept, books nothing, and the admin lists it.
const ReviewMark = "(unknown checkout: kept for review)"

// RenewalDue is a recurring gift that no one can charge automatically,
// whose next period has begun.
type RenewalDue struct {
	Subscription revenue.Subscription
	Due          time.Time // the period's start: next_renewal
	SupporterID  int64
	EmailSealed  []byte
	Lang         string // of the checkout that began the gift
	Attribution  revenue.Attribution
}

// DueRenewals lists provider's running recurring gifts whose next period
// began at or before now.
func (s *Store) DueRenewals(ctx context.Context, provider string, now time.Time) ([]RenewalDue, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT sub.ref, sub.status, sub.frequency, sub.amount, sub.currency,
		sub.next_renewal, COALESCE(sub.supporter_id, 0), COALESCE(sp.email_sealed, ''), COALESCE(c.lang, ''),
		sub.campaign_id, sub.prompt_id, sub.variant_id
		FROM subscriptions sub
		LEFT JOIN supporters sp ON sp.id = sub.supporter_id
		LEFT JOIN checkouts c ON c.id = sub.checkout_id
		WHERE sub.provider = ? AND sub.status IN ('active', 'past_due') AND sub.next_renewal IS NOT NULL AND sub.next_renewal <= ?
		ORDER BY sub.next_renewal, sub.ref`), provider, now.Unix())
	if err != nil {
		return nil, fmt.Errorf("due renewals: %w", err)
	}
	defer rows.Close()
	var out []RenewalDue
	for rows.Next() {
		var r RenewalDue
		var freq string
		var due int64
		var sealed any
		if err := rows.Scan(&r.Subscription.Ref, &r.Subscription.Status, &freq, &r.Subscription.Amount, &r.Subscription.Currency,
			&due, &r.SupporterID, &sealed, &r.Lang, &r.Attribution.Campaign, &r.Attribution.Prompt, &r.Attribution.Variant); err != nil {
			return nil, fmt.Errorf("due renewals: %w", err)
		}
		switch v := sealed.(type) {
		case []byte:
			r.EmailSealed = v
		case string:
			r.EmailSealed = []byte(v)
		}
		r.Subscription.Provider, r.Subscription.Frequency = provider, revenue.Frequency(freq)
		r.Due = time.Unix(due, 0).UTC()
		r.Subscription.NextRenewal = r.Due
		out = append(out, r)
	}
	return out, rows.Err()
}

// ClaimRenewalNotice queues m as the one reminder for the recurring gift's
// period starting at due. Two nodes may both try; the notice row, inserted
// with the mail in one transaction, lets only one of them queue it. It
// reports whether this call queued the mail.
func (s *Store) ClaimRenewalNotice(ctx context.Context, provider, ref string, due time.Time, m mail.Message) (bool, error) {
	if s.sealer == nil {
		return false, errNoSealer
	}
	if err := m.Validate(); err != nil {
		return false, fmt.Errorf("renewal notice: %w", err)
	}
	queued := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		queued = false
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO renewal_notices (provider, subscription_ref, due_at, sent_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (provider, subscription_ref, due_at) DO NOTHING`), provider, ref, due.Unix(), s.now().Unix())
		if err != nil {
			return fmt.Errorf("claim renewal notice: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		queued = true
		return s.enqueueTx(ctx, tx, []mail.Message{m})
	})
	return queued, err
}

// LapseRecurring applies the rule for recurring gifts that must be paid
// by hand each period: one whose period began more than grace ago unpaid
// stops counting (past_due, ended at the period's start, so MRR and churn
// count it only while it was paid); one whose following period also went
// unpaid ends (canceled). A payment for a period makes it active again.
// It returns how many lapsed and how many ended.
func (s *Store) LapseRecurring(ctx context.Context, provider string, now time.Time, grace time.Duration) (lapsed, ended int, err error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT ref, status, frequency, next_renewal FROM subscriptions
		WHERE provider = ? AND status IN ('active', 'past_due') AND next_renewal IS NOT NULL AND next_renewal <= ?`),
		provider, now.Add(-grace).Unix())
	if err != nil {
		return 0, 0, fmt.Errorf("lapse recurring: %w", err)
	}
	type row struct {
		ref, status string
		freq        revenue.Frequency
		due         int64
	}
	var todo []row
	for rows.Next() {
		var r row
		var f string
		if err := rows.Scan(&r.ref, &r.status, &f, &r.due); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("lapse recurring: %w", err)
		}
		r.freq = revenue.Frequency(f)
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("lapse recurring: %w", err)
	}
	for _, r := range todo {
		due := time.Unix(r.due, 0).UTC()
		second := due.AddDate(0, 1, 0)
		if r.freq == revenue.Annual {
			second = due.AddDate(1, 0, 0)
		}
		// The status time is the missed period's start (or the second
		// one's): a payment made after it, for either period, wins.
		if !now.Add(-grace).Before(second) {
			res, err := s.write.ExecContext(ctx, s.dialect.rebind(`UPDATE subscriptions SET status = 'canceled',
				ended_at = COALESCE(ended_at, next_renewal), status_at = ?
				WHERE provider = ? AND ref = ? AND status IN ('active', 'past_due') AND next_renewal = ?`), second.Unix(), provider, r.ref, r.due)
			if err != nil {
				return lapsed, ended, fmt.Errorf("end recurring gift: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				ended++
			}
			continue
		}
		if r.status != revenue.StatusActive {
			continue
		}
		res, err := s.write.ExecContext(ctx, s.dialect.rebind(`UPDATE subscriptions SET status = 'past_due', ended_at = next_renewal, status_at = ?
			WHERE provider = ? AND ref = ? AND status = 'active' AND next_renewal = ?`), r.due, provider, r.ref, r.due)
		if err != nil {
			return lapsed, ended, fmt.Errorf("lapse recurring gift: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			lapsed++
		}
	}
	return lapsed, ended, nil
}

// RenewalCheckout returns the newest checkout opened for the recurring
// gift's period, or ErrNotFound: its provider reference is the invoice a
// second click on the reminder's link goes back to.
func (s *Store) RenewalCheckout(ctx context.Context, provider, ref string, due time.Time) (id, providerRef string, err error) {
	err = s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, provider_ref FROM checkouts
		WHERE provider = ? AND subscription_ref = ? AND period_due = ? AND status = 'open' ORDER BY created_at DESC, id LIMIT 1`),
		provider, ref, due.Unix()).Scan(&id, &providerRef)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("renewal checkout: %w", err)
	}
	return id, providerRef, nil
}

// RecurringRenewal returns what a renewal checkout needs of a recurring
// gift: the gift, its supporter and the language it began in.
func (s *Store) RecurringRenewal(ctx context.Context, provider, ref string) (RenewalDue, error) {
	var r RenewalDue
	var freq string
	var next sql.NullInt64
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT sub.status, sub.frequency, sub.amount, sub.currency, sub.next_renewal,
		COALESCE(sub.supporter_id, 0), COALESCE(c.lang, ''), sub.campaign_id, sub.prompt_id, sub.variant_id
		FROM subscriptions sub LEFT JOIN checkouts c ON c.id = sub.checkout_id
		WHERE sub.provider = ? AND sub.ref = ?`), provider, ref).
		Scan(&r.Subscription.Status, &freq, &r.Subscription.Amount, &r.Subscription.Currency, &next,
			&r.SupporterID, &r.Lang, &r.Attribution.Campaign, &r.Attribution.Prompt, &r.Attribution.Variant)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("recurring gift %s: %w", ref, err)
	}
	r.Subscription.Provider, r.Subscription.Ref, r.Subscription.Frequency = provider, ref, revenue.Frequency(freq)
	if next.Valid {
		r.Due = time.Unix(next.Int64, 0).UTC()
		r.Subscription.NextRenewal = r.Due
	}
	return r, nil
}

// CancelRecurring ends a recurring gift on our side (the reader stopped
// it); it reports false when it was not running.
func (s *Store) CancelRecurring(ctx context.Context, provider, ref string, at time.Time) (bool, error) {
	res, err := s.write.ExecContext(ctx, s.dialect.rebind(`UPDATE subscriptions SET status = 'canceled',
		ended_at = COALESCE(ended_at, ?), status_at = ? WHERE provider = ? AND ref = ? AND status <> 'canceled'`),
		at.Unix(), at.Unix(), provider, ref)
	if err != nil {
		return false, fmt.Errorf("stop recurring gift: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// CheckoutStatus returns a checkout's state: open, paid, expired or invalid.
func (s *Store) CheckoutStatus(ctx context.Context, id string) (string, error) {
	var st string
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT status FROM checkouts WHERE id = ?`), id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("checkout status: %w", err)
	}
	return st, nil
}

// MissingPayments returns those of the payment refs that the ledger has
// no entry for, in the order given.
func (s *Store) MissingPayments(ctx context.Context, provider string, refs []string) ([]string, error) {
	var out []string
	for _, ref := range refs {
		var n int
		if err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM ledger_entries WHERE provider = ? AND ref = ?`),
			provider, ref).Scan(&n); err != nil {
			return nil, fmt.Errorf("find payment %s: %w", ref, err)
		}
		if n == 0 {
			out = append(out, ref)
		}
	}
	return out, nil
}

// ProviderStatus is what the admin shows of a payment provider.
type ProviderStatus struct {
	Provider       string
	Healthy        bool
	Problem        string
	CheckedAt      time.Time
	LastOK         time.Time
	LastWebhook    time.Time
	LastReconcile  time.Time
	ReviewWebhooks int // signed events for no checkout of ours, kept for review (ProviderWebhooks)
	WebhooksStored int
}

// ProviderCheck records one check of a provider's API by a node.
func (s *Store) ProviderCheck(ctx context.Context, provider string, at time.Time, problem string) error {
	ok := problem == ""
	lastOK := int64(0)
	if ok {
		lastOK = at.Unix()
	}
	_, err := s.write.ExecContext(ctx, s.dialect.rebind(`INSERT INTO provider_status (provider, healthy, problem, checked_at, last_ok_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (provider) DO UPDATE SET
		healthy = excluded.healthy, problem = excluded.problem, checked_at = excluded.checked_at,
		last_ok_at = CASE WHEN excluded.last_ok_at > provider_status.last_ok_at THEN excluded.last_ok_at ELSE provider_status.last_ok_at END
		WHERE provider_status.checked_at <= excluded.checked_at`), provider, boolInt(ok), problem, at.Unix(), lastOK)
	if err != nil {
		return fmt.Errorf("record provider check: %w", err)
	}
	return nil
}

// ProviderEvent records a webhook received or a reconciliation run.
func (s *Store) ProviderEvent(ctx context.Context, provider, what string, at time.Time) error {
	col := "last_webhook_at"
	if what == "reconcile" {
		col = "last_reconcile_at"
	}
	_, err := s.write.ExecContext(ctx, s.dialect.rebind(`INSERT INTO provider_status (provider, `+col+`) VALUES (?, ?)
		ON CONFLICT (provider) DO UPDATE SET `+col+` = CASE WHEN excluded.`+col+` > provider_status.`+col+`
		THEN excluded.`+col+` ELSE provider_status.`+col+` END`), provider, at.Unix())
	if err != nil {
		return fmt.Errorf("record provider %s: %w", what, err)
	}
	return nil
}

// ProviderStatuses returns what is known of each provider that has been
// checked or has sent a webhook.
func (s *Store) ProviderStatuses(ctx context.Context) ([]ProviderStatus, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT provider, healthy, problem, checked_at, last_ok_at, last_webhook_at, last_reconcile_at
		FROM provider_status ORDER BY provider`)
	if err != nil {
		return nil, fmt.Errorf("provider status: %w", err)
	}
	var out []ProviderStatus
	for rows.Next() {
		var p ProviderStatus
		var healthy int
		var checked, ok, hook, rec int64
		if err := rows.Scan(&p.Provider, &healthy, &p.Problem, &checked, &ok, &hook, &rec); err != nil {
			rows.Close()
			return nil, fmt.Errorf("provider status: %w", err)
		}
		p.Healthy = healthy == 1
		p.CheckedAt, p.LastOK, p.LastWebhook, p.LastReconcile = unixOrZero(checked), unixOrZero(ok), unixOrZero(hook), unixOrZero(rec)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ProviderWebhooks fills in how many webhooks each provider's status has
// stored and how many of them are kept for review (signed, but for no
// checkout of this site).
func (s *Store) ProviderWebhooks(ctx context.Context, ps []ProviderStatus) error {
	for i := range ps {
		if err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN handled = 0 AND type LIKE ? THEN 1 ELSE 0 END), 0)
			FROM webhook_inbox WHERE provider = ?`), "%"+ReviewMark, ps[i].Provider).Scan(&ps[i].WebhooksStored, &ps[i].ReviewWebhooks); err != nil {
			return fmt.Errorf("provider webhooks: %w", err)
		}
	}
	return nil
}

func unixOrZero(n int64) time.Time {
	if n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}
