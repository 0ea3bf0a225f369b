// Package storetest is the conformance suite every store engine must pass.
// It speaks only the exported Store API, so SQLite and a later PostgreSQL
// engine run the same tests unchanged.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// base is "now" for every test unless a test moves the clock.
var base = time.Date(2024, 5, 14, 12, 0, 0, 0, time.UTC)

// Run runs the suite. open must return a fresh, migrated, empty store on
// every call and arrange for it to be closed when the test ends.
func Run(t *testing.T, open func(t *testing.T) *store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Health", testHealth},
		{"Sections", testSections},
		{"Authors", testAuthors},
		{"Tags", testTags},
		{"ArticleRoundTrip", testArticleRoundTrip},
		{"ArticleNotFound", testArticleNotFound},
		{"ImageVariants", testImageVariants},
		{"CreateAtomic", testCreateAtomic},
		{"Update", testUpdate},
		{"Corrections", testCorrections},
		{"Publish", testPublish},
		{"List", testList},
		{"Related", testRelated},
		{"Search", testSearch},
		{"SearchCap", testSearchCap},
		{"SnippetMarkers", testSnippetMarkers},
		{"Concurrency", testConcurrency},
		{"Migrate", testMigrate},
		{"Settings", testSettings},
		{"RevisionsSince", testRevisionsSince},
		{"ChangeFeed", testChangeFeed},
		{"Throttle", testThrottle},
		{"ThrottleConcurrent", testThrottleConcurrent},
		{"SupporterLinksCapped", testSupporterLinksCapped},
		{"Translations", testTranslations},
		{"EditionLists", testEditionLists},
		{"EditionSearch", testEditionSearch},
		{"Pages", testPages},
		{"Redirects", testRedirects},
		{"SectionPageSlug", testSectionPageSlug},
		{"FrontPins", testFrontPins},
		{"FrontPinsPerEdition", testFrontPinsPerEdition},
		{"TimeZone", testTimeZone},
		{"Dashboard", testDashboard},
		{"SectionDescription", testSectionDescription},
		{"APIKeys", testAPIKeys},
		{"ArticleIndex", testArticleIndex},
		{"Autosaves", testAutosaves},
		{"MediaLibrary", testMediaLibrary},
		{"AuthorProfiles", testAuthorProfiles},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newFixture(t, open))
		})
	}
}

// fixture is one fresh store with the production write path on top.
type fixture struct {
	ctx context.Context
	st  *store.Store
	svc *content.Service
}

func newFixture(t *testing.T, open func(t *testing.T) *store.Store) *fixture {
	t.Helper()
	st := open(t)
	if st == nil {
		t.Fatal("open returned a nil store")
	}
	f := &fixture{ctx: context.Background(), st: st, svc: content.NewService(st, content.NewRenderer())}
	f.setNow(base)
	return f
}

func (f *fixture) setNow(now time.Time) { f.st.SetClock(func() time.Time { return now }) }

func (f *fixture) section(t *testing.T, slug, name string, order int) content.Section {
	t.Helper()
	s := content.Section{Slug: slug, Name: name, Order: order}
	if err := f.st.CreateSection(f.ctx, &s); err != nil {
		t.Fatalf("CreateSection(%q): %v", slug, err)
	}
	if s.ID == 0 {
		t.Fatalf("CreateSection(%q): ID not set", slug)
	}
	return s
}

func (f *fixture) author(t *testing.T, slug, name string) content.Author {
	t.Helper()
	a := content.Author{Slug: slug, Name: name, Bio: name + " reports."}
	if err := f.st.CreateAuthor(f.ctx, &a); err != nil {
		t.Fatalf("CreateAuthor(%q): %v", slug, err)
	}
	if a.ID == 0 {
		t.Fatalf("CreateAuthor(%q): ID not set", slug)
	}
	return a
}

// spec describes an article compactly; build turns it into a content.Article.
type spec struct {
	slug, headline, dek, body, lang string
	status                          content.Status // default published
	section                         content.Section
	authors                         []content.Author
	tags                            []string
	at                              time.Duration // published at base+at (published only)
}

func (s spec) build() *content.Article {
	a := &content.Article{
		Slug: s.slug, Headline: s.headline, Dek: s.dek, Body: s.body, Lang: s.lang,
		Status: s.status, Section: s.section, Authors: slices.Clone(s.authors),
	}
	if a.Headline == "" {
		a.Headline = "Headline of " + s.slug
	}
	if a.Body == "" {
		a.Body = "Body of *" + s.slug + "*."
	}
	if a.Lang == "" {
		a.Lang = "en"
	}
	if a.Status == "" {
		a.Status = content.StatusPublished
	}
	if a.Status != content.StatusDraft {
		a.PublishedAt = base.Add(s.at)
	}
	for _, name := range s.tags {
		a.Tags = append(a.Tags, content.Tag{Name: name})
	}
	return a
}

func (f *fixture) create(t *testing.T, s spec) *content.Article {
	t.Helper()
	a := s.build()
	if err := f.svc.Create(f.ctx, a); err != nil {
		t.Fatalf("Create(%q): %v", s.slug, err)
	}
	return a
}

func (f *fixture) byID(t *testing.T, id int64) *content.Article {
	t.Helper()
	a, err := f.st.ArticleByID(f.ctx, id)
	if err != nil {
		t.Fatalf("ArticleByID(%d): %v", id, err)
	}
	return a
}

func (f *fixture) tag(t *testing.T, slug string) content.Tag {
	t.Helper()
	tg, err := f.st.TagBySlug(f.ctx, slug)
	if err != nil {
		t.Fatalf("TagBySlug(%q): %v", slug, err)
	}
	return tg
}

func (f *fixture) list(t *testing.T, q store.ListQuery) []*content.Article {
	t.Helper()
	list, err := f.st.ListArticles(f.ctx, q)
	if err != nil {
		t.Fatalf("ListArticles(%+v): %v", q, err)
	}
	return list
}

func (f *fixture) count(t *testing.T, q store.ListQuery) int {
	t.Helper()
	n, err := f.st.CountArticles(f.ctx, q)
	if err != nil {
		t.Fatalf("CountArticles(%+v): %v", q, err)
	}
	return n
}

func (f *fixture) search(t *testing.T, query string, limit, offset int) ([]store.SearchHit, int) {
	t.Helper()
	hits, total, err := f.st.Search(f.ctx, content.ParseQuery(query), limit, offset)
	if err != nil {
		t.Fatalf("Search(%q): %v", query, err)
	}
	return hits, total
}

func slugsOf(list []*content.Article) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Slug
	}
	return out
}

func hitSlugs(hits []store.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Article.Slug
	}
	return out
}

func authorSlugs(as []content.Author) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Slug
	}
	return out
}

