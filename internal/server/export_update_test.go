package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/mirror"
	"github.com/samizdat-press/samizdat/internal/site"
	"github.com/samizdat-press/samizdat/internal/store"
)

var exportSummaryRE = regexp.MustCompile(`exported (\d+) files \((\d+) written.*; (updated: rendered (\d+) files, (\d+) of them|rendered every page)`)

type exportSummary struct {
	files, written, rendered, patched int
	updated                           bool
}

func parseExportSummary(t *testing.T, stdout string) exportSummary {
	t.Helper()
	m := exportSummaryRE.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("export said %q", stdout)
	}
	s := exportSummary{updated: m[4] != ""}
	s.files, _ = strconv.Atoi(m[1])
	s.written, _ = strconv.Atoi(m[2])
	s.rendered, _ = strconv.Atoi(m[4])
	s.patched, _ = strconv.Atoi(m[5])
	return s
}

func manifestFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m mirror.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range m.Files {
		out[e.Path] = e.SHA256
	}
	return out
}

// TestExportUpdate edits the site in the ways a newsroom does and checks,
// after each, that the export which renders only what changed produces
// exactly the copy an export rendering every page does, and that an edit
// renders a handful of pages rather than the site.
func TestExportUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo newsroom")
	}
	s := newExportSite(t)
	out := filepath.Join(s.dir, "www")
	pub := s.pubFile(t)
	first := parseExportSummary(t, s.export(t, out))
	if first.updated {
		t.Fatal("the first export claims to have updated a previous one")
	}

	ctx := context.Background()
	st, err := store.Open(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.ListArticles(ctx, store.ListQuery{Limit: 1000})
	tags, _ := st.Tags(ctx)
	st.Close()
	if err != nil || len(list) < 10 || len(tags) < 2 {
		t.Fatalf("articles: %d, tags: %d, %v", len(list), len(tags), err)
	}
	// An article from the middle of the archive: on a list page past the
	// first, in no feed, on the home page of no section.
	mid := list[len(list)/2]

	edit := func(t *testing.T, slug string, change func(a *content.Article)) {
		t.Helper()
		srv := s.open(t, false)
		defer srv.Close()
		a, err := srv.Store.ArticleBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		change(a)
		if err := srv.Content.Update(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// sameAsFull exports into out, then renders every page into a fresh
	// directory, and compares the two manifests file by file.
	n := 0
	sameAsFull := func(t *testing.T) exportSummary {
		t.Helper()
		got := parseExportSummary(t, s.export(t, out))
		t.Logf("%+v", got)
		n++
		ref := filepath.Join(s.dir, fmt.Sprintf("full-%d", n))
		s.export(t, ref)
		want, have := manifestFiles(t, ref), manifestFiles(t, out)
		for p, sum := range want {
			if have[p] != sum {
				t.Errorf("%s: the updated copy has %.12s, an export of every page %.12s", p, have[p], sum)
			}
		}
		for p := range have {
			if _, ok := want[p]; !ok {
				t.Errorf("%s: in the updated copy, not in an export of every page", p)
			}
		}
		if _, _, err := s.run(t, "verify", out, "--pubkey", pub); err != nil {
			t.Errorf("verify: %v", err)
		}
		return got
	}
	t.Run("nothing changed", func(t *testing.T) {
		got := sameAsFull(t)
		if !got.updated || got.written != 0 {
			t.Errorf("export of an unchanged site: %+v, want an update writing nothing", got)
		}
	})
	// alter changes one byte of a served file in place (same inode, same
	// size) and puts its modification time back, as a careless deploy
	// tool or an intruder covering tracks would.
	alter := func(t *testing.T, rel string) {
		t.Helper()
		p := filepath.Join(out, filepath.FromSlash(rel))
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1)
		f.ReadAt(b, fi.Size()/2)
		b[0] ^= 0x01
		if _, err := f.WriteAt(b, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.run(t, "verify", out, "--pubkey", pub); err == nil {
			t.Fatal("verify passes a copy with an altered file")
		}
	}
	for _, tc := range []struct {
		name string
		prep func(t *testing.T)
	}{
		{"a kept file altered in place", func(t *testing.T) {}},
		{"a kept file altered in place, without page descriptions", func(t *testing.T) {
			if err := os.Remove(filepath.Join(s.dir, ".www.samizdat-state")); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			alter(t, mid.Path()[1:]+"/index.html")
			alter(t, "robots.txt")
			tc.prep(t)
			sameAsFull(t) // the export signs what is on disk, and it is what a full export writes
		})
	}
	t.Run("a correction to the body", func(t *testing.T) {
		edit(t, mid.Slug, func(a *content.Article) { a.Body += "\n\nCorrection: the figure was 12, not 21." })
		got := sameAsFull(t)
		if !got.updated || got.rendered > first.files/4 {
			t.Errorf("after a body edit: %+v, want an update rendering a few of the %d files", got, first.files)
		}
		b, _ := os.ReadFile(filepath.Join(out, filepath.FromSlash(mid.Path()), "index.html"))
		if !strings.Contains(string(b), "the figure was 12, not 21") {
			t.Error("the article's page does not show the correction")
		}
	})
	t.Run("a new headline", func(t *testing.T) {
		edit(t, mid.Slug, func(a *content.Article) { a.Headline = "Revised: " + a.Headline })
		// The pages listing the article get its new card put in place.
		if got := sameAsFull(t); !got.updated || got.patched == 0 {
			t.Errorf("after a headline edit: %+v, want an update that patches the pages listing it", got)
		}
	})
	t.Run("moved to another topic", func(t *testing.T) {
		edit(t, mid.Slug, func(a *content.Article) { a.Tags = []content.Tag{tags[0]} })
		sameAsFull(t)
	})
	t.Run("a new article", func(t *testing.T) {
		srv := s.open(t, false)
		a := &content.Article{Slug: "late-breaking-count", Headline: "A late count", Body: "Fresh numbers.",
			Lang: "en", Status: content.StatusPublished, Section: list[0].Section, Authors: list[0].Authors,
			Tags: []content.Tag{tags[1]}, PublishedAt: time.Now().Add(-time.Minute)}
		err := srv.Content.Create(ctx, a)
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		sameAsFull(t)
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(a.Path()), "index.html")); err != nil {
			t.Errorf("the new article is not in the copy: %v", err)
		}
	})
	t.Run("unpublished", func(t *testing.T) {
		edit(t, list[0].Slug, func(a *content.Article) { a.Status = content.StatusUnpublished })
		sameAsFull(t)
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(list[0].Path()))); !os.IsNotExist(err) {
			t.Errorf("the unpublished article's page is still in the copy: %v", err)
		}
	})
	t.Run("a setting changes every page", func(t *testing.T) {
		srv := s.open(t, false)
		err := srv.Store.SetSetting(ctx, "site.name", "The Exiled Ledger")
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := sameAsFull(t); got.updated {
			t.Errorf("after a settings change: %+v, want every page rendered", got)
		}
	})
	t.Run("an update killed midway", func(t *testing.T) {
		before := manifestFiles(t, out)
		edit(t, mid.Slug, func(a *content.Article) { a.Headline = "Twice revised" })
		killExportMidway(t, s, out, 8, "--base-url", exportBase,
			"--mirror-host", "mirror.example", "--onion-host", "samizdatdemo2345.onion")
		if now := manifestFiles(t, out); len(now) != len(before) {
			t.Errorf("the killed update changed the served copy: %d files, were %d", len(now), len(before))
		}
		if _, _, err := s.run(t, "verify", out, "--pubkey", pub); err != nil {
			t.Errorf("verify after a killed update: %v", err)
		}
		sameAsFull(t)
	})
}

