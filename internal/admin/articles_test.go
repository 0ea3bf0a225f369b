package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/wire/wiretest"
	"github.com/samizdat-press/samizdat/web"
)

// env is one admin over a fresh SQLite store, with a section and two bylines.
type env struct {
	t        *testing.T
	ctx      context.Context
	st       *store.Store
	svc      *content.Service
	adm      *Admin
	mux      *http.ServeMux
	served   *wiretest.Server // mux behind the production listener, started on first use
	mediaDir string
	media    *media.Dir
	news     content.Section
	culture  content.Section
	anna     content.Author
	boris    content.Author
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "samizdat.db"))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	mediaDir := t.TempDir()
	md, err := media.NewDir(mediaDir)
	if err != nil {
		t.Fatalf("media.NewDir: %v", err)
	}
	svc := content.NewService(st, content.NewRenderer())
	adm, err := New(Config{Store: st, Content: svc, Images: md, Web: web.FS,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "http://example.test", SiteName: "Test",
		AssetURL: func(n string) string { return "/static/x/" + n }})
	if err != nil {
		t.Fatalf("admin.New: %v", err)
	}
	mux := http.NewServeMux()
	adm.Register(mux)
	e := &env{t: t, ctx: ctx, st: st, svc: svc, adm: adm, mux: mux, mediaDir: mediaDir, media: md,
		news: content.Section{Slug: "news", Name: "News"}, culture: content.Section{Slug: "culture", Name: "Culture", Order: 1},
		anna: content.Author{Slug: "anna", Name: "Anna Petrova"}, boris: content.Author{Slug: "boris", Name: "Boris Ivanov"}}
	for _, s := range []*content.Section{&e.news, &e.culture} {
		if err := st.CreateSection(ctx, s); err != nil {
			t.Fatalf("CreateSection: %v", err)
		}
	}
	for _, a := range []*content.Author{&e.anna, &e.boris} {
		if err := st.CreateAuthor(ctx, a); err != nil {
			t.Fatalf("CreateAuthor: %v", err)
		}
	}
	return e
}

// client is a signed-in browser: a session made directly in the store,
// which is much faster than signing in through argon2.
type client struct {
	e     *env
	u     account.User
	token string
	csrf  string
}

func (e *env) client(role account.Role) *client {
	e.t.Helper()
	u := account.User{Email: fmt.Sprintf("%s%d@example.org", role, time.Now().UnixNano()), Role: role}
	if err := e.st.CreateUser(e.ctx, &u); err != nil {
		e.t.Fatalf("CreateUser: %v", err)
	}
	raw, hash, err := account.NewToken()
	if err != nil {
		e.t.Fatal(err)
	}
	csrf, _, err := account.NewToken()
	if err != nil {
		e.t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := e.st.CreateSession(e.ctx, account.Session{TokenHash: hash, UserID: u.ID, CSRFToken: csrf,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(account.SessionAbsolute)}); err != nil {
		e.t.Fatalf("CreateSession: %v", err)
	}
	return &client{e: e, u: u, token: raw, csrf: csrf}
}

func (c *client) do(req *http.Request) *httptest.ResponseRecorder {
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.token})
	if c.e.served == nil {
		c.e.served = wiretest.Start(c.e.t, c.e.mux, nil)
	}
	return c.e.served.Do(c.e.t, req)
}

