package site

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

// headlineLinks are the stories a page lists: the links of its lead's and
// cards' headlines.
var headlineLinks = regexp.MustCompile(`<h[23][^>]*><a href="(/\d{4}/\d{2}/\d{2}/[^"]+)"`)

func storiesOn(body string) []string {
	var out []string
	for _, m := range headlineLinks.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// leadOf is the path of the page's lead story, "" without one.
func leadOf(body string) string {
	i := strings.Index(body, `<article class="leadstory"`)
	if i < 0 {
		return ""
	}
	if s := storiesOn(body[i:]); len(s) > 0 {
		return s[0]
	}
	return ""
}

// pin stores the English edition's pins of a front and fails the test on
// error.
func (f *fixture) pin(t *testing.T, front int64, pins ...store.FrontPin) {
	t.Helper()
	f.pinIn(t, front, "en", pins...)
}

// pinIn stores the pins of lang's edition of a front.
func (f *fixture) pinIn(t *testing.T, front int64, lang string, pins ...store.FrontPin) {
	t.Helper()
	if err := f.st.SetFrontPins(context.Background(), front, lang, pins); err != nil {
		t.Fatalf("SetFrontPins(%d, %s): %v", front, lang, err)
	}
}

// TestPinnedLeadUntilExpiry: a pinned lead leads the home page until its
// time is up, then the newest story leads again, and the cached page
// served by the real listener changes when the clock passes the expiry,
// through the change feed's clock as a node runs it.
func TestPinnedLeadUntilExpiry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var clock atomic.Pointer[time.Time]
	now := f.now
	clock.Store(&now)
	f.st.SetClock(func() time.Time { return *clock.Load() })
	// A second follower, driven by hand: what Run's timer does when the
	// next expiry comes.
	feed, err := f.st.NewFeed(ctx, func(_ context.Context, cs []store.Change) {
		for _, c := range cs {
			f.s.InvalidateKeys(c.Keys...)
		}
	}, func(err error) { t.Errorf("feed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(feed.Close)

	if got := leadOf(f.body(t, "/")); got != f.featured.Path() {
		t.Fatalf("unpinned lead %q, want the newest %q", got, f.featured.Path())
	}
	expires := f.now.Add(time.Hour)
	f.pin(t, store.HomeFront, store.FrontPin{Position: 0, ArticleID: f.old.ID, ExpiresAt: expires},
		store.FrontPin{Position: 1, ArticleID: f.culture[2].ID})
	body := f.body(t, "/")
	if got := leadOf(body); got != f.old.Path() {
		t.Fatalf("pinned lead %q, want %q", got, f.old.Path())
	}
	if !f.s.cache.has(f.s.testCacheKey("/")) {
		t.Fatal("the home page was not cached")
	}
	if next := feed.NextLive(); !next.Equal(expires) {
		t.Errorf("the feed's next clock event is %v, want the pin's expiry %v", next, expires)
	}

	// Still the lead a second before it expires, from the cache.
	before := expires.Add(-time.Second)
	clock.Store(&before)
	feed.CatchUp(ctx)
	if got := leadOf(f.body(t, "/")); got != f.old.Path() {
		t.Errorf("a second before the expiry the lead is %q, want the pinned %q", got, f.old.Path())
	}
	after := expires.Add(time.Second)
	clock.Store(&after)
	feed.CatchUp(ctx)
	if f.s.cache.has(f.s.testCacheKey("/")) {
		t.Error("the cached home page survived its lead's expiry")
	}
	body = f.body(t, "/")
	if got := leadOf(body); got != f.featured.Path() {
		t.Errorf("after the expiry the lead is %q, want the newest again %q", got, f.featured.Path())
	}
	// The top story pinned without an expiry stays first in the list.
	if s := storiesOn(body); len(s) < 2 || s[1] != f.culture[2].Path() {
		t.Errorf("stories after the expiry %v, want the pinned top story %q second", s, f.culture[2].Path())
	}
	// An unpublished pin is ignored.
	draft := store.FrontPin{Position: 0, ArticleID: f.draft.ID}
	f.pin(t, store.HomeFront, draft)
	if got := leadOf(f.body(t, "/")); got != f.featured.Path() {
		t.Errorf("with a draft pinned the lead is %q, want the newest %q", got, f.featured.Path())
	}
	if strings.Contains(f.body(t, "/"), f.draft.Headline) {
		t.Error("the home page shows a pinned draft")
	}
}

// TestNoStoryTwice: no front shows a story twice, whatever is pinned: the
// home with its section blocks, section fronts with pins and without, tag
// and author pages.
func TestNoStoryTwice(t *testing.T) {
	f := newFixture(t)
	news, culture := f.sections["news"], f.sections["culture"]
	f.pin(t, store.HomeFront,
		store.FrontPin{Position: 0, ArticleID: f.news[3].ID},
		store.FrontPin{Position: 1, ArticleID: f.featured.ID},
		store.FrontPin{Position: 2, ArticleID: f.culture[0].ID},
		store.FrontPin{Position: 3, ArticleID: f.old.ID})
	f.pin(t, news.ID,
		store.FrontPin{Position: 0, ArticleID: f.news[10].ID},
		store.FrontPin{Position: 1, ArticleID: f.news[0].ID},
		store.FrontPin{Position: 2, ArticleID: f.featured.ID})
	f.pin(t, culture.ID, store.FrontPin{Position: 2, ArticleID: f.culture[2].ID})
	tests := []struct {
		path string
		lead *content.Article // nil: no lead story
		min  int              // stories at least
	}{
		{"/", f.news[3], 15},
		{"/news/", f.news[10], 20},
		{"/news/?page=2", nil, 3},
		{"/culture/", f.culture[0], 3}, // a top story pinned alone: the newest leads
		{"/opinion/", nil, 1},
		{"/tag/courts/", nil, 10},
		{"/author/mara-lind/", nil, 20},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			body := f.body(t, tc.path)
			stories := storiesOn(body)
			seen := map[string]bool{}
			for _, s := range stories {
				if seen[s] {
					t.Errorf("%s shows %s twice", tc.path, s)
				}
				seen[s] = true
			}
			if len(stories) < tc.min {
				t.Errorf("%s shows %d stories, want at least %d", tc.path, len(stories), tc.min)
			}
			want := ""
			if tc.lead != nil {
				want = tc.lead.Path()
			}
			if got := leadOf(body); got != want {
				t.Errorf("%s leads with %q, want %q", tc.path, got, want)
			}
		})
	}
	// The pinned top stories follow the lead, in their order.
	if s := storiesOn(f.body(t, "/news/")); len(s) < 3 || s[1] != f.news[0].Path() || s[2] != f.featured.Path() {
		t.Errorf("/news/ begins %v, want the lead then the pinned %s and %s", s[:min(3, len(s))], f.news[0].Path(), f.featured.Path())
	}
}

// TestCardPictures: a card shows its article's picture in every size the
// lead's has, with its dimensions; the first cards of a list load theirs
// at once and the rest lazily, and a page with a lead loads only the
// lead's at once.
func TestCardPictures(t *testing.T) {
	f := newFixture(t)
	img := f.featured.Image
	for _, tc := range []struct {
		path  string
		eager bool
	}{
		{"/tag/press-freedom/", true}, // the featured story is the first card
		{"/author/ivan-petrov/", true},
	} {
		card := firstPictureCard(t, f.body(t, tc.path))
		for _, want := range []string{`srcset="` + srcset(img) + `"`, `width="1600"`, `height="900"`, `<picture>`} {
			if !strings.Contains(card, want) {
				t.Errorf("%s: card lacks %s:\n%s", tc.path, want, card)
			}
		}
		// A static export patches lazy cards by their first bytes and
		// renders pages with eager ones again.
		if want := map[bool]string{true: Unpatchable[1], false: CardStart + ">"}[tc.eager]; !strings.HasPrefix(card, want) {
			t.Errorf("%s: card begins %.40q, want %q", tc.path, card, want)
		}
		if lazy := strings.Contains(card, `loading="lazy"`); lazy == tc.eager {
			t.Errorf("%s: first card lazy=%v, want eager=%v", tc.path, lazy, tc.eager)
		}
	}
	// On the home, the featured story leads (eagerly, first); pinned
	// elsewhere, its card in the list loads lazily.
	f.pin(t, store.HomeFront, store.FrontPin{Position: 0, ArticleID: f.news[0].ID})
	card := firstPictureCard(t, f.body(t, "/"))
	if !strings.HasPrefix(card, CardStart+">") || !strings.Contains(card, `loading="lazy"`) || strings.Contains(card, "fetchpriority") {
		t.Errorf("home: a card below the lead is not lazy:\n%s", card)
	}
}

// firstPictureCard is the first card on the page with a picture.
func firstPictureCard(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `class="cardpic"`)
	if i < 0 {
		t.Fatal("no card with a picture")
	}
	start := strings.LastIndex(body[:i], "<article ")
	return body[start : i+strings.Index(body[i:], "</article>")]
}

