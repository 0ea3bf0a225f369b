package site

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	smail "github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
)

// SupportStore is what the support pages read and write.
type SupportStore interface {
	CreateCheckout(ctx context.Context, c revenue.Checkout, supporter *store.SupporterKey) error
	SetCheckoutRef(ctx context.Context, id, ref string) error
	CheckoutByRef(ctx context.Context, provider, ref string) (revenue.Checkout, error)
	CheckoutReceipt(ctx context.Context, id string) (want bool, lang string, err error)
	CreatePledge(ctx context.Context, p revenue.Pledge, supporter *store.SupporterKey) (int64, error)
	PledgeByReference(ctx context.Context, ref string) (revenue.Pledge, error)
	ApplyEvent(ctx context.Context, ev revenue.Event, sealedPayload []byte, supporter *store.SupporterKey) (bool, error)
	SupporterByLookup(ctx context.Context, lookup []byte) (int64, error)
	SupporterEmail(ctx context.Context, id int64) ([]byte, error)
	CreateSupporterTokenCapped(ctx context.Context, supporterID int64, tokenHash string, expires, since time.Time, limit int) (bool, error)
	UseSupporterToken(ctx context.Context, tokenHash string) (int64, error)
	CreateSupporterSession(ctx context.Context, tokenHash string, supporterID int64, expires time.Time) error
	SupporterSession(ctx context.Context, tokenHash string) (int64, error)
	DeleteSupporterSession(ctx context.Context, tokenHash string) error
	Entries(ctx context.Context, q store.LedgerQuery) ([]revenue.Entry, error)
	Subscriptions(ctx context.Context, supporterID int64) ([]revenue.Subscription, error)
	Pledges(ctx context.Context, q store.PledgeQuery) ([]revenue.Pledge, error)
	SupporterCustomer(ctx context.Context, supporterID int64, provider string) (string, error)
	RecurringRenewal(ctx context.Context, provider, ref string) (store.RenewalDue, error)
	RenewalCheckout(ctx context.Context, provider, ref string, due time.Time) (id, providerRef string, err error)
	CancelRecurring(ctx context.Context, provider, ref string, at time.Time) (bool, error)
	ProviderEvent(ctx context.Context, provider, what string, at time.Time) error
}

// MailQueue takes mails to send; the mail outbox implements it.
type MailQueue interface {
	EnqueueMail(ctx context.Context, msgs ...smail.Message) error
}

// SupportConfig is what NewSupport needs.
type SupportConfig struct {
	Store SupportStore
	Keys  *secret.Keys
	// Providers are the enabled payment methods, in the order offered.
	Providers []revenue.Provider
	// Currencies are lower-case ISO codes; the first is the site's.
	Currencies []string
	MinAmount  int64         // major units; default 2
	PledgeTTL  time.Duration // how long a bank pledge stays open; default 14 days
	Mail       MailQueue     // nil: sign-in links and receipts cannot be sent
	Now        func() time.Time
	// Health hides providers whose API does not answer; nil offers all.
	Health *revenue.Health
}

// Support serves /support, the checkout, the supporter pages and the
// payment webhooks.
type Support struct {
	site      *Site
	db        SupportStore
	box       *secret.Box
	marks     *revenue.SupporterMarks
	providers []revenue.Provider
	curr      []string
	min       int64
	pledgeTTL time.Duration
	mail      MailQueue
	now       func() time.Time
	log       *slog.Logger
	csp       string   // the site's policy, with the providers in form-action
	origins   []string // the providers' origins in form-action
	health    *revenue.Health
	renewals  *secret.Signer // the links in recurring crypto gifts' reminders
	hookMu    sync.Mutex
	hookNoted map[string]time.Time // when each provider's last webhook was recorded
}

// redirector is a provider whose pages readers are sent to after a form.
type redirector interface{ RedirectOrigins() []string }