func (c *client) get(path string) *httptest.ResponseRecorder {
	return c.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends a multipart form, as the editor's browser does, with the
// session's CSRF token and, if photo is not nil, a file in "image".
func (c *client) post(path string, fields url.Values, photo []byte) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if !fields.Has("csrf") {
		mw.WriteField("csrf", c.csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if photo != nil {
		fw, _ := mw.CreateFormFile("image", "photo.png")
		fw.Write(photo)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://example.com")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// postForm sends an ordinary url-encoded form.
func (c *client) postForm(path string, fields url.Values) *httptest.ResponseRecorder {
	fields = cloneValues(fields)
	if !fields.Has("csrf") {
		fields.Set("csrf", c.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// fields is a valid draft for the editor form, with changes.
func (e *env) fields(kv ...string) url.Values {
	v := url.Values{
		"headline": {"Ferry service resumes"}, "dek": {"After three weeks"}, "body": {"The ferry *sails* again."},
		"section": {strconv.FormatInt(e.news.ID, 10)}, "lang": {"en"}, "status": {"draft"}, "action": {"save"},
		"tags": {"Transport, Islands"}, "authors": {strconv.FormatInt(e.anna.ID, 10)},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var savedRe = regexp.MustCompile(`^/admin/articles/(\d+)\?done=Saved(&webp=[^&]*)?$`)

// saved checks that w is the redirect after a save and returns the article.
func (e *env) saved(w *httptest.ResponseRecorder) *content.Article {
	e.t.Helper()
	m := savedRe.FindStringSubmatch(w.Header().Get("Location"))
	if w.Code != http.StatusSeeOther || m == nil {
		e.t.Fatalf("save: got %d to %q, want 303 to /admin/articles/{id}?done=Saved; body:\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return e.article(id)
}

func (e *env) article(id int64) *content.Article {
	e.t.Helper()
	a, err := e.st.ArticleByID(e.ctx, id)
	if err != nil {
		e.t.Fatalf("ArticleByID(%d): %v", id, err)
	}
	return a
}

func (e *env) count() int {
	e.t.Helper()
	_, n, err := e.st.AdminArticles(e.ctx, store.AdminQuery{})
	if err != nil {
		e.t.Fatalf("AdminArticles: %v", err)
	}
	return n
}

// create stores an article through the content service, as the importer would.
func (e *env) create(a *content.Article) *content.Article {
	e.t.Helper()
	if a.Lang == "" {
		a.Lang = "en"
	}
	if a.Section.ID == 0 {
		a.Section = e.news
	}
	if err := e.svc.Create(e.ctx, a); err != nil {
		e.t.Fatalf("Create: %v", err)
	}
	return a
}

func path(a *content.Article, suffix string) string {
	return fmt.Sprintf("/admin/articles/%d%s", a.ID, suffix)
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("got status %d, want %d; body:\n%s", w.Code, status, w.Body)
	}
}

func wantBody(t *testing.T, w *httptest.ResponseRecorder, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(w.Body.String(), s) {
			t.Errorf("body lacks %q; body:\n%s", s, w.Body)
		}
	}
}

func lackBody(t *testing.T, w *httptest.ResponseRecorder, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(w.Body.String(), s) {
			t.Errorf("body has %q, want it absent", s)
		}
	}
}

var versionRe = regexp.MustCompile(`name="version" value="(\d+)"`)

func formVersion(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	m := versionRe.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no version field in the form:\n%s", w.Body)
	}
	return m[1]
}

func TestCreateAndEdit(t *testing.T) {
	e := newEnv(t)
	author := e.client(account.RoleAuthor)

	w := author.get("/admin/articles/new")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `enctype="multipart/form-data"`, `name="headline"`, `name="dek"`, `name="slug"`, `<textarea id="body" name="body"`,
		`name="section"`, `name="tags"`, `<input type="checkbox" name="authors"`, `name="lang"`, `name="status"`,
		`name="publish_date"`, `name="publish_time"`, `hh:mm, 24-hour, UTC`, `type="file"`, `name="image_alt"`, `name="image_credit"`,
		`name="image_caption"`, `name="version"`, `name="csrf"`,
		`<button name="action" value="preview"`, `<button name="action" value="save"`)
	lackBody(t, w, `value="published"`, `value="scheduled"`)

	// Cyrillic headline, no slug: one is made by transliteration.
	a := e.saved(author.post("/admin/articles/new", e.fields("headline", "Паром снова ходит", "lang", "ru",
		"authors", strconv.FormatInt(e.anna.ID, 10)), nil))
	if a.Slug != "parom-snova-khodit" || a.Status != content.StatusDraft || a.CreatedBy != author.u.ID || a.Version != 1 {
		t.Errorf("created: got slug %q status %q created by %d version %d", a.Slug, a.Status, a.CreatedBy, a.Version)
	}
	if len(a.Tags) != 2 || len(a.Authors) != 1 || a.Authors[0].ID != e.anna.ID || a.BodyHTML == "" || a.Lang != "ru" {
		t.Errorf("created: got tags %v authors %v html %q lang %q", a.Tags, a.Authors, a.BodyHTML, a.Lang)
	}

	w = author.get(path(a, "?done=Saved"))
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `value="Паром снова ходит"`, `Saved`, `value="Islands, Transport"`, `name="version" value="1"`)

	// Edit: two bylines, new slug, urlencoded this time.
	f := e.fields("headline", "Ferry back", "slug", "ferry-back", "version", "1", "status", "review")
	f["authors"] = []string{strconv.FormatInt(e.boris.ID, 10), strconv.FormatInt(e.anna.ID, 10)}
	a = e.saved(author.postForm(path(a, ""), f))
	if a.Headline != "Ferry back" || a.Slug != "ferry-back" || a.Status != content.StatusReview || a.Version != 2 {
		t.Errorf("edited: got %q %q %q version %d", a.Headline, a.Slug, a.Status, a.Version)
	}
	if len(a.Authors) != 2 || a.Authors[0].ID != e.boris.ID {
		t.Errorf("edited: bylines %v, want Boris then Anna", a.Authors)
	}
	revs, err := e.st.Revisions(e.ctx, a.ID)
	if err != nil || len(revs) != 2 || revs[0].Editor != author.u.Email {
		t.Errorf("revisions: got %+v (err %v), want 2, the last by %s", revs, err, author.u.Email)
	}

	// The author sees their own articles only.
	other := e.create(&content.Article{Headline: "Another writer story", Status: content.StatusDraft})
	w = author.get("/admin/articles")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "Ferry back")
	lackBody(t, w, other.Headline)
	editor := e.client(account.RoleEditor)
	wantBody(t, editor.get("/admin/articles"), "Ferry back", other.Headline)
}

func TestPreviewSavesNothing(t *testing.T) {
	e := newEnv(t)
	author := e.client(account.RoleAuthor)
	w := author.post("/admin/articles/new", e.fields("action", "preview", "headline", "Preview me",
		"body", "Some **bold** words.\n\n<script>alert(1)</script>", "tags", "Alpha, Beta"), nil)
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `class="preview"`, "<strong>bold</strong>", `value="Preview me"`, `value="Alpha, Beta"`,
		"Some **bold** words.", "&lt;script&gt;alert(1)&lt;/script&gt;")
	lackBody(t, w, "<script>")
	if n := e.count(); n != 0 {
		t.Errorf("preview saved %d articles, want 0", n)
	}

	a := e.saved(author.post("/admin/articles/new", e.fields(), nil))
	w = author.post(path(a, ""), e.fields("action", "preview", "version", "1", "headline", "Changed"), nil)
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `value="Changed"`)
	if got := e.article(a.ID); got.Headline != a.Headline || got.Version != 1 {
		t.Errorf("preview of an edit: stored %q version %d, want it unchanged", got.Headline, got.Version)
	}
}

func TestValidationKeepsInput(t *testing.T) {
	e := newEnv(t)
	author := e.client(account.RoleAuthor)
	w := author.post("/admin/articles/new", e.fields("headline", "  ", "section", "", "body", "Every word I typed.",
		"dek", "My dek", "tags", "Kept tag", "publish_at", "tomorrow"), nil)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, `id="headline" name="headline" type="text" maxlength="300" value="  " aria-invalid="true"`,
		"Headline is required.", "Section is required.", `id="section-error"`, "Every word I typed.", "My dek",
		`value="Kept tag"`, `value="tomorrow"`, `id="publish_at-error"`)
	if n := e.count(); n != 0 {
		t.Errorf("saved %d articles, want 0", n)
	}

	// Too long a headline, an unknown section and language.
	w = author.post("/admin/articles/new", e.fields("headline", strings.Repeat("x", content.MaxHeadline+1),
		"section", "9999", "lang", "fr", "tags", "!!!"), nil)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "Headline is too long", "Choose a section from the list.", "Language must be one of",
		`has no letters or digits`)
	if n := e.count(); n != 0 {
		t.Errorf("saved %d articles, want 0", n)
	}
}

