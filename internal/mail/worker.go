package mail

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"time"
)

// Outbox is the store as the worker sees it.
type Outbox interface {
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Outgoing, error)
	MarkMailSent(ctx context.Context, o Outgoing, now time.Time) (bool, error)
	MarkMailFailed(ctx context.Context, o Outgoing, errText string, next time.Time) error
}

// Transport delivers messages, one result per message (nil: delivered).
// *Sender is the SMTP one.
type Transport interface {
	Send(ctx context.Context, msgs []Message) []error
}

// Worker moves mail from the outbox to the SMTP server: at most Rate
// messages a second from this node, each failure retried later with a
// growing wait (Backoff), so a mail survives an SMTP server that is down
// for hours.
type Worker struct {
	Outbox    Outbox
	Transport Transport
	Log       *slog.Logger
	// Rate is messages per second this node sends; default 10. Several
	// nodes each send at this rate.
	Rate float64
	// Lease is how long a claimed message is this node's alone; it must
	// outlast a batch's SMTP conversation. Default two minutes.
	Lease time.Duration
	// MaxAttempts after which a message is given up; default 30 (with
	// Backoff's six-hour ceiling, about a week).
	MaxAttempts int
	// Now is the worker's clock; tests move it by hand.
	Now func() time.Time

	tokens float64
	last   time.Time
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) rate() float64 {
	if w.Rate > 0 {
		return w.Rate
	}
	return 10
}

// burst is the most a single run may send: one second's worth.
func (w *Worker) burst() float64 { return max(1, math.Ceil(w.rate())) }

// RunOnce sends what the rate limit allows at this moment and returns how
// many messages the server took. Tokens accrue with the worker's clock,
// so a test that moves the clock by one second per run sees at most Rate
// messages per run.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	now := w.now()
	if w.last.IsZero() {
		w.tokens = w.burst()
	} else if d := now.Sub(w.last); d > 0 {
		w.tokens = min(w.burst(), w.tokens+d.Seconds()*w.rate())
	}
	w.last = now
	limit := int(w.tokens)
	if limit < 1 {
		return 0, nil
	}
	lease := w.Lease
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	batch, err := w.Outbox.ClaimMail(ctx, now, lease, limit)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	w.tokens -= float64(len(batch))
	msgs := make([]Message, len(batch))
	for i, o := range batch {
		msgs[i] = o.Message
	}
	results := w.Transport.Send(ctx, msgs)
	sent := 0
	var errs []error
	for i, o := range batch {
		var err error
		if i < len(results) {
			err = results[i]
		} else {
			err = errors.New("transport returned no result")
		}
		if err == nil {
			ok, merr := w.Outbox.MarkMailSent(ctx, o, w.now())
			if merr != nil {
				errs = append(errs, merr)
			}
			if ok {
				sent++
			}
			continue
		}
		text := Scrub(err.Error(), o.To)
		var se *SendError
		permanent := errors.As(err, &se) && se.Permanent
		maxAttempts := w.MaxAttempts
		if maxAttempts <= 0 {
			maxAttempts = 30
		}
		next := now.Add(Backoff(o.Attempts))
		if permanent || o.Attempts >= maxAttempts {
			next = time.Time{}
			w.log().Warn("mail given up", "id", o.ID, "kind", o.Kind, "attempts", o.Attempts, "err", text)
		} else {
			w.log().Info("mail not sent yet, will retry", "id", o.ID, "kind", o.Kind, "attempts", o.Attempts, "retry_at", next, "err", text)
		}
		if merr := w.Outbox.MarkMailFailed(ctx, o, text, next); merr != nil {
			errs = append(errs, merr)
		}
	}
	return sent, errors.Join(errs...)
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

// Run sends mail every poll interval until ctx ends, and sooner while
// the outbox holds more than one run may send.
func (w *Worker) Run(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = time.Second
	}
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.log().Error("mail outbox", "err", err)
		}
		wait := poll
		if n > 0 {
			// More may be waiting: come back when the next second's
			// tokens have accrued rather than after a full poll.
			wait = min(poll, time.Duration(float64(time.Second)*w.burst()/w.rate()))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
