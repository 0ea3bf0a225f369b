package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
)

// CreatePledge stores a bank transfer pledge; ErrConflict when its
// reference is taken (the caller draws another). The pledge's checkout,
// written in the same transaction, keeps what the donor chose beside it:
// a receipt, and the language of their mails.
func (s *Store) CreatePledge(ctx context.Context, p revenue.Pledge, supporter *SupporterKey) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		sid, err := s.supporterID(ctx, tx, supporter)
		if err != nil {
			return err
		}
		now := s.now().Unix()
		err = tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO pledges
			(reference, frequency, amount, currency, campaign_id, prompt_id, variant_id, supporter_id, status, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id`),
			p.Reference, string(p.Frequency), p.Amount, p.Currency, p.Attribution.Campaign, p.Attribution.Prompt, p.Attribution.Variant,
			nullID(sid), now, p.ExpiresAt.Unix()).Scan(&id)
		if isUnique(err) {
			return ErrConflict
		}
		if err != nil {
			return fmt.Errorf("create pledge: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO checkouts
			(id, provider, frequency, amount, currency, campaign_id, prompt_id, variant_id, receipt, supporter_id, provider_ref, created_at, lang)
			VALUES (?, 'bank', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			PledgeCheckoutID(p.Reference), string(p.Frequency), p.Amount, p.Currency, p.Attribution.Campaign, p.Attribution.Prompt,
			p.Attribution.Variant, boolInt(p.Receipt), nullID(sid), p.Reference, now, p.Lang); err != nil {
			return fmt.Errorf("create pledge checkout: %w", err)
		}
		return nil
	})
	return id, err
}

// PledgeCheckoutID is the id of a bank pledge's checkout, and of the
// recurring gift a standing order becomes.
func PledgeCheckoutID(reference string) string { return "bank-" + reference }

const pledgeColumns = `id, reference, frequency, amount, currency, campaign_id, prompt_id, variant_id, supporter_id,
	status, created_at, expires_at, received_at`

func scanPledge(sc interface{ Scan(...any) error }) (revenue.Pledge, error) {
	var p revenue.Pledge
	var freq string
	var sid, received sql.NullInt64
	var created, expires int64
	err := sc.Scan(&p.ID, &p.Reference, &freq, &p.Amount, &p.Currency, &p.Attribution.Campaign, &p.Attribution.Prompt,
		&p.Attribution.Variant, &sid, &p.Status, &created, &expires, &received)
	p.Frequency, p.SupporterID = revenue.Frequency(freq), sid.Int64
	p.CreatedAt, p.ExpiresAt, p.ReceivedAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC(), fromUnix(received)
	return p, err
}

// PledgeByReference finds a pledge by its reference.
func (s *Store) PledgeByReference(ctx context.Context, ref string) (revenue.Pledge, error) {
	p, err := scanPledge(s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT `+pledgeColumns+` FROM pledges WHERE reference = ?`), ref))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("pledge %s: %w", ref, err)
	}
	return p, nil
}

// PledgeQuery selects pledges.
type PledgeQuery struct {
	Status      string // empty for any
	SupporterID int64
	Limit       int
}