func TestDuplicateSlug(t *testing.T) {
	e := newEnv(t)
	author := e.client(account.RoleAuthor)
	e.saved(author.post("/admin/articles/new", e.fields("slug", "ferry"), nil))
	w := author.post("/admin/articles/new", e.fields("slug", "ferry", "headline", "Second ferry", "body", "Mine."), nil)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, `id="slug-error"`, "Another article already has this address", `value="ferry"`,
		`value="Second ferry"`, "Mine.")
	if n := e.count(); n != 1 {
		t.Errorf("got %d articles, want 1", n)
	}
	// Same with a slug that differs only in how it was typed.
	w = author.post("/admin/articles/new", e.fields("slug", "Ferry "), nil)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, `id="slug-error"`)
}

func TestConflictShowsBothVersions(t *testing.T) {
	e := newEnv(t)
	me, them := e.client(account.RoleEditor), e.client(account.RoleEditor)
	a := e.saved(me.post("/admin/articles/new", e.fields(), nil))
	v := formVersion(t, me.get(path(a, "")))

	e.saved(them.post(path(a, ""), e.fields("version", v, "headline", "Their headline", "body", "Their body."), nil))
	w := me.post(path(a, ""), e.fields("version", v, "headline", "My headline", "body", "My body."), nil)
	wantStatus(t, w, http.StatusConflict)
	wantBody(t, w, "Someone else saved this article", `value="My headline"`, "My body.", "Their headline",
		"Their body.", them.u.Email, `name="version" value="2"`)
	if got := e.article(a.ID); got.Headline != "Their headline" {
		t.Errorf("after the conflict: stored %q, want theirs kept", got.Headline)
	}

	// Saving again, deliberately, on top of theirs.
	got := e.saved(me.post(path(a, ""), e.fields("version", formVersion(t, w), "headline", "Merged headline"), nil))
	if got.Headline != "Merged headline" || got.Version != 3 {
		t.Errorf("second save: got %q version %d", got.Headline, got.Version)
	}

	// A form without its version is refused, never saved blindly.
	f := e.fields("headline", "Blind")
	wantStatus(t, me.post(path(a, ""), f, nil), http.StatusBadRequest)
}

