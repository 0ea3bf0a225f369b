package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgresOptions tune a PostgreSQL store. Zero fields take the value of
// the URL's query parameter of the same meaning (pool_max_conns,
// statement_timeout), else the default.
type PostgresOptions struct {
	// MaxConns bounds the open connections of this node; default 10.
	MaxConns int
	// StatementTimeout ends any statement that runs longer; default 5s.
	// Migrations run without it. Negative disables it.
	StatementTimeout time.Duration
	// Retries is how often a transaction that lost a serialization conflict
	// or a deadlock runs again; default 3, negative for none.
	Retries int
}

const (
	defaultPGMaxConns         = 10
	defaultPGStatementTimeout = 5 * time.Second
	pgPingTimeout             = 5 * time.Second
)

// isPostgresURL reports whether dsn names a PostgreSQL server.
func isPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// OpenPostgres opens a PostgreSQL store from a postgres:// URL and applies
// pending migrations; Open does the same with options from the URL alone.
func OpenPostgres(ctx context.Context, dsn string, opts PostgresOptions) (*Store, error) {
	s, err := openPostgres(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openPostgres opens one pool that serves as both the read and the write
// pool: PostgreSQL has no single-writer limit to work around.
func openPostgres(ctx context.Context, dsn string, opts PostgresOptions) (*Store, error) {
	secrets := &redactor{}
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("open database: invalid PostgreSQL URL: %w", secrets.scrub(err))
	}
	if pw, ok := u.User.Password(); ok {
		secrets.add(pw)
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		secrets.add(q.Get(k))
	}
	where := u.Host
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		where += "/" + db
	}
	fail := func(format string, args ...any) error {
		return secrets.scrub(fmt.Errorf("open database postgres %s: "+format, append([]any{where}, args...)...))
	}

	// Our own parameters: pgx would send unknown ones to the server as settings.
	if v := q.Get("pool_max_conns"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fail("pool_max_conns=%q: want a positive number", v)
		}
		if opts.MaxConns == 0 {
			opts.MaxConns = n
		}
	}
	if v := q.Get("statement_timeout"); v != "" {
		d, err := parseTimeout(v)
		if err != nil {
			return nil, fail("statement_timeout=%q: %v", v, err)
		}
		if opts.StatementTimeout == 0 {
			opts.StatementTimeout = d
		}
	}
	if v := q.Get("tx_retries"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fail("tx_retries=%q: want a number", v)
		}
		if opts.Retries == 0 {
			opts.Retries = n
		}
	}
	if opts.Retries == 0 {
		opts.Retries = 3
	}
	q.Del("pool_max_conns")
	q.Del("statement_timeout")
	q.Del("tx_retries")
	u.RawQuery = q.Encode()
	if opts.MaxConns <= 0 {
		opts.MaxConns = defaultPGMaxConns
	}
	if opts.StatementTimeout == 0 {
		opts.StatementTimeout = defaultPGStatementTimeout
	}

	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fail("invalid URL: %v", err)
	}
	secrets.add(cfg.Password)
	where = net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if cfg.Database != "" {
		where += "/" + cfg.Database
	}
	if opts.StatementTimeout > 0 {
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	} else {
		cfg.RuntimeParams["statement_timeout"] = "0"
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "samizdat"
	}

	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	pctx, cancel := context.WithTimeout(ctx, pgPingTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		if pctx.Err() != nil && ctx.Err() == nil {
			return nil, fail("no answer within %s: %v", pgPingTimeout, err)
		}
		return nil, fail("%v", err)
	}
	return &Store{
		read:  db,
		write: db,
		dialect: dialect{
			name:           "postgres",
			rebind:         rebindDollar,
			search:         pgSearch{},
			jsonRows:       pgJSONRows,
			lateral:        pgLateral,
			migrationsDDL:  pgMigrationsDDL,
			lockMigrations: pgLockMigrations,
			lockPayments:   pgLockPayments,
		},
		now:          time.Now,
		listenConfig: listenConfig(cfg),
		retries:      max(0, opts.Retries),
	}, nil
}

// parseTimeout reads a Go duration ("5s", "250ms") or a number of milliseconds.
func parseTimeout(v string) (time.Duration, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		if n == 0 {
			return -1, nil // 0 means "no timeout" to PostgreSQL
		}
		return time.Duration(n) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, errors.New(`want a duration such as "5s" or milliseconds`)
	}
	if d == 0 {
		return -1, nil
	}
	return d, nil
}

// redactor keeps passwords out of error messages, whatever the driver says.
type redactor struct{ secrets []string }

func (r *redactor) add(s string) {
	if s == "" {
		return
	}
	r.secrets = append(r.secrets, s, url.QueryEscape(s), url.PathEscape(s))
}

func (r *redactor) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, s := range r.secrets {
		clean = strings.ReplaceAll(clean, s, "xxxxx")
	}
	if clean == msg {
		return err
	}
	return redactedError{msg: clean, err: err}
}

// redactedError is an error whose message had a password taken out; it
// still unwraps to the driver's error for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

const pgMigrationsDDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`

// pgMigrationLockKey names the advisory lock that serializes migrations
// across nodes; advisory locks are per database.
const pgMigrationLockKey int64 = 0x73616d697a646174 // "samizdat"

// pgLockMigrations makes the transaction wait for any other node's
// migration, and lets a long migration run past the statement timeout.
func pgLockMigrations(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, pgMigrationLockKey)
	return err
}

// pgPaymentLockClass is the first key of the two-key advisory locks on
// payments. Two-key locks are a key space apart from one-key ones, so a
// payment's lock can never be the migrations' lock.
const pgPaymentLockClass int32 = 0x6c656467 // "ledg"

// pgLockPayments waits for, then holds until the transaction ends, the
// advisory lock of each payment in keys, in the order given, in one round
// trip: unnest yields the array's elements in order, and the aggregate
// takes each lock as its row arrives. Advisory locks need no row to
// exist, and every node on the database sees the same ones.
func pgLockPayments(ctx context.Context, tx *sql.Tx, keys []int32) error {
	_, err := tx.ExecContext(ctx, `SELECT COUNT(pg_advisory_xact_lock($1::int4, k)) FROM unnest($2::int4[]) AS k`,
		pgPaymentLockClass, keys)
	return err
}

// rebound caches rebindDollar's answers: the store's queries are a fixed set.
var rebound sync.Map

// rebindDollar turns each ? placeholder outside quotes and comments into
// PostgreSQL's $1, $2, …. It knows standard SQL quoting (a quote inside a
// literal or identifier is doubled), which is all the store writes: no E-prefixed
// strings with backslash escapes, no dollar quoting, no jsonb ? operator.
func rebindDollar(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	out := rebindQuery(q)
	// Queries built with a variable number of placeholders (IN lists) could
	// grow the cache without bound; keep only the common sizes.
	if len(q) < 4096 {
		rebound.Store(q, out)
	}
	return out
}

func rebindQuery(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			// A quoted literal or identifier; a doubled quote stays inside.
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(q))
			b.WriteString(q[i:end])
			i = end - 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				end = len(q) - i
			}
			b.WriteString(q[i : i+end])
			i += end - 1
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				end = len(q) - i
			} else {
				end += 4
			}
			b.WriteString(q[i : i+end])
			i += end - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
