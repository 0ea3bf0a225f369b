package admin

import (
	"bytes"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// TestFrontPinForm: an editor pins a lead and a top story with an expiry
// through a plain form (no JavaScript: selects and text fields), the form
// refuses a missing CSRF token, an unknown article, the same article twice
// and a bad or past expiry while keeping what was typed, and an author may
// not curate.
func TestFrontPinForm(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC()
	lead := e.create(&content.Article{Slug: "lead", Headline: "Harbour strike ends", Body: "b", Status: content.StatusPublished, PublishedAt: now.Add(-2 * time.Hour)})
	top := e.create(&content.Article{Slug: "top", Headline: "Budget vote delayed", Body: "b", Status: content.StatusPublished, PublishedAt: now.Add(-time.Hour), Section: e.culture})
	editor := e.client(account.RoleEditor)

	w := editor.get("/admin/fronts")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `<select id="front" name="front">`, `<option value="`+idStr(e.news.ID)+`">News</option>`,
		`name="article0"`, `name="article4"`, `name="until_date0"`, `name="until_time0"`, "Harbour strike ends — News ("+idStr(lead.ID)+")",
		"hh:mm, 24-hour, UTC")
	lackBody(t, w, "<script")

	until := now.Add(48 * time.Hour)
	good := url.Values{"front": {"0"}, "article0": {idStr(lead.ID)}, "until_date0": {until.Format("2006-01-02")}, "until_time0": {"18:30"},
		"article1": {idStr(top.ID)}}

	// Without the CSRF token nothing is stored.
	noCSRF := cloneValues(good)
	noCSRF.Set("csrf", "wrong")
	if w := editor.postForm("/admin/fronts", noCSRF); w.Code != http.StatusForbidden {
		t.Errorf("without CSRF: %d, want 403", w.Code)
	}
	if pins, _ := e.st.FrontPins(e.ctx, store.HomeFront, "en"); len(pins) != 0 {
		t.Fatalf("a form without CSRF pinned %d stories", len(pins))
	}

	bad := []struct {
		name   string
		change map[string]string
		want   string
	}{
		{"unknown article", map[string]string{"id2": "999999"}, "No article has the ID 999999."},
		{"twice", map[string]string{"article2": idStr(lead.ID)}, "This article is already pinned on this front."},
		{"date", map[string]string{"until_date0": "12/05/2030"}, "Enter the date as yyyy-mm-dd"},
		{"12-hour time", map[string]string{"until_time0": "6:30 PM"}, "Enter the time as hh:mm on a 24-hour clock"},
		{"date without time", map[string]string{"until_time0": ""}, "Enter a date with the time."},
		{"past", map[string]string{"until_date0": now.Add(-48 * time.Hour).Format("2006-01-02")}, "This time has already passed"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			v := cloneValues(good)
			for k, val := range tc.change {
				v.Set(k, val)
			}
			w := editor.postForm("/admin/fronts", v)
			wantStatus(t, w, http.StatusUnprocessableEntity)
			wantBody(t, w, tc.want, `value="`+v.Get("until_date0")+`"`, `<option value="`+idStr(top.ID)+`" selected>`)
			if pins, _ := e.st.FrontPins(e.ctx, store.HomeFront, "en"); len(pins) != 0 {
				t.Errorf("a refused form stored %d pins", len(pins))
			}
		})
	}

	w = editor.postForm("/admin/fronts", good)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/admin/fronts?front=0") {
		t.Fatalf("save: %d to %q, want 303 back to the home's front; body:\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	pins, err := e.st.FrontPins(e.ctx, store.HomeFront, "en")
	if err != nil {
		t.Fatal(err)
	}
	wantUntil := time.Date(until.Year(), until.Month(), until.Day(), 18, 30, 0, 0, time.UTC)
	if len(pins) != 2 || pins[0].ArticleID != lead.ID || !pins[0].ExpiresAt.Equal(wantUntil) || pins[1].ArticleID != top.ID || !pins[1].ExpiresAt.IsZero() {
		t.Fatalf("stored pins %+v, want the lead until %v and the top story for good", pins, wantUntil)
	}
	w = editor.get(w.Header().Get("Location"))
	wantBody(t, w, "Front saved", `<option value="`+idStr(lead.ID)+`" selected>`, `value="18:30"`)

	// An expired pin is shown as such, its slot empty, so that saving the
	// form drops it instead of refusing its past time.
	if err := e.st.SetFrontPins(e.ctx, store.HomeFront, "en", []store.FrontPin{{Position: 0, ArticleID: lead.ID, ExpiresAt: now.Add(-time.Minute)},
		{Position: 1, ArticleID: top.ID}}); err != nil {
		t.Fatal(err)
	}
	w = editor.get("/admin/fronts")
	wantBody(t, w, "expired: Harbour strike ends, pinned until", `<option value="`+idStr(top.ID)+`" selected>`)
	lackBody(t, w, `<option value="`+idStr(lead.ID)+`" selected>`)
	wantStatus(t, editor.postForm("/admin/fronts", url.Values{"front": {"0"}, "article1": {idStr(top.ID)}}), http.StatusSeeOther)
	if pins, _ := e.st.FrontPins(e.ctx, store.HomeFront, "en"); len(pins) != 1 || pins[0].ArticleID != top.ID {
		t.Errorf("after saving over an expired pin: %+v, want the top story alone", pins)
	}

	// A section's front, chosen by the number typed; then unpinned.
	w = editor.postForm("/admin/fronts", url.Values{"front": {idStr(e.culture.ID)}, "id0": {idStr(top.ID)}})
	wantStatus(t, w, http.StatusSeeOther)
	if pins, _ := e.st.FrontPins(e.ctx, e.culture.ID, "en"); len(pins) != 1 || pins[0].ArticleID != top.ID {
		t.Errorf("culture pins %+v, want the top story as lead", pins)
	}
	wantStatus(t, editor.postForm("/admin/fronts", url.Values{"front": {idStr(e.culture.ID)}}), http.StatusSeeOther)
	if pins, _ := e.st.FrontPins(e.ctx, e.culture.ID, "en"); len(pins) != 0 {
		t.Errorf("after unpinning, culture pins %+v", pins)
	}
	wantStatus(t, editor.get("/admin/fronts?front=99999"), http.StatusNotFound)

	// A search narrows the lists by headline.
	w = editor.get("/admin/fronts?q=budget")
	wantBody(t, w, "Budget vote delayed — Culture")

	author := e.client(account.RoleAuthor)
	if w := author.get("/admin/fronts"); w.Code != http.StatusForbidden {
		t.Errorf("an author opened the front pages: %d", w.Code)
	}
}

