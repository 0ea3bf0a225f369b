package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/storetest"
)

// template is a migrated, empty, closed database file. Each test copies it
// instead of running the migrations again.
var template string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "samizdat-store-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	template = filepath.Join(dir, "template.db")
	st, err := store.Open(context.Background(), template)
	if err != nil {
		fmt.Fprintln(os.Stderr, "migrate template database:", err)
		return 1
	}
	// Closing the last connection checkpoints the WAL into the main file.
	if err := st.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close template database:", err)
		return 1
	}
	return m.Run()
}

// copyTemplate copies the template database (and its WAL, should one have
// been left behind) to path.
func copyTemplate(t *testing.T, path string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		src, err := os.Open(template + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatalf("copy template: %v", err)
		}
		dst, err := os.Create(path + suffix)
		if err != nil {
			src.Close()
			t.Fatalf("copy template: %v", err)
		}
		_, err = io.Copy(dst, src)
		src.Close()
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("copy template: %v", err)
		}
	}
}

func openSQLite(t *testing.T) *store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "samizdat.db")
	copyTemplate(t, path)
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("store.Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, openSQLite)
}

// TestSQLiteShared: two stores on one file, as two processes would open it.
func TestSQLiteShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (*store.Store, *store.Store) {
		path := filepath.Join(t.TempDir(), "samizdat.db")
		copyTemplate(t, path)
		var two [2]*store.Store
		for i := range two {
			st, err := store.Open(context.Background(), path)
			if err != nil {
				t.Fatalf("store.Open(%s): %v", path, err)
			}
			t.Cleanup(func() { st.Close() })
			two[i] = st
		}
		return two[0], two[1]
	})
}

// migrationRows reads the bookkeeping table directly: SQLite only.
func migrationRows(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v, at int64
		var name string
		if err := rows.Scan(&v, &name, &at); err != nil {
			t.Fatalf("read schema_migrations: %v", err)
		}
		out = append(out, fmt.Sprintf("%d %s %d", v, name, at))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	return out
}

// TestSQLiteReopen simulates a restart: a fresh file is migrated by Open,
// written to, closed and opened again.
func TestSQLiteReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "samizdat.db") // Open creates the directory
	now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)

	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	st.SetClock(func() time.Time { return now })
	version, err := st.SchemaVersion(ctx)
	if err != nil || version < 1 {
		t.Fatalf("SchemaVersion: got %d (err %v), want >= 1", version, err)
	}
	sec := content.Section{Slug: "news", Name: "News"}
	if err := st.CreateSection(ctx, &sec); err != nil {
		t.Fatalf("CreateSection: %v", err)
	}
	a := &content.Article{Headline: "Ferry service resumes", Body: "The ferry *sails* again.", Lang: "en",
		Status: content.StatusPublished, Section: sec, Tags: []content.Tag{{Name: "Transport"}}, PublishedAt: now.Add(-time.Hour)}
	if err := content.NewService(st, content.NewRenderer()).Create(ctx, a); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := st.SetSetting(ctx, "site.name", "Samizdat"); err != nil {
		t.Fatalf("SetSetting: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	before := migrationRows(t, path)

	for restart := 1; restart <= 2; restart++ {
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatalf("Open after restart %d: %v", restart, err)
		}
		st.SetClock(func() time.Time { return now })
		if v, err := st.SchemaVersion(ctx); err != nil || v != version {
			t.Errorf("restart %d: SchemaVersion got %d (err %v), want %d", restart, v, err, version)
		}
		got, err := st.ArticleBySlug(ctx, a.Slug)
		if err != nil {
			t.Fatalf("restart %d: ArticleBySlug: %v", restart, err)
		}
		if got.ID != a.ID || got.Headline != a.Headline || got.BodyHTML != a.BodyHTML || got.Version != 1 || len(got.Tags) != 1 {
			t.Errorf("restart %d: got %+v, want %+v", restart, got, a)
		}
		if n, err := st.CountArticles(ctx, store.ListQuery{}); err != nil || n != 1 {
			t.Errorf("restart %d: CountArticles got %d (err %v), want 1", restart, n, err)
		}
		hits, total, err := st.Search(ctx, content.ParseQuery("ferry"), 10, 0)
		if err != nil || total != 1 || len(hits) != 1 {
			t.Errorf("restart %d: Search(ferry) got %d hits total %d (err %v), want 1 1", restart, len(hits), total, err)
		}
		if v, err := st.Setting(ctx, "site.name", ""); err != nil || v != "Samizdat" {
			t.Errorf("restart %d: Setting got %q (err %v), want %q", restart, v, err, "Samizdat")
		}
		if err := st.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if after := migrationRows(t, path); !slices.Equal(after, before) {
			t.Errorf("restart %d: schema_migrations got %v, want %v (nothing re-applied)", restart, after, before)
		}
	}
}

