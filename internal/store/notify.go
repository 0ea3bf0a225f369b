package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// changesChannel is the PostgreSQL channel on which nodes announce changes.
const changesChannel = "samizdat_changes"

// listenConfig is cfg for the one long-lived connection that waits for
// notifications: no statement timeout, since waiting is all it does.
func listenConfig(cfg *pgx.ConnConfig) *pgx.ConnConfig {
	c := cfg.Copy()
	c.RuntimeParams["statement_timeout"] = "0"
	c.RuntimeParams["application_name"] = "samizdat-listen"
	return c
}

// Shared reports whether other nodes may use the same database, so that
// changes must be announced to them.
func (s *Store) Shared() bool { return s.listenConfig != nil }

// Announce tells every node listening on the database about a change. On
// SQLite, which one process owns, it does nothing.
func (s *Store) Announce(ctx context.Context, payload string) error {
	if s.listenConfig == nil {
		return nil
	}
	if _, err := s.write.ExecContext(ctx, `SELECT pg_notify($1, $2)`, changesChannel, payload); err != nil {
		return fmt.Errorf("announce change: %w", err)
	}
	return nil
}

// Listen calls fn with every announcement until ctx ends, reconnecting
// after a lost connection. After each reconnection it calls fn with "*",
// since announcements made while it was away are lost. On SQLite it only
// waits for ctx.
func (s *Store) Listen(ctx context.Context, fn func(payload string), onErr func(error)) {
	if s.listenConfig == nil {
		<-ctx.Done()
		return
	}
	backoff := 100 * time.Millisecond
	for first := true; ctx.Err() == nil; first = false {
		err := s.listenOnce(ctx, fn, !first)
		if ctx.Err() != nil {
			return
		}
		if err != nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, fn func(string), reconnected bool) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := pgx.ConnectConfig(cctx, s.listenConfig)
	cancel()
	if err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	if reconnected {
		fn("*")
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("listen for changes: %w", err)
		}
		fn(n.Payload)
	}
}
