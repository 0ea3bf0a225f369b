package server_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/cli"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

// TestChangesReachEveryNode: on each engine, two `samizdat serve` processes
// share one database, each with its pages cached, while the newsroom works
// from the command line (a third process): an import, an edit, an
// unpublish and a scheduled article each reach both nodes' cached pages
// within a second, a restarted node follows the changes made after it
// came back, and a pinned lead and its expiry reach both.
func TestChangesReachEveryNode(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			var dsn string
			if engine == "sqlite" {
				dsn = filepath.Join(t.TempDir(), "site.db")
			} else {
				dsn = pgtest.Database(t)
			}
			seedCluster(t, dsn)
			nodes := []*node{startNode(t, dsn), startNode(t, dsn)}
			files := t.TempDir()
			story := filepath.Join(files, "ferry.md")
			published := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)

			write := func(path, title, date string, draft bool) {
				t.Helper()
				md := fmt.Sprintf("---\ntitle: %q\nslug: %s\ndate: %s\nsection: news\nauthors: [mara-lind]\ndraft: %v\n---\nThe ferry sails again.\n",
					title, strings.TrimSuffix(filepath.Base(path), ".md"), date, draft)
				if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			importDir := func(dir string, update bool) time.Time {
				t.Helper()
				args := []string{"import", "markdown", dir, "--db", dsn}
				if update {
					args = append(args, "--update")
				}
				var out, errOut bytes.Buffer
				if err := cli.Run(context.Background(), args, strings.NewReader(""), &out, &errOut, func(string) string { return "" }); err != nil {
					t.Fatalf("samizdat %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
				}
				return time.Now()
			}
			cache := func(paths ...string) {
				t.Helper()
				for _, n := range nodes {
					for _, p := range paths {
						for range 2 { // rendered, then served from the cache
							fetch(t, nil, n.base+p)
						}
					}
				}
			}
			// within waits until every node's page at path passes ok, and
			// fails if that takes more than a second after since.
			within := func(what, path string, since time.Time, ok func(code int, body string) bool) {
				t.Helper()
				for i, n := range nodes {
					for {
						code, body := fetch(t, nil, n.base+path)
						if ok(code, body) {
							break
						}
						if time.Since(since) > 5*time.Second {
							t.Fatalf("%s: node %d's %s still not updated 5 s later (status %d)", what, i, path, code)
						}
						time.Sleep(10 * time.Millisecond)
					}
					if d := time.Since(since); d > time.Second {
						t.Errorf("%s: node %d's %s updated after %s, want within 1 s", what, i, path, d.Round(time.Millisecond))
					}
				}
				t.Logf("%s: visible on both nodes after %s", what, time.Since(since).Round(time.Millisecond))
			}
			shows := func(s string) func(int, string) bool {
				return func(code int, body string) bool { return code == 200 && strings.Contains(body, s) }
			}
			lacks := func(s string) func(int, string) bool {
				return func(code int, body string) bool { return code == 200 && !strings.Contains(body, s) }
			}

			cache("/", "/feed.xml")
			write(story, "Ferry to Solvik resumes", published, false)
			at := importDir(files, false)
			within("import", "/", at, shows("Ferry to Solvik resumes"))
			within("import", "/feed.xml", at, shows("Ferry to Solvik resumes"))

			path := "/" + published[:4] + "/" + published[5:7] + "/" + published[8:10] + "/ferry"
			cache("/", path)
			write(story, "Ferry to Solvik resumes after three weeks", published, false)
			at = importDir(files, true)
			within("edit", path, at, shows("Ferry to Solvik resumes after three weeks"))
			within("edit", "/", at, shows("resumes after three weeks"))

			cache("/", path, "/sitemap.xml", "/search?q=ferry", "/feed.xml")
			within("edit, before unpublishing", "/search?q=ferry", time.Now(), shows("/ferry"))
			write(story, "Ferry to Solvik resumes after three weeks", published, true)
			at = importDir(files, true)
			within("unpublish", path, at, func(code int, _ string) bool { return code == 404 })
			within("unpublish", "/", at, lacks("Ferry to Solvik"))
			within("unpublish", "/sitemap.xml", at, lacks("/ferry"))
			within("unpublish", "/feed.xml", at, lacks("/ferry"))
			within("unpublish", "/search?q=ferry", at, lacks("/ferry"))

			// Scheduled three seconds ahead: nothing is written when its
			// time comes; each node drops its pages by the clock.
			later := t.TempDir()
			due := time.Now().Add(3 * time.Second).Truncate(time.Second)
			write(filepath.Join(later, "vote.md"), "Budget vote moved to Friday", due.UTC().Format(time.RFC3339), false)
			importDir(later, false)
			cache("/", "/news/")
			for i, n := range nodes {
				if _, body := fetch(t, nil, n.base+"/"); strings.Contains(body, "Budget vote moved") {
					t.Fatalf("node %d shows the scheduled article before its time", i)
				}
			}
			time.Sleep(time.Until(due))
			within("scheduled publication", "/", due, shows("Budget vote moved to Friday"))
			within("scheduled publication", "/news/", due, shows("Budget vote moved to Friday"))

			// A node restarts, then follows what is written after it.
			nodes[1].stop(t)
			again := t.TempDir()
			write(filepath.Join(again, "strike.md"), "Teachers strike in Velsk", published, false)
			importDir(again, false)
			nodes[1] = startNode(t, dsn)
			cache("/")
			within("while a node was down", "/", time.Now(), shows("Teachers strike in Velsk"))
			last := t.TempDir()
			write(filepath.Join(last, "bridge.md"), "Bridge tender annulled", published, false)
			at = importDir(last, false)
			within("after the restart", "/", at, shows("Bridge tender annulled"))

			// An editor pins an older story as the home's lead for three
			// seconds, from another process: both nodes lead with it, and
			// when the pin expires, by the clock alone, with the newest.
			leads := func(headline string) func(int, string) bool {
				return func(code int, body string) bool {
					i := strings.Index(body, `<article class="leadstory"`)
					return code == 200 && i >= 0 && strings.Contains(body[i:min(len(body), i+3000)], headline)
				}
			}
			cache("/")
			within("before pinning", "/", time.Now(), leads("Bridge tender annulled"))
			editor, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer editor.Close()
			strike, err := editor.ArticleBySlug(context.Background(), "strike")
			if err != nil {
				t.Fatal(err)
			}
			until := time.Now().Add(3 * time.Second).Truncate(time.Second)
			if err := editor.SetFrontPins(context.Background(), store.HomeFront, "en", []store.FrontPin{{Position: 0, ArticleID: strike.ID, ExpiresAt: until}}); err != nil {
				t.Fatal(err)
			}
			within("pin", "/", time.Now(), leads("Teachers strike in Velsk"))
			time.Sleep(time.Until(until))
			within("pin expiry", "/", until, leads("Bridge tender annulled"))
		})
	}
}
