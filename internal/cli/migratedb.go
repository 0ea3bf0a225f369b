package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/samizdat-press/samizdat/internal/store"
)

const migrateDBUsage = `usage: samizdat migrate-db --from SOURCE --to TARGET [--force]

Copies every table of a samizdat database into another, IDs included, in one
transaction on the target, then checks row counts and checksums on both
sides. SOURCE and TARGET are each a SQLite file or a postgres:// URL; a
password may also come from PGPASSWORD or ~/.pgpass instead of the URL.
Media files are not in the database: point the new setup at the same
media directory. Stop the site (every node) while copying.

`

// migrateDB copies a whole site from one database to another.
func migrateDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate-db", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), migrateDBUsage)
		fs.PrintDefaults()
	}
	from := fs.String("from", "", "database to copy: a SQLite file or a postgres:// URL")
	to := fs.String("to", "", "database to copy into: a SQLite file (created if missing) or a postgres:// URL")
	force := fs.Bool("force", false, "delete every row of the target's tables first, in the same transaction")
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("migrate-db: unexpected argument %q", redactDSN(fs.Arg(0)))}
	case *from == "" || *to == "":
		return usageError{"migrate-db: both --from and --to are required"}
	case sameDatabase(*from, *to):
		return usageError{"migrate-db: --from and --to name the same database"}
	}
	if !isPostgres(*from) {
		// store.Open would create an empty file: a typo must not copy nothing.
		if _, err := os.Stat(*from); err != nil {
			return fmt.Errorf("migrate-db: --from %s: %w", *from, errors.Unwrap(err))
		}
	}
	src, err := store.Open(ctx, *from)
	if err != nil {
		return fmt.Errorf("migrate-db: source: %w", err)
	}
	defer src.Close()
	dst, err := store.Open(ctx, *to)
	if err != nil {
		return fmt.Errorf("migrate-db: target: %w", err)
	}
	defer dst.Close()

	tty := isTerminal(stderr)
	fmt.Fprintf(stdout, "copying %s %s\n     to %s %s\n", src.Engine(), redactDSN(*from), dst.Engine(), redactDSN(*to))
	rep, err := store.Copy(ctx, src, dst, store.CopyOptions{Force: *force, Progress: func(table string, rows int64) {
		if tty {
			fmt.Fprintf(stderr, "\r\033[K%s: %d rows", table, rows)
		}
	}})
	if tty {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		if errors.Is(err, store.ErrTargetNotEmpty) {
			return fmt.Errorf("migrate-db: %w", err)
		}
		return fmt.Errorf("migrate-db: nothing was copied: %w", err)
	}
	width := len("table")
	for _, t := range rep.Tables {
		width = max(width, len(t.Name))
	}
	fmt.Fprintf(stdout, "%-*s  %10s  %s\n", width, "table", "rows", "checksum (SHA-256)")
	for _, t := range rep.Tables {
		fmt.Fprintf(stdout, "%-*s  %10d  %.16s\n", width, t.Name, t.Rows, t.Checksum)
	}
	for _, name := range rep.Unknown {
		fmt.Fprintf(stderr, "warning: table %s is not part of samizdat's schema: not copied\n", name)
	}
	fmt.Fprintf(stdout, "copied %d rows in %d tables (schema version %d) in %s\n",
		rep.Rows(), len(rep.Tables), rep.SchemaVersion, rep.Elapsed.Round(1e6))
	fmt.Fprintln(stdout, "verified: row counts and checksums match")
	return nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sameDatabase reports two names of one SQLite file, or one URL twice.
func sameDatabase(a, b string) bool {
	if isPostgres(a) || isPostgres(b) {
		return a == b
	}
	fa, errA := filepath.Abs(a)
	fb, errB := filepath.Abs(b)
	if errA != nil || errB != nil {
		return a == b
	}
	if fa == fb {
		return true
	}
	ia, errA := os.Stat(fa)
	ib, errB := os.Stat(fb)
	return errA == nil && errB == nil && os.SameFile(ia, ib)
}

// redactDSN is a database name fit to print: a PostgreSQL URL without its
// password (in the user part or the query); a SQLite path as it is.
func redactDSN(dsn string) string {
	if !isPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		scheme, _, _ := strings.Cut(dsn, "://")
		return scheme + "://(unparsable URL)"
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}
