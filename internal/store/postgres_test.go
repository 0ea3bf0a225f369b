package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/storetest"
)

const pgSkip = pgtest.Skip

func pgServer(t *testing.T) string   { return pgtest.Server(t) }
func pgAdmin(t *testing.T) *sql.DB   { return pgtest.Admin(t) }
func pgDatabase(t *testing.T) string { return pgtest.Database(t) }

// openPostgres opens a store on a fresh database: created, migrated by
// Open, closed and dropped when the test ends.
func openPostgres(t *testing.T) *store.Store {
	t.Helper()
	dsn := pgDatabase(t)
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("store.Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

func TestPostgres(t *testing.T) {
	pgServer(t)
	storetest.Run(t, openPostgres)
}

// TestPostgresShared: two nodes, each with its own pool, on one database.
func TestPostgresShared(t *testing.T) {
	pgServer(t)
	storetest.RunShared(t, func(t *testing.T) (*store.Store, *store.Store) {
		dsn := pgDatabase(t)
		var two [2]*store.Store
		for i := range two {
			st, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatalf("store.Open(%s): %v", dsn, err)
			}
			t.Cleanup(func() { st.Close() })
			two[i] = st
		}
		return two[0], two[1]
	})
}

// TestPostgresConcurrentMigrate starts four nodes at once on one new
// database: every Open migrates, none fails, each migration is recorded once.
func TestPostgresConcurrentMigrate(t *testing.T) {
	dsn := pgDatabase(t)
	ctx := context.Background()
	const nodes = 4
	stores := make([]*store.Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = store.Open(ctx, dsn)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: Open: %v", i, err)
		} else {
			defer stores[i].Close()
		}
	}
	if t.Failed() {
		return
	}
	// Migrate again from every node at once: nothing to do, nothing fails.
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = stores[i].Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: Migrate: %v", i, err)
		}
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var versions []int
	for rows.Next() {
		var v, n int
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("migration %d recorded %d times, want 1", v, n)
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := migrationVersions(t, "postgres"); !slices.Equal(versions, want) {
		t.Errorf("schema_migrations versions: got %v, want %v", versions, want)
	}
}

