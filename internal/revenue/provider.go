package revenue

import (
	"context"
	"errors"
	"time"
)

// Provider is one way to pay: a card processor, a bank transfer, and
// later perhaps crypto or PayPal. A new provider is a new package that
// implements this interface; the ledger does not change, because it only
// sees the normalized Events a provider produces. No HTTP types appear
// here: the site passes headers and bodies as plain values.
type Provider interface {
	// Name is the provider's key in the ledger ("stripe", "bank").
	Name() string
	// StartCheckout begins a payment. Checkout.ID is stored before the
	// call and is the idempotency key of every request the provider
	// makes, so a retried checkout does not create a second payment.
	StartCheckout(ctx context.Context, c Checkout) (CheckoutResult, error)
	// ParseWebhook verifies a webhook delivery (headers with canonical
	// names, the raw body) and translates it into one normalized event.
	// ErrBadSignature means the delivery did not come from the provider.
	// A provider whose webhooks only say that something happened (BTCPay)
	// asks its API what did, within ctx; ErrUnavailable then means "try
	// again later", and the provider retries the delivery.
	ParseWebhook(ctx context.Context, headers map[string]string, body []byte) (Event, error)
	// ManageURL returns where a supporter manages their recurring gifts
	// (the provider's self-service portal), coming back to returnURL.
	ManageURL(ctx context.Context, customerRef, returnURL string) (string, error)
	// Cancel ends a recurring gift at the provider.
	Cancel(ctx context.Context, subscriptionRef string) error
}

// Errors a Provider returns.
var (
	// ErrBadSignature: a webhook whose signature does not verify.
	ErrBadSignature = errors.New("webhook signature does not verify")
	// ErrUnavailable: the provider could not be reached or refused.
	ErrUnavailable = errors.New("payment provider unavailable")
	// ErrNotSupported: the provider cannot do this (a bank transfer has
	// no portal).
	ErrNotSupported = errors.New("not supported by this payment method")
)

// Checkout is a reader's choice on the support page.
type Checkout struct {
	ID          string // random, stored before the provider is called
	Provider    string
	Frequency   Frequency
	Amount      int64 // minor units
	Currency    string
	Email       string // optional for one-time gifts; never logged
	Receipt     bool   // the reader asked for a receipt by e-mail
	Attribution Attribution
	SuccessURL  string // absolute; may contain {CHECKOUT_SESSION_ID}
	CancelURL   string // absolute
	Description string // shown by the provider, such as "Monthly support for X"
	Lang        string // the language the reader gave in: their receipt's
	// SupporterID is the supporter a renewal checkout is for, when the
	// reader gives no e-mail again (0: from Email, or none).
	SupporterID int64
	// Status is the checkout's state when read back from the store:
	// open, paid, expired or invalid.
	Status string
	// Renewal is set when the checkout pays one period of a recurring
	// gift that no one can charge automatically (crypto): the reader
	// opens a fresh invoice each period.
	Renewal *Renewal
}

// Renewal names the period a renewal checkout pays.
type Renewal struct {
	SubscriptionRef string
	Due             time.Time // the start of the period
}

// Reconciler is a provider that can list the payments it settled, so that
// one whose webhook never arrived (lost, or the site was down) is still
// booked. The events are the ones its webhooks would have produced, under
// ids of their own: booking them is idempotent through the ledger's key.
type Reconciler interface {
	Settled(ctx context.Context, since time.Time) ([]Event, error)
}

// Prober is a provider whose API can be checked cheaply: nil means it
// answers and accepts the site's credentials; an error says what to fix.
type Prober interface {
	Probe(ctx context.Context) error
}

// CheckoutResult is where the reader goes next: a provider's payment page,
// or instructions shown on our own page (a bank transfer).
type CheckoutResult struct {
	RedirectURL  string
	Reference    string // the provider's id of the checkout (session, pledge reference)
	Instructions string // plain text, when there is no redirect
}

// EventKind is what a webhook means to the ledger.
type EventKind string

// The normalized events.
const (
	// EventIgnored is kept in the inbox and changes nothing.
	EventIgnored EventKind = "ignored"
	// EventCheckoutCompleted links a checkout to a customer and perhaps a
	// subscription; with a Payment it is also a gift (one-time, paid).
	EventCheckoutCompleted EventKind = "checkout-completed"
	// EventPaymentSucceeded is a gift received (an async one-time payment,
	// or a subscription's invoice).
	EventPaymentSucceeded EventKind = "payment-succeeded"
	// EventPaymentFailed records nothing in the ledger; a subscription's
	// status follows from its own events.
	EventPaymentFailed EventKind = "payment-failed"
	// EventSubscriptionChanged carries a subscription's new state.
	EventSubscriptionChanged EventKind = "subscription-changed"
	// EventRefunded is money returned: Payment.Amount is the total
	// refunded so far on Payment.Ref.
	EventRefunded EventKind = "refunded"
	// EventDisputed is a chargeback opened against a payment.
	EventDisputed EventKind = "disputed"
	// EventCheckoutClosed ends a checkout with nothing paid: an invoice
	// that expired or became invalid. A checkout already paid stays paid.
	EventCheckoutClosed EventKind = "checkout-closed"
)

// Event is a webhook translated: one provider event, at most one payment
// and one subscription.
type Event struct {
	Provider   string
	ID         string // the provider's event id: the inbox key
	Type       string // the provider's own name, for the inbox
	Kind       EventKind
	At         time.Time // when the provider created the event
	CheckoutID string    // our Checkout.ID, when the provider echoes it
	// RequireCheckout: book the payment only if CheckoutID is a checkout
	// this site created with this provider. Otherwise the event is kept
	// for review and books nothing (an invoice made at the provider by
	// hand, or by another shop on the same server).
	RequireCheckout bool
	// Closed is the checkout's state after an EventCheckoutClosed:
	// "expired" or "invalid".
	Closed       string
	CustomerRef  string
	Email        string // from the provider's checkout; sealed before storing
	Payment      *Payment
	Subscription *Subscription
}

// Payment is money moving in one event.
type Payment struct {
	Ref             string // unique per provider: payment intent, invoice, charge, dispute
	ChargeRef       string // the charge a refund or dispute is against
	Amount          int64  // minor units, positive
	Currency        string // lower case ISO 4217
	Frequency       Frequency
	SubscriptionRef string
	Attribution     Attribution
}

// Subscription statuses, normalized.
const (
	StatusActive   = "active"
	StatusPastDue  = "past_due"
	StatusCanceled = "canceled"
)

// Subscription is a recurring gift.
type Subscription struct {
	Provider    string
	Ref         string
	CustomerRef string
	Status      string
	Frequency   Frequency // Monthly or Annual
	Amount      int64     // per interval, minor units
	Currency    string
	Attribution Attribution
	StartedAt   time.Time
	EndedAt     time.Time // zero while running
	NextRenewal time.Time // zero when unknown or ended
}

// Monthly is the subscription's amount normalised to a month: an annual
// gift counts a twelfth (rounded down: the goal never overstates).
func (s Subscription) Monthly() int64 {
	if s.Frequency == Annual {
		return s.Amount / 12
	}
	return s.Amount
}
