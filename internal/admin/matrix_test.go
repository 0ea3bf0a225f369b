package admin

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
)

// matrixRole is a column of the matrix: a role, or signed out ("").
type matrixRole = account.Role

const matrixSignedOut matrixRole = ""

var matrixRoles = []matrixRole{account.RoleAdmin, account.RoleEditor, account.RoleAuthor, account.RoleRevenue, matrixSignedOut}

// matrixExpect is who may use a route, written by hand from the policy
// (and not derived from Role.Can, which is what is under test).
type matrixExpect struct {
	public  bool // reachable by everyone, signed in or not
	allowed []matrixRole
	// parallel marks routes written alongside this test: missing, they
	// skip the test instead of failing it.
	parallel bool
}

var (
	matrixAll      = []matrixRole{account.RoleAdmin, account.RoleEditor, account.RoleAuthor, account.RoleRevenue}
	matrixWriters  = []matrixRole{account.RoleAdmin, account.RoleEditor, account.RoleAuthor}
	matrixEditors  = []matrixRole{account.RoleAdmin, account.RoleEditor}
	matrixAdmins   = []matrixRole{account.RoleAdmin}
	matrixRevenue  = []matrixRole{account.RoleAdmin, account.RoleRevenue}
	matrixExpected = map[string]matrixExpect{
		"GET /admin/signin":          {public: true},
		"POST /admin/signin":         {public: true},
		"GET /admin/invite/{token}":  {public: true},
		"POST /admin/invite/{token}": {public: true},

		"POST /admin/signout":      {allowed: matrixAll},
		"GET /admin/{$}":           {allowed: matrixAll},
		"GET /admin/password":      {allowed: matrixAll},
		"POST /admin/password":     {allowed: matrixAll},
		"GET /admin/account":       {allowed: matrixAll},
		"POST /admin/account":      {allowed: matrixAll},
		"GET /admin/users":         {allowed: matrixAdmins},
		"POST /admin/users/invite": {allowed: matrixAdmins},
		"POST /admin/users/{id}":   {allowed: matrixAdmins},

		"GET /admin/articles":                   {allowed: matrixWriters, parallel: true},
		"GET /admin/articles/new":               {allowed: matrixWriters, parallel: true},
		"POST /admin/articles/new":              {allowed: matrixWriters, parallel: true},
		"GET /admin/articles/{id}":              {allowed: matrixEditors, parallel: true}, // another writer's article
		"POST /admin/articles/{id}":             {allowed: matrixEditors, parallel: true},
		"GET /admin/articles/{id}/revisions":    {allowed: matrixEditors, parallel: true},
		"GET /admin/articles/{id}/diff":         {allowed: matrixEditors, parallel: true},
		"POST /admin/articles/{id}/restore":     {allowed: matrixEditors, parallel: true},
		"POST /admin/articles/{id}/corrections": {allowed: matrixEditors, parallel: true},
		// Autosave: whoever may edit the article.
		"POST /admin/articles/{id}/autosave":         {allowed: matrixEditors, parallel: true},
		"POST /admin/articles/{id}/autosave/discard": {allowed: matrixEditors, parallel: true},
		"GET /admin/media":                           {allowed: matrixWriters, parallel: true},
		// Whoever may edit the article links its translations.
		"POST /admin/articles/{id}/translation":        {allowed: matrixEditors},
		"POST /admin/articles/{id}/translation/unlink": {allowed: matrixEditors},

		"GET /admin/sections":       {allowed: matrixEditors, parallel: true},
		"POST /admin/sections":      {allowed: matrixEditors, parallel: true},
		"POST /admin/sections/{id}": {allowed: matrixEditors, parallel: true},
		"GET /admin/tags":           {allowed: matrixEditors, parallel: true},
		"POST /admin/tags/{id}":     {allowed: matrixEditors, parallel: true},
		"GET /admin/authors":        {allowed: matrixEditors, parallel: true},
		"POST /admin/authors":       {allowed: matrixEditors, parallel: true},
		"POST /admin/authors/{id}":  {allowed: matrixEditors, parallel: true},
		// Every account reaches its own profile (404 when none is linked);
		// only editors may edit a byline that is not theirs.
		"GET /admin/profile":               {allowed: matrixAll},
		"GET /admin/authors/{id}/profile":  {allowed: matrixEditors},
		"POST /admin/authors/{id}/profile": {allowed: matrixEditors},

		"GET /admin/pages":                {allowed: matrixEditors},
		"GET /admin/pages/new":            {allowed: matrixEditors},
		"POST /admin/pages/new":           {allowed: matrixEditors},
		"GET /admin/pages/{id}":           {allowed: matrixEditors},
		"POST /admin/pages/{id}":          {allowed: matrixEditors},
		"GET /admin/pages/{id}/revisions": {allowed: matrixEditors},
		"POST /admin/pages/{id}/restore":  {allowed: matrixEditors},
		"GET /admin/redirects":            {allowed: matrixEditors},
		"POST /admin/redirects":           {allowed: matrixEditors},
		"POST /admin/redirects/delete":    {allowed: matrixEditors},
		"GET /admin/apikeys":              {allowed: matrixAdmins},
		"POST /admin/apikeys":             {allowed: matrixAdmins},
		"POST /admin/apikeys/{id}/revoke": {allowed: matrixAdmins},
		"GET /admin/fronts":               {allowed: matrixEditors},
		"POST /admin/fronts":              {allowed: matrixEditors},

		"GET /admin/settings":  {allowed: matrixAdmins, parallel: true},
		"POST /admin/settings": {allowed: matrixAdmins, parallel: true},

		"GET /admin/payments":                   {allowed: matrixRevenue, parallel: true},
		"GET /admin/payments/report.csv":        {allowed: matrixRevenue, parallel: true},
		"POST /admin/payments/pledges/received": {allowed: matrixRevenue, parallel: true},
		"GET /admin/payments/settings":          {allowed: matrixRevenue, parallel: true},
		"POST /admin/payments/settings":         {allowed: matrixRevenue, parallel: true},
	}
)