// TestFrontPinsPerEdition: the fronts page picks the edition whose front
// it curates; each edition's pins are its own, the choices are the
// edition's articles, and an article of another language is refused with
// what was typed kept.
func TestFrontPinsPerEdition(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC()
	en := e.create(&content.Article{Slug: "harbour", Headline: "Harbour strike ends", Body: "b", Status: content.StatusPublished, PublishedAt: now.Add(-2 * time.Hour)})
	ru := e.create(&content.Article{Slug: "gavan", Headline: "Забастовка в порту закончилась", Body: "b", Lang: "ru", Status: content.StatusPublished, PublishedAt: now.Add(-time.Hour)})
	editor := e.client(account.RoleEditor)

	w := editor.get("/admin/fronts")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `<select id="lang" name="lang">`, `<option value="en" lang="en" selected>English</option>`, `<option value="ru" lang="ru">Русский</option>`,
		`<input type="hidden" name="lang" value="en">`, "Harbour strike ends — News")
	lackBody(t, w, "Забастовка в порту закончилась — News")
	w = editor.get("/admin/fronts?lang=ru")
	wantBody(t, w, `<option value="ru" lang="ru" selected>Русский</option>`, `<input type="hidden" name="lang" value="ru">`, "Забастовка в порту закончилась — News")
	lackBody(t, w, "Harbour strike ends — News")
	wantStatus(t, editor.get("/admin/fronts?lang=xx"), http.StatusNotFound)

	for _, tc := range []struct {
		name, lang string
		id         int64
	}{
		{"Russian article on the English home", "en", ru.ID},
		{"English article on the Russian home", "ru", en.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := editor.postForm("/admin/fronts", url.Values{"front": {"0"}, "lang": {tc.lang}, "id0": {idStr(tc.id)}, "until_date0": {"2099-01-02"}, "until_time0": {"10:00"}})
			wantStatus(t, w, http.StatusUnprocessableEntity)
			wantBody(t, w, "is in another language: pin it on the fronts of its own edition", `value="2099-01-02"`,
				`<input type="hidden" name="lang" value="`+tc.lang+`">`)
			for _, l := range []string{"en", "ru"} {
				if pins, _ := e.st.FrontPins(e.ctx, store.HomeFront, l); len(pins) != 0 {
					t.Errorf("a refused form stored %d pins on the %s home", len(pins), l)
				}
			}
		})
	}

	w = editor.postForm("/admin/fronts", url.Values{"front": {"0"}, "lang": {"en"}, "article0": {idStr(en.ID)}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/admin/fronts?front=0&lang=en") {
		t.Fatalf("save en: %d to %q", w.Code, w.Header().Get("Location"))
	}
	w = editor.postForm("/admin/fronts", url.Values{"front": {"0"}, "lang": {"ru"}, "article0": {idStr(ru.ID)}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/admin/fronts?front=0&lang=ru") {
		t.Fatalf("save ru: %d to %q", w.Code, w.Header().Get("Location"))
	}
	for lang, want := range map[string]int64{"en": en.ID, "ru": ru.ID} {
		if pins, err := e.st.FrontPins(e.ctx, store.HomeFront, lang); err != nil || len(pins) != 1 || pins[0].ArticleID != want {
			t.Errorf("%s home pins %+v, %v; want article %d as lead", lang, pins, err, want)
		}
	}
	wantBody(t, editor.get("/admin/fronts?front=0&lang=ru"), `<option value="`+idStr(ru.ID)+`" selected>`)
	wantBody(t, editor.get("/admin/fronts?front=0&lang=en"), `<option value="`+idStr(en.ID)+`" selected>`)
}

// TestScheduleInNewsroomZone: with the newsroom in Europe/Riga, an article
// scheduled for 09:00 on a winter day is stored for 07:00 UTC and shown
// back as 09:00; a time the spring clock change skips is refused with an
// explanation; the zone setting refuses a name that is not a zone. On both
// engines.
func TestScheduleInNewsroomZone(t *testing.T) {
	engines := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "samizdat.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.Database(t) }},
	}
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			e := tAuthNewEnvOn(t, "http://example.test", eng.dsn(t), nil)
			sec := content.Section{Slug: "news", Name: "News"}
			if err := e.st.CreateSection(e.ctx, &sec); err != nil {
				t.Fatal(err)
			}
			admin := e.tAuthSession(e.tAuthUser(account.RoleAdmin, ""))

			admin.get("/admin/settings")
			w := admin.post("/admin/settings", url.Values{"name": {"Test"}, "lang": {"en"}, "timezone": {"Europe/Atlantis"}})
			wantStatus(t, w, http.StatusUnprocessableEntity)
			wantBody(t, w, "is not a time zone", `value="Europe/Atlantis"`)
			wantStatus(t, admin.post("/admin/settings", url.Values{"name": {"Test"}, "lang": {"en"}, "timezone": {"Europe/Riga"}}), http.StatusSeeOther)
			wantBody(t, admin.get("/admin/settings"), `value="Europe/Riga"`)

			// The clock is 2030-03-04 09:00 UTC; the article is for the
			// next morning, 09:00 in Riga (UTC+2 in winter).
			form := func(date, clock string) url.Values {
				return url.Values{"headline": {"Morning briefing"}, "slug": {"briefing"}, "body": {"Text."}, "lang": {"en"},
					"section": {idStr(sec.ID)}, "status": {"scheduled"}, "action": {"save"},
					"publish_date": {date}, "publish_time": {clock}}
			}
			admin.get("/admin/articles/new")
			w = admin.post("/admin/articles/new", form("2030-03-05", "09:00"))
			if w.Code != http.StatusSeeOther {
				t.Fatalf("save: %d; body:\n%s", w.Code, w.Body)
			}
			id, _ := strconv.ParseInt(strings.TrimPrefix(strings.Split(w.Header().Get("Location"), "?")[0], "/admin/articles/"), 10, 64)
			a, err := e.st.ArticleByID(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Date(2030, 3, 5, 7, 0, 0, 0, time.UTC); !a.PublishedAt.Equal(want) {
				t.Errorf("stored %v, want %v", a.PublishedAt.UTC(), want)
			}
			if p := a.Path(); p != "/2030/03/05/briefing" {
				t.Errorf("path %q, want the UTC date", p)
			}
			for _, tc := range []struct {
				at   time.Time
				live bool
			}{{time.Date(2030, 3, 5, 6, 59, 0, 0, time.UTC), false}, {time.Date(2030, 3, 5, 7, 0, 0, 0, time.UTC), true}} {
				if got := a.Live(tc.at); got != tc.live {
					t.Errorf("live at %v = %v, want %v", tc.at, got, tc.live)
				}
			}
			w = admin.get("/admin/articles/" + idStr(id))
			wantBody(t, w, `name="publish_date" type="text"`, `value="2030-03-05"`, `value="09:00"`, "hh:mm, 24-hour, Europe/Riga")
			lackBody(t, w, "datetime-local")
			wantBody(t, admin.get("/admin/articles"), "5 March 2030, 09:00 Europe/Riga")
			wantBody(t, admin.get("/admin/"), "Morning briefing", "goes live 5 March 2030, 09:00 Europe/Riga")

			// Riga puts its clocks forward at 03:00 on 2030-03-31: 03:30
			// does not exist there.
			admin.get("/admin/articles/new")
			w = admin.post("/admin/articles/new", form("2030-03-31", "03:30"))
			wantStatus(t, w, http.StatusUnprocessableEntity)
			wantBody(t, w, "does not exist in Europe/Riga", "such as 04:30", `value="03:30"`)
		})
	}
}

