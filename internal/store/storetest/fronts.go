package storetest

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
)

func pinSlugs(pins []store.FrontPin) []string {
	var out []string
	for _, p := range pins {
		out = append(out, p.Article.Slug)
	}
	return out
}

// testFrontPins: a front's pins count while their article is live and
// their time has not come; a pin change is in the change feed under the
// front's key, and a pin's expiry reaches followers by the clock, as an
// article going live does.
func testFrontPins(t *testing.T, f *fixture) {
	news := f.section(t, "news", "News", 0)
	old := f.create(t, spec{slug: "old", section: news, at: -5 * time.Hour})
	mid := f.create(t, spec{slug: "mid", section: news, at: -3 * time.Hour})
	ru := f.create(t, spec{slug: "ru", lang: "ru", section: news, at: -2 * time.Hour})
	draft := f.create(t, spec{slug: "draft", status: content.StatusDraft, section: news})
	later := f.create(t, spec{slug: "later", status: content.StatusScheduled, section: news, at: 2 * time.Hour})

	var live feedLog
	feed, err := f.st.NewFeed(f.ctx, live.apply, func(err error) { t.Errorf("feed: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()

	expires := base.Add(time.Hour)
	pins := []store.FrontPin{
		{Position: 0, ArticleID: old.ID, ExpiresAt: expires},
		{Position: 1, ArticleID: draft.ID},
		{Position: 2, ArticleID: later.ID},
		{Position: 4, ArticleID: mid.ID},
	}
	if err := f.st.SetFrontPins(f.ctx, store.HomeFront, "en", pins); err != nil {
		t.Fatalf("SetFrontPins: %v", err)
	}
	if got := keysOf(live.take()); !slices.Equal(got, []string{store.KeyFront(store.HomeFront, "en")}) {
		t.Errorf("pinning: keys %v, want the English home front's only", got)
	}
	if err := f.st.SetFrontPins(f.ctx, store.HomeFront, "ru", []store.FrontPin{{Position: 3, ArticleID: ru.ID}}); err != nil {
		t.Fatalf("SetFrontPins(ru): %v", err)
	}
	if got := keysOf(live.take()); !slices.Equal(got, []string{store.KeyFront(store.HomeFront, "ru")}) {
		t.Errorf("pinning on the Russian home: keys %v, want its front's only", got)
	}
	stored, err := f.st.FrontPins(f.ctx, store.HomeFront, "en")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pinSlugs(stored), []string{"old", "draft", "later", "mid"}; !slices.Equal(got, want) {
		t.Errorf("FrontPins = %v, want %v (every pin, live or not)", got, want)
	}
	if !stored[0].ExpiresAt.Equal(expires) || !stored[1].ExpiresAt.IsZero() {
		t.Errorf("expiries %v, %v; want %v and none", stored[0].ExpiresAt, stored[1].ExpiresAt, expires)
	}

	cases := []struct {
		name string
		at   time.Time
		lang string
		want []string
	}{
		{"before expiry", base, "en", []string{"old", "mid"}},
		{"the other edition", base, "ru", []string{"ru"}},
		{"every edition", base, "", []string{"old", "mid", "ru"}},
		{"the scheduled one goes live", base.Add(2*time.Hour + time.Second), "en", []string{"later", "mid"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.setNow(tc.at)
			got, err := f.st.LivePins(f.ctx, store.HomeFront, tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pinSlugs(got), tc.want) {
				t.Errorf("LivePins at %v (%q) = %v, want %v", tc.at, tc.lang, pinSlugs(got), tc.want)
			}
		})
	}

	// The expiry is on the feed's clock, before the scheduled article.
	f.setNow(base)
	feed.CatchUp(f.ctx)
	live.take()
	if next := feed.NextLive(); !next.Equal(expires) {
		t.Errorf("NextLive = %v, want the pin's expiry %v", next, expires)
	}
	f.setNow(expires.Add(time.Second))
	feed.CatchUp(f.ctx)
	got := keysOf(live.take())
	if !slices.Contains(got, store.KeyFront(store.HomeFront, "en")) {
		t.Errorf("after the pin's expiry the feed applied %v, want the English home front's key", got)
	}
	if slices.Contains(got, store.KeyFront(store.HomeFront, "ru")) {
		t.Errorf("after an English pin's expiry the feed applied %v: the Russian home front's key too", got)
	}
	if next := feed.NextLive(); !next.Equal(later.PublishedAt) {
		t.Errorf("NextLive after the expiry = %v, want the scheduled article's %v", next, later.PublishedAt)
	}

	// A section's pins are its own; an unpin is a change too.
	if err := f.st.SetFrontPins(f.ctx, news.ID, "en", []store.FrontPin{{Position: 0, ArticleID: mid.ID}}); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(live.take()); !slices.Equal(got, []string{store.KeyFront(news.ID, "en")}) {
		t.Errorf("pinning on a section: keys %v, want its front's", got)
	}
	if got, _ := f.st.LivePins(f.ctx, news.ID, "en"); !slices.Equal(pinSlugs(got), []string{"mid"}) {
		t.Errorf("section pins = %v, want [mid]", pinSlugs(got))
	}
	if err := f.st.SetFrontPins(f.ctx, news.ID, "en", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.st.LivePins(f.ctx, news.ID, ""); len(got) != 0 {
		t.Errorf("after unpinning: %v, want none", pinSlugs(got))
	}
	if err := f.st.SetFrontPins(f.ctx, news.ID, "en", []store.FrontPin{{Position: store.MaxTopStories + 1, ArticleID: mid.ID}}); err == nil {
		t.Error("a position past the top stories was stored")
	}
}

// testFrontPinsPerEdition: the English and the Russian home are curated
// apart: each edition's lead is its own, setting one edition's pins
// leaves the other's alone, and an article of another language is
// refused with nothing changed.
func testFrontPinsPerEdition(t *testing.T, f *fixture) {
	news := f.section(t, "news", "News", 0)
	a := f.create(t, spec{slug: "harbour", section: news, at: -2 * time.Hour})
	b := f.create(t, spec{slug: "gavan", lang: "ru", section: news, at: -time.Hour})
	en2 := f.create(t, spec{slug: "budget", section: news, at: -3 * time.Hour})
	if err := f.st.SetFrontPins(f.ctx, store.HomeFront, "en", []store.FrontPin{{Position: 0, ArticleID: a.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetFrontPins(f.ctx, store.HomeFront, "ru", []store.FrontPin{{Position: 0, ArticleID: b.ID}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, lang string
		change     func() error
		want       map[string][]string // edition: its pins
		refused    bool
	}{
		{name: "each its own lead", want: map[string][]string{"en": {"harbour"}, "ru": {"gavan"}}},
		{name: "a Russian article on the English home", change: func() error {
			return f.st.SetFrontPins(f.ctx, store.HomeFront, "en", []store.FrontPin{{Position: 0, ArticleID: b.ID}})
		}, refused: true, want: map[string][]string{"en": {"harbour"}, "ru": {"gavan"}}},
		{name: "an English article on the Russian section front", change: func() error {
			return f.st.SetFrontPins(f.ctx, news.ID, "ru", []store.FrontPin{{Position: 0, ArticleID: a.ID}})
		}, refused: true, want: map[string][]string{"en": {"harbour"}, "ru": {"gavan"}}},
		{name: "the English home changed alone", change: func() error {
			return f.st.SetFrontPins(f.ctx, store.HomeFront, "en", []store.FrontPin{{Position: 0, ArticleID: en2.ID}, {Position: 1, ArticleID: a.ID}})
		}, want: map[string][]string{"en": {"budget", "harbour"}, "ru": {"gavan"}}},
		{name: "the Russian home emptied alone", change: func() error {
			return f.st.SetFrontPins(f.ctx, store.HomeFront, "ru", nil)
		}, want: map[string][]string{"en": {"budget", "harbour"}, "ru": nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.change != nil {
				err := tc.change()
				if tc.refused != errors.Is(err, store.ErrWrongEdition) {
					t.Fatalf("change: %v; want refused=%v", err, tc.refused)
				}
			}
			for lang, want := range tc.want {
				got, err := f.st.LivePins(f.ctx, store.HomeFront, lang)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(pinSlugs(got), want) {
					t.Errorf("%s home: live pins %v, want %v", lang, pinSlugs(got), want)
				}
				stored, err := f.st.FrontPins(f.ctx, store.HomeFront, lang)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(pinSlugs(stored), want) {
					t.Errorf("%s home: stored pins %v, want %v", lang, pinSlugs(stored), want)
				}
			}
			if got, _ := f.st.FrontPins(f.ctx, news.ID, "ru"); len(got) != 0 {
				t.Errorf("Russian news front: %v, want none", pinSlugs(got))
			}
		})
	}
	if err := f.st.SetFrontPins(f.ctx, store.HomeFront, "", []store.FrontPin{{Position: 0, ArticleID: a.ID}}); err == nil {
		t.Error("pins stored for no edition")
	}
}

// testTimeZone: an article scheduled for 09:00 in Riga in winter (UTC+2)
// is stored for 07:00 UTC and goes live then, and its address keeps the
// UTC date; the newsroom's zone is a setting that falls back to UTC.
func testTimeZone(t *testing.T, f *fixture) {
	if z, err := f.st.TimeZone(f.ctx); err != nil || z != time.UTC {
		t.Errorf("TimeZone unset = %v, %v; want UTC", z, err)
	}
	if err := f.st.SetSetting(f.ctx, store.SettingTimeZone, "Europe/Riga"); err != nil {
		t.Fatal(err)
	}
	riga, err := f.st.TimeZone(f.ctx)
	if err != nil || riga.String() != "Europe/Riga" {
		t.Fatalf("TimeZone = %v, %v; want Europe/Riga", riga, err)
	}
	sec := f.section(t, "news", "News", 0)
	nine := time.Date(2025, time.January, 15, 9, 0, 0, 0, riga)
	f.setNow(nine.Add(-24 * time.Hour))
	a := &content.Article{Slug: "riga", Headline: "Morning", Body: "Body.", Lang: "en", Status: content.StatusScheduled,
		Section: sec, PublishedAt: nine.UTC()}
	if err := f.svc.Create(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	got := f.byID(t, a.ID)
	if want := time.Date(2025, time.January, 15, 7, 0, 0, 0, time.UTC); !got.PublishedAt.Equal(want) {
		t.Errorf("stored %v, want %v", got.PublishedAt.UTC(), want)
	}
	if back := got.PublishedAt.In(riga).Format("15:04"); back != "09:00" {
		t.Errorf("shown back in Riga as %s, want 09:00", back)
	}
	for _, tc := range []struct {
		at   time.Time
		live bool
	}{
		{time.Date(2025, time.January, 15, 6, 59, 59, 0, time.UTC), false},
		{time.Date(2025, time.January, 15, 7, 0, 0, 0, time.UTC), true},
	} {
		f.setNow(tc.at)
		if n := f.count(t, store.ListQuery{SectionID: sec.ID}); (n == 1) != tc.live {
			t.Errorf("at %v: %d live, want live=%v", tc.at, n, tc.live)
		}
	}
	if p := got.Path(); p != "/2025/01/15/riga" {
		t.Errorf("path %q, want the UTC date", p)
	}
	// A zone the system does not know (set around the admin) is UTC.
	if err := f.st.SetSetting(f.ctx, store.SettingTimeZone, "Mars/Olympus"); err != nil {
		t.Fatal(err)
	}
	if z, err := f.st.TimeZone(f.ctx); err != nil || z != time.UTC {
		t.Errorf("TimeZone of an unknown name = %v, %v; want UTC", z, err)
	}
}

// testDashboard: the dashboard's reads find each kind of work, in order,
// within their limits.
func testDashboard(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	for i, s := range []spec{
		{slug: "d1", status: content.StatusDraft},
		{slug: "d2", status: content.StatusDraft},
		{slug: "d3", status: content.StatusDraft},
		{slug: "r1", status: content.StatusReview},
		{slug: "s-late", status: content.StatusScheduled, at: 5 * time.Hour},
		{slug: "s-soon", status: content.StatusScheduled, at: time.Hour},
		{slug: "p1", at: -time.Hour},
	} {
		f.setNow(base.Add(time.Duration(i) * time.Minute)) // updated in this order
		s.section = sec
		f.create(t, s)
	}
	f.setNow(base.Add(time.Hour / 2))
	drafts, n, err := f.st.ArticlesByStatus(f.ctx, content.StatusDraft, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := slugsOf(drafts); n != 3 || !slices.Equal(got, []string{"d3", "d2"}) {
		t.Errorf("drafts = %v of %d, want [d3 d2] of 3 (newest change first, limited)", got, n)
	}
	sched, n, err := f.st.ArticlesByStatus(f.ctx, content.StatusScheduled, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := slugsOf(sched); n != 2 || !slices.Equal(got, []string{"s-soon", "s-late"}) {
		t.Errorf("scheduled = %v of %d, want the next first", got, n)
	}
	if review, n, _ := f.st.ArticlesByStatus(f.ctx, content.StatusReview, 10); n != 1 || slugsOf(review)[0] != "r1" {
		t.Errorf("review = %v of %d, want [r1]", slugsOf(review), n)
	}

	p := f.byID(t, f.list(t, store.ListQuery{})[0].ID)
	for i, text := range []string{"First fix.", "Second fix."} {
		c := &content.Correction{Text: text, CreatedAt: base.Add(time.Duration(i+1) * time.Hour)}
		if err := f.st.AddCorrection(f.ctx, p.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	corr, err := f.st.RecentCorrections(f.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(corr) != 1 || corr[0].Text != "Second fix." || corr[0].Headline != p.Headline {
		t.Errorf("RecentCorrections = %+v, want the second fix of %q", corr, p.Headline)
	}

	day := base.Truncate(24 * time.Hour)
	f.setNow(day.Add(10 * time.Hour))
	for i, at := range []time.Time{day.Add(-time.Hour), day.Add(time.Hour), day.Add(2 * time.Hour)} {
		ev := revenue.Event{Provider: "stripe", ID: "evt_" + slugOf(i), Type: "checkout.session.completed",
			Kind: revenue.EventCheckoutCompleted, At: at,
			Payment: &revenue.Payment{Ref: "pi_" + slugOf(i), ChargeRef: "pi_" + slugOf(i), Amount: 500, Currency: "eur", Frequency: revenue.OneTime}}
		if _, err := f.st.ApplyEvent(f.ctx, ev, []byte("sealed"), nil); err != nil {
			t.Fatalf("gift %d: %v", i, err)
		}
	}
	if amount, gifts, err := f.st.SupportSince(f.ctx, day, "EUR"); err != nil || amount != 1000 || gifts != 2 {
		t.Errorf("SupportSince(today) = %d, %d, %v; want 1000 in 2 gifts", amount, gifts, err)
	}

	keys, err := secret.NewKeys(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f.st.SetSealer(secret.NewBox(keys)) // the outbox seals addresses
	if q, err := f.st.MailQueue(f.ctx); err != nil || q.Waiting != 0 || q.Failed != 0 {
		t.Errorf("MailQueue empty = %+v, %v", q, err)
	}
	if err := f.st.EnqueueMail(f.ctx, mail.Message{To: "a@example.org", Subject: "S", Text: "T", Kind: "test"},
		mail.Message{To: "b@example.org", Subject: "S", Text: "T", Kind: "test"}); err != nil {
		t.Fatal(err)
	}
	if q, err := f.st.MailQueue(f.ctx); err != nil || q.Waiting != 2 || q.Oldest.IsZero() {
		t.Errorf("MailQueue = %+v, %v; want 2 waiting since a time", q, err)
	}
}

func slugOf(i int) string { return string(rune('a' + i)) }

// testSectionDescription: a section's description is stored, listed and
// changed with it.
func testSectionDescription(t *testing.T, f *fixture) {
	sec := content.Section{Slug: "news", Name: "News", Description: "Reporting from the region, every day."}
	if err := f.st.CreateSection(f.ctx, &sec); err != nil {
		t.Fatal(err)
	}
	got, err := f.st.SectionBySlug(f.ctx, "news")
	if err != nil || got.Description != sec.Description {
		t.Fatalf("SectionBySlug = %+v, %v; want the description", got, err)
	}
	sec.Description = "Changed."
	if err := f.st.UpdateSection(f.ctx, sec); err != nil {
		t.Fatal(err)
	}
	if list, err := f.st.Sections(f.ctx); err != nil || len(list) != 1 || list[0].Description != "Changed." {
		t.Errorf("Sections = %+v, %v; want the changed description", list, err)
	}
}
