// Package stripe is the card provider: Stripe Checkout Sessions for
// one-time gifts (payment mode) and recurring ones (subscription mode with
// inline prices), verified webhooks translated into revenue events, and
// the customer portal for self-service.
package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// Name is the provider's key in the ledger.
const Name = "stripe"

// Config configures the provider.
type Config struct {
	SecretKey     string
	WebhookSecret string
	// APIURL replaces Stripe's API address: stripe-mock's in tests.
	APIURL string
	// Tolerance is how old a webhook's signature may be; default 5 minutes.
	Tolerance  time.Duration
	HTTPClient *http.Client
}

// Provider implements revenue.Provider with Stripe.
type Provider struct {
	client    *stripego.Client
	secret    string
	tolerance time.Duration
}

// New returns a Stripe provider.
func New(cfg Config) *Provider {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	bc := &stripego.BackendConfig{
		HTTPClient: hc,
		// The library would log request failures itself; ours go through
		// slog with context, and never with a donor's e-mail.
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		MaxNetworkRetries: stripego.Int64(2),
	}
	if cfg.APIURL != "" {
		bc.URL = stripego.String(cfg.APIURL)
	}
	tol := cfg.Tolerance
	if tol <= 0 {
		tol = 5 * time.Minute
	}
	return &Provider{
		client:    stripego.NewClient(cfg.SecretKey, stripego.WithBackends(stripego.NewBackendsWithConfig(bc))),
		secret:    cfg.WebhookSecret,
		tolerance: tol,
	}
}

// Name implements revenue.Provider.
func (p *Provider) Name() string { return Name }

// RedirectOrigins are where the support forms send readers: the checkout
// and the customer portal. Pages with those forms allow them in their
// Content-Security-Policy's form-action, which browsers also apply to the
// redirect after the POST.
func (p *Provider) RedirectOrigins() []string {
	return []string{"https://checkout.stripe.com", "https://billing.stripe.com"}
}

// Metadata keys set on every checkout, read back from webhooks.
const (
	metaCheckout  = "checkout"
	metaFrequency = "frequency"
	metaCampaign  = "campaign"
	metaPrompt    = "prompt"
	metaVariant   = "variant"
)

func metadata(c revenue.Checkout) map[string]string {
	m := map[string]string{metaCheckout: c.ID, metaFrequency: string(c.Frequency)}
	if a := c.Attribution; a != (revenue.Attribution{}) {
		m[metaCampaign] = strconv.FormatInt(a.Campaign, 10)
		m[metaPrompt] = strconv.FormatInt(a.Prompt, 10)
		m[metaVariant] = strconv.FormatInt(a.Variant, 10)
	}
	return m
}

// StartCheckout creates a Checkout Session. The idempotency key is derived
// from the checkout's stored id: a retry of the same checkout returns the
// same session instead of a second one.
func (p *Provider) StartCheckout(ctx context.Context, c revenue.Checkout) (revenue.CheckoutResult, error) {
	meta := metadata(c)
	price := &stripego.CheckoutSessionCreateLineItemPriceDataParams{
		Currency:    stripego.String(c.Currency),
		UnitAmount:  stripego.Int64(c.Amount),
		ProductData: &stripego.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripego.String(c.Description)},
	}
	params := &stripego.CheckoutSessionCreateParams{
		SuccessURL:        stripego.String(c.SuccessURL),
		CancelURL:         stripego.String(c.CancelURL),
		ClientReferenceID: stripego.String(c.ID),
		Metadata:          meta,
		LineItems:         []*stripego.CheckoutSessionCreateLineItemParams{{PriceData: price, Quantity: stripego.Int64(1)}},
	}
	if c.Email != "" {
		params.CustomerEmail = stripego.String(c.Email)
	}
	switch c.Frequency {
	case revenue.Monthly, revenue.Annual:
		interval := "month"
		if c.Frequency == revenue.Annual {
			interval = "year"
		}
		price.Recurring = &stripego.CheckoutSessionCreateLineItemPriceDataRecurringParams{Interval: stripego.String(interval)}
		params.Mode = stripego.String(string(stripego.CheckoutSessionModeSubscription))
		params.SubscriptionData = &stripego.CheckoutSessionCreateSubscriptionDataParams{Metadata: meta}
	default:
		params.Mode = stripego.String(string(stripego.CheckoutSessionModePayment))
		params.PaymentIntentData = &stripego.CheckoutSessionCreatePaymentIntentDataParams{Metadata: meta}
	}
	params.SetIdempotencyKey("checkout-" + c.ID)
	s, err := p.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return revenue.CheckoutResult{}, fmt.Errorf("%w: stripe checkout: %w", revenue.ErrUnavailable, err)
	}
	if s.URL == "" {
		return revenue.CheckoutResult{}, fmt.Errorf("%w: stripe checkout %s has no URL", revenue.ErrUnavailable, s.ID)
	}
	return revenue.CheckoutResult{RedirectURL: s.URL, Reference: s.ID}, nil
}

