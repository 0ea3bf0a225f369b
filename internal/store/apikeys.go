package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// KeyAPIKeys names the set of Content API keys: every node reloads the
// keys it accepts when a key is added or revoked, so a revoked key is
// refused everywhere within one turn of the change feed.
const KeyAPIKeys = "apikeys"

// APIKey is a Content API key as stored: never the key itself, only its
// SHA-256 (the key is 104 random bits, so a plain hash cannot be reversed
// by guessing) and its last four digits.
type APIKey struct {
	ID        int64
	Name      string
	Hash      string // hex SHA-256 of the key
	Hint      string // the key's last four hex digits
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key works
}

// Revoked reports whether the key is refused.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// HashAPIKey is what the store keeps of a key.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(key)))
	return hex.EncodeToString(sum[:])
}

// ErrKeyName is returned by CreateAPIKey for an empty or taken name.
var ErrKeyName = errors.New("api key name")

// CreateAPIKey makes a new random key of 26 hex digits (Ghost's own
// length), stores its hash under name and returns the key: the only time
// anyone sees it.
func (s *Store) CreateAPIKey(ctx context.Context, name string) (string, APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", APIKey{}, fmt.Errorf("%w: a key needs a name, such as the app that will use it", ErrKeyName)
	}
	if len(name) > 100 {
		return "", APIKey{}, fmt.Errorf("%w: %d characters is too long; at most 100", ErrKeyName, len(name))
	}
	var raw [13]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", APIKey{}, fmt.Errorf("make an api key: %w", err)
	}
	key := hex.EncodeToString(raw[:])
	k := APIKey{Name: name, Hash: HashAPIKey(key), Hint: key[len(key)-4:], CreatedAt: s.now().UTC().Truncate(time.Second)}
	err := s.inTxChanging(ctx, []string{KeyAPIKeys}, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO api_keys (name, key_hash, hint, created_at)
			VALUES (?, ?, ?, ?) RETURNING id`), k.Name, k.Hash, k.Hint, k.CreatedAt.Unix()).Scan(&k.ID)
		if isUnique(err) {
			return fmt.Errorf("%w: a key named %q exists already; choose another name", ErrKeyName, name)
		}
		if err != nil {
			return fmt.Errorf("create api key %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return "", APIKey{}, err
	}
	return key, k, nil
}

// APIKeys lists every key, working and revoked, newest first.
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, name, key_hash, hint, created_at, revoked_at FROM api_keys ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var k APIKey
		var created int64
		var revoked sql.NullInt64
		if err := rows.Scan(&k.ID, &k.Name, &k.Hash, &k.Hint, &created, &revoked); err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		k.CreatedAt = time.Unix(created, 0).UTC()
		k.RevokedAt = fromUnix(revoked)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return out, nil
}

// RevokeAPIKey refuses a key from now on, named by its name, by the key
// itself, or by its ID. Revoking a revoked key changes nothing and is no
// error, so a retry is safe; an unknown one is ErrNotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, keyOrName string) (APIKey, error) {
	keyOrName = strings.TrimSpace(keyOrName)
	var found APIKey
	err := s.inTxChanging(ctx, []string{KeyAPIKeys}, func(tx *sql.Tx) error {
		var created int64
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, name, key_hash, hint, created_at, revoked_at FROM api_keys
			WHERE name = ? OR key_hash = ?`), keyOrName, HashAPIKey(keyOrName)).
			Scan(&found.ID, &found.Name, &found.Hash, &found.Hint, &created, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("api key %q: %w", keyOrName, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("revoke api key: %w", err)
		}
		found.CreatedAt, found.RevokedAt = time.Unix(created, 0).UTC(), fromUnix(revoked)
		if found.Revoked() {
			return nil
		}
		found.RevokedAt = s.now().UTC().Truncate(time.Second)
		_, err = tx.ExecContext(ctx, s.dialect.rebind(`UPDATE api_keys SET revoked_at = ? WHERE id = ?`), found.RevokedAt.Unix(), found.ID)
		if err != nil {
			return fmt.Errorf("revoke api key %q: %w", found.Name, err)
		}
		return nil
	})
	return found, err
}

// RevokeAPIKeyByID is RevokeAPIKey for the admin's list, which names keys
// by ID.
func (s *Store) RevokeAPIKeyByID(ctx context.Context, id int64) (APIKey, error) {
	var name string
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT name FROM api_keys WHERE id = ?`), id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, fmt.Errorf("api key %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("api key %d: %w", id, err)
	}
	return s.RevokeAPIKey(ctx, name)
}