// TestExportEditWhileExporting saves an article while an export runs,
// after the pages listing it were rendered and before its own page: the
// next export must not trust what the first recorded of it.
func TestExportEditWhileExporting(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo newsroom")
	}
	s := newExportSite(t)
	ctx := context.Background()
	srv := s.open(t, false)
	defer srv.Close()
	list, err := srv.Store.ListArticles(ctx, store.ListQuery{Limit: 1000})
	if err != nil || len(list) < 10 {
		t.Fatalf("articles: %d, %v", len(list), err)
	}
	target := list[len(list)/2]
	key, err := mirror.LoadOrCreateKey(s.key)
	if err != nil {
		t.Fatal(err)
	}
	edited := false
	handler := srv.Handler()
	racing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == target.Path() && !edited {
			edited = true
			a, err := srv.Store.ArticleBySlug(ctx, target.Slug)
			if err == nil {
				a.Headline = "Edited mid-export: " + a.Headline
				err = srv.Content.Update(ctx, a)
			}
			if err != nil {
				t.Error(err)
			}
		}
		handler.ServeHTTP(w, r)
	})
	export := func(out string, h http.Handler) mirror.Result {
		t.Helper()
		res, err := mirror.Export(ctx, mirror.Options{Handler: h, BaseURL: exportBase, Source: srv.Store, Out: out,
			Key: key, PageSize: site.PageSize, Workers: 1, Fingerprint: "test", CardStart: site.CardStart, CardEnd: site.CardEnd, Editions: mirror.EditionsOf("en"),
			Inspect: func(ctx context.Context) (context.Context, func() mirror.PageInfo) {
				info := &site.PageInfo{}
				return site.WithPageInfo(ctx, info), func() mirror.PageInfo { return mirror.PageInfo(*info) }
			}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	out := filepath.Join(s.dir, "www")
	export(out, racing)
	if !edited {
		t.Fatal("the export never asked for the article's page")
	}
	if res := export(out, handler); !res.Updated {
		t.Fatalf("the second export rendered every page: %+v", res)
	}
	ref := filepath.Join(s.dir, "ref")
	export(ref, handler)
	want, have := manifestFiles(t, ref), manifestFiles(t, out)
	for p, sum := range want {
		if have[p] != sum {
			t.Errorf("%s: the updated copy differs from an export of every page", p)
		}
	}
}