// ManageURL opens a customer portal session.
func (p *Provider) ManageURL(ctx context.Context, customerRef, returnURL string) (string, error) {
	params := &stripego.BillingPortalSessionCreateParams{Customer: stripego.String(customerRef), ReturnURL: stripego.String(returnURL)}
	// A portal session is harmless to create twice, but every request
	// carries a key, so a network retry inside the library is safe.
	params.SetIdempotencyKey(stripego.NewIdempotencyKey())
	s, err := p.client.V1BillingPortalSessions.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("%w: stripe portal: %w", revenue.ErrUnavailable, err)
	}
	return s.URL, nil
}

// Cancel cancels a subscription at once.
func (p *Provider) Cancel(ctx context.Context, subscriptionRef string) error {
	params := &stripego.SubscriptionCancelParams{}
	params.SetIdempotencyKey("cancel-" + subscriptionRef)
	if _, err := p.client.V1Subscriptions.Cancel(ctx, subscriptionRef, params); err != nil {
		return fmt.Errorf("%w: stripe cancel: %w", revenue.ErrUnavailable, err)
	}
	return nil
}

// ParseWebhook verifies the Stripe-Signature header within the tolerance
// and translates the event.
func (p *Provider) ParseWebhook(_ context.Context, headers map[string]string, body []byte) (revenue.Event, error) {
	ev, err := webhook.ConstructEventWithOptions(body, headers["Stripe-Signature"], p.secret,
		webhook.ConstructEventOptions{Tolerance: p.tolerance, IgnoreAPIVersionMismatch: true})
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrInvalidHeader) ||
			errors.Is(err, webhook.ErrNoValidSignature) || errors.Is(err, webhook.ErrTooOld) {
			return revenue.Event{}, fmt.Errorf("%w: %w", revenue.ErrBadSignature, err)
		}
		return revenue.Event{}, fmt.Errorf("stripe webhook: %w", err)
	}
	if ev.ID == "" || ev.Data == nil {
		return revenue.Event{}, errors.New("stripe webhook: event without id or data")
	}
	return translate(ev.ID, string(ev.Type), time.Unix(ev.Created, 0).UTC(), ev.Data.Raw)
}

// The objects are decoded into small structs of our own rather than
// stripe-go's: they read both the older and the current API shapes
// (an invoice's subscription moved under parent.subscription_details).
type session struct {
	ID                string     `json:"id"`
	Mode              string     `json:"mode"`
	PaymentStatus     string     `json:"payment_status"`
	ClientReferenceID string     `json:"client_reference_id"`
	Customer          idOrObject `json:"customer"`
	CustomerEmail     string     `json:"customer_email"`
	CustomerDetails   *struct {
		Email string `json:"email"`
	} `json:"customer_details"`
	Subscription  idOrObject        `json:"subscription"`
	PaymentIntent idOrObject        `json:"payment_intent"`
	AmountTotal   int64             `json:"amount_total"`
	Currency      string            `json:"currency"`
	Metadata      map[string]string `json:"metadata"`
}

type subDetails struct {
	Subscription idOrObject        `json:"subscription"`
	Metadata     map[string]string `json:"metadata"`
}

