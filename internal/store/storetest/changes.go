package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// feedLog collects what a Feed applies.
type feedLog struct {
	mu      sync.Mutex
	changes []store.Change
}

func (l *feedLog) apply(_ context.Context, cs []store.Change) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changes = append(l.changes, cs...)
}

// take returns what was applied since the last take.
func (l *feedLog) take() []store.Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.changes
	l.changes = nil
	return out
}

func keysOf(cs []store.Change) []string {
	var keys []string
	for _, c := range cs {
		keys = append(keys, c.Keys...)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// testChangeFeed: every write that changes a public page is in the change
// feed, naming what it touched, in order and once; a follower that was not
// told catches up from the sequence; an article whose time comes is
// announced by the clock; a follower that fell behind the retention is told
// to drop everything.
func testChangeFeed(t *testing.T, f *fixture) {
	sec, other := f.section(t, "news", "News", 0), f.section(t, "culture", "Culture", 1)
	ann := f.author(t, "ann", "Ann")
	var live feedLog
	feed, err := f.st.NewFeed(f.ctx, live.apply, func(err error) { t.Errorf("feed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	if got := live.take(); len(got) != 0 {
		t.Fatalf("a new feed applied %d earlier changes, want none", len(got))
	}

	// This process's writes reach its feeds before they return.
	a := f.create(t, spec{slug: "vote", section: sec, authors: []content.Author{ann}, tags: []string{"Elections"}})
	tag := f.tag(t, "elections")
	want := []string{store.KeyLists, store.KeyArticle(a.ID), store.KeyAuthor(ann.ID), store.KeySection(sec.ID), store.KeyTag(tag.ID)}
	slices.Sort(want)
	if got := keysOf(live.take()); !slices.Equal(got, want) {
		t.Errorf("publishing: keys %v, want %v", got, want)
	}
	d := f.create(t, spec{slug: "draft", status: content.StatusDraft, section: sec})
	if got := keysOf(live.take()); !slices.Equal(got, []string{store.KeyArticle(d.ID)}) {
		t.Errorf("a draft: keys %v, want only the article", got)
	}
	moved := f.byID(t, a.ID)
	moved.Section = other
	if err := f.svc.Update(f.ctx, moved); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(live.take()); !slices.Contains(got, store.KeySection(sec.ID)) || !slices.Contains(got, store.KeySection(other.ID)) {
		t.Errorf("moving an article between sections: keys %v, want both sections", got)
	}
	gone := f.byID(t, a.ID)
	gone.Status = content.StatusUnpublished
	if err := f.svc.Update(f.ctx, gone); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(live.take()); !slices.Contains(got, store.KeyLists) || !slices.Contains(got, store.KeyTag(tag.ID)) {
		t.Errorf("unpublishing: keys %v, want every list it was in", got)
	}
	if err := f.st.SetSetting(f.ctx, "site.name", "Other"); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(live.take()); !slices.Equal(got, []string{store.KeySettings}) {
		t.Errorf("a setting: keys %v, want settings", got)
	}
	c := &revenue.Campaign{Name: "Winter", Starts: base}
	if err := f.st.SaveCampaign(f.ctx, c); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(live.take()); !slices.Equal(got, []string{store.KeyPrompts}) {
		t.Errorf("a campaign: keys %v, want prompts", got)
	}

	// A follower nobody tells (another process's, or one that lost its
	// notifications) finds every change, in order, from the sequence.
	var quiet feedLog
	behind, err := f.st.NewFeed(f.ctx, quiet.apply, nil)
	if err != nil {
		t.Fatal(err)
	}
	behind.Close() // no longer told of this process's writes
	start := behind.Last()
	var writers sync.WaitGroup
	for i := range 8 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			if err := f.svc.Create(f.ctx, spec{slug: fmt.Sprintf("w%d", i), section: sec}.build()); err != nil {
				t.Errorf("concurrent create: %v", err)
			}
		}()
	}
	writers.Wait()
	if !behind.CatchUp(f.ctx) {
		t.Fatal("catch-up failed")
	}
	got := quiet.take()
	if len(got) != 8 {
		t.Fatalf("catch-up applied %d changes, want the 8 made meanwhile", len(got))
	}
	for i, ch := range got {
		if ch.Seq != start+int64(i)+1 {
			t.Errorf("change %d has sequence %d, want %d: numbers must follow each other", i, ch.Seq, start+int64(i)+1)
		}
	}
	if behind.CatchUp(f.ctx); len(quiet.take()) != 0 {
		t.Error("a second catch-up applied changes again")
	}

	// Scheduled: saved now, live in a minute, with no write then.
	sched := f.create(t, spec{slug: "later", status: content.StatusScheduled, section: sec, at: time.Minute})
	live.take()
	if next := feed.NextLive(); !next.Equal(base.Add(time.Minute)) {
		t.Errorf("NextLive = %v, want %v", next, base.Add(time.Minute))
	}
	f.setNow(base.Add(time.Minute))
	feed.CatchUp(f.ctx)
	got = live.take()
	if len(got) != 1 || got[0].Seq != 0 || !slices.Contains(got[0].Keys, store.KeyArticle(sched.ID)) || !slices.Contains(got[0].Keys, store.KeyLists) {
		t.Errorf("at its time, the scheduled article was announced as %+v, want one clock change naming it and the lists", got)
	}
	feed.CatchUp(f.ctx)
	if got := live.take(); len(got) != 0 {
		t.Errorf("the scheduled article was announced again: %+v", got)
	}

	// Behind by more than the retention: the rows it missed are gone, and
	// it is told to drop everything.
	f.setNow(base.Add(48 * time.Hour))
	if err := f.st.SetSetting(f.ctx, "site.name", "Later"); err != nil {
		t.Fatal(err)
	}
	if err := f.st.PruneChanges(f.ctx); err != nil {
		t.Fatal(err)
	}
	var old feedLog
	stale, _ := f.st.NewFeed(f.ctx, old.apply, nil)
	stale.Close()
	if err := f.st.SetSetting(f.ctx, "site.name", "Latest"); err != nil {
		t.Fatal(err)
	}
	behind.CatchUp(f.ctx)
	if got := quiet.take(); len(got) == 0 || !slices.Equal(got[0].Keys, []string{store.KeyEverything}) {
		t.Errorf("a follower behind the pruned rows got %+v first, want a change of everything", got)
	}
	stale.CatchUp(f.ctx)
	if got := old.take(); len(got) != 1 || !slices.Equal(got[0].Keys, []string{store.KeySettings}) {
		t.Errorf("a follower at the newest kept row got %+v, want just the next change", got)
	}
}