func TestAuthorLimits(t *testing.T) {
	e := newEnv(t)
	author, other := e.client(account.RoleAuthor), e.client(account.RoleAuthor)

	// A forged status: refused, nothing saved.
	for _, st := range []string{"published", "scheduled", "unpublished"} {
		w := author.post("/admin/articles/new", e.fields("status", st, "publish_at", "2030-01-01T10:00"), nil)
		wantStatus(t, w, http.StatusForbidden)
		wantBody(t, w, "Your role cannot set the status", "Nothing was saved")
	}
	if n := e.count(); n != 0 {
		t.Fatalf("got %d articles, want 0", n)
	}
	mine := e.saved(author.post("/admin/articles/new", e.fields(), nil))
	w := author.post(path(mine, ""), e.fields("version", "1", "status", "published"), nil)
	wantStatus(t, w, http.StatusForbidden)
	if got := e.article(mine.ID); got.Status != content.StatusDraft || got.Version != 1 {
		t.Errorf("after a forged publish: status %q version %d", got.Status, got.Version)
	}

	// Another author's article: neither shown nor changed.
	wantStatus(t, other.get(path(mine, "")), http.StatusForbidden)
	wantStatus(t, other.get(path(mine, "/revisions")), http.StatusForbidden)
	wantStatus(t, other.post(path(mine, ""), e.fields("version", "1", "headline", "Hijacked"), nil), http.StatusForbidden)
	wantStatus(t, other.postForm(path(mine, "/restore"), url.Values{"version": {"1"}}), http.StatusForbidden)
	if got := e.article(mine.ID); got.Headline == "Hijacked" {
		t.Error("another author changed the article")
	}

	// Once an editor publishes it, the author may read it but not change it.
	editor := e.client(account.RoleEditor)
	e.saved(editor.post(path(mine, ""), e.fields("version", "1", "status", "published"), nil))
	w = author.get(path(mine, ""))
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "<fieldset disabled>", "an editor can change it", `value="published" selected`)
	lackBody(t, w, `value="save"`)
	wantStatus(t, author.post(path(mine, ""), e.fields("version", "2", "headline", "Sneaky"), nil), http.StatusForbidden)
	wantStatus(t, author.postForm(path(mine, "/restore"), url.Values{"version": {"1"}}), http.StatusForbidden)
	if got := e.article(mine.ID); got.Headline == "Sneaky" || got.Version != 2 {
		t.Errorf("author changed a published article: %q version %d", got.Headline, got.Version)
	}

	// A revenue account has no business in articles at all.
	wantStatus(t, e.client(account.RoleRevenue).get("/admin/articles"), http.StatusForbidden)

	// A POST without the CSRF token is refused.
	f := e.fields("csrf", "forged")
	wantStatus(t, author.post("/admin/articles/new", f, nil), http.StatusForbidden)
}