// TestRussianStemsUpgrade opens a database as migration 0010 finds it:
// Russian articles stored without stems and the old index gone. Opening it
// writes the stems and makes the index again, and an inflected word finds
// the article.
func TestRussianStemsUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "samizdat.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	sec := content.Section{Slug: "news", Name: "News"}
	if err := st.CreateSection(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	svc := content.NewService(st, content.NewRenderer())
	a := &content.Article{Slug: "vybory", Headline: "Выборы губернатора перенесли", Body: "Избиратели узнали о переносе голосования из газет.",
		Lang: "ru", Status: content.StatusPublished, Section: sec, PublishedAt: time.Now().Add(-time.Hour)}
	if err := svc.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	st.Close()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER articles_fts_insert`, `DROP TRIGGER articles_fts_delete`, `DROP TRIGGER articles_fts_update`,
		`DROP TABLE articles_fts`, `UPDATE articles SET search_headline = NULL, search_dek = NULL, search_body = NULL`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	// First as the migration leaves it (no index), then with the index in
	// place and rows without their index text (as a copy could bring).
	for round, breakIt := range []string{"", `UPDATE articles SET search_headline = NULL, search_dek = NULL, search_body = NULL`} {
		if breakIt != "" {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(breakIt); err != nil {
				t.Fatal(err)
			}
			db.Close()
		}
		st, err = store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		searchRussian(t, st, round)
		st.Close()
	}
}

func searchRussian(t *testing.T, st *store.Store, round int) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{"выборах", "губернатором", "избирателей", "голосование"} {
		query := content.ParseQuery(q)
		query.Lang = "ru"
		hits, _, err := st.Search(ctx, query, 10, 0)
		if err != nil || len(hits) != 1 || hits[0].Article.Slug != "vybory" {
			t.Errorf("round %d: Search(%q) after the upgrade: %d hits, %v; want the article", round, q, len(hits), err)
			continue
		}
		if !strings.Contains(hits[0].Snippet, store.MarkStart) {
			t.Errorf("Search(%q): snippet %q marks nothing", q, hits[0].Snippet)
		}
	}
}

// TestSearchUpgrade0020: a SQLite archive from before migration 0020 has
// no headline index and no word list; the next start makes both, and
// relevance and prefixes work on the articles already there.
func TestSearchUpgrade0020(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "samizdat.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	fillParity(t, st, time.Now().Add(-48*time.Hour))
	st.Close()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER articles_fts_hd_insert`, `DROP TRIGGER articles_fts_hd_delete`, `DROP TRIGGER articles_fts_hd_update`,
		`DROP TABLE articles_fts_hd`, `DELETE FROM search_words`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	st, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct{ query, first string }{
		{"harb*", "harbour"},      // a prefix, from the word list
		{"harbour", "harbour"},    // in the headline beats the newer "storm", in the body
		{"наводн*", "navodnenie"}, // a Russian prefix
	} {
		hits, _, err := st.Search(ctx, content.ParseQuery(tc.query), 10, 0)
		if err != nil || len(hits) == 0 || hits[0].Article.Slug != tc.first {
			var got []string
			for _, h := range hits {
				got = append(got, h.Article.Slug)
			}
			t.Errorf("Search(%q) after the upgrade: %v, %v; want %s first", tc.query, got, err, tc.first)
		}
	}
}

// TestPrefixFindsNewWords: a word first written in a new article is found
// by its prefix at once, on both engines.
func TestPrefixFindsNewWords(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
		fillParity(t, st, now)
		q := content.ParseQuery("kvartir*")
		if hits, _, err := st.Search(ctx, q, 10, 0); err != nil || len(hits) != 0 {
			t.Fatalf("before: %d hits, %v; want none", len(hits), err)
		}
		sec, err := st.SectionBySlug(ctx, "news")
		if err != nil {
			t.Fatal(err)
		}
		svc := content.NewService(st, content.NewRenderer())
		a := &content.Article{Slug: "kvartirniki", Headline: "Kvartirnik concerts return", Body: "House concerts are back.",
			Lang: "en", Status: content.StatusPublished, Section: sec, PublishedAt: now.Add(-time.Minute)}
		if err := svc.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		hits, _, err := st.Search(ctx, q, 10, 0)
		if err != nil || len(hits) != 1 || hits[0].Article.Slug != "kvartirniki" {
			t.Fatalf("after: %d hits, %v; want the new article", len(hits), err)
		}
		if !strings.Contains(hits[0].Snippet, store.MarkStart) {
			t.Errorf("snippet %q marks nothing", hits[0].Snippet)
		}
	})
}
