package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// webhookQueue lets concurrent webhook deliveries share one transaction
// (group commit): SQLite has one writer, and a commit per event would cap
// ingest at the rate of commits. Each event still runs in its own
// savepoint, so its inbox row and its ledger effects stand or fall
// together, and no caller returns before the commit that holds its event.
type webhookQueue struct {
	mu      sync.Mutex
	pending []*webhookReq
	running bool // a caller is writing batches
}

type webhookReq struct {
	ev        revenue.Event
	payload   []byte
	supporter *SupporterKey
	applied   bool
	err       error
	done      chan struct{}
}

// maxWebhookBatch bounds a shared transaction.
const maxWebhookBatch = 128

// ApplyEvent stores a verified webhook event in the inbox and applies its
// ledger effects in the same transaction. It reports false, and changes
// nothing, when the event was already stored: a provider's retry or
// replay. The caller answers the provider only after it returns, which is
// after the commit.
func (s *Store) ApplyEvent(ctx context.Context, ev revenue.Event, sealedPayload []byte, supporter *SupporterKey) (bool, error) {
	req := &webhookReq{ev: ev, payload: sealedPayload, supporter: supporter, done: make(chan struct{})}
	q := &s.webhooks
	q.mu.Lock()
	q.pending = append(q.pending, req)
	lead := !q.running
	q.running = true
	q.mu.Unlock()
	if lead {
		s.writeWebhooks(req)
	}
	select {
	case <-req.done:
		return req.applied, req.err
	case <-ctx.Done():
		// The event may still be committed: the provider retries, and
		// the retry is a duplicate.
		return false, ctx.Err()
	}
}

// writeWebhooks writes batches until the caller's own event is done, then
// hands any further waiting events to a goroutine, so that no request
// waits for others' batches.
func (s *Store) writeWebhooks(own *webhookReq) {
	q := &s.webhooks
	for {
		q.mu.Lock()
		batch := q.pending
		if len(batch) > maxWebhookBatch {
			batch = batch[:maxWebhookBatch]
		}
		q.pending = q.pending[len(batch):]
		if len(batch) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		s.writeBatch(batch)
		select {
		case <-own.done:
			q.mu.Lock()
			more := len(q.pending) > 0
			if !more {
				q.running = false
			}
			q.mu.Unlock()
			if more {
				go s.writeWebhooks(&webhookReq{done: closed})
			}
			return
		default:
		}
	}
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// writeBatch applies a batch in one transaction, each event in a savepoint.
// Its own callers' contexts do not bound it: one reader's cancelled
// request must not fail the others' events.
func (s *Store) writeBatch(batch []*webhookReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var keys []int32
	for _, r := range batch {
		if k, ok := paymentLockKey(r.ev); ok {
			keys = append(keys, k)
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Every payment lock the batch's events need, first and in order
		// (lockPayments): taken one event at a time, two nodes' batches
		// holding the same payments in different orders would deadlock.
		if err := s.lockPayments(ctx, tx, keys); err != nil {
			return err
		}
		for _, r := range batch {
			r.applied, r.err = false, nil
			if _, err := tx.ExecContext(ctx, "SAVEPOINT webhook"); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			r.applied, r.err = s.applyEventTx(ctx, tx, r.ev, r.payload, r.supporter)
			if retryable(r.err) {
				// A deadlock or serialization failure is no fault of
				// the event: fail the batch, so that inTx runs all of it
				// again, rather than answer this event with an error.
				return r.err
			}
			if r.err != nil {
				r.applied = false
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT webhook"); err != nil {
					return fmt.Errorf("rollback to savepoint: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT webhook"); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
	for _, r := range batch {
		if err != nil {
			r.applied, r.err = false, err
		}
		close(r.done)
	}
}

// applyEventTx is one event: the inbox row, then its ledger effects.
func (s *Store) applyEventTx(ctx context.Context, tx *sql.Tx, ev revenue.Event, sealedPayload []byte, supporter *SupporterKey) (bool, error) {
	handled := boolInt(ev.Kind != revenue.EventIgnored)
	if ev.RequireCheckout && handled == 1 {
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM checkouts WHERE id = ? AND provider = ?`),
			ev.CheckoutID, ev.Provider).Scan(&n); err != nil {
			return false, fmt.Errorf("find checkout: %w", err)
		}
		if n == 0 {
			// Signed by the provider, but not for a payment this site
			// asked for: kept, unhandled, for the revenue staff to review.
			handled, ev.Type = 0, ev.Type+" "+ReviewMark
		}
	}
	res, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO webhook_inbox
		(provider, event_id, type, received_at, handled, payload_sealed) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (provider, event_id) DO NOTHING`),
		ev.Provider, ev.ID, ev.Type, s.now().Unix(), handled, sealedPayload)
	if err != nil {
		return false, fmt.Errorf("store webhook %s: %w", ev.Type, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if handled == 0 {
		return true, nil
	}
	return true, s.applyTx(ctx, tx, ev, supporter)
}
