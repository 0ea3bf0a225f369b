package admin

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"image"
	"net/http"
	"net/url"
	"strings"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Images stores resized variants of an uploaded photo: media.Dir.
type Images interface {
	SaveVariants(key string, img image.Image) (media.Saved, error)
}

const (
	sessionCookie = "samizdat_session"
	// preCSRFCookie carries the CSRF token of forms shown before sign-in.
	preCSRFCookie = "samizdat_csrf"
)

type signedIn struct {
	session account.Session
	user    account.User
}

type ctxKey struct{}

func sessionFrom(ctx context.Context) *signedIn {
	s, _ := ctx.Value(ctxKey{}).(*signedIn)
	return s
}

func (a *Admin) cookieName() string {
	if a.secure {
		return "__Host-" + sessionCookie // only over HTTPS, only for this host
	}
	return sessionCookie
}

// loadSession returns the request's active session, or nil.
func (a *Admin) loadSession(r *http.Request) (*signedIn, error) {
	c, err := r.Cookie(a.cookieName())
	if err != nil || c.Value == "" {
		return nil, nil
	}
	hash := account.HashToken(c.Value)
	se, u, err := a.db.SessionByToken(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := a.now()
	if !se.Active(now) || u.Disabled {
		a.db.DeleteSession(r.Context(), hash)
		return nil, nil
	}
	// Record activity at most once a minute: a write per request would
	// serialize every admin page on the database's single writer.
	if now.Sub(se.LastSeenAt) > 60e9 {
		if err := a.db.TouchSession(r.Context(), hash, now); err != nil {
			return nil, err
		}
		se.LastSeenAt = now
	}
	return &signedIn{session: se, user: u}, nil
}

// require lets the request through only for a signed-in account whose
// role grants perm, and checks the CSRF token of every POST.
func (a *Admin) require(perm account.Permission, next httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := a.loadSession(r)
		if err != nil {
			return err
		}
		if s == nil {
			if r.Method != http.MethodGet {
				return &httpx.Error{Status: http.StatusUnauthorized, Message: "Your session has ended. Sign in again; what you typed was not saved."}
			}
			http.Redirect(w, r, "/admin/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		if !s.user.Role.Can(perm) {
			return &httpx.Error{Status: http.StatusForbidden, Message: "Your role does not allow this."}
		}
		if err := parseForm(r); err != nil {
			return err
		}
		if r.Method == http.MethodPost && !validCSRF(r, s.session.CSRFToken) {
			return &httpx.Error{Status: http.StatusForbidden, Message: "This form expired or came from another site. Reload the page and try again."}
		}
		return next(w, a.withLocale(r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))))
	}
}

// optionalSession loads a session if there is one and, for public forms,
// checks the pre-sign-in CSRF token on POST.
func (a *Admin) optionalSession(next httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(r); err != nil {
			return err
		}
		if r.Method == http.MethodPost {
			c, err := r.Cookie(preCSRFCookie)
			if err != nil || !validCSRF(r, c.Value) {
				return &httpx.Error{Status: http.StatusForbidden, Message: "This form expired or came from another site. Reload the page and try again."}
			}
		} else if _, err := r.Cookie(preCSRFCookie); err != nil {
			raw, _, err := account.NewToken()
			if err != nil {
				return err
			}
			http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: raw, Path: "/admin/", HttpOnly: true,
				Secure: a.secure, SameSite: http.SameSiteStrictMode})
			r.AddCookie(&http.Cookie{Name: preCSRFCookie, Value: raw})
		}
		s, err := a.loadSession(r)
		if err != nil {
			return err
		}
		if s != nil {
			r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
		}
		return next(w, a.withLocale(r))
	}
}

// parseForm reads a POST's form once, so that an over-large body is reported
// as such rather than as a missing CSRF token.
func parseForm(r *http.Request) error {
	if r.Method != http.MethodPost {
		return nil
	}
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &httpx.Error{Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("What you sent is larger than %d MB. Photos may be at most 20 MB: make the photo smaller and send the form again.", tooLarge.Limit>>20)}
	}
	return nil // other parse errors surface as a missing CSRF token or field errors
}

func validCSRF(r *http.Request, want string) bool {
	got := r.PostFormValue("csrf")
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// startSession signs the account in on this browser.
func (a *Admin) startSession(w http.ResponseWriter, r *http.Request, u account.User) error {
	raw, hash, err := account.NewToken()
	if err != nil {
		return err
	}
	csrf, _, err := account.NewToken()
	if err != nil {
		return err
	}
	now := a.now().UTC()
	se := account.Session{TokenHash: hash, UserID: u.ID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(account.SessionAbsolute)}
	if err := a.db.CreateSession(r.Context(), se); err != nil {
		return err
	}
	// A session this browser held before (signing in again while signed
	// in) ends now, rather than lingering until it expires.
	if c, err := r.Cookie(a.cookieName()); err == nil && c.Value != "" {
		if err := a.db.DeleteSession(r.Context(), account.HashToken(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: a.cookieName(), Value: raw, Path: "/", HttpOnly: true, Secure: a.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(account.SessionAbsolute.Seconds())})
	return nil
}

func (a *Admin) endSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(a.cookieName()); err == nil {
		a.db.DeleteSession(r.Context(), account.HashToken(c.Value))
	}
	http.SetCookie(w, &http.Cookie{Name: a.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: a.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
