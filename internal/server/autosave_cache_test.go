package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
)

var editorVersionRe = regexp.MustCompile(`name="version" value="([0-9]+)"`)

// pageCacheCounter reads one of the page cache's counters (hits, misses)
// from the server's Prometheus page.
func pageCacheCounter(t *testing.T, srv *Server, name string) float64 {
	t.Helper()
	w := httptest.NewRecorder()
	srv.metricsHandler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	prefix := "samizdat_page_cache_" + name + `_total{cache="pages"} `
	for sc := bufio.NewScanner(w.Body); sc.Scan(); {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s%s: %v", prefix, v, err)
			}
			return f
		}
	}
	t.Fatalf("the metrics lack %s", prefix)
	return 0
}

// lastChange is the sequence number of the newest row of the change feed.
func lastChange(t *testing.T, srv *Server) int64 {
	t.Helper()
	cs, err := srv.Store.Changes(context.Background(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 {
		return 0
	}
	return cs[len(cs)-1].Seq
}

// TestAutosaveKeepsPublicPageCached: while an editor autosaves drafts of a
// published article and of another article, again and again, through the
// real listener and through net/http, readers of the article's public page
// are served from the page cache throughout (not one miss, no row on the
// change feed, even once the feed is caught up), with the very bytes a
// server without a cache renders, and the typing shows nowhere in public.
// A real save of the article, afterwards, does drop the page: the test
// would see a purge.
func TestAutosaveKeepsPublicPageCached(t *testing.T) {
	srv, a, bases := transports(t)
	ctx := context.Background()
	other := &content.Article{Headline: "Ferry service resumes", Body: "The ferry runs again.", Lang: "en",
		Status: content.StatusPublished, Section: a.Section, PublishedAt: a.PublishedAt}
	if err := srv.Content.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	// A second server on the same database, its page cache off: what the
	// page says when rendered afresh.
	uncached, err := New(ctx, config.Config{DB: srv.cfg.DB, Media: filepath.Join(t.TempDir(), "media"), BaseURL: srv.cfg.BaseURL,
		CacheMB: 0, JobsEvery: time.Hour}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer uncached.Close()
	off := httptest.NewServer(uncached.Handler())
	defer off.Close()

	const rounds = 30 // autosaves of each article, per transport
	names := []string{"loopback", "httptest"}
	for _, name := range names {
		base := bases[name]
		t.Run(name, func(t *testing.T) {
			ed := signInStaff(t, &newsNode{srv: srv, base: base}, account.RoleEditor, name+"-desk@example.org")
			editor, err := srv.Store.UserByEmail(ctx, name+"-desk@example.org")
			if err != nil {
				t.Fatal(err)
			}
			versions := map[int64]string{}
			for _, id := range []int64{a.ID, other.ID} {
				status, body := ed.get("/admin/articles/" + itoa(id))
				m := editorVersionRe.FindStringSubmatch(body)
				if status != http.StatusOK || m == nil || !strings.Contains(body, `data-autosave="/admin/articles/`+itoa(id)+`/autosave"`) {
					t.Fatalf("the editor of article %d: %d, version found %v, autosave named: %v", id, status, m != nil,
						strings.Contains(body, "data-autosave="))
				}
				versions[id] = m[1]
			}

			page := base + a.Path()
			_, want := get(t, off.URL+a.Path(), nil)
			get(t, page, nil) // may fill the cache
			if _, got := get(t, page, nil); !bytes.Equal(got, want) {
				t.Fatalf("GET %s before any autosave: the cached page differs from the uncached render", a.Path())
			}
			seq := lastChange(t, srv)
			misses, hits := pageCacheCounter(t, srv, "misses"), pageCacheCounter(t, srv, "hits")

			// Readers request the page over keep-alive while the editor
			// autosaves, until the editor is done.
			done := make(chan struct{})
			errs := make(chan string, 100)
			var reads sync.WaitGroup
			var mu sync.Mutex
			served := 0
			for range 4 {
				reads.Add(1)
				go func() {
					defer reads.Done()
					tr := &http.Transport{DisableCompression: true}
					defer tr.CloseIdleConnections()
					c := &http.Client{Transport: tr, Timeout: time.Minute}
					for {
						select {
						case <-done:
							return
						default:
						}
						resp, err := c.Get(page)
						if err != nil {
							errs <- err.Error()
							return
						}
						b, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						switch {
						case resp.StatusCode != http.StatusOK:
							errs <- fmt.Sprintf("GET %s during autosaves: status %d", a.Path(), resp.StatusCode)
						case bytes.Contains(b, []byte("Typed draft")):
							errs <- fmt.Sprintf("GET %s during autosaves: the page shows an autosave", a.Path())
						case !bytes.Equal(b, want):
							errs <- fmt.Sprintf("GET %s during autosaves: the page differs from the uncached render", a.Path())
						}
						mu.Lock()
						served++
						mu.Unlock()
					}
				}()
			}
			for i := range rounds {
				for _, id := range []int64{a.ID, other.ID} {
					typed := fmt.Sprintf("Typed draft %d of %d: the tender was *not* annulled.", i, id)
					form := url.Values{"version": {versions[id]}, "headline": {"Typed draft headline " + strconv.Itoa(i)},
						"body": {typed}, "lang": {"en"}, "section": {itoa(a.Section.ID)}}
					status, body, _ := ed.post("/admin/articles/"+itoa(id)+"/autosave", form)
					if status != http.StatusOK || !strings.Contains(body, `"saved":"Saved `) {
						t.Fatalf("autosave %d of article %d: %d %s", i, id, status, body)
					}
				}
			}
			close(done)
			reads.Wait()
			close(errs)
			seen := map[string]bool{}
			for e := range errs {
				if !seen[e] {
					t.Error(e)
					seen[e] = true
				}
			}

			// The autosaves were kept, and nothing public was told of them.
			for _, id := range []int64{a.ID, other.ID} {
				as, err := srv.Store.LatestAutosave(ctx, id, editor.ID)
				if err != nil || !strings.HasPrefix(as.Article.Body, fmt.Sprintf("Typed draft %d of %d", rounds-1, id)) {
					t.Errorf("article %d: the last autosave kept is %q (%v), want round %d's", id, as.Article.Body, err, rounds-1)
				}
			}
			if got := lastChange(t, srv); got != seq {
				t.Errorf("%d autosaves recorded changes %d..%d on the feed, want none", 2*rounds, seq+1, got)
			}
			if !srv.feed.CatchUp(ctx) {
				t.Fatal("the change feed could not be read")
			}
			if _, got := get(t, page, nil); !bytes.Equal(got, want) {
				t.Errorf("GET %s after the autosaves: the cached page differs from the uncached render", a.Path())
			}
			if _, fresh := get(t, off.URL+a.Path(), nil); !bytes.Equal(fresh, want) {
				t.Errorf("GET %s uncached after the autosaves: the render changed", a.Path())
			}
			mu.Lock()
			n := served + 1
			mu.Unlock()
			if got := pageCacheCounter(t, srv, "misses"); got != misses {
				t.Errorf("the page cache missed %.0f times during the autosaves, want 0 (the page was dropped)", got-misses)
			}
			if got := pageCacheCounter(t, srv, "hits"); got-hits < float64(n) {
				t.Errorf("the page cache counted %.0f hits for %d requests of the page", got-hits, n)
			}
			if n < 2*rounds {
				t.Logf("only %d reads of the page during %d autosaves", n, 2*rounds)
			}
		})
	}

	// The control: a saved edit of the article is on the feed and drops
	// the page, which then shows it.
	seq, misses := lastChange(t, srv), pageCacheCounter(t, srv, "misses")
	stored, err := srv.Store.ArticleByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored.Headline = "Bridge tender annulled, then restored"
	if err := srv.Content.Update(ctx, stored); err != nil {
		t.Fatal(err)
	}
	if lastChange(t, srv) == seq {
		t.Error("a saved edit recorded no change on the feed")
	}
	srv.feed.CatchUp(ctx)
	for _, name := range names {
		if _, body := get(t, bases[name]+a.Path(), nil); !bytes.Contains(body, []byte(html.EscapeString(stored.Headline))) {
			t.Errorf("%s GET %s after a saved edit: the page lacks the new headline", name, a.Path())
		}
	}
	if got := pageCacheCounter(t, srv, "misses"); got == misses {
		t.Error("a saved edit did not drop the cached page: the test could not see a purge")
	}
}
