package admin

import (
	"context"
	"fmt"
	"github.com/samizdat-press/samizdat/internal/media"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/wire/wiretest"
	"github.com/samizdat-press/samizdat/web"
)

// taxEnv is an admin over a fresh SQLite store that counts OnSettings
// calls (the site reloading and dropping its page cache).
type taxEnv struct {
	t      *testing.T
	ctx    context.Context
	st     *store.Store
	svc    *content.Service
	mux    *http.ServeMux
	served *wiretest.Server // mux behind the production listener, started on first use
	called int
}

func newTaxEnv(t *testing.T) *taxEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	e := &taxEnv{t: t, ctx: ctx, st: st, svc: content.NewService(st, content.NewRenderer()), mux: http.NewServeMux()}
	images, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Store: st, Content: e.svc, Images: images, Web: web.FS, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		BaseURL: "http://example.test", SiteName: "Test", AssetURL: func(n string) string { return "/static/x/" + n },
		OnSettings: func(context.Context) { e.called++ }})
	if err != nil {
		t.Fatalf("admin.New: %v", err)
	}
	a.Register(e.mux)
	return e
}

// taxClient is a browser signed in by a session made directly in the store.
type taxClient struct {
	e     *taxEnv
	token string
	id    int64 // the account's
}

func (e *taxEnv) signIn(role account.Role) *taxClient {
	e.t.Helper()
	u := account.User{Email: fmt.Sprintf("%s-%d@example.org", role, time.Now().UnixNano()), Role: role}
	if err := e.st.CreateUser(e.ctx, &u); err != nil {
		e.t.Fatalf("CreateUser: %v", err)
	}
	raw := fmt.Sprintf("raw-%s-%d", role, u.ID)
	now := time.Now().UTC()
	if err := e.st.CreateSession(e.ctx, account.Session{TokenHash: account.HashToken(raw), UserID: u.ID, CSRFToken: "tok",
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		e.t.Fatalf("CreateSession: %v", err)
	}
	return &taxClient{e: e, token: raw, id: u.ID}
}

func (c *taxClient) do(req *http.Request) *httptest.ResponseRecorder {
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.token})
	if c.e.served == nil {
		c.e.served = wiretest.Start(c.e.t, c.e.mux, nil)
	}
	return c.e.served.Do(c.e.t, req)
}

func (c *taxClient) get(target string) *httptest.ResponseRecorder {
	return c.do(httptest.NewRequest(http.MethodGet, target, nil))
}

// post sends a urlencoded form with the session's CSRF token; kv are
// name, value pairs.
func (c *taxClient) post(target string, kv ...string) *httptest.ResponseRecorder {
	v := url.Values{"csrf": {"tok"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (e *taxEnv) section(slug, name string) content.Section {
	e.t.Helper()
	s := content.Section{Slug: slug, Name: name}
	if err := e.st.CreateSection(e.ctx, &s); err != nil {
		e.t.Fatalf("CreateSection: %v", err)
	}
	return s
}

func (e *taxEnv) article(headline string, sec content.Section, tags ...string) *content.Article {
	e.t.Helper()
	a := &content.Article{Headline: headline, Lang: "en", Status: content.StatusPublished, Section: sec,
		PublishedAt: time.Now().Add(-time.Hour).Truncate(time.Second)}
	for _, name := range tags {
		a.Tags = append(a.Tags, content.Tag{Name: name})
	}
	if err := e.svc.Create(e.ctx, a); err != nil {
		e.t.Fatalf("Create: %v", err)
	}
	return a
}

func (e *taxEnv) tagID(slug string) int64 {
	e.t.Helper()
	tag, err := e.st.TagBySlug(e.ctx, slug)
	if err != nil {
		e.t.Fatalf("TagBySlug(%q): %v", slug, err)
	}
	return tag.ID
}

func expectStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status = %d, want %d; body:\n%s", w.Code, status, w.Body.String())
	}
}

func expectRedirect(t *testing.T, w *httptest.ResponseRecorder, to string) {
	t.Helper()
	expectStatus(t, w, http.StatusSeeOther)
	if got := w.Header().Get("Location"); got != to {
		t.Fatalf("Location = %q, want %q", got, to)
	}
}

func expectBody(t *testing.T, w *httptest.ResponseRecorder, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(w.Body.String(), s) {
			t.Errorf("body lacks %q; body:\n%s", s, w.Body.String())
		}
	}
}