// NewSupport builds the support pages on the site's templates.
func NewSupport(s *Site, cfg SupportConfig) *Support {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MinAmount <= 0 {
		cfg.MinAmount = 2
	}
	if cfg.PledgeTTL <= 0 {
		cfg.PledgeTTL = 14 * 24 * time.Hour
	}
	if len(cfg.Currencies) == 0 {
		cfg.Currencies = []string{"eur"}
	}
	var origins []string
	for _, p := range cfg.Providers {
		if r, ok := p.(redirector); ok {
			origins = append(origins, r.RedirectOrigins()...)
		}
	}
	csp := ""
	for _, kv := range httpx.SecurityHeaderPairs() {
		if kv[0] == "Content-Security-Policy" && len(origins) > 0 {
			csp = strings.Replace(kv[1], "form-action 'self'", "form-action 'self' "+strings.Join(origins, " "), 1)
		}
	}
	return &Support{
		csp: csp, origins: origins, site: s, db: cfg.Store, box: secret.NewBox(cfg.Keys), marks: revenue.NewSupporterMarks(cfg.Keys),
		providers: cfg.Providers,
		curr:      cfg.Currencies, min: cfg.MinAmount, pledgeTTL: cfg.PledgeTTL, mail: cfg.Mail, now: cfg.Now, log: s.log,
		health: cfg.Health, renewals: NewRenewalSigner(cfg.Keys),
	}
}

// Routes registers the support URLs. Public forms cannot carry a per-reader
// CSRF token (the pages may be cached and readers have no session), so
// POSTs are refused when the browser says they come from another site.
func (sp *Support) Routes(mux *http.ServeMux) {
	h := sp.site.adapter.Handle
	cop := http.NewCrossOriginProtection()
	post := func(f httpx.HandlerFunc) http.Handler { return cop.Handler(h(limitForm(f))) }
	// The support pages exist in each edition; the language a reader
	// gave in is the language of their receipt and their sign-in mail.
	ed := func(pattern string, h http.Handler) { sp.site.handleEditions(mux, pattern, h) }
	ed("GET /support", h(sp.supportPage))
	ed("POST /support", post(sp.checkout))
	ed("GET /support/thanks", h(sp.thanks))
	ed("GET /support/cancelled", h(sp.cancelled))
	ed("GET /support/pledge/{ref}", h(sp.pledgePage))
	ed("GET /support/signin", h(sp.signinForm))
	ed("POST /support/signin", post(sp.signinSend))
	ed("GET /support/signin/{token}", h(sp.signinConfirm))
	ed("POST /support/signin/{token}", post(sp.signinUse))
	ed("GET /support/me", h(sp.me))
	ed("POST /support/me/manage", post(sp.manage))
	ed("POST /support/signout", post(sp.signout))
	ed("GET /support/renew/{token}", h(sp.renew))
	ed("GET /support/renew/{token}/stop", h(sp.renewStopForm))
	ed("POST /support/renew/{token}/stop", post(sp.renewStop))
	// Webhooks come from providers' servers, not browsers: the signature
	// is their protection.
	mux.Handle("POST /webhooks/{provider}", h(sp.webhook))
}

// limitForm bounds public form bodies.
func limitForm(next httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := httpx.ParseForm(w, r, 64<<10); err != nil {
			return err
		}
		return next(w, r)
	}
}

// enabler is a provider that can be switched off by settings (bank
// transfer without account details).
type enabler interface {
	Enabled(ctx context.Context) bool
}

