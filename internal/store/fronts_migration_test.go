package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// frontPinsBefore0024 is front_pins as migration 0019 made it, keyed by
// (section_id, position) without the edition.
var frontPinsBefore0024 = map[string]string{
	"sqlite": `CREATE TABLE front_pins (
		section_id INTEGER NOT NULL,
		position   INTEGER NOT NULL CHECK (position >= 0),
		article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
		expires_at INTEGER,
		PRIMARY KEY (section_id, position));
		CREATE INDEX front_pins_expires ON front_pins (expires_at) WHERE expires_at IS NOT NULL;
		CREATE INDEX front_pins_article ON front_pins (article_id)`,
	"pgx": `CREATE TABLE front_pins (
		section_id BIGINT NOT NULL,
		position   INTEGER NOT NULL CHECK (position >= 0),
		article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
		expires_at BIGINT,
		PRIMARY KEY (section_id, position));
		CREATE INDEX front_pins_expires ON front_pins (expires_at) WHERE expires_at IS NOT NULL;
		CREATE INDEX front_pins_article ON front_pins (article_id)`,
}

// TestFrontPinsMigration: the pins of a database from before editions had
// fronts of their own belong, after migration 0024, to the site's main
// language (here Russian), keep their positions, expiries and articles,
// and the other edition's same positions are free. On both engines.
func TestFrontPinsMigration(t *testing.T) {
	engines := []struct {
		name, driver string
		dsn          func(t *testing.T) (open, raw string)
	}{
		{"sqlite", "sqlite", func(t *testing.T) (string, string) {
			path := filepath.Join(t.TempDir(), "samizdat.db")
			return path, "file:" + path
		}},
		{"postgres", "pgx", func(t *testing.T) (string, string) {
			dsn := pgDatabase(t)
			return dsn, dsn
		}},
	}
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			ctx := context.Background()
			dsn, raw := eng.dsn(t)
			st, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			svc := content.NewService(st, content.NewRenderer())
			sec := content.Section{Slug: "news", Name: "News"}
			if err := st.CreateSection(ctx, &sec); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Second)
			var arts []*content.Article
			for _, a := range []struct{ slug, lang string }{{"vybory", "ru"}, {"port", "ru"}, {"harbour", "en"}} {
				art := &content.Article{Slug: a.slug, Headline: "Headline " + a.slug, Body: "Body.", Lang: a.lang,
					Status: content.StatusPublished, Section: sec, PublishedAt: now.Add(-time.Hour)}
				if err := svc.Create(ctx, art); err != nil {
					t.Fatal(err)
				}
				arts = append(arts, art)
			}
			if err := st.SetSetting(ctx, "site.lang", "ru"); err != nil {
				t.Fatal(err)
			}
			st.Close()

			// Back to the schema before 0024, with pins made then.
			db, err := sql.Open(eng.driver, raw)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			expires := now.Add(time.Hour)
			for _, q := range []string{
				`DROP TABLE front_pins`,
				frontPinsBefore0024[eng.driver],
				`INSERT INTO front_pins (section_id, position, article_id, expires_at) VALUES (0, 0, ` + idStr(arts[0].ID) + `, ` + idStr(expires.Unix()) + `)`,
				`INSERT INTO front_pins (section_id, position, article_id) VALUES (0, 1, ` + idStr(arts[1].ID) + `)`,
				`INSERT INTO front_pins (section_id, position, article_id) VALUES (` + idStr(sec.ID) + `, 0, ` + idStr(arts[1].ID) + `)`,
				`DELETE FROM schema_migrations WHERE version = 24`,
			} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()

			st, err = store.Open(ctx, dsn)
			if err != nil {
				t.Fatalf("migrate: %v", err)
			}
			defer st.Close()
			for _, tc := range []struct {
				name    string
				section int64
				lang    string
				want    []int64
			}{
				{"main language's home", store.HomeFront, "ru", []int64{arts[0].ID, arts[1].ID}},
				{"main language's section", sec.ID, "ru", []int64{arts[1].ID}},
				{"other edition's home", store.HomeFront, "en", nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					pins, err := st.FrontPins(ctx, tc.section, tc.lang)
					if err != nil {
						t.Fatal(err)
					}
					var got []int64
					for _, p := range pins {
						got = append(got, p.ArticleID)
					}
					if !slices.Equal(got, tc.want) {
						t.Errorf("pins %v, want %v", got, tc.want)
					}
					if tc.section == store.HomeFront && len(pins) > 0 && !pins[0].ExpiresAt.Equal(expires) {
						t.Errorf("expiry %v, want %v kept", pins[0].ExpiresAt, expires)
					}
				})
			}
			// The English home's lead is a position of its own.
			if err := st.SetFrontPins(ctx, store.HomeFront, "en", []store.FrontPin{{Position: 0, ArticleID: arts[2].ID}}); err != nil {
				t.Fatalf("pin the English lead after the migration: %v", err)
			}
			if live, err := st.LivePins(ctx, store.HomeFront, "ru"); err != nil || len(live) != 2 || live[0].ArticleID != arts[0].ID {
				t.Errorf("Russian home after pinning the English one: %+v, %v", live, err)
			}
		})
	}
}

func idStr(n int64) string { return strconv.FormatInt(n, 10) }
