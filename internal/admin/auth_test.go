package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/store"
)

const (
	tAuthPassword = "correct horse battery staple"
	tAuthNewPass  = "a brand new passphrase here"
)

// tAuthCookie returns the cookie named name that w sets, or fails.
func tAuthCookie(t *testing.T, w *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie set; Set-Cookie: %q", name, w.Header().Values("Set-Cookie"))
	return nil
}

func TestAuthSignInPageSetsCSRFCookie(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	b := e.tAuthBrowser()
	w := b.get("/admin/signin")
	tAuthStatus(t, w, http.StatusOK)
	c := tAuthCookie(t, w, preCSRFCookie)
	if c.Value == "" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("pre-sign-in CSRF cookie %+v: want a value, HttpOnly, SameSite=Strict", c)
	}
	if b.csrf != c.Value {
		t.Errorf("form token %q differs from the cookie %q", b.csrf, c.Value)
	}
	if got := w.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	// A second visit keeps the token: two open tabs both work.
	w = b.get("/admin/signin")
	for _, c := range w.Result().Cookies() {
		if c.Name == preCSRFCookie {
			t.Errorf("second visit set a new CSRF cookie")
		}
	}
	if b.csrf != c.Value {
		t.Errorf("second visit shows token %q, want the cookie's %q", b.csrf, c.Value)
	}
}

func TestAuthSignInSetsSessionCookie(t *testing.T) {
	for _, tc := range []struct {
		baseURL, name string
		secure        bool
	}{
		{"http://example.test", "samizdat_session", false},
		{"https://example.test", "__Host-samizdat_session", true},
	} {
		t.Run(tc.baseURL, func(t *testing.T) {
			e := tAuthNewEnv(t, tc.baseURL)
			u := e.tAuthUser(account.RoleEditor, tAuthPassword)
			b := e.tAuthBrowser()
			w := b.signIn(u.Email, tAuthPassword, "")
			tAuthRedirect(t, w, "/admin/")
			c := tAuthCookie(t, w, tc.name)
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tc.secure || c.Domain != "" {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, no Domain, Secure=%v", c, tc.secure)
			}
			if c.MaxAge != int(account.SessionAbsolute.Seconds()) {
				t.Errorf("session cookie Max-Age %d, want %v", c.MaxAge, account.SessionAbsolute)
			}
			w = b.get("/admin/")
			tAuthStatus(t, w, http.StatusOK)
			tAuthBody(t, w, u.Email)
			// The token in the cookie is not what the database holds.
			if _, _, err := e.st.SessionByToken(e.ctx, c.Value); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the raw cookie value finds a session (err %v): the store must hold only its hash", err)
			}
			// Signed in, the sign-in page sends you on.
			tAuthRedirect(t, b.get("/admin/signin"), "/admin/")
			// The e-mail address is matched whatever its case.
			b2 := e.tAuthBrowser()
			tAuthRedirect(t, b2.signIn("  "+strings.ToUpper(u.Email)+" ", tAuthPassword, ""), "/admin/")
		})
	}
}

