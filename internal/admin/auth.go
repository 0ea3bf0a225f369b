package admin

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Throttling: after freeAttempts failures, each further attempt for the
// same account (or from the same address, more leniently) must wait twice as
// long as the last, up to maxWait.
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
	return a.render(w, http.StatusOK, "signin", signInData{page: a.newPage(r, "Sign in"), Next: safeNext(r.URL.Query().Get("next"))})
}

// safeNext keeps redirects after sign-in inside the admin.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return "/admin/"
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (a *Admin) signIn(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	password := r.PostFormValue("password")
	data := signInData{page: a.newPage(r, "Sign in"), Email: email, Next: safeNext(r.PostFormValue("next"))}
	accountKey, ipKey := "account:"+email, "ip:"+clientIP(r)
	now := a.now()
	for _, k := range []struct {
		key  string
		free int
	}{{accountKey, freeAttempts}, {ipKey, freeAttemptsIP}} {
		n, last, err := a.db.Throttle(ctx, k.key)
		if err != nil {
			return err
		}
		if wait := waitFor(n, k.free) - now.Sub(last); wait > 0 {
			data.Errors["form"] = fmt.Sprintf("Too many failed attempts. Try again in %s.", humanWait(wait))
			return a.render(w, http.StatusTooManyRequests, "signin", data)
		}
	}
	u, err := a.db.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// CheckPassword runs even for an unknown account (against a dummy hash),
	// so the answer takes the same time and says the same thing.
	ok := account.CheckPassword(u.PasswordHash, password) && err == nil && !u.Disabled
	if !ok {
		if err := a.db.RecordFailure(ctx, now, accountKey, ipKey); err != nil {
			return err
		}
		a.log.Info("sign-in failed", "ip", clientIP(r))
		data.Errors["form"] = "That e-mail address and password do not match an account."
		return a.render(w, http.StatusUnauthorized, "signin", data)
	}
	if err := a.db.ClearThrottle(ctx, accountKey); err != nil {
		return err
	}
	if err := a.startSession(w, r, u); err != nil {
		return err
	}
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
	return nil
}

func humanWait(d time.Duration) string {
	if d < time.Minute {
		if n := int(d.Seconds() + 0.5); n != 1 {
			return fmt.Sprintf("%d seconds", n)
		}
		return "1 second"
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes()+0.5))
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
		return in, &httpx.Error{Status: http.StatusNotFound, Message: "This link has expired or was already used. Ask an administrator for a new one."}
	}
	return in, err
}

func (a *Admin) inviteForm(w http.ResponseWriter, r *http.Request) error {
	in, err := a.invite(r)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "invite", inviteData{page: a.newPage(r, "Set your password"), Invite: in, Reset: in.UserID != 0})
}

func (a *Admin) acceptInvite(w http.ResponseWriter, r *http.Request) error {
	in, err := a.invite(r)
	if err != nil {
		return err
	}
	data := inviteData{page: a.newPage(r, "Set your password"), Invite: in, Reset: in.UserID != 0,
		Name: strings.TrimSpace(r.PostFormValue("name"))}
	pw, confirm := r.PostFormValue("password"), r.PostFormValue("confirm")
	if err := account.ValidatePassword(pw); err != nil {
		data.Errors["password"] = "Password: " + err.Error() + "."
	} else if pw != confirm {
		data.Errors["confirm"] = "The two passwords differ."
	}
	if len(data.Errors) > 0 {
		return a.render(w, http.StatusUnprocessableEntity, "invite", data)
	}
	hash, err := account.HashPassword(pw)
	if err != nil {
		return err
	}
	u, err := a.db.AcceptInvite(r.Context(), account.HashToken(r.PathValue("token")), data.Name, hash)
	if errors.Is(err, store.ErrNotFound) {
		return &httpx.Error{Status: http.StatusGone, Message: "This link has expired or was already used. Ask an administrator for a new one."}
	}
	if errors.Is(err, store.ErrConflict) {
		// Another invitation to the same address was accepted first.
		return &httpx.Error{Status: http.StatusConflict, Message: in.Email + " already has an account. Sign in, or ask an administrator to reset its password."}
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
	return a.render(w, http.StatusOK, "password", a.newPage(r, "Change password"))
}

// changePassword sets a new password; every session of the account ends,
// and this browser gets a new one.
func (a *Admin) changePassword(w http.ResponseWriter, r *http.Request) error {
	s := sessionFrom(r.Context())
	p := a.newPage(r, "Change password")
	current, pw, confirm := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm")
	// Guessing the current password from a stolen session is throttled
	// like guessing it at the sign-in form.
	throttleKey := "password:" + strconv.FormatInt(s.user.ID, 10)
	now := a.now()
	n, last, err := a.db.Throttle(r.Context(), throttleKey)
	if err != nil {
		return err
	}
	if wait := waitFor(n, freeAttempts) - now.Sub(last); wait > 0 {
		p.Errors["current"] = fmt.Sprintf("Too many wrong passwords. Try again in %s.", humanWait(wait))
		return a.render(w, http.StatusTooManyRequests, "password", p)
	}
	if !account.CheckPassword(s.user.PasswordHash, current) {
		if err := a.db.RecordFailure(r.Context(), now, throttleKey); err != nil {
			return err
		}
		p.Errors["current"] = "That is not your current password."
	} else if err := account.ValidatePassword(pw); err != nil {
		p.Errors["password"] = "New password: " + err.Error() + "."
	} else if pw != confirm {
		p.Errors["confirm"] = "The two passwords differ."
	}
	if len(p.Errors) > 0 {
		return a.render(w, http.StatusUnprocessableEntity, "password", p)
	}
	hash, err := account.HashPassword(pw)
	if err != nil {
		return err
	}
	if err := a.db.SetPassword(r.Context(), s.user.ID, hash); err != nil {
		return err
	}
	if err := a.db.ClearThrottle(r.Context(), throttleKey); err != nil {
		return err
	}
	if err := a.startSession(w, r, s.user); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/?done=Password+changed.+Every+other+session+was+signed+out.", http.StatusSeeOther)
	return nil
}