func TestEditorPublishesAndSchedules(t *testing.T) {
	e := newEnv(t)
	editor := e.client(account.RoleEditor)
	w := editor.get("/admin/articles/new")
	wantBody(t, w, `value="published"`, `value="scheduled"`, `value="unpublished"`)

	before := time.Now().UTC().Truncate(time.Second)
	a := e.saved(editor.post("/admin/articles/new", e.fields("status", "published", "slug", "now"), nil))
	if a.Status != content.StatusPublished || a.PublishedAt.Before(before) || !a.Live(time.Now()) {
		t.Errorf("published: status %q at %v, want live now", a.Status, a.PublishedAt)
	}
	// Re-saving keeps the publication time to the second, and the slug.
	w = editor.get(path(a, ""))
	wantBody(t, w, `readonly`, "its address can no longer change", `value="`+a.PublishedAt.Format(dateLayout)+`"`, `value="`+a.PublishedAt.Format(clockLayout)+`"`)
	again := e.saved(editor.post(path(a, ""), e.fields("version", "1", "status", "published", "slug", "changed",
		"publish_at", a.PublishedAt.Format(publishLayout)), nil))
	if !again.PublishedAt.Equal(a.PublishedAt) || again.Slug != "now" {
		t.Errorf("re-saved: published %v slug %q, want %v and %q", again.PublishedAt, again.Slug, a.PublishedAt, "now")
	}

	// Scheduling needs a time in the future.
	wantStatus(t, editor.post("/admin/articles/new", e.fields("status", "scheduled", "slug", "later"), nil), http.StatusUnprocessableEntity)
	past := time.Now().UTC().Add(-time.Hour).Format(publishLayout)
	w = editor.post("/admin/articles/new", e.fields("status", "scheduled", "slug", "later", "publish_at", past), nil)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "needs a time in the future")

	at := time.Now().UTC().Add(time.Hour).Truncate(time.Minute)
	s := e.saved(editor.post("/admin/articles/new", e.fields("status", "scheduled", "slug", "later",
		"publish_at", at.Format(publishLayout)), nil))
	if s.Status != content.StatusScheduled || !s.PublishedAt.Equal(at) || s.Live(time.Now()) {
		t.Fatalf("scheduled: status %q at %v, want scheduled for %v", s.Status, s.PublishedAt, at)
	}
	if n, err := e.svc.PublishDue(e.ctx); err != nil || n != 0 {
		t.Fatalf("PublishDue now: %d (err %v), want 0", n, err)
	}
	later := at.Add(time.Minute)
	e.svc.SetClock(func() time.Time { return later })
	e.st.SetClock(func() time.Time { return later })
	if n, err := e.svc.PublishDue(e.ctx); err != nil || n != 1 {
		t.Fatalf("PublishDue later: %d (err %v), want 1", n, err)
	}
	if got := e.article(s.ID); got.Status != content.StatusPublished || !got.Live(later) {
		t.Errorf("after PublishDue: status %q, want published and live", got.Status)
	}
}