// TestDashboardBlocks: the admin home shows each morning block with what
// was seeded: drafts, review requests, the scheduled queue with times in
// the newsroom's zone, corrections, today's and the month's support
// against the goal, and the mail waiting; an author sees none of the
// newsroom's queues.
func TestDashboardBlocks(t *testing.T) {
	e := revenueEnv(t)
	keys, err := secret.NewKeys(bytes.Repeat([]byte{5}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e.st.SetSealer(secret.NewBox(keys))
	now := e.clock.Now() // 2030-03-04 09:00 UTC
	sec := content.Section{Slug: "news", Name: "News"}
	if err := e.st.CreateSection(e.ctx, &sec); err != nil {
		t.Fatal(err)
	}
	mk := func(slug, headline string, st content.Status, at time.Time) *content.Article {
		a := &content.Article{Slug: slug, Headline: headline, Body: "b", Lang: "en", Status: st, Section: sec, PublishedAt: at}
		if err := e.svc.Create(e.ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	mk("d", "Draft about the port", content.StatusDraft, time.Time{})
	mk("r", "Needs a second look", content.StatusReview, time.Time{})
	mk("s", "Goes out tomorrow", content.StatusScheduled, now.Add(24*time.Hour))
	p := mk("p", "Published yesterday", content.StatusPublished, now.Add(-24*time.Hour))
	if err := e.st.AddCorrection(e.ctx, p.ID, &content.Correction{Text: "The mayor's name was misspelled."}); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{revenue.SettingGoalTarget: "100000", revenue.SettingGoalCurrency: "EUR",
		revenue.SettingGoalMode: "exact", store.SettingTimeZone: "Europe/Riga"} {
		if err := e.st.SetSetting(e.ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, at := range []time.Time{now.Add(-time.Hour), now.Add(-48 * time.Hour)} {
		ref := "pi_dash_" + strconv.Itoa(i)
		ev := revenue.Event{Provider: "stripe", ID: "evt_" + ref, Type: "checkout.session.completed", Kind: revenue.EventCheckoutCompleted, At: at,
			Payment: &revenue.Payment{Ref: ref, ChargeRef: ref, Amount: 2500, Currency: "eur", Frequency: revenue.OneTime}}
		if _, err := e.st.ApplyEvent(e.ctx, ev, []byte("sealed"), nil); err != nil {
			t.Fatal(err)
		}
	}
	// The env's goal counts the manual entries (the server adds the ledger).
	if err := e.st.AddManualEntry(e.ctx, &revenue.ManualEntry{Month: revenue.MonthStart(now), Amount: 30000, Currency: "EUR", Note: "Grant"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.EnqueueMail(e.ctx, mail.Message{To: "reader@example.org", Subject: "Receipt", Text: "Thanks", Kind: "receipt"}); err != nil {
		t.Fatal(err)
	}

	admin := e.tAuthSession(e.tAuthUser(account.RoleAdmin, ""))
	w := admin.get("/admin/")
	wantStatus(t, w, http.StatusOK)
	for _, block := range []struct{ name, want string }{
		{"drafts", "Draft about the port"},
		{"review", "Needs a second look"},
		{"scheduled", "goes live 5 March 2030, 11:00 Europe/Riga"},
		{"corrections", "The mayor&#39;s name was misspelled."},
		{"support today", "25.00 EUR <small>(1 gift)</small>"},
		{"support this month", "300.00 EUR of the 1000.00 EUR goal (30%)"},
		{"mail", "1 waiting to be sent"},
	} {
		if !strings.Contains(w.Body.String(), block.want) {
			t.Errorf("dashboard %s: lacks %q\n%s", block.name, block.want, w.Body)
		}
	}
	lackBody(t, w, "Published yesterday</a> <small>updated") // not a draft

	author := e.tAuthSession(e.tAuthUser(account.RoleAuthor, ""))
	w = author.get("/admin/")
	wantStatus(t, w, http.StatusOK)
	lackBody(t, w, "Needs a second look", "Mail waiting", "Support today")
}

// TestSectionDescription: an editor describes a section in the sections
// form; too long a description is refused with what was typed kept.
func TestSectionDescription(t *testing.T) {
	e := newEnv(t)
	editor := e.client(account.RoleEditor)
	wantBody(t, editor.get("/admin/sections"), `id="section-`+idStr(e.news.ID)+`-description"`, `id="new-description"`)
	fields := url.Values{"name": {"News"}, "slug": {"news"}, "order": {"0"}}
	long := strings.Repeat("word ", 61)
	fields.Set("description", long)
	w := editor.postForm("/admin/sections/"+idStr(e.news.ID), fields)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, strings.TrimSpace(long))
	fields.Set("description", "Reporting from the region, every day.")
	wantStatus(t, editor.postForm("/admin/sections/"+idStr(e.news.ID), fields), http.StatusSeeOther)
	sec, err := e.st.SectionBySlug(e.ctx, "news")
	if err != nil || sec.Description != "Reporting from the region, every day." {
		t.Errorf("stored %+v, %v; want the description", sec, err)
	}
	fields = url.Values{"name": {"Sport"}, "description": {"Matches and the people who play them."}}
	wantStatus(t, editor.postForm("/admin/sections", fields), http.StatusSeeOther)
	if sec, err := e.st.SectionBySlug(e.ctx, "sport"); err != nil || sec.Description != "Matches and the people who play them." {
		t.Errorf("new section %+v, %v; want its description", sec, err)
	}
}
