package site

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Newsletters is what the public newsletter pages need (*mail.Newsletters).
type Newsletters interface {
	RequestSubscription(ctx context.Context, email, lang string, lists []string) error
	Confirm(ctx context.Context, token string) ([]string, error)
	Subscription(ctx context.Context, token string) (mail.Subscriber, error)
	Unsubscribe(ctx context.Context, token string) (string, error)
}

// maxNewsletterForm bounds the public forms' bodies.
const maxNewsletterForm = 16 << 10

// NewsletterRoutes registers the subscribe, confirm and unsubscribe pages.
// The public forms sit on cached pages that cannot carry a per-reader
// token, so their POSTs are refused when a browser says they come from
// another site (CrossOriginProtection). The one-click unsubscribe POST is
// exempt: mail providers send it from their servers (RFC 8058), and the
// signed token in its URL is its authority.
func (s *Site) NewsletterRoutes(mux *http.ServeMux, n Newsletters) {
	h := s.adapter.Handle
	cop := http.NewCrossOriginProtection()
	nl := &newsletterPages{s: s, n: n}
	ed := func(pattern string, h http.Handler) { s.handleEditions(mux, pattern, h) }
	ed("GET /newsletter", h(nl.form))
	ed("POST /newsletter", cop.Handler(h(nl.subscribe)))
	ed("GET /newsletter/confirm", h(nl.confirmPage))
	ed("POST /newsletter/confirm", cop.Handler(h(nl.confirm)))
	ed("GET /newsletter/unsubscribe", h(nl.unsubscribePage))
	ed("POST /newsletter/unsubscribe", h(nl.unsubscribe))
}

type newsletterPages struct {
	s *Site
	n Newsletters
}

// newsletterData is every state of the one newsletter template.
type newsletterData struct {
	layout
	State  string // "form", "check", "confirm", "confirmed", "unsubscribe", "unsubscribed", "bad"
	Email  string
	Lists  []listChoice
	Errors map[string]string
	Token  string
	List   string // name of the list being left
}

type listChoice struct {
	mail.List
	Checked bool
}

func choices(checked []string) []listChoice {
	out := make([]listChoice, len(mail.Lists))
	for i, l := range mail.Lists {
		out[i] = listChoice{List: l, Checked: checked == nil || slices.Contains(checked, l.Key)}
	}
	return out
}

func (p *newsletterPages) render(w http.ResponseWriter, r *http.Request, status int, d newsletterData) error {
	loc := p.s.loc(r)
	l, err := p.s.newLayout(r, loc.T("Newsletters"), loc.T("Our newsletters by e-mail: the daily digest and breaking news."))
	if err != nil {
		return err
	}
	for k, v := range d.Errors { // the mail package's messages are catalog keys
		d.Errors[k] = loc.T(v)
	}
	l.NoIndex = d.State != "form"
	d.layout = l
	if d.Lists == nil {
		d.Lists = choices(nil)
	}
	b, err := p.s.viewsFor(d.Lang).Render("newsletter", d)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages with a token or a typed address stay out of every cache.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

func (p *newsletterPages) form(w http.ResponseWriter, r *http.Request) error {
	state := "form"
	if r.URL.Query().Get("sent") != "" {
		state = "check"
	}
	return p.render(w, r, http.StatusOK, newsletterData{State: state})
}

func (p *newsletterPages) subscribe(w http.ResponseWriter, r *http.Request) error {
	if err := httpx.ParseForm(w, r, maxNewsletterForm); err != nil {
		return err
	}
	email := r.PostForm.Get("email")
	lists := r.PostForm["list"]
	err := p.n.RequestSubscription(r.Context(), email, p.s.pageLang(r), lists)
	var fe *mail.FormError
	if errors.As(err, &fe) {
		checked := lists
		if checked == nil {
			checked = []string{}
		}
		return p.render(w, r, http.StatusUnprocessableEntity, newsletterData{State: "form", Email: email,
			Lists: choices(checked), Errors: map[string]string{fe.Field: fe.Message}})
	}
	if err != nil {
		return err
	}
	// The same answer whether or not the address was already subscribed.
	http.Redirect(w, r, p.s.editionPrefix(p.s.pageLang(r))+"/newsletter?sent=1", http.StatusSeeOther)
	return nil
}

func (p *newsletterPages) confirmPage(w http.ResponseWriter, r *http.Request) error {
	// Confirming takes a POST: mail scanners that open every link in a
	// mail must not confirm on the reader's behalf.
	return p.render(w, r, http.StatusOK, newsletterData{State: "confirm", Token: r.URL.Query().Get("t")})
}

func (p *newsletterPages) confirm(w http.ResponseWriter, r *http.Request) error {
	if err := httpx.ParseForm(w, r, maxNewsletterForm); err != nil {
		return err
	}
	lists, err := p.n.Confirm(r.Context(), r.FormValue("t"))
	if errors.Is(err, mail.ErrBadToken) || errors.Is(err, store.ErrNotFound) {
		return p.render(w, r, http.StatusBadRequest, newsletterData{State: "bad"})
	}
	if err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, newsletterData{State: "confirmed", Lists: choices(lists)})
}

func (p *newsletterPages) unsubscribePage(w http.ResponseWriter, r *http.Request) error {
	t := r.URL.Query().Get("t")
	sub, err := p.n.Subscription(r.Context(), t)
	if errors.Is(err, mail.ErrBadToken) || errors.Is(err, store.ErrNotFound) {
		return p.render(w, r, http.StatusBadRequest, newsletterData{State: "bad"})
	}
	if err != nil {
		return err
	}
	l, _ := mail.ListByKey(sub.List)
	state := "unsubscribe"
	if sub.Status == mail.StatusUnsubscribed {
		state = "unsubscribed"
	}
	return p.render(w, r, http.StatusOK, newsletterData{State: state, Token: t, List: l.Name})
}

// unsubscribe is the RFC 8058 one-click endpoint and the target of the
// confirm button: the token is in the URL, and neither a cookie nor a CSRF
// token is needed.
func (p *newsletterPages) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	if err := httpx.ParseForm(w, r, maxNewsletterForm); err != nil {
		return err
	}
	list, err := p.n.Unsubscribe(r.Context(), r.FormValue("t"))
	if errors.Is(err, mail.ErrBadToken) || errors.Is(err, store.ErrNotFound) {
		return p.render(w, r, http.StatusBadRequest, newsletterData{State: "bad"})
	}
	if err != nil {
		return err
	}
	l, _ := mail.ListByKey(list)
	return p.render(w, r, http.StatusOK, newsletterData{State: "unsubscribed", List: l.Name})
}