// TestSectionFrontDescription: a section's description is under its name
// on its front and describes it to search engines.
func TestSectionFrontDescription(t *testing.T) {
	f := newFixture(t)
	sec := f.sections["culture"]
	sec.Description = "Books, film & theatre from exile."
	if err := f.st.UpdateSection(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	f.s.PurgeCache() // as the admin's save does, through the site's settings reload
	body := f.body(t, "/culture/")
	for _, want := range []string{`<p class="intro">Books, film &amp; theatre from exile.</p>`, `<meta name="description" content="Books, film &amp; theatre from exile.">`} {
		if !strings.Contains(body, want) {
			t.Errorf("/culture/ lacks %s", want)
		}
	}
}

// TestEditionPins: the English and the Russian home are curated apart, on
// both engines: each leads with its own pinned story, neither shows the
// other's, no story is there twice, and changing one edition's pins leaves
// the other's page as it was.
func TestEditionPins(t *testing.T) {
	engines := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "db") }},
		{"postgres", func(t *testing.T) string { return pgtest.Database(t) }},
	}
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			f := newFixtureOn(t, eng.dsn(t))
			ctx := context.Background()
			opinion := f.sections["opinion"]
			var ru []*content.Article
			for i, h := range []string{"Порт закрыли на неделю", "Суд отложил заседание"} {
				ru = append(ru, f.create(t, &content.Article{Headline: h, Dek: "Подробности.", Body: "Текст.", Lang: "ru",
					Status: content.StatusPublished, Section: opinion, PublishedAt: f.now.Add(-time.Duration(200+60*i) * time.Minute)}))
			}
			a, b := f.old, ru[1] // neither is its edition's newest
			f.pinIn(t, store.HomeFront, "en", store.FrontPin{Position: 0, ArticleID: a.ID})
			f.pinIn(t, store.HomeFront, "ru", store.FrontPin{Position: 0, ArticleID: b.ID}, store.FrontPin{Position: 1, ArticleID: ru[0].ID})
			if err := f.st.SetFrontPins(ctx, store.HomeFront, "en", []store.FrontPin{{Position: 1, ArticleID: b.ID}}); !errors.Is(err, store.ErrWrongEdition) {
				t.Fatalf("a Russian story pinned on the English home: %v, want ErrWrongEdition", err)
			}
			for _, tc := range []struct {
				path  string
				lead  *content.Article
				never *content.Article
			}{
				{"/", a, b},
				{"/ru/", b, a},
			} {
				t.Run(tc.path, func(t *testing.T) {
					body := f.body(t, tc.path)
					if got := leadOf(body); got != tc.lead.Path() {
						t.Errorf("%s leads with %q, want its pinned %q", tc.path, got, tc.lead.Path())
					}
					seen := map[string]bool{}
					for _, s := range storiesOn(body) {
						if seen[s] {
							t.Errorf("%s shows %s twice", tc.path, s)
						}
						seen[s] = true
					}
					if seen[tc.never.Path()] {
						t.Errorf("%s shows the other edition's pinned %s", tc.path, tc.never.Path())
					}
				})
			}
			// The English home unpinned: its newest leads again, and the
			// Russian home keeps its lead.
			f.pinIn(t, store.HomeFront, "en")
			deadline := time.Now().Add(5 * time.Second)
			for leadOf(f.body(t, "/")) != f.featured.Path() {
				if time.Now().After(deadline) {
					t.Fatalf("after unpinning the English home leads with %q, want the newest %q", leadOf(f.body(t, "/")), f.featured.Path())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if got := leadOf(f.body(t, "/ru/")); got != b.Path() {
				t.Errorf("after the English home changed the Russian one leads with %q, want %q", got, b.Path())
			}
		})
	}
}