func tagSlugs(ts []content.Tag) []string {
	out := make([]string, len(ts))
	for i, tg := range ts {
		out[i] = tg.Slug
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}

// stamp formats a time for comparison, with any sub-second part visible.
func stamp(tm time.Time) string { return tm.UTC().Format(time.RFC3339Nano) }

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// --- health -----------------------------------------------------------------

func testHealth(t *testing.T, f *fixture) {
	if err := f.st.Ping(f.ctx); err != nil {
		t.Errorf("Ping: got %v, want nil", err)
	}
	if f.st.Engine() == "" {
		t.Error("Engine: got empty name")
	}
	if n := f.count(t, store.ListQuery{}); n != 0 {
		t.Errorf("CountArticles on a new store: got %d, want 0", n)
	}
}

// --- taxonomy ---------------------------------------------------------------

func testSections(t *testing.T, f *fixture) {
	news := f.section(t, "news", "News", 1)
	f.section(t, "culture", "Culture", 2)
	f.section(t, "opinion", "Opinion", 0)

	t.Run("BySlug", func(t *testing.T) {
		got, err := f.st.SectionBySlug(f.ctx, "news")
		if err != nil {
			t.Fatalf("SectionBySlug: %v", err)
		}
		if got != news {
			t.Errorf("SectionBySlug: got %+v, want %+v", got, news)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		_, err := f.st.SectionBySlug(f.ctx, "nope")
		wantErr(t, "SectionBySlug(nope)", err, store.ErrNotFound)
	})
	t.Run("Duplicate", func(t *testing.T) {
		err := f.st.CreateSection(f.ctx, &content.Section{Slug: "news", Name: "Other news"})
		wantErr(t, "CreateSection(news) again", err, store.ErrConflict)
		got, _ := f.st.SectionBySlug(f.ctx, "news")
		if got.Name != "News" {
			t.Errorf("after duplicate: name got %q, want %q", got.Name, "News")
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, tc := range []struct{ slug, name string }{
			{"admin", "Admin"}, {"search", "Search"}, {"feed", "Feed"}, {"tag", "Tags"}, {"ru", "Russian"}, {"en", "English"},
			{"News", "News"}, {"", "Empty"}, {"two words", "Two"}, {"-lead", "Lead"},
			{"trail-", "Trail"}, {"double--hyphen", "Double"}, {"новости", "Новости"},
			{"fine-slug", ""}, {"fine-slug", "   "}, {strings.Repeat("a", content.MaxSlug+1), "Long"},
		} {
			err := f.st.CreateSection(f.ctx, &content.Section{Slug: tc.slug, Name: tc.name})
			wantErr(t, fmt.Sprintf("CreateSection(%q, %q)", tc.slug, tc.name), err, content.ErrInvalid)
			if _, err := f.st.SectionBySlug(f.ctx, tc.slug); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("invalid section %q stored anyway: SectionBySlug got %v, want ErrNotFound", tc.slug, err)
			}
		}
	})
	t.Run("ListInOrder", func(t *testing.T) {
		secs, err := f.st.Sections(f.ctx)
		if err != nil {
			t.Fatalf("Sections: %v", err)
		}
		var got []string
		for _, s := range secs {
			got = append(got, s.Slug)
		}
		if want := []string{"opinion", "news", "culture"}; !slices.Equal(got, want) {
			t.Errorf("Sections: got %v, want %v", got, want)
		}
	})
}

func testAuthors(t *testing.T, f *fixture) {
	zed := f.author(t, "zed-zhou", "Zed Zhou")
	f.author(t, "amy-adams", "Amy Adams")

	t.Run("BySlug", func(t *testing.T) {
		got, err := f.st.AuthorBySlug(f.ctx, "zed-zhou")
		if err != nil {
			t.Fatalf("AuthorBySlug: %v", err)
		}
		if got != zed {
			t.Errorf("AuthorBySlug: got %+v, want %+v", got, zed)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		_, err := f.st.AuthorBySlug(f.ctx, "nobody")
		wantErr(t, "AuthorBySlug(nobody)", err, store.ErrNotFound)
	})
	t.Run("Duplicate", func(t *testing.T) {
		err := f.st.CreateAuthor(f.ctx, &content.Author{Slug: "zed-zhou", Name: "Another Zed"})
		wantErr(t, "CreateAuthor(zed-zhou) again", err, store.ErrConflict)
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, tc := range []struct{ slug, name string }{
			{"", "No Slug"}, {"Upper", "Upper"}, {"with space", "Space"}, {"анна", "Анна"},
			{"a_b", "Underscore"}, {"no-name", ""},
		} {
			err := f.st.CreateAuthor(f.ctx, &content.Author{Slug: tc.slug, Name: tc.name})
			wantErr(t, fmt.Sprintf("CreateAuthor(%q, %q)", tc.slug, tc.name), err, content.ErrInvalid)
		}
	})
	t.Run("ListByName", func(t *testing.T) {
		as, err := f.st.Authors(f.ctx)
		if err != nil {
			t.Fatalf("Authors: %v", err)
		}
		if got, want := authorSlugs(as), []string{"amy-adams", "zed-zhou"}; !slices.Equal(got, want) {
			t.Errorf("Authors: got %v, want %v", got, want)
		}
	})
}

func testTags(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)

	_, err := f.st.TagBySlug(f.ctx, "elections")
	wantErr(t, "TagBySlug before any article", err, store.ErrNotFound)

	a := f.create(t, spec{slug: "one", section: sec, at: -time.Hour, tags: []string{"Elections", "Moscow", "moscow", "Выборы"}})
	b := f.create(t, spec{slug: "two", section: sec, at: -2 * time.Hour, tags: []string{"elections"}})

	if got, want := tagSlugs(a.Tags), []string{"elections", "moscow", "vybory"}; !slices.Equal(got, want) {
		t.Errorf("tags of first article after Create: got %v, want %v", got, want)
	}
	elections := f.tag(t, "elections")
	if elections.Name != "Elections" {
		t.Errorf("tag name: got %q, want %q (first spelling wins)", elections.Name, "Elections")
	}
	if ru := f.tag(t, "vybory"); ru.Name != "Выборы" {
		t.Errorf("Cyrillic tag name: got %q, want %q", ru.Name, "Выборы")
	}
	for _, art := range []*content.Article{a, b} {
		got := f.byID(t, art.ID)
		found := false
		for _, tg := range got.Tags {
			if tg.Slug == "elections" {
				found = true
				if tg.ID != elections.ID {
					t.Errorf("article %q: tag elections ID got %d, want %d (reused)", art.Slug, tg.ID, elections.ID)
				}
			}
		}
		if !found {
			t.Errorf("article %q: tag elections missing, got %v", art.Slug, tagSlugs(got.Tags))
		}
	}
	all, err := f.st.Tags(f.ctx)
	if err != nil {
		t.Fatalf("Tags: %v", err)
	}
	if got, want := tagSlugs(all), []string{"elections", "moscow", "vybory"}; !slices.Equal(got, want) {
		t.Errorf("Tags: got %v, want %v", got, want)
	}
	if n := f.count(t, store.ListQuery{TagID: elections.ID}); n != 2 {
		t.Errorf("CountArticles(tag elections): got %d, want 2", n)
	}
}

// --- articles ---------------------------------------------------------------

func testArticleRoundTrip(t *testing.T, f *fixture) {
	sec := f.section(t, "world", "World", 3)
	amy := f.author(t, "amy-adams", "Amy Adams")
	zed := f.author(t, "zed-zhou", "Zed Zhou")
	published := base.Add(-90*time.Minute + 123456789*time.Nanosecond)

	a := &content.Article{
		Slug:     "harbour-reopens",
		Headline: "  Harbour reopens after storm  ",
		Dek:      "Fishing boats return to the quay.",
		Body:     "The **harbour** reopened on Monday.\n\n- one\n- two\n",
		Lang:     "en",
		Status:   content.StatusPublished,
		Section:  sec,
		Authors:  []content.Author{zed, amy}, // not alphabetical, not by ID
		Tags:     []content.Tag{{Name: "Storms"}, {Name: "Fishing Industry"}},
		Image: content.Image{
			Key: "2024/05/harbour", Width: 1600, Height: 900, Widths: []int{480, 960, 1600},
			Alt: "Boats in the harbour", Credit: "Photo: A. Adams", Caption: "Boats returned on Monday.",
		},
		Corrections: []content.Correction{{Text: "An earlier version misnamed the harbour."}},
		PublishedAt: published,
	}
	if err := f.svc.Create(f.ctx, a); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if a.ID == 0 {
		t.Fatal("Create: ID not set")
	}
	if a.Version != 1 {
		t.Errorf("Create: version got %d, want 1", a.Version)
	}
	for _, tg := range a.Tags {
		if tg.ID == 0 {
			t.Errorf("Create: tag %q has no ID", tg.Slug)
		}
	}

	bySlug, err := f.st.ArticleBySlug(f.ctx, "harbour-reopens")
	if err != nil {
		t.Fatalf("ArticleBySlug: %v", err)
	}
	byID := f.byID(t, a.ID)
	for name, got := range map[string]*content.Article{"ArticleBySlug": bySlug, "ArticleByID": byID} {
		t.Run(name, func(t *testing.T) {
			checks := []struct {
				field     string
				got, want any
			}{
				{"ID", got.ID, a.ID},
				{"Slug", got.Slug, "harbour-reopens"},
				{"Headline", got.Headline, "Harbour reopens after storm"},
				{"Dek", got.Dek, a.Dek},
				{"Body", got.Body, a.Body},
				{"BodyHTML", got.BodyHTML, a.BodyHTML},
				{"BodyText", got.BodyText, a.BodyText},
				{"Lang", got.Lang, "en"},
				{"Status", got.Status, content.StatusPublished},
				{"Section.ID", got.Section.ID, sec.ID},
				{"Section.Slug", got.Section.Slug, sec.Slug},
				{"Section.Name", got.Section.Name, sec.Name},
				{"Image.Key", got.Image.Key, a.Image.Key},
				{"Image.Width", got.Image.Width, 1600},
				{"Image.Height", got.Image.Height, 900},
				{"Image.Widths", fmt.Sprint(got.Image.Widths), "[480 960 1600]"},
				{"Image.Alt", got.Image.Alt, a.Image.Alt},
				{"Image.Credit", got.Image.Credit, a.Image.Credit},
				{"Image.Caption", got.Image.Caption, a.Image.Caption},
				{"PublishedAt", stamp(got.PublishedAt), stamp(published.Truncate(time.Second))},
				{"CreatedAt", stamp(got.CreatedAt), stamp(base)},
				{"UpdatedAt", stamp(got.UpdatedAt), stamp(base)},
				{"Version", got.Version, 1},
				{"Authors", fmt.Sprint(authorSlugs(got.Authors)), "[zed-zhou amy-adams]"},
				{"Tags", fmt.Sprint(tagSlugs(got.Tags)), "[fishing-industry storms]"},
				{"Corrections", len(got.Corrections), 1},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %v, want %v", c.field, c.got, c.want)
				}
			}
			if !strings.Contains(got.BodyHTML, "<strong>harbour</strong>") {
				t.Errorf("BodyHTML: got %q, want rendered Markdown", got.BodyHTML)
			}
			if len(got.Authors) == 2 && (got.Authors[0] != zed || got.Authors[1] != amy) {
				t.Errorf("Authors: got %+v, want %+v", got.Authors, []content.Author{zed, amy})
			}
			for _, tg := range got.Tags {
				if want := f.tag(t, tg.Slug); tg != want {
					t.Errorf("tag: got %+v, want %+v", tg, want)
				}
			}
			if len(got.Corrections) == 1 {
				c := got.Corrections[0]
				if c.ID == 0 || c.Text != a.Corrections[0].Text || !c.CreatedAt.Equal(base) {
					t.Errorf("correction: got %+v, want text %q at %v with an ID", c, a.Corrections[0].Text, base)
				}
			}
		})
	}

	t.Run("RussianDraftWithoutImage", func(t *testing.T) {
		headline := "Выборы в городской совет"
		d := &content.Article{Headline: headline, Body: "Текст", Lang: "ru", Section: sec}
		if err := f.svc.Create(f.ctx, d); err != nil {
			t.Fatalf("Create: %v", err)
		}
		got, err := f.st.ArticleBySlug(f.ctx, content.Slugify(headline))
		if err != nil {
			t.Fatalf("ArticleBySlug(%q): %v", content.Slugify(headline), err)
		}
		if got.Headline != headline || got.Lang != "ru" || got.Status != content.StatusDraft {
			t.Errorf("got headline %q lang %q status %q, want %q ru draft", got.Headline, got.Lang, got.Status, headline)
		}
		if !got.PublishedAt.IsZero() {
			t.Errorf("PublishedAt: got %v, want zero for a draft", got.PublishedAt)
		}
		if got.Image.Present() || len(got.Image.Widths) != 0 {
			t.Errorf("Image: got %+v, want none", got.Image)
		}
		if len(got.Authors) != 0 || len(got.Tags) != 0 || len(got.Corrections) != 0 {
			t.Errorf("got authors %v tags %v corrections %v, want none", got.Authors, got.Tags, got.Corrections)
		}
	})
}

// testImageVariants: which WebP variants and crops a photo has is stored
// with it, the backfill finds the photos that lack them (once per key),
// and recording them changes no article's version.
func testImageVariants(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 1)
	withImage := func(slug, key string, webp, crops bool) *content.Article {
		t.Helper()
		a := spec{slug: slug, section: sec}.build()
		a.Image = content.Image{Key: key, Width: 960, Height: 540, Widths: []int{480, 960}, WebP: webp, Crops: crops, Alt: "A photo"}
		if err := f.svc.Create(f.ctx, a); err != nil {
			t.Fatalf("Create(%q): %v", slug, err)
		}
		return a
	}
	old1, old2 := withImage("old-one", "shared-photo", false, false), withImage("old-two", "shared-photo", false, false)
	half := withImage("half", "jpeg-only", false, true)
	done := withImage("done", "complete", true, true)
	if got := f.byID(t, done.ID).Image; !got.WebP || !got.Crops {
		t.Errorf("round trip: got WebP %v, crops %v; want both", got.WebP, got.Crops)
	}
	if got := f.byID(t, half.ID).Image; got.WebP || !got.Crops {
		t.Errorf("round trip: got WebP %v, crops %v; want crops only", got.WebP, got.Crops)
	}
	lacking, err := f.st.ImagesLacking(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, im := range lacking {
		keys = append(keys, fmt.Sprintf("%s:%d:%d:%v:%v:%v", im.Key, im.Width, im.Height, im.Widths, im.WebP, im.Crops))
	}
	if got, want := strings.Join(keys, " "), "jpeg-only:960:540:[480 960]:false:true shared-photo:960:540:[480 960]:false:false"; got != want {
		t.Errorf("ImagesLacking: got %s, want %s", got, want)
	}
	if err := f.st.SetImageVariants(f.ctx, "shared-photo", "webp,crops"); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*content.Article{old1, old2} {
		got := f.byID(t, a.ID)
		if !got.Image.WebP || !got.Image.Crops || got.Version != a.Version {
			t.Errorf("%s after SetImageVariants: WebP %v, crops %v, version %d (was %d)", a.Slug, got.Image.WebP, got.Image.Crops, got.Version, a.Version)
		}
	}
	if lacking, _ := f.st.ImagesLacking(f.ctx); len(lacking) != 1 || lacking[0].Key != "jpeg-only" {
		t.Errorf("ImagesLacking after: got %+v, want jpeg-only", lacking)
	}
}

func testArticleNotFound(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	a := f.create(t, spec{slug: "exists", section: sec, at: -time.Hour})
	_, err := f.st.ArticleBySlug(f.ctx, "missing")
	wantErr(t, "ArticleBySlug(missing)", err, store.ErrNotFound)
	_, err = f.st.ArticleByID(f.ctx, a.ID+1000)
	wantErr(t, "ArticleByID(missing)", err, store.ErrNotFound)
	_, err = f.st.ArticleBySlug(f.ctx, "")
	wantErr(t, "ArticleBySlug(\"\")", err, store.ErrNotFound)
}

// testCreateAtomic checks that a failed create leaves nothing behind.
func testCreateAtomic(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	ann := f.author(t, "ann", "Ann")
	bob := f.author(t, "bob", "Bob")
	first := f.create(t, spec{slug: "same", headline: "The first one", section: sec, authors: []content.Author{ann}, tags: []string{"First"}, at: -time.Hour})

	tagsBefore, err := f.st.Tags(f.ctx)
	if err != nil {
		t.Fatalf("Tags: %v", err)
	}
	countBefore := f.count(t, store.ListQuery{})
	unchanged := func(t *testing.T, newTags ...string) {
		t.Helper()
		if n := f.count(t, store.ListQuery{}); n != countBefore {
			t.Errorf("CountArticles: got %d, want %d", n, countBefore)
		}
		if n := f.count(t, store.ListQuery{AuthorID: bob.ID}); n != 0 {
			t.Errorf("CountArticles(author bob): got %d, want 0", n)
		}
		tags, err := f.st.Tags(f.ctx)
		if err != nil {
			t.Fatalf("Tags: %v", err)
		}
		if got, want := tagSlugs(tags), tagSlugs(tagsBefore); !slices.Equal(got, want) {
			t.Errorf("Tags: got %v, want %v", got, want)
		}
		for _, slug := range newTags {
			_, err := f.st.TagBySlug(f.ctx, slug)
			wantErr(t, "TagBySlug("+slug+") after failed create", err, store.ErrNotFound)
		}
		got, err := f.st.ArticleBySlug(f.ctx, "same")
		if err != nil {
			t.Fatalf("ArticleBySlug: %v", err)
		}
		if got.ID != first.ID || got.Headline != "The first one" || got.Version != 1 {
			t.Errorf("existing article: got id %d %q v%d, want id %d %q v1", got.ID, got.Headline, got.Version, first.ID, "The first one")
		}
		if got, want := authorSlugs(got.Authors), []string{"ann"}; !slices.Equal(got, want) {
			t.Errorf("existing article authors: got %v, want %v", got, want)
		}
	}

	t.Run("DuplicateSlugService", func(t *testing.T) {
		dup := spec{slug: "same", headline: "The second one", section: sec, authors: []content.Author{bob}, tags: []string{"Brand New Tag", "First"}, at: -time.Minute}.build()
		err := f.svc.Create(f.ctx, dup)
		wantErr(t, "Create with a taken slug", err, store.ErrConflict)
		unchanged(t, "brand-new-tag")
	})
	t.Run("DuplicateSlugStore", func(t *testing.T) {
		dup := spec{slug: "same", headline: "The third one", section: sec, authors: []content.Author{bob}, tags: []string{"Other New Tag"}, at: -time.Minute}.build()
		err := f.st.CreateArticle(f.ctx, dup)
		wantErr(t, "CreateArticle with a taken slug", err, store.ErrConflict)
		unchanged(t, "other-new-tag")
	})
	t.Run("UnusableTagRollsBack", func(t *testing.T) {
		bad := spec{slug: "bad-tag", section: sec, authors: []content.Author{bob}, tags: []string{"Valid Tag", "!!!"}, at: -time.Minute}.build()
		err := f.svc.Create(f.ctx, bad)
		wantErr(t, "Create with tag \"!!!\"", err, content.ErrInvalid)
		_, err = f.st.ArticleBySlug(f.ctx, "bad-tag")
		wantErr(t, "ArticleBySlug(bad-tag) after failed create", err, store.ErrNotFound)
		unchanged(t, "valid-tag")
	})
	t.Run("UnknownSection", func(t *testing.T) {
		bad := spec{slug: "nowhere", section: content.Section{ID: sec.ID + 1000, Slug: "ghost", Name: "Ghost"}, authors: []content.Author{bob}, tags: []string{"Ghost Tag"}, at: -time.Minute}.build()
		if err := f.svc.Create(f.ctx, bad); err == nil {
			t.Fatal("Create in a missing section: got nil error, want an error")
		}
		_, err := f.st.ArticleBySlug(f.ctx, "nowhere")
		wantErr(t, "ArticleBySlug(nowhere) after failed create", err, store.ErrNotFound)
		unchanged(t, "ghost-tag")
	})
	t.Run("InvalidArticle", func(t *testing.T) {
		bad := spec{slug: "no-headline", section: sec, at: -time.Minute}.build()
		bad.Headline = "   "
		err := f.svc.Create(f.ctx, bad)
		wantErr(t, "Create without headline", err, content.ErrInvalid)
		unchanged(t)
	})
}

func testUpdate(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	ann := f.author(t, "ann", "Ann")
	bob := f.author(t, "bob", "Bob")

	t.Run("RightVersionBumps", func(t *testing.T) {
		a := f.create(t, spec{slug: "bump", headline: "Before", section: sec, at: -time.Hour})
		f.setNow(base.Add(time.Hour))
		defer f.setNow(base)
		for want := 2; want <= 3; want++ {
			cur := f.byID(t, a.ID)
			cur.Headline = fmt.Sprintf("After %d", want)
			cur.Body = fmt.Sprintf("New *body* %d", want)
			if err := f.svc.Update(f.ctx, cur); err != nil {
				t.Fatalf("Update: %v", err)
			}
			if cur.Version != want {
				t.Errorf("Update: returned version got %d, want %d", cur.Version, want)
			}
			got := f.byID(t, a.ID)
			if got.Version != want || got.Headline != cur.Headline || got.BodyHTML != cur.BodyHTML {
				t.Errorf("after Update: got v%d %q %q, want v%d %q %q", got.Version, got.Headline, got.BodyHTML, want, cur.Headline, cur.BodyHTML)
			}
			if !got.UpdatedAt.Equal(base.Add(time.Hour)) || !got.CreatedAt.Equal(base) {
				t.Errorf("after Update: got created %v updated %v, want %v and %v", got.CreatedAt, got.UpdatedAt, base, base.Add(time.Hour))
			}
		}
	})

	t.Run("StaleVersionConflicts", func(t *testing.T) {
		a := f.create(t, spec{slug: "stale", headline: "Original", section: sec, authors: []content.Author{ann}, tags: []string{"Kept"}, at: -time.Hour})
		mine, theirs := f.byID(t, a.ID), f.byID(t, a.ID)
		theirs.Headline = "Their edit"
		if err := f.svc.Update(f.ctx, theirs); err != nil {
			t.Fatalf("first Update: %v", err)
		}
		mine.Headline = "My stale edit"
		mine.Authors = []content.Author{bob}
		mine.Tags = []content.Tag{{Name: "Stale Tag"}}
		err := f.st.UpdateArticle(f.ctx, mine)
		wantErr(t, "UpdateArticle with a stale version", err, store.ErrConflict)
		mine.Version = 1
		err = f.svc.Update(f.ctx, mine)
		wantErr(t, "Service.Update with a stale version", err, store.ErrConflict)

		got := f.byID(t, a.ID)
		if got.Headline != "Their edit" || got.Version != 2 {
			t.Errorf("after conflict: got %q v%d, want %q v2", got.Headline, got.Version, "Their edit")
		}
		if a, t2 := authorSlugs(got.Authors), tagSlugs(got.Tags); !slices.Equal(a, []string{"ann"}) || !slices.Equal(t2, []string{"kept"}) {
			t.Errorf("after conflict: got authors %v tags %v, want [ann] [kept]", a, t2)
		}
		if _, err := f.st.TagBySlug(f.ctx, "stale-tag"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TagBySlug(stale-tag) after conflict: got %v, want ErrNotFound", err)
		}
	})

	t.Run("MissingID", func(t *testing.T) {
		ghost := &content.Article{ID: 987654, Version: 1, Slug: "ghost", Headline: "Ghost", Lang: "en", Status: content.StatusDraft, Section: sec}
		err := f.st.UpdateArticle(f.ctx, ghost)
		wantErr(t, "UpdateArticle(missing id)", err, store.ErrNotFound)
		ghost.Version = 1
		err = f.svc.Update(f.ctx, ghost)
		wantErr(t, "Service.Update(missing id)", err, store.ErrNotFound)
		_, err = f.st.ArticleBySlug(f.ctx, "ghost")
		wantErr(t, "ArticleBySlug(ghost)", err, store.ErrNotFound)
	})

	t.Run("SlugTaken", func(t *testing.T) {
		f.create(t, spec{slug: "taken", section: sec, at: -time.Hour})
		b := f.create(t, spec{slug: "mover", section: sec, at: -time.Hour})
		cur := f.byID(t, b.ID)
		cur.Slug = "taken"
		err := f.svc.Update(f.ctx, cur)
		wantErr(t, "Update to a taken slug", err, store.ErrConflict)
		got := f.byID(t, b.ID)
		if got.Slug != "mover" || got.Version != 1 {
			t.Errorf("after conflict: got %q v%d, want %q v1", got.Slug, got.Version, "mover")
		}
	})

	t.Run("ReplacesLinks", func(t *testing.T) {
		a := f.create(t, spec{slug: "relink", section: sec, authors: []content.Author{ann}, tags: []string{"Old Tag"}, at: -time.Hour})
		cur := f.byID(t, a.ID)
		cur.Authors = []content.Author{bob, ann}
		cur.Tags = []content.Tag{{Name: "New Tag"}, {Name: "Old Tag Two"}}
		if err := f.svc.Update(f.ctx, cur); err != nil {
			t.Fatalf("Update: %v", err)
		}
		got := f.byID(t, a.ID)
		if g, w := authorSlugs(got.Authors), []string{"bob", "ann"}; !slices.Equal(g, w) {
			t.Errorf("authors: got %v, want %v", g, w)
		}
		if g, w := tagSlugs(got.Tags), []string{"new-tag", "old-tag-two"}; !slices.Equal(g, w) {
			t.Errorf("tags: got %v, want %v", g, w)
		}
		if n := f.count(t, store.ListQuery{TagID: f.tag(t, "old-tag").ID}); n != 0 {
			t.Errorf("CountArticles(old tag): got %d, want 0", n)
		}
		if n := f.count(t, store.ListQuery{TagID: f.tag(t, "new-tag").ID}); n != 1 {
			t.Errorf("CountArticles(new tag): got %d, want 1", n)
		}
		if n := f.count(t, store.ListQuery{AuthorID: bob.ID}); n != 1 {
			t.Errorf("CountArticles(author bob): got %d, want 1", n)
		}
	})
}

func testCorrections(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	a := f.create(t, spec{slug: "corrected", section: sec, at: -time.Hour})
	later := base.Add(2 * time.Hour)
	f.setNow(later)
	c := content.Correction{Text: "The minister's name was misspelled."}
	if err := f.st.AddCorrection(f.ctx, a.ID, &c); err != nil {
		t.Fatalf("AddCorrection: %v", err)
	}
	if c.ID == 0 || !c.CreatedAt.Equal(later) {
		t.Errorf("AddCorrection: got id %d at %v, want an id at %v", c.ID, c.CreatedAt, later)
	}
	c2 := content.Correction{Text: "A second note.", CreatedAt: later.Add(time.Minute)}
	if err := f.st.AddCorrection(f.ctx, a.ID, &c2); err != nil {
		t.Fatalf("AddCorrection: %v", err)
	}
	got := f.byID(t, a.ID)
	if len(got.Corrections) != 2 {
		t.Fatalf("corrections: got %d, want 2", len(got.Corrections))
	}
	for i, want := range []content.Correction{c, c2} {
		g := got.Corrections[i]
		if g.ID != want.ID || g.Text != want.Text || !g.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("correction %d: got %+v, want %+v", i, g, want)
		}
	}
	if !got.UpdatedAt.Equal(later.Add(time.Minute)) {
		t.Errorf("UpdatedAt: got %v, want %v", got.UpdatedAt, later.Add(time.Minute))
	}
}

