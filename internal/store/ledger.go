package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// SupporterKey identifies a supporter by e-mail without the e-mail: the
// keyed lookup hash, and the sealed address for when it must be read.
type SupporterKey struct {
	Lookup []byte
	Sealed []byte
}

// CreateCheckout stores a checkout before the provider is called.
func (s *Store) CreateCheckout(ctx context.Context, c revenue.Checkout, supporter *SupporterKey) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		sid, err := s.supporterID(ctx, tx, supporter)
		if err != nil {
			return err
		}
		if sid == 0 && c.SupporterID > 0 {
			sid = c.SupporterID
		}
		var subRef string
		var due int64
		if c.Renewal != nil {
			subRef, due = c.Renewal.SubscriptionRef, c.Renewal.Due.Unix()
		}
		_, err = tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO checkouts
			(id, provider, frequency, amount, currency, campaign_id, prompt_id, variant_id, receipt, supporter_id, created_at, lang,
			 subscription_ref, period_due)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			c.ID, c.Provider, string(c.Frequency), c.Amount, c.Currency,
			c.Attribution.Campaign, c.Attribution.Prompt, c.Attribution.Variant, boolInt(c.Receipt), nullID(sid), s.now().Unix(), c.Lang,
			subRef, due)
		if err != nil {
			return fmt.Errorf("create checkout: %w", err)
		}
		return nil
	})
}

// SetCheckoutRef records the provider's id of a checkout.
func (s *Store) SetCheckoutRef(ctx context.Context, id, ref string) error {
	_, err := s.write.ExecContext(ctx, s.dialect.rebind(`UPDATE checkouts SET provider_ref = ? WHERE id = ?`), ref, id)
	if err != nil {
		return fmt.Errorf("set checkout reference: %w", err)
	}
	return nil
}

// CheckoutByRef finds a checkout by the provider's id, for the success page,
// with its status.
func (s *Store) CheckoutByRef(ctx context.Context, provider, ref string) (revenue.Checkout, error) {
	var c revenue.Checkout
	var freq string
	var receipt int
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, provider, frequency, amount, currency,
		campaign_id, prompt_id, variant_id, receipt, status, lang FROM checkouts WHERE provider = ? AND provider_ref = ?`), provider, ref).
		Scan(&c.ID, &c.Provider, &freq, &c.Amount, &c.Currency, &c.Attribution.Campaign, &c.Attribution.Prompt, &c.Attribution.Variant, &receipt,
			&c.Status, &c.Lang)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("checkout %s: %w", ref, err)
	}
	c.Frequency, c.Receipt = revenue.Frequency(freq), receipt == 1
	return c, nil
}

// supporterID finds or creates the supporter with key; 0 for none.
func (s *Store) supporterID(ctx context.Context, tx *sql.Tx, k *SupporterKey) (int64, error) {
	if k == nil || len(k.Lookup) == 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO supporters (email_lookup, email_sealed, created_at)
		VALUES (?, ?, ?) ON CONFLICT (email_lookup) DO NOTHING`), k.Lookup, k.Sealed, s.now().Unix()); err != nil {
		return 0, fmt.Errorf("add supporter: %w", err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT id FROM supporters WHERE email_lookup = ?`), k.Lookup).Scan(&id); err != nil {
		return 0, fmt.Errorf("find supporter: %w", err)
	}
	return id, nil
}

// checkoutRow is what a checkout contributes to the events that follow it.
type checkoutRow struct {
	found       bool
	frequency   revenue.Frequency
	attribution revenue.Attribution
	supporterID int64
}

func (s *Store) checkoutTx(ctx context.Context, tx *sql.Tx, id string) (checkoutRow, error) {
	var c checkoutRow
	if id == "" {
		return c, nil
	}
	var freq string
	var sid sql.NullInt64
	err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT frequency, campaign_id, prompt_id, variant_id, supporter_id
		FROM checkouts WHERE id = ?`), id).Scan(&freq, &c.attribution.Campaign, &c.attribution.Prompt, &c.attribution.Variant, &sid)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read checkout: %w", err)
	}
	c.found, c.frequency, c.supporterID = true, revenue.Frequency(freq), sid.Int64
	return c, nil
}

