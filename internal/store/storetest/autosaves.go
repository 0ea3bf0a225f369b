package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/store"
)

// testAutosaves: an autosave keeps what was typed without touching the
// article, its revisions or the change feed; it is offered back only while
// it is newer than the saved version; an autosave on top of an older
// version is refused naming who saved since and when; a late, older
// autosave does not replace a newer one.
func testAutosaves(t *testing.T, f *fixture) {
	var users []account.User
	for _, email := range []string{"ann@example.org", "bob@example.org"} {
		u := account.User{Email: email, Role: account.RoleEditor}
		if err := f.st.CreateUser(f.ctx, &u); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		users = append(users, u)
	}
	ann, bob := users[0], users[1]
	a := f.create(t, spec{slug: "vote", headline: "Vote", body: "Saved body.", section: f.section(t, "news", "News", 0)})
	revsBefore, err := f.st.Revisions(f.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	lastBefore, _, err := f.st.RevisionsSince(f.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := f.st.Changes(f.ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := f.st.LatestAutosave(f.ctx, a.ID, ann.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LatestAutosave before any: %v, want ErrNotFound", err)
	}
	f.setNow(base.Add(time.Minute))
	typed := *a
	typed.Body, typed.Headline = "Typed, not saved.", "Vote, typed"
	at, err := f.st.SaveAutosave(f.ctx, ann.ID, &typed)
	if err != nil {
		t.Fatalf("SaveAutosave: %v", err)
	}
	if !at.Equal(base.Add(time.Minute)) {
		t.Errorf("SaveAutosave at %v, want %v", at, base.Add(time.Minute))
	}

	// Nothing public moved: same article, same revisions, no change.
	got := f.byID(t, a.ID)
	if got.Version != a.Version || got.Body != "Saved body." || !got.UpdatedAt.Equal(a.UpdatedAt) {
		t.Errorf("after autosave the article is version %d with body %q, want version %d unchanged", got.Version, got.Body, a.Version)
	}
	if revs, _ := f.st.Revisions(f.ctx, a.ID); len(revs) != len(revsBefore) {
		t.Errorf("after autosave %d revisions, want %d", len(revs), len(revsBefore))
	}
	if last, _, _ := f.st.RevisionsSince(f.ctx, 0); last != lastBefore {
		t.Errorf("after autosave the newest revision is %d, want %d: a static export would think it changed", last, lastBefore)
	}
	if cs, _ := f.st.Changes(f.ctx, 0, 1000); len(cs) != len(changes) {
		t.Errorf("autosave recorded %d changes, want none", len(cs)-len(changes))
	}

	as, err := f.st.LatestAutosave(f.ctx, a.ID, ann.ID)
	if err != nil {
		t.Fatalf("LatestAutosave: %v", err)
	}
	if as.Article.Body != "Typed, not saved." || as.Article.Headline != "Vote, typed" || as.Article.Version != a.Version || !as.CreatedAt.Equal(at) {
		t.Errorf("LatestAutosave = %q %q v%d at %v", as.Article.Headline, as.Article.Body, as.Article.Version, as.CreatedAt)
	}
	if _, err := f.st.LatestAutosave(f.ctx, a.ID, bob.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Bob is offered Ann's autosave: %v", err)
	}

	// A request that arrives late, made before the one kept, is dropped.
	f.setNow(base.Add(30 * time.Second))
	late := typed
	late.Body = "Older keystrokes."
	if _, err := f.st.SaveAutosave(f.ctx, ann.ID, &late); err != nil {
		t.Fatalf("late SaveAutosave: %v", err)
	}
	if as, _ := f.st.LatestAutosave(f.ctx, a.ID, ann.ID); as.Article.Body != "Typed, not saved." {
		t.Errorf("a late autosave replaced a newer one: body %q", as.Article.Body)
	}

	// Bob saves: Ann's autosave, made on the old version, is no longer
	// offered, and her next autosave is refused naming Bob.
	f.setNow(base.Add(2 * time.Minute))
	bobs := f.byID(t, a.ID)
	bobs.Body, bobs.EditedBy = "Bob's saved body.", bob.ID
	if err := f.svc.Update(f.ctx, bobs); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if _, err := f.st.LatestAutosave(f.ctx, a.ID, ann.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an autosave older than the saved version is offered: %v", err)
	}
	f.setNow(base.Add(3 * time.Minute))
	_, err = f.st.SaveAutosave(f.ctx, ann.ID, &typed)
	stale, ok := errors.AsType[*store.StaleError](err)
	if !ok || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("autosave on an old version: %v, want a StaleError wrapping ErrConflict", err)
	}
	if stale.Editor != bob.Email || stale.EditBy != bob.ID || stale.Version != bobs.Version || !stale.SavedAt.Equal(base.Add(2*time.Minute)) {
		t.Errorf("StaleError = %+v, want Bob's version %d at %v", stale, bobs.Version, base.Add(2*time.Minute))
	}
	if got := f.byID(t, a.ID); got.Body != "Bob's saved body." {
		t.Errorf("a stale autosave overwrote the saved body: %q", got.Body)
	}

	// On top of the new version it works again, and can be discarded.
	typed.Version = bobs.Version
	if _, err := f.st.SaveAutosave(f.ctx, ann.ID, &typed); err != nil {
		t.Fatalf("SaveAutosave on the new version: %v", err)
	}
	if as, err := f.st.LatestAutosave(f.ctx, a.ID, ann.ID); err != nil || as.Article.Version != bobs.Version {
		t.Errorf("LatestAutosave on the new version = v%d, %v", as.Article.Version, err)
	}
	if err := f.st.DiscardAutosave(f.ctx, a.ID, ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.LatestAutosave(f.ctx, a.ID, ann.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a discarded autosave is offered: %v", err)
	}
	missing := typed
	missing.ID = a.ID + 1000
	if _, err := f.st.SaveAutosave(f.ctx, ann.ID, &missing); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("autosave of a missing article: %v, want ErrNotFound", err)
	}
}