// matrixWorld is one admin with a user per role, and one of everything a
// path can name. The article belongs to neither the author nor the editor.
type matrixWorld struct {
	e       *tAuthEnv
	users   map[matrixRole]account.User
	ids     map[string]int64 // path prefix -> id for {id}
	article *content.Article
}

func matrixNewWorld(t *testing.T) *matrixWorld {
	t.Helper()
	e := tAuthNewEnv(t, "http://example.test")
	w := &matrixWorld{e: e, users: map[matrixRole]account.User{}}
	for _, r := range matrixAll {
		w.users[r] = e.tAuthUser(r, "")
	}
	owner := e.tAuthUser(account.RoleEditor, "") // a DIFFERENT user from every column
	sec := content.Section{Slug: "news", Name: "News"}
	if err := e.st.CreateSection(e.ctx, &sec); err != nil {
		t.Fatalf("CreateSection: %v", err)
	}
	byline := content.Author{Slug: "anna", Name: "Anna Petrova"}
	if err := e.st.CreateAuthor(e.ctx, &byline); err != nil {
		t.Fatalf("CreateAuthor: %v", err)
	}
	art := &content.Article{Headline: "Ferry service resumes", Body: "The ferry sails again.", Lang: "en",
		Status: content.StatusDraft, Section: sec, Authors: []content.Author{byline},
		Tags: []content.Tag{{Name: "Transport"}}, CreatedBy: owner.ID, EditedBy: owner.ID}
	if err := e.svc.Create(e.ctx, art); err != nil {
		t.Fatalf("Create article: %v", err)
	}
	tag, err := e.st.TagBySlug(e.ctx, "transport")
	if err != nil {
		t.Fatalf("TagBySlug: %v", err)
	}
	pg := &content.Page{Slug: "about", Lang: "en", Title: "About us", Body: "Who we are.", Status: content.StatusPublished}
	if err := e.st.CreatePage(e.ctx, pg); err != nil {
		t.Fatalf("CreatePage: %v", err)
	}
	_, key, err := e.st.CreateAPIKey(e.ctx, "Matrix app")
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	w.article = art
	w.ids = map[string]int64{
		"/admin/pages/": pg.ID, "/admin/apikeys/": key.ID,
		"/admin/articles/": art.ID, "/admin/sections/": sec.ID, "/admin/tags/": tag.ID,
		"/admin/authors/": byline.ID, "/admin/users/": owner.ID,
	}
	return w
}

// matrixPath turns a route pattern into a request path.
func (w *matrixWorld) matrixPath(t *testing.T, pattern string) (method, path string) {
	t.Helper()
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{$}", "")
	path = strings.ReplaceAll(path, "{token}", "x")
	if i := strings.Index(path, "{id}"); i >= 0 {
		id, ok := w.ids[path[:i]]
		if !ok {
			t.Fatalf("no id for %s: add its prefix to matrixWorld.ids", pattern)
		}
		path = strings.Replace(path, "{id}", fmt.Sprint(id), 1)
	}
	if strings.ContainsAny(path, "{}") {
		t.Fatalf("pattern %s has a wildcard the matrix does not fill", pattern)
	}
	return method, path
}

// matrixRequest sends one request as role: a fresh session per request, so
// that signing out or a change of state in one cell leaves the others alone.
func (w *matrixWorld) matrixRequest(role matrixRole, method, path string) *httptest.ResponseRecorder {
	e := w.e
	b := e.tAuthBrowser()
	if role != matrixSignedOut {
		b = e.tAuthSession(w.users[role])
	}
	// Public forms check the pre-sign-in token of their cookie.
	b.cookies[preCSRFCookie] = &http.Cookie{Name: preCSRFCookie, Value: "matrix-pre-token"}
	if method == http.MethodGet {
		return b.get(path)
	}
	v := url.Values{}
	switch {
	case role == matrixSignedOut || path == "/admin/signin" || strings.HasPrefix(path, "/admin/invite/"):
		v.Set("csrf", "matrix-pre-token")
	}
	if path == "/admin/signin" {
		v.Set("email", fmt.Sprintf("matrix-%s@example.invalid", role))
		v.Set("password", "not anybody's password")
	}
	return b.post(path, v)
}

