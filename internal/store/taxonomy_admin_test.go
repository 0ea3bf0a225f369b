package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// taxFixture is a fresh SQLite store with the production write path.
type taxFixture struct {
	ctx context.Context
	st  *store.Store
	svc *content.Service
	now time.Time
}

func newTaxFixture(t *testing.T) *taxFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "taxonomy.db"))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)
	st.SetClock(func() time.Time { return now })
	return &taxFixture{ctx: ctx, st: st, svc: content.NewService(st, content.NewRenderer()), now: now}
}

func (f *taxFixture) section(t *testing.T, slug, name string) content.Section {
	t.Helper()
	s := content.Section{Slug: slug, Name: name}
	if err := f.st.CreateSection(f.ctx, &s); err != nil {
		t.Fatalf("CreateSection(%q): %v", slug, err)
	}
	return s
}

func (f *taxFixture) article(t *testing.T, headline string, sec content.Section, published bool, tags ...string) *content.Article {
	t.Helper()
	a := &content.Article{Headline: headline, Lang: "en", Status: content.StatusDraft, Section: sec}
	if published {
		a.Status, a.PublishedAt = content.StatusPublished, f.now.Add(-time.Hour)
	}
	for _, name := range tags {
		a.Tags = append(a.Tags, content.Tag{Name: name})
	}
	if err := f.svc.Create(f.ctx, a); err != nil {
		t.Fatalf("Create(%q): %v", headline, err)
	}
	return a
}

func (f *taxFixture) tag(t *testing.T, slug string) store.TagCount {
	t.Helper()
	tags, err := f.st.TagsWithCounts(f.ctx)
	if err != nil {
		t.Fatalf("TagsWithCounts: %v", err)
	}
	for _, tc := range tags {
		if tc.Slug == slug {
			return tc
		}
	}
	t.Fatalf("no tag %q in %+v", slug, tags)
	return store.TagCount{}
}

