package site

import (
	"context"
	"errors"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"io"
	"net/http"
	"strconv"
	"time"

	smail "github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// maxWebhookBody bounds a webhook delivery; Stripe's are a few kilobytes.
const maxWebhookBody = 1 << 20

// webhook verifies a provider's delivery and stores it with its ledger
// effects in one transaction; it answers 2xx only after the commit, so a
// delivery that failed half-way is retried by the provider and a replay
// changes nothing.
func (sp *Support) webhook(w http.ResponseWriter, r *http.Request) error {
	p := sp.provider(r.PathValue("provider"))
	if p == nil {
		return notFoundPlain(w)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		http.Error(w, "payload too large: at most "+strconv.Itoa(maxWebhookBody>>20)+" MB", http.StatusRequestEntityTooLarge)
		return nil
	}
	if err != nil {
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return nil
	}
	headers := make(map[string]string, len(r.Header))
	for k, v := range r.Header {
		if len(v) > 0 {
			headers[k] = v[0]
		}
	}
	ctx := r.Context()
	ev, err := p.ParseWebhook(ctx, headers, body)
	switch {
	case errors.Is(err, revenue.ErrNotSupported):
		return notFoundPlain(w)
	case errors.Is(err, revenue.ErrUnavailable):
		// The provider's API could not say what happened: the delivery
		// is not stored, and the provider sends it again later.
		sp.log.WarnContext(ctx, "webhook deferred: provider API unavailable", "provider", p.Name(), "err", err)
		http.Error(w, "cannot verify with the provider now; retry", http.StatusServiceUnavailable)
		return nil
	case errors.Is(err, revenue.ErrBadSignature):
		sp.log.WarnContext(ctx, "webhook refused: bad signature", "provider", p.Name())
		http.Error(w, "bad signature", http.StatusBadRequest)
		return nil
	case err != nil:
		sp.log.WarnContext(ctx, "webhook refused", "provider", p.Name(), "err", err)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return nil
	}
	applied, err := sp.Book(ctx, ev, body)
	if err != nil {
		sp.log.ErrorContext(ctx, "webhook not stored", "provider", p.Name(), "event", ev.ID, "type", ev.Type, "err", err)
		http.Error(w, "not stored; retry", http.StatusInternalServerError)
		return nil
	}
	sp.noteWebhook(ctx, p.Name())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if applied {
		io.WriteString(w, "ok\n")
	} else {
		io.WriteString(w, "duplicate\n")
	}
	return nil
}

func notFoundPlain(w http.ResponseWriter) error {
	http.Error(w, "no such provider", http.StatusNotFound)
	return nil
}

// Book stores a verified event (from a webhook, or found by
// reconciliation) with its ledger effects, and then queues the receipt
// its donor asked for. It reports false when the event was stored before.
// The payload may hold the donor's e-mail: it is kept sealed.
func (sp *Support) Book(ctx context.Context, ev revenue.Event, payload []byte) (bool, error) {
	var key *store.SupporterKey
	if ev.Email != "" {
		key = &store.SupporterKey{Lookup: sp.box.Lookup(ev.Email), Sealed: sp.box.Seal(ev.Email)}
	}
	applied, err := sp.db.ApplyEvent(ctx, ev, sp.box.Seal(string(payload)), key)
	if err != nil || !applied {
		return applied, err
	}
	sp.receipt(ctx, ev)
	return true, nil
}

// receipt queues a receipt for a gift whose donor asked for one. It runs
// after the commit: a crash in between loses the receipt, never the gift.
func (sp *Support) receipt(ctx context.Context, ev revenue.Event) {
	if sp.mail == nil || ev.Payment == nil || ev.Email == "" || ev.CheckoutID == "" ||
		(ev.Kind != revenue.EventCheckoutCompleted && ev.Kind != revenue.EventPaymentSucceeded) {
		return
	}
	want, lang, err := sp.db.CheckoutReceipt(ctx, ev.CheckoutID)
	if err != nil || !want {
		return
	}
	// The receipt is in the language of the support page the donor used.
	if !i18n.Supported(lang) {
		lang = sp.site.conf().Lang
	}
	m, err := smail.Receipt(ev.Email, smail.ReceiptData{
		SiteName: sp.site.conf().Name, Amount: sp.site.catalog.Locale(lang).Money(ev.Payment.Amount, ev.Payment.Currency),
		Frequency: string(ev.Payment.Frequency), Date: sp.site.catalog.Locale(lang).Date(ev.At), Reference: ev.Payment.Ref,
		ManageURL: sp.site.conf().BaseURL + sp.site.editionPrefix(lang) + "/support/signin", Lang: lang,
	})
	if err == nil {
		err = sp.mail.EnqueueMail(ctx, m)
	}
	if err != nil {
		sp.log.ErrorContext(ctx, "receipt not queued", "event", ev.ID, "err", err)
	}
}

// noteWebhook records that a provider's webhook arrived, for the admin's
// provider status: at most every 10 seconds per node, so that a burst of
// deliveries does not add a write per event.
func (sp *Support) noteWebhook(ctx context.Context, provider string) {
	now := sp.now()
	sp.hookMu.Lock()
	last := sp.hookNoted[provider]
	if now.Sub(last) < 10*time.Second {
		sp.hookMu.Unlock()
		return
	}
	if sp.hookNoted == nil {
		sp.hookNoted = map[string]time.Time{}
	}
	sp.hookNoted[provider] = now
	sp.hookMu.Unlock()
	if err := sp.db.ProviderEvent(ctx, provider, "webhook", now); err != nil {
		sp.log.WarnContext(ctx, "provider status not recorded", "provider", provider, "err", err)
	}
}