// TestAuthWrongPasswordAndUnknownUserLookAlike: an attacker cannot tell
// which addresses have accounts, by the answer or by its time.
func TestAuthWrongPasswordAndUnknownUserLookAlike(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleEditor, tAuthPassword)
	disabled := e.tAuthUser(account.RoleEditor, tAuthPassword)
	disabled.Disabled = true
	if err := e.st.UpdateUser(e.ctx, disabled); err != nil {
		t.Fatal(err)
	}
	account.CheckPassword("", "warm up the dummy hash")
	b := e.tAuthBrowser()
	try := func(email, pw string) (*httptest.ResponseRecorder, time.Duration) {
		e.clock.Advance(time.Hour) // stay clear of the throttle
		b.get("/admin/signin")
		start := time.Now()
		w := b.post("/admin/signin", url.Values{"email": {email}, "password": {pw}})
		return w, time.Since(start)
	}
	var wrongTime, unknownTime time.Duration
	for i := range 3 {
		wrong, d1 := try(u.Email, "not the password at all")
		unknown, d2 := try(fmt.Sprintf("nobody%d@example.org", i), "not the password at all")
		noPassword, _ := try(disabled.Email, tAuthPassword)
		wrongTime, unknownTime = wrongTime+d1, unknownTime+d2
		for name, w := range map[string]*httptest.ResponseRecorder{"wrong password": wrong, "unknown e-mail": unknown, "disabled account": noPassword} {
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("%s: status %d, want 401; body:\n%s", name, w.Code, w.Body)
			}
			if len(w.Result().Cookies()) != 0 {
				for _, c := range w.Result().Cookies() {
					if c.Name == sessionCookie {
						t.Fatalf("%s: a session cookie was set", name)
					}
				}
			}
		}
		msg := tAuthAlert(wrong)
		if msg == "" || msg != tAuthAlert(unknown) || msg != tAuthAlert(noPassword) {
			t.Fatalf("messages differ: wrong password %q, unknown e-mail %q, disabled %q", msg, tAuthAlert(unknown), tAuthAlert(noPassword))
		}
		if strings.Contains(strings.ToLower(msg), "unknown") || strings.Contains(strings.ToLower(msg), "no account") {
			t.Errorf("message %q says whether the account exists", msg)
		}
	}
	t.Logf("wrong password: %v, unknown e-mail: %v (3 tries each)", wrongTime, unknownTime)
	if unknownTime < wrongTime/2 {
		t.Errorf("unknown e-mail answered in %v, wrong password in %v: the time tells which addresses exist", unknownTime, wrongTime)
	}
}

var tAuthWaitRe = regexp.MustCompile(`Try again in (\d+) (second|minute)s?\.`)

// tAuthThrottled fails unless w is the throttle's answer, and returns the
// wait it names in seconds.
func tAuthThrottled(t *testing.T, w *httptest.ResponseRecorder) int {
	t.Helper()
	tAuthStatus(t, w, http.StatusTooManyRequests)
	msg := tAuthAlert(w)
	m := tAuthWaitRe.FindStringSubmatch(msg)
	if !strings.Contains(msg, "Too many failed attempts") || m == nil {
		t.Fatalf("throttle message %q", msg)
	}
	if len(w.Result().Cookies()) > 0 {
		for _, c := range w.Result().Cookies() {
			if c.Name == sessionCookie {
				t.Fatal("a throttled attempt set a session cookie")
			}
		}
	}
	var n int
	fmt.Sscan(m[1], &n)
	if m[2] == "minute" {
		n *= 60
	}
	if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("throttled with Retry-After %q, want whole seconds", w.Header().Get("Retry-After"))
	}
	return n
}

func TestAuthThrottlePerAccount(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleEditor, tAuthPassword)
	b := e.tAuthBrowser()
	wrong := func() {
		t.Helper()
		tAuthStatus(t, b.signIn(u.Email, "wrong password, try again", ""), http.StatusUnauthorized)
	}
	right := func() *httptest.ResponseRecorder { return e.tAuthBrowser().signIn(u.Email, tAuthPassword, "") }

	for range freeAttempts {
		wrong()
	}
	// Even the right password is refused now, without a word about it.
	if n := tAuthThrottled(t, right()); n != 1 {
		t.Errorf("first wait %d s, want 1", n)
	}
	e.clock.Advance(time.Second)
	wrong() // the 4th failure: the wait doubles
	if n := tAuthThrottled(t, right()); n != 2 {
		t.Errorf("second wait %d s, want 2", n)
	}
	e.clock.Advance(time.Second)
	tAuthThrottled(t, right())
	e.clock.Advance(time.Second)
	wrong() // the 5th
	if n := tAuthThrottled(t, right()); n != 4 {
		t.Errorf("third wait %d s, want 4", n)
	}
	e.clock.Advance(3 * time.Second)
	tAuthThrottled(t, right())
	// Another account from the same address is not held up.
	other := e.tAuthUser(account.RoleAuthor, tAuthPassword)
	tAuthRedirect(t, e.tAuthBrowser().signIn(other.Email, tAuthPassword, ""), "/admin/")

	e.clock.Advance(time.Second)
	tAuthRedirect(t, right(), "/admin/")
	// Success cleared the account's count: two failures are free again.
	wrong()
	wrong()
	tAuthRedirect(t, right(), "/admin/")

	// The waits stop growing at maxWait.
	for range 13 { // 2^(13-3) s would be over maxWait
		e.clock.Advance(maxWait)
		wrong()
	}
	if n := tAuthThrottled(t, right()); n != int(maxWait.Seconds()) {
		t.Errorf("wait %d s, want %v", n, maxWait)
	}
	e.clock.Advance(maxWait)
	tAuthRedirect(t, right(), "/admin/")
}

