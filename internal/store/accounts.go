package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
)

const userCols = `id, email, name, role, password_hash, password_changed_at, created_at, disabled, lang`

func scanUser(row scanner) (account.User, error) {
	var u account.User
	var role string
	var changed, created int64
	var disabled int
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &changed, &created, &disabled, &u.Lang); err != nil {
		return u, err
	}
	u.Role = account.Role(role)
	u.PasswordChangedAt = time.Unix(changed, 0).UTC()
	u.CreatedAt = time.Unix(created, 0).UTC()
	u.Disabled = disabled != 0
	return u, nil
}

// CreateUser stores a new account and sets its ID. The e-mail address must
// be normalized; a taken address is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *account.User) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now().UTC().Truncate(time.Second)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO users (email, name, role, password_hash, password_changed_at, created_at, lang)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			u.Email, u.Name, string(u.Role), u.PasswordHash, u.PasswordChangedAt.Unix(), u.CreatedAt.Unix(), u.Lang).Scan(&u.ID)
		if isUnique(err) {
			return fmt.Errorf("create user: %s already has an account: %w", u.Email, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return nil
	})
}

func (s *Store) user(ctx context.Context, where string, arg any) (account.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT `+userCols+` FROM users WHERE `+where), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user: %w", ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("user: %w", err)
	}
	return u, nil
}

// UserByEmail finds an account by normalized e-mail address.
func (s *Store) UserByEmail(ctx context.Context, email string) (account.User, error) {
	return s.user(ctx, `email = ?`, email)
}

// UserByID finds an account.
func (s *Store) UserByID(ctx context.Context, id int64) (account.User, error) {
	return s.user(ctx, `id = ?`, id)
}

// Users lists every account by e-mail address.
func (s *Store) Users(ctx context.Context) ([]account.User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []account.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser saves an account's name, role and disabled flag. Disabling an
// account ends its sessions.
func (s *Store) UpdateUser(ctx context.Context, u account.User) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		disabled := 0
		if u.Disabled {
			disabled = 1
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE users SET name = ?, role = ?, disabled = ? WHERE id = ?`),
			u.Name, string(u.Role), disabled, u.ID)
		if err != nil {
			return fmt.Errorf("update user %d: %w", u.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("update user %d: %w", u.ID, ErrNotFound)
		}
		if u.Disabled {
			_, err = tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM sessions WHERE user_id = ?`), u.ID)
		}
		return err
	})
}

// SetUserLang stores the language the account reads the admin in; empty
// means the site's main language. The caller checks lang against the
// catalogs: the store keeps whatever it is given.
func (s *Store) SetUserLang(ctx context.Context, userID int64, lang string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE users SET lang = ? WHERE id = ?`), lang, userID)
		if err != nil {
			return fmt.Errorf("set language of user %d: %w", userID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("set language of user %d: %w", userID, ErrNotFound)
		}
		return nil
	})
}

// SetPassword stores a new password hash and ends every session of the
// account, in one transaction: a stolen session dies with the old password.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	now := s.now().UTC().Unix()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?`), hash, now, userID)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("set password: user %d: %w", userID, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM sessions WHERE user_id = ?`), userID); err != nil {
			return fmt.Errorf("set password: end sessions: %w", err)
		}
		return nil
	})
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, se account.Session) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`), se.TokenHash, se.UserID, se.CSRFToken, se.CreatedAt.Unix(), se.LastSeenAt.Unix(), se.ExpiresAt.Unix())
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		return nil
	})
}

// SessionByToken finds a session and its account by token hash.
func (s *Store) SessionByToken(ctx context.Context, tokenHash string) (account.Session, account.User, error) {
	var se account.Session
	var created, seen, expires int64
	row := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,
		u.id, u.email, u.name, u.role, u.password_hash, u.password_changed_at, u.created_at, u.disabled, u.lang
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`), tokenHash)
	u, err := scanUser(rowWithPrefix{row, []any{&se.TokenHash, &se.UserID, &se.CSRFToken, &created, &seen, &expires}})
	if errors.Is(err, sql.ErrNoRows) {
		return se, u, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return se, u, fmt.Errorf("session: %w", err)
	}
	se.CreatedAt, se.LastSeenAt, se.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(seen, 0).UTC(), time.Unix(expires, 0).UTC()
	return se, u, nil
}

type rowWithPrefix struct {
	row    scanner
	prefix []any
}

