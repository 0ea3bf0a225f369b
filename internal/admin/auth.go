package admin

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Throttling: after freeAttempts failures, each further attempt for the
// same account (or from the same address, more leniently) must wait twice as
// long as the last, up to maxWait. Attempts are charged before the password
// is checked (store.ReserveAttempt), so that attempts arriving together, on
// one node or several, cannot all pass the same reading of the counters.
const (
	freeAttempts   = 3
	freeAttemptsIP = 10
	maxWait        = 15 * time.Minute
)

func waitFor(failures, free int) time.Duration {
	if failures < free {
		return 0
	}
	d := time.Duration(math.Pow(2, float64(failures-free))) * time.Second
	return min(d, maxWait)
}

// remaining is what is left of the wait a counter imposes at now.
func remaining(now time.Time, c store.ThrottleCount, free int) time.Duration {
	return max(waitFor(c.Failures, free)-now.Sub(c.Last), 0)
}

// signInWait is how long a sign-in attempt must wait, given the failures
// of the e-mail address typed and of the address the attempt comes from.
//
// The account's own failures always count. The address's count only once
// the account has failures of its own (since its last successful sign-in):
// failures on other accounts from the same address, such as a guesser
// sharing an office NAT, a Tor exit or, without --trusted-proxy, the
// reverse proxy, never hold up an account's first attempt, so they cannot
// lock anyone out of an account they know the password of. What the
// address limit still does: a guesser gets at most one try at each
// account before the address's waits apply to it, rather than freeAttempts.
//
// The rule looks at the counter of the typed e-mail address, which exists
// whether or not the address has an account, so the answer says nothing
// about who has one. The price: a flood of fresh addresses from one place
// is checked once each; hashGate keeps that flood's memory and CPU
// bounded.
func signInWait(now time.Time, acct, addr store.ThrottleCount) time.Duration {
	wait := remaining(now, acct, freeAttempts)
	if acct.Failures > 0 {
		wait = max(wait, remaining(now, addr, freeAttemptsIP))
	}
	return wait
}

// retryAfter sets the Retry-After header of a 429 to a wait, in whole
// seconds rounded up.
func retryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
}

func (a *Admin) authRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/signin", Public: true, handler: a.signInForm},
		{Pattern: "POST /admin/signin", Public: true, handler: a.signIn},
		{Pattern: "GET /admin/invite/{token}", Public: true, handler: a.inviteForm},
		{Pattern: "POST /admin/invite/{token}", Public: true, handler: a.acceptInvite},
		{Pattern: "POST /admin/signout", Perm: account.ViewAdmin, handler: a.signOut},
		{Pattern: "GET /admin/{$}", Perm: account.ViewAdmin, handler: a.dashboard},
		{Pattern: "GET /admin/password", Perm: account.ViewAdmin, handler: a.passwordForm},
		{Pattern: "POST /admin/password", Perm: account.ViewAdmin, handler: a.changePassword},
		{Pattern: "GET /admin/users", Perm: account.ManageUsers, handler: a.users},
		{Pattern: "POST /admin/users/invite", Perm: account.ManageUsers, handler: a.inviteUser},
		{Pattern: "POST /admin/users/{id}", Perm: account.ManageUsers, handler: a.updateUser},
	}
}

type signInData struct {
	page
	Email string
	Next  string
}

func (a *Admin) signInForm(w http.ResponseWriter, r *http.Request) error {
	if sessionFrom(r.Context()) != nil {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return nil
	}
	return a.render(w, http.StatusOK, "signin", signInData{page: a.newPage(r, a.loc(r).T("Sign in")), Next: safeNext(r.URL.Query().Get("next"))})
}

// safeNext keeps redirects after sign-in inside the admin.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return "/admin/"
}

// clientAddr is the address the per-address limit counts: the client's,
// as far as the trusted proxies (Config.ClientIP) say.
func (a *Admin) clientAddr(r *http.Request) string {
	if addr := a.clientIP.Addr(r); addr.IsValid() {
		return addr.String()
	}
	return r.RemoteAddr
}

