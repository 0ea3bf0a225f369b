package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
			SET status = ?, confirm_hash = NULL, confirmed_at = ?, unsubscribed_at = NULL, unsubscribed_send = NULL
			WHERE confirm_hash = ? AND status = ?`), mail.StatusConfirmed, now.Unix(), confirmHash, mail.StatusPending)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("confirm subscription: %w", err)
	}
	return lists, nil
}

// Unsubscribe takes subscription id off its list; doing it again is no
// error. send is the newsletter send whose link was used (0: unknown), so
// that send's report counts it. It returns the list, or ErrNotFound.
func (s *Store) Unsubscribe(ctx context.Context, id, send int64, now time.Time) (string, error) {
	var list string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT list FROM newsletter_subscribers WHERE id = ?`), id).Scan(&list); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		var from any
		if send != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM newsletter_sends WHERE id = ?`), send).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				from = send
			}
		}
		_, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_subscribers
			SET status = ?, confirm_hash = NULL, unsubscribed_at = ?, unsubscribed_send = ? WHERE id = ? AND status <> ?`),
			mail.StatusUnsubscribed, now.Unix(), from, id, mail.StatusUnsubscribed)
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
func (s *Store) SendNewsletter(ctx context.Context, send mail.Send, build func(sendID int64, sub mail.Subscriber) (mail.Message, error)) (int, error) {
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
		var id int64
		if err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO newsletter_sends
			(list, key, article_id, created_by, created_at, status, subject, sent_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			send.List, send.Key, article, user, now, mail.IssueSent, send.Subject, now, now).Scan(&id); err != nil {
			if isUnique(err) {
				return ErrAlreadySent
			}
			return err
		}
		var err error
		n, err = s.enqueueSendTx(ctx, tx, id, send.List, nil, build)
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

// enqueueSendTx enqueues send id's mail, one per confirmed subscriber of
// list (in one of langs; nil: any), and records the count on the send.
func (s *Store) enqueueSendTx(ctx context.Context, tx *sql.Tx, id int64, list string, langs []string,
	build func(sendID int64, sub mail.Subscriber) (mail.Message, error)) (int, error) {
	q, args := subscribersQuery(`SELECT id, email, created_at FROM newsletter_subscribers`, list, langs)
	rows, err := tx.QueryContext(ctx, s.dialect.rebind(q+` ORDER BY id`), args...)
	if err != nil {
		return 0, err
	}
	var subs []mail.Subscriber
	for rows.Next() {
		sub := mail.Subscriber{List: list, Status: mail.StatusConfirmed}
		var sealed []byte
		var created int64
		if err := rows.Scan(&sub.ID, &sealed, &created); err != nil {
			rows.Close()
			return 0, err
		}
		sub.CreatedAt = time.Unix(created, 0).UTC()
		if sub.Email, err = s.sealer.Open(sealed); err != nil {
			continue // sealed under another key: cannot be mailed
		}
		subs = append(subs, sub)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	msgs := make([]mail.Message, 0, len(subs))
	for _, sub := range subs {
		m, err := build(id, sub)
		if err != nil {
			return 0, err
		}
		if err := m.Validate(); err != nil {
			return 0, fmt.Errorf("newsletter mail: %w", err)
		}
		m.SendID = id
		msgs = append(msgs, m)
	}
	if err := s.enqueueTx(ctx, tx, msgs); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_sends SET recipients = ? WHERE id = ?`), len(msgs), id)
	return len(msgs), err
}

// subscribersQuery adds to sel the conditions naming the confirmed
// subscribers of list in one of langs (nil: any language).
func subscribersQuery(sel, list string, langs []string) (string, []any) {
	q := sel + ` WHERE list = ? AND status = ?`
	args := []any{list, mail.StatusConfirmed}
	if len(langs) > 0 {
		q += ` AND lang IN (?` + strings.Repeat(", ?", len(langs)-1) + `)`
		for _, l := range langs {
			args = append(args, l)
		}
	}
	return q, args
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
