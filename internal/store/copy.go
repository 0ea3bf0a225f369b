package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"
)

// copyTables are the tables Copy copies, in foreign-key order (every table
// after the tables it references), each with its primary key. A migration
// that adds a table must add it here: TestCopyTableList fails until it does.
// Not copied: schema_migrations (each database keeps its own, and Copy
// requires both at the same version) and what an engine maintains itself
// (SQLite's FTS5 index and its shadow tables).
var copyTables = []struct {
	name string
	key  []string
}{
	{"sections", []string{"id"}},
	{"users", []string{"id"}}, // before authors, which name their accounts
	{"authors", []string{"id"}},
	{"tags", []string{"id"}},
	{"articles", []string{"id"}},
	{"article_authors", []string{"article_id", "author_id"}},
	{"article_tags", []string{"article_id", "tag_id"}},
	{"article_translations", []string{"article_id"}},
	{"front_pins", []string{"lang", "section_id", "position"}},
	{"name_forms", []string{"kind", "ref_id", "lang"}},
	{"corrections", []string{"id"}},
	{"settings", []string{"key"}},
	{"sessions", []string{"token_hash"}},
	{"invites", []string{"token_hash"}},
	{"auth_throttle", []string{"key"}},
	{"article_revisions", []string{"id"}},
	{"article_autosaves", []string{"article_id", "user_id"}},
	{"media_images", []string{"image_key"}},
	{"article_media", []string{"article_id", "image_key"}},
	{"funding_entries", []string{"id"}},
	{"campaigns", []string{"id"}},
	{"prompts", []string{"id"}},
	{"prompt_variants", []string{"id"}},
	{"prompt_counts", []string{"day", "variant_id"}},
	{"newsletter_sends", []string{"id"}}, // before the outbox and subscribers, which name sends
	{"mail_outbox", []string{"id"}},
	{"newsletter_subscribers", []string{"id"}},
	{"supporters", []string{"id"}},
	{"supporter_tokens", []string{"token_hash"}},
	{"supporter_sessions", []string{"token_hash"}},
	{"checkouts", []string{"id"}},
	{"pledges", []string{"id"}},
	{"subscriptions", []string{"id"}},
	{"ledger_entries", []string{"id"}},
	{"webhook_inbox", []string{"provider", "event_id"}},
	{"renewal_notices", []string{"provider", "subscription_ref", "due_at"}},
	{"provider_status", []string{"provider"}},
	{"pages", []string{"id"}},
	{"page_revisions", []string{"id"}},
	{"redirects", []string{"from_path"}},
	{"import_refs", []string{"source", "kind", "source_id"}},
	{"api_keys", []string{"id"}},
}

// copyBookkeeping are tables of the schema that Copy leaves alone. The
// change feed is each database's own: nodes on the copy start following it
// with nothing cached. search_words is made from the articles, and SQLite
// makes it again at its next start (finishSearchWords). search_lexemes,
// PostgreSQL's own (migration 0027), is written by a trigger as the
// articles are copied in.
var copyBookkeeping = []string{"schema_migrations", "changes", "search_words", "search_lexemes"}

// CopyTables returns the tables Copy copies, in the order it copies them.
func CopyTables() []string {
	names := make([]string, len(copyTables))
	for i, t := range copyTables {
		names[i] = t.name
	}
	return names
}

// copyEngine is what Copy needs to know about an engine beyond its dialect:
// catalog queries, and the upkeep after rows were inserted with their IDs.
type copyEngine struct {
	// tables lists the engine's tables, without those the engine maintains
	// itself (SQLite: virtual tables and their shadow tables).
	tables string
	// columns lists a table's stored columns in order (argument: the table),
	// without generated ones, which the engine computes.
	columns string
	// identities lists a table's columns that take their values from a
	// sequence (argument: the table); empty when the engine has none to reset.
	identities string
	// resetIdentity moves the sequence behind a column past the column's
	// highest value, formatted with the quoted table and column; its
	// arguments are the table and the column name.
	resetIdentity string
	// txSetup runs first in each of the copy's transactions.
	txSetup string
}