func (r rowWithPrefix) Scan(dest ...any) error { return r.row.Scan(append(r.prefix, dest...)...) }

// TouchSession records activity, extending the idle timeout.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`), at.Unix(), tokenHash)
		return err
	})
}

// DeleteSession signs a browser out.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM sessions WHERE token_hash = ?`), tokenHash)
		return err
	})
}

// DeleteExpiredSessions removes sessions past their absolute expiry or idle
// for longer than idle.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`),
			now.Unix(), now.Add(-idle).Unix()); err != nil {
			return fmt.Errorf("delete expired sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM supporter_sessions WHERE expires_at <= ?`), now.Unix()); err != nil {
			return fmt.Errorf("delete expired supporter sessions: %w", err)
		}
		return nil
	})
}

// CreateInvite stores an invitation or password-reset link.
func (s *Store) CreateInvite(ctx context.Context, in account.Invite) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var userID, createdBy any
		if in.UserID != 0 {
			userID = in.UserID
		}
		if in.CreatedBy != 0 {
			createdBy = in.CreatedBy
		}
		_, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO invites (token_hash, email, role, user_id, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), in.TokenHash, in.Email, string(in.Role), userID, createdBy, in.CreatedAt.Unix(), in.ExpiresAt.Unix())
		if err != nil {
			return fmt.Errorf("create invite: %w", err)
		}
		return nil
	})
}

// InviteByToken returns an unused, unexpired invitation.
func (s *Store) InviteByToken(ctx context.Context, tokenHash string, now time.Time) (account.Invite, error) {
	var in account.Invite
	var role string
	var userID, createdBy sql.NullInt64
	var created, expires int64
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT token_hash, email, role, user_id, created_by, created_at, expires_at
		FROM invites WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`), tokenHash, now.Unix()).
		Scan(&in.TokenHash, &in.Email, &role, &userID, &createdBy, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("invite: %w", ErrNotFound)
	}
	if err != nil {
		return in, fmt.Errorf("invite: %w", err)
	}
	in.Role, in.UserID, in.CreatedBy = account.Role(role), userID.Int64, createdBy.Int64
	in.CreatedAt, in.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	return in, nil
}

// AcceptInvite uses an invitation exactly once: it creates the account (or,
// for a reset, sets its password) and marks the link used, in one
// transaction. A new account whose role writes articles (not revenue) also
// gets an author profile linked to it, named as the account, at a free
// slug made from the name. A used or expired link is ErrNotFound.
func (s *Store) AcceptInvite(ctx context.Context, tokenHash, name, passwordHash string) (account.User, error) {
	now := s.now().UTC().Truncate(time.Second)
	var u account.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var email, role string
		var userID sql.NullInt64
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`UPDATE invites SET used_at = ?
			WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING email, role, user_id`),
			now.Unix(), tokenHash, now.Unix()).Scan(&email, &role, &userID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("invite: used or expired: %w", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("accept invite: %w", err)
		}
		if userID.Valid {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?`),
				passwordHash, now.Unix(), userID.Int64); err != nil {
				return fmt.Errorf("accept invite: %w", err)
			}
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM sessions WHERE user_id = ?`), userID.Int64); err != nil {
				return fmt.Errorf("accept invite: %w", err)
			}
			u.ID = userID.Int64
		} else {
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO users (email, name, role, password_hash, password_changed_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), email, name, role, passwordHash, now.Unix(), now.Unix()).Scan(&u.ID)
			if isUnique(err) {
				return fmt.Errorf("accept invite: %s already has an account: %w", email, ErrConflict)
			}
			if err != nil {
				return fmt.Errorf("accept invite: %w", err)
			}
			// A new account that writes gets its byline at once, so that
			// the article form offers it.
			if account.Role(role).Can(account.EditOwnArticles) {
				id, err := s.createAccountAuthor(ctx, tx, u.ID, name, email)
				if err != nil {
					return fmt.Errorf("accept invite: %w", err)
				}
				return s.recordChange(ctx, tx, KeyAuthor(id))
			}
		}
		return nil
	})
	if err != nil {
		return u, err
	}
	return s.UserByID(ctx, u.ID)
}

// Throttle returns the failed sign-ins recorded for key and the last one's time.
func (s *Store) Throttle(ctx context.Context, key string) (int, time.Time, error) {
	var n int
	var last int64
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT failures, last_failure FROM auth_throttle WHERE key = ?`), key).Scan(&n, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("throttle: %w", err)
	}
	return n, time.Unix(last, 0).UTC(), nil
}