func (s *Store) applyTx(ctx context.Context, tx *sql.Tx, ev revenue.Event, supporter *SupporterKey) error {
	if ev.Kind == revenue.EventCheckoutClosed {
		// Only an open checkout closes: a late or reordered "expired"
		// does not undo a payment.
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE checkouts SET status = ?
			WHERE id = ? AND provider = ? AND status = 'open'`), cmp.Or(ev.Closed, "expired"), ev.CheckoutID, ev.Provider); err != nil {
			return fmt.Errorf("close checkout: %w", err)
		}
		return nil
	}
	// A batch has taken this lock already, in order, before its first
	// write (writeBatch); taking it again then returns at once. Taking it
	// here too keeps refundTx correct for any other caller.
	if key, ok := paymentLockKey(ev); ok {
		if err := s.lockPayments(ctx, tx, []int32{key}); err != nil {
			return err
		}
	}
	sid, err := s.supporterID(ctx, tx, supporter)
	if err != nil {
		return err
	}
	co, err := s.checkoutTx(ctx, tx, ev.CheckoutID)
	if err != nil {
		return err
	}
	if sid == 0 {
		sid = co.supporterID
	} else if co.found && co.supporterID == 0 {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE checkouts SET supporter_id = ? WHERE id = ?`), sid, ev.CheckoutID); err != nil {
			return fmt.Errorf("link checkout to supporter: %w", err)
		}
	}
	if sub := ev.Subscription; sub != nil {
		if sub.Attribution == (revenue.Attribution{}) {
			sub.Attribution = co.attribution
		}
		if !sub.Frequency.Valid() || sub.Frequency == revenue.OneTime {
			sub.Frequency = co.frequency
		}
		if err := s.upsertSubscription(ctx, tx, ev, *sub, sid); err != nil {
			return err
		}
	}
	p := ev.Payment
	if p == nil {
		return nil
	}
	e := revenue.Entry{
		Provider: ev.Provider, Ref: p.Ref, Kind: revenue.Gift, Frequency: p.Frequency, Amount: p.Amount,
		Currency: p.Currency, At: ev.At, Attribution: p.Attribution, SupporterID: sid,
		SubscriptionRef: p.SubscriptionRef, PaymentRef: p.ChargeRef,
	}
	if e.Attribution == (revenue.Attribution{}) {
		e.Attribution = co.attribution
	}
	if !e.Frequency.Valid() && co.found {
		e.Frequency = co.frequency
	}
	if p.SubscriptionRef != "" {
		// The subscription row knows what the invoice may not: its
		// interval, attribution and supporter, from whichever event
		// arrived first.
		var freq string
		var a revenue.Attribution
		var ssid sql.NullInt64
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT frequency, campaign_id, prompt_id, variant_id, supporter_id
			FROM subscriptions WHERE provider = ? AND ref = ?`), ev.Provider, p.SubscriptionRef).Scan(&freq, &a.Campaign, &a.Prompt, &a.Variant, &ssid)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read subscription: %w", err)
		}
		if err == nil {
			if !e.Frequency.Valid() || e.Frequency == revenue.OneTime {
				e.Frequency = revenue.Frequency(freq)
			}
			if e.Attribution == (revenue.Attribution{}) {
				e.Attribution = a
			}
			if e.SupporterID == 0 {
				e.SupporterID = ssid.Int64
			}
		}
	}
	if !e.Frequency.Valid() {
		e.Frequency = revenue.OneTime
	}
	// Of the figures providers report, only a refund's is cumulative (the
	// total refunded so far) and needs the ledger's sum. A gift's ref is
	// the provider's own id of the payment (payment intent, invoice) and
	// a dispute's the dispute's id, each booked once for its whole amount:
	// the unique key on (provider, ref) keeps their duplicates out, on
	// every node.
	switch ev.Kind {
	case revenue.EventCheckoutCompleted, revenue.EventPaymentSucceeded:
		if co.found {
			// Paid, also after it expired: a late payment BTCPay settled.
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE checkouts SET status = 'paid' WHERE id = ? AND status <> 'paid'`), ev.CheckoutID); err != nil {
				return fmt.Errorf("mark checkout paid: %w", err)
			}
		}
		return s.insertEntry(ctx, tx, e)
	case revenue.EventRefunded:
		return s.refundTx(ctx, tx, e)
	case revenue.EventDisputed:
		e.Kind, e.Amount = revenue.Dispute, -p.Amount
		s.fillFromGift(ctx, tx, &e)
		return s.insertEntry(ctx, tx, e)
	}
	return nil
}

