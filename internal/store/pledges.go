package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// CreatePledge stores a bank transfer pledge; ErrConflict when its
// reference is taken (the caller draws another).
func (s *Store) CreatePledge(ctx context.Context, p revenue.Pledge, supporter *SupporterKey) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		sid, err := s.supporterID(ctx, tx, supporter)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO pledges
			(reference, frequency, amount, currency, campaign_id, prompt_id, variant_id, supporter_id, status, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id`),
			p.Reference, string(p.Frequency), p.Amount, p.Currency, p.Attribution.Campaign, p.Attribution.Prompt, p.Attribution.Variant,
			nullID(sid), s.now().Unix(), p.ExpiresAt.Unix()).Scan(&id)
		if isUnique(err) {
			return ErrConflict
		}
		if err != nil {
			return fmt.Errorf("create pledge: %w", err)
		}
		return nil
	})
	return id, err
}

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

// ReceivePledge marks an open pledge received and writes its gift to the
// ledger, in one transaction. It reports false when the pledge was not
// open (already received: a double click counts once; or expired).
func (s *Store) ReceivePledge(ctx context.Context, id, userID int64) (bool, error) {
	var done bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		done = false
		now := s.now()
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE pledges SET status = 'received', received_at = ?, received_by = ?
			WHERE id = ? AND status = 'open'`), now.Unix(), nullID(userID), id)
		if err != nil {
			return fmt.Errorf("receive pledge: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		p, err := scanPledge(tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT `+pledgeColumns+` FROM pledges WHERE id = ?`), id))
		if err != nil {
			return fmt.Errorf("receive pledge: %w", err)
		}
		done = true
		// A bank transfer is a one-time gift whatever was pledged: a
		// standing order shows up as a new pledge each time.
		return s.insertEntry(ctx, tx, revenue.Entry{
			Provider: "bank", Ref: p.Reference, Kind: revenue.Gift, Frequency: revenue.OneTime, Amount: p.Amount,
			Currency: p.Currency, At: now, Attribution: p.Attribution, SupporterID: p.SupporterID,
		})
	})
	return done, err
}

// ExpirePledges marks open pledges past their expiry expired.
func (s *Store) ExpirePledges(ctx context.Context) (int64, error) {
	res, err := s.write.ExecContext(ctx, s.dialect.rebind(`UPDATE pledges SET status = 'expired' WHERE status = 'open' AND expires_at <= ?`), s.now().Unix())
	if err != nil {
		return 0, fmt.Errorf("expire pledges: %w", err)
	}
	return res.RowsAffected()
}