type invoice struct {
	ID                  string      `json:"id"`
	Customer            idOrObject  `json:"customer"`
	CustomerEmail       string      `json:"customer_email"`
	AmountPaid          int64       `json:"amount_paid"`
	Currency            string      `json:"currency"`
	Subscription        idOrObject  `json:"subscription"`
	SubscriptionDetails *subDetails `json:"subscription_details"`
	Parent              *struct {
		SubscriptionDetails *subDetails `json:"subscription_details"`
	}
	PaymentIntent idOrObject        `json:"payment_intent"`
	Metadata      map[string]string `json:"metadata"`
	Lines         struct {
		Data []struct {
			Period struct{ End int64 } `json:"period"`
			Price  *price              `json:"price"`
		} `json:"data"`
	} `json:"lines"`
}

type price struct {
	UnitAmount int64  `json:"unit_amount"`
	Currency   string `json:"currency"`
	Recurring  *struct {
		Interval string `json:"interval"`
	} `json:"recurring"`
}

type subscription struct {
	ID               string            `json:"id"`
	Customer         idOrObject        `json:"customer"`
	Status           string            `json:"status"`
	Metadata         map[string]string `json:"metadata"`
	StartDate        int64             `json:"start_date"`
	EndedAt          int64             `json:"ended_at"`
	CurrentPeriodEnd int64             `json:"current_period_end"`
	Items            struct {
		Data []struct {
			Price            *price `json:"price"`
			Quantity         int64  `json:"quantity"`
			CurrentPeriodEnd int64  `json:"current_period_end"`
		} `json:"data"`
	} `json:"items"`
}

type charge struct {
	ID             string     `json:"id"`
	Amount         int64      `json:"amount"`
	AmountRefunded int64      `json:"amount_refunded"`
	Currency       string     `json:"currency"`
	PaymentIntent  idOrObject `json:"payment_intent"`
	Charge         idOrObject `json:"charge"`
}

// idOrObject reads a field Stripe sends as an id or, when expanded, as an
// object with an id.
type idOrObject string

func (v *idOrObject) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		*v = idOrObject(s)
		return nil
	}
	var o struct{ ID string }
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*v = idOrObject(o.ID)
	return nil
}

func attribution(m map[string]string) revenue.Attribution {
	n := func(k string) int64 {
		v, err := strconv.ParseInt(m[k], 10, 64)
		if err != nil || v < 0 {
			return 0
		}
		return v
	}
	return revenue.Attribution{Campaign: n(metaCampaign), Prompt: n(metaPrompt), Variant: n(metaVariant)}
}

func frequencyOf(m map[string]string, interval string) revenue.Frequency {
	if f := revenue.Frequency(m[metaFrequency]); f.Valid() {
		return f
	}
	switch interval {
	case "month":
		return revenue.Monthly
	case "year":
		return revenue.Annual
	}
	return ""
}

func status(s string) string {
	switch s {
	case "active", "trialing":
		return revenue.StatusActive
	case "canceled", "incomplete_expired":
		return revenue.StatusCanceled
	default: // past_due, unpaid, incomplete, paused
		return revenue.StatusPastDue
	}
}

func unixTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// translate maps one Stripe event to a revenue event. Types it does not
// know become EventIgnored: kept in the inbox, changing nothing.
func translate(id, typ string, at time.Time, raw json.RawMessage) (revenue.Event, error) {
	ev := revenue.Event{Provider: Name, ID: id, Type: typ, At: at, Kind: revenue.EventIgnored}
	decode := func(v any) error {
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("stripe %s %s: %w", typ, id, err)
		}
		return nil
	}
	switch typ {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed":
		var s session
		if err := decode(&s); err != nil {
			return ev, err
		}
		ev.CheckoutID = s.ClientReferenceID
		if ev.CheckoutID == "" {
			ev.CheckoutID = s.Metadata[metaCheckout]
		}
		ev.CustomerRef = string(s.Customer)
		ev.Email = s.CustomerEmail
		if s.CustomerDetails != nil && s.CustomerDetails.Email != "" {
			ev.Email = s.CustomerDetails.Email
		}
		if typ == "checkout.session.async_payment_failed" {
			ev.Kind = revenue.EventPaymentFailed
			return ev, nil
		}
		ev.Kind = revenue.EventCheckoutCompleted
		if typ == "checkout.session.async_payment_succeeded" {
			ev.Kind = revenue.EventPaymentSucceeded
		}
		a := attribution(s.Metadata)
		if s.Mode == "subscription" && s.Subscription != "" {
			// The first payment arrives as invoice.paid; the session
			// links the subscription to its checkout and supporter.
			ev.Subscription = &revenue.Subscription{Ref: string(s.Subscription), CustomerRef: string(s.Customer),
				Frequency: frequencyOf(s.Metadata, ""), Amount: s.AmountTotal, Currency: s.Currency, Attribution: a}
			return ev, nil
		}
		if s.PaymentStatus == "paid" {
			ref := string(s.PaymentIntent)
			if ref == "" {
				ref = s.ID
			}
			ev.Payment = &revenue.Payment{Ref: ref, ChargeRef: ref, Amount: s.AmountTotal, Currency: s.Currency,
				Frequency: revenue.OneTime, Attribution: a}
		}
		return ev, nil
	case "invoice.paid", "invoice.payment_failed":
		var in invoice
		if err := decode(&in); err != nil {
			return ev, err
		}
		ev.Kind = revenue.EventPaymentFailed
		if typ == "invoice.payment_failed" {
			return ev, nil
		}
		ev.Kind = revenue.EventPaymentSucceeded
		ev.CustomerRef, ev.Email = string(in.Customer), in.CustomerEmail
		subRef, meta := string(in.Subscription), in.Metadata
		for _, d := range []*subDetails{in.SubscriptionDetails, parentDetails(in)} {
			if d != nil {
				if d.Subscription != "" {
					subRef = string(d.Subscription)
				}
				if len(d.Metadata) > 0 {
					meta = d.Metadata
				}
			}
		}
		ev.CheckoutID = meta[metaCheckout]
		var interval string
		var periodEnd int64
		if len(in.Lines.Data) > 0 {
			l := in.Lines.Data[0]
			periodEnd = l.Period.End
			if l.Price != nil && l.Price.Recurring != nil {
				interval = l.Price.Recurring.Interval
			}
		}
		freq := frequencyOf(meta, interval)
		ev.Payment = &revenue.Payment{Ref: in.ID, ChargeRef: string(in.PaymentIntent), Amount: in.AmountPaid,
			Currency: in.Currency, Frequency: freq, SubscriptionRef: subRef, Attribution: attribution(meta)}
		if ev.Payment.ChargeRef == "" {
			ev.Payment.ChargeRef = in.ID
		}
		if subRef != "" {
			ev.Subscription = &revenue.Subscription{Ref: subRef, CustomerRef: string(in.Customer), Status: revenue.StatusActive,
				Frequency: freq, Amount: in.AmountPaid, Currency: in.Currency, Attribution: attribution(meta), NextRenewal: unixTime(periodEnd)}
		} else if freq == "" {
			ev.Payment.Frequency = revenue.OneTime
		}
		return ev, nil
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
		var s subscription
		if err := decode(&s); err != nil {
			return ev, err
		}
		ev.Kind = revenue.EventSubscriptionChanged
		ev.CustomerRef = string(s.Customer)
		ev.CheckoutID = s.Metadata[metaCheckout]
		sub := &revenue.Subscription{Ref: s.ID, CustomerRef: string(s.Customer), Status: status(s.Status),
			Attribution: attribution(s.Metadata), StartedAt: unixTime(s.StartDate), EndedAt: unixTime(s.EndedAt),
			NextRenewal: unixTime(s.CurrentPeriodEnd)}
		if len(s.Items.Data) > 0 {
			it := s.Items.Data[0]
			if it.Price != nil {
				sub.Amount = it.Price.UnitAmount * max(it.Quantity, 1)
				sub.Currency = it.Price.Currency
				if it.Price.Recurring != nil {
					sub.Frequency = frequencyOf(s.Metadata, it.Price.Recurring.Interval)
				}
			}
			if it.CurrentPeriodEnd != 0 {
				sub.NextRenewal = unixTime(it.CurrentPeriodEnd)
			}
		}
		if !sub.Frequency.Valid() {
			sub.Frequency = frequencyOf(s.Metadata, "")
		}
		if typ == "customer.subscription.deleted" {
			sub.Status = revenue.StatusCanceled
		}
		if sub.Status == revenue.StatusCanceled {
			sub.NextRenewal = time.Time{}
			if sub.EndedAt.IsZero() {
				sub.EndedAt = at
			}
		}
		ev.Subscription = sub
		return ev, nil
	case "charge.refunded":
		var c charge
		if err := decode(&c); err != nil {
			return ev, err
		}
		ev.Kind = revenue.EventRefunded
		against := string(c.PaymentIntent)
		if against == "" {
			against = c.ID
		}
		ev.Payment = &revenue.Payment{Ref: c.ID, ChargeRef: against, Amount: c.AmountRefunded, Currency: c.Currency}
		return ev, nil
	case "charge.dispute.created":
		var d charge
		if err := decode(&d); err != nil {
			return ev, err
		}
		ev.Kind = revenue.EventDisputed
		against := string(d.PaymentIntent)
		if against == "" {
			against = string(d.Charge)
		}
		ev.Payment = &revenue.Payment{Ref: d.ID, ChargeRef: against, Amount: d.Amount, Currency: d.Currency}
		return ev, nil
	}
	return ev, nil
}

