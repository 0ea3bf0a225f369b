package storetest

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// testAPIKeys: a key is made once under a unique name, kept only as its
// hash, listed, revoked by name or by the key (again harmlessly), and
// every change names store.KeyAPIKeys for the nodes' feeds.
func testAPIKeys(t *testing.T, f *fixture) {
	var live feedLog
	feed, err := f.st.NewFeed(f.ctx, live.apply, func(err error) { t.Errorf("feed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	key, k, err := f.st.CreateAPIKey(f.ctx, " Front-end ")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{26}$`).MatchString(key) || k.Name != "Front-end" || k.Hint != key[22:] ||
		k.Hash != store.HashAPIKey(key) || strings.Contains(k.Hash, key) {
		t.Errorf("CreateAPIKey = %q, %+v", key, k)
	}
	if got := keysOf(live.take()); !slices.Equal(got, []string{store.KeyAPIKeys}) {
		t.Errorf("making a key: changes %v, want %s", got, store.KeyAPIKeys)
	}
	for _, bad := range []string{"", "  ", "Front-end", strings.Repeat("n", 101)} {
		if _, _, err := f.st.CreateAPIKey(f.ctx, bad); !errors.Is(err, store.ErrKeyName) {
			t.Errorf("CreateAPIKey(%q): %v, want ErrKeyName", bad, err)
		}
	}
	other, _, err := f.st.CreateAPIKey(f.ctx, "App")
	if err != nil || other == key {
		t.Fatalf("a second key: %q, %v", other, err)
	}
	keys, err := f.st.APIKeys(f.ctx)
	if err != nil || len(keys) != 2 || keys[0].Name != "App" || keys[1].Revoked() {
		t.Fatalf("APIKeys = %+v, %v", keys, err)
	}
	live.take()
	f.setNow(base.Add(time.Hour))
	got, err := f.st.RevokeAPIKey(f.ctx, key)
	if err != nil || got.Name != "Front-end" || !got.RevokedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("RevokeAPIKey(key) = %+v, %v", got, err)
	}
	if got := keysOf(live.take()); !slices.Equal(got, []string{store.KeyAPIKeys}) {
		t.Errorf("revoking: changes %v", got)
	}
	f.setNow(base.Add(2 * time.Hour))
	if got, err := f.st.RevokeAPIKey(f.ctx, "Front-end"); err != nil || !got.RevokedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("revoking again: %+v, %v; want the first revocation kept", got, err)
	}
	if _, err := f.st.RevokeAPIKey(f.ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking an unknown key: %v", err)
	}
	if _, err := f.st.RevokeAPIKeyByID(f.ctx, keys[0].ID); err != nil {
		t.Errorf("RevokeAPIKeyByID: %v", err)
	}
	if _, err := f.st.RevokeAPIKeyByID(f.ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeAPIKeyByID(unknown): %v", err)
	}
	keys, _ = f.st.APIKeys(f.ctx)
	if len(keys) != 2 || !keys[0].Revoked() || !keys[1].Revoked() {
		t.Errorf("after revoking both: %+v", keys)
	}
}

// testArticleIndex: every live article, newest first, with its tags by
// name and its bylines in order; drafts and scheduled articles are not in
// it. ImportedIDs maps local ids to a source's.
func testArticleIndex(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	ann, bob := f.author(t, "ann", "Ann"), f.author(t, "bob", "Bob")
	old := f.create(t, spec{slug: "old", section: sec, authors: []content.Author{bob, ann}, tags: []string{"Zebra", "Apple"}, at: -2 * time.Hour})
	f.create(t, spec{slug: "new", section: sec, authors: []content.Author{ann}, at: -time.Hour})
	f.create(t, spec{slug: "draft", status: content.StatusDraft, section: sec})
	f.create(t, spec{slug: "later", status: content.StatusScheduled, section: sec, at: time.Hour})
	idx, err := f.st.ArticleIndex(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range idx {
		got = append(got, a.Slug)
	}
	if !slices.Equal(got, []string{"new", "old"}) {
		t.Fatalf("index %v, want the live articles newest first", got)
	}
	o := idx[1]
	if o.ID != old.ID || o.SectionSlug != "news" || o.Title != "Headline of old" || !o.PublishedAt.Equal(base.Add(-2*time.Hour)) ||
		!slices.Equal(o.Tags, []string{"apple", "zebra"}) || !slices.Equal(o.Authors, []string{"bob", "ann"}) {
		t.Errorf("indexed %+v", o)
	}
	if err := f.st.PutImportRef(f.ctx, store.ImportRef{Source: "ghost", Kind: "post", SourceID: "5f1a2b3c4d5e6f7a8b9c0d1e", LocalID: old.ID}); err != nil {
		t.Fatal(err)
	}
	ids, err := f.st.ImportedIDs(f.ctx, "ghost", "post")
	if err != nil || len(ids) != 1 || ids[old.ID] != "5f1a2b3c4d5e6f7a8b9c0d1e" {
		t.Errorf("ImportedIDs = %v, %v", ids, err)
	}
	if ids, err := f.st.ImportedIDs(f.ctx, "wordpress", "post"); err != nil || len(ids) != 0 {
		t.Errorf("another source's: %v, %v", ids, err)
	}
}
