package admin

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/web"
)

// newsletterEnv is the admin with the real newsletters on its store and
// one confirmed breaking-news subscriber.
func newsletterEnv(t *testing.T) *tAuthEnv {
	t.Helper()
	e := tAuthNewEnv(t, "https://news.example.org")
	keys, err := secret.NewKeys(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e.st.SetSealer(secret.NewBox(keys))
	nl, err := mail.NewNewsletters(mail.NewslettersConfig{Store: e.st, Keys: keys, Web: web.FS,
		BaseURL: "https://news.example.org", Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.nl = nl
	if err := e.adm.SetNewsletters(nl, web.FS); err != nil {
		t.Fatal(err)
	}
	e.mux = http.NewServeMux()
	e.adm.Register(e.mux)
	if _, err := e.st.Subscribe(e.ctx, "reader@example.org", "en", []string{"breaking"}, "h", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ConfirmSubscription(e.ctx, "h", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return e
}

var confirmTokenRe = regexp.MustCompile(`name="confirm" value="([^"]+)"`)

// TestAdminSendsArticleNewsletter: an article goes to Breaking news only
// through compose, preview and a confirmation page that names the count;
// anything short of that queues nothing.
func TestAdminSendsArticleNewsletter(t *testing.T) {
	e := newsletterEnv(t)
	sec := content.Section{Slug: "news", Name: "News"}
	if err := e.st.CreateSection(e.ctx, &sec); err != nil {
		t.Fatal(err)
	}
	live := &content.Article{Headline: "Bridge tender annulled", Body: "## What now\n\n- one\n- two\n\n> A quote.", Lang: "en",
		Status: content.StatusPublished, Section: sec, PublishedAt: e.clock.Now().Add(-time.Hour)}
	draft := &content.Article{Headline: "Not yet", Body: "Text.", Lang: "en", Status: content.StatusDraft, Section: sec}
	for _, a := range []*content.Article{live, draft} {
		if err := e.svc.Create(e.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	pending := func() int {
		s, err := e.st.MailStats(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s.Pending
	}
	compose := func(a *content.Article) url.Values {
		return url.Values{"article": {strconv.FormatInt(a.ID, 10)}, "list": {"breaking"}, "lang": {"en"}, "subject": {a.Headline}}
	}

	author := e.tAuthSession(e.tAuthUser(account.RoleAuthor, ""))
	tAuthStatus(t, author.get("/admin/newsletters"), http.StatusForbidden)
	tAuthStatus(t, author.post("/admin/newsletters/new", compose(live)), http.StatusForbidden)

	editor := e.tAuthSession(e.tAuthUser(account.RoleEditor, ""))
	w := editor.get("/admin/newsletters")
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, "Bridge tender annulled", "Compose from this article", "1 confirmed subscriber")
	w = editor.get("/admin/newsletters/new?article=" + strconv.FormatInt(live.ID, 10))
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, `value="Bridge tender annulled"`, `<option value="breaking" selected>`)

	for _, tc := range []struct {
		name   string
		fields url.Values
		status int
		kept   string
	}{
		{"no CSRF token", url.Values{"subject": {"x"}, "list": {"breaking"}, "intro": {"x"}, "csrf": {""}}, http.StatusForbidden, ""},
		{"wrong CSRF token", url.Values{"subject": {"x"}, "list": {"breaking"}, "intro": {"x"}, "csrf": {"forged"}}, http.StatusForbidden, ""},
		{"draft article", compose(draft), http.StatusUnprocessableEntity, "Only a published article"},
		{"no subject", url.Values{"list": {"breaking"}, "lang": {"en"}, "intro": {"Typed *intro*"}}, http.StatusUnprocessableEntity, "Typed *intro*"},
		{"unknown list", url.Values{"list": {"gossip"}, "subject": {"Kept subject"}, "intro": {"x"}}, http.StatusUnprocessableEntity, `value="Kept subject"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := editor.post("/admin/newsletters/new", tc.fields)
			tAuthStatus(t, w, tc.status)
			if tc.kept != "" {
				tAuthBody(t, w, tc.kept)
			}
		})
	}
	reports, _ := e.st.IssueReports(e.ctx, 10)
	if len(reports) != 0 || pending() != 0 {
		t.Fatalf("refused forms left %d issues and %d mails", len(reports), pending())
	}

	w = editor.post("/admin/newsletters/new", compose(live))
	tAuthStatus(t, w, http.StatusSeeOther)
	page := strings.SplitN(w.Header().Get("Location"), "?", 2)[0]
	w = editor.get(page)
	tAuthStatus(t, w, http.StatusOK)
	// The text part is on the page; the HTML in a sandboxed frame.
	tAuthBody(t, w, `<iframe class="mail-preview" src="`+page+`/preview" sandbox=""`, "- one", "> A quote.", "Send a test to me")
	pw := editor.get(page + "/preview")
	tAuthStatus(t, pw, http.StatusOK)
	if csp := pw.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("preview CSP %q", csp)
	}
	tAuthBody(t, pw, "<h2", "<blockquote", "<li", ">Bridge tender annulled</a></h1>")

	// A POST without the confirmation page's token sends nothing.
	for _, tok := range []string{"", "forged"} {
		tAuthStatus(t, editor.post(page+"/send", url.Values{"confirm": {tok}}), http.StatusBadRequest)
	}
	if n := pending(); n != 0 {
		t.Fatalf("%d mails queued without confirmation", n)
	}
	w = editor.get(page + "/confirm")
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, "Send to 1 subscriber of Breaking news?")
	tok := confirmTokenRe.FindStringSubmatch(w.Body.String())
	if tok == nil {
		t.Fatal("no confirmation token on the confirm page")
	}
	// A schedule in the past is refused, with the time typed kept.
	w = editor.post(page+"/schedule", url.Values{"confirm": {tok[1]}, "at_date": {"2001-01-01"}, "at_time": {"10:00"}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "Choose a time in the future.", `value="2001-01-01"`, `value="10:00"`)

	w = editor.post(page+"/send", url.Values{"confirm": {tok[1]}})
	tAuthStatus(t, w, http.StatusSeeOther)
	if n := pending(); n != 1 {
		t.Fatalf("%d mails queued, want 1", n)
	}
	tAuthBody(t, editor.get(w.Header().Get("Location")), "going out to 1 subscribers of Breaking news", "sending")

	// The same confirmation again does not send again.
	tAuthStatus(t, editor.post(page+"/send", url.Values{"confirm": {tok[1]}}), http.StatusConflict)
	if n := pending(); n != 1 {
		t.Fatalf("%d mails queued after a second click, want 1", n)
	}
}

// TestAdminRefusesEmptyList: a list without subscribers in the issue's
// language cannot be sent to, and says why.
func TestAdminRefusesEmptyList(t *testing.T) {
	e := newsletterEnv(t)
	editor := e.tAuthSession(e.tAuthUser(account.RoleEditor, ""))
	w := editor.post("/admin/newsletters/new", url.Values{"list": {"daily"}, "lang": {"en"}, "subject": {"Hello"}, "intro": {"Words."}})
	tAuthStatus(t, w, http.StatusSeeOther)
	page := strings.SplitN(w.Header().Get("Location"), "?", 2)[0]
	w = editor.get(page + "/confirm")
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, "no confirmed subscribers in this language")
	if confirmTokenRe.MatchString(w.Body.String()) {
		t.Fatal("the confirm page offers to send to no one")
	}
	is, err := e.st.Issue(e.ctx, mustID(t, page))
	if err != nil {
		t.Fatal(err)
	}
	nl := e.newsletters(t)
	w = editor.post(page+"/send", url.Values{"confirm": {nl.ConfirmToken(is)}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "no confirmed subscribers in this language")
	if s, _ := e.st.MailStats(e.ctx); s.Pending != 0 {
		t.Fatalf("%d mails queued to an empty list", s.Pending)
	}
}

func mustID(t *testing.T, page string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(page[strings.LastIndexByte(page, '/')+1:], 10, 64)
	if err != nil {
		t.Fatalf("page %q: %v", page, err)
	}
	return id
}

func (e *tAuthEnv) newsletters(t *testing.T) *mail.Newsletters {
	t.Helper()
	if e.nl == nil {
		t.Fatal("no newsletters in this environment")
	}
	return e.nl
}

// TestAdminSchedulesNewsletterInNewsroomZone: the send time is typed as a
// date and a 24-hour time in the newsroom's zone, named next to the
// field, stored in UTC and shown back in that zone; a time that cannot be
// read or has passed is refused with what was typed kept.
func TestAdminSchedulesNewsletterInNewsroomZone(t *testing.T) {
	e := newsletterEnv(t)
	if err := e.st.SetSetting(e.ctx, store.SettingTimeZone, "Europe/Riga"); err != nil {
		t.Fatal(err)
	}
	editor := e.tAuthSession(e.tAuthUser(account.RoleEditor, ""))
	w := editor.post("/admin/newsletters/new", url.Values{"list": {"breaking"}, "lang": {"en"}, "subject": {"Morning"}, "intro": {"Words."}})
	tAuthStatus(t, w, http.StatusSeeOther)
	page := strings.SplitN(w.Header().Get("Location"), "?", 2)[0]
	w = editor.get(page + "/confirm")
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, `name="at_date"`, `name="at_time"`, "hh:mm, 24-hour, Europe/Riga")
	tok := confirmTokenRe.FindStringSubmatch(w.Body.String())
	if tok == nil {
		t.Fatal("no confirmation token on the confirm page")
	}
	// The test clock is 2030-03-04 09:00 UTC, 11:00 in Riga (winter, UTC+2).
	for _, tc := range []struct {
		name, date, clock, want string
	}{
		{"past in Riga, future in UTC", "2030-03-04", "10:30", "Choose a time in the future."},
		{"no time", "2030-03-05", "", "Enter a date with the time."},
		{"American date", "03/05/2030", "09:00", "Enter the date as yyyy-mm-dd"},
		{"12-hour clock", "2030-03-05", "9:00 PM", "Enter the time as hh:mm on a 24-hour clock"},
		{"spring gap", "2030-03-31", "03:30", "does not exist in Europe/Riga"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := editor.post(page+"/schedule", url.Values{"confirm": {tok[1]}, "at_date": {tc.date}, "at_time": {tc.clock}})
			tAuthStatus(t, w, http.StatusUnprocessableEntity)
			tAuthBody(t, w, tc.want, `value="`+template.HTMLEscapeString(tc.date)+`"`, `value="`+template.HTMLEscapeString(tc.clock)+`"`)
		})
	}
	if is, err := e.st.Issue(e.ctx, mustID(t, page)); err != nil || is.Status != mail.IssueDraft {
		t.Fatalf("after refused schedules: %+v, %v", is, err)
	}

	w = editor.post(page+"/schedule", url.Values{"confirm": {tok[1]}, "at_date": {"2030-03-05"}, "at_time": {"09:00"}})
	tAuthStatus(t, w, http.StatusSeeOther)
	is, err := e.st.Issue(e.ctx, mustID(t, page))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2030, 3, 5, 7, 0, 0, 0, time.UTC); is.Status != mail.IssueScheduled || !is.ScheduledAt.Equal(want) {
		t.Fatalf("scheduled %s at %v, want %v", is.Status, is.ScheduledAt.UTC(), want)
	}
	// Shown back in Riga's time: the list of sends, the issue's report.
	shown := `<time datetime="2030-03-05T07:00:00Z">5 March 2030, 09:00 Europe/Riga</time>`
	tAuthBody(t, editor.get("/admin/newsletters"), shown)
	tAuthBody(t, editor.get(page), shown)

	// The dashboard's mail waiting: another issue sent now (09:00 UTC,
	// 11:00 in Riga) waits in the outbox.
	admin := e.tAuthSession(e.tAuthUser(account.RoleAdmin, ""))
	w = admin.post("/admin/newsletters/new", url.Values{"list": {"breaking"}, "lang": {"en"}, "subject": {"Now"}, "intro": {"Words."}})
	tAuthStatus(t, w, http.StatusSeeOther)
	now := strings.SplitN(w.Header().Get("Location"), "?", 2)[0]
	is, err = e.st.Issue(e.ctx, mustID(t, now))
	if err != nil {
		t.Fatal(err)
	}
	tAuthStatus(t, admin.post(now+"/send", url.Values{"confirm": {e.newsletters(t).ConfirmToken(is)}}), http.StatusSeeOther)
	tAuthBody(t, admin.get("/admin/"), "1 waiting to be sent", "oldest waiting since 4 March 2030, 11:00 Europe/Riga")
}