// Pledges lists pledges, newest first.
func (s *Store) Pledges(ctx context.Context, q PledgeQuery) ([]revenue.Pledge, error) {
	sqlq := `SELECT ` + pledgeColumns + ` FROM pledges WHERE 1=1`
	var args []any
	if q.Status != "" {
		sqlq += ` AND status = ?`
		args = append(args, q.Status)
	}
	if q.SupporterID != 0 {
		sqlq += ` AND supporter_id = ?`
		args = append(args, q.SupporterID)
	}
	sqlq += ` ORDER BY created_at DESC, id DESC`
	if q.Limit > 0 {
		sqlq += fmt.Sprintf(` LIMIT %d`, q.Limit)
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(sqlq), args...)
	if err != nil {
		return nil, fmt.Errorf("list pledges: %w", err)
	}
	defer rows.Close()
	var out []revenue.Pledge
	for rows.Next() {
		p, err := scanPledge(rows)
		if err != nil {
			return nil, fmt.Errorf("list pledges: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ReceivePledge marks an open pledge's first transfer received: see
// ReceiveTransfer.
func (s *Store) ReceivePledge(ctx context.Context, id, userID int64) (bool, error) {
	_, ok, err := s.ReceiveTransfer(ctx, TransferMark{PledgeID: id, UserID: userID})
	return ok, err
}

// TransferMark is revenue staff marking a bank transfer received.
type TransferMark struct {
	PledgeID int64
	// Due names which transfer of a standing order this is: the start of
	// the period it pays (the recurring gift's next_renewal), as the
	// admin showed it. Zero for a pledge's first transfer. Two staff (or
	// one double click) marking the same transfer name the same period,
	// so it is booked once.
	Due    time.Time
	UserID int64
	// Receipt builds the donor's receipt when they asked for one; it is
	// queued in the booking's transaction, so it goes out exactly once
	// with the gift. Nil: no receipt.
	Receipt func(ReceivedTransfer) (mail.Message, error)
}

// ReceivedTransfer is a bank transfer just booked.
type ReceivedTransfer struct {
	Pledge  revenue.Pledge
	Entry   revenue.Entry
	Period  time.Time // the start of the period it pays
	NextDue time.Time // when the next transfer is due; zero for a one-time gift
	To      string    // the donor's address, for the receipt only
	Lang    string    // the language the donor gave in
}

// ReceiveTransfer books a bank transfer, in one transaction, and reports
// false when there was nothing to book.
//
//   - An open pledge's first transfer marks the pledge received and books
//     its gift under the pledge's reference. A one-time pledge ends there.
//     A monthly or annual pledge is a standing order: it becomes a
//     recurring gift (provider "bank", ref the pledge's reference) that
//     counts in MRR, due again one period later.
//   - A later transfer of a standing order (m.Due set) pays the period
//     that starts at m.Due, booked under "REFERENCE/2006-01-02". It moves
//     the gift on one period and makes it current again if it had lapsed
//     (LapseRecurring). A gift that had ended starts a new period now.
//
// The pledge's status (open to received) and the gift's next_renewal
// (m.Due to the period after) change only from what the caller saw, and
// the ledger's key (provider, ref) is unique: two nodes marking the same
// transfer at the same instant book it once, and a pledge no longer open,
// a period already paid or an expired pledge book nothing.
func (s *Store) ReceiveTransfer(ctx context.Context, m TransferMark) (ReceivedTransfer, bool, error) {
	var out ReceivedTransfer
	var done bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out, done = ReceivedTransfer{}, false
		now := s.now()
		p, err := scanPledge(tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT `+pledgeColumns+` FROM pledges WHERE id = ?`), m.PledgeID))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("receive transfer: %w", err)
		}
		e := revenue.Entry{Provider: "bank", Ref: p.Reference, Kind: revenue.Gift, Frequency: revenue.OneTime, Amount: p.Amount,
			Currency: p.Currency, At: now, Attribution: p.Attribution, SupporterID: p.SupporterID}
		if p.Recurring() {
			e.Frequency, e.SubscriptionRef = p.Frequency, p.Reference
		}
		period := now
		switch {
		case m.Due.IsZero():
			res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE pledges SET status = 'received', received_at = ?, received_by = ?
				WHERE id = ? AND status = 'open'`), now.Unix(), nullID(m.UserID), p.ID)
			if err != nil {
				return fmt.Errorf("receive pledge: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
			p.Status, p.ReceivedAt = revenue.PledgeReceived, now
			if p.Recurring() {
				out.NextDue = revenue.NextPeriod(period, p.Frequency)
				if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO subscriptions
					(provider, ref, customer_ref, checkout_id, supporter_id, status, frequency, amount, currency,
					 campaign_id, prompt_id, variant_id, started_at, ended_at, next_renewal, status_at)
					VALUES ('bank', ?, '', ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`),
					p.Reference, PledgeCheckoutID(p.Reference), nullID(p.SupporterID), string(p.Frequency), p.Amount, p.Currency,
					p.Attribution.Campaign, p.Attribution.Prompt, p.Attribution.Variant, now.Unix(), out.NextDue.Unix(), now.Unix()); err != nil {
					return fmt.Errorf("start standing order: %w", err)
				}
			}
		case p.Recurring() && p.Status == revenue.PledgeReceived:
			var status string
			var next sql.NullInt64
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT status, next_renewal FROM subscriptions WHERE provider = 'bank' AND ref = ?`),
				p.Reference).Scan(&status, &next)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read standing order: %w", err)
			}
			if !next.Valid || next.Int64 != m.Due.Unix() {
				return nil // that period was booked already
			}
			if status != revenue.StatusCanceled {
				// Paid on time or late, the transfer pays the period it is for.
				period = m.Due.UTC()
			}
			out.NextDue = revenue.NextPeriod(period, p.Frequency)
			res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE subscriptions SET status = 'active', ended_at = NULL,
				next_renewal = ?, status_at = ? WHERE provider = 'bank' AND ref = ? AND next_renewal = ?`),
				out.NextDue.Unix(), now.Unix(), p.Reference, m.Due.Unix())
			if err != nil {
				return fmt.Errorf("renew standing order: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
			e.Ref = p.Reference + "/" + m.Due.UTC().Format("2006-01-02")
		default:
			return nil
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO ledger_entries
			(provider, ref, kind, frequency, amount, currency, at, campaign_id, prompt_id, variant_id, supporter_id, subscription_ref, payment_ref)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, ref) DO NOTHING`),
			e.Provider, e.Ref, string(e.Kind), string(e.Frequency), e.Amount, e.Currency, e.At.Unix(),
			e.Attribution.Campaign, e.Attribution.Prompt, e.Attribution.Variant, nullID(e.SupporterID), e.SubscriptionRef, e.PaymentRef)
		if err != nil {
			return fmt.Errorf("add ledger entry: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			// Booked already: undo the status change with the rest.
			if err == nil {
				err = errBookedAlready
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE checkouts SET status = 'paid' WHERE id = ? AND status <> 'paid'`),
			PledgeCheckoutID(p.Reference)); err != nil {
			return fmt.Errorf("mark pledge checkout paid: %w", err)
		}
		done = true
		out.Pledge, out.Entry, out.Period = p, e, period
		return s.transferReceiptTx(ctx, tx, m, &out)
	})
	if errors.Is(err, errBookedAlready) {
		return ReceivedTransfer{}, false, nil
	}
	if err != nil || !done {
		return ReceivedTransfer{}, false, err
	}
	return out, true, nil
}

var errBookedAlready = errors.New("bank transfer booked already")

// transferReceiptTx queues the receipt of the transfer just booked, when
// the donor asked for one and gave an address.
func (s *Store) transferReceiptTx(ctx context.Context, tx *sql.Tx, m TransferMark, t *ReceivedTransfer) error {
	var receipt int
	var lang string
	var sealed []byte
	err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT c.receipt, c.lang, sp.email_sealed FROM checkouts c
		JOIN supporters sp ON sp.id = c.supporter_id WHERE c.id = ?`), PledgeCheckoutID(t.Pledge.Reference)).Scan(&receipt, &lang, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pledge receipt: %w", err)
	}
	t.Lang, t.Pledge.Receipt, t.Pledge.Lang = lang, receipt == 1, lang
	if receipt != 1 || m.Receipt == nil || s.sealer == nil {
		return nil
	}
	to, err := s.sealer.Open(sealed)
	if err != nil {
		return fmt.Errorf("pledge receipt: the donor's address cannot be opened: %w", err)
	}
	t.To = to
	msg, err := m.Receipt(*t)
	if err != nil {
		return fmt.Errorf("pledge receipt: %w", err)
	}
	if err := msg.Validate(); err != nil {
		return fmt.Errorf("pledge receipt: %w", err)
	}
	return s.enqueueTx(ctx, tx, []mail.Message{msg})
}

// StandingOrder is a monthly or annual bank pledge whose first transfer
// arrived: a recurring gift paid by the reader's standing order.
type StandingOrder struct {
	PledgeID int64
	revenue.Subscription
}

// StandingOrders lists the standing orders that are running (active, or
// lapsed but not ended), the next due first.
func (s *Store) StandingOrders(ctx context.Context, limit int) ([]StandingOrder, error) {
	q := `SELECT p.id, ` + prefixed("sub.", subscriptionColumns) + ` FROM subscriptions sub
		JOIN pledges p ON p.reference = sub.ref
		WHERE sub.provider = 'bank' AND sub.status IN ('active', 'past_due') ORDER BY sub.next_renewal, sub.ref`
	if limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, limit)
	}
	rows, err := s.read.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("standing orders: %w", err)
	}
	defer rows.Close()
	var out []StandingOrder
	for rows.Next() {
		var o StandingOrder
		var freq string
		var started int64
		var ended, next sql.NullInt64
		sub := &o.Subscription
		if err := rows.Scan(&o.PledgeID, &sub.Provider, &sub.Ref, &sub.CustomerRef, &sub.Status, &freq, &sub.Amount, &sub.Currency,
			&sub.Attribution.Campaign, &sub.Attribution.Prompt, &sub.Attribution.Variant, &started, &ended, &next); err != nil {
			return nil, fmt.Errorf("standing orders: %w", err)
		}
		sub.Frequency, sub.StartedAt = revenue.Frequency(freq), time.Unix(started, 0).UTC()
		sub.EndedAt, sub.NextRenewal = fromUnix(ended), fromUnix(next)
		out = append(out, o)
	}
	return out, rows.Err()
}

// prefixed qualifies each of a comma-separated column list with p.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// ExpirePledges marks open pledges past their expiry expired.
func (s *Store) ExpirePledges(ctx context.Context) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now().Unix()
		// The pledges' checkouts first, while the pledges are still open.
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE checkouts SET status = 'expired' WHERE provider = 'bank' AND status = 'open'
			AND provider_ref IN (SELECT reference FROM pledges WHERE status = 'open' AND expires_at <= ?)`), now); err != nil {
			return fmt.Errorf("expire pledge checkouts: %w", err)
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE pledges SET status = 'expired' WHERE status = 'open' AND expires_at <= ?`), now)
		if err != nil {
			return fmt.Errorf("expire pledges: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
