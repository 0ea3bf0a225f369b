package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// eachEngine runs test on a new store of each engine, as a subtest named
// for it.
func eachEngine(t *testing.T, test func(t *testing.T, engine string, st *store.Store)) {
	for _, e := range []struct {
		name string
		open func(t *testing.T) *store.Store
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(e.name, func(t *testing.T) { test(t, e.name, e.open(t)) })
	}
}

// newsDesk puts st on a clock stopped at now and gives it a News section
// and an article service on the same clock.
func newsDesk(t *testing.T, st *store.Store, now time.Time) (content.Section, *content.Service) {
	t.Helper()
	st.SetClock(func() time.Time { return now })
	sec := content.Section{Slug: "news", Name: "News"}
	if err := st.CreateSection(context.Background(), &sec); err != nil {
		t.Fatal(err)
	}
	svc := content.NewService(st, content.NewRenderer())
	svc.SetClock(func() time.Time { return now })
	return sec, svc
}

// TestPhrasePairs: a phrase is found through the pairs index (migration
// 0025) exactly where its words stand together, in one field, in order,
// on both engines; and an edit or an unpublished article changes what it
// finds at once.
func TestPhrasePairs(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
		sec, svc := newsDesk(t, st, now)
		stories := map[string]*content.Article{}
		for i, c := range []struct{ slug, lang, headline, dek, body string }{
			{"shelled", "en", "Shelling at dawn", "Residents leave", "Shells hit the border village at dawn, and the border villages emptied."},
			{"apart", "en", "A quiet week", "Nothing new", "The village near the border was quiet; the border guards left the village."},
			{"old", "en", "Elders remember", "Memories", "In an old border village the school still stands."},
			{"trap", "en", "Two posts", "Checkpoints", "The old border post and the new border village fence were built apart."},
			{"span", "en", "Fighting near the border", "Village evacuated", "The evacuation took two days."},
			{"emergency", "en", "A state of emergency", "Declared overnight", "The government declared a state of emergency in the north."},
			{"derevnya", "ru", "Обстрел", "Жители уезжают", "Снаряды попали в пограничную деревню на рассвете."},
		} {
			a := &content.Article{Slug: c.slug, Headline: c.headline, Dek: c.dek, Body: c.body, Lang: c.lang,
				Status: content.StatusPublished, Section: sec, PublishedAt: now.Add(-time.Duration(i+1) * time.Hour)}
			if err := svc.Create(ctx, a); err != nil {
				t.Fatalf("Create(%q): %v", c.slug, err)
			}
			stories[c.slug] = a
		}
		search := func(query string) []string {
			t.Helper()
			hits, total, err := st.Search(ctx, content.ParseQuery(query), 20, 0)
			if err != nil {
				t.Fatalf("Search(%s): %v", query, err)
			}
			if total != len(hits) {
				t.Errorf("Search(%s): total %d, %d hits", query, total, len(hits))
			}
			var slugs []string
			for _, h := range hits {
				slugs = append(slugs, h.Article.Slug)
			}
			slices.Sort(slugs)
			return slugs
		}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{`"border village"`, []string{"old", "shelled", "trap"}}, // "border villages" too: the same stems
			{`"village border"`, nil},                                // the words in the other order, nowhere together
			{`"old border village"`, []string{"old"}},                // "old border" and "border village" apart in "trap"
			{`"border village" dawn`, []string{"shelled"}},
			{`"border village" -school`, []string{"shelled", "trap"}},
			{`"border village"  "old border"`, []string{"old", "trap"}},
			{`"state of emergency"`, []string{"emergency"}},
			{`"border" "village"`, []string{"apart", "old", "shelled", "span", "trap"}}, // two words, not a phrase
			{`"пограничная деревня"`, []string{"derevnya"}},                             // by the stems, as the words
			{`"border evacuated"`, nil},                                                 // the headline's last word, the dek's first
		} {
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if got := search(tc.query); !slices.Equal(got, want) {
				t.Errorf("Search(%s) = %v, want %v", tc.query, got, want)
			}
		}

		// A phrase that is one word once the stop words are out is that
		// word on PostgreSQL, as its english configuration reads it;
		// SQLite has no stop words.
		theBorder := map[string][]string{"sqlite": {"apart", "shelled", "span"}, "postgres": {"apart", "old", "shelled", "span", "trap"}}
		if got := search(`"the border"`); !slices.Equal(got, theBorder[engine]) {
			t.Errorf(`Search("the border") = %v, want %v`, got, theBorder[engine])
		}

		// The phrase leaves with the words that made it, and comes with
		// new ones; an unpublished story is not found.
		a := stories["shelled"]
		a.Body = "Shells hit the village at dawn."
		if err := svc.Update(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, want := search(`"border village"`), []string{"old", "trap"}; !slices.Equal(got, want) {
			t.Errorf("after the edit: %v, want %v", got, want)
		}
		if got, want := search(`"village at dawn"`), []string{"shelled"}; !slices.Equal(got, want) {
			t.Errorf("the edit's new phrase: %v, want %v", got, want)
		}
		b := stories["old"]
		b.Status = content.StatusDraft
		if err := svc.Update(ctx, b); err != nil {
			t.Fatal(err)
		}
		if got, want := search(`"border village"`), []string{"trap"}; !slices.Equal(got, want) {
			t.Errorf("after unpublishing: %v, want %v", got, want)
		}
	})
}