// fillFromGift copies the original gift's attribution and supporter onto a
// refund or dispute, when the gift is known.
func (s *Store) fillFromGift(ctx context.Context, tx *sql.Tx, e *revenue.Entry) {
	if e.PaymentRef == "" {
		return
	}
	var sid sql.NullInt64
	var freq string
	tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT frequency, campaign_id, prompt_id, variant_id, supporter_id, subscription_ref
		FROM ledger_entries WHERE provider = ? AND kind = 'gift' AND payment_ref = ? ORDER BY id LIMIT 1`), e.Provider, e.PaymentRef).
		Scan(&freq, &e.Attribution.Campaign, &e.Attribution.Prompt, &e.Attribution.Variant, &sid, &e.SubscriptionRef)
	if freq != "" {
		e.Frequency = revenue.Frequency(freq)
	}
	if e.SupporterID == 0 {
		e.SupporterID = sid.Int64
	}
}

// paymentLockKey names the lock of the payment that ev books against, if
// it needs one: a refund, whose booking depends on what is already
// refunded, and a dispute, so that its duplicates on other nodes queue
// behind it instead of deadlocking on the ledger's unique key.
func paymentLockKey(ev revenue.Event) (int32, bool) {
	if ev.Payment == nil || (ev.Kind != revenue.EventRefunded && ev.Kind != revenue.EventDisputed) {
		return 0, false
	}
	h := fnv.New32a()
	h.Write([]byte(ev.Provider))
	h.Write([]byte{0})
	h.Write([]byte(ev.Payment.ChargeRef)) // the entry's payment_ref, what refundTx sums over
	return int32(h.Sum32()), true
}

// lockPayments takes the locks of keys for the rest of the transaction,
// in ascending order: two transactions that each take all their locks
// this way, before any other write, cannot wait on each other in a cycle.
// Two payments whose keys collide only wait for each other, never book
// wrong. Without lockPayments in the dialect (SQLite) it does nothing.
func (s *Store) lockPayments(ctx context.Context, tx *sql.Tx, keys []int32) error {
	if s.dialect.lockPayments == nil || len(keys) == 0 {
		return nil
	}
	keys = slices.Clone(keys)
	slices.Sort(keys)
	if err := s.dialect.lockPayments(ctx, tx, slices.Compact(keys)); err != nil {
		return fmt.Errorf("lock payments: %w", err)
	}
	return nil
}

// refundTx records the part of a cumulative refund not yet in the ledger:
// providers report the total refunded so far on a payment, and each new
// total is its own entry, so a replayed or reordered refund event adds
// nothing twice.
//
// Reading the sum and inserting the difference must not interleave with
// another transaction doing the same for the payment: under READ
// COMMITTED two nodes would both read 0 for totals 300 and 500, and book
// -300 and -500 under different refs (the ref names the total). So the
// caller holds the payment's lock (lockPayments), and this SELECT, a new
// statement with a new snapshot, sees every refund committed before the
// lock was granted. Why this lock and not another mechanism:
//   - a unique key on the provider's refund id: a cumulative figure names
//     no single refund (Stripe's charge.refunded carries the charge and
//     its amount_refunded, not which refunds make it up);
//   - SELECT ... FOR UPDATE on the gift row: the refund may arrive before
//     the gift, or the gift be booked under another ref (an invoice), and
//     a lock on a row that is not there locks nothing;
//   - SERIALIZABLE: batches of up to 128 events share a transaction, so
//     conflicts on an unindexed sum would abort whole batches again and
//     again, past the few retries inTx allows;
//   - an advisory lock per payment needs no row, blocks only events for
//     the same payment, and ends with the transaction.
//
// SQLite runs one write transaction at a time and needs no lock.
func (s *Store) refundTx(ctx context.Context, tx *sql.Tx, e revenue.Entry) error {
	total := e.Amount
	var already int64
	if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COALESCE(SUM(-amount), 0) FROM ledger_entries
		WHERE provider = ? AND kind = 'refund' AND payment_ref = ?`), e.Provider, e.PaymentRef).Scan(&already); err != nil {
		return fmt.Errorf("sum refunds: %w", err)
	}
	if total <= already {
		return nil
	}
	e.Kind, e.Amount = revenue.Refund, -(total - already)
	e.Ref = e.PaymentRef + ":refund:" + strconv.FormatInt(total, 10)
	s.fillFromGift(ctx, tx, &e)
	return s.insertEntry(ctx, tx, e)
}