// RecordFailure counts a failed sign-in for each key.
func (s *Store) RecordFailure(ctx context.Context, at time.Time, keys ...string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			_, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO auth_throttle (key, failures, last_failure) VALUES (?, 1, ?)
				ON CONFLICT (key) DO UPDATE SET failures = auth_throttle.failures + 1, last_failure = excluded.last_failure`), k, at.Unix())
			if err != nil {
				return fmt.Errorf("record failure: %w", err)
			}
		}
		return nil
	})
}

// ClearThrottle forgets the failures of a key after a successful sign-in.
func (s *Store) ClearThrottle(ctx context.Context, key string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM auth_throttle WHERE key = ?`), key)
		return err
	})
}

// ThrottleCount is what auth_throttle holds for one key.
type ThrottleCount struct {
	Key      string
	Failures int       // attempts charged and not refunded since the key was last cleared
	Last     time.Time // when the last one was charged; zero for a new key
}

// errRefused rolls back a ReserveAttempt that decide refused.
var errRefused = errors.New("attempt refused")

// ReserveAttempt charges an attempt to every key before the password is
// checked, so that attempts running at once, in this process or on other
// nodes, cannot all pass one reading of the counters. With each key's row
// locked, it passes the counts (in the order of keys) to decide, which
// returns how long the attempt must wait. Zero: every key's count goes up
// by one, as a failure in advance, with at as its time, and the caller may
// check the password (and then call SettleAttempt if it was right). A
// positive wait is returned as it is, and nothing changes.
//
// The rows are locked by an upsert that changes nothing, in key order: on
// PostgreSQL a second transaction on the same key waits for the first to
// commit and then sees its count (an upsert works on the newest row, even
// under READ COMMITTED), and sorted keys cannot deadlock; SQLite runs one
// write transaction at a time (BEGIN IMMEDIATE), across processes too.
func (s *Store) ReserveAttempt(ctx context.Context, at time.Time, keys []string, decide func([]ThrottleCount) time.Duration) (time.Duration, error) {
	// Times are kept in whole seconds. Rounding the charge up means a wait
	// computed from it is never shorter than meant: rounded down, a 1 s
	// wait could be over at once, at the turn of a second.
	last := at.Unix()
	if at.After(time.Unix(last, 0)) {
		last++
	}
	order := slices.Clone(keys)
	slices.Sort(order)
	order = slices.Compact(order)
	var wait time.Duration
	// Errors name no key: keys hold e-mail addresses, and errors are logged.
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		byKey := make(map[string]ThrottleCount, len(order))
		for _, k := range order {
			var n int
			var t int64
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO auth_throttle (key, failures, last_failure) VALUES (?, 0, 0)
				ON CONFLICT (key) DO UPDATE SET failures = auth_throttle.failures RETURNING failures, last_failure`), k).Scan(&n, &t)
			if err != nil {
				return fmt.Errorf("reserve attempt: lock: %w", err)
			}
			c := ThrottleCount{Key: k, Failures: n}
			if t != 0 {
				c.Last = time.Unix(t, 0).UTC()
			}
			byKey[k] = c
		}
		counts := make([]ThrottleCount, len(keys))
		for i, k := range keys {
			counts[i] = byKey[k]
		}
		if wait = decide(counts); wait > 0 {
			return errRefused
		}
		for _, k := range order {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE auth_throttle SET failures = failures + 1, last_failure = ? WHERE key = ?`), last, k); err != nil {
				return fmt.Errorf("reserve attempt: charge: %w", err)
			}
		}
		return nil
	})
	if errors.Is(err, errRefused) {
		return wait, nil
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}

// SettleAttempt gives back what ReserveAttempt charged once it is known
// not to be a failure: the keys in clear are forgotten (the account whose
// password was right), the keys in refund lose the one failure charged in
// advance (a shared address, or every key of an attempt that never got to
// check a password). The time of the last charge stays: a refunded
// attempt may restart a wait, never shorten one.
func (s *Store) SettleAttempt(ctx context.Context, clear, refund []string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, k := range clear {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM auth_throttle WHERE key = ?`), k); err != nil {
				return fmt.Errorf("settle attempt: clear: %w", err)
			}
		}
		for _, k := range refund {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE auth_throttle SET failures = failures - 1 WHERE key = ? AND failures > 0`), k); err != nil {
				return fmt.Errorf("settle attempt: refund: %w", err)
			}
		}
		return nil
	})
}
