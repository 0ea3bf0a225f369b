package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/samizdat-press/samizdat/internal/backup"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/store"
)

const backupUsage = `usage: samizdat backup [--db samizdat.db] [--media DIR] --out FILE

Writes the whole site (every table, the settings, the media files) into one
archive while it serves: the database is read in one snapshot, so writes
going on meanwhile are either in it or not, never half. The archive holds
a manifest of row counts and checksums; donor and subscriber data stays
sealed, and the archive records which data key opens it. It is written
under a temporary name and renamed at the end: a full disk leaves nothing
under FILE.

`

const restoreUsage = `usage: samizdat restore --db TARGET [--media DIR] [--force] FILE

Loads an archive made by samizdat backup into an empty database (a SQLite
file, created if missing, or a postgres:// URL), in one transaction, then
checks row counts and checksums against the archive's manifest. The data
key (--data-key or --data-key-file) must be the one the archive records.
A database that holds data is refused without --force.

`

func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var cfg config.Config
	fs := newFlags("backup", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), backupUsage)
		fs.PrintDefaults()
	}
	cfg.DataFlags(fs)
	out := fs.String("out", "", "archive to write, such as samizdat-2026-12-03.tar.gz")
	if err := config.Parse(fs, &cfg, args, getenv); err != nil {
		return usageErr(err)
	}
	if *out == "" {
		return usageError{"backup: --out FILE is required"}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("backup: unexpected argument %q", fs.Arg(0))}
	}
	if !isPostgres(cfg.DB) {
		if _, err := os.Stat(cfg.DB); err != nil {
			return fmt.Errorf("backup: --db %s: %w", cfg.DB, errors.Unwrap(err))
		}
	}
	keys, err := cfg.Keys()
	if err != nil {
		return fmt.Errorf("backup: data key: %w", err)
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer st.Close()
	rep, err := backup.Backup(ctx, st, backup.Options{Out: *out, Media: cfg.Media, Keys: keys})
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range rep.Manifest.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(stdout, "wrote %s: %d rows in %d tables (schema version %d, %s), %d files, %d bytes in %s (%.1f MB/s)\n",
		*out, rows, len(rep.Manifest.Tables), rep.Manifest.SchemaVersion, rep.Manifest.SourceEngine, len(rep.Manifest.Files),
		rep.Bytes, rep.Elapsed.Round(1e6), mbps(rep.Bytes, rep.Elapsed.Seconds()))
	fmt.Fprintf(stdout, "data key %s\n", rep.Manifest.DataKeyID)
	return nil
}

func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var cfg config.Config
	fs := newFlags("restore", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), restoreUsage)
		fs.PrintDefaults()
	}
	cfg.DataFlags(fs)
	force := fs.Bool("force", false, "replace the contents of a database that holds data")
	// The archive may come before or after the flags.
	var archive string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		archive, args = args[0], args[1:]
	}
	if err := config.Parse(fs, &cfg, args, getenv); err != nil {
		return usageErr(err)
	}
	if archive == "" && fs.NArg() > 0 {
		archive = fs.Arg(0)
	}
	if archive == "" {
		return usageError{"restore: name the archive to restore"}
	}
	if _, err := os.Stat(archive); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if cfg.DataKey == "" {
		// A key file made now would be a new key, which opens nothing.
		if _, err := os.Stat(cfg.DataKeyFile); err != nil {
			return usageError{fmt.Sprintf("restore: no data key: %s does not exist; give the key the site ran with (--data-key or --data-key-file): the archive's donor and subscriber data is sealed with it", cfg.DataKeyFile)}
		}
	}
	keys, err := cfg.Keys()
	if err != nil {
		return fmt.Errorf("restore: data key: %w", err)
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer st.Close()
	rep, err := backup.Restore(ctx, st, backup.RestoreOptions{Archive: archive, Media: cfg.Media, Keys: keys, Force: *force})
	if errors.Is(err, store.ErrTargetNotEmpty) {
		return fmt.Errorf("%w; add --force to replace its contents", err)
	}
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range rep.Manifest.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(stdout, "restored %s into %s %s: %d rows in %d tables, %d files, in %s (%.1f MB/s)\n", archive, st.Engine(), redactDSN(cfg.DB),
		rows, len(rep.Manifest.Tables), len(rep.Manifest.Files), rep.Elapsed.Round(1e6), mbps(rep.Bytes, rep.Elapsed.Seconds()))
	fmt.Fprintln(stdout, "verified: row counts and checksums match the manifest")
	return nil
}

func mbps(bytes int64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(bytes) / 1e6 / secs
}
