package admin

// Shared helpers of auth_test.go and matrix_test.go. Every name starts with
// tAuth so that the other test files of the package can have their own.

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/web"
)

// tAuthClock is a clock the test moves by hand. It starts on a whole second,
// as the store keeps times in seconds.
type tAuthClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tAuthClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *tAuthClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// tAuthEnv is an admin over a fresh SQLite store, on a ServeMux, with a
// clock that the test controls (for the admin, the store and the content
// service alike).
type tAuthEnv struct {
	t       *testing.T
	ctx     context.Context
	st      *store.Store
	svc     *content.Service
	adm     *Admin
	mux     *http.ServeMux
	clock   *tAuthClock
	baseURL string
	cookie  string            // name of the session cookie
	nl      *mail.Newsletters // set by newsletterEnv
}

func tAuthNewEnv(t *testing.T, baseURL string) *tAuthEnv {
	t.Helper()
	return tAuthNewEnvWith(t, baseURL, nil)
}

// tAuthNewEnvWith is tAuthNewEnv with the admin's Config changed by edit
// before New (nil: no change).
func tAuthNewEnvWith(t *testing.T, baseURL string, edit func(*Config)) *tAuthEnv {
	t.Helper()
	return tAuthNewEnvOn(t, baseURL, filepath.Join(t.TempDir(), "samizdat.db"), edit)
}

// tAuthNewEnvOn is tAuthNewEnvWith on the database dsn names: a SQLite
// path or a PostgreSQL URL.
func tAuthNewEnvOn(t *testing.T, baseURL, dsn string, edit func(*Config)) *tAuthEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	md, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatalf("media.NewDir: %v", err)
	}
	clock := &tAuthClock{now: time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)}
	st.SetClock(clock.Now)
	svc := content.NewService(st, content.NewRenderer())
	svc.SetClock(clock.Now)
	cfg := Config{Store: st, Content: svc, Images: md, Web: web.FS,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: baseURL, SiteName: "Test",
		AssetURL: func(n string) string { return "/static/x/" + n }, Now: clock.Now}
	if edit != nil {
		edit(&cfg)
	}
	adm, err := New(cfg)
	if err != nil {
		t.Fatalf("admin.New: %v", err)
	}
	mux := http.NewServeMux()
	adm.Register(mux)
	e := &tAuthEnv{t: t, ctx: ctx, st: st, svc: svc, adm: adm, mux: mux, clock: clock, baseURL: baseURL, cookie: sessionCookie}
	if strings.HasPrefix(baseURL, "https://") {
		e.cookie = "__Host-" + sessionCookie
	}
	return e
}

// tAuthHashes caches one argon2 hash per password: hashing costs a large
// fraction of a second under the race detector.
var tAuthHashes sync.Map

func tAuthHash(t *testing.T, pw string) string {
	t.Helper()
	if h, ok := tAuthHashes.Load(pw); ok {
		return h.(string)
	}
	h, err := account.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	tAuthHashes.Store(pw, h)
	return h
}

var tAuthSeq atomic.Int64