// --- visibility -------------------------------------------------------------

func testPublish(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	ann := f.author(t, "ann", "Ann")

	// visible reports where the article with this slug is seen by readers.
	visible := func(t *testing.T, a *content.Article, word string, want bool) {
		t.Helper()
		tagID := f.tag(t, "unique-tag").ID
		for _, q := range []store.ListQuery{{}, {SectionID: sec.ID}, {TagID: tagID}, {AuthorID: ann.ID}} {
			list := f.list(t, q)
			if got := slices.Contains(slugsOf(list), a.Slug); got != want {
				t.Errorf("ListArticles(%+v) contains %q: got %v, want %v", q, a.Slug, got, want)
			}
			n := f.count(t, q)
			if wantN := map[bool]int{true: 1, false: 0}[want]; n != wantN {
				t.Errorf("CountArticles(%+v): got %d, want %d", q, n, wantN)
			}
		}
		hits, total := f.search(t, word, 10, 0)
		if got := slices.Contains(hitSlugs(hits), a.Slug); got != want {
			t.Errorf("Search(%q) finds %q: got %v (total %d), want %v", word, a.Slug, got, total, want)
		}
	}

	d := f.create(t, spec{slug: "draft-story", headline: "Zanzibar ferry", status: content.StatusDraft, section: sec, authors: []content.Author{ann}, tags: []string{"Unique Tag"}})

	t.Run("DraftHidden", func(t *testing.T) {
		visible(t, d, "zanzibar", false)
		got := f.byID(t, d.ID)
		if got.Status != content.StatusDraft {
			t.Errorf("status: got %q, want draft", got.Status)
		}
	})
	t.Run("ScheduledHiddenUntilItsTime", func(t *testing.T) {
		cur := f.byID(t, d.ID)
		cur.Status = content.StatusScheduled
		cur.PublishedAt = base.Add(time.Minute)
		if err := f.svc.Update(f.ctx, cur); err != nil {
			t.Fatalf("Update: %v", err)
		}
		visible(t, cur, "zanzibar", false)
	})
	t.Run("ScheduledLiveAtItsTime", func(t *testing.T) {
		// No write happens at the time: the clock alone makes it live.
		f.setNow(base.Add(time.Minute))
		defer f.setNow(base)
		visible(t, f.byID(t, d.ID), "zanzibar", true)
	})
	t.Run("PublishedShown", func(t *testing.T) {
		cur := f.byID(t, d.ID)
		cur.Status = content.StatusPublished
		cur.PublishedAt = base.Add(-time.Minute)
		if err := f.svc.Update(f.ctx, cur); err != nil {
			t.Fatalf("Update: %v", err)
		}
		visible(t, cur, "zanzibar", true)
	})
	t.Run("UnpublishedHidden", func(t *testing.T) {
		cur := f.byID(t, d.ID)
		cur.Status = content.StatusDraft
		cur.PublishedAt = time.Time{}
		if err := f.svc.Update(f.ctx, cur); err != nil {
			t.Fatalf("Update: %v", err)
		}
		visible(t, cur, "zanzibar", false)
	})
	t.Run("FuturePublishedAt", func(t *testing.T) {
		cur := f.byID(t, d.ID)
		cur.Status = content.StatusPublished
		cur.PublishedAt = base.Add(time.Hour)
		if err := f.svc.Update(f.ctx, cur); err != nil {
			t.Fatalf("Update: %v", err)
		}
		visible(t, cur, "zanzibar", false)
		f.setNow(base.Add(time.Hour - time.Second))
		visible(t, cur, "zanzibar", false)
		f.setNow(base.Add(time.Hour))
		visible(t, cur, "zanzibar", true)
		f.setNow(base.Add(2 * time.Hour))
		visible(t, cur, "zanzibar", true)
		f.setNow(base)
	})
}