// TestSearchUpgrade0025: a SQLite archive from before migration 0025 has
// full-text indexes that keep a copy of the text and no pairs; the next
// start makes both again, with the pairs, and phrases are found in the
// articles already there.
func TestSearchUpgrade0025(t *testing.T) {
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
	for _, q := range []string{
		`DROP TABLE articles_fts`, `DROP TABLE articles_fts_hd`,
		// The indexes as migration 0020 left them (external content, no pairs).
		`CREATE VIRTUAL TABLE articles_fts USING fts5 (search_headline, search_dek, search_body,
			content = 'articles', content_rowid = 'search_key', tokenize = 'porter unicode61 remove_diacritics 2')`,
		`INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')`,
		`CREATE VIRTUAL TABLE articles_fts_hd USING fts5 (search_headline, search_dek,
			content = 'articles', content_rowid = 'search_key', tokenize = 'porter unicode61 remove_diacritics 2')`,
		`INSERT INTO articles_fts_hd (articles_fts_hd) VALUES ('rebuild')`,
		`DELETE FROM schema_migrations WHERE version = 25`,
	} {
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
		{`"election results"`, "election-main"},
		{`"блокировка мессенджера"`, "blokirovka-main"},
		{`"river town"`, "flood-main"}, // in the headline: scored from the pairs of headlines
	} {
		hits, _, err := st.Search(ctx, content.ParseQuery(tc.query), 10, 0)
		if err != nil || len(hits) != 1 || hits[0].Article.Slug != tc.first {
			var got []string
			for _, h := range hits {
				got = append(got, h.Article.Slug)
			}
			t.Errorf("Search(%s) after the upgrade: %v, %v; want %s alone", tc.query, got, err, tc.first)
		}
	}
}

// TestWordSearchFollowsEdits: a search of words finds what an article says
// now: a word taken out of it, or an unpublished article, is not found at
// once, on both engines (on PostgreSQL through search_lexemes, written by
// its trigger in the article's own transaction).
func TestWordSearchFollowsEdits(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
		fillParity(t, st, now)
		slugs := func(query string) []string {
			t.Helper()
			hits, _, err := st.Search(ctx, content.ParseQuery(query), 20, 0)
			if err != nil {
				t.Fatalf("Search(%s): %v", query, err)
			}
			var out []string
			for _, h := range hits {
				out = append(out, h.Article.Slug)
			}
			slices.Sort(out)
			return out
		}
		if got, want := slugs("harbour"), []string{"harbour", "storm"}; !slices.Equal(got, want) {
			t.Fatalf("before: %v, want %v", got, want)
		}
		svc := content.NewService(st, content.NewRenderer())
		svc.SetClock(func() time.Time { return now })
		a, err := st.ArticleBySlug(ctx, "storm")
		if err != nil {
			t.Fatal(err)
		}
		a.Body = "A storm is expected to reach the coast by night. The council opened shelters."
		a.Tags = nil
		if err := svc.Update(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, want := slugs("harbour"), []string{"harbour"}; !slices.Equal(got, want) {
			t.Errorf("after the edit: %v, want %v", got, want)
		}
		if got, want := slugs("harb* -boats"), []string(nil); !slices.Equal(got, want) {
			t.Errorf("prefix with an exclusion: %v, want %v", got, want)
		}
		h, err := st.ArticleBySlug(ctx, "harbour")
		if err != nil {
			t.Fatal(err)
		}
		h.Status = content.StatusDraft
		if err := svc.Update(ctx, h); err != nil {
			t.Fatal(err)
		}
		if got := slugs("harbour"); len(got) != 0 {
			t.Errorf("after unpublishing: %v, want none", got)
		}
	})
}