// offered are the providers readers may choose now.
func (sp *Support) offered(ctx context.Context) []revenue.Provider {
	var out []revenue.Provider
	for _, p := range sp.providers {
		if e, ok := p.(enabler); ok && !e.Enabled(ctx) {
			continue
		}
		if !sp.health.Available(p.Name()) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func (sp *Support) provider(name string) revenue.Provider {
	for _, p := range sp.providers {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// Limits of amounts, in major units.
const (
	maxAmount  = 100_000 // larger gifts are arranged in person
	maxPresets = 6
)

var defaultPresets = map[revenue.Frequency][]int64{
	revenue.OneTime: {10, 25, 50},
	revenue.Monthly: {5, 10, 20},
	revenue.Annual:  {50, 100, 200},
}

// supportForm is the support page's form, as typed.
type supportForm struct {
	Frequency revenue.Frequency
	Amount    string // a preset in major units, or "custom"
	Custom    string
	Currency  string
	Method    string
	Email     string
	Receipt   bool
	Presets   []int64
	Campaign  int64
	Prompt    int64
	Variant   int64
}

func (f supportForm) attribution() revenue.Attribution {
	return revenue.Attribution{Campaign: f.Campaign, Prompt: f.Prompt, Variant: f.Variant}
}

type supportData struct {
	layout
	Form        supportForm
	Frequencies []revenue.Frequency
	Currencies  []string
	Methods     []method
	Min         int64
	Errors      map[string]string
	// Meter is the funding goal as readers may see it (revenue.Meter),
	// rendered by the "support-meter" template.
	Meter any
}

type method struct{ Name, Label string }

// methodLabel is a payment method's catalog key.
func methodLabel(name string) string {
	switch name {
	case "stripe":
		return "Card (Stripe)"
	case "bank":
		return "Bank transfer"
	case "btcpay":
		return "Crypto (Bitcoin, Lightning…)"
	}
	return name
}

// id parses a decimal ID from a link; anything else is no attribution.
func id(v string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > 1<<53 {
		return 0
	}
	return n
}

// presets reads the prompt's amounts (major units, comma-separated),
// falling back to the defaults on anything odd.
func presets(v string, f revenue.Frequency) []int64 {
	if v == "" {
		return defaultPresets[f]
	}
	parts := strings.Split(v, ",")
	if len(parts) > maxPresets {
		return defaultPresets[f]
	}
	var out []int64
	for _, p := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || n < 1 || n > maxAmount {
			return defaultPresets[f]
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func (sp *Support) formFrom(ctx context.Context, get func(string) string) supportForm {
	f := supportForm{
		Frequency: revenue.Frequency(get("frequency")),
		Currency:  strings.ToLower(get("currency")),
		Method:    get("method"),
		Campaign:  id(get("campaign")), Prompt: id(get("prompt")), Variant: id(get("variant")),
	}
	if !f.Frequency.Valid() {
		f.Frequency = revenue.Monthly
	}
	if !slices.Contains(sp.curr, f.Currency) {
		f.Currency = sp.curr[0]
	}
	if offered := sp.offered(ctx); len(offered) > 0 && !slices.ContainsFunc(offered, func(p revenue.Provider) bool { return p.Name() == f.Method }) {
		f.Method = offered[0].Name()
	}
	f.Presets = presets(get("amounts"), f.Frequency)
	return f
}

func (sp *Support) page(r *http.Request, f supportForm, errs map[string]string) (*supportData, error) {
	loc := sp.site.loc(r)
	l, err := sp.site.newLayout(r, loc.T("Support us"), loc.T("Independent journalism, paid for by its readers."))
	if err != nil {
		return nil, err
	}
	l.Canonical = sp.site.conf().BaseURL + sp.site.editionPrefix(l.Lang) + "/support"
	sp.site.setAlternates(&l, sp.site.editionAlternates(l.Lang, "/support"))
	d := &supportData{layout: l, Form: f, Frequencies: []revenue.Frequency{revenue.OneTime, revenue.Monthly, revenue.Annual},
		Currencies: sp.curr, Min: sp.min, Errors: errs}
	for _, p := range sp.offered(r.Context()) {
		d.Methods = append(d.Methods, method{p.Name(), loc.T(methodLabel(p.Name()))})
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	meter, err := sp.site.GoalMeter(r.Context())
	if err != nil {
		return nil, err
	}
	d.Meter = meter
	return d, nil
}

func (sp *Support) render(w http.ResponseWriter, status int, name string, data any) error {
	b, err := sp.site.viewsFor(langOf(data)).Render(name, data)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Personal pages and forms with typed values are never cached.
	h.Set("Cache-Control", "no-store")
	if sp.csp != "" {
		h.Set("Content-Security-Policy", sp.csp)
	}
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// supportPage shows the form, preset by the link that led here.
func (sp *Support) supportPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := sp.formFrom(r.Context(), q.Get)
	if len(f.Presets) > 1 {
		f.Amount = strconv.FormatInt(f.Presets[1], 10)
	} else if len(f.Presets) == 1 {
		f.Amount = strconv.FormatInt(f.Presets[0], 10)
	}
	d, err := sp.page(r, f, nil)
	if err != nil {
		return err
	}
	return sp.render(w, http.StatusOK, "support", d)
}

// parseAmount reads an amount in major units ("5", "5.50", "5,50") into
// minor units.
func parseAmount(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	whole, frac, hasFrac := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if whole == "" || len(whole) > 9 || (hasFrac && (len(frac) < 1 || len(frac) > 2)) {
		return 0, false
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	var m int64
	if hasFrac {
		m, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			m *= 10
		}
	}
	return w*100 + m, true
}

func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

// checkout validates the form, records the checkout, and sends the reader
// on to the provider (or to the bank transfer instructions).
func (sp *Support) checkout(w http.ResponseWriter, r *http.Request) error {
	f := sp.formFrom(r.Context(), r.PostFormValue)
	f.Amount = r.PostFormValue("amount")
	f.Custom = strings.TrimSpace(r.PostFormValue("custom"))
	f.Email = strings.TrimSpace(r.PostFormValue("email"))
	f.Receipt = r.PostFormValue("receipt") != ""
	if m := r.PostFormValue("method"); m != "" {
		f.Method = m // what was sent, to say so if it is not offered
	}
	loc := sp.site.loc(r)
	errs := map[string]string{}
	raw := f.Custom
	if raw == "" && f.Amount != "custom" {
		raw = f.Amount
	}
	var minor int64
	switch a, ok := parseAmount(raw); {
	case raw == "":
		errs["amount"] = loc.T("Choose an amount or type one.")
	case !ok:
		errs["amount"] = loc.T("“%s” is not an amount. Type a number such as 15 or 7.50.", truncate(raw, 20))
	case a < sp.min*100:
		errs["amount"] = loc.T("The smallest gift is %s.", loc.MoneyMajor(sp.min, f.Currency))
	case a > maxAmount*100:
		errs["amount"] = loc.T("That is more than %s. For a gift this large, please write to us.", loc.MoneyMajor(maxAmount, f.Currency))
	default:
		minor = a
	}
	var p revenue.Provider
	for _, o := range sp.offered(r.Context()) {
		if o.Name() == f.Method {
			p = o
		}
	}
	if p == nil {
		errs["method"] = loc.T("Choose a payment method from the list.")
	}
	if f.Email != "" && !validEmail(f.Email) {
		errs["email"] = loc.T("That does not look like an e-mail address.")
	}
	if f.Receipt && f.Email == "" && (f.Frequency == revenue.OneTime || f.Method == "bank") {
		errs["email"] = loc.T("Give an e-mail address for the receipt, or leave the receipt unticked.")
	}
	if f.Email == "" && f.Frequency != revenue.OneTime && f.Method == "btcpay" && errs["email"] == "" {
		errs["email"] = loc.T("A recurring gift in crypto needs an e-mail address: each period we send you a link to pay, as no one can charge a wallet.")
	}
	if len(errs) > 0 {
		return sp.reshow(w, r, http.StatusUnprocessableEntity, f, errs)
	}
	var key *store.SupporterKey
	if f.Email != "" {
		key = &store.SupporterKey{Lookup: sp.box.Lookup(f.Email), Sealed: sp.box.Seal(f.Email)}
	}
	c := revenue.Checkout{
		ID: newCheckoutID(), Provider: p.Name(), Frequency: f.Frequency, Amount: minor, Currency: f.Currency,
		Email: f.Email, Receipt: f.Receipt, Attribution: f.attribution(),
		SuccessURL:  sp.site.conf().BaseURL + sp.site.editionPrefix(loc.Lang()) + "/support/thanks?session={CHECKOUT_SESSION_ID}",
		CancelURL:   sp.site.conf().BaseURL + sp.site.editionPrefix(loc.Lang()) + "/support/cancelled",
		Description: loc.T(frequencyLabel(f.Frequency)+" support for %s", sp.site.conf().Name),
		Lang:        loc.Lang(),
	}
	ctx := r.Context()
	if p.Name() == "bank" {
		return sp.pledge(w, r, p, c, key, f)
	}
	if err := sp.db.CreateCheckout(ctx, c, key); err != nil {
		return err
	}
	res, err := p.StartCheckout(ctx, c)
	if err != nil {
		sp.log.WarnContext(ctx, "checkout failed", "provider", p.Name(), "checkout", c.ID, "err", err)
		if errors.Is(err, revenue.ErrUnavailable) && sp.health != nil {
			// Not offered again until a check finds it answering.
			sp.health.Set(p.Name(), err)
		}
		return sp.reshow(w, r, http.StatusServiceUnavailable, f, map[string]string{
			"form": loc.T("We could not reach the payment service, so nothing was charged. Please try again in a few minutes.") +
				sp.orOther(loc, p.Name())})
	}
	if err := sp.db.SetCheckoutRef(ctx, c.ID, res.Reference); err != nil {
		return err
	}
	http.Redirect(w, r, res.RedirectURL, http.StatusSeeOther)
	return nil
}

// orOther suggests another payment method, as a sentence of its own.
func (sp *Support) orOther(loc *i18n.Locale, name string) string {
	for _, p := range sp.offered(context.Background()) {
		if p.Name() != name {
			return " " + loc.T("You can also choose: %s.", loc.T(methodLabel(p.Name())))
		}
	}
	return ""
}

func (sp *Support) reshow(w http.ResponseWriter, r *http.Request, status int, f supportForm, errs map[string]string) error {
	d, err := sp.page(r, f, errs)
	if err != nil {
		return err
	}
	return sp.render(w, status, "support", d)
}

func frequencyLabel(f revenue.Frequency) string {
	switch f {
	case revenue.Monthly:
		return "Monthly"
	case revenue.Annual:
		return "Annual"
	}
	return "One-time"
}

func newCheckoutID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// pledge records a bank transfer pledge under a fresh reference, and mails
// its instructions to a donor who asked for a receipt.
func (sp *Support) pledge(w http.ResponseWriter, r *http.Request, p revenue.Provider, c revenue.Checkout, key *store.SupporterKey, f supportForm) error {
	ctx := r.Context()
	for range 5 {
		res, err := p.StartCheckout(ctx, c)
		if err != nil {
			sp.log.WarnContext(ctx, "bank pledge failed", "err", err)
			return sp.reshow(w, r, http.StatusServiceUnavailable, f, map[string]string{
				"form": sp.site.loc(r).T("Bank transfer is not available at the moment.") + sp.orOther(sp.site.loc(r), p.Name())})
		}
		pl := revenue.Pledge{Reference: res.Reference, Frequency: c.Frequency, Amount: c.Amount,
			Currency: c.Currency, Attribution: c.Attribution, ExpiresAt: sp.now().Add(sp.pledgeTTL), Receipt: c.Receipt, Lang: c.Lang}
		_, err = sp.db.CreatePledge(ctx, pl, key)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		page := sp.site.editionPrefix(sp.site.pageLang(r)) + "/support/pledge/" + res.Reference
		if c.Receipt && c.Email != "" {
			sp.pledgeMail(ctx, c.Email, pl, res.Instructions, sp.site.conf().BaseURL+page)
		}
		http.Redirect(w, r, page, http.StatusSeeOther)
		return nil
	}
	return errors.New("bank pledge: no free reference after 5 tries")
}

// pledgeMail queues the mail with a pledge's reference and the bank
// details, in the donor's language. It runs after the pledge is stored:
// a crash in between loses the mail, never the pledge, whose page shows
// the same.
func (sp *Support) pledgeMail(ctx context.Context, to string, p revenue.Pledge, details, pageURL string) {
	if sp.mail == nil {
		return
	}
	lang := p.Lang
	if !i18n.Supported(lang) {
		lang = sp.site.conf().Lang
	}
	m, err := smail.BankTransfer(to, smail.BankTransferData{
		SiteName: sp.site.conf().Name, Reference: p.Reference, Amount: sp.site.catalog.Locale(lang).Money(p.Amount, p.Currency),
		Frequency: string(p.Frequency), Details: details, Expires: sp.site.catalog.Locale(lang).Date(p.ExpiresAt),
		PageURL: pageURL, Lang: lang,
	})
	if err == nil {
		err = sp.mail.EnqueueMail(ctx, m)
	}
	if err != nil {
		sp.log.ErrorContext(ctx, "bank transfer instructions not queued", "reference", p.Reference, "err", err)
	}
}

// TransferReceipt is the receipt for a bank transfer that revenue staff
// marked received (store.TransferMark.Receipt): the store queues it with
// the booking, in the language the donor gave in.
func (sp *Support) TransferReceipt(t store.ReceivedTransfer) (smail.Message, error) {
	lang := t.Lang
	if !i18n.Supported(lang) {
		lang = sp.site.conf().Lang
	}
	loc := sp.site.catalog.Locale(lang)
	d := smail.ReceiptData{
		SiteName: sp.site.conf().Name, Amount: loc.Money(t.Entry.Amount, t.Entry.Currency),
		Frequency: string(t.Entry.Frequency), Date: loc.Date(t.Entry.At), Reference: t.Pledge.Reference,
		ManageURL: sp.site.conf().BaseURL + sp.site.editionPrefix(lang) + "/support/signin", Lang: lang,
	}
	if !t.NextDue.IsZero() {
		d.NextDue = loc.Date(t.NextDue)
	}
	return smail.Receipt(t.To, d)
}

type pledgeData struct {
	layout
	Pledge  revenue.Pledge
	Amount  string
	Details string
	// StandingOrder asks for a standing order (monthly, annual), empty
	// for a one-time pledge.
	StandingOrder string
}

func (sp *Support) pledgePage(w http.ResponseWriter, r *http.Request) error {
	p, err := sp.db.PledgeByReference(r.Context(), revenue.NormalizeReference(r.PathValue("ref")))
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound()
	}
	if err != nil {
		return err
	}
	bank := sp.provider("bank")
	details := ""
	if bank != nil {
		if res, err := bank.StartCheckout(r.Context(), revenue.Checkout{}); err == nil {
			details = res.Instructions
		}
	}
	loc := sp.site.loc(r)
	l, err := sp.site.newLayout(r, loc.T("Your bank transfer"), "")
	if err != nil {
		return err
	}
	l.NoIndex = true
	d := pledgeData{layout: l, Pledge: p, Amount: sp.site.loc(r).Money(p.Amount, p.Currency), Details: details}
	if p.Recurring() {
		d.StandingOrder = loc.T("standingorder."+string(p.Frequency), d.Amount)
	}
	return sp.render(w, http.StatusOK, "support-pledge", d)
}

type messageData struct {
	layout
	Heading  string
	Text     string
	Link     string
	LinkText string
}

// thanks is where the provider sends the reader after paying. The gift is
// recorded by the webhook, not here: this page says what the site knows
// of the reader's checkout, and marks the reader as a supporter (so the
// prompts stop) only when they paid or the payment is being confirmed. A
// session this site does not know gets a page that claims nothing, and
// says nothing of anyone else's payment.
func (sp *Support) thanks(w http.ResponseWriter, r *http.Request) error {
	session := r.URL.Query().Get("session")
	var c revenue.Checkout
	found := false
	if session != "" && len(session) <= 255 {
		for _, p := range sp.providers {
			if p.Name() == "bank" {
				continue // a bank transfer's page is its pledge's
			}
			var err error
			c, err = sp.db.CheckoutByRef(r.Context(), p.Name(), session)
			if err == nil {
				found = true
				break
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
	loc := sp.site.loc(r)
	var status int
	var heading, text, link, linkText string
	switch {
	case !found:
		status, heading = http.StatusNotFound, loc.T("No record of this payment")
		text = loc.T("If you gave, thank you: we have no record of this payment yet. A payment reaches us within minutes of being made; if you asked for a receipt, it comes by e-mail once it has.")
		link, linkText = "/support", loc.T("Back to the support page")
	case c.Status == "paid":
		status, heading = http.StatusOK, loc.T("Thank you")
		text = loc.T("Your support keeps this newsroom independent. If you asked for a receipt, it is on its way by e-mail.")
		link, linkText = "/", loc.T("Back to the news")
	case c.Status == "open" || c.Status == "":
		status, heading = http.StatusOK, loc.T("Your payment is being confirmed")
		text = loc.T("Thank you. We are waiting for the payment service to confirm your payment: usually a minute, for crypto until the network confirms it. You need do nothing more. If you asked for a receipt, it comes by e-mail once the payment is confirmed.")
		link, linkText = "/support/thanks?session="+url.QueryEscape(session), loc.T("Check again")
	default: // expired, invalid
		status, heading = http.StatusOK, loc.T("Your payment did not go through")
		text = loc.T("The payment was not completed in time, so no gift was recorded. If money left your account all the same, write to us and we will sort it out.")
		link, linkText = "/support", loc.T("Try again")
	}
	if found && (c.Status == "paid" || c.Status == "open" || c.Status == "") {
		until := sp.now().AddDate(0, 3, 0)
		if c.Frequency != revenue.OneTime {
			until = sp.now().AddDate(1, 0, 0)
		}
		sp.setSupporter(w, r, until)
	}
	l, err := sp.site.newLayout(r, heading, "")
	if err != nil {
		return err
	}
	l.NoIndex = true
	return sp.render(w, status, "support-message", messageData{layout: l, Heading: heading, Text: text,
		Link: sp.site.editionPrefix(l.Lang) + link, LinkText: linkText})
}

func (sp *Support) cancelled(w http.ResponseWriter, r *http.Request) error {
	loc := sp.site.loc(r)
	return sp.message(w, r, http.StatusOK, loc.T("No payment was made"), loc.T("You left the payment page, so nothing was charged."),
		"/support", loc.T("Choose another way to give"))
}

// setSupporter sets the cookie the prompts read.
func (sp *Support) setSupporter(w http.ResponseWriter, r *http.Request, until time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: revenue.SupporterCookie, Value: sp.marks.Value(until), Path: "/", Expires: until,
		HttpOnly: true, Secure: sp.secure(r), SameSite: http.SameSiteLaxMode,
	})
}

func (sp *Support) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(sp.site.conf().BaseURL, "https://")
}