func testList(t *testing.T, f *fixture) {
	news := f.section(t, "news", "News", 0)
	culture := f.section(t, "culture", "Culture", 1)
	empty := f.section(t, "empty", "Empty", 2)
	ann := f.author(t, "ann", "Ann")
	bob := f.author(t, "bob", "Bob")
	cat := f.author(t, "cat", "Cat")
	both := []content.Author{ann, bob}

	specs := []spec{
		{slug: "n1", section: news, tags: []string{"alpha"}, authors: []content.Author{ann}, at: -1 * time.Hour},
		{slug: "c1", section: culture, tags: []string{"alpha", "beta"}, authors: []content.Author{bob}, at: -2 * time.Hour},
		{slug: "n2", section: news, tags: []string{"beta"}, authors: both, at: -3 * time.Hour},
		{slug: "n3", section: news, authors: []content.Author{bob}, at: -3 * time.Hour}, // same time as n2
		{slug: "c2", section: culture, tags: []string{"alpha"}, authors: []content.Author{ann}, at: -5 * time.Hour},
		{slug: "n4", section: news, tags: []string{"alpha"}, authors: []content.Author{ann}, at: -6 * time.Hour},
		{slug: "c3", section: culture, authors: []content.Author{bob}, at: -7 * time.Hour},
		{slug: "n5", section: news, tags: []string{"beta"}, authors: []content.Author{ann}, at: -8 * time.Hour},
		{slug: "n6", section: news, tags: []string{"alpha", "beta"}, authors: both, at: -30 * 24 * time.Hour},
		{slug: "d1", section: news, tags: []string{"alpha"}, authors: []content.Author{ann, cat}, status: content.StatusDraft},
		{slug: "f1", section: news, tags: []string{"alpha"}, authors: []content.Author{ann, cat}, at: time.Hour},
	}
	created := map[string]*content.Article{}
	for _, s := range specs {
		created[s.slug] = f.create(t, s)
	}
	alpha, beta := f.tag(t, "alpha"), f.tag(t, "beta")

	// expected lists the live articles a filter should return, as a set.
	expected := func(match func(s spec) bool) []string {
		var out []string
		for _, s := range specs {
			if s.status == "" && s.at <= 0 && match(s) {
				out = append(out, s.slug)
			}
		}
		return sorted(out)
	}
	hasTag := func(name string) func(spec) bool {
		return func(s spec) bool { return slices.Contains(s.tags, name) }
	}
	hasAuthor := func(a content.Author) func(spec) bool {
		return func(s spec) bool { return slices.Contains(s.authors, a) }
	}
	since := base.Add(-3 * time.Hour)
	after := func(m func(spec) bool) func(spec) bool {
		return func(s spec) bool { return !base.Add(s.at).Before(since) && m(s) }
	}
	all := func(spec) bool { return true }

	cases := []struct {
		name  string
		q     store.ListQuery
		match func(spec) bool
	}{
		{"All", store.ListQuery{}, all},
		{"SectionNews", store.ListQuery{SectionID: news.ID}, func(s spec) bool { return s.section == news }},
		{"SectionCulture", store.ListQuery{SectionID: culture.ID}, func(s spec) bool { return s.section == culture }},
		{"SectionEmpty", store.ListQuery{SectionID: empty.ID}, func(spec) bool { return false }},
		{"TagAlpha", store.ListQuery{TagID: alpha.ID}, hasTag("alpha")},
		{"TagBeta", store.ListQuery{TagID: beta.ID}, hasTag("beta")},
		{"AuthorAnn", store.ListQuery{AuthorID: ann.ID}, hasAuthor(ann)},
		{"AuthorBob", store.ListQuery{AuthorID: bob.ID}, hasAuthor(bob)},
		{"AuthorCatOnlyUnpublished", store.ListQuery{AuthorID: cat.ID}, hasAuthor(cat)},
		{"SinceAll", store.ListQuery{Since: since}, after(all)},
		{"SinceSection", store.ListQuery{SectionID: news.ID, Since: since}, after(func(s spec) bool { return s.section == news })},
		{"SinceTag", store.ListQuery{TagID: beta.ID, Since: since}, after(hasTag("beta"))},
		{"SinceAuthor", store.ListQuery{AuthorID: ann.ID, Since: since}, after(hasAuthor(ann))},
		{"SinceFuture", store.ListQuery{Since: base.Add(time.Minute)}, func(spec) bool { return false }},
		// At most one of SectionID, TagID and AuthorID is used, in that order.
		{"SectionBeforeTag", store.ListQuery{SectionID: culture.ID, TagID: beta.ID}, func(s spec) bool { return s.section == culture }},
		{"TagBeforeAuthor", store.ListQuery{TagID: beta.ID, AuthorID: bob.ID}, hasTag("beta")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := expected(tc.match)
			q := tc.q
			q.Limit = 100
			full := f.list(t, q)
			if got := sorted(slugsOf(full)); !slices.Equal(got, want) {
				t.Errorf("ListArticles: got %v, want %v", got, want)
			}
			for i := 1; i < len(full); i++ {
				if full[i].PublishedAt.After(full[i-1].PublishedAt) {
					t.Errorf("not newest first: %q (%v) after %q (%v)", full[i].Slug, full[i].PublishedAt, full[i-1].Slug, full[i-1].PublishedAt)
				}
			}
			if n := f.count(t, tc.q); n != len(want) {
				t.Errorf("CountArticles: got %d, want %d", n, len(want))
			}
			for _, pageSize := range []int{1, 2, 3} {
				var paged []string
				for page := 0; page <= len(want)+1; page++ {
					q := tc.q
					q.Limit, q.Offset = pageSize, page*pageSize
					got := f.list(t, q)
					if len(got) > pageSize {
						t.Fatalf("page %d of %d: got %d articles", page, pageSize, len(got))
					}
					if len(got) == 0 {
						break
					}
					paged = append(paged, slugsOf(got)...)
				}
				if !slices.Equal(paged, slugsOf(full)) {
					t.Errorf("pages of %d: got %v, want %v (no duplicates or gaps)", pageSize, paged, slugsOf(full))
				}
			}
		})
	}

	t.Run("OffsetPastEnd", func(t *testing.T) {
		if got := f.list(t, store.ListQuery{Limit: 10, Offset: 1000}); len(got) != 0 {
			t.Errorf("ListArticles: got %v, want none", slugsOf(got))
		}
	})
	t.Run("DefaultLimit", func(t *testing.T) {
		want := len(expected(all))
		if got := f.list(t, store.ListQuery{}); len(got) != want {
			t.Errorf("ListArticles with Limit 0: got %d articles, want %d", len(got), want)
		}
	})
	t.Run("Fields", func(t *testing.T) {
		list := f.list(t, store.ListQuery{Limit: 100})
		for _, a := range list {
			c := created[a.Slug]
			if a.ID != c.ID || a.Headline != c.Headline || a.Section.Slug != c.Section.Slug || a.Lang != c.Lang || a.Version != 1 {
				t.Errorf("%s: got id %d %q section %q lang %q v%d, want id %d %q section %q lang %q v1",
					a.Slug, a.ID, a.Headline, a.Section.Slug, a.Lang, a.Version, c.ID, c.Headline, c.Section.Slug, c.Lang)
			}
			if !a.PublishedAt.Equal(c.PublishedAt) {
				t.Errorf("%s: PublishedAt got %v, want %v", a.Slug, a.PublishedAt, c.PublishedAt)
			}
			if got, want := authorSlugs(a.Authors), authorSlugs(c.Authors); !slices.Equal(got, want) {
				t.Errorf("%s: bylines got %v, want %v", a.Slug, got, want)
			}
		}
	})
	t.Run("Full", func(t *testing.T) {
		list := f.list(t, store.ListQuery{Limit: 100, Full: true})
		if len(list) == 0 {
			t.Fatal("ListArticles(Full): got none")
		}
		for _, a := range list {
			c := created[a.Slug]
			if a.BodyHTML == "" || a.BodyHTML != c.BodyHTML || a.Body != c.Body {
				t.Errorf("%s: Full got body %q html %q, want %q %q", a.Slug, a.Body, a.BodyHTML, c.Body, c.BodyHTML)
			}
		}
	})
	t.Run("NoBylines", func(t *testing.T) {
		list := f.list(t, store.ListQuery{Limit: 100, NoBylines: true})
		if got, want := sorted(slugsOf(list)), expected(all); !slices.Equal(got, want) {
			t.Errorf("ListArticles(NoBylines): got %v, want %v", got, want)
		}
	})
}

