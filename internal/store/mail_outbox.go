package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
)

// Sealer seals personal data at rest and gives the keyed hash it is looked
// up by; *secret.Box is one.
type Sealer interface {
	Seal(plaintext string) []byte
	Open(sealed []byte) (string, error)
	Lookup(email string) []byte
}

// SetSealer gives the store the box that seals e-mail addresses. The
// outbox and the newsletter subscribers refuse to work without one, so an
// address can never be written in clear text by mistake. Call it once,
// before the store is used.
func (s *Store) SetSealer(b Sealer) { s.sealer = b }

var errNoSealer = errors.New("store: no sealer set for personal data (SetSealer)")

// EnqueueMail stores messages in the outbox, all or none, with their
// recipients sealed. The mail worker sends them later, retrying until the
// SMTP server takes them.
func (s *Store) EnqueueMail(ctx context.Context, msgs ...mail.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if s.sealer == nil {
		return errNoSealer
	}
	for _, m := range msgs {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("enqueue %s mail: %w", m.Kind, err)
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return s.enqueueTx(ctx, tx, msgs)
	})
	if err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	return nil
}

// enqueueTx inserts validated messages inside a caller's transaction, so
// a newsletter send and its mails commit together. Rows go in by the
// hundred: one round trip per row would make a large list slow on a
// database server.
func (s *Store) enqueueTx(ctx context.Context, tx *sql.Tx, msgs []mail.Message) error {
	const chunk = 100
	now := s.now().Unix()
	for len(msgs) > 0 {
		part := msgs[:min(chunk, len(msgs))]
		msgs = msgs[len(part):]
		var q strings.Builder
		q.WriteString(`INSERT INTO mail_outbox
			(kind, recipient, subject, body_text, body_html, headers, created_at, next_attempt_at, send_id) VALUES `)
		args := make([]any, 0, 9*len(part))
		for i, m := range part {
			headers := []byte("{}")
			if m.Headers != nil {
				var err error
				if headers, err = json.Marshal(m.Headers); err != nil {
					return err
				}
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			var send any
			if m.SendID != 0 {
				send = m.SendID
			}
			// The bodies and headers carry single-use links (sign-in, set a
			// password, confirm, unsubscribe): sealed like the address.
			args = append(args, m.Kind, s.sealer.Seal(m.To), m.Subject, s.sealText(m.Text), s.sealText(m.HTML), s.sealText(string(headers)), now, now, send)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(q.String()), args...); err != nil {
			return err
		}
	}
	return nil
}

// sealedPrefix marks a sealed text column of the outbox; rows written
// before bodies were sealed have none and are read as they are.
const sealedPrefix = "sealed:"

// sealText seals v for a text column: the prefix, then base64.
func (s *Store) sealText(v string) string {
	return sealedPrefix + base64.StdEncoding.EncodeToString(s.sealer.Seal(v))
}

// openText opens what sealText made, and returns an unsealed value as it is.
func (s *Store) openText(v string) (string, error) {
	b64, ok := strings.CutPrefix(v, sealedPrefix)
	if !ok {
		return v, nil
	}
	sealed, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("sealed mail text: %w", err)
	}
	return s.sealer.Open(sealed)
}

// ClaimMail takes up to limit messages due at now for this caller alone
// until now+lease: another node claiming at the same time gets other
// messages, and a claim left by a node that died is taken again once its
// lease ends. Each claim counts as an attempt.
func (s *Store) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]mail.Outgoing, error) {
	if s.sealer == nil {
		return nil, errNoSealer
	}
	if limit <= 0 {
		return nil, nil
	}
	token := newClaimToken()
	var out []mail.Outgoing
	var unreadable []int64
	q := `SELECT id, kind, recipient, subject, body_text, body_html, headers, attempts
		FROM mail_outbox
		WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?
		  AND (claimed_until IS NULL OR claimed_until <= ?)
		ORDER BY next_attempt_at, id
		LIMIT ?`
	if s.dialect.name == "postgres" {
		// Nodes claiming at once skip each other's rows instead of
		// waiting for them; SQLite has one writer, so needs no lock.
		q += ` FOR UPDATE SKIP LOCKED`
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out, unreadable = out[:0], unreadable[:0]
		rows, err := tx.QueryContext(ctx, s.dialect.rebind(q), now.Unix(), now.Unix(), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o mail.Outgoing
			var sealed []byte
			var headers string
			if err := rows.Scan(&o.ID, &o.Kind, &sealed, &o.Subject, &o.Text, &o.HTML, &headers, &o.Attempts); err != nil {
				return err
			}
			to, err := s.sealer.Open(sealed)
			var errs [3]error
			o.Text, errs[0] = s.openText(o.Text)
			o.HTML, errs[1] = s.openText(o.HTML)
			headers, errs[2] = s.openText(headers)
			if err != nil || errors.Join(errs[:]...) != nil {
				unreadable = append(unreadable, o.ID)
				continue
			}
			o.To = to
			if err := json.Unmarshal([]byte(headers), &o.Headers); err != nil {
				return fmt.Errorf("mail %d headers: %w", o.ID, err)
			}
			o.Attempts++
			o.Claim = token
			out = append(out, o)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for _, o := range out {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE mail_outbox
				SET claim_token = ?, claimed_until = ?, attempts = attempts + 1 WHERE id = ?`),
				token, now.Add(lease).Unix(), o.ID); err != nil {
				return err
			}
		}
		// A recipient sealed under another data key can never be sent:
		// give up on it now rather than retrying forever.
		for _, id := range unreadable {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE mail_outbox
				SET failed_at = ?, last_error = ? WHERE id = ?`),
				now.Unix(), "recipient cannot be opened with this data key", id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	return out, nil
}

func newClaimToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// MarkMailSent records that the SMTP server took the message. It only
// counts for the claim's holder: false means the lease had run out and
// another node took the message over.
func (s *Store) MarkMailSent(ctx context.Context, o mail.Outgoing, now time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE mail_outbox
			SET sent_at = ?, claim_token = NULL, claimed_until = NULL, last_error = ''
			WHERE id = ? AND claim_token = ? AND sent_at IS NULL`), now.Unix(), o.ID, o.Claim)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("mark mail %d sent: %w", o.ID, err)
	}
	return n == 1, nil
}

// MarkMailFailed records a failed attempt and when to try again; with
// next zero the outbox gives up on the message. errText must not hold the
// address (see mail.Scrub).
func (s *Store) MarkMailFailed(ctx context.Context, o mail.Outgoing, errText string, next time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var failedAt, nextAt any
		if next.IsZero() {
			failedAt = s.now().Unix()
		} else {
			nextAt = next.Unix()
		}
		_, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE mail_outbox
			SET last_error = ?, claim_token = NULL, claimed_until = NULL,
			    next_attempt_at = COALESCE(?, next_attempt_at), failed_at = ?
			WHERE id = ? AND claim_token = ? AND sent_at IS NULL`), errText, nextAt, failedAt, o.ID, o.Claim)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark mail %d failed: %w", o.ID, err)
	}
	return nil
}

// MailStats counts the outbox by state, for the health page and tests.
type MailStats struct {
	Pending, Sent, Failed int
}

// MailStats counts the outbox's messages.
func (s *Store) MailStats(ctx context.Context) (MailStats, error) {
	var st MailStats
	err := s.read.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM mail_outbox`).Scan(&st.Pending, &st.Sent, &st.Failed)
	if err != nil {
		return st, fmt.Errorf("mail stats: %w", err)
	}
	return st, nil
}