func TestRevisionsDiffRestore(t *testing.T) {
	e := newEnv(t)
	author := e.client(account.RoleAuthor)
	a := e.saved(author.post("/admin/articles/new", e.fields("headline", "First headline",
		"body", "Line one.\n\nLine two.\n\nLine three."), nil))
	e.saved(author.post(path(a, ""), e.fields("version", "1", "headline", "Second headline",
		"body", "Line one.\n\nLine 2, rewritten.\n\nLine three."), nil))
	e.saved(author.post(path(a, ""), e.fields("version", "2", "headline", "Third headline",
		"body", "Line one.\n\nLine 2, rewritten.\n\nLine three.\n\nLine four."), nil))

	w := author.get(path(a, "/revisions"))
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "First headline", "Second headline", "Third headline", author.u.Email,
		path(a, "/diff?to=2"), `name="version" value="1"`, "Restore version 1")

	w = author.get(path(a, "/diff?from=1&to=3"))
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `class="diff"`, "<del><span class=\"vh\">removed: </span>- First headline</del>",
		"<ins><span class=\"vh\">added: </span>+ Third headline</ins>", "- Line two.", "+ Line 2, rewritten.", "+ Line four.", "  Line one.")
	lackBody(t, w, "<h2>Dek</h2>")
	// Defaults: the latest change.
	w = author.get(path(a, "/diff"))
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "+ Line four.")
	lackBody(t, w, "Line two.")
	wantStatus(t, author.get(path(a, "/diff?from=1&to=9")), http.StatusNotFound)
	wantStatus(t, author.get(path(a, "/diff?from=x")), http.StatusBadRequest)

	w = author.postForm(path(a, "/restore"), url.Values{"version": {"1"}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), path(a, "?done=")) {
		t.Fatalf("restore: got %d to %q", w.Code, w.Header().Get("Location"))
	}
	got := e.article(a.ID)
	if got.Headline != "First headline" || !strings.Contains(got.Body, "Line two.") || got.Version != 4 {
		t.Errorf("restored: got %q version %d body %q", got.Headline, got.Version, got.Body)
	}
	wantStatus(t, author.postForm(path(a, "/restore"), url.Values{"version": {"42"}}), http.StatusNotFound)
}