// insertEntry appends to the ledger; an entry whose reference is already
// there (the same payment reported by two events) is not added again.
func (s *Store) insertEntry(ctx context.Context, tx *sql.Tx, e revenue.Entry) error {
	_, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO ledger_entries
		(provider, ref, kind, frequency, amount, currency, at, campaign_id, prompt_id, variant_id, supporter_id, subscription_ref, payment_ref)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, ref) DO NOTHING`),
		e.Provider, e.Ref, string(e.Kind), string(e.Frequency), e.Amount, e.Currency, e.At.Unix(),
		e.Attribution.Campaign, e.Attribution.Prompt, e.Attribution.Variant, nullID(e.SupporterID), e.SubscriptionRef, e.PaymentRef)
	if err != nil {
		return fmt.Errorf("add ledger entry: %w", err)
	}
	return nil
}

// upsertSubscription creates the subscription on the first event that
// names it and updates it on later ones. The status follows the newest
// provider event only, so events arriving out of order end in the state of
// the last one the provider sent.
func (s *Store) upsertSubscription(ctx context.Context, tx *sql.Tx, ev revenue.Event, sub revenue.Subscription, sid int64) error {
	at := ev.At.Unix()
	started := sub.StartedAt
	if started.IsZero() {
		started = ev.At
	}
	if !sub.Frequency.Valid() || sub.Frequency == revenue.OneTime {
		sub.Frequency = revenue.Monthly
	}
	status := sub.Status
	if status == "" {
		status = revenue.StatusActive
	}
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO subscriptions
		(provider, ref, customer_ref, checkout_id, supporter_id, status, frequency, amount, currency,
		 campaign_id, prompt_id, variant_id, started_at, ended_at, next_renewal, status_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, ref) DO NOTHING`),
		ev.Provider, sub.Ref, sub.CustomerRef, ev.CheckoutID, nullID(sid), status, string(sub.Frequency), sub.Amount, sub.Currency,
		sub.Attribution.Campaign, sub.Attribution.Prompt, sub.Attribution.Variant, started.Unix(), unix(sub.EndedAt), unix(sub.NextRenewal), at); err != nil {
		return fmt.Errorf("add subscription: %w", err)
	}
	// Fill what earlier events did not know.
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE subscriptions SET
		customer_ref = CASE WHEN customer_ref = '' THEN ? ELSE customer_ref END,
		checkout_id = CASE WHEN checkout_id = '' THEN ? ELSE checkout_id END,
		supporter_id = COALESCE(supporter_id, ?),
		campaign_id = CASE WHEN campaign_id = 0 AND prompt_id = 0 AND variant_id = 0 THEN ? ELSE campaign_id END,
		prompt_id = CASE WHEN campaign_id = 0 AND prompt_id = 0 AND variant_id = 0 THEN ? ELSE prompt_id END,
		variant_id = CASE WHEN campaign_id = 0 AND prompt_id = 0 AND variant_id = 0 THEN ? ELSE variant_id END,
		started_at = CASE WHEN ? < started_at THEN ? ELSE started_at END
		WHERE provider = ? AND ref = ?`),
		sub.CustomerRef, ev.CheckoutID, nullID(sid),
		sub.Attribution.Campaign, sub.Attribution.Prompt, sub.Attribution.Variant,
		started.Unix(), started.Unix(), ev.Provider, sub.Ref); err != nil {
		return fmt.Errorf("update subscription: %w", err)
	}
	if sub.Status == "" {
		return nil
	}
	q := `UPDATE subscriptions SET status = ?, status_at = ?, ended_at = ?`
	args := []any{sub.Status, at, unix(sub.EndedAt)}
	if sub.Status == revenue.StatusCanceled && sub.EndedAt.IsZero() {
		args[2] = at
	}
	if sub.Amount > 0 {
		q += `, amount = ?, currency = ?, frequency = ?`
		args = append(args, sub.Amount, sub.Currency, string(sub.Frequency))
	}
	if !sub.NextRenewal.IsZero() {
		q += `, next_renewal = ?`
		args = append(args, sub.NextRenewal.Unix())
	}
	q += ` WHERE provider = ? AND ref = ? AND status_at <= ?`
	args = append(args, ev.Provider, sub.Ref, at)
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(q), args...); err != nil {
		return fmt.Errorf("update subscription status: %w", err)
	}
	return nil
}

// WebhookCount returns how many events of provider the inbox holds.
func (s *Store) WebhookCount(ctx context.Context, provider string) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM webhook_inbox WHERE provider = ?`), provider).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count webhooks: %w", err)
	}
	return n, nil
}

