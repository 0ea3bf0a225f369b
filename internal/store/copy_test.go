package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

var copyNow = time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)

// copySite is a small newsroom with a row in every copied table.
type copySite struct {
	slugs   []string
	userID  int64
	session string
	invite  string
}

func buildCopySite(t *testing.T, st *store.Store) copySite {
	t.Helper()
	ctx := context.Background()
	st.SetClock(func() time.Time { return copyNow })
	svc := content.NewService(st, content.NewRenderer())
	svc.SetClock(func() time.Time { return copyNow })
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	news := content.Section{Slug: "news", Name: "News"}
	culture := content.Section{Slug: "kultura", Name: "Культура", Order: 2}
	must("section", st.CreateSection(ctx, &news))
	must("section", st.CreateSection(ctx, &culture))
	mara := content.Author{Slug: "mara-lind", Name: "Mara Lind", Bio: "Covers the coast."}
	ivan := content.Author{Slug: "ivan-petrov", Name: "Иван Петров"}
	must("author", st.CreateAuthor(ctx, &mara))
	must("author", st.CreateAuthor(ctx, &ivan))
	editor := account.User{Email: "editor@example.org", Name: "Ed", Role: account.RoleEditor, PasswordHash: "$argon2id$x", CreatedAt: copyNow}
	must("user", st.CreateUser(ctx, &editor))
	writer := account.User{Email: "writer@example.org", Role: account.RoleAuthor, CreatedAt: copyNow, Disabled: true}
	must("user", st.CreateUser(ctx, &writer))
	must("link author", st.LinkAuthor(ctx, mara.ID, editor.ID))
	mara.UserID, mara.PhotoKey, mara.Links = editor.ID, "abc123", "https://example.org/mara\nmailto:mara@example.org"
	must("author profile", st.UpdateAuthorProfile(ctx, mara))

	flood := &content.Article{Slug: "flood-waters-rise", Headline: "Flood waters rise in river town",
		Dek: "Residents evacuated", Body: "The **flood** reached the centre.\n\n- one\n- two", Lang: "en",
		Status: content.StatusPublished, Section: news, Authors: []content.Author{mara, ivan},
		Tags: []content.Tag{{Name: "Flood"}, {Name: "River"}}, PublishedAt: copyNow.Add(-3 * time.Hour),
		Image: content.Image{Key: "abc123", Width: 1600, Height: 900, Widths: []int{320, 640, 1600},
			Alt: "Water in the street", Credit: "Photo: Mara Lind", Caption: "Main street, Tuesday"},
		CreatedBy: editor.ID, EditedBy: editor.ID}
	must("create", svc.Create(ctx, flood))
	flood.Body += "\n\nUpdate: the water is falling."
	flood.EditedBy = writer.ID
	must("update", svc.Update(ctx, flood))
	must("media", st.SaveMediaImage(ctx, flood.Image, "flood.jpg", editor.ID))
	typed := *flood
	typed.Body += "\n\nTyped, not saved yet."
	if _, err := st.SaveAutosave(ctx, editor.ID, &typed); err != nil {
		t.Fatalf("autosave: %v", err)
	}
	must("correction", st.AddCorrection(ctx, flood.ID, &content.Correction{CreatedAt: copyNow, Text: "An earlier version misspelled the town."}))
	must("front pin", st.SetFrontPins(ctx, store.HomeFront, "en", []store.FrontPin{{Position: 0, ArticleID: flood.ID, ExpiresAt: copyNow.Add(time.Hour)}}))

	vybory := &content.Article{Slug: "vybory-v-sovet", Headline: "Выборы в городской совет",
		Dek: "Итоги выборов оспорены", Body: "На выборах победили независимые кандидаты.", Lang: "ru",
		Status: content.StatusPublished, Section: culture, Authors: []content.Author{ivan},
		Tags: []content.Tag{{Name: "Выборы"}}, PublishedAt: copyNow.Add(-time.Hour)}
	must("create", svc.Create(ctx, vybory))
	// The same position of the same front in the other edition: the key
	// is (lang, section, position).
	must("front pin ru", st.SetFrontPins(ctx, store.HomeFront, "ru", []store.FrontPin{{Position: 0, ArticleID: vybory.ID}}))
	draft := &content.Article{Slug: "draft-budget", Headline: "Budget draft", Lang: "en", Status: content.StatusDraft, Section: news}
	must("create", svc.Create(ctx, draft))
	later := &content.Article{Slug: "scheduled-storm", Headline: "Storm warning", Body: "Gales 'expected' \"tonight\" \\ 100%.",
		Lang: "en", Status: content.StatusScheduled, Section: news, PublishedAt: copyNow.Add(24 * time.Hour)}
	must("create", svc.Create(ctx, later))
	must("translation", st.LinkTranslation(ctx, flood.ID, vybory.ID))
	if tag, err := st.TagBySlug(ctx, "flood"); err != nil {
		t.Fatalf("tag: %v", err)
	} else {
		must("tag description", st.SetTagDescription(ctx, tag.ID, "Rivers over their banks, and the towns they reach."))
	}
	must("name form", st.SetNameForm(ctx, content.NameKey{Kind: content.NameSection, ID: news.ID, Lang: "ru"}, "Новости"))

	must("setting", st.SetSetting(ctx, "site.name", "Вестник & <Co>"))
	must("setting", st.SetSetting(ctx, "site.description", ""))
	site := copySite{slugs: []string{flood.Slug, vybory.Slug, draft.Slug, later.Slug}, userID: editor.ID,
		session: "session-token-hash", invite: "invite-token-hash"}
	must("session", st.CreateSession(ctx, account.Session{TokenHash: site.session, UserID: editor.ID, CSRFToken: "csrf",
		CreatedAt: copyNow, LastSeenAt: copyNow, ExpiresAt: copyNow.Add(account.SessionAbsolute)}))
	must("invite", st.CreateInvite(ctx, account.Invite{TokenHash: site.invite, Email: "new@example.org", Role: account.RoleAuthor,
		CreatedBy: editor.ID, CreatedAt: copyNow, ExpiresAt: copyNow.Add(account.InviteLifetime)}))
	must("throttle", st.RecordFailure(ctx, copyNow, "account:editor@example.org", "ip:192.0.2.1"))
	fillPromptTables(t, st)
	fillMailTables(t, st, flood.ID, editor.ID)
	fillLedgerTables(t, st)
	fillPageTables(t, st, editor.ID)
	fillImportTables(t, st)
	fillAPIKeyTables(t, st)
	return site
}

