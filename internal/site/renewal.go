package site

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
)

// A recurring gift in crypto cannot be charged: each period the reader
// gets a mail with a link that opens a fresh invoice for that period.
// The link is signed, so it names one gift and one period and cannot be
// changed into another; it needs no sign-in, as the mail is the proof.

// NewRenewalSigner returns the signer of renewal links.
func NewRenewalSigner(k *secret.Keys) *secret.Signer {
	if k == nil {
		return nil
	}
	return secret.NewSigner(k, "renewal")
}

// RenewalToken is the signed part of a renewal link.
func RenewalToken(sg *secret.Signer, provider, ref string, due time.Time) string {
	return sg.Sign(provider + ":" + ref + ":" + strconv.FormatInt(due.Unix(), 10))
}

func parseRenewalToken(sg *secret.Signer, token string) (provider, ref string, due time.Time, ok bool) {
	if sg == nil {
		return "", "", time.Time{}, false
	}
	payload, ok := sg.Verify(token)
	if !ok {
		return "", "", time.Time{}, false
	}
	parts := strings.Split(payload, ":")
	if len(parts) != 3 {
		return "", "", time.Time{}, false
	}
	n, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", "", time.Time{}, false
	}
	return parts[0], parts[1], time.Unix(n, 0).UTC(), true
}

// invoiceReopener is a provider whose unpaid invoice can be shown again.
type invoiceReopener interface {
	OpenInvoice(ctx context.Context, ref string) (string, error)
}

// renewalFor reads the link's gift; it answers the reader itself (and
// returns ok=false) when the link cannot be used.
func (sp *Support) renewalFor(w http.ResponseWriter, r *http.Request) (p revenue.Provider, rd store.RenewalDue, due time.Time, ok bool, err error) {
	name, ref, due, valid := parseRenewalToken(sp.renewals, r.PathValue("token"))
	if !valid {
		return nil, rd, due, false, httpx.NotFound()
	}
	p = sp.provider(name)
	if p == nil {
		return nil, rd, due, false, httpx.NotFound()
	}
	rd, err = sp.db.RecurringRenewal(r.Context(), name, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, rd, due, false, httpx.NotFound()
	}
	if err != nil {
		return nil, rd, due, false, err
	}
	loc := sp.site.loc(r)
	if rd.Subscription.Status == revenue.StatusCanceled {
		return nil, rd, due, false, sp.message(w, r, http.StatusGone, loc.T("This recurring gift has ended"),
			loc.T("No payment is due. You can begin a new gift at any time."), "/support", loc.T("Support us"))
	}
	return p, rd, due, true, nil
}

// renew opens an invoice for the link's period (or the one already
// opened for it) and sends the reader there.
func (sp *Support) renew(w http.ResponseWriter, r *http.Request) error {
	p, rd, due, ok, err := sp.renewalFor(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	loc := sp.site.loc(r)
	if due.Before(rd.Due) {
		return sp.message(w, r, http.StatusOK, loc.T("This period is paid"),
			loc.T("Thank you: nothing more is due until your next reminder."), "/", loc.T("Back to the news"))
	}
	if !sp.health.Available(p.Name()) {
		return sp.message(w, r, http.StatusServiceUnavailable, loc.T("Crypto payments are not available at the moment"),
			loc.T("Please try this link again later; it stays valid."), "/", loc.T("Back to the news"))
	}
	if ro, ok := p.(invoiceReopener); ok {
		if _, invoice, err := sp.db.RenewalCheckout(ctx, p.Name(), rd.Subscription.Ref, due); err == nil && invoice != "" {
			if link, err := ro.OpenInvoice(ctx, invoice); err == nil && link != "" {
				http.Redirect(w, r, link, http.StatusSeeOther)
				return nil
			}
		}
	}
	lang := loc.Lang()
	c := revenue.Checkout{
		ID: newCheckoutID(), Provider: p.Name(), Frequency: rd.Subscription.Frequency, Amount: rd.Subscription.Amount,
		Currency: rd.Subscription.Currency, Attribution: rd.Attribution, SupporterID: rd.SupporterID, Lang: lang,
		SuccessURL:  sp.site.conf().BaseURL + sp.site.editionPrefix(lang) + "/support/thanks?session={CHECKOUT_SESSION_ID}",
		CancelURL:   sp.site.conf().BaseURL + sp.site.editionPrefix(lang) + "/support/cancelled",
		Description: loc.T(frequencyLabel(rd.Subscription.Frequency)+" support for %s", sp.site.conf().Name),
		Renewal:     &revenue.Renewal{SubscriptionRef: rd.Subscription.Ref, Due: due},
	}
	if err := sp.db.CreateCheckout(ctx, c, nil); err != nil {
		return err
	}
	res, err := p.StartCheckout(ctx, c)
	if err != nil {
		sp.log.WarnContext(ctx, "renewal checkout failed", "provider", p.Name(), "checkout", c.ID, "err", err)
		if errors.Is(err, revenue.ErrUnavailable) && sp.health != nil {
			sp.health.Set(p.Name(), err)
		}
		return sp.message(w, r, http.StatusServiceUnavailable, loc.T("Crypto payments are not available at the moment"),
			loc.T("Please try this link again later; it stays valid."), "/", loc.T("Back to the news"))
	}
	if err := sp.db.SetCheckoutRef(ctx, c.ID, res.Reference); err != nil {
		return err
	}
	http.Redirect(w, r, res.RedirectURL, http.StatusSeeOther)
	return nil
}

type renewStopData struct {
	layout
	Action string
	Amount string
}

// renewStopForm asks before stopping: mail scanners follow links, and a
// GET must not end a gift.
func (sp *Support) renewStopForm(w http.ResponseWriter, r *http.Request) error {
	_, rd, _, ok, err := sp.renewalFor(w, r)
	if !ok {
		return err
	}
	loc := sp.site.loc(r)
	l, err := sp.site.newLayout(r, loc.T("Stop your recurring gift"), "")
	if err != nil {
		return err
	}
	l.NoIndex = true
	return sp.render(w, http.StatusOK, "support-renew-stop", renewStopData{layout: l, Action: r.URL.Path,
		Amount: loc.Money(rd.Subscription.Amount, rd.Subscription.Currency)})
}

func (sp *Support) renewStop(w http.ResponseWriter, r *http.Request) error {
	p, rd, _, ok, err := sp.renewalFor(w, r)
	if !ok {
		return err
	}
	if _, err := sp.db.CancelRecurring(r.Context(), p.Name(), rd.Subscription.Ref, sp.now()); err != nil {
		return err
	}
	loc := sp.site.loc(r)
	return sp.message(w, r, http.StatusOK, loc.T("Your recurring gift has stopped"),
		loc.T("No more reminders will come. Thank you for your support."), "/", loc.T("Back to the news"))
}

// message answers with the support pages' message template.
func (sp *Support) message(w http.ResponseWriter, r *http.Request, status int, heading, text, link, linkText string) error {
	l, err := sp.site.newLayout(r, heading, "")
	if err != nil {
		return err
	}
	l.NoIndex = true
	return sp.render(w, status, "support-message", messageData{layout: l, Heading: heading, Text: text,
		Link: sp.site.editionPrefix(l.Lang) + link, LinkText: linkText})
}