var copyEngines = map[string]copyEngine{
	"sqlite": {
		tables: `SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
			AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
			AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'
			AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table'
				AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND m.name LIKE v.name || '\_%' ESCAPE '\')`,
		columns: `SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid`,
		// INTEGER PRIMARY KEY takes MAX(id)+1 by itself: nothing to reset.
	},
	"postgres": {
		tables: `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
		columns: `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? AND is_generated = 'NEVER'
			ORDER BY ordinal_position`,
		identities: `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ?
			AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
			ORDER BY ordinal_position`,
		resetIdentity: `SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX(%[2]s), 1), MAX(%[2]s) IS NOT NULL) FROM %[1]s`,
		// A copy runs far longer than any statement of the site.
		txSetup: `SET LOCAL statement_timeout = 0`,
	},
}

// CopyOptions tune Copy.
type CopyOptions struct {
	// Force empties the target's tables first (in the copy's transaction);
	// without it, a target with any row in a copied table is refused.
	Force bool
	// BatchRows bounds the rows of one INSERT; 0 means as many as fit in
	// 30,000 parameters, at most 1,000, and about 4 MB of values.
	BatchRows int
	// Progress, when set, is called after each batch with the table and
	// the rows of it copied so far.
	Progress func(table string, rows int64)
}

// CopyReport says what Copy copied.
type CopyReport struct {
	From, To      string // engines
	SchemaVersion int
	Tables        []CopiedTable // in copy order
	// Unknown are tables found in either database that are not part of
	// samizdat's schema; they were not copied.
	Unknown []string
	Elapsed time.Duration
}

// Rows is the number of rows copied, over all tables.
func (r CopyReport) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// CopiedTable is one table of a copy, as verified on both sides.
type CopiedTable struct {
	Name     string
	Rows     int64
	Checksum string // hex SHA-256 of the rows; see rowsDigest
}

// ErrTargetNotEmpty refuses a copy onto a database that has data.
var ErrTargetNotEmpty = errors.New("target database is not empty")

const (
	copyMaxParams     = 30000   // below SQLite's 32766 and PostgreSQL's 65535
	copyMaxBatchRows  = 1000    //
	copyMaxBatchBytes = 4 << 20 // of values in one INSERT
)

// Copy copies every table of samizdat's schema from one store to another,
// IDs and every column as they are, in one transaction on the target: the
// target ends up with all of it or, on any error, unchanged. Both stores
// must be at the same schema version; the source is read in one snapshot.
// After the rows are in, the target's ID sequences are moved past the
// highest IDs, and each table's row count and checksum are computed again
// on the target, before the commit, and compared with the source's.
func Copy(ctx context.Context, from, to *Store, opts CopyOptions) (CopyReport, error) {
	start := time.Now()
	rep := CopyReport{From: from.dialect.name, To: to.dialect.name}
	if from == to {
		return rep, errors.New("copy: the source and the target are the same store")
	}
	fe, ok := copyEngines[from.dialect.name]
	if !ok {
		return rep, fmt.Errorf("copy: engine %s not supported", from.dialect.name)
	}
	te, ok := copyEngines[to.dialect.name]
	if !ok {
		return rep, fmt.Errorf("copy: engine %s not supported", to.dialect.name)
	}
	fv, err := from.SchemaVersion(ctx)
	if err != nil {
		return rep, fmt.Errorf("copy: source: %w", err)
	}
	tv, err := to.SchemaVersion(ctx)
	if err != nil {
		return rep, fmt.Errorf("copy: target: %w", err)
	}
	if fv != tv {
		return rep, fmt.Errorf("copy: the databases are at different schema versions: source (%s) at migration %d, target (%s) at %d; "+
			"open both with the same samizdat version so both are migrated alike", from.dialect.name, fv, to.dialect.name, tv)
	}
	rep.SchemaVersion = fv

	// The source: one read-only snapshot (SQLite ignores the isolation
	// level; its read transactions see one snapshot anyway).
	src, err := from.read.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return rep, fmt.Errorf("copy: source: begin: %w", err)
	}
	defer src.Rollback()
	if err := execSetup(ctx, src, fe); err != nil {
		return rep, fmt.Errorf("copy: source: %w", err)
	}
	dst, err := to.write.BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("copy: target: begin: %w", err)
	}
	defer dst.Rollback()
	if err := execSetup(ctx, dst, te); err != nil {
		return rep, fmt.Errorf("copy: target: %w", err)
	}

	c := &copier{ctx: ctx, from: from, to: to, fe: fe, te: te, src: src, dst: dst, opts: opts}
	plans, unknown, err := c.plan()
	if err != nil {
		return rep, fmt.Errorf("copy: %w", err)
	}
	rep.Unknown = unknown
	if err := c.prepareTarget(plans); err != nil {
		return rep, fmt.Errorf("copy: %w", err)
	}
	for _, p := range plans {
		t, err := c.copyTable(p)
		if err != nil {
			return rep, fmt.Errorf("copy: table %s: %w", p.table, err)
		}
		rep.Tables = append(rep.Tables, t)
	}
	for _, p := range plans {
		if err := c.resetIdentities(p.table); err != nil {
			return rep, fmt.Errorf("copy: table %s: reset ID sequence: %w", p.table, err)
		}
	}
	// Verify inside the transaction, so a mismatch leaves the target as it was.
	var bad []string
	for i, p := range plans {
		n, sum, err := c.checksum(dst, p)
		if err != nil {
			return rep, fmt.Errorf("copy: verify table %s: %w", p.table, err)
		}
		if want := rep.Tables[i]; n != want.Rows || sum != want.Checksum {
			bad = append(bad, fmt.Sprintf("%s: source %d rows, checksum %.12s; target %d rows, checksum %.12s",
				p.table, want.Rows, want.Checksum, n, sum))
		}
	}
	if len(bad) > 0 {
		return rep, fmt.Errorf("copy: verification failed, the target was left unchanged:\n  %s", strings.Join(bad, "\n  "))
	}
	if err := dst.Commit(); err != nil {
		return rep, fmt.Errorf("copy: target: commit: %w", err)
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

func execSetup(ctx context.Context, tx *sql.Tx, e copyEngine) error {
	if e.txSetup == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, e.txSetup)
	return err
}

type copier struct {
	ctx      context.Context
	from, to *Store
	fe, te   copyEngine
	src, dst *sql.Tx
	opts     CopyOptions
}

// tablePlan is one table to copy: the columns both engines store, in the
// source's order, and the primary key the source is read in.
type tablePlan struct {
	table string
	cols  []string
	key   []string
}

// plan checks that every copied table is on both sides with the same
// columns, and lists the tables that are not samizdat's.
func (c *copier) plan() ([]tablePlan, []string, error) {
	known := map[string]bool{}
	for _, t := range copyTables {
		known[t.name] = true
	}
	for _, t := range copyBookkeeping {
		known[t] = true
	}
	var unknown []string
	for _, side := range []struct {
		tx  *sql.Tx
		s   *Store
		e   copyEngine
		who string
	}{{c.src, c.from, c.fe, "source"}, {c.dst, c.to, c.te, "target"}} {
		names, err := queryStrings(c.ctx, side.tx, side.s.dialect.rebind(side.e.tables))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: list tables: %w", side.who, err)
		}
		for _, n := range names {
			if !known[n] && !slices.Contains(unknown, n) {
				unknown = append(unknown, n)
			}
		}
	}
	slices.Sort(unknown)

	var plans []tablePlan
	for _, t := range copyTables {
		sc, err := queryStrings(c.ctx, c.src, c.from.dialect.rebind(c.fe.columns), t.name)
		if err != nil {
			return nil, nil, fmt.Errorf("source: columns of %s: %w", t.name, err)
		}
		tc, err := queryStrings(c.ctx, c.dst, c.to.dialect.rebind(c.te.columns), t.name)
		if err != nil {
			return nil, nil, fmt.Errorf("target: columns of %s: %w", t.name, err)
		}
		switch {
		case len(sc) == 0:
			return nil, nil, fmt.Errorf("table %s is missing from the source (%s)", t.name, c.from.dialect.name)
		case len(tc) == 0:
			return nil, nil, fmt.Errorf("table %s is missing from the target (%s)", t.name, c.to.dialect.name)
		}
		onlySrc, onlyDst := difference(sc, tc), difference(tc, sc)
		if len(onlySrc)+len(onlyDst) > 0 {
			return nil, nil, fmt.Errorf("table %s: the columns differ: only on the source: %v; only on the target: %v",
				t.name, onlySrc, onlyDst)
		}
		plans = append(plans, tablePlan{table: t.name, cols: sc, key: t.key})
	}
	return plans, unknown, nil
}

// difference returns the elements of a not in b.
func difference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func queryStrings(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// prepareTarget refuses a target with data or, forced, empties it, the
// tables that reference others first.
func (c *copier) prepareTarget(plans []tablePlan) error {
	if c.opts.Force {
		for i := len(plans) - 1; i >= 0; i-- {
			if _, err := c.dst.ExecContext(c.ctx, `DELETE FROM `+quoteIdent(plans[i].table)); err != nil {
				return fmt.Errorf("target: empty table %s: %w", plans[i].table, err)
			}
		}
		return nil
	}
	var full []string
	for _, p := range plans {
		var one int
		err := c.dst.QueryRowContext(c.ctx, `SELECT 1 FROM `+quoteIdent(p.table)+` LIMIT 1`).Scan(&one)
		switch {
		case err == nil:
			full = append(full, p.table)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("target: read table %s: %w", p.table, err)
		}
	}
	if len(full) > 0 {
		has := "table " + full[0] + " has rows"
		if len(full) > 1 {
			has = "tables " + strings.Join(full, ", ") + " have rows"
		}
		return fmt.Errorf("%w: %s; use --force to delete every row of the target's tables first (in the copy's transaction)",
			ErrTargetNotEmpty, has)
	}
	return nil
}

func (c *copier) batchRows(cols int) int {
	n := min(copyMaxBatchRows, copyMaxParams/cols)
	if c.opts.BatchRows > 0 {
		n = min(n, c.opts.BatchRows)
	}
	return max(1, n)
}

// copyTable streams the table from the source into the target in
// multi-row INSERTs, and returns the source's count and checksum.
func (c *copier) copyTable(p tablePlan) (CopiedTable, error) {
	out := CopiedTable{Name: p.table}
	cols := quoteList(p.cols)
	rows, err := c.src.QueryContext(c.ctx, `SELECT `+cols+` FROM `+quoteIdent(p.table)+` ORDER BY `+quoteList(p.key))
	if err != nil {
		return out, fmt.Errorf("read: %w", err)
	}
	defer rows.Close()

	n := len(p.cols)
	per := c.batchRows(n)
	insert := func(k int) string {
		var b strings.Builder
		b.WriteString(`INSERT INTO ` + quoteIdent(p.table) + ` (` + cols + `) VALUES `)
		row := `(` + strings.Repeat(`?, `, n-1) + `?)`
		for i := range k {
			if i > 0 {
				b.WriteString(`, `)
			}
			b.WriteString(row)
		}
		return c.to.dialect.rebind(b.String())
	}
	full := insert(per)
	var (
		batch = make([]any, 0, per*n)
		size  int
		total int64
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		k := len(batch) / n
		q := full
		if k != per {
			q = insert(k)
		}
		if _, err := c.dst.ExecContext(c.ctx, q, batch...); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		total += int64(k)
		clear(batch)
		batch, size = batch[:0], 0
		if c.opts.Progress != nil {
			c.opts.Progress(p.table, total)
		}
		return nil
	}

	sum := newRowsDigest(p.cols)
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return out, fmt.Errorf("read: %w", err)
		}
		if err := sum.add(vals); err != nil {
			return out, err
		}
		for _, v := range vals {
			size += valueSize(v)
		}
		batch = append(batch, vals...)
		if len(batch) == per*n || size >= copyMaxBatchBytes {
			if err := flush(); err != nil {
				return out, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("read: %w", err)
	}
	if err := flush(); err != nil {
		return out, err
	}
	out.Rows, out.Checksum = sum.n, sum.sum()
	if out.Rows != total {
		return out, fmt.Errorf("read %d rows but inserted %d", out.Rows, total)
	}
	return out, nil
}

// checksum reads a whole table in one of the copy's transactions.
func (c *copier) checksum(tx *sql.Tx, p tablePlan) (int64, string, error) {
	rows, err := tx.QueryContext(c.ctx, `SELECT `+quoteList(p.cols)+` FROM `+quoteIdent(p.table))
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	sum := newRowsDigest(p.cols)
	vals := make([]any, len(p.cols))
	ptrs := make([]any, len(p.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, "", err
		}
		if err := sum.add(vals); err != nil {
			return 0, "", err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, "", err
	}
	return sum.n, sum.sum(), nil
}

// resetIdentities moves each ID sequence of the table past the highest ID
// copied, so the next row the site creates gets a fresh one.
func (c *copier) resetIdentities(table string) error {
	if c.te.identities == "" {
		return nil
	}
	cols, err := queryStrings(c.ctx, c.dst, c.to.dialect.rebind(c.te.identities), table)
	if err != nil {
		return err
	}
	for _, col := range cols {
		q := c.to.dialect.rebind(fmt.Sprintf(c.te.resetIdentity, quoteIdent(table), quoteIdent(col)))
		if _, err := c.dst.ExecContext(c.ctx, q, quoteIdent(table), col); err != nil {
			return err
		}
	}
	return nil
}

// rowsDigest is a table's checksum, computed alike on every engine: each
// row's values are formatted canonically in Go (integers in decimal, text
// as it is, NULL as a marker distinct from any text) and hashed with
// SHA-256; the table's checksum is the SHA-256 of its column names and the
// sorted row hashes. Sorting the row hashes instead of the rows makes the
// sum independent of the order the engines return rows in (their text
// collations differ), while still telling apart any two multisets of rows.
type rowsDigest struct {
	cols []string
	h    hash.Hash
	buf  []byte
	rows [][sha256.Size]byte
	n    int64
}

func newRowsDigest(cols []string) *rowsDigest {
	return &rowsDigest{cols: cols, h: sha256.New()}
}

func (d *rowsDigest) add(vals []any) error {
	b := d.buf[:0]
	for i, v := range vals {
		if v == nil {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		lenAt := len(b)
		b = append(b, 0, 0, 0, 0)
		switch v := v.(type) {
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case string:
			b = append(b, v...)
		case []byte:
			b = append(b, v...)
		case float64:
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		default:
			return fmt.Errorf("column %s: value of type %T: the copy knows only integers, numbers, text and NULL", d.cols[i], v)
		}
		binary.BigEndian.PutUint32(b[lenAt:], uint32(len(b)-lenAt-4))
	}
	d.buf = b
	d.h.Reset()
	d.h.Write(b)
	var sum [sha256.Size]byte
	d.h.Sum(sum[:0])
	d.rows = append(d.rows, sum)
	d.n++
	return nil
}

func (d *rowsDigest) sum() string {
	slices.SortFunc(d.rows, func(a, b [sha256.Size]byte) int { return bytes.Compare(a[:], b[:]) })
	h := sha256.New()
	h.Write([]byte(strings.Join(d.cols, ",") + "\n"))
	for i := range d.rows {
		h.Write(d.rows[i][:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func valueSize(v any) int {
	switch v := v.(type) {
	case string:
		return len(v) + 8
	case []byte:
		return len(v) + 8
	}
	return 8
}

// quoteIdent quotes a table or column name, in standard SQL that both
// engines read.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}