func testRelated(t *testing.T, f *fixture) {
	s1 := f.section(t, "s-one", "One", 0)
	s2 := f.section(t, "s-two", "Two", 1)
	all3 := []string{"t1", "t2", "t3"}
	ann, bo := f.author(t, "ann", "Ann \"Quotes\" Ärnst"), f.author(t, "bo", "Бо Бо")
	for _, s := range []spec{
		{slug: "a", section: s1, tags: all3, at: -1 * time.Hour},
		{slug: "b", section: s2, tags: []string{"t1", "t2"}, at: -5 * time.Hour, authors: []content.Author{bo, ann}, // two shared tags, older
			headline: "Say \"hi\" \\ back\tthen — Привет <b>&</b>", dek: "Line\nbreak"},
		{slug: "c", section: s2, tags: []string{"t1"}, at: -2 * time.Hour, authors: []content.Author{ann}}, // one shared tag
		{slug: "h", section: s1, tags: []string{"t3"}, at: -6 * time.Hour},                                 // one shared tag, same section
		{slug: "d", section: s1, at: -3 * time.Hour},                                                       // same section only
		{slug: "e", section: s1, at: -4 * time.Hour},                                                       // same section only, older
		{slug: "g", section: s2, at: -1 * time.Hour},                                                       // nothing in common
		{slug: "x", section: s1, tags: all3, status: content.StatusDraft},
		{slug: "y", section: s1, tags: all3, status: content.StatusScheduled, at: 3 * time.Hour}, // scheduled after f
		{slug: "f", section: s1, tags: all3, at: time.Hour},                                      // not yet published
	} {
		f.create(t, s)
	}
	load := func(t *testing.T, slug string) *content.Article {
		t.Helper()
		a, err := f.st.ArticleBySlug(f.ctx, slug)
		if err != nil {
			t.Fatalf("ArticleBySlug(%q): %v", slug, err)
		}
		return a
	}
	for _, tc := range []struct {
		slug string
		n    int
		want []string
	}{
		{"a", 10, []string{"b", "c", "h", "d", "e"}},
		{"a", 3, []string{"b", "c", "h"}},
		{"a", 4, []string{"b", "c", "h", "d"}},
		{"a", 1, []string{"b"}},
		{"d", 10, []string{"a", "e", "h"}},
		{"d", 2, []string{"a", "e"}},
		{"g", 10, []string{"c", "b"}},
		{"b", 10, []string{"a", "c", "g"}},
	} {
		t.Run(fmt.Sprintf("%s_n%d", tc.slug, tc.n), func(t *testing.T) {
			a := load(t, tc.slug)
			got, err := f.st.Related(f.ctx, a, tc.n)
			if err != nil {
				t.Fatalf("Related: %v", err)
			}
			if !slices.Equal(slugsOf(got), tc.want) {
				t.Errorf("Related(%s, %d): got %v, want %v", tc.slug, tc.n, slugsOf(got), tc.want)
			}
			// The article page reads the article and the same list in
			// one statement.
			pa, page, err := f.st.ArticleWithRelated(f.ctx, tc.slug, tc.n)
			if err != nil {
				t.Fatalf("ArticleWithRelated: %v", err)
			}
			if !reflect.DeepEqual(pa, a) {
				t.Errorf("ArticleWithRelated(%s): article\n%+v\nwant ArticleBySlug's\n%+v", tc.slug, pa, a)
			}
			if !reflect.DeepEqual(page, got) {
				t.Errorf("ArticleWithRelated(%s, %d): related differ from Related's", tc.slug, tc.n)
				for i := range max(len(page), len(got)) {
					if i < len(page) && i < len(got) && !reflect.DeepEqual(page[i], got[i]) {
						t.Errorf("  [%d] got %+v\n  want %+v", i, page[i], got[i])
					} else if i >= len(page) || i >= len(got) {
						t.Errorf("  lengths %d, want %d", len(page), len(got))
					}
				}
			}
			if len(got) > tc.n {
				t.Errorf("Related(%s, %d): got %d articles, want at most %d", tc.slug, tc.n, len(got), tc.n)
			}
			for _, r := range got {
				if r.ID == a.ID {
					t.Errorf("Related(%s) includes the article itself", tc.slug)
				}
				if !r.Live(base) {
					t.Errorf("Related(%s) includes %q with status %q", tc.slug, r.Slug, r.Status)
				}
			}
		})
	}
	t.Run("FutureBecomesRelated", func(t *testing.T) {
		f.setNow(base.Add(2 * time.Hour))
		defer f.setNow(base)
		got, err := f.st.Related(f.ctx, load(t, "a"), 2)
		if err != nil {
			t.Fatalf("Related: %v", err)
		}
		if want := []string{"f", "b"}; !slices.Equal(slugsOf(got), want) {
			t.Errorf("Related(a, 2) once f is live: got %v, want %v", slugsOf(got), want)
		}
		_, page, err := f.st.ArticleWithRelated(f.ctx, "a", 2)
		if err != nil {
			t.Fatalf("ArticleWithRelated: %v", err)
		}
		if !reflect.DeepEqual(page, got) {
			t.Errorf("ArticleWithRelated(a, 2) once f is live: got %v, want Related's %v", slugsOf(page), slugsOf(got))
		}
	})
	t.Run("WithRelatedNotFound", func(t *testing.T) {
		if _, _, err := f.st.ArticleWithRelated(f.ctx, "nope", 4); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ArticleWithRelated(nope): err %v, want ErrNotFound", err)
		}
	})
	t.Run("WithRelatedNone", func(t *testing.T) {
		// A draft alone in its section, without tags: an empty list.
		s3 := f.section(t, "s-three", "Three", 2)
		f.create(t, spec{slug: "lone", section: s3, status: content.StatusDraft})
		a, page, err := f.st.ArticleWithRelated(f.ctx, "lone", 4)
		if err != nil || a.Slug != "lone" || len(page) != 0 {
			t.Errorf("ArticleWithRelated(lone) = %v, %v, %v; want the article and no related", a, slugsOf(page), err)
		}
	})
}