// openSQLiteAt opens a fresh migrated SQLite store at a path the test knows.
func openSQLiteAt(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copy.db")
	copyTemplate(t, path)
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func copyOrFail(t *testing.T, from, to *store.Store, opts store.CopyOptions) store.CopyReport {
	t.Helper()
	rep, err := store.Copy(context.Background(), from, to, opts)
	if err != nil {
		t.Fatalf("Copy %s -> %s: %v", from.Engine(), to.Engine(), err)
	}
	return rep
}

// sameSite compares what the store API reads back from both stores.
func sameSite(t *testing.T, site copySite, a, b *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, st := range []*store.Store{a, b} {
		st.SetClock(func() time.Time { return copyNow })
	}
	for _, slug := range site.slugs {
		x, err := a.ArticleBySlug(ctx, slug)
		if err != nil {
			t.Fatalf("source ArticleBySlug(%s): %v", slug, err)
		}
		y, err := b.ArticleBySlug(ctx, slug)
		if err != nil {
			t.Fatalf("target ArticleBySlug(%s): %v", slug, err)
		}
		if !reflect.DeepEqual(x, y) {
			t.Errorf("article %s differs:\n  source %+v\n  target %+v", slug, x, y)
		}
		rx, err := a.Revisions(ctx, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		ry, err := b.Revisions(ctx, y.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rx) == 0 || !reflect.DeepEqual(rx, ry) {
			t.Errorf("revisions of %s differ (or none):\n  source %+v\n  target %+v", slug, rx, ry)
		}
	}
	compare := func(what string, get func(*store.Store) (any, error)) {
		t.Helper()
		x, err := get(a)
		if err != nil {
			t.Fatalf("source %s: %v", what, err)
		}
		y, err := get(b)
		if err != nil {
			t.Fatalf("target %s: %v", what, err)
		}
		if !reflect.DeepEqual(x, y) {
			t.Errorf("%s differ:\n  source %+v\n  target %+v", what, x, y)
		}
	}
	compare("sections", func(s *store.Store) (any, error) { return s.Sections(ctx) })
	compare("authors", func(s *store.Store) (any, error) { return s.Authors(ctx) })
	compare("tags", func(s *store.Store) (any, error) { return s.Tags(ctx) })
	compare("users", func(s *store.Store) (any, error) { return s.Users(ctx) })
	compare("setting", func(s *store.Store) (any, error) { return s.Setting(ctx, "site.name", "") })
	compare("session", func(s *store.Store) (any, error) {
		se, u, err := s.SessionByToken(ctx, site.session)
		return []any{se, u}, err
	})
	compare("invite", func(s *store.Store) (any, error) { return s.InviteByToken(ctx, site.invite, copyNow) })
	compare("throttle", func(s *store.Store) (any, error) {
		n, at, err := s.Throttle(ctx, "ip:192.0.2.1")
		return []any{n, at}, err
	})
	compare("live list", func(s *store.Store) (any, error) {
		return s.ListArticles(ctx, store.ListQuery{Limit: 100, Full: true})
	})
	comparePages(t, compare)
}

func checkReport(t *testing.T, rep store.CopyReport) {
	t.Helper()
	var names []string
	for _, tb := range rep.Tables {
		names = append(names, tb.Name)
		if tb.Rows == 0 {
			t.Errorf("table %s: no rows copied; the test site should fill every table", tb.Name)
		}
		if len(tb.Checksum) != 64 {
			t.Errorf("table %s: checksum %q", tb.Name, tb.Checksum)
		}
	}
	if !slices.Equal(names, store.CopyTables()) {
		t.Errorf("report tables %v, want %v", names, store.CopyTables())
	}
	if len(rep.Unknown) > 0 {
		t.Errorf("unknown tables: %v", rep.Unknown)
	}
}

func sameChecksums(t *testing.T, a, b store.CopyReport) {
	t.Helper()
	if !reflect.DeepEqual(a.Tables, b.Tables) {
		t.Errorf("copies differ:\n  %+v\n  %+v", a.Tables, b.Tables)
	}
}

// TestCopySQLiteToSQLite copies a site, in batches of two rows, and copies
// the copy again: the checksums read from the copy equal the original's,
// and the store reads back the same articles, revisions, accounts and more.
func TestCopySQLiteToSQLite(t *testing.T) {
	src, _ := openSQLiteAt(t)
	site := buildCopySite(t, src)
	dst, _ := openSQLiteAt(t)
	var batches int
	rep := copyOrFail(t, src, dst, store.CopyOptions{BatchRows: 2, Progress: func(string, int64) { batches++ }})
	checkReport(t, rep)
	if rep.From != "sqlite" || rep.To != "sqlite" || rep.SchemaVersion < 2 {
		t.Errorf("report: %+v", rep)
	}
	if batches < len(rep.Tables) {
		t.Errorf("%d batches for %d rows in batches of 2", batches, rep.Rows())
	}
	sameSite(t, site, src, dst)
	again, _ := openSQLiteAt(t)
	sameChecksums(t, rep, copyOrFail(t, dst, again, store.CopyOptions{}))

	// The copy is a working site: a new article takes the next ID, search finds old ones.
	ctx := context.Background()
	svc := content.NewService(dst, content.NewRenderer())
	secs, _ := dst.Sections(ctx)
	a := &content.Article{Headline: "A new story", Lang: "en", Status: content.StatusPublished, Section: secs[0]}
	if err := svc.Create(ctx, a); err != nil {
		t.Fatalf("Create on the copy: %v", err)
	}
	if a.ID != int64(len(site.slugs))+1 {
		t.Errorf("new article's ID %d, want %d", a.ID, len(site.slugs)+1)
	}
	hits, _, err := dst.Search(ctx, content.ParseQuery("flood"), 10, 0)
	if err != nil || len(hits) != 1 || hits[0].Article.Slug != "flood-waters-rise" {
		t.Errorf("search on the copy: %v, %v", hits, err)
	}
}

// TestCopyNonEmptyTarget: a target with data is refused and left as it
// was; Force replaces its data; a forced copy that fails changes nothing.
func TestCopyNonEmptyTarget(t *testing.T) {
	ctx := context.Background()
	src, _ := openSQLiteAt(t)
	site := buildCopySite(t, src)
	dst, _ := openSQLiteAt(t)
	old := content.Section{Slug: "old", Name: "Old"}
	if err := dst.CreateSection(ctx, &old); err != nil {
		t.Fatal(err)
	}
	if err := dst.SetSetting(ctx, "site.name", "Old site"); err != nil {
		t.Fatal(err)
	}

	_, err := store.Copy(ctx, src, dst, store.CopyOptions{})
	if !errors.Is(err, store.ErrTargetNotEmpty) || !strings.Contains(err.Error(), "sections") ||
		!strings.Contains(err.Error(), "settings") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("copy onto a site: %v; want ErrTargetNotEmpty naming sections and settings and --force", err)
	}
	if _, err := dst.SectionBySlug(ctx, "old"); err != nil {
		t.Errorf("the refused target lost its section: %v", err)
	}

	// A forced copy that fails half-way (cancelled during articles) leaves
	// the target's old data, deletions included, as it was.
	cctx, cancel := context.WithCancel(ctx)
	_, err = store.Copy(cctx, src, dst, store.CopyOptions{Force: true, BatchRows: 1, Progress: func(table string, _ int64) {
		if table == "articles" {
			cancel()
		}
	}})
	cancel()
	if err == nil {
		t.Fatal("cancelled copy succeeded")
	}
	if _, err := dst.SectionBySlug(ctx, "old"); err != nil {
		t.Errorf("after a failed forced copy the target lost its section: %v", err)
	}
	if _, err := dst.ArticleBySlug(ctx, site.slugs[0]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after a failed copy the target has an article: %v", err)
	}

	rep := copyOrFail(t, src, dst, store.CopyOptions{Force: true})
	checkReport(t, rep)
	if _, err := dst.SectionBySlug(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("forced copy kept the target's own section: %v", err)
	}
	sameSite(t, site, src, dst)
}

// TestCopySchemaVersions refuses stores at different migrations.
func TestCopySchemaVersions(t *testing.T) {
	src, _ := openSQLiteAt(t)
	dst, path := openSQLiteAt(t)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err = store.Copy(context.Background(), src, dst, store.CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), "schema versions") || !strings.Contains(err.Error(), "999") {
		t.Errorf("copy between schema versions: %v", err)
	}
	if _, err := store.Copy(context.Background(), src, src, store.CopyOptions{}); err == nil {
		t.Error("copy of a store onto itself succeeded")
	}
}