// TestSearchHitBylines: a hit carries its article's bylines in their
// order, on both engines.
func TestSearchHitBylines(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
		st.SetClock(func() time.Time { return now })
		sec := content.Section{Slug: "news", Name: "News"}
		if err := st.CreateSection(ctx, &sec); err != nil {
			t.Fatal(err)
		}
		var authors []content.Author
		for _, n := range []string{"Zoe Second", "Anna First"} {
			au := content.Author{Slug: strings.ToLower(strings.ReplaceAll(n, " ", "-")), Name: n}
			if err := st.CreateAuthor(ctx, &au); err != nil {
				t.Fatal(err)
			}
			authors = append(authors, au)
		}
		svc := content.NewService(st, content.NewRenderer())
		svc.SetClock(func() time.Time { return now })
		for _, c := range []struct {
			slug string
			by   []content.Author
		}{{"two", authors}, {"none", nil}} {
			a := &content.Article{Slug: c.slug, Headline: "Harbour news " + c.slug, Body: "The harbour reopened.", Lang: "en",
				Status: content.StatusPublished, Section: sec, Authors: c.by, PublishedAt: now.Add(-time.Hour)}
			if err := svc.Create(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		hits, _, err := st.Search(ctx, content.ParseQuery("harbour"), 10, 0)
		if err != nil || len(hits) != 2 {
			t.Fatalf("Search: %d hits, %v", len(hits), err)
		}
		for _, h := range hits {
			var names []string
			for _, au := range h.Article.Authors {
				names = append(names, au.Name)
			}
			want := []string(nil)
			if h.Article.Slug == "two" {
				want = []string{"Zoe Second", "Anna First"}
			}
			if !slices.Equal(names, want) {
				t.Errorf("%s: bylines %v, want %v", h.Article.Slug, names, want)
			}
		}
	})
}