// --- search -----------------------------------------------------------------

func testSearch(t *testing.T, f *fixture) {
	news := f.section(t, "news", "News", 0)
	ann := f.author(t, "ann", "Ann")
	for _, s := range []spec{
		{slug: "en-headline", headline: "Election results contested", dek: "Opposition cries foul",
			body: "Observers reported irregularities at polling stations.", at: -3 * time.Hour},
		{slug: "en-body", headline: "City council approves budget", dek: "Spending rises",
			body: "The vote came a week after the election of a new mayor.", at: -1 * time.Hour},
		{slug: "en-weather", headline: "Weather", dek: "Sunny days",
			body: "Warm weekend ahead for the region.", at: -2 * time.Hour},
		{slug: "ru-vybory", lang: "ru", headline: "Итоги голосования", dek: "Наблюдатели сообщили о нарушениях",
			body: "На выборах в городской совет победили независимые кандидаты.", at: -4 * time.Hour},
		{slug: "ru-block", lang: "ru", headline: "Блокировка мессенджера", dek: "Роскомнадзор ограничил доступ",
			body: "Пользователи жалуются на перебои.", at: -5 * time.Hour},
		{slug: "draft", headline: "Election secret draft", body: "election election secret", status: content.StatusDraft},
		{slug: "future", headline: "Election future story", body: "tomorrow's election", at: time.Hour},
	} {
		s.section, s.authors = news, []content.Author{ann}
		f.create(t, s)
	}

	t.Run("Finds", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"election", []string{"en-headline", "en-body"}},
			{"elections", []string{"en-headline", "en-body"}},
			{"ELECTION", []string{"en-headline", "en-body"}},
			{"contested", []string{"en-headline"}},
			{"foul", []string{"en-headline"}},
			{"irregularities", []string{"en-headline"}},
			{"irregularity", []string{"en-headline"}},
			{"mayor", []string{"en-body"}},
			{"mayors", []string{"en-body"}},
			{"election mayor", []string{"en-body"}},
			{"election -mayor", []string{"en-headline"}},
			{`"election results"`, []string{"en-headline"}},
			{`"results election"`, nil},
			{"выборы", []string{"ru-vybory"}},
			{"выборах", []string{"ru-vybory"}},
			{"Выборы", []string{"ru-vybory"}},
			{"нарушения", []string{"ru-vybory"}},
			{"блокировки", []string{"ru-block"}},
			{"блокировка мессенджера", []string{"ru-block"}},
			{"мессенджер", []string{"ru-block"}},
			{"secret", nil},
			{"tomorrow", nil},
			{"zzzqqq", nil},
		} {
			hits, total := f.search(t, tc.query, 10, 0)
			if got, want := sorted(hitSlugs(hits)), sorted(tc.want); !slices.Equal(got, want) {
				t.Errorf("Search(%q): got %v, want %v", tc.query, got, want)
			}
			if total != len(tc.want) {
				t.Errorf("Search(%q): total got %d, want %d", tc.query, total, len(tc.want))
			}
			for _, h := range hits {
				if h.Article == nil || h.Article.Section.Slug != "news" || h.Article.Status != content.StatusPublished {
					t.Errorf("Search(%q): bad hit %+v", tc.query, h.Article)
				} else if got := authorSlugs(h.Article.Authors); !slices.Equal(got, []string{"ann"}) {
					t.Errorf("Search(%q): %s bylines got %v, want [ann]", tc.query, h.Article.Slug, got)
				}
			}
		}
	})

	t.Run("HeadlineRanksFirst", func(t *testing.T) {
		hits, _ := f.search(t, "election", 10, 0)
		if got, want := hitSlugs(hits), []string{"en-headline", "en-body"}; !slices.Equal(got, want) {
			t.Errorf("Search(election) order: got %v, want %v", got, want)
		}
	})

	t.Run("Snippets", func(t *testing.T) {
		for _, tc := range []struct{ query, prefix string }{
			{"election", "election"},
			{"mayor", "mayor"},
			{"выборы", "выбор"},
			{"блокировки", "блокировк"},
		} {
			hits, _ := f.search(t, tc.query, 10, 0)
			if len(hits) == 0 {
				t.Errorf("Search(%q): no hits", tc.query)
				continue
			}
			for _, h := range hits {
				_, rest, ok1 := strings.Cut(h.Snippet, store.MarkStart)
				marked, _, ok2 := strings.Cut(rest, store.MarkEnd)
				if !ok1 || !ok2 {
					t.Errorf("Search(%q): snippet %q has no %q…%q", tc.query, h.Snippet, store.MarkStart, store.MarkEnd)
					continue
				}
				if !strings.HasPrefix(strings.ToLower(marked), tc.prefix) {
					t.Errorf("Search(%q): marked word got %q, want prefix %q (snippet %q)", tc.query, marked, tc.prefix, h.Snippet)
				}
			}
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		var seen []string
		for offset := 0; offset < 3; offset++ {
			hits, total := f.search(t, "election", 1, offset)
			if total != 2 {
				t.Errorf("Search(election, offset %d): total got %d, want 2", offset, total)
			}
			if want := map[bool]int{true: 1, false: 0}[offset < 2]; len(hits) != want {
				t.Errorf("Search(election, offset %d): got %d hits, want %d", offset, len(hits), want)
			}
			seen = append(seen, hitSlugs(hits)...)
		}
		if want := []string{"en-headline", "en-body"}; !slices.Equal(seen, want) {
			t.Errorf("pages: got %v, want %v", seen, want)
		}
	})

	t.Run("FutureAppearsOnTime", func(t *testing.T) {
		f.setNow(base.Add(time.Hour))
		defer f.setNow(base)
		hits, total := f.search(t, "tomorrow", 10, 0)
		if got := hitSlugs(hits); !slices.Equal(got, []string{"future"}) || total != 1 {
			t.Errorf("Search(tomorrow) once live: got %v total %d, want [future] 1", got, total)
		}
	})

	t.Run("FollowsUpdates", func(t *testing.T) {
		a, err := f.st.ArticleBySlug(f.ctx, "en-weather")
		if err != nil {
			t.Fatalf("ArticleBySlug: %v", err)
		}
		a.Headline = "Weather turns stormy"
		a.Body = "Cold weekend ahead for the region."
		if err := f.svc.Update(f.ctx, a); err != nil {
			t.Fatalf("Update: %v", err)
		}
		for q, want := range map[string][]string{"stormy": {"en-weather"}, "cold": {"en-weather"}, "warm": nil} {
			hits, total := f.search(t, q, 10, 0)
			if got := hitSlugs(hits); !slices.Equal(sorted(got), sorted(want)) || total != len(want) {
				t.Errorf("Search(%q) after update: got %v total %d, want %v", q, got, total, want)
			}
		}
	})

	t.Run("HostileInput", func(t *testing.T) {
		countBefore := f.count(t, store.ListQuery{})
		for _, in := range []string{
			`"unbalanced`, `(((`, `)))`, `a AND OR NOT`, `AND`, `OR`, `NOT`, `NEAR(x y)`, `NEAR(election mayor, 2)`,
			`*`, `-`, `--`, `- -`, `-election`, `foo*`, `election*`, `выбор*`, `col:value`, `headline:election`,
			`{headline dek}: election`, `^start`, `^`, `+`, `a + b`, `"`, `""`, `"""`, `" "`, `"" election`,
			`'; DROP TABLE articles; --`, `%`, `_`, `\`, `\x00`, "a\x00b", "\t\n\r",
			strings.Repeat("x", 5000), strings.Repeat("выборы ", 800)[:5000], strings.Repeat("-a ", 2000),
			strings.Repeat(`"a `, 1000), "\xff\xfe\xfd", "election\xc3", "\xed\xa0\x80",
			"🗳️", "🗳️ election 🔥", "👩‍👩‍👧", "e\u0301lection", "ß", "İstanbul", "ё", "й", "ьъ",
			"ᲀᲀᲀᲀ", "\U0001E030\U0001E031\U0001E032", "\uA7C0\uA7C1\uA7C2", "ꙮꙮꙮ", "ⷠⷡⷢ",
			"انتخابات", "选举", "ｅｌｅｃｔｉｏｎ", "Ⅻ", "²³", "٣٤", "𝔢𝔩𝔢𝔠𝔱𝔦𝔬𝔫",
		} {
			q := content.ParseQuery(in)
			for _, off := range []int{0, 1 << 20} {
				hits, total, err := f.st.Search(f.ctx, q, 10, off)
				if err != nil {
					t.Errorf("Search(%q, offset %d): got error %v, want nil", in, off, err)
					continue
				}
				if total < len(hits) {
					t.Errorf("Search(%q): total %d < %d hits", in, total, len(hits))
				}
				for _, h := range hits {
					if h.Article.Slug == "draft" || h.Article.Slug == "future" {
						t.Errorf("Search(%q): found unpublished %q", in, h.Article.Slug)
					}
				}
			}
		}
		if n := f.count(t, store.ListQuery{}); n != countBefore {
			t.Errorf("CountArticles after hostile searches: got %d, want %d", n, countBefore)
		}
	})

	t.Run("EmptyQuery", func(t *testing.T) {
		hits, total, err := f.st.Search(f.ctx, content.Query{}, 10, 0)
		if err != nil || len(hits) != 0 || total != 0 {
			t.Errorf("Search(empty): got %d hits total %d err %v, want 0 0 nil", len(hits), total, err)
		}
	})
}