// TestMatrixRoutesByRole walks every admin route as every role.
func TestMatrixRoutesByRole(t *testing.T) {
	probe := tAuthNewEnv(t, "http://example.test")
	var patterns []string
	for _, rt := range probe.adm.Routes() {
		patterns = append(patterns, rt.Pattern)
		exp, ok := matrixExpected[rt.Pattern]
		if !ok {
			t.Errorf("route %q is not in the matrix: add the roles that may use it to matrixExpected", rt.Pattern)
			continue
		}
		if rt.Public != exp.public {
			t.Errorf("route %q: Public=%v, the matrix says %v", rt.Pattern, rt.Public, exp.public)
		}
	}
	var missing []string
	for p, exp := range matrixExpected {
		if slices.Contains(patterns, p) {
			continue
		}
		if exp.parallel {
			missing = append(missing, p)
		} else {
			t.Errorf("the matrix lists %q, which Routes() does not have", p)
		}
	}
	slices.Sort(missing)

	for _, role := range matrixRoles {
		name := string(role)
		if role == matrixSignedOut {
			name = "signed-out"
		}
		t.Run(name, func(t *testing.T) {
			w := matrixNewWorld(t)
			for _, pattern := range patterns {
				exp, ok := matrixExpected[pattern]
				if !ok {
					continue
				}
				method, path := w.matrixPath(t, pattern)
				res := w.matrixRequest(role, method, path)
				loc := res.Header().Get("Location")
				// The access check sends to sign-in with a next; signing
				// out itself ends on the bare sign-in page.
				toSignIn := res.Code >= 300 && res.Code < 400 && strings.HasPrefix(loc, "/admin/signin?next=")
				cell := fmt.Sprintf("%s as %s (%s %s): got %d", pattern, name, method, path, res.Code)
				if loc != "" {
					cell += " to " + loc
				}
				switch {
				case exp.public:
					if res.Code == http.StatusForbidden || toSignIn {
						t.Errorf("%s, want the public page reached", cell)
					}
					if method == http.MethodPost && path == "/admin/signin" &&
						!(res.Code == http.StatusUnauthorized && strings.Contains(res.Body.String(), "do not match an account")) {
						t.Errorf("%s, want 401 from the sign-in handler (a failed sign-in)", cell)
					}
				case role == matrixSignedOut && method == http.MethodGet:
					if want := "/admin/signin?next=" + url.QueryEscape(path); res.Code != http.StatusSeeOther || loc != want {
						t.Errorf("%s, want 303 to %s", cell, want)
					}
				case role == matrixSignedOut:
					if res.Code != http.StatusUnauthorized {
						t.Errorf("%s, want 401", cell)
					}
				case slices.Contains(exp.allowed, role):
					if res.Code == http.StatusUnauthorized || res.Code == http.StatusForbidden || toSignIn {
						t.Errorf("%s, want it allowed; body:\n%s", cell, res.Body)
					}
				default:
					if res.Code != http.StatusForbidden {
						t.Errorf("%s, want 403", cell)
					}
				}
				if res.Code >= 500 {
					t.Errorf("%s: a server error; body:\n%s", cell, res.Body)
				}
			}
		})
	}
	if len(missing) > 0 {
		t.Skipf("routes not written yet (being added in parallel), not checked: %s", strings.Join(missing, ", "))
	}
}

// TestMatrixAuthorOwnArticle: the 403s of the author column come from
// ownership, not from the route: the author's own draft opens.
func TestMatrixAuthorOwnArticle(t *testing.T) {
	w := matrixNewWorld(t)
	if !slices.ContainsFunc(w.e.adm.Routes(), func(r Route) bool { return r.Pattern == "GET /admin/articles/{id}" }) {
		t.Skip("the article editor (GET /admin/articles/{id}) is not written yet")
	}
	author := w.users[account.RoleAuthor]
	own := &content.Article{Headline: "My own draft", Body: "Text.", Lang: "en", Status: content.StatusDraft,
		Section: w.article.Section, Authors: w.article.Authors, CreatedBy: author.ID, EditedBy: author.ID}
	if err := w.e.svc.Create(w.e.ctx, own); err != nil {
		t.Fatal(err)
	}
	b := w.e.tAuthSession(author)
	for _, p := range []string{"", "/revisions"} {
		res := b.get(fmt.Sprintf("/admin/articles/%d%s", own.ID, p))
		tAuthStatus(t, res, http.StatusOK)
		res = b.get(fmt.Sprintf("/admin/articles/%d%s", w.article.ID, p))
		tAuthStatus(t, res, http.StatusForbidden)
	}
}
