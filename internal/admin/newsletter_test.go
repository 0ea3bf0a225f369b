package admin

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/secret"
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

func TestAdminSendsArticleNewsletter(t *testing.T) {
	e := newsletterEnv(t)
	sec := content.Section{Slug: "news", Name: "News"}
	if err := e.st.CreateSection(e.ctx, &sec); err != nil {
		t.Fatal(err)
	}
	live := &content.Article{Headline: "Bridge tender annulled", Body: "Text.", Lang: "en", Status: content.StatusPublished,
		Section: sec, PublishedAt: e.clock.Now().Add(-time.Hour)}
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
	send := func(a *content.Article) url.Values { return url.Values{"article": {strconv.FormatInt(a.ID, 10)}} }

	author := e.tAuthSession(e.tAuthUser(account.RoleAuthor, ""))
	tAuthStatus(t, author.get("/admin/newsletters"), http.StatusForbidden)
	tAuthStatus(t, author.post("/admin/newsletters/send", send(live)), http.StatusForbidden)

	editor := e.tAuthSession(e.tAuthUser(account.RoleEditor, ""))
	w := editor.get("/admin/newsletters")
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, "Bridge tender annulled", "Send as newsletter", "1 confirmed subscriber")

	for _, tc := range []struct {
		name   string
		fields url.Values
		status int
	}{
		{"no CSRF token", url.Values{"article": {strconv.FormatInt(live.ID, 10)}, "csrf": {""}}, http.StatusForbidden},
		{"wrong CSRF token", url.Values{"article": {strconv.FormatInt(live.ID, 10)}, "csrf": {"forged"}}, http.StatusForbidden},
		{"draft", send(draft), http.StatusConflict},
		{"no article", url.Values{"article": {"x"}}, http.StatusBadRequest},
		{"missing article", url.Values{"article": {"999999"}}, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tAuthStatus(t, editor.post("/admin/newsletters/send", tc.fields), tc.status)
			if n := pending(); n != 0 {
				t.Fatalf("%d mails queued by a refused send", n)
			}
		})
	}

	w = editor.post("/admin/newsletters/send", send(live))
	tAuthStatus(t, w, http.StatusSeeOther)
	if n := pending(); n != 1 {
		t.Fatalf("%d mails queued, want 1", n)
	}
	w = editor.get(w.Header().Get("Location"))
	tAuthBody(t, w, "going out to 1 subscribers", "Sent")

	// A second click does not send again.
	w = editor.post("/admin/newsletters/send", send(live))
	tAuthStatus(t, w, http.StatusSeeOther)
	tAuthBody(t, editor.get(w.Header().Get("Location")), "already sent")
	if n := pending(); n != 1 {
		t.Fatalf("%d mails queued after a second click, want 1", n)
	}
}
