// Package store is the one place with SQL. It opens SQLite or PostgreSQL,
// applies the embedded migrations and answers queries grouped by aggregate,
// one file each. Queries are written once, with ? placeholders, and rebound
// for PostgreSQL; what differs between the engines lives in dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Store reads and writes the site's data.
type Store struct {
	read    *sql.DB // many connections, readers never wait on writers (WAL)
	write   *sql.DB // SQLite: one connection, one writer at a time; PostgreSQL: the read pool
	dialect dialect
	now     func() time.Time
	// listenConfig opens the dedicated connection that waits for other
	// nodes' announcements (PostgreSQL only; nil for SQLite).
	listenConfig *pgx.ConnConfig
	retries      int          // of transactions that lost a serialization conflict
	webhooks     webhookQueue // webhook events waiting for a shared transaction (ledger_batch.go)
	// sealer seals personal data (e-mail addresses) at rest; see SetSealer.
	sealer Sealer
	stmts  *stmtCache // prepared reads (SQLite); nil runs every read unprepared
	feeds  feeds      // this process's followers of the change feed
}

// dialect holds what differs between engines, chosen once at Open.
type dialect struct {
	name   string
	rebind func(string) string
	// search is the engine's full-text search.
	search searcher
	// migrationsDDL creates the migrations' bookkeeping table if missing.
	migrationsDDL string
	// lockMigrations, when set, runs first in every migration transaction
	// and makes it wait for other nodes migrating the same database.
	lockMigrations func(ctx context.Context, tx *sql.Tx) error
	// lockPayments, when set, takes the locks of payments (keys from
	// paymentLockKey, sorted, no duplicates) in the order given and holds
	// them until the transaction ends: see Store.lockPayments. SQLite
	// leaves it nil; its one writer connection and BEGIN IMMEDIATE already
	// serialize every write transaction, other processes' on the same
	// file included.
	lockPayments func(ctx context.Context, tx *sql.Tx, keys []int32) error
	// jsonRows is a scalar subquery: the rows of query (a SELECT whose
	// columns are named cols), as a JSON array of arrays, "[]" for none.
	jsonRows func(query, cols string) string
	// lateral is a SELECT of cols (bare names) from from, joined for each
	// of its rows with the rows of query, which may refer to from's
	// tables and whose columns are named cols: PostgreSQL's LATERAL
	// join, which SQLite writes as json_each over a subquery's rows (a
	// table-valued function may read the tables before it). The caller
	// appends WHERE and the rest.
	lateral func(from, query string, cols []string) string
}

// sqliteJSONRows and pgJSONRows are the engines' dialect.jsonRows.
func sqliteJSONRows(query, cols string) string {
	return `(SELECT json_group_array(json_array(` + cols + `)) FROM (` + query + `))`
}

func pgJSONRows(query, cols string) string {
	return `(SELECT COALESCE(json_agg(json_build_array(` + cols + `)), '[]'::json)::text FROM (` + query + `) j)`
}

// sqliteLateral and pgLateral are the engines' dialect.lateral.
func sqliteLateral(from, query string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = `l.value ->> ` + strconv.Itoa(i) + ` AS ` + c
	}
	return `SELECT ` + strings.Join(out, ", ") + ` FROM ` + from +
		` JOIN json_each((SELECT json_group_array(json_array(` + strings.Join(cols, ", ") + `)) FROM (` + query + `))) l`
}

func pgLateral(from, query string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = `l.` + c
	}
	return `SELECT ` + strings.Join(out, ", ") + ` FROM ` + from + ` CROSS JOIN LATERAL (` + query + `) l`
}

// Open opens the database named by dsn: a postgres:// (or postgresql://)
// URL for PostgreSQL, a file path for SQLite. It applies pending migrations
// before returning. A PostgreSQL URL may set pool_max_conns and
// statement_timeout (see PostgresOptions).
func Open(ctx context.Context, dsn string) (*Store, error) {
	if isPostgresURL(dsn) {
		return OpenPostgres(ctx, dsn, PostgresOptions{})
	}
	s, err := openSQLite(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the database.
func (s *Store) Close() error {
	if s.stmts != nil {
		s.stmts.close()
	}
	if s.write == s.read {
		return s.read.Close()
	}
	return errors.Join(s.read.Close(), s.write.Close())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.dialect.name, err)
	}
	return nil
}

// Engine names the database engine, for logs and health checks.
func (s *Store) Engine() string { return s.dialect.name }

// SetClock replaces the store's clock; tests use it to control time.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// inTx runs fn in a transaction. On PostgreSQL, a transaction that lost a
// serialization conflict or a deadlock is run again from the start, up to
// the configured number of retries: fn must only touch the database.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.txOnce(ctx, fn)
		if err == nil || attempt >= s.retries || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 10 * time.Millisecond):
		}
	}
}

func (s *Store) txOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// On SQLite, whose one write connection runs one transaction at a time,
	// the count moves only if this transaction recorded a change; on
	// PostgreSQL another may move it too, which costs a needless catch-up.
	mark := s.feeds.recorded.Load()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if s.feeds.recorded.Load() != mark {
		s.committed(ctx)
	}
	return nil
}

// retryable reports a PostgreSQL serialization failure (40001) or deadlock
// (40P01): the transaction did nothing and may simply run again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func fromUnix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(n.Int64, 0).UTC()
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}