func (a *Admin) signIn(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	password := r.PostFormValue("password")
	data := signInData{page: a.newPage(r, a.loc(r).T("Sign in")), Email: email, Next: safeNext(r.PostFormValue("next"))}
	addr := a.clientAddr(r)
	accountKey, addrKey := "account:"+email, "ip:"+addr
	keys := []string{accountKey, addrKey}
	now := a.now()
	wait, err := a.db.ReserveAttempt(ctx, now, keys, func(c []store.ThrottleCount) time.Duration {
		return signInWait(now, c[0], c[1])
	})
	if err != nil {
		return err
	}
	if wait > 0 {
		retryAfter(w, wait)
		data.Errors["form"] = a.loc(r).T("Too many failed attempts. Try again in %s.", humanWait(a.loc(r), wait))
		return a.render(w, http.StatusTooManyRequests, "signin", data)
	}
	// From here the attempt counts as a failure until the password proves
	// right: an error on the way leaves it charged, which errs on the safe side.
	u, err := a.db.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// The password is checked even for an unknown account (against a dummy
	// hash), so the answer takes the same time and says the same thing.
	ok, checkErr := a.hashes.check(ctx, u.PasswordHash, password)
	if checkErr != nil {
		// No password was checked: the attempt is given back, so that a
		// busy server locks nobody out. Even if the client has gone.
		if err := a.db.SettleAttempt(context.WithoutCancel(ctx), nil, keys); err != nil {
			return err
		}
		return a.renderBusy(w, r, "signin", data.Errors, data)
	}
	if !ok || err != nil || u.Disabled {
		a.log.Info("sign-in failed", "ip", addr)
		data.Errors["form"] = a.loc(r).T("That e-mail address and password do not match an account.")
		return a.render(w, http.StatusUnauthorized, "signin", data)
	}
	// Right: the account's failures are forgotten; the address only gets
	// back this attempt's charge, so that colleagues signing in from one
	// office do not add up, and one good password does not wipe out a
	// guesser's record at the same address.
	if err := a.db.SettleAttempt(ctx, []string{accountKey}, []string{addrKey}); err != nil {
		return err
	}
	if err := a.startSession(w, r, u); err != nil {
		return err
	}
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
	return nil
}

// passwordProblem says what is wrong with a password account.ValidatePassword
// refused, in the page's language (account's errors are for logs and the
// command line).
func passwordProblem(loc *i18n.Locale, pw string) string {
	if utf8.RuneCountInString(pw) < account.MinPassword {
		return loc.T("use at least %d characters (a few unrelated words work well)", account.MinPassword)
	}
	return loc.T("use at most %d characters", account.MaxPassword)
}

func humanWait(loc *i18n.Locale, d time.Duration) string {
	if d < time.Minute {
		return loc.T("%d seconds", int(d.Seconds()+0.5))
	}
	return loc.T("%d minutes", int(d.Minutes()+0.5))
}

func (a *Admin) signOut(w http.ResponseWriter, r *http.Request) error {
	a.endSession(w, r)
	http.Redirect(w, r, "/admin/signin", http.StatusSeeOther)
	return nil
}

type inviteData struct {
	page
	Invite account.Invite
	Name   string
	Reset  bool
}

func (a *Admin) invite(r *http.Request) (account.Invite, error) {
	in, err := a.db.InviteByToken(r.Context(), account.HashToken(r.PathValue("token")), a.now())
	if errors.Is(err, store.ErrNotFound) {
		return in, &httpx.Error{Status: http.StatusNotFound, Message: a.loc(r).T("This link has expired or was already used. Ask an administrator for a new one.")}
	}
	return in, err
}

func (a *Admin) inviteForm(w http.ResponseWriter, r *http.Request) error {
	in, err := a.invite(r)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "invite", inviteData{page: a.newPage(r, a.loc(r).T("Set your password")), Invite: in, Reset: in.UserID != 0})
}