// testSearchCap checks the bound on ranked matches: the total stops at
// store.SearchCap and the matches kept are the most recently published,
// whatever order the articles were created in (drafts published late,
// archives imported after new work).
func testSearchCap(t *testing.T, f *fixture) {
	if testing.Short() {
		t.Skip("creates store.SearchCap+1 articles")
	}
	sec := f.section(t, "news", "News", 0)
	n := store.SearchCap + 1
	for i := 0; i < n; i++ {
		// The first article created is the newest published, the last the oldest.
		a := &content.Article{
			Slug: fmt.Sprintf("common-%04d", i), Headline: "Common story", Body: "Common words only.", BodyText: "Common words only.",
			Lang: "en", Status: content.StatusPublished, Section: sec, PublishedAt: base.Add(-time.Duration(i+1) * time.Minute),
		}
		if err := f.st.CreateArticle(f.ctx, a); err != nil {
			t.Fatalf("CreateArticle(%d): %v", i, err)
		}
	}
	hits, total := f.search(t, "common", n+10, 0)
	if total != store.SearchCap {
		t.Errorf("total: got %d, want store.SearchCap = %d", total, store.SearchCap)
	}
	if len(hits) != store.SearchCap {
		t.Errorf("hits: got %d, want %d", len(hits), store.SearchCap)
	}
	got := hitSlugs(hits)
	if !slices.Contains(got, "common-0000") {
		t.Errorf("the newest published match common-0000 is missing from the capped results")
	}
	if oldest := fmt.Sprintf("common-%04d", n-1); slices.Contains(got, oldest) {
		t.Errorf("the oldest published match %s is in the capped results, want it cut", oldest)
	}
	if len(got) > 0 && got[0] != "common-0000" {
		t.Errorf("equal scores: first hit got %s, want the newest common-0000", got[0])
	}
}

// testSnippetMarkers checks that snippet markers appear only around matches,
// even when article text contains the marker bytes themselves.
func testSnippetMarkers(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	a := spec{slug: "markers", headline: "Quarry \x01 collapse \x02 inquiry", dek: "Stray \x02 bytes",
		body: "Rescuers reached the quarry \x01 at dawn \x02.", section: sec, at: -time.Hour}.build()
	err := f.svc.Create(f.ctx, a)
	if errors.Is(err, content.ErrInvalid) {
		return // rejecting control characters is a fine answer
	}
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	hits, _ := f.search(t, "quarry", 10, 0)
	if len(hits) != 1 {
		t.Fatalf("Search(quarry): got %d hits, want 1", len(hits))
	}
	snip := hits[0].Snippet
	rest, balanced := snip, true
	for balanced {
		var marked string
		var ok bool
		if _, rest, ok = strings.Cut(rest, store.MarkStart); !ok {
			break
		}
		marked, rest, ok = strings.Cut(rest, store.MarkEnd)
		balanced = ok && !strings.Contains(marked, store.MarkStart) && strings.EqualFold(marked, "quarry")
	}
	if !balanced || strings.Contains(rest, store.MarkEnd) {
		t.Errorf("control characters (\\x01/\\x02) typed into an article leaked into the snippet as stray markers: got %q", snip)
	}
}