// migrationVersions lists the versions of an engine's migration files.
func migrationVersions(t *testing.T, engine string) []int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", engine, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations/%s: %v (%d files)", engine, err, len(files))
	}
	var out []int
	for _, f := range files {
		var v int
		if _, err := fmt.Sscanf(filepath.Base(f), "%04d_", &v); err != nil {
			t.Fatalf("migration file %s: %v", f, err)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// TestPostgresBadURL needs no server: a port where nothing listens.
func TestPostgresBadURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // now nothing listens there
	const secret = "s3cr3t-Pa55word"
	for _, dsn := range []string{
		"postgres://samizdat:" + secret + "@" + addr + "/samizdat?sslmode=disable&connect_timeout=2",
		"postgresql://samizdat:" + secret + "@" + addr + "/samizdat?sslmode=disable&pool_max_conns=3&statement_timeout=2s",
		"postgres://samizdat@" + addr + "/samizdat?sslmode=disable&password=" + secret,
	} {
		start := time.Now()
		st, err := store.Open(context.Background(), dsn)
		if err == nil {
			st.Close()
			t.Fatalf("Open(%s): got nil error", addr)
		}
		msg := err.Error()
		if strings.Contains(msg, secret) {
			t.Errorf("error leaks the password: %q", msg)
		}
		if !strings.Contains(msg, addr) {
			t.Errorf("error %q does not name %s", msg, addr)
		}
		if !strings.Contains(msg, "refused") {
			t.Errorf("error %q does not give the reason (connection refused)", msg)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Open took %s", d)
		}
	}
	for _, dsn := range []string{
		"postgres://samizdat:" + secret + "@" + addr + "/samizdat?pool_max_conns=many",
		"postgres://samizdat:" + secret + "@" + addr + "/samizdat?statement_timeout=soon",
		"postgres://samizdat:" + secret + "@127.0.0.1:notaport/samizdat",
		"postgres://samizdat:" + secret + "@" + addr + "/samizdat?sslmode=bogus",
	} {
		_, err := store.Open(context.Background(), dsn)
		if err == nil {
			t.Errorf("Open(bad URL): got nil error")
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error leaks the password: %q", err)
		}
	}
}

// TestPostgresOptions opens with the URL's own parameters, which must not
// reach the server as settings, and checks the pool bound holds under load.
func TestPostgresOptions(t *testing.T) {
	dsn := pgDatabase(t)
	ctx := context.Background()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "2")
	q.Set("statement_timeout", "250ms")
	u.RawQuery = q.Encode()
	st, err := store.OpenPostgres(ctx, u.String(), store.PostgresOptions{})
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if st.Engine() != "postgres" {
		t.Errorf("Engine: got %q", st.Engine())
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := st.CountArticles(ctx, store.ListQuery{}); err != nil {
					t.Errorf("CountArticles: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var conns int
	name := strings.TrimPrefix(u.Path, "/")
	if err := pgAdmin(t).QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'samizdat'`, name).Scan(&conns); err != nil {
		t.Fatalf("pg_stat_activity: %v", err)
	}
	if conns < 1 || conns > 2 {
		t.Errorf("connections of the store: got %d, want 1 or 2 (pool_max_conns=2)", conns)
	}
	if err := st.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestSchemaParity migrates both engines and compares their tables and
// each table's columns, by name.
func TestSchemaParity(t *testing.T) {
	ctx := context.Background()
	dsn := pgDatabase(t)
	lite := schemaSQLite(t)
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	st.Close()
	pg := schemaPostgres(t, dsn)
	if len(lite) == 0 || len(pg) == 0 {
		t.Fatalf("no tables: sqlite %d, postgres %d", len(lite), len(pg))
	}
	tables := map[string]bool{}
	for name := range lite {
		tables[name] = true
	}
	for name := range pg {
		tables[name] = true
	}
	for name := range tables {
		l, okL := lite[name]
		p, okP := pg[name]
		switch {
		case !okL:
			t.Errorf("table %s: only on PostgreSQL", name)
		case !okP:
			t.Errorf("table %s: only on SQLite", name)
		case !slices.Equal(l, p):
			t.Errorf("table %s: columns differ:\n  sqlite   %v\n  postgres %v", name, l, p)
		}
	}
}

// schemaSQLite reads the migrated template database of TestMain.
func schemaSQLite(t *testing.T) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+template+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'articles_fts%'`)
	if err != nil {
		t.Fatalf("read SQLite schema: %v", err)
	}
	return readSchema(t, rows)
}

func schemaPostgres(t *testing.T, dsn string) map[string][]string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// search_lexemes is PostgreSQL's own, as articles_fts is SQLite's.
	rows, err := db.Query(`SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_generated = 'NEVER' AND table_name <> 'search_lexemes'`)
	if err != nil {
		t.Fatalf("read PostgreSQL schema: %v", err)
	}
	return readSchema(t, rows)
}

func readSchema(t *testing.T, rows *sql.Rows) map[string][]string {
	t.Helper()
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		out[table] = append(out[table], col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, cols := range out {
		slices.Sort(cols)
	}
	return out
}

// TestPostgresSearchRawTerms searches with words no reader can type through
// content.ParseQuery (tsquery syntax, quotes, backslashes, control bytes,
// huge words, hundreds of exclusions): they must be taken as words, never
// as syntax, and never fail. (FTS5 on SQLite rejects NUL bytes and more
// than about 250 exclusions; ParseQuery makes neither.)
func TestPostgresSearchRawTerms(t *testing.T) {
	st := openPostgres(t)
	fillParity(t, st, time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	nasty := []string{
		`'`, `''`, `\`, `\'`, `'\`, `a'b`, `a\b`, `"`, `a"b`, `:*`, `a:*`, `&`, `|`, `!`, `<->`, `<2>`, `(`, `)`,
		`a & b`, `a | !b`, `'a' | 'b'`, `a:A`, `a:*B`, "\n", "a\nb", "\x00", "a\x00b", "\x01\x02", "\t",
		`E'\\'`, `$$`, `$1`, `?`, `--`, `/*`, `;`, strings.Repeat("x", 3000),
		strings.Repeat("ы", 3000), strings.Repeat(`\`, 100), strings.Repeat(`'`, 100),
	}
	var queries []content.Query
	for _, w := range nasty {
		queries = append(queries,
			content.Query{Terms: []content.Term{{Words: []string{w}}}},
			content.Query{Terms: []content.Term{{Words: []string{"flood", w}}}},
			content.Query{Terms: []content.Term{{Words: []string{"flood"}}, {Words: []string{w}}}},
			content.Query{Terms: []content.Term{{Words: []string{"flood"}}}, Excluded: []string{w}},
			content.Query{Terms: []content.Term{{Words: []string{w + "ов"}}}, Excluded: []string{w, w}},
			content.Query{Terms: []content.Term{{Words: []string{w}, Prefix: true}}},
			content.Query{Terms: []content.Term{{Words: []string{"flood", w}, Prefix: true}}},
		)
	}
	many := content.Query{Terms: []content.Term{{Words: []string{"flood"}}}}
	for i := range 500 {
		many.Excluded = append(many.Excluded, fmt.Sprintf("w%d", i))
	}
	queries = append(queries, many)
	for _, q := range queries {
		hits, total, err := st.Search(ctx, q, 10, 0)
		if err != nil {
			t.Errorf("Search(%+v): %v", q, err)
			continue
		}
		if total < len(hits) {
			t.Errorf("Search(%+v): total %d < %d hits", q, total, len(hits))
		}
	}
	// Syntax inside a word stays inside it: were it parsed, each of these
	// would find the flood stories; as words, zzz is in no story.
	for _, w := range []string{`zzz' | 'flood`, `zzz | flood`, `zzz) | (flood`, `zzz'):* | ('flood`, `zzz\' | \'flood`} {
		got, _, err := st.Search(ctx, content.Query{Terms: []content.Term{{Words: []string{w}}}}, 10, 0)
		if err != nil || len(got) != 0 {
			t.Errorf("Search(%q as one word): got %d hits (err %v), want 0", w, len(got), err)
		}
		got, _, err = st.Search(ctx, content.Query{Terms: []content.Term{{Words: []string{"flood"}}}, Excluded: []string{w}}, 10, 0)
		if err != nil || len(got) != 3 {
			t.Errorf("Search(flood excluding %q): got %d hits (err %v), want the 3 flood stories", w, len(got), err)
		}
	}
}

// TestNewsroomQueries calls, on each engine, the store methods the
// conformance suite does not (accounts, sessions, invitations, throttling,
// revisions, scheduled publishing, the newsroom's lists and taxonomy
// changes), so that every SQL statement of the store runs on PostgreSQL.
func TestNewsroomQueries(t *testing.T) {
	engines := map[string]func(*testing.T) *store.Store{"sqlite": openSQLite}
	if os.Getenv("SAMIZDAT_TEST_POSTGRES") != "" {
		engines["postgres"] = openPostgres
	}
	for name, open := range engines {
		t.Run(name, func(t *testing.T) { newsroomQueries(t, open(t)) })
	}
}

func newsroomQueries(t *testing.T, st *store.Store) {
	ctx := context.Background()
	now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
	st.SetClock(func() time.Time { return now })
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// Accounts and sessions.
	u := account.User{Email: "ed@example.org", Name: "Ed", Role: account.RoleEditor}
	must("CreateUser", st.CreateUser(ctx, &u))
	if err := st.CreateUser(ctx, &account.User{Email: "ed@example.org", Role: account.RoleAuthor}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateUser again: got %v, want ErrConflict", err)
	}
	got, err := st.UserByEmail(ctx, "ed@example.org")
	if err != nil || got.ID != u.ID || got.Role != account.RoleEditor || got.Disabled {
		t.Errorf("UserByEmail: got %+v, %v", got, err)
	}
	if _, err := st.UserByID(ctx, u.ID+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByID(unknown): got %v, want ErrNotFound", err)
	}
	se := account.Session{TokenHash: "tok", UserID: u.ID, CSRFToken: "csrf", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	must("CreateSession", st.CreateSession(ctx, se))
	must("TouchSession", st.TouchSession(ctx, "tok", now.Add(time.Minute)))
	gotSe, gotU, err := st.SessionByToken(ctx, "tok")
	if err != nil || gotU.ID != u.ID || !gotSe.LastSeenAt.Equal(now.Add(time.Minute)) || gotSe.CSRFToken != "csrf" {
		t.Errorf("SessionByToken: got %+v %+v, %v", gotSe, gotU, err)
	}
	must("SetPassword", st.SetPassword(ctx, u.ID, "hash-1"))
	if _, _, err := st.SessionByToken(ctx, "tok"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after SetPassword: got %v, want ErrNotFound", err)
	}
	must("CreateSession", st.CreateSession(ctx, account.Session{TokenHash: "old", UserID: u.ID, CreatedAt: now, LastSeenAt: now.Add(-3 * time.Hour), ExpiresAt: now.Add(time.Hour)}))
	must("DeleteExpiredSessions", st.DeleteExpiredSessions(ctx, now, 2*time.Hour))
	if _, _, err := st.SessionByToken(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("idle session: got %v, want ErrNotFound", err)
	}
	must("CreateSession", st.CreateSession(ctx, account.Session{TokenHash: "s2", UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}))
	must("DeleteSession", st.DeleteSession(ctx, "s2"))
	u.Name, u.Disabled = "Edward", true
	must("UpdateUser", st.UpdateUser(ctx, u))
	if got, _ := st.UserByID(ctx, u.ID); !got.Disabled || got.Name != "Edward" || got.PasswordHash != "hash-1" {
		t.Errorf("after UpdateUser: got %+v", got)
	}
	if users, err := st.Users(ctx); err != nil || len(users) != 1 {
		t.Errorf("Users: got %d, %v", len(users), err)
	}

	// Invitations: a new account, then a reset of it.
	must("CreateInvite", st.CreateInvite(ctx, account.Invite{TokenHash: "inv", Email: "new@example.org", Role: account.RoleAuthor,
		CreatedBy: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	if in, err := st.InviteByToken(ctx, "inv", now); err != nil || in.CreatedBy != u.ID || in.UserID != 0 {
		t.Errorf("InviteByToken: got %+v, %v", in, err)
	}
	nu, err := st.AcceptInvite(ctx, "inv", "New", "hash-2")
	if err != nil || nu.Email != "new@example.org" || nu.Role != account.RoleAuthor {
		t.Errorf("AcceptInvite: got %+v, %v", nu, err)
	}
	if _, err := st.AcceptInvite(ctx, "inv", "Again", "hash-3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AcceptInvite twice: got %v, want ErrNotFound", err)
	}
	must("CreateInvite", st.CreateInvite(ctx, account.Invite{TokenHash: "reset", Email: nu.Email, Role: nu.Role, UserID: nu.ID,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	if r, err := st.AcceptInvite(ctx, "reset", "", "hash-4"); err != nil || r.ID != nu.ID || r.PasswordHash != "hash-4" {
		t.Errorf("AcceptInvite(reset): got %+v, %v", r, err)
	}

	// Throttling.
	must("RecordFailure", st.RecordFailure(ctx, now, "ip:1", "account:x"))
	must("RecordFailure", st.RecordFailure(ctx, now.Add(time.Second), "ip:1"))
	if n, last, err := st.Throttle(ctx, "ip:1"); err != nil || n != 2 || !last.Equal(now.Add(time.Second)) {
		t.Errorf("Throttle: got %d %v, %v", n, last, err)
	}
	must("ClearThrottle", st.ClearThrottle(ctx, "ip:1"))
	if n, _, err := st.Throttle(ctx, "ip:1"); err != nil || n != 0 {
		t.Errorf("Throttle after clear: got %d, %v", n, err)
	}

	// Articles: revisions, scheduling, the newsroom list.
	svc := content.NewService(st, content.NewRenderer())
	news := content.Section{Slug: "news", Name: "News"}
	must("CreateSection", st.CreateSection(ctx, &news))
	ann := content.Author{Slug: "ann", Name: "Ann"}
	must("CreateAuthor", st.CreateAuthor(ctx, &ann))
	a := &content.Article{Headline: "Bridge_50% reopens", Body: "Text.", Lang: "en", Status: content.StatusScheduled, Section: news,
		Authors: []content.Author{ann}, Tags: []content.Tag{{Name: "Roads"}}, PublishedAt: now.Add(time.Hour), CreatedBy: nu.ID, EditedBy: nu.ID}
	must("Create", svc.Create(ctx, a))
	a.Dek = "Two lanes"
	must("Update", svc.Update(ctx, a))
	revs, err := st.Revisions(ctx, a.ID)
	if err != nil || len(revs) != 2 || revs[0].Version != 2 || revs[0].Editor != nu.Email {
		t.Errorf("Revisions: got %+v, %v", revs, err)
	}
	if r, err := st.Revision(ctx, a.ID, 1); err != nil || r.Article.Headline != a.Headline || r.Article.Dek != "" {
		t.Errorf("Revision 1: got %+v, %v", r, err)
	}
	if ids, err := st.PublishDue(ctx, now); err != nil || len(ids) != 0 {
		t.Errorf("PublishDue early: got %v, %v", ids, err)
	}
	if ids, err := st.PublishDue(ctx, now.Add(time.Hour)); err != nil || !slices.Equal(ids, []int64{a.ID}) {
		t.Errorf("PublishDue: got %v, %v", ids, err)
	}
	st.SetClock(func() time.Time { return now.Add(2 * time.Hour) })
	roads, err := st.TagBySlug(ctx, "roads")
	must("TagBySlug", err)
	if n, err := st.CountArticles(ctx, store.ListQuery{TagID: roads.ID}); err != nil || n != 1 {
		t.Errorf("CountArticles(tag) after PublishDue: got %d, %v", n, err)
	}
	for _, q := range []store.AdminQuery{
		{Q: "50%"}, {Q: "BRIDGE_"}, {Status: content.StatusPublished}, {SectionID: news.ID}, {AuthorID: ann.ID}, {CreatedBy: nu.ID},
	} {
		list, total, err := st.AdminArticles(ctx, q)
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != a.ID {
			t.Errorf("AdminArticles(%+v): got %d of %d, %v", q, len(list), total, err)
		}
	}
	if _, total, err := st.AdminArticles(ctx, store.AdminQuery{Q: "5_%"}); err != nil || total != 0 {
		t.Errorf("AdminArticles(5_%%): got %d, %v, want 0 (wildcards are literal)", total, err)
	}

	// Taxonomy changes.
	news.Name = "World news"
	must("UpdateSection", st.UpdateSection(ctx, news))
	other := content.Section{Slug: "other", Name: "Other"}
	must("CreateSection", st.CreateSection(ctx, &other))
	if err := st.UpdateSection(ctx, content.Section{ID: other.ID, Slug: "news", Name: "Clash"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateSection to a taken slug: got %v, want ErrConflict", err)
	}
	if err := st.DeleteSection(ctx, news.ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("DeleteSection(in use): got %v, want ErrConflict", err)
	}
	if n, err := st.SectionArticleCount(ctx, news.ID); err != nil || n != 1 {
		t.Errorf("SectionArticleCount: got %d, %v", n, err)
	}
	must("DeleteSection", st.DeleteSection(ctx, other.ID))
	tags, err := st.TagsWithCounts(ctx)
	if err != nil || len(tags) != 1 || tags[0].Articles != 1 {
		t.Errorf("TagsWithCounts: got %+v, %v", tags, err)
	}
	must("UpdateTag", st.UpdateTag(ctx, roads.ID, "ROADS"))
	if err := st.UpdateTag(ctx, roads.ID, "Streets"); !errors.Is(err, content.ErrInvalid) {
		t.Errorf("UpdateTag(new slug, live): got %v, want ErrInvalid", err)
	}
	must("DeleteTag", st.DeleteTag(ctx, roads.ID))
	if err := st.DeleteTag(ctx, roads.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteTag twice: got %v, want ErrNotFound", err)
	}
	ann.Bio = "Covers transport."
	must("UpdateAuthor", st.UpdateAuthor(ctx, ann))
	if got, err := st.AuthorBySlug(ctx, "ann"); err != nil || got.Bio != ann.Bio {
		t.Errorf("AuthorBySlug after UpdateAuthor: got %+v, %v", got, err)
	}
}