func parentDetails(in invoice) *subDetails {
	if in.Parent == nil {
		return nil
	}
	return in.Parent.SubscriptionDetails
}

// Settled implements revenue.Reconciler: completed Checkout Sessions and
// paid invoices created since then, translated as their webhooks are
// (checkout.session.completed, invoice.paid) under ids of their own.
func (p *Provider) Settled(ctx context.Context, since time.Time) ([]revenue.Event, error) {
	var out []revenue.Event
	add := func(id, typ string, created int64, obj any) error {
		raw, err := json.Marshal(obj)
		if err != nil {
			return fmt.Errorf("stripe reconcile %s: %w", id, err)
		}
		ev, err := translate("reconcile:"+id, typ, time.Unix(created, 0).UTC(), raw)
		if err != nil {
			return err
		}
		if ev.Payment != nil || ev.Subscription != nil {
			out = append(out, ev)
		}
		return nil
	}
	sp := &stripego.CheckoutSessionListParams{Status: stripego.String("complete"),
		CreatedRange: &stripego.RangeQueryParams{GreaterThanOrEqual: since.Unix()}}
	for s, err := range p.client.V1CheckoutSessions.List(ctx, sp) {
		if err != nil {
			return nil, fmt.Errorf("%w: stripe list checkout sessions: %w", revenue.ErrUnavailable, err)
		}
		if err := add(s.ID, "checkout.session.completed", s.Created, s); err != nil {
			return nil, err
		}
	}
	ip := &stripego.InvoiceListParams{Status: stripego.String("paid"),
		CreatedRange: &stripego.RangeQueryParams{GreaterThanOrEqual: since.Unix()}}
	for in, err := range p.client.V1Invoices.List(ctx, ip) {
		if err != nil {
			return nil, fmt.Errorf("%w: stripe list invoices: %w", revenue.ErrUnavailable, err)
		}
		if err := add(in.ID, "invoice.paid", in.Created, in); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Probe implements revenue.Prober: the account's balance is the cheapest
// call that needs a valid secret key.
func (p *Provider) Probe(ctx context.Context) error {
	if _, err := p.client.V1Balance.Retrieve(ctx, &stripego.BalanceRetrieveParams{}); err != nil {
		var se *stripego.Error
		if errors.As(err, &se) && se.HTTPStatusCode == http.StatusUnauthorized {
			return fmt.Errorf("Stripe refused the secret key (%s): set --stripe-secret-key to a current key", se.Msg)
		}
		return fmt.Errorf("Stripe cannot be reached: %w", err)
	}
	return nil
}