func TestSectionsCreateUpdateDelete(t *testing.T) {
	e := newTaxEnv(t)
	ed := e.signIn(account.RoleEditor)

	w := ed.post("/admin/sections", "name", "World News", "slug", "", "order", "3")
	expectRedirect(t, w, "/admin/sections?done=Saved")
	world, err := e.st.SectionBySlug(e.ctx, "world-news")
	if err != nil || world.Name != "World News" || world.Order != 3 {
		t.Fatalf("created section = %+v, %v", world, err)
	}
	if e.called != 1 {
		t.Errorf("OnSettings called %d times after create, want 1", e.called)
	}

	w = ed.get("/admin/sections?done=Saved")
	expectStatus(t, w, http.StatusOK)
	expectBody(t, w, `role="status">Saved<`, `<table>`, `value="World News"`, `<label for="new-name">Name</label>`,
		`name="csrf" value="tok"`, fmt.Sprintf(`action="/admin/sections/%d"`, world.ID))

	// A reserved slug: the content message next to the field, input kept.
	w = ed.post("/admin/sections", "name", "Admin desk <b>", "slug", "admin", "order", "x")
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, `Slug: &#34;admin&#34; is used by the site itself.`, `value="Admin desk &lt;b&gt;"`, `value="admin"`,
		`id="new-slug"`, `new-slug-error"`, `aria-invalid="true"`, `Order must be a whole number`, `value="x"`)
	if e.called != 1 {
		t.Errorf("a refused form called OnSettings")
	}

	// Invalid slug and a missing name on an existing section's row.
	w = ed.post(fmt.Sprintf("/admin/sections/%d", world.ID), "name", "", "slug", "Bad Slug", "order", "1")
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, `Slug must be lowercase letters, digits and hyphens.`, `Name is required.`, `value="Bad Slug"`,
		fmt.Sprintf(`id="section-%d-slug-error"`, world.ID))

	// Duplicate slug.
	e.section("culture", "Culture")
	w = ed.post(fmt.Sprintf("/admin/sections/%d", world.ID), "name", "World", "slug", "culture", "order", "1")
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, `Another section already has this slug.`)

	w = ed.post(fmt.Sprintf("/admin/sections/%d", world.ID), "name", "World", "slug", "world", "order", "-2")
	expectRedirect(t, w, "/admin/sections?done=Saved")
	if got, err := e.st.SectionBySlug(e.ctx, "world"); err != nil || got.Name != "World" || got.Order != -2 {
		t.Errorf("updated section = %+v, %v", got, err)
	}
	if e.called != 2 {
		t.Errorf("OnSettings called %d times after update, want 2", e.called)
	}

	// Delete is refused while articles are in the section.
	world.Slug = "world"
	e.article("One", world)
	e.article("Two", world)
	w = ed.post(fmt.Sprintf("/admin/sections/%d", world.ID), "action", "delete")
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, "move its 2 articles first")
	if _, err := e.st.SectionBySlug(e.ctx, "world"); err != nil {
		t.Errorf("refused delete removed the section: %v", err)
	}

	culture, _ := e.st.SectionBySlug(e.ctx, "culture")
	w = ed.post(fmt.Sprintf("/admin/sections/%d", culture.ID), "action", "delete")
	expectRedirect(t, w, "/admin/sections?done=Deleted")
	if _, err := e.st.SectionBySlug(e.ctx, "culture"); err == nil {
		t.Errorf("section not deleted")
	}
	if e.called != 3 {
		t.Errorf("OnSettings called %d times after delete, want 3", e.called)
	}

	for _, target := range []string{"/admin/sections/999", "/admin/sections/abc"} {
		expectStatus(t, ed.post(target, "name", "X", "slug", "x"), http.StatusNotFound)
		expectStatus(t, ed.post(target, "name", "", "slug", "x"), http.StatusNotFound)
	}
	expectStatus(t, ed.post("/admin/sections/999", "action", "delete"), http.StatusNotFound)
}

func TestTagsListRenameDelete(t *testing.T) {
	e := newTaxEnv(t)
	ed := e.signIn(account.RoleEditor)
	news := e.section("news", "News")
	a1 := e.article("One", news, "Elections", "Courts")
	e.article("Two", news, "Elections")

	w := ed.get("/admin/tags")
	expectStatus(t, w, http.StatusOK)
	expectBody(t, w, `<table>`, `value="Elections"`, `<code>/tag/elections/</code>`, `<td>2</td>`, `<td>1</td>`,
		`takes it off 2 articles`)

	el := e.tagID("elections")
	w = ed.post(fmt.Sprintf("/admin/tags/%d", el), "name", "ELECTIONS")
	expectRedirect(t, w, "/admin/tags?done=Saved")
	if tag, _ := e.st.TagBySlug(e.ctx, "elections"); tag.Name != "ELECTIONS" {
		t.Errorf("renamed tag = %+v", tag)
	}
	if e.called != 1 {
		t.Errorf("OnSettings called %d times after rename, want 1", e.called)
	}

	// A live tag keeps its address: a new name needing another is refused.
	w = ed.post(fmt.Sprintf("/admin/tags/%d", el), "name", "Votes")
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, `value="Votes"`, `/tag/elections/ must keep working`, fmt.Sprintf(`id="tag-%d-name-error"`, el), `aria-invalid="true"`)
	w = ed.post(fmt.Sprintf("/admin/tags/%d", el), "name", "  ")
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, `Name is required.`)

	w = ed.post(fmt.Sprintf("/admin/tags/%d", el), "action", "delete")
	expectRedirect(t, w, "/admin/tags?done=Deleted")
	if _, err := e.st.TagBySlug(e.ctx, "elections"); err == nil {
		t.Errorf("tag not deleted")
	}
	got, err := e.st.ArticleByID(e.ctx, a1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tags) != 1 || got.Tags[0].Slug != "courts" {
		t.Errorf("article tags after delete = %+v", got.Tags)
	}
	if e.called != 2 {
		t.Errorf("OnSettings called %d times after delete, want 2", e.called)
	}
	expectStatus(t, ed.post(fmt.Sprintf("/admin/tags/%d", el), "action", "delete"), http.StatusNotFound)
	expectStatus(t, ed.post(fmt.Sprintf("/admin/tags/%d", el), "name", "Anything"), http.StatusNotFound)
}