// TestSearchPages: a search's pages, one after the other, are its whole
// ranking cut in order (relevance: headline, then dek, then body; then
// recency), each page gives the number of matches, and a page past the
// last is empty but still counts them, on both engines (PostgreSQL ranks
// in SQL and sends one page; SQLite ranks in Go), for a word, a prefix and
// a phrase alike.
func TestSearchPages(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
		sec, svc := newsDesk(t, st, now)
		var want []string
		var inHeadline, inDek, inBody []string
		for i := range 23 {
			slug := fmt.Sprintf("story-%02d", i)
			a := &content.Article{Slug: slug, Headline: "Market day", Dek: "Stalls open", Body: "The ferry crossing came in.", Lang: "en",
				Status: content.StatusPublished, Section: sec, PublishedAt: now.Add(-time.Duration(i+1) * time.Hour)}
			switch i % 3 { // newest first within each
			case 0:
				a.Headline = "Ferry crossing to the islands"
				inHeadline = append(inHeadline, slug)
			case 1:
				a.Dek = "The ferry crossing is late"
				inDek = append(inDek, slug)
			default:
				inBody = append(inBody, slug)
			}
			if err := svc.Create(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		want = slices.Concat(inHeadline, inDek, inBody)
		for _, query := range []string{"ferry", "ferr*", `"ferry crossing"`} {
			q := content.ParseQuery(query)
			var got []string
			for page := 0; ; page++ {
				hits, total, err := st.Search(ctx, q, 10, page*10)
				if err != nil {
					t.Fatal(err)
				}
				if total != len(want) {
					t.Fatalf("%s: page %d: total %d, want %d", query, page+1, total, len(want))
				}
				if len(hits) == 0 {
					if page != 3 {
						t.Fatalf("%s: page %d is empty; want 3 pages", query, page+1)
					}
					break
				}
				for _, h := range hits {
					got = append(got, h.Article.Slug)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: pages in order:\n got %v\nwant %v", query, got, want)
			}
			if hits, total, err := st.Search(ctx, q, 10, 100); err != nil || len(hits) != 0 || total != len(want) {
				t.Errorf("%s: far past the last page: %d hits, total %d, %v; want none of %d", query, len(hits), total, err, len(want))
			}
		}
	})
}

// TestSearchLexemesUpgrade0028: a PostgreSQL archive whose search_lexemes
// is 0027's (with its copy of search_hd) gets 0028's, headline and dek
// apart, made again from its articles, and searches rank as before.
func TestSearchLexemesUpgrade0028(t *testing.T) {
	pgServer(t)
	ctx := context.Background()
	now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
	dsn := pgDatabase(t)
	queries := []string{"flood", "election -mayor", `"election results"`, "harb*", "выборы", "storm harbour"}
	search := func(st *store.Store) map[string][]string {
		got := map[string][]string{}
		for _, q := range queries {
			hits, _, err := st.Search(ctx, content.ParseQuery(q), 10, 0)
			if err != nil {
				t.Fatalf("Search(%s): %v", q, err)
			}
			for _, h := range hits {
				got[q] = append(got[q], h.Article.Slug)
			}
		}
		return got
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	fillParity(t, st, now)
	before := search(st)
	st.Close()

	old, err := os.ReadFile(filepath.Join("migrations", "postgres", "0027_search_lexemes.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE search_lexemes`, `DROP FUNCTION search_lexemes_write() CASCADE`, `DROP FUNCTION search_query(text)`, string(old),
		`DELETE FROM schema_migrations WHERE version = 28`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	db.Close()

	st, err = store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetClock(func() time.Time { return now })
	after := search(st)
	for _, q := range queries {
		if len(before[q]) == 0 || !slices.Equal(before[q], after[q]) {
			t.Errorf("Search(%s): %v after the upgrade, %v before", q, after[q], before[q])
		}
	}
}

// TestSearchSnippetDeepInBody: a hit's snippet is cut around its body's
// first match wherever it is, far into a long body too, with the words
// around it, on both engines.
func TestSearchSnippetDeepInBody(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
		sec, svc := newsDesk(t, st, now)
		var after []string
		for i := 1; i <= 30; i++ {
			after = append(after, fmt.Sprintf("w%d", i))
		}
		tail := " ferry " + strings.Join(after, " ") + "."
		for i, c := range []struct{ slug, lead string }{
			{"deep", strings.Repeat("Harbour ", 600)},                      // the match 600 words in
			{"straddle", strings.Repeat("Harbour ", 249)},                  // about 2,000 characters in
			{"early", "Harbour harbour" + strings.Repeat(" harbour", 400)}, // the second word
			{"short", "Harbour"},                                           // the second word of a short body
			{"cyrillic", strings.Repeat("Гавань ", 150)},                   // after words of two bytes a letter
		} {
			body := c.lead + tail
			if c.slug == "early" {
				body = "The ferry " + strings.Join(after, " ") + " " + c.lead
			}
			a := &content.Article{Slug: c.slug, Headline: "Port news " + c.slug, Dek: "Crossings", Body: body, Lang: "en",
				Status: content.StatusPublished, Section: sec, PublishedAt: now.Add(-time.Duration(i+1) * time.Hour)}
			if err := svc.Create(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		hits, _, err := st.Search(ctx, content.ParseQuery("ferry"), 10, 0)
		if err != nil || len(hits) != 5 {
			t.Fatalf("Search: %d hits, %v", len(hits), err)
		}
		for _, h := range hits {
			s := h.Snippet
			if !strings.Contains(s, store.MarkStart+"ferry"+store.MarkEnd) {
				t.Errorf("%s: snippet without the match: %q", h.Article.Slug, s)
				continue
			}
			// Eight words before the match, where there are as many, and
			// the rest of the 24 after it.
			last, cut := "w15", true
			if h.Article.Slug == "early" || h.Article.Slug == "short" {
				last, cut = "w22", false
			}
			if !strings.HasSuffix(s, " "+last+"…") {
				t.Errorf("%s: snippet %q does not run to %s", h.Article.Slug, s, last)
			}
			if got := strings.HasPrefix(s, "…"); got != cut {
				t.Errorf("%s: snippet %q: cut at the start %v, want %v", h.Article.Slug, s, got, cut)
			}
		}
	})
}