const entryColumns = `id, provider, ref, kind, frequency, amount, currency, at, campaign_id, prompt_id, variant_id,
	supporter_id, subscription_ref, payment_ref`

func scanEntry(sc interface{ Scan(...any) error }) (revenue.Entry, error) {
	var e revenue.Entry
	var kind, freq string
	var at int64
	var sid sql.NullInt64
	err := sc.Scan(&e.ID, &e.Provider, &e.Ref, &kind, &freq, &e.Amount, &e.Currency, &at,
		&e.Attribution.Campaign, &e.Attribution.Prompt, &e.Attribution.Variant, &sid, &e.SubscriptionRef, &e.PaymentRef)
	e.Kind, e.Frequency, e.At, e.SupporterID = revenue.EntryKind(kind), revenue.Frequency(freq), time.Unix(at, 0).UTC(), sid.Int64
	return e, err
}

// LedgerQuery selects ledger entries.
type LedgerQuery struct {
	From, To    time.Time // [From, To); zero for unbounded
	SupporterID int64
	Limit       int
}

// Entries lists ledger entries, newest first.
func (s *Store) Entries(ctx context.Context, q LedgerQuery) ([]revenue.Entry, error) {
	sqlq := `SELECT ` + entryColumns + ` FROM ledger_entries WHERE 1=1`
	var args []any
	if !q.From.IsZero() {
		sqlq += ` AND at >= ?`
		args = append(args, q.From.Unix())
	}
	if !q.To.IsZero() {
		sqlq += ` AND at < ?`
		args = append(args, q.To.Unix())
	}
	if q.SupporterID != 0 {
		sqlq += ` AND supporter_id = ?`
		args = append(args, q.SupporterID)
	}
	sqlq += ` ORDER BY at DESC, id DESC`
	if q.Limit > 0 {
		sqlq += ` LIMIT ` + strconv.Itoa(q.Limit)
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(sqlq), args...)
	if err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	defer rows.Close()
	var out []revenue.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("list ledger: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LedgerTotals sums the ledger by kind and currency: the figures the crash
// test and the reports check.
func (s *Store) LedgerTotals(ctx context.Context) (map[string]int64, int, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT kind, currency, SUM(amount), COUNT(*) FROM ledger_entries GROUP BY kind, currency`)
	if err != nil {
		return nil, 0, fmt.Errorf("ledger totals: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	total := 0
	for rows.Next() {
		var kind, cur string
		var sum int64
		var n int
		if err := rows.Scan(&kind, &cur, &sum, &n); err != nil {
			return nil, 0, fmt.Errorf("ledger totals: %w", err)
		}
		out[kind+" "+cur] = sum
		total += n
	}
	return out, total, rows.Err()
}

const subscriptionColumns = `provider, ref, customer_ref, status, frequency, amount, currency,
	campaign_id, prompt_id, variant_id, started_at, ended_at, next_renewal`

func scanSubscription(sc interface{ Scan(...any) error }) (revenue.Subscription, error) {
	var sub revenue.Subscription
	var freq string
	var started int64
	var ended, next sql.NullInt64
	err := sc.Scan(&sub.Provider, &sub.Ref, &sub.CustomerRef, &sub.Status, &freq, &sub.Amount, &sub.Currency,
		&sub.Attribution.Campaign, &sub.Attribution.Prompt, &sub.Attribution.Variant, &started, &ended, &next)
	sub.Frequency, sub.StartedAt = revenue.Frequency(freq), time.Unix(started, 0).UTC()
	sub.EndedAt, sub.NextRenewal = fromUnix(ended), fromUnix(next)
	return sub, err
}

// Subscriptions lists subscriptions, of one supporter when supporterID is
// not 0.
func (s *Store) Subscriptions(ctx context.Context, supporterID int64) ([]revenue.Subscription, error) {
	q := `SELECT ` + subscriptionColumns + ` FROM subscriptions`
	var args []any
	if supporterID != 0 {
		q += ` WHERE supporter_id = ?`
		args = append(args, supporterID)
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(q+` ORDER BY started_at DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	defer rows.Close()
	var out []revenue.Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// RecurringGift returns one subscription (a recurring gift).
func (s *Store) RecurringGift(ctx context.Context, provider, ref string) (revenue.Subscription, error) {
	sub, err := scanSubscription(s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT `+subscriptionColumns+
		` FROM subscriptions WHERE provider = ? AND ref = ?`), provider, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return sub, ErrNotFound
	}
	if err != nil {
		return sub, fmt.Errorf("subscription %s: %w", ref, err)
	}
	return sub, nil
}

// Funding implements revenue.FundingSource: recurring support active at
// the end of the month (or now, for the current month) normalised to a
// month, plus one-time gifts received in the month, minus refunds and
// disputes in the month.
//
// Currencies compare without regard to case: providers write "eur", the
// goal is set as "EUR".
func (s *Store) Funding(ctx context.Context, month time.Time, currency string) (int64, error) {
	start := revenue.MonthStart(month)
	end := start.AddDate(0, 1, 0)
	cut := end
	if now := s.now(); now.Before(end) && !now.Before(start) {
		cut = now
	}
	var recurring, once int64
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COALESCE(SUM(CASE WHEN frequency = 'annual' THEN amount / 12 ELSE amount END), 0)
		FROM subscriptions WHERE LOWER(currency) = LOWER(?) AND started_at < ? AND (ended_at IS NULL OR ended_at >= ?)`),
		currency, end.Unix(), cut.Unix()).Scan(&recurring)
	if err != nil {
		return 0, fmt.Errorf("funding: recurring: %w", err)
	}
	err = s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COALESCE(SUM(amount), 0) FROM ledger_entries
		WHERE LOWER(currency) = LOWER(?) AND at >= ? AND at < ? AND (kind <> 'gift' OR frequency = 'one-time')`),
		currency, start.Unix(), end.Unix()).Scan(&once)
	if err != nil {
		return 0, fmt.Errorf("funding: gifts: %w", err)
	}
	return recurring + once, nil
}

// Conversions implements revenue.ConversionSource: first gifts (a
// subscription's renewals are not new conversions) attributed to a prompt
// variant, by day.
func (s *Store) Conversions(ctx context.Context, from, to time.Time) ([]revenue.Conversion, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT e.at, e.variant_id, e.amount, e.currency FROM ledger_entries e
		WHERE e.kind = 'gift' AND e.variant_id <> 0 AND e.at >= ? AND e.at < ?
		AND (e.subscription_ref = '' OR NOT EXISTS (SELECT 1 FROM ledger_entries p WHERE p.provider = e.provider
			AND p.kind = 'gift' AND p.subscription_ref = e.subscription_ref AND (p.at < e.at OR (p.at = e.at AND p.id < e.id))))
		ORDER BY e.at`), from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("conversions: %w", err)
	}
	defer rows.Close()
	type key struct {
		day      string
		variant  int64
		currency string
	}
	idx := map[key]int{}
	var out []revenue.Conversion
	for rows.Next() {
		var at, variant, amount int64
		var cur string
		if err := rows.Scan(&at, &variant, &amount, &cur); err != nil {
			return nil, fmt.Errorf("conversions: %w", err)
		}
		k := key{time.Unix(at, 0).UTC().Format("2006-01-02"), variant, cur}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, revenue.Conversion{Day: k.day, Variant: variant, Currency: cur})
		}
		out[i].Gifts++
		out[i].Amount += amount
	}
	return out, rows.Err()
}

