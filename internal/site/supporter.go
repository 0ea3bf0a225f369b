package site

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/httpx"
	smail "github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// SupporterSessionCookie holds a signed-in supporter's id, signed, for the
// supporter pages only.
const SupporterSessionCookie = "sz_supporter_session"

const (
	maxSigninLinks = 3 // per supporter per signinTTL
	signinTTL      = 15 * time.Minute
	supporterLogin = 30 * 24 * time.Hour
)

type signinData struct {
	layout
	Email  string
	Sent   bool
	Errors map[string]string
	Token  string
}

func (sp *Support) signinLayout(r *http.Request, title string) (layout, error) {
	l, err := sp.site.newLayout(r, sp.site.loc(r).T(title), "")
	l.NoIndex = true
	return l, err
}

func (sp *Support) signinForm(w http.ResponseWriter, r *http.Request) error {
	l, err := sp.signinLayout(r, "Supporter sign-in")
	if err != nil {
		return err
	}
	return sp.render(w, http.StatusOK, "support-signin", signinData{layout: l, Errors: map[string]string{}})
}

// signinSend mails a single-use link when the address belongs to a
// supporter. The answer is the same either way, so the form does not tell
// who gave.
func (sp *Support) signinSend(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	l, err := sp.signinLayout(r, "Supporter sign-in")
	if err != nil {
		return err
	}
	d := signinData{layout: l, Email: email, Errors: map[string]string{}}
	if !validEmail(email) {
		d.Errors["email"] = sp.site.loc(r).T("That does not look like an e-mail address.")
		return sp.render(w, http.StatusUnprocessableEntity, "support-signin", d)
	}
	id, err := sp.db.SupporterByLookup(ctx, sp.box.Lookup(email))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		if err := sp.sendSignin(r, id, email); err != nil {
			sp.log.ErrorContext(ctx, "supporter sign-in link not sent", "supporter", id, "err", err)
		}
	}
	d.Sent = true
	return sp.render(w, http.StatusOK, "support-signin", d)
}

func (sp *Support) sendSignin(r *http.Request, id int64, email string) error {
	if sp.mail == nil {
		return errors.New("no mail queue configured")
	}
	// At most a few links per quarter hour: the form answers the same
	// either way, so a flood of requests sends no flood of mail. The store
	// counts and creates in one locked step, so requests sent at once
	// cannot all pass the count.
	raw, hash, err := account.NewToken()
	if err != nil {
		return err
	}
	now := sp.now()
	created, err := sp.db.CreateSupporterTokenCapped(r.Context(), id, hash, now.Add(signinTTL), now.Add(-signinTTL), maxSigninLinks)
	if err != nil || !created {
		return err
	}
	lang := sp.site.pageLang(r) // the mail speaks the page's language
	m, err := smail.Signin(email, smail.SigninData{SiteName: sp.site.conf().Name,
		Link: sp.site.conf().BaseURL + sp.site.editionPrefix(lang) + "/support/signin/" + raw, Minutes: int(signinTTL / time.Minute), Lang: lang})
	if err != nil {
		return err
	}
	return sp.mail.EnqueueMail(r.Context(), m)
}

// signinConfirm asks for a click before spending the link: mail scanners
// that fetch links must not use it up.
func (sp *Support) signinConfirm(w http.ResponseWriter, r *http.Request) error {
	l, err := sp.signinLayout(r, "Supporter sign-in")
	if err != nil {
		return err
	}
	return sp.render(w, http.StatusOK, "support-signin", signinData{layout: l, Token: r.PathValue("token"), Errors: map[string]string{}})
}

func (sp *Support) signinUse(w http.ResponseWriter, r *http.Request) error {
	id, err := sp.db.UseSupporterToken(r.Context(), account.HashToken(r.PathValue("token")))
	if errors.Is(err, store.ErrNotFound) {
		l, err := sp.signinLayout(r, "Link expired")
		if err != nil {
			return err
		}
		d := signinData{layout: l, Errors: map[string]string{"form": sp.site.loc(r).T("This sign-in link has expired or was already used. Ask for a new one below.")}}
		return sp.render(w, http.StatusGone, "support-signin", d)
	}
	if err != nil {
		return err
	}
	// The session lives in the database, so that signing out ends it for a
	// copied cookie too, on every node.
	until := sp.now().Add(supporterLogin)
	raw, hash, err := account.NewToken()
	if err != nil {
		return err
	}
	if err := sp.db.CreateSupporterSession(r.Context(), hash, id, until); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: SupporterSessionCookie, Value: raw,
		Path: sp.edPath(r, "/support"), Expires: until, HttpOnly: true, Secure: sp.secure(r), SameSite: http.SameSiteLaxMode,
	})
	sp.setSupporter(w, r, sp.now().AddDate(1, 0, 0))
	http.Redirect(w, r, sp.edPath(r, "/support/me"), http.StatusSeeOther)
	return nil
}

// supporterID reads the session cookie; 0 when signed out (or when the
// database cannot say, which shows the sign-in form).
func (sp *Support) supporterID(r *http.Request) int64 {
	c, err := r.Cookie(SupporterSessionCookie)
	if err != nil || c.Value == "" {
		return 0
	}
	id, err := sp.db.SupporterSession(r.Context(), account.HashToken(c.Value))
	if err != nil {
		return 0
	}
	return id
}

type giftRow struct {
	Date, Amount, Kind, Frequency, Method string
}

type subRow struct {
	Amount, Frequency, Status, Next, Provider string
	Manage                                    bool
	// StopURL stops a recurring gift paid by hand each period (crypto),
	// which has no provider portal; it asks before it stops.
	StopURL string
}

type meData struct {
	layout
	Email   string
	Gifts   []giftRow
	Subs    []subRow
	Pledges []pledgeRow
	Error   string
}

