package admin

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
)

// TestTranslationLinks links articles through the edit page's form and
// checks what each edit page shows, and what is refused.
func TestTranslationLinks(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	pub := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	en := e.create(&content.Article{Headline: "Ferry service resumes", Slug: "ferry-resumes", Lang: "en",
		Status: content.StatusPublished, PublishedAt: pub})
	ru := e.create(&content.Article{Headline: "Паром снова ходит", Slug: "parom", Lang: "ru", Status: content.StatusDraft})
	en2 := e.create(&content.Article{Headline: "Bridge closed", Slug: "bridge-closed", Lang: "en", Status: content.StatusDraft})
	ru2 := e.create(&content.Article{Headline: "Мост закрыт", Slug: "most", Lang: "ru", Status: content.StatusDraft})

	refusals := []struct {
		name, ref, want string
	}{
		{"itself", strconv.FormatInt(en.ID, 10), "That is this article"},
		{"same language by ID", strconv.FormatInt(en2.ID, 10), "a translation must be in another language"},
		{"same language by address", "https://example.test" + en2.Path(), "a translation must be in another language"},
		{"unknown", "no-such-article", "No article has the ID or address “no-such-article”."},
		{"empty", " ", "Type the ID or the address"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			w := ed.postForm(path(en, "/translation"), url.Values{"translation": {tt.ref}})
			wantStatus(t, w, http.StatusUnprocessableEntity)
			body := html.UnescapeString(w.Body.String())
			if !strings.Contains(body, tt.want) {
				t.Errorf("refusal lacks %q:\n%s", tt.want, body)
			}
			if ref := tt.ref; ref != " " && !strings.Contains(body, `value="`+ref+`"`) {
				t.Errorf("the typed value %q is not kept in the form", ref)
			}
			if got := e.article(en.ID).Translations; len(got) != 0 {
				t.Errorf("refused link stored: %+v", got)
			}
		})
	}

	// Linked by the Russian article's public address: both edit pages
	// show the other, with its language and whether it is live.
	w := ed.postForm(path(en, "/translation"), url.Values{"translation": {"https://example.test/ru" + ru.Path()}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != path(en, "?done=Translation+linked.") {
		t.Fatalf("link: got %d to %q; body:\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	w = ed.get(path(en, "?done=Translation+linked."))
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "Translation linked.", `<a href="/admin/articles/`+strconv.FormatInt(ru.ID, 10)+`">Паром снова ходит</a>`, "Русский", "not live yet")
	w = ed.get(path(ru, ""))
	wantBody(t, w, `<a href="/admin/articles/`+strconv.FormatInt(en.ID, 10)+`">Ferry service resumes</a>`, "English", "live on the site")

	// A second Russian article cannot join: the language is taken.
	w = ed.postForm(path(ru2, "/translation"), url.Values{"translation": {strconv.FormatInt(en.ID, 10)}})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "“Ferry service resumes” is already linked to another article")
	w = ed.postForm(path(en, "/translation"), url.Values{"translation": {"most"}})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "This article already has a translation in Русский: “Паром снова ходит”. Unlink it first.", `value="most"`)

	// Unlinking from either side leaves neither linked.
	w = ed.postForm(path(ru, "/translation/unlink"), url.Values{"other": {strconv.FormatInt(en.ID, 10)}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("unlink: %d; body:\n%s", w.Code, w.Body)
	}
	if got := e.article(en.ID).Translations; len(got) != 0 {
		t.Errorf("after unlinking, the English article still has %+v", got)
	}
	lackBody(t, ed.get(path(ru, "")), "Ferry service resumes")

	// An author may not link an article they may not edit.
	au := e.client(account.RoleAuthor)
	w = au.postForm(path(en2, "/translation"), url.Values{"translation": {strconv.FormatInt(ru2.ID, 10)}})
	wantStatus(t, w, http.StatusForbidden)
	// Without the CSRF token nothing is linked.
	w = ed.postForm(path(en2, "/translation"), url.Values{"translation": {strconv.FormatInt(ru2.ID, 10)}, "csrf": {"wrong"}})
	wantStatus(t, w, http.StatusForbidden)
	if got := e.article(en2.ID).Translations; len(got) != 0 {
		t.Errorf("link without CSRF stored: %+v", got)
	}
}