// TestAuthThrottlePerAddress: failures on other accounts from one address
// never hold up an account's right password; once the account has failures
// of its own, the address's record counts too.
func TestAuthThrottlePerAddress(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleEditor, tAuthPassword)
	attacker := e.tAuthBrowser()
	attacker.addr = "203.0.113.7:4242"
	for i := range freeAttemptsIP {
		// A different account each time: no account reaches its own limit.
		tAuthStatus(t, attacker.signIn(fmt.Sprintf("guess%d@example.org", i), "password guess 123", ""), http.StatusUnauthorized)
	}
	// A colleague at the same address (an office, a Tor exit) knows the
	// password: in at once.
	colleague := func() *tAuthBrowser {
		b := e.tAuthBrowser()
		b.addr = "203.0.113.7:5151"
		return b
	}
	tAuthRedirect(t, colleague().signIn(u.Email, tAuthPassword, ""), "/admin/")
	// Once the account has a failure, the address's record applies to it.
	tAuthStatus(t, attacker.signIn(u.Email, "password guess 456", ""), http.StatusUnauthorized)
	if n := tAuthThrottled(t, colleague().signIn(u.Email, tAuthPassword, "")); n != 2 {
		t.Errorf("wait %d s, want 2 (after the address's 11th failure)", n)
	}
	// Not for the account elsewhere; and success there clears the account.
	tAuthRedirect(t, e.tAuthBrowser().signIn(u.Email, tAuthPassword, ""), "/admin/")
	tAuthRedirect(t, colleague().signIn(u.Email, tAuthPassword, ""), "/admin/")
	// Every failure counts for the address; successes give back their charge.
	if n, _, err := e.st.Throttle(e.ctx, "ip:203.0.113.7"); err != nil || n != freeAttemptsIP+1 {
		t.Errorf("failures counted for the address: %d (%v), want %d", n, err, freeAttemptsIP+1)
	}
}

func TestAuthSessionIdleExpiry(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleEditor, tAuthPassword)
	b := e.tAuthBrowser()
	tAuthRedirect(t, b.signIn(u.Email, tAuthPassword, ""), "/admin/")
	// Activity keeps the session alive past the idle limit.
	for range 3 {
		e.clock.Advance(account.SessionIdle - time.Minute)
		tAuthStatus(t, b.get("/admin/password"), http.StatusOK)
	}
	e.clock.Advance(account.SessionIdle + time.Second)
	tAuthRedirect(t, b.get("/admin/password"), "/admin/signin?next=%2Fadmin%2Fpassword")
	w := b.post("/admin/password", url.Values{"current": {tAuthPassword}})
	tAuthStatus(t, w, http.StatusUnauthorized)
	tAuthBody(t, w, "Sign in again")
}

func TestAuthSessionAbsoluteExpiry(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleEditor, tAuthPassword)
	b := e.tAuthBrowser()
	tAuthRedirect(t, b.signIn(u.Email, tAuthPassword, ""), "/admin/")
	stolen := b.clone()
	for elapsed := time.Hour; elapsed < account.SessionAbsolute; elapsed += time.Hour {
		e.clock.Advance(time.Hour)
		tAuthStatus(t, b.get("/admin/"), http.StatusOK)
	}
	e.clock.Advance(time.Hour) // 12 hours after sign-in, however active
	tAuthRedirect(t, b.get("/admin/"), "/admin/signin?next=%2Fadmin%2F")
	tAuthRedirect(t, stolen.get("/admin/"), "/admin/signin?next=%2Fadmin%2F")
}