func (a *Admin) acceptInvite(w http.ResponseWriter, r *http.Request) error {
	in, err := a.invite(r)
	if err != nil {
		return err
	}
	data := inviteData{page: a.newPage(r, a.loc(r).T("Set your password")), Invite: in, Reset: in.UserID != 0,
		Name: strings.TrimSpace(r.PostFormValue("name"))}
	pw, confirm := r.PostFormValue("password"), r.PostFormValue("confirm")
	if err := account.ValidatePassword(pw); err != nil {
		data.Errors["password"] = a.loc(r).T("Password: %s.", passwordProblem(a.loc(r), pw))
	} else if pw != confirm {
		data.Errors["confirm"] = a.loc(r).T("The two passwords differ.")
	}
	if len(data.Errors) > 0 {
		return a.render(w, http.StatusUnprocessableEntity, "invite", data)
	}
	hash, err := a.hashes.hash(r.Context(), pw)
	if errors.Is(err, errBusy) {
		return a.renderBusy(w, r, "invite", data.Errors, data) // the link is not spent
	}
	if err != nil {
		return err
	}
	u, err := a.db.AcceptInvite(r.Context(), account.HashToken(r.PathValue("token")), data.Name, hash)
	if errors.Is(err, store.ErrNotFound) {
		return &httpx.Error{Status: http.StatusGone, Message: a.loc(r).T("This link has expired or was already used. Ask an administrator for a new one.")}
	}
	if errors.Is(err, store.ErrConflict) {
		// Another invitation to the same address was accepted first.
		return &httpx.Error{Status: http.StatusConflict, Message: a.loc(r).T("%s already has an account. Sign in, or ask an administrator to reset its password.", in.Email)}
	}
	if err != nil {
		return err
	}
	if err := a.startSession(w, r, u); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
	return nil
}

func (a *Admin) passwordForm(w http.ResponseWriter, r *http.Request) error {
	return a.render(w, http.StatusOK, "password", a.newPage(r, a.loc(r).T("Change password")))
}

// changePassword sets a new password; every session of the account ends,
// and this browser gets a new one.
func (a *Admin) changePassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s := sessionFrom(ctx)
	p := a.newPage(r, a.loc(r).T("Change password"))
	current, pw, confirm := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm")
	// Guessing the current password from a stolen session is throttled
	// like guessing it at the sign-in form, and charged before the check
	// in the same way.
	throttleKey := "password:" + strconv.FormatInt(s.user.ID, 10)
	now := a.now()
	wait, err := a.db.ReserveAttempt(ctx, now, []string{throttleKey}, func(c []store.ThrottleCount) time.Duration {
		return remaining(now, c[0], freeAttempts)
	})
	if err != nil {
		return err
	}
	if wait > 0 {
		retryAfter(w, wait)
		p.Errors["current"] = a.loc(r).T("Too many wrong passwords. Try again in %s.", humanWait(a.loc(r), wait))
		return a.render(w, http.StatusTooManyRequests, "password", p)
	}
	ok, err := a.hashes.check(ctx, s.user.PasswordHash, current)
	if err != nil {
		if err := a.db.SettleAttempt(context.WithoutCancel(ctx), nil, []string{throttleKey}); err != nil {
			return err
		}
		return a.renderBusy(w, r, "password", p.Errors, p)
	}
	if !ok {
		p.Errors["current"] = a.loc(r).T("That is not your current password.")
	} else {
		// The current password was right, whatever is wrong with the new one.
		if err := a.db.SettleAttempt(ctx, []string{throttleKey}, nil); err != nil {
			return err
		}
		if err := account.ValidatePassword(pw); err != nil {
			p.Errors["password"] = a.loc(r).T("New password: %s.", passwordProblem(a.loc(r), pw))
		} else if pw != confirm {
			p.Errors["confirm"] = a.loc(r).T("The two passwords differ.")
		}
	}
	if len(p.Errors) > 0 {
		return a.render(w, http.StatusUnprocessableEntity, "password", p)
	}
	hash, err := a.hashes.hash(ctx, pw)
	if errors.Is(err, errBusy) {
		return a.renderBusy(w, r, "password", p.Errors, p)
	}
	if err != nil {
		return err
	}
	if err := a.db.SetPassword(ctx, s.user.ID, hash); err != nil {
		return err
	}
	if err := a.startSession(w, r, s.user); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/?done=Password+changed.+Every+other+session+was+signed+out.", http.StatusSeeOther)
	return nil
}