// testConcurrency runs writers and readers at once: conflicts must surface
// as ErrConflict, shared tags must be created once, and nothing may fail.
func testConcurrency(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	const n = 8
	run := func(fn func(i int) error) []error {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = fn(i)
			}()
		}
		wg.Wait()
		return errs
	}

	t.Run("CreatesShareNewTag", func(t *testing.T) {
		errs := run(func(i int) error {
			a := spec{slug: fmt.Sprintf("par-%d", i), section: sec, tags: []string{"Breaking", fmt.Sprintf("Own %d", i)}, at: -time.Duration(i+1) * time.Minute}.build()
			return f.svc.Create(f.ctx, a)
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("Create %d: %v", i, err)
			}
		}
		if got := f.count(t, store.ListQuery{TagID: f.tag(t, "breaking").ID}); got != n {
			t.Errorf("CountArticles(tag breaking): got %d, want %d", got, n)
		}
		tags, err := f.st.Tags(f.ctx)
		if err != nil {
			t.Fatalf("Tags: %v", err)
		}
		if len(tags) != n+1 {
			t.Errorf("Tags: got %d (%v), want %d", len(tags), tagSlugs(tags), n+1)
		}
	})

	t.Run("SameSlugOneWins", func(t *testing.T) {
		before := f.count(t, store.ListQuery{})
		errs := run(func(i int) error {
			return f.svc.Create(f.ctx, spec{slug: "race", headline: fmt.Sprintf("Racer %d", i), section: sec, at: -time.Hour}.build())
		})
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("Create %d: got %v, want nil or ErrConflict", i, err)
			}
		}
		if won != 1 {
			t.Errorf("creates that won: got %d, want 1", won)
		}
		if got := f.count(t, store.ListQuery{}); got != before+1 {
			t.Errorf("CountArticles: got %d, want %d", got, before+1)
		}
	})

	t.Run("UpdatesOneWins", func(t *testing.T) {
		a := f.create(t, spec{slug: "contested", headline: "Original", section: sec, at: -time.Hour})
		copies := make([]*content.Article, n)
		for i := range copies {
			copies[i] = f.byID(t, a.ID)
			copies[i].Headline = fmt.Sprintf("Edit %d", i)
		}
		errs := run(func(i int) error { return f.svc.Update(f.ctx, copies[i]) })
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Errorf("updates %d and %d both won", winner, i)
				}
				winner = i
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("Update %d: got %v, want nil or ErrConflict", i, err)
			}
		}
		got := f.byID(t, a.ID)
		if winner < 0 {
			t.Fatalf("no update won; stored %q v%d", got.Headline, got.Version)
		}
		if want := fmt.Sprintf("Edit %d", winner); got.Headline != want || got.Version != 2 {
			t.Errorf("after the race: got %q v%d, want %q v2", got.Headline, got.Version, want)
		}
	})

	t.Run("ReadsDuringWrites", func(t *testing.T) {
		a := f.create(t, spec{slug: "busy", headline: "Busy story", section: sec, tags: []string{"Busy"}, at: -time.Hour})
		errs := run(func(i int) error {
			for j := range 5 {
				if i%2 == 0 {
					cur, err := f.st.ArticleByID(f.ctx, a.ID)
					if err != nil {
						return err
					}
					cur.Body = fmt.Sprintf("Writer %d pass %d", i, j)
					if err := f.svc.Update(f.ctx, cur); err != nil && !errors.Is(err, store.ErrConflict) {
						return err
					}
					continue
				}
				if _, err := f.st.ListArticles(f.ctx, store.ListQuery{Limit: 5}); err != nil {
					return err
				}
				if _, _, err := f.st.Search(f.ctx, content.ParseQuery("busy story"), 5, 0); err != nil {
					return err
				}
				if _, err := f.st.ArticleBySlug(f.ctx, "busy"); err != nil {
					return err
				}
			}
			return nil
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("goroutine %d: %v", i, err)
			}
		}
		if hits, _ := f.search(t, "busy", 10, 0); !slices.Equal(hitSlugs(hits), []string{"busy"}) {
			t.Errorf("Search(busy): got %v, want [busy]", hitSlugs(hits))
		}
	})
}

// --- schema and settings ----------------------------------------------------

func testMigrate(t *testing.T, f *fixture) {
	v, err := f.st.SchemaVersion(f.ctx)
	if err != nil {
		t.Fatalf("SchemaVersion: %v", err)
	}
	if v < 1 {
		t.Fatalf("SchemaVersion: got %d, want >= 1", v)
	}
	sec := f.section(t, "news", "News", 0)
	a := f.create(t, spec{slug: "survivor", headline: "Lighthouse keeper retires", section: sec, tags: []string{"Coast"}, at: -time.Hour})
	if err := f.st.SetSetting(f.ctx, "site.name", "Samizdat"); err != nil {
		t.Fatalf("SetSetting: %v", err)
	}
	for i := 0; i < 2; i++ {
		if err := f.st.Migrate(f.ctx); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
	}
	if got, err := f.st.SchemaVersion(f.ctx); err != nil || got != v {
		t.Errorf("SchemaVersion after Migrate: got %d (err %v), want %d", got, err, v)
	}
	got := f.byID(t, a.ID)
	if got.Headline != a.Headline || got.Version != 1 || len(got.Tags) != 1 {
		t.Errorf("article after Migrate: got %q v%d tags %v, want %q v1 [coast]", got.Headline, got.Version, tagSlugs(got.Tags), a.Headline)
	}
	if n := f.count(t, store.ListQuery{}); n != 1 {
		t.Errorf("CountArticles after Migrate: got %d, want 1", n)
	}
	if hits, _ := f.search(t, "lighthouse", 10, 0); !slices.Equal(hitSlugs(hits), []string{"survivor"}) {
		t.Errorf("Search after Migrate: got %v, want [survivor]", hitSlugs(hits))
	}
	if s, err := f.st.Setting(f.ctx, "site.name", ""); err != nil || s != "Samizdat" {
		t.Errorf("Setting after Migrate: got %q (err %v), want %q", s, err, "Samizdat")
	}
}

func testSettings(t *testing.T, f *fixture) {
	get := func(t *testing.T, key, def string) string {
		t.Helper()
		v, err := f.st.Setting(f.ctx, key, def)
		if err != nil {
			t.Fatalf("Setting(%q): %v", key, err)
		}
		return v
	}
	set := func(t *testing.T, key, value string) {
		t.Helper()
		if err := f.st.SetSetting(f.ctx, key, value); err != nil {
			t.Fatalf("SetSetting(%q): %v", key, err)
		}
	}
	steps := []struct {
		name     string
		set      *[2]string // key and value to store first, if any
		key, def string
		want     string
	}{
		{name: "Default", key: "site.name", def: "Fallback", want: "Fallback"},
		{name: "Set", set: &[2]string{"site.name", "Samizdat"}, key: "site.name", def: "Fallback", want: "Samizdat"},
		{name: "Overwrite", set: &[2]string{"site.name", "Самиздат ✊"}, key: "site.name", def: "Fallback", want: "Самиздат ✊"},
		{name: "OtherKeyUntouched", set: &[2]string{"site.lang", "ru"}, key: "site.name", def: "Fallback", want: "Самиздат ✊"},
		{name: "OtherKeyRead", key: "site.lang", def: "en", want: "ru"},
		{name: "EmptyValueIsSet", set: &[2]string{"site.tagline", ""}, key: "site.tagline", def: "Fallback", want: ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.set != nil {
				set(t, s.set[0], s.set[1])
			}
			if got := get(t, s.key, s.def); got != s.want {
				t.Errorf("Setting(%q, %q): got %q, want %q", s.key, s.def, got, s.want)
			}
		})
	}
}

// testRevisionsSince checks the numbers a static export tells saved
// articles by: every save is a revision with a larger number.
func testRevisionsSince(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	last0, first, err := f.st.RevisionsSince(f.ctx, 0)
	if err != nil || last0 != 0 || len(first) != 0 {
		t.Fatalf("RevisionsSince on an empty store = %d, %v, %v; want 0, none", last0, first, err)
	}
	a := f.create(t, spec{slug: "one", headline: "One", section: sec, at: -time.Hour})
	b := f.create(t, spec{slug: "two", headline: "Two", section: sec, at: -time.Hour})
	mid, _, err := f.st.RevisionsSince(f.ctx, math.MaxInt64)
	if err != nil || mid <= last0 {
		t.Fatalf("RevisionsSince after two saves: last %d, %v; want more than %d", mid, err, last0)
	}
	cur := f.byID(t, a.ID)
	cur.Headline = "One, revised"
	if err := f.svc.Update(f.ctx, cur); err != nil {
		t.Fatal(err)
	}
	last, first, err := f.st.RevisionsSince(f.ctx, mid)
	if err != nil {
		t.Fatal(err)
	}
	if last <= mid || len(first) != 1 || first[a.ID] <= mid || first[a.ID] > last {
		t.Errorf("RevisionsSince(%d) after editing %d = %d, %v; want only article %d, numbered in (%d, last]", mid, a.ID, last, first, a.ID, mid)
	}
	if _, all, _ := f.st.RevisionsSince(f.ctx, 0); len(all) != 2 || all[b.ID] == 0 {
		t.Errorf("RevisionsSince(0) = %v, want both articles", all)
	}
}