// copySkipped are the tables Copy leaves out on purpose.
var copySkipped = map[string]string{
	"schema_migrations":    "each database records its own migrations; Copy requires the same version",
	"changes":              "each database's own change feed: nodes on the copy start with nothing cached",
	"search_words":         "made from the articles: SQLite makes it again at its next start",
	"articles_fts":         "SQLite's FTS5 index, filled by triggers as articles are inserted",
	"articles_fts_data":    "FTS5 shadow table",
	"articles_fts_idx":     "FTS5 shadow table",
	"articles_fts_docsize": "FTS5 shadow table",
	"articles_fts_config":  "FTS5 shadow table",
	// The headline and dek index (migration 0020), as the other.
	"articles_fts_hd":         "SQLite's FTS5 index of headlines and deks, filled by triggers",
	"articles_fts_hd_data":    "FTS5 shadow table",
	"articles_fts_hd_idx":     "FTS5 shadow table",
	"articles_fts_hd_docsize": "FTS5 shadow table",
	"articles_fts_hd_config":  "FTS5 shadow table",
	// PostgreSQL's word hashes (migration 0027), as SQLite's index.
	"search_lexemes": "PostgreSQL's lexeme hashes, written by a trigger as articles are inserted",
}

// TestCopyTableList: every table of both engines is copied or skipped on
// purpose, and the copy order puts each table after those it references.
func TestCopyTableList(t *testing.T) {
	copied := store.CopyTables()
	check := func(t *testing.T, engine string, tables []string) {
		for _, name := range tables {
			if !slices.Contains(copied, name) && copySkipped[name] == "" {
				t.Errorf("%s table %s is neither copied nor skipped: add it to copyTables in internal/store/copy.go (in foreign-key order)",
					engine, name)
			}
		}
		for _, name := range copied {
			if !slices.Contains(tables, name) {
				t.Errorf("copied table %s is not in the %s schema", name, engine)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		db, err := sql.Open("sqlite", "file:"+template+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tables := queryColumn(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
		check(t, "SQLite", tables)
		for i, name := range copied {
			for _, parent := range queryColumn(t, db, `SELECT "table" FROM pragma_foreign_key_list(?)`, name) {
				if j := slices.Index(copied, parent); parent != name && j > i {
					t.Errorf("%s references %s but is copied before it", name, parent)
				}
			}
		}
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgDatabase(t)
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		check(t, "PostgreSQL", queryColumn(t, db, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`))
	})
}

func queryColumn(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCopySQLiteToPostgres copies a site to PostgreSQL and back: the same
// checksums both ways, the same articles read back, new rows get fresh IDs
// (the sequences were moved past the copied IDs), and search works.
func TestCopySQLiteToPostgres(t *testing.T) {
	ctx := context.Background()
	src, _ := openSQLiteAt(t)
	site := buildCopySite(t, src)
	pg := openPostgres(t)
	rep := copyOrFail(t, src, pg, store.CopyOptions{BatchRows: 3})
	checkReport(t, rep)
	sameSite(t, site, src, pg)
	back, _ := openSQLiteAt(t)
	sameChecksums(t, rep, copyOrFail(t, pg, back, store.CopyOptions{}))
	sameSite(t, site, pg, back)

	for _, q := range []struct{ query, slug string }{{"floods", "flood-waters-rise"}, {"выборы", "vybory-v-sovet"}} {
		hits, _, err := pg.Search(ctx, content.ParseQuery(q.query), 10, 0)
		if err != nil || len(hits) != 1 || hits[0].Article.Slug != q.slug {
			t.Errorf("search %q on PostgreSQL after the copy: %v, %v; want %s", q.query, hits, err, q.slug)
		}
	}

	svc := content.NewService(pg, content.NewRenderer())
	svc.SetClock(func() time.Time { return copyNow })
	secs, err := pg.Sections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sec := content.Section{Slug: "sport", Name: "Sport"}
	if err := pg.CreateSection(ctx, &sec); err != nil {
		t.Fatalf("CreateSection after the copy: %v", err)
	}
	if want := int64(len(secs)) + 1; sec.ID != want {
		t.Errorf("new section ID %d, want %d", sec.ID, want)
	}
	a := &content.Article{Headline: "Harbour reopens", Body: "Boats return.", Lang: "en", Status: content.StatusPublished,
		Section: sec, Tags: []content.Tag{{Name: "Harbour"}}, CreatedBy: site.userID}
	if err := svc.Create(ctx, a); err != nil {
		t.Fatalf("CreateArticle after the copy: %v", err)
	}
	if want := int64(len(site.slugs)) + 1; a.ID != want {
		t.Errorf("new article ID %d, want %d", a.ID, want)
	}
	a.Body = "Boats returned on Monday."
	if err := svc.Update(ctx, a); err != nil {
		t.Fatalf("UpdateArticle after the copy (new revision): %v", err)
	}
	u := account.User{Email: "third@example.org", Role: account.RoleAuthor, CreatedAt: copyNow}
	if err := pg.CreateUser(ctx, &u); err != nil || u.ID != 3 {
		t.Errorf("CreateUser after the copy: ID %d, %v; want 3", u.ID, err)
	}
	if err := pg.AddCorrection(ctx, a.ID, &content.Correction{CreatedAt: copyNow, Text: "Fixed."}); err != nil {
		t.Errorf("AddCorrection after the copy: %v", err)
	}
	hits, _, err := pg.Search(ctx, content.ParseQuery("harbour"), 10, 0)
	if err != nil || len(hits) != 1 || hits[0].Article.ID != a.ID {
		t.Errorf("search for the new article: %v, %v", hits, err)
	}
}