func TestUpdateAndDeleteSection(t *testing.T) {
	f := newTaxFixture(t)
	news := f.section(t, "news", "News")
	culture := f.section(t, "culture", "Culture")

	news.Name, news.Slug, news.Order = "World news", "world", 5
	if err := f.st.UpdateSection(f.ctx, news); err != nil {
		t.Fatalf("UpdateSection: %v", err)
	}
	got, err := f.st.SectionBySlug(f.ctx, "world")
	if err != nil || got != news {
		t.Fatalf("SectionBySlug(world) = %+v, %v; want %+v", got, err, news)
	}
	if _, err := f.st.SectionBySlug(f.ctx, "news"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old slug still found: %v", err)
	}

	dup := culture
	dup.Slug = "world"
	if err := f.st.UpdateSection(f.ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateSection to a taken slug = %v, want ErrConflict", err)
	}
	reserved := culture
	reserved.Slug = "admin"
	if err := f.st.UpdateSection(f.ctx, reserved); !errors.Is(err, content.ErrInvalid) {
		t.Errorf("UpdateSection to a reserved slug = %v, want ErrInvalid", err)
	}
	if err := f.st.UpdateSection(f.ctx, content.Section{ID: 999, Slug: "nowhere", Name: "Nowhere"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateSection(unknown) = %v, want ErrNotFound", err)
	}

	f.article(t, "One", news, true)
	f.article(t, "Two", news, false)
	if n, err := f.st.SectionArticleCount(f.ctx, news.ID); err != nil || n != 2 {
		t.Errorf("SectionArticleCount = %d, %v; want 2", n, err)
	}
	if err := f.st.DeleteSection(f.ctx, news.ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("DeleteSection with articles = %v, want ErrConflict", err)
	}
	if _, err := f.st.SectionBySlug(f.ctx, "world"); err != nil {
		t.Errorf("refused delete removed the section: %v", err)
	}
	if err := f.st.DeleteSection(f.ctx, culture.ID); err != nil {
		t.Fatalf("DeleteSection(empty): %v", err)
	}
	if _, err := f.st.SectionBySlug(f.ctx, "culture"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted section still found: %v", err)
	}
	if err := f.st.DeleteSection(f.ctx, culture.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteSection twice = %v, want ErrNotFound", err)
	}
}

func TestTagsWithCountsRenameDelete(t *testing.T) {
	f := newTaxFixture(t)
	news := f.section(t, "news", "News")
	a1 := f.article(t, "One", news, true, "Elections", "Courts")
	f.article(t, "Two", news, false, "Elections")
	f.article(t, "Three", news, false, "Drafts only")
	if err := f.st.UpdateTag(f.ctx, 0, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTag(unknown) = %v, want ErrNotFound", err)
	}

	tags, err := f.st.TagsWithCounts(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, tc := range tags {
		counts[tc.Slug] = tc.Articles
	}
	if want := map[string]int{"elections": 2, "courts": 1, "drafts-only": 1}; len(counts) != len(want) ||
		counts["elections"] != 2 || counts["courts"] != 1 || counts["drafts-only"] != 1 {
		t.Errorf("counts = %v, want %v", counts, want)
	}

	// Same slug: a rename.
	el := f.tag(t, "elections")
	if err := f.st.UpdateTag(f.ctx, el.ID, "  ELECTIONS  2024?? "); !errors.Is(err, content.ErrInvalid) {
		t.Errorf("readdressing a live tag = %v, want ErrInvalid", err)
	}
	if err := f.st.UpdateTag(f.ctx, el.ID, "ELECTIONS!"); err != nil {
		t.Fatalf("UpdateTag: %v", err)
	}
	if got, _ := f.st.TagBySlug(f.ctx, "elections"); got.Name != "ELECTIONS!" {
		t.Errorf("renamed tag = %+v", got)
	}
	if err := f.st.UpdateTag(f.ctx, el.ID, " ?! "); !errors.Is(err, content.ErrInvalid) {
		t.Errorf("a name without letters = %v, want ErrInvalid", err)
	}

	// A tag on no live article may move to its new name's address, unless
	// another tag has it.
	dr := f.tag(t, "drafts-only")
	if err := f.st.UpdateTag(f.ctx, dr.ID, "Courts"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("moving onto another tag = %v, want ErrConflict", err)
	}
	if err := f.st.UpdateTag(f.ctx, dr.ID, "Budget"); err != nil {
		t.Fatalf("UpdateTag(readdress): %v", err)
	}
	if got, err := f.st.TagBySlug(f.ctx, "budget"); err != nil || got.ID != dr.ID || got.Name != "Budget" {
		t.Errorf("TagBySlug(budget) = %+v, %v", got, err)
	}

	// Deleting takes the tag off its articles.
	if err := f.st.DeleteTag(f.ctx, el.ID); err != nil {
		t.Fatalf("DeleteTag: %v", err)
	}
	if _, err := f.st.TagBySlug(f.ctx, "elections"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted tag still found: %v", err)
	}
	got, err := f.st.ArticleByID(f.ctx, a1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tags) != 1 || got.Tags[0].Slug != "courts" {
		t.Errorf("tags after delete = %+v, want only courts", got.Tags)
	}
	if err := f.st.DeleteTag(f.ctx, el.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteTag twice = %v, want ErrNotFound", err)
	}
}

func TestUpdateAuthor(t *testing.T) {
	f := newTaxFixture(t)
	anna := content.Author{Slug: "anna", Name: "Anna"}
	boris := content.Author{Slug: "boris", Name: "Boris"}
	for _, a := range []*content.Author{&anna, &boris} {
		if err := f.st.CreateAuthor(f.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	anna.Name, anna.Slug, anna.Bio = "Anna Petrova", "anna-petrova", "Covers courts."
	if err := f.st.UpdateAuthor(f.ctx, anna); err != nil {
		t.Fatalf("UpdateAuthor: %v", err)
	}
	if got, err := f.st.AuthorBySlug(f.ctx, "anna-petrova"); err != nil || got != anna {
		t.Errorf("AuthorBySlug = %+v, %v; want %+v", got, err, anna)
	}
	boris.Slug = "anna-petrova"
	if err := f.st.UpdateAuthor(f.ctx, boris); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateAuthor to a taken slug = %v, want ErrConflict", err)
	}
	boris.Slug = "Not A Slug"
	if err := f.st.UpdateAuthor(f.ctx, boris); !errors.Is(err, content.ErrInvalid) {
		t.Errorf("UpdateAuthor with a bad slug = %v, want ErrInvalid", err)
	}
	if err := f.st.UpdateAuthor(f.ctx, content.Author{ID: 999, Slug: "x", Name: "X"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateAuthor(unknown) = %v, want ErrNotFound", err)
	}
}
