package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// SupporterByLookup finds a supporter by the keyed hash of their e-mail.
func (s *Store) SupporterByLookup(ctx context.Context, lookup []byte) (int64, error) {
	var id int64
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT id FROM supporters WHERE email_lookup = ?`), lookup).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("find supporter: %w", err)
	}
	return id, nil
}

// SupporterEmail returns a supporter's sealed e-mail.
func (s *Store) SupporterEmail(ctx context.Context, id int64) ([]byte, error) {
	var sealed []byte
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT email_sealed FROM supporters WHERE id = ?`), id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("supporter e-mail: %w", err)
	}
	return sealed, nil
}

// AddSupporter finds or creates the supporter with key.
func (s *Store) AddSupporter(ctx context.Context, k SupporterKey) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = s.supporterID(ctx, tx, &k)
		return err
	})
	return id, err
}

// CreateSupporterToken stores the hash of a sign-in link's token.
func (s *Store) CreateSupporterToken(ctx context.Context, supporterID int64, tokenHash string, expires time.Time) error {
	_, err := s.write.ExecContext(ctx, s.dialect.rebind(`INSERT INTO supporter_tokens (token_hash, supporter_id, created_at, expires_at)
		VALUES (?, ?, ?, ?)`), tokenHash, supporterID, s.now().Unix(), expires.Unix())
	if err != nil {
		return fmt.Errorf("create sign-in link: %w", err)
	}
	return nil
}

// CreateSupporterTokenCapped stores the hash of a sign-in link's token
// unless the supporter already has limit links made since since, and
// reports whether it did. The count and the insert run under a lock on the
// supporter's row (an UPDATE that changes nothing: PostgreSQL makes a
// second transaction wait for it, SQLite runs one writer at a time), so
// requests at once, on any node, cannot all pass the same count.
func (s *Store) CreateSupporterTokenCapped(ctx context.Context, supporterID int64, tokenHash string, expires, since time.Time, limit int) (bool, error) {
	created := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		created = false
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE supporters SET created_at = created_at WHERE id = ?`), supporterID)
		if err != nil {
			return fmt.Errorf("create sign-in link: lock supporter: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("create sign-in link: supporter %d: %w", supporterID, ErrNotFound)
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM supporter_tokens WHERE supporter_id = ? AND created_at >= ?`),
			supporterID, since.Unix()).Scan(&n); err != nil {
			return fmt.Errorf("create sign-in link: count: %w", err)
		}
		if n >= limit {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO supporter_tokens (token_hash, supporter_id, created_at, expires_at)
			VALUES (?, ?, ?, ?)`), tokenHash, supporterID, s.now().Unix(), expires.Unix()); err != nil {
			return fmt.Errorf("create sign-in link: %w", err)
		}
		created = true
		return nil
	})
	return created, err
}

// UseSupporterToken spends a sign-in link: it returns the supporter once,
// while the link is unexpired, and ErrNotFound after that.
func (s *Store) UseSupporterToken(ctx context.Context, tokenHash string) (int64, error) {
	var id int64
	now := s.now().Unix()
	err := s.write.QueryRowContext(ctx, s.dialect.rebind(`UPDATE supporter_tokens SET used_at = ?
		WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING supporter_id`), now, tokenHash, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("use sign-in link: %w", err)
	}
	return id, nil
}

// SupporterCustomer returns a provider's customer reference for a
// supporter, from their newest subscription there.
func (s *Store) SupporterCustomer(ctx context.Context, supporterID int64, provider string) (string, error) {
	var ref string
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT customer_ref FROM subscriptions
		WHERE supporter_id = ? AND provider = ? AND customer_ref <> '' ORDER BY started_at DESC LIMIT 1`), supporterID, provider).Scan(&ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("supporter customer: %w", err)
	}
	return ref, nil
}

func sortReports(rs []revenue.MonthReport) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && (rs[j].Month.Before(rs[j-1].Month) ||
			(rs[j].Month.Equal(rs[j-1].Month) && rs[j].Currency < rs[j-1].Currency)); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// SupporterTokensSince counts the sign-in links made for a supporter since
// a time: the sign-in form uses it so that nobody can flood a supporter's
// mailbox with links.
func (s *Store) SupporterTokensSince(ctx context.Context, supporterID int64, since time.Time) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM supporter_tokens WHERE supporter_id = ? AND created_at >= ?`),
		supporterID, since.Unix()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count sign-in links: %w", err)
	}
	return n, nil
}

// CreateSupporterSession stores a supporter's sign-in under the hash of
// its token, until expires.
func (s *Store) CreateSupporterSession(ctx context.Context, tokenHash string, supporterID int64, expires time.Time) error {
	_, err := s.write.ExecContext(ctx, s.dialect.rebind(`INSERT INTO supporter_sessions (token_hash, supporter_id, created_at, expires_at)
		VALUES (?, ?, ?, ?)`), tokenHash, supporterID, s.now().Unix(), expires.Unix())
	if err != nil {
		return fmt.Errorf("create supporter session: %w", err)
	}
	return nil
}

// SupporterSession returns the supporter signed in with the token whose
// hash is given, or ErrNotFound once it expired or was signed out.
func (s *Store) SupporterSession(ctx context.Context, tokenHash string) (int64, error) {
	var id int64
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT supporter_id FROM supporter_sessions WHERE token_hash = ? AND expires_at > ?`),
		tokenHash, s.now().Unix()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("supporter session: %w", err)
	}
	return id, nil
}

// DeleteSupporterSession signs a supporter's session out, on every node.
func (s *Store) DeleteSupporterSession(ctx context.Context, tokenHash string) error {
	if _, err := s.write.ExecContext(ctx, s.dialect.rebind(`DELETE FROM supporter_sessions WHERE token_hash = ?`), tokenHash); err != nil {
		return fmt.Errorf("sign supporter out: %w", err)
	}
	return nil
}
