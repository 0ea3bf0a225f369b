package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
)

// ResendAfter is how long a pending subscription waits before another
// request for it sends another confirmation mail.
const ResendAfter = 15 * time.Minute

// Subscribe records email as pending on each of lists, all under one
// confirmation (confirmHash: the SHA-256 of the token mailed to it), and
// reports whether a confirmation mail is needed: false when the address is
// already confirmed on every list, or asked for within ResendAfter. Lists
// already confirmed stay as they are; pending ones asked for longer ago
// get the new confirmation, replacing older links. A pending row's
// created_at is the time of its latest confirmation mail.
func (s *Store) Subscribe(ctx context.Context, email, lang string, lists []string, confirmHash string, now time.Time) (bool, error) {
	if s.sealer == nil {
		return false, errNoSealer
	}
	lookup := s.sealer.Lookup(email)
	need := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		need = false
		for _, list := range lists {
			var id, requested int64
			var status string
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, status, created_at FROM newsletter_subscribers
				WHERE list = ? AND email_lookup = ?`), list, lookup).Scan(&id, &status, &requested)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				_, err = tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO newsletter_subscribers
					(list, email, email_lookup, status, confirm_hash, created_at, lang) VALUES (?, ?, ?, ?, ?, ?, ?)`),
					list, s.sealer.Seal(email), lookup, mail.StatusPending, confirmHash, now.Unix(), lang)
			case err != nil:
			case status == mail.StatusConfirmed:
				continue
			case status == mail.StatusPending && now.Unix()-requested < int64(ResendAfter/time.Second):
				// The form must not become a way to flood someone's
				// inbox: one confirmation per address and list per
				// ResendAfter.
				continue
			default:
				_, err = tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_subscribers
					SET status = ?, confirm_hash = ?, email = ?, created_at = ?, lang = ? WHERE id = ?`),
					mail.StatusPending, confirmHash, s.sealer.Seal(email), now.Unix(), lang, id)
			}
			if err != nil {
				return err
			}
			need = true
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	return need, nil
}

// ConfirmSubscription confirms the subscriptions waiting on confirmHash
// and uses the confirmation up: the same link does nothing twice. It
// returns the lists confirmed, or ErrNotFound.
func (s *Store) ConfirmSubscription(ctx context.Context, confirmHash string, now time.Time) ([]string, error) {
	var lists []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		lists = lists[:0]
		rows, err := tx.QueryContext(ctx, s.dialect.rebind(`SELECT list FROM newsletter_subscribers
			WHERE confirm_hash = ? AND status = ? ORDER BY list`), confirmHash, mail.StatusPending)
		if err != nil {
			return err
		}
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				rows.Close()
				return err
			}
			lists = append(lists, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(lists) == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_subscribers
			SET status = ?, confirm_hash = NULL, confirmed_at = ?, unsubscribed_at = NULL
			WHERE confirm_hash = ? AND status = ?`), mail.StatusConfirmed, now.Unix(), confirmHash, mail.StatusPending)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("confirm subscription: %w", err)
	}
	return lists, nil
}

// Unsubscribe takes subscription id off its list; doing it again is no
// error. It returns the list, or ErrNotFound.
func (s *Store) Unsubscribe(ctx context.Context, id int64, now time.Time) (string, error) {
	var list string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT list FROM newsletter_subscribers WHERE id = ?`), id).Scan(&list); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		_, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_subscribers
			SET status = ?, confirm_hash = NULL, unsubscribed_at = ? WHERE id = ? AND status <> ?`),
			mail.StatusUnsubscribed, now.Unix(), id, mail.StatusUnsubscribed)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("unsubscribe: %w", err)
	}
	return list, nil
}

