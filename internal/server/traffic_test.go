package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// trafficHost is the public name of the traffic tests' site: requests on
// loopback carry it, as a reverse proxy or a reader's browser would.
const trafficHost = "samizdat.test"

// answer is what a URL answered: what a reader gets.
type answer struct {
	status      int
	contentType string
	body        []byte
}

var canonicalRe = regexp.MustCompile(`<link rel="canonical" href="([^"]+)"`)

func (a answer) canonical() string {
	if m := canonicalRe.FindSubmatch(a.body); m != nil {
		return string(m[1])
	}
	return ""
}

// fetchAnswer GETs path from l with the site's host, keep-alive on c,
// decompressing a gzip answer.
func fetchAnswer(c *http.Client, l *loopback, path string, gz bool) (answer, error) {
	req, err := http.NewRequest(http.MethodGet, l.URL+path, nil)
	if err != nil {
		return answer{}, err
	}
	req.Host = trafficHost
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return answer{}, fmt.Errorf("%s: gzip: %w", path, err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return answer{}, fmt.Errorf("%s: read: %w", path, err)
	}
	return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b}, nil
}

func trafficClient() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// trafficPair serves one generated site twice through the real listener:
// with the page cache, and without it (every answer rendered afresh).
func trafficPair(t *testing.T) (cached, plain *Server, lc, lp *loopback) {
	t.Helper()
	db := GeneratedCopy(t)
	dir := filepath.Dir(db)
	cfg := config.Config{DB: db, Media: filepath.Join(dir, "media"), DataKeyFile: filepath.Join(dir, "data.key"),
		BaseURL: "http://" + trafficHost, JobsEvery: time.Hour}
	ctx := context.Background()
	var err error
	cfg.CacheMB = 64
	if cached, err = New(ctx, cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	cfg.CacheMB = 0
	if plain, err = New(ctx, cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return cached, plain, serveLoopback(t, cached), serveLoopback(t, plain)
}

// sitePaths lists every URL of the site a crawler learns from its sitemap,
// with what the sitemap leaves out: later pages of lists, feeds, search.
func sitePaths(t *testing.T, srv *Server, l *loopback) []string {
	t.Helper()
	a, err := fetchAnswer(trafficClient(), l, "/sitemap.xml", false)
	if err != nil || a.status != 200 {
		t.Fatalf("sitemap: %v %d", err, a.status)
	}
	var set struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(a.body, &set); err != nil {
		t.Fatalf("sitemap: %v", err)
	}
	paths := []string{"/feed.xml", "/atom.xml", "/feed.json", "/news-sitemap.xml", "/robots.txt", "/?page=2",
		"/search?q=court", "/search?q=election+budget", "/search?q=%22border+village%22", "/search?q=court&page=2"}
	for _, u := range set.URLs {
		p, err := url.Parse(u.Loc)
		if err != nil {
			t.Fatalf("sitemap loc %q: %v", u.Loc, err)
		}
		paths = append(paths, p.RequestURI())
	}
	secs, err := srv.Store.Sections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		paths = append(paths, "/"+s.Slug+"/?page=2", "/"+s.Slug+"/feed.xml")
	}
	slices.Sort(paths)
	return slices.Compact(paths)
}

// TestCachedEqualsUncachedUnderLoad sweeps every URL of a generated site
// with concurrent keep-alive clients through the real listener, and checks
// that each cached answer equals the answer the same site gives with no
// cache: status, body (and so canonical link), content type. It then checks
// that the cache holds no more pages than the site has, and that an
// unpublished article leaves every cached page at once.
func TestCachedEqualsUncachedUnderLoad(t *testing.T) {
	cached, plain, lc, lp := trafficPair(t)
	paths := sitePaths(t, plain, lp)
	if len(paths) < generatedArticles {
		t.Fatalf("the site lists %d URLs, want at least %d", len(paths), generatedArticles)
	}
	ref := make(map[string]answer, len(paths))
	c := trafficClient()
	for _, p := range paths {
		a, err := fetchAnswer(c, lp, p, false)
		if err != nil {
			t.Fatal(err)
		}
		if a.status >= 500 {
			t.Fatalf("GET %s uncached: %d", p, a.status)
		}
		ref[p] = a
	}

	// Tracking parameters must not make pages of their own.
	noisy := func(p string, rng *rand.Rand) string {
		if strings.Contains(p, "?") {
			return p
		}
		return p + "?utm_source=" + fmt.Sprint(rng.Uint32())
	}
	load := func(workers, passes int) {
		var (
			mu    sync.Mutex
			wrong []string
			wg    sync.WaitGroup
		)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				client := trafficClient() // its own keep-alive connections
				for pass := range passes {
					for i, j := range rng.Perm(len(paths)) {
						p := paths[j]
						asked := p
						if (i+pass)%5 == 0 {
							asked = noisy(p, rng)
						}
						got, err := fetchAnswer(client, lc, asked, (i+w+pass)%2 == 0)
						if err != nil {
							mu.Lock()
							wrong = append(wrong, err.Error())
							mu.Unlock()
							continue
						}
						want := ref[p]
						if got.status != want.status || got.contentType != want.contentType || !bytes.Equal(got.body, want.body) {
							mu.Lock()
							wrong = append(wrong, fmt.Sprintf("GET %s: cached %d %q canonical %q (%d bytes); uncached %d %q canonical %q (%d bytes)",
								asked, got.status, got.contentType, got.canonical(), len(got.body), want.status, want.contentType, want.canonical(), len(want.body)))
							mu.Unlock()
						}
					}
				}
			}()
		}
		wg.Wait()
		if len(wrong) > 0 {
			t.Errorf("%d of %d cached answers differ from the uncached ones; the first:\n%s",
				len(wrong), workers*passes*len(paths), strings.Join(wrong[:min(len(wrong), 10)], "\n"))
		}
	}
	load(8, 2)
	pages, bytes1 := cached.Site.CachedPages()
	if pages > len(paths) {
		t.Errorf("after the load the cache holds %d pages for %d URLs: keys are not the pages'", pages, len(paths))
	}
	load(8, 1)
	if again, bytes2 := cached.Site.CachedPages(); again != pages || bytes2 != bytes1 {
		t.Errorf("the same URLs again moved the cache from %d pages (%d bytes) to %d (%d bytes)", pages, bytes1, again, bytes2)
	}
	t.Logf("%d URLs, %d cached pages (%d KB)", len(paths), pages, bytes1>>10)

	// An editor unpublishes the newest article: no cached page of this
	// node shows it a moment later (the write waits for the feed).
	ctx := context.Background()
	list, err := cached.Store.ListArticles(ctx, store.ListQuery{Limit: 1})
	if err != nil || len(list) == 0 {
		t.Fatalf("newest article: %v", err)
	}
	gone, err := cached.Store.ArticleByID(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	gone.Status = content.StatusUnpublished
	if err := cached.Content.Update(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if a, _ := fetchAnswer(c, lc, gone.Path(), true); a.status != http.StatusNotFound {
		t.Errorf("the unpublished article answers %d, want 404", a.status)
	}
	word := strings.Fields(gone.Headline)[0]
	for _, p := range []string{"/", "/feed.xml", "/atom.xml", "/feed.json", "/sitemap.xml", "/news-sitemap.xml",
		"/" + gone.Section.Slug + "/", "/search?q=" + url.QueryEscape(word)} {
		a, err := fetchAnswer(c, lc, p, true)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(a.body, []byte(gone.Path())) {
			t.Errorf("%s still links the unpublished article %s", p, gone.Path())
		}
	}
}