type pledgeRow struct {
	Reference, Amount, Expires string
}

func (sp *Support) me(w http.ResponseWriter, r *http.Request) error {
	id := sp.supporterID(r)
	if id == 0 {
		http.Redirect(w, r, sp.edPath(r, "/support/signin"), http.StatusSeeOther)
		return nil
	}
	return sp.renderMe(w, r, id, http.StatusOK, "")
}

func (sp *Support) renderMe(w http.ResponseWriter, r *http.Request, id int64, status int, msg string) error {
	ctx := r.Context()
	l, err := sp.signinLayout(r, "Your support")
	if err != nil {
		return err
	}
	d := meData{layout: l, Error: msg}
	loc := sp.site.loc(r)
	if sealed, err := sp.db.SupporterEmail(ctx, id); err == nil {
		d.Email, _ = sp.box.Open(sealed)
	}
	entries, err := sp.db.Entries(ctx, store.LedgerQuery{SupporterID: id, Limit: 200})
	if err != nil {
		return err
	}
	for _, e := range entries {
		row := giftRow{Date: loc.Date(e.At), Amount: loc.Money(e.Amount, e.Currency),
			Kind: loc.T("ledger." + string(e.Kind)), Method: loc.T(methodLabel(e.Provider))}
		if e.Kind == revenue.Gift {
			row.Frequency = loc.T("frequency." + string(e.Frequency))
		}
		d.Gifts = append(d.Gifts, row)
	}
	subs, err := sp.db.Subscriptions(ctx, id)
	if err != nil {
		return err
	}
	for _, s := range subs {
		row := subRow{Amount: loc.Money(s.Amount, s.Currency), Frequency: loc.T("frequency." + string(s.Frequency)), Status: s.Status,
			Provider: s.Provider, Manage: s.CustomerRef != "" && sp.provider(s.Provider) != nil}
		if k := "subscription." + s.Status; loc.Known(k) { // a provider's other states are shown as it names them
			row.Status = loc.T(k)
		}
		if !s.NextRenewal.IsZero() {
			row.Next = loc.Date(s.NextRenewal)
		}
		if _, ok := sp.provider(s.Provider).(invoiceReopener); ok && s.Status != revenue.StatusCanceled && sp.renewals != nil {
			row.StopURL = sp.edPath(r, "/support/renew/"+RenewalToken(sp.renewals, s.Provider, s.Ref, s.NextRenewal)+"/stop")
		}
		d.Subs = append(d.Subs, row)
	}
	pledges, err := sp.db.Pledges(ctx, store.PledgeQuery{SupporterID: id, Status: revenue.PledgeOpen})
	if err != nil {
		return err
	}
	for _, p := range pledges {
		d.Pledges = append(d.Pledges, pledgeRow{Reference: p.Reference, Amount: loc.Money(p.Amount, p.Currency),
			Expires: loc.Date(p.ExpiresAt)})
	}
	return sp.render(w, status, "support-me", d)
}

// manage opens the provider's self-service portal, where the supporter
// changes or cancels a recurring gift.
func (sp *Support) manage(w http.ResponseWriter, r *http.Request) error {
	id := sp.supporterID(r)
	if id == 0 {
		return &httpx.Error{Status: http.StatusUnauthorized, Message: sp.site.loc(r).T("Sign in again: your supporter session has ended.")}
	}
	name := r.PostFormValue("provider")
	p := sp.provider(name)
	if p == nil {
		return httpx.BadRequest(sp.site.loc(r).T("Unknown payment method."))
	}
	cust, err := sp.db.SupporterCustomer(r.Context(), id, name)
	if errors.Is(err, store.ErrNotFound) {
		return sp.renderMe(w, r, id, http.StatusNotFound, sp.site.loc(r).T("There is no recurring gift to manage."))
	}
	if err != nil {
		return err
	}
	u, err := p.ManageURL(r.Context(), cust, sp.site.conf().BaseURL+sp.edPath(r, "/support/me"))
	if err != nil {
		sp.log.WarnContext(r.Context(), "portal failed", "provider", name, "err", err)
		return sp.renderMe(w, r, id, http.StatusServiceUnavailable, sp.site.loc(r).T("We could not reach the payment service. Please try again in a few minutes."))
	}
	if !sp.allowedRedirect(u) {
		// The browser would refuse a redirect the page's form-action does
		// not allow: offer the address as a link instead.
		l, err := sp.signinLayout(r, "Manage your gifts")
		if err != nil {
			return err
		}
		loc := sp.site.loc(r)
		return sp.render(w, http.StatusOK, "support-message", messageData{layout: l, Heading: loc.T("Manage your gifts"),
			Text: loc.T("Your gifts are managed on the payment provider's page."), Link: u, LinkText: loc.T("Continue to the payment provider")})
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}

// allowedRedirect reports whether the support pages' form-action allows
// sending the browser to u after a POST.
func (sp *Support) allowedRedirect(u string) bool {
	for _, o := range sp.origins {
		if u == o || strings.HasPrefix(u, o+"/") {
			return true
		}
	}
	return false
}

func (sp *Support) signout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SupporterSessionCookie); err == nil && c.Value != "" {
		if err := sp.db.DeleteSupporterSession(r.Context(), account.HashToken(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SupporterSessionCookie, Value: "", Path: sp.edPath(r, "/support"), MaxAge: -1,
		HttpOnly: true, Secure: sp.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, sp.edPath(r, "/support"), http.StatusSeeOther)
	return nil
}

// edPath is path in the edition of the request: a reader signed in on the
// Russian pages stays on them.
func (sp *Support) edPath(r *http.Request, path string) string {
	return sp.site.editionPrefix(sp.site.pageLang(r)) + path
}