func TestAuthorsCreateUpdate(t *testing.T) {
	e := newTaxEnv(t)
	ed := e.signIn(account.RoleEditor)

	w := ed.post("/admin/authors", "name", "Anna Petrova", "slug", "", "bio", "Covers\r\ncourts.")
	expectRedirect(t, w, "/admin/authors?done=Saved")
	anna, err := e.st.AuthorBySlug(e.ctx, "anna-petrova")
	if err != nil || anna.Bio != "Covers\ncourts." {
		t.Fatalf("created author = %+v, %v", anna, err)
	}
	if e.called != 0 {
		t.Errorf("a new byline, on no page yet, purged the site")
	}

	w = ed.post("/admin/authors", "name", "Anna Smith", "slug", "anna-petrova", "bio", "Another Anna.")
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, `Another byline already has this slug.`, `value="Anna Smith"`, `>Another Anna.</textarea>`,
		`aria-describedby="new-slug-help new-slug-error"`)

	w = ed.get("/admin/authors")
	expectStatus(t, w, http.StatusOK)
	expectBody(t, w, `<table>`, `value="Anna Petrova"`, fmt.Sprintf(`<label for="author-%d-bio" class="vh">`, anna.ID))

	w = ed.post(fmt.Sprintf("/admin/authors/%d", anna.ID), "name", "Anna P. Petrova", "slug", "anna", "bio", "")
	expectRedirect(t, w, "/admin/authors?done=Saved")
	if got, err := e.st.AuthorBySlug(e.ctx, "anna"); err != nil || got.Name != "Anna P. Petrova" || got.Bio != "" {
		t.Errorf("updated author = %+v, %v", got, err)
	}
	if e.called != 1 {
		t.Errorf("OnSettings called %d times after update, want 1", e.called)
	}

	boris := content.Author{Slug: "boris", Name: "Boris"}
	if err := e.st.CreateAuthor(e.ctx, &boris); err != nil {
		t.Fatal(err)
	}
	w = ed.post(fmt.Sprintf("/admin/authors/%d", boris.ID), "name", "Boris Ivanov", "slug", "anna", "bio", "x")
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, `Another byline already has this slug.`, `value="Boris Ivanov"`, fmt.Sprintf(`id="author-%d-slug-error"`, boris.ID))
	w = ed.post(fmt.Sprintf("/admin/authors/%d", boris.ID), "name", strings.Repeat("B", 101), "slug", "boris", "bio", strings.Repeat("x", 2001))
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, `Name is too long (101 characters, at most 100).`, `Biography is too long (2001 characters, at most 2000).`)
	expectStatus(t, ed.post("/admin/authors/999", "name", "X", "slug", "x"), http.StatusNotFound)
}

func TestTaxonomyAccess(t *testing.T) {
	e := newTaxEnv(t)
	news := e.section("news", "News")
	author := e.signIn(account.RoleAuthor)
	for _, target := range []string{"/admin/sections", "/admin/tags", "/admin/authors"} {
		expectStatus(t, author.get(target), http.StatusForbidden)
	}
	expectStatus(t, author.post("/admin/sections", "name", "X"), http.StatusForbidden)
	expectStatus(t, author.post(fmt.Sprintf("/admin/sections/%d", news.ID), "action", "delete"), http.StatusForbidden)
	expectStatus(t, author.post("/admin/authors", "name", "X"), http.StatusForbidden)
	if _, err := e.st.SectionBySlug(e.ctx, "news"); err != nil {
		t.Errorf("an author deleted a section: %v", err)
	}

	admin := e.signIn(account.RoleAdmin)
	for _, target := range []string{"/admin/sections", "/admin/tags", "/admin/authors"} {
		expectStatus(t, admin.get(target), http.StatusOK)
	}

	// A form without the session's CSRF token is refused.
	ed := e.signIn(account.RoleEditor)
	req := httptest.NewRequest(http.MethodPost, "/admin/sections", strings.NewReader("name=X&csrf=wrong"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	expectStatus(t, ed.do(req), http.StatusForbidden)

	// Signed out: sent to sign in.
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/admin/tags", nil))
	expectStatus(t, w, http.StatusSeeOther)
}