// MonthlyReport returns one row per month and currency for the months
// starting in [from, to).
func (s *Store) MonthlyReport(ctx context.Context, from, to time.Time) ([]revenue.MonthReport, error) {
	from, to = revenue.MonthStart(from), revenue.MonthStart(to)
	// Every gift up to the end, to know each supporter's first.
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT kind, amount, currency, at, supporter_id, subscription_ref, ref
		FROM ledger_entries WHERE at < ? ORDER BY at, id`), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("monthly report: %w", err)
	}
	defer rows.Close()
	type key struct {
		month    int64
		currency string
	}
	idx := map[key]*revenue.MonthReport{}
	var order []key
	row := func(m time.Time, cur string) *revenue.MonthReport {
		k := key{m.Unix(), cur}
		r := idx[k]
		if r == nil {
			r = &revenue.MonthReport{Month: m, Currency: cur}
			idx[k] = r
			order = append(order, k)
		}
		return r
	}
	seen := map[string]bool{}
	for rows.Next() {
		var kind, cur, subRef, ref string
		var amount, at int64
		var sid sql.NullInt64
		if err := rows.Scan(&kind, &amount, &cur, &at, &sid, &subRef, &ref); err != nil {
			return nil, fmt.Errorf("monthly report: %w", err)
		}
		t := time.Unix(at, 0).UTC()
		m := revenue.MonthStart(t)
		who := "e:" + ref
		switch {
		case sid.Valid:
			who = "s:" + strconv.FormatInt(sid.Int64, 10)
		case subRef != "":
			who = "r:" + subRef
		}
		first := false
		if kind == string(revenue.Gift) && !seen[who] {
			seen[who], first = true, true
		}
		if m.Before(from) {
			continue
		}
		r := row(m, cur)
		if kind == string(revenue.Gift) {
			r.Received += amount
			if first {
				r.New++
			}
		} else {
			r.Refunded -= amount
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	subs, err := s.Subscriptions(ctx, 0)
	if err != nil {
		return nil, err
	}
	for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, 0)
		for _, sub := range subs {
			if sub.StartedAt.Before(end) && (sub.EndedAt.IsZero() || !sub.EndedAt.Before(end)) {
				row(m, sub.Currency).MRR += sub.Monthly()
			}
			if !sub.EndedAt.IsZero() && !sub.EndedAt.Before(m) && sub.EndedAt.Before(end) {
				row(m, sub.Currency).Lost++
			}
		}
	}
	out := make([]revenue.MonthReport, 0, len(order))
	for _, k := range order {
		out = append(out, *idx[k])
	}
	sortReports(out)
	return out, nil
}

// CheckoutReceipt reports whether the checkout's donor asked for a receipt.
func (s *Store) CheckoutReceipt(ctx context.Context, id string) (want bool, lang string, err error) {
	var r int
	err = s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT receipt, lang FROM checkouts WHERE id = ?`), id).Scan(&r, &lang)
	if errors.Is(err, sql.ErrNoRows) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("checkout receipt: %w", err)
	}
	return r == 1, lang, nil
}

// LatestCheckout returns the newest checkout's id and provider reference:
// tests and support staff tracing a reader's report use it.
func (s *Store) LatestCheckout(ctx context.Context) (id, ref string, err error) {
	err = s.read.QueryRowContext(ctx, `SELECT id, provider_ref FROM checkouts ORDER BY created_at DESC, id LIMIT 1`).Scan(&id, &ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("latest checkout: %w", err)
	}
	return id, ref, nil
}
