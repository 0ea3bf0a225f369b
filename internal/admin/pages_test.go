package admin

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
)

var savedPageRe = regexp.MustCompile(`^/admin/pages/(\d+)\?done=Saved$`)

func pageFields(kv ...string) url.Values {
	v := url.Values{"title": {"About us"}, "slug": {""}, "lang": {"en"}, "body": {"We are **independent**."},
		"status": {"published"}, "menu_order": {"1"}, "translation_of": {"0"}, "action": {"save"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func (e *env) savedPage(w interface {
	Header() http.Header
}, code int) *content.Page {
	e.t.Helper()
	m := savedPageRe.FindStringSubmatch(w.Header().Get("Location"))
	if code != http.StatusSeeOther || m == nil {
		e.t.Fatalf("save: %d to %q, want 303 to the saved page", code, w.Header().Get("Location"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	p, err := e.st.PageByID(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// TestAdminPages: an editor creates a page from the form, edits it, links
// its translation, sees its revisions and restores one; every refused save
// says what is wrong and keeps what was typed; a stale form is refused; a
// preview saves nothing; a form without the CSRF token changes nothing.
func TestAdminPages(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	wantBody(t, ed.get("/admin/pages"), "No pages yet.")

	w := ed.postForm("/admin/pages/new", pageFields())
	about := e.savedPage(w, w.Code)
	if about.Slug != "about-us" || about.Lang != "en" || about.MenuOrder != 1 || !about.Live() ||
		!strings.Contains(about.BodyHTML, "<strong>independent</strong>") {
		t.Errorf("created page %+v", about)
	}
	wantBody(t, ed.get("/admin/pages"), "About us", "/about-us/")
	w = ed.get(fmt.Sprintf("/admin/pages/%d", about.ID))
	wantBody(t, w, `value="About us"`, "We are **independent**.", `href="/about-us/"`)

	// Refused saves keep every field as typed.
	for _, tc := range []struct {
		name   string
		fields url.Values
		want   string
	}{
		{"a section's address", pageFields("title", "Our newsroom", "slug", "news", "body", "Typed *text* to keep"),
			"A section has this address. Change the slug."},
		{"taken", pageFields("title", "Our newsroom", "slug", "about-us", "body", "Typed *text* to keep"),
			"Another page in this language already has this address. Change the slug."},
		{"reserved", pageFields("title", "Our newsroom", "slug", "support", "body", "Typed *text* to keep"),
			`"support" is used by the site itself`},
		{"a year", pageFields("title", "Our newsroom", "slug", "2024", "body", "Typed *text* to keep"),
			"Addresses of digits only belong to the archive's dates."},
		{"no title", pageFields("title", " ", "slug", "our-newsroom", "body", "Typed *text* to keep"), "Title is required."},
		{"bad menu order", pageFields("title", "Our newsroom", "menu_order", "first", "body", "Typed *text* to keep"),
			"The menu order is a whole number from 0 (not in the menu) to 1,000."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := ed.postForm("/admin/pages/new", tc.fields)
			wantStatus(t, w, http.StatusUnprocessableEntity)
			body := html.UnescapeString(w.Body.String())
			for _, want := range []string{tc.want, "Typed *text* to keep", `value="` + strings.TrimSpace(tc.fields.Get("slug"))} {
				if !strings.Contains(body, want) {
					t.Errorf("no %q in the refused form", want)
				}
			}
			if tc.fields.Get("menu_order") == "first" && !strings.Contains(body, `value="first"`) {
				t.Error("the bad menu order was not kept")
			}
		})
	}
	if ps, _ := e.st.Pages(e.ctx); len(ps) != 1 {
		t.Errorf("%d pages after refused saves, want 1", len(ps))
	}

	// A preview renders and saves nothing.
	w = ed.postForm("/admin/pages/new", pageFields("title", "Preview only", "body", "A *preview* <script>x()</script>", "action", "preview"))
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "A <em>preview</em>")
	if strings.Contains(w.Body.String(), "<script>x()") {
		t.Error("the preview let a script through")
	}

	// The Russian version, linked to the English one.
	w = ed.postForm("/admin/pages/new", pageFields("title", "О нас", "slug", "o-nas", "lang", "ru", "body", "Мы независимы.",
		"translation_of", strconv.FormatInt(about.ID, 10)))
	ru := e.savedPage(w, w.Code)
	if ru.TranslationOf != about.ID {
		t.Errorf("Russian page translates %d, want %d", ru.TranslationOf, about.ID)
	}

	// An edit, then a stale edit of the same version.
	edit := pageFields("title", "Who we are", "slug", "about-us", "version", "1", "body", "Independent since 2019.")
	w = ed.postForm(fmt.Sprintf("/admin/pages/%d", about.ID), edit)
	if got := e.savedPage(w, w.Code); got.Title != "Who we are" || got.Version != 2 {
		t.Errorf("edited page %+v", got)
	}
	edit.Set("body", "My stale text")
	w = ed.postForm(fmt.Sprintf("/admin/pages/%d", about.ID), edit)
	wantStatus(t, w, http.StatusConflict)
	wantBody(t, w, "Someone else saved this page since you opened it.", "My stale text")

	// Revisions and restoring.
	w = ed.get(fmt.Sprintf("/admin/pages/%d/revisions", about.ID))
	wantBody(t, w, "About us", "Who we are", ed.u.Email, "Restore version 1")
	w = ed.postForm(fmt.Sprintf("/admin/pages/%d/restore", about.ID), url.Values{"version": {"1"}})
	wantStatus(t, w, http.StatusSeeOther)
	if got, _ := e.st.PageByID(e.ctx, about.ID); got.Title != "About us" || got.Version != 3 || got.Body != "We are **independent**." {
		t.Errorf("after restoring version 1: %+v", got)
	}

	// No CSRF token: refused, nothing saved.
	w = ed.postForm("/admin/pages/new", pageFields("title", "Forged", "slug", "forged", "csrf", "wrong"))
	if w.Code != http.StatusForbidden {
		t.Errorf("a form with a wrong CSRF token: %d, want 403", w.Code)
	}
	if _, err := e.st.PageBySlug(e.ctx, "en", "forged"); err == nil {
		t.Error("a form with a wrong CSRF token created a page")
	}
	// Authors do not edit pages.
	if w := e.client(account.RoleAuthor).get("/admin/pages"); w.Code != http.StatusForbidden {
		t.Errorf("an author on /admin/pages: %d, want 403", w.Code)
	}
}

// TestAdminRedirects: an editor adds and deletes redirects; an old
// address that is a live page, an off-site http target and a loop are
// refused with the form kept; a form without the CSRF token changes
// nothing.
func TestAdminRedirects(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	if err := e.st.CreatePage(e.ctx, &content.Page{Slug: "about", Lang: "en", Title: "About", Status: content.StatusPublished}); err != nil {
		t.Fatal(err)
	}
	art := e.create(&content.Article{Headline: "Ferry resumes", Slug: "ferry", Status: content.StatusPublished,
		PublishedAt: time.Now().Add(-time.Hour).UTC().Truncate(time.Second)})
	wantBody(t, ed.get("/admin/redirects"), "No redirects yet.")

	w := ed.postForm("/admin/redirects", url.Values{"from": {"/?p=12&utm_source=x"}, "to": {"/about/"}})
	wantStatus(t, w, http.StatusSeeOther)
	w = ed.postForm("/admin/redirects", url.Values{"from": {"/old/ferry/"}, "to": {art.Path()}})
	wantStatus(t, w, http.StatusSeeOther)
	if to, ok, _ := e.st.RedirectFor(e.ctx, "/?p=12"); !ok || to != "/about/" {
		t.Errorf("RedirectFor(/?p=12) = %q, %v", to, ok)
	}
	w = ed.get("/admin/redirects")
	wantBody(t, w, "/?p=12", "/old/ferry", art.Path(), "admin")

	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"a live page", "/about/", "/old/", "Readers find a page at /about now"},
		{"a live article", art.Path(), "/about/", "Readers find a page at " + art.Path() + " now"},
		{"a section front", "/news", "/about/", "Readers find a page at /news now"},
		{"the home page", "/", "/about/", "Readers find a page at / now"},
		{"off-site http", "/x/", "http://example.net/", "The new address must be a path on this site"},
		{"not a path", "old/ferry", "/about/", "The old address must be a path on this site, starting with /."},
		{"a loop", "/ferry-story/", "/old/ferry", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "a loop" {
				// /old/ferry → the article; make the article's old name point back.
				if err := e.st.PutRedirect(e.ctx, "/back/", "/ferry-story/", "admin"); err != nil {
					t.Fatal(err)
				}
				tc.to, tc.want = "/back/", "This redirect would go round in a loop"
			}
			w := ed.postForm("/admin/redirects", url.Values{"from": {tc.from}, "to": {tc.to}})
			wantStatus(t, w, http.StatusUnprocessableEntity)
			body := html.UnescapeString(w.Body.String())
			for _, want := range []string{tc.want, `value="` + tc.from + `"`, `value="` + tc.to + `"`} {
				if !strings.Contains(body, want) {
					t.Errorf("no %q in the refused form", want)
				}
			}
		})
	}

	// Delete: without the token refused, with it gone.
	w = ed.postForm("/admin/redirects/delete", url.Values{"from": {"/old/ferry"}, "csrf": {"wrong"}})
	if w.Code != http.StatusForbidden {
		t.Errorf("delete with a wrong CSRF token: %d, want 403", w.Code)
	}
	if _, ok, _ := e.st.RedirectFor(e.ctx, "/old/ferry"); !ok {
		t.Fatal("a forged delete removed the redirect")
	}
	w = ed.postForm("/admin/redirects/delete", url.Values{"from": {"/old/ferry"}})
	wantStatus(t, w, http.StatusSeeOther)
	if _, ok, _ := e.st.RedirectFor(e.ctx, "/old/ferry"); ok {
		t.Error("the redirect is still there after deleting it")
	}
}

// TestRussianPageAdmin: the pages and redirects admin speak Russian to a
// Russian editor.
func TestRussianPageAdmin(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	if err := e.st.SetUserLang(e.ctx, ed.u.ID, "ru"); err != nil {
		t.Fatal(err)
	}
	p := &content.Page{Slug: "o-nas", Lang: "ru", Title: "О нас", Body: "Мы.", Status: content.StatusPublished, MenuOrder: 1}
	if err := e.st.CreatePage(e.ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := e.st.PutRedirect(e.ctx, "/?p=1", "/ru/o-nas/", "wordpress"); err != nil {
		t.Fatal(err)
	}
	data := []string{ed.u.Email, "Markdown", "wordpress", "Test"}
	for _, path := range []string{"/admin/pages", "/admin/pages/new", fmt.Sprintf("/admin/pages/%d", p.ID),
		fmt.Sprintf("/admin/pages/%d/revisions", p.ID), "/admin/redirects"} {
		t.Run(path, func(t *testing.T) { wantRussian(t, ed.get(path), http.StatusOK, data...) })
	}
	w := ed.postForm("/admin/pages/new", pageFields("title", "Новости", "slug", "news", "lang", "ru"))
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "Это адрес раздела. Измените слаг.")
}