// tAuthUser stores an account. An empty password leaves it without one.
func (e *tAuthEnv) tAuthUser(role account.Role, pw string) account.User {
	e.t.Helper()
	u := account.User{Email: fmt.Sprintf("%s%d@example.org", role, tAuthSeq.Add(1)), Name: "Some " + string(role), Role: role}
	if pw != "" {
		u.PasswordHash = tAuthHash(e.t, pw)
	}
	if err := e.st.CreateUser(e.ctx, &u); err != nil {
		e.t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// tAuthBrowser is one browser: it keeps cookies by hand (so that Secure and
// __Host- cookies work over httptest) and does not follow redirects.
type tAuthBrowser struct {
	e       *tAuthEnv
	addr    string      // RemoteAddr
	header  http.Header // sent with every request, such as X-Forwarded-For
	cookies map[string]*http.Cookie
	csrf    string // the last CSRF token seen in a page
}

func (e *tAuthEnv) tAuthBrowser() *tAuthBrowser {
	return &tAuthBrowser{e: e, addr: "192.0.2.1:1234", cookies: map[string]*http.Cookie{}}
}

// tAuthSession is a browser signed in as u through a session made directly
// in the store: much faster than argon2.
func (e *tAuthEnv) tAuthSession(u account.User) *tAuthBrowser {
	e.t.Helper()
	raw, hash, err := account.NewToken()
	if err != nil {
		e.t.Fatal(err)
	}
	csrf, _, err := account.NewToken()
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock.Now()
	if err := e.st.CreateSession(e.ctx, account.Session{TokenHash: hash, UserID: u.ID, CSRFToken: csrf,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(account.SessionAbsolute)}); err != nil {
		e.t.Fatalf("CreateSession: %v", err)
	}
	b := e.tAuthBrowser()
	b.cookies[e.cookie] = &http.Cookie{Name: e.cookie, Value: raw}
	b.csrf = csrf
	return b
}

// session returns the browser's session cookie, or nil.
func (b *tAuthBrowser) session() *http.Cookie { return b.cookies[b.e.cookie] }

// clone is another browser holding the same cookies (a stolen cookie, or
// the state of this browser before a change).
func (b *tAuthBrowser) clone() *tAuthBrowser {
	c := &tAuthBrowser{e: b.e, addr: b.addr, header: b.header.Clone(), cookies: map[string]*http.Cookie{}, csrf: b.csrf}
	for k, v := range b.cookies {
		cc := *v
		c.cookies[k] = &cc
	}
	return c
}

var tAuthCSRFRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *tAuthBrowser) do(req *http.Request) *httptest.ResponseRecorder {
	req.RemoteAddr = b.addr
	for k, vs := range b.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	b.e.mux.ServeHTTP(w, req)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	if m := tAuthCSRFRe.FindStringSubmatch(w.Body.String()); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return w
}

func (b *tAuthBrowser) get(target string) *httptest.ResponseRecorder {
	return b.do(httptest.NewRequest(http.MethodGet, b.e.baseURL+target, nil))
}

// post sends a same-origin form; the browser's last CSRF token is added
// unless fields has one (set it to "" to send none).
func (b *tAuthBrowser) post(target string, fields url.Values) *httptest.ResponseRecorder {
	v := url.Values{}
	for k, vs := range fields {
		v[k] = append([]string(nil), vs...)
	}
	if !v.Has("csrf") {
		v.Set("csrf", b.csrf)
	} else if v.Get("csrf") == "" {
		v.Del("csrf")
	}
	req := httptest.NewRequest(http.MethodPost, b.e.baseURL+target, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.baseURL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// signIn fills the sign-in form as a person would: it opens the form (for
// its CSRF token) and sends it.
func (b *tAuthBrowser) signIn(email, pw, next string) *httptest.ResponseRecorder {
	b.e.t.Helper()
	form := "/admin/signin"
	if next != "" {
		form += "?next=" + url.QueryEscape(next)
	}
	if w := b.get(form); w.Code != http.StatusOK {
		b.e.t.Fatalf("GET %s: %d, want 200", form, w.Code)
	}
	v := url.Values{"email": {email}, "password": {pw}}
	if next != "" {
		v.Set("next", next)
	}
	return b.post("/admin/signin", v)
}

// tAuthStatus fails the test unless w has the status.
func tAuthStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; Location %q; body:\n%s", w.Code, status, w.Header().Get("Location"), w.Body)
	}
}

// tAuthRedirect fails the test unless w is a 303 to the location.
func tAuthRedirect(t *testing.T, w *httptest.ResponseRecorder, location string) {
	t.Helper()
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != location {
		t.Fatalf("got %d to %q, want 303 to %q; body:\n%s", w.Code, w.Header().Get("Location"), location, w.Body)
	}
}

// tAuthBody fails the test unless the body has each string (HTML-escaped
// as the templates escape text).
func tAuthBody(t *testing.T, w *httptest.ResponseRecorder, subs ...string) {
	t.Helper()
	body := html.UnescapeString(w.Body.String())
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q; body:\n%s", s, w.Body)
		}
	}
}

var tAuthAlertRe = regexp.MustCompile(`(?s)<p class="error" role="alert">(.*?)</p>`)

// tAuthAlert is the page's form-level error message.
func tAuthAlert(w *httptest.ResponseRecorder) string {
	m := tAuthAlertRe.FindStringSubmatch(w.Body.String())
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