func TestAuthSignOut(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleAuthor, tAuthPassword)
	b := e.tAuthBrowser()
	tAuthRedirect(t, b.signIn(u.Email, tAuthPassword, ""), "/admin/")
	tAuthStatus(t, b.get("/admin/"), http.StatusOK)
	old := b.clone()
	raw := b.session().Value

	w := b.post("/admin/signout", nil)
	tAuthRedirect(t, w, "/admin/signin")
	if c := tAuthCookie(t, w, sessionCookie); c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("sign-out cookie %+v: want it deleted", c)
	}
	if _, _, err := e.st.SessionByToken(e.ctx, account.HashToken(raw)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session still stored after sign-out (err %v)", err)
	}
	// The old cookie, replayed, no longer works.
	tAuthRedirect(t, old.get("/admin/"), "/admin/signin?next=%2Fadmin%2F")
	tAuthStatus(t, old.post("/admin/password", nil), http.StatusUnauthorized)
}

func TestAuthPasswordChange(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleEditor, tAuthPassword)
	here, there := e.tAuthBrowser(), e.tAuthBrowser()
	tAuthRedirect(t, here.signIn(u.Email, tAuthPassword, ""), "/admin/")
	tAuthRedirect(t, there.signIn(u.Email, tAuthPassword, ""), "/admin/")
	tAuthStatus(t, here.get("/admin/password"), http.StatusOK)

	// Wrong current password: nothing changes.
	w := here.post("/admin/password", url.Values{"current": {"not my password!"}, "password": {tAuthNewPass}, "confirm": {tAuthNewPass}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "That is not your current password.")
	if !strings.Contains(w.Body.String(), `class="fielderror"`) {
		t.Error("no field error shown")
	}
	tAuthStatus(t, there.get("/admin/"), http.StatusOK)
	// Too short, and different confirmation.
	w = here.post("/admin/password", url.Values{"current": {tAuthPassword}, "password": {"short"}, "confirm": {"short"}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "at least 12 characters")
	w = here.post("/admin/password", url.Values{"current": {tAuthPassword}, "password": {tAuthNewPass}, "confirm": {tAuthNewPass + "x"}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "The two passwords differ.")
	tAuthStatus(t, there.get("/admin/"), http.StatusOK)

	oldHere := here.clone()
	w = here.post("/admin/password", url.Values{"current": {tAuthPassword}, "password": {tAuthNewPass}, "confirm": {tAuthNewPass}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/admin/?done=") {
		t.Fatalf("change: %d to %q; body:\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	// This browser stays signed in (on a new session); every other ends.
	tAuthStatus(t, here.get("/admin/"), http.StatusOK)
	if here.session().Value == oldHere.session().Value {
		t.Error("the session token did not change with the password")
	}
	tAuthRedirect(t, there.get("/admin/"), "/admin/signin?next=%2Fadmin%2F")
	tAuthRedirect(t, oldHere.get("/admin/"), "/admin/signin?next=%2Fadmin%2F")
	// The new password works; the old one does not.
	tAuthStatus(t, e.tAuthBrowser().signIn(u.Email, tAuthPassword, ""), http.StatusUnauthorized)
	tAuthRedirect(t, e.tAuthBrowser().signIn(u.Email, tAuthNewPass, ""), "/admin/")
}

func TestAuthCSRF(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleEditor, tAuthPassword)
	b := e.tAuthBrowser()
	tAuthRedirect(t, b.signIn(u.Email, tAuthPassword, ""), "/admin/")
	tAuthStatus(t, b.get("/admin/password"), http.StatusOK)
	token := b.csrf

	// No token, or another one: refused before the handler runs.
	for name, csrf := range map[string]string{"missing": "", "wrong": "x" + token, "pre-sign-in token": b.cookies[preCSRFCookie].Value} {
		w := b.post("/admin/signout", url.Values{"csrf": {csrf}})
		if w.Code != http.StatusForbidden {
			t.Errorf("%s token: status %d, want 403", name, w.Code)
		}
	}
	tAuthStatus(t, b.get("/admin/"), http.StatusOK) // still signed in

	// The token in a header works too (for scripts of the admin itself).
	req := httptest.NewRequest(http.MethodPost, "http://example.test/admin/password", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", token)
	tAuthStatus(t, b.do(req), http.StatusUnprocessableEntity)

	// A cross-site request is refused even with a valid token.
	for _, path := range []string{"/admin/signout", "/admin/password"} {
		v := url.Values{"csrf": {token}, "current": {tAuthPassword}, "password": {tAuthNewPass}, "confirm": {tAuthNewPass}}
		req := httptest.NewRequest(http.MethodPost, "http://example.test"+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if w := b.do(req); w.Code != http.StatusForbidden {
			t.Errorf("cross-site POST %s: status %d, want 403", path, w.Code)
		}
	}
	// An Origin of another host, without Sec-Fetch-Site (older browsers).
	req = httptest.NewRequest(http.MethodPost, "http://example.test/admin/signout", strings.NewReader("csrf="+url.QueryEscape(token)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if w := b.do(req); w.Code != http.StatusForbidden {
		t.Errorf("POST with a foreign Origin: status %d, want 403", w.Code)
	}
	tAuthStatus(t, b.get("/admin/"), http.StatusOK)
	tAuthStatus(t, e.tAuthBrowser().signIn(u.Email, tAuthNewPass, ""), http.StatusUnauthorized) // password unchanged

	// The sign-in form needs its pre-sign-in token too.
	fresh := e.tAuthBrowser()
	fresh.get("/admin/signin")
	w := fresh.post("/admin/signin", url.Values{"csrf": {""}, "email": {u.Email}, "password": {tAuthPassword}})
	tAuthStatus(t, w, http.StatusForbidden)
	noCookie := e.tAuthBrowser()
	noCookie.csrf = fresh.csrf // a token copied from a page, without its cookie
	tAuthStatus(t, noCookie.post("/admin/signin", url.Values{"email": {u.Email}, "password": {tAuthPassword}}), http.StatusForbidden)
	req = httptest.NewRequest(http.MethodPost, "http://example.test/admin/signin",
		strings.NewReader(url.Values{"csrf": {fresh.csrf}, "email": {u.Email}, "password": {tAuthPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	tAuthStatus(t, fresh.do(req), http.StatusForbidden) // no login CSRF
}

var tAuthInviteRe = regexp.MustCompile(`/admin/invite/([A-Za-z0-9_-]{20,})`)

// tAuthInvite has the admin browser invite email with role and returns the
// link path.
func tAuthInvite(t *testing.T, admin *tAuthBrowser, email string, role account.Role) string {
	t.Helper()
	tAuthStatus(t, admin.get("/admin/users"), http.StatusOK)
	w := admin.post("/admin/users/invite", url.Values{"email": {email}, "role": {string(role)}})
	tAuthStatus(t, w, http.StatusOK)
	m := tAuthInviteRe.FindString(w.Body.String())
	if m == "" {
		t.Fatalf("no invitation link on the page:\n%s", w.Body)
	}
	return m
}

func TestAuthInvitation(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	adminUser := e.tAuthUser(account.RoleAdmin, "")
	admin := e.tAuthSession(adminUser)
	link := tAuthInvite(t, admin, "Nadia@Example.org", account.RoleEditor)

	nadia := e.tAuthBrowser()
	w := nadia.get(link)
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, "nadia@example.org", "role: editor")

	// Too short: refused, with the message and the name kept.
	w = nadia.post(link, url.Values{"name": {"Nadia Novak"}, "password": {"short"}, "confirm": {"short"}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "at least 12 characters", `value="Nadia Novak"`)
	w = nadia.post(link, url.Values{"name": {"Nadia Novak"}, "password": {tAuthPassword}, "confirm": {"something else entirely"}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "The two passwords differ.", `value="Nadia Novak"`)

	// Accepted: the account exists with the invited role, and is signed in.
	w = nadia.post(link, url.Values{"name": {"Nadia Novak"}, "password": {tAuthPassword}, "confirm": {tAuthPassword}})
	tAuthRedirect(t, w, "/admin/")
	tAuthCookie(t, w, sessionCookie)
	w = nadia.get("/admin/")
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, "nadia@example.org, editor")
	u, err := e.st.UserByEmail(e.ctx, "nadia@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != account.RoleEditor || u.Name != "Nadia Novak" || !account.CheckPassword(u.PasswordHash, tAuthPassword) {
		t.Errorf("new account %+v: want editor Nadia Novak with the chosen password", u)
	}
	tAuthRedirect(t, e.tAuthBrowser().signIn("nadia@example.org", tAuthPassword, ""), "/admin/")

	// The link works once.
	for _, w := range []*httptest.ResponseRecorder{
		e.tAuthBrowser().get(link),
		func() *httptest.ResponseRecorder {
			b := e.tAuthBrowser()
			b.get("/admin/signin")
			return b.post(link, url.Values{"name": {"Mallory"}, "password": {tAuthNewPass}, "confirm": {tAuthNewPass}})
		}(),
	} {
		if w.Code != http.StatusNotFound && w.Code != http.StatusGone {
			t.Errorf("used link: status %d, want 404 or 410", w.Code)
		}
		tAuthBody(t, w, "This link has expired or was already used")
	}
	if u2, _ := e.st.UserByEmail(e.ctx, "nadia@example.org"); u2.Name != "Nadia Novak" || !account.CheckPassword(u2.PasswordHash, tAuthPassword) {
		t.Error("the used link changed the account")
	}

	// An address that has an account cannot be invited.
	for _, email := range []string{"nadia@example.org", " NADIA@example.org ", adminUser.Email} {
		w = admin.post("/admin/users/invite", url.Values{"email": {email}, "role": {"author"}})
		tAuthStatus(t, w, http.StatusUnprocessableEntity)
		tAuthBody(t, w, "This address already has an account.")
	}
	// Nor an address that is not one, nor an unknown role.
	tAuthStatus(t, admin.post("/admin/users/invite", url.Values{"email": {"not an address"}, "role": {"author"}}), http.StatusUnprocessableEntity)
	w = admin.post("/admin/users/invite", url.Values{"email": {"zed@example.org"}, "role": {"root"}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "Choose a role.")
}

// TestAuthInvitationForTakenAddress: two invitations to one address; once
// the first is used, the second is refused with a clear message.
func TestAuthInvitationForTakenAddress(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	admin := e.tAuthSession(e.tAuthUser(account.RoleAdmin, ""))
	first := tAuthInvite(t, admin, "olga@example.org", account.RoleAuthor)
	second := tAuthInvite(t, admin, "olga@example.org", account.RoleAdmin)
	b := e.tAuthBrowser()
	b.get(first)
	tAuthRedirect(t, b.post(first, url.Values{"name": {"Olga"}, "password": {tAuthPassword}, "confirm": {tAuthPassword}}), "/admin/")

	c := e.tAuthBrowser()
	c.get(second)
	w := c.post(second, url.Values{"name": {"Olga again"}, "password": {tAuthNewPass}, "confirm": {tAuthNewPass}})
	if w.Code != http.StatusConflict && w.Code != http.StatusGone && w.Code != http.StatusNotFound {
		t.Fatalf("second invitation to a taken address: status %d, want 409, 410 or 404; body:\n%s", w.Code, w.Body)
	}
	tAuthBody(t, w, "already has an account")
	u, err := e.st.UserByEmail(e.ctx, "olga@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != account.RoleAuthor || !account.CheckPassword(u.PasswordHash, tAuthPassword) {
		t.Errorf("account %+v changed by the second invitation", u)
	}
}

func TestAuthInvitationExpires(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	admin := e.tAuthSession(e.tAuthUser(account.RoleAdmin, ""))
	link := tAuthInvite(t, admin, "late@example.org", account.RoleAuthor)
	b := e.tAuthBrowser()
	e.clock.Advance(account.InviteLifetime - time.Minute)
	tAuthStatus(t, b.get(link), http.StatusOK)
	e.clock.Advance(time.Minute + time.Second)
	w := b.get(link)
	tAuthStatus(t, w, http.StatusNotFound)
	tAuthBody(t, w, "This link has expired or was already used. Ask an administrator for a new one.")
	w = b.post(link, url.Values{"name": {"Late"}, "password": {tAuthPassword}, "confirm": {tAuthPassword}})
	if w.Code != http.StatusNotFound && w.Code != http.StatusGone {
		t.Fatalf("expired link POST: status %d, want 404 or 410", w.Code)
	}
	if _, err := e.st.UserByEmail(e.ctx, "late@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired invitation made an account (err %v)", err)
	}
	// A token that never existed.
	tAuthStatus(t, b.get("/admin/invite/x"), http.StatusNotFound)
}

func TestAuthUsersAdmin(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	me := e.tAuthUser(account.RoleAdmin, "")
	admin := e.tAuthSession(me)
	tAuthStatus(t, admin.get("/admin/users"), http.StatusOK)
	self := fmt.Sprintf("/admin/users/%d", me.ID)

	// An admin can neither demote nor disable themself.
	for _, v := range []url.Values{{"role": {"editor"}}, {"role": {"revenue"}}, {"role": {"admin"}, "disabled": {"1"}}} {
		w := admin.post(self, v)
		tAuthStatus(t, w, http.StatusBadRequest)
		tAuthBody(t, w, "You cannot demote or disable your own account")
	}
	if u, _ := e.st.UserByID(e.ctx, me.ID); u.Role != account.RoleAdmin || u.Disabled {
		t.Fatalf("own account changed: %+v", u)
	}
	tAuthRedirect(t, admin.post(self, url.Values{"role": {"admin"}}), "/admin/users?done=Saved.")

	// Disabling a user ends their sessions and stops sign-in.
	victim := e.tAuthUser(account.RoleEditor, tAuthPassword)
	vb := e.tAuthBrowser()
	tAuthRedirect(t, vb.signIn(victim.Email, tAuthPassword, ""), "/admin/")
	other := e.tAuthSession(victim)
	tAuthRedirect(t, admin.post(fmt.Sprintf("/admin/users/%d", victim.ID), url.Values{"role": {"editor"}, "disabled": {"1"}}), "/admin/users?done=Saved.")
	tAuthRedirect(t, vb.get("/admin/"), "/admin/signin?next=%2Fadmin%2F")
	tAuthRedirect(t, other.get("/admin/"), "/admin/signin?next=%2Fadmin%2F")
	tAuthStatus(t, e.tAuthBrowser().signIn(victim.Email, tAuthPassword, ""), http.StatusUnauthorized)
	// Enabled again, and demoted: sign-in works with the new role.
	tAuthRedirect(t, admin.post(fmt.Sprintf("/admin/users/%d", victim.ID), url.Values{"role": {"author"}}), "/admin/users?done=Saved.")
	nb := e.tAuthBrowser()
	tAuthRedirect(t, nb.signIn(victim.Email, tAuthPassword, ""), "/admin/")
	tAuthBody(t, nb.get("/admin/"), victim.Email+", author")

	// A role change takes effect on sessions at once.
	promoted := e.tAuthUser(account.RoleAuthor, "")
	pb := e.tAuthSession(promoted)
	tAuthStatus(t, pb.get("/admin/sections"), http.StatusForbidden)
	tAuthRedirect(t, admin.post(fmt.Sprintf("/admin/users/%d", promoted.ID), url.Values{"role": {"editor"}}), "/admin/users?done=Saved.")
	if w := pb.get("/admin/sections"); w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized {
		t.Errorf("promoted to editor, /admin/sections still %d", w.Code)
	}

	// Unknown user, bad id, bad role.
	tAuthStatus(t, admin.post("/admin/users/999999", url.Values{"role": {"author"}}), http.StatusNotFound)
	tAuthStatus(t, admin.post("/admin/users/abc", url.Values{"role": {"author"}}), http.StatusNotFound)
	tAuthStatus(t, admin.post(fmt.Sprintf("/admin/users/%d", victim.ID), url.Values{"role": {"root"}}), http.StatusBadRequest)
}

func TestAuthOpenRedirect(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleEditor, tAuthPassword)
	for next, want := range map[string]string{
		"//evil.example":              "/admin/",
		"https://evil.example":        "/admin/",
		"https://evil.example/admin/": "/admin/",
		"/\\evil.example":             "/admin/",
		"/admin/\\\\evil.example":     "/admin/",
		"javascript:alert(1)":         "/admin/",
		"/admin/password":             "/admin/password",
		"/admin/users?done=x":         "/admin/users?done=x",
	} {
		t.Run(next, func(t *testing.T) {
			e.clock.Advance(time.Hour)
			b := e.tAuthBrowser()
			w := b.signIn(u.Email, tAuthPassword, next)
			tAuthRedirect(t, w, want)
			if loc, err := url.Parse(w.Header().Get("Location")); err != nil || loc.Host != "" || loc.Scheme != "" {
				t.Errorf("Location %q leaves the site", w.Header().Get("Location"))
			}
		})
	}
	// The form carries only a safe next.
	w := e.tAuthBrowser().get("/admin/signin?next=" + url.QueryEscape("//evil.example"))
	tAuthStatus(t, w, http.StatusOK)
	if strings.Contains(w.Body.String(), "evil.example") {
		t.Error("the sign-in form carries the foreign next")
	}
}

// TestAuthSignInAgainEndsOldSession: signing in while signed in replaces the
// browser's session; the old token stops working at once.
func TestAuthSignInAgainEndsOldSession(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleEditor, tAuthPassword)
	b := e.tAuthBrowser()
	tAuthRedirect(t, b.signIn(u.Email, tAuthPassword, ""), "/admin/")
	old := b.clone()
	raw := b.session().Value
	// The sign-in form was still open in another tab: it is sent again.
	tAuthRedirect(t, b.post("/admin/signin", url.Values{"email": {u.Email}, "password": {tAuthPassword}}), "/admin/")
	if b.session().Value == raw {
		t.Fatal("signing in again kept the same session token")
	}
	if _, _, err := e.st.SessionByToken(e.ctx, account.HashToken(raw)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the replaced session is still stored (err %v)", err)
	}
	tAuthRedirect(t, old.get("/admin/"), "/admin/signin?next=%2Fadmin%2F")
	tAuthStatus(t, b.get("/admin/"), http.StatusOK)
}

// TestAuthPasswordChangeThrottled: a stolen session cannot guess the
// current password at full speed.
func TestAuthPasswordChangeThrottled(t *testing.T) {
	e := tAuthNewEnv(t, "http://example.test")
	u := e.tAuthUser(account.RoleEditor, tAuthPassword)
	b := e.tAuthBrowser()
	tAuthRedirect(t, b.signIn(u.Email, tAuthPassword, ""), "/admin/")
	tAuthStatus(t, b.get("/admin/password"), http.StatusOK)
	change := func(current string) *httptest.ResponseRecorder {
		return b.post("/admin/password", url.Values{"current": {current}, "password": {tAuthNewPass}, "confirm": {tAuthNewPass}})
	}
	for range freeAttempts {
		tAuthStatus(t, change("guess number one"), http.StatusUnprocessableEntity)
	}
	w := change(tAuthPassword)
	tAuthStatus(t, w, http.StatusTooManyRequests)
	tAuthBody(t, w, "Too many wrong passwords")
	e.clock.Advance(time.Second)
	tAuthRedirect(t, change(tAuthPassword), "/admin/?done=Password+changed.+Every+other+session+was+signed+out.")
	tAuthRedirect(t, e.tAuthBrowser().signIn(u.Email, tAuthNewPass, ""), "/admin/")
}