func TestCorrections(t *testing.T) {
	e := newEnv(t)
	editor, author := e.client(account.RoleEditor), e.client(account.RoleAuthor)
	changes := func() []store.Change {
		t.Helper()
		list, err := e.st.Changes(e.ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	draft := e.saved(editor.post("/admin/articles/new", e.fields("slug", "draft"), nil))
	lackBody(t, editor.get(path(draft, "")), "Add a correction")
	wantStatus(t, editor.postForm(path(draft, "/corrections"), url.Values{"text": {"Nope."}}), http.StatusBadRequest)

	a := e.saved(editor.post("/admin/articles/new", e.fields("status", "published", "slug", "pub"), nil))
	wantBody(t, editor.get(path(a, "")), "Add a correction", `action="`+path(a, "/corrections")+`"`)
	lackBody(t, author.get(path(a, "")), "Add a correction") // not theirs, and not an editor
	wantStatus(t, author.postForm(path(a, "/corrections"), url.Values{"text": {"Sneaky."}}), http.StatusForbidden)

	w := editor.postForm(path(a, "/corrections"), url.Values{"text": {"   "}})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, `id="correction-error"`)

	n := len(changes())
	w = editor.postForm(path(a, "/corrections"), url.Values{"text": {"An earlier version misspelled <b>the</b> ferry's name."}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != path(a, "?done=Correction+added.") {
		t.Fatalf("correction: got %d to %q; body:\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	got := e.article(a.ID)
	if len(got.Corrections) != 1 || got.Version != a.Version+1 {
		t.Errorf("after correction: %d corrections, version %d; want 1 and %d", len(got.Corrections), got.Version, a.Version+1)
	}
	if list := changes(); len(list) == n || !slices.Contains(list[len(list)-1].Keys, store.KeyArticle(a.ID)) {
		t.Errorf("correction recorded %d changes, want some naming the article", len(list)-n)
	}
	w = editor.get(path(a, ""))
	wantBody(t, w, "misspelled &lt;b&gt;the&lt;/b&gt; ferry&#39;s name.")
	if got, _ := e.st.ArticleByID(e.ctx, a.ID); len(got.Corrections) != 1 {
		t.Errorf("author's refused correction was stored")
	}
}

func TestHostileTextEscaped(t *testing.T) {
	e := newEnv(t)
	editor := e.client(account.RoleEditor)
	hostile := `<script>alert("h")</script><img src=x onerror=alert(1)>`
	a := e.create(&content.Article{Headline: "Bad " + hostile, Dek: hostile, Body: "Body " + hostile + "\n\nmore",
		Status: content.StatusDraft, Tags: []content.Tag{{Name: "x" + hostile}}})
	e.saved(editor.post(path(a, ""), e.fields("version", "1", "headline", "Worse "+hostile, "body", hostile), nil))
	for _, p := range []string{"/admin/articles", "/admin/articles?q=" + url.QueryEscape("<script>"), path(a, ""),
		path(a, "/revisions"), path(a, "/diff?from=1&to=2")} {
		w := editor.get(p)
		wantStatus(t, w, http.StatusOK)
		if strings.Contains(w.Body.String(), "<script>alert") || strings.Contains(w.Body.String(), "<img src=x") {
			t.Errorf("%s: hostile markup came out unescaped:\n%s", p, w.Body)
		}
		wantBody(t, w, "&lt;script&gt;")
	}
	w := editor.post(path(a, ""), e.fields("version", "2", "action", "preview", "body", hostile), nil)
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `class="preview"`)
	if strings.Contains(w.Body.String(), "<script>alert") || strings.Contains(w.Body.String(), "<img src=x") {
		t.Errorf("preview let hostile markup through:\n%s", w.Body)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	e := newEnv(t)
	editor := e.client(account.RoleEditor)
	for i := range 55 {
		a := &content.Article{Headline: fmt.Sprintf("Story %02d", i), Status: content.StatusDraft}
		if i%11 == 0 {
			a.Section = e.culture
			a.Authors = []content.Author{e.boris}
		}
		e.create(a)
	}
	w := editor.get("/admin/articles")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "55 articles, page 1 of 2", "Story 54", `href="/admin/articles?page=2"`)
	lackBody(t, w, "Story 04<")
	w = editor.get("/admin/articles?page=2")
	wantBody(t, w, "Story 04", "Story 00", `href="/admin/articles"`)
	lackBody(t, w, "Story 05<")
	w = editor.get(fmt.Sprintf("/admin/articles?section=%d&author=%d&q=story", e.culture.ID, e.boris.ID))
	wantBody(t, w, "5 articles.", "Story 44", "Story 00")
	w = editor.get("/admin/articles?status=published&page=-3")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "0 articles.", "No articles match.")
}

// pngBytes is a w×h PNG.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var uploadRe = regexp.MustCompile(`name="image_upload" value="([^"]+)"`)

func TestPhotoUpload(t *testing.T) {
	e := newEnv(t)
	author := e.client(account.RoleAuthor)
	photo := pngBytes(t, 600, 400)

	// Without alt text: refused, but the photo is kept for the next try.
	w := author.post("/admin/articles/new", e.fields("slug", "ferry"), photo)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, `id="image_alt-error"`, `value="Ferry service resumes"`, `<img src="/media/ferry-`)
	m := uploadRe.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("the uploaded photo was not kept in the form:\n%s", w.Body)
	}
	token := strings.ReplaceAll(m[1], "&#43;", "+")
	a := e.saved(author.post("/admin/articles/new", e.fields("slug", "ferry", "image_upload", token,
		"image_alt", "The ferry at the pier", "image_credit", "Anna", "image_caption", "Back at last"), nil))
	img := a.Image
	if !regexp.MustCompile(`^ferry-[0-9a-f]{8}$`).MatchString(img.Key) || !slices.Equal(img.Widths, []int{480, 600}) ||
		img.Width != 600 || img.Height != 400 || img.Alt != "The ferry at the pier" || img.Credit != "Anna" || img.Caption != "Back at last" {
		t.Fatalf("image: got %+v", img)
	}
	for _, wd := range img.Widths {
		if _, err := os.Stat(filepath.Join(e.mediaDir, img.Key, media.VariantName(wd))); err != nil {
			t.Errorf("variant %d: %v", wd, err)
		}
	}
	w = author.get(path(a, ""))
	wantBody(t, w, `<img src="/media/`+img.Key+`/480.jpg" alt="The ferry at the pier"`)

	// No new file: the photo stays. A forged upload token is ignored.
	got := e.saved(author.post(path(a, ""), e.fields("version", "1", "slug", "ferry", "image_alt", "New alt",
		"image_upload", "evil-00000000|1|1|1|deadbeef"), nil))
	if got.Image.Key != img.Key || got.Image.Alt != "New alt" {
		t.Errorf("kept image: got %+v", got.Image)
	}

	// A file that is not a photo: a message by the field, the rest kept.
	w = author.post(path(a, ""), e.fields("version", "2", "slug", "ferry", "headline", "Kept headline",
		"image_alt", "x"), []byte("GIF89a not really a photo at all"))
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, `id="image-error"`, "Photo not accepted", `value="Kept headline"`)
	if got := e.article(a.ID); got.Version != 2 || got.Image.Key != img.Key {
		t.Errorf("after a rejected upload: version %d image %q", got.Version, got.Image.Key)
	}

	// Replace, then remove.
	replaced := e.saved(author.post(path(a, ""), e.fields("version", "2", "slug", "ferry", "image_alt", "Another"), pngBytes(t, 300, 200)))
	if replaced.Image.Key == img.Key || !slices.Equal(replaced.Image.Widths, []int{300}) || replaced.Image.Height != 200 {
		t.Errorf("replaced image: got %+v", replaced.Image)
	}
	removed := e.saved(author.post(path(a, ""), e.fields("version", "3", "slug", "ferry", "image_remove", "1"), nil))
	if removed.Image.Present() {
		t.Errorf("removed image: got %+v", removed.Image)
	}
}