// NewsletterSubscription returns one subscription with its address opened.
func (s *Store) NewsletterSubscription(ctx context.Context, id int64) (mail.Subscriber, error) {
	if s.sealer == nil {
		return mail.Subscriber{}, errNoSealer
	}
	var sub mail.Subscriber
	var sealed []byte
	var created int64
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, list, email, status, created_at
		FROM newsletter_subscribers WHERE id = ?`), id).Scan(&sub.ID, &sub.List, &sealed, &sub.Status, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return sub, ErrNotFound
	}
	if err != nil {
		return sub, fmt.Errorf("subscription %d: %w", id, err)
	}
	sub.CreatedAt = time.Unix(created, 0).UTC()
	if sub.Email, err = s.sealer.Open(sealed); err != nil {
		return sub, fmt.Errorf("subscription %d: %w", id, err)
	}
	return sub, nil
}

// SubscriberCounts counts confirmed subscribers per list.
func (s *Store) SubscriberCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT list, COUNT(*) FROM newsletter_subscribers
		WHERE status = ? GROUP BY list`), mail.StatusConfirmed)
	if err != nil {
		return nil, fmt.Errorf("subscriber counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var l string
		var n int
		if err := rows.Scan(&l, &n); err != nil {
			return nil, fmt.Errorf("subscriber counts: %w", err)
		}
		out[l] = n
	}
	return out, rows.Err()
}

// ErrAlreadySent means a newsletter send with this list and key exists.
var ErrAlreadySent = fmt.Errorf("newsletter already sent: %w", ErrConflict)

// SendNewsletter claims send (its list and key are unique) and enqueues
// one message per confirmed subscriber of its list, made by build, in the
// same transaction: a send happens once across nodes and restarts, and a
// crash leaves either the claim and every mail or neither. It returns the
// number of recipients, or ErrAlreadySent.
func (s *Store) SendNewsletter(ctx context.Context, send mail.Send, build func(mail.Subscriber) (mail.Message, error)) (int, error) {
	if s.sealer == nil {
		return 0, errNoSealer
	}
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now().Unix()
		var article, user any
		if send.ArticleID != 0 {
			article = send.ArticleID
		}
		if send.CreatedBy != 0 {
			user = send.CreatedBy
		}
		// The claim comes first: a second node blocks here (PostgreSQL)
		// or behind the single writer (SQLite), then fails on the key.
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO newsletter_sends
			(list, key, article_id, created_by, created_at) VALUES (?, ?, ?, ?, ?)`),
			send.List, send.Key, article, user, now); err != nil {
			if isUnique(err) {
				return ErrAlreadySent
			}
			return err
		}
		rows, err := tx.QueryContext(ctx, s.dialect.rebind(`SELECT id, email, created_at FROM newsletter_subscribers
			WHERE list = ? AND status = ? ORDER BY id`), send.List, mail.StatusConfirmed)
		if err != nil {
			return err
		}
		var subs []mail.Subscriber
		for rows.Next() {
			sub := mail.Subscriber{List: send.List, Status: mail.StatusConfirmed}
			var sealed []byte
			var created int64
			if err := rows.Scan(&sub.ID, &sealed, &created); err != nil {
				rows.Close()
				return err
			}
			sub.CreatedAt = time.Unix(created, 0).UTC()
			if sub.Email, err = s.sealer.Open(sealed); err != nil {
				continue // sealed under another key: cannot be mailed
			}
			subs = append(subs, sub)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		msgs := make([]mail.Message, 0, len(subs))
		for _, sub := range subs {
			m, err := build(sub)
			if err != nil {
				return err
			}
			if err := m.Validate(); err != nil {
				return fmt.Errorf("newsletter mail: %w", err)
			}
			msgs = append(msgs, m)
		}
		if err := s.enqueueTx(ctx, tx, msgs); err != nil {
			return err
		}
		n = len(msgs)
		_, err = tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_sends SET recipients = ? WHERE list = ? AND key = ?`),
			n, send.List, send.Key)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrAlreadySent) {
			return 0, err
		}
		return 0, fmt.Errorf("send newsletter %s %s: %w", send.List, send.Key, err)
	}
	return n, nil
}

// NewsletterSent reports whether the send with list and key happened.
func (s *Store) NewsletterSent(ctx context.Context, list, key string) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM newsletter_sends WHERE list = ? AND key = ?`), list, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("newsletter sent: %w", err)
	}
	return n > 0, nil
}