func TestUploadErrorsAreSentences(t *testing.T) {
	// DecodeUpload's refusals are shown to the reporter as they are.
	a := &Admin{uploads: make(chan struct{}, 1)}
	_, err := a.decodeUpload("photo.jpg", []byte("not an image"))
	if err == nil || !errors.Is(err, media.ErrNotImage) {
		t.Fatalf("decodeUpload(garbage): got %v, want ErrNotImage", err)
	}
}

func TestLineDiff(t *testing.T) {
	render := func(lines []diffLine) string {
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(map[string]string{"same": " ", "ins": "+", "del": "-", "gap": "~"}[l.Kind] + l.Text + "\n")
		}
		return b.String()
	}
	tests := []struct{ from, to, want string }{
		{"", "", ""},
		{"a", "a", " a\n"},
		{"", "a\nb", "+a\n+b\n"},
		{"a\nb\nc", "a\nc", " a\n-b\n c\n"},
		{"a\nb\nc", "a\nx\nc\nd", " a\n-b\n+x\n c\n+d\n"},
		{"x\ny", "y\nx", "-x\n y\n+x\n"},
	}
	for _, tc := range tests {
		if got := render(lineDiff(tc.from, tc.to)); got != tc.want {
			t.Errorf("lineDiff(%q, %q):\ngot\n%s\nwant\n%s", tc.from, tc.to, got, tc.want)
		}
	}
	long := strings.Repeat("same\n", 20)
	got := render(withContext(lineDiff(long+"old\n"+long, long+"new\n"+long), 2))
	if want := "~\n same\n same\n-old\n+new\n same\n same\n~\n"; got != want {
		t.Errorf("withContext:\ngot\n%s\nwant\n%s", got, want)
	}
	// Beyond the memory bound the middle is replaced whole, still correctly.
	var a, b []string
	for i := range 2100 {
		a = append(a, fmt.Sprint("a", i))
		b = append(b, fmt.Sprint("b", i))
	}
	lines := lineDiff(strings.Join(a, "\n"), strings.Join(b, "\n"))
	if len(lines) != 4200 || lines[0].Kind != "del" || lines[4199].Kind != "ins" {
		t.Errorf("large diff: %d lines", len(lines))
	}
}
