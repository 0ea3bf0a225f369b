// Package banktransfer is the payment method that needs no processor: the
// reader transfers money with a unique reference, and revenue staff mark
// the pledge received in the admin. It has no webhooks and no portal.
package banktransfer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// Name is the provider's key in the ledger.
const Name = "bank"

// Provider implements revenue.Provider for bank transfers.
type Provider struct {
	// Details returns the account details readers transfer to (the
	// "bank.details" site setting); empty means bank transfer is off.
	Details func(ctx context.Context) (string, error)
}

// Name implements revenue.Provider.
func (p *Provider) Name() string { return Name }

// ErrNoDetails: no account details are configured.
var ErrNoDetails = errors.New("bank transfer: no account details configured")

// StartCheckout draws a reference and returns the instructions. The
// caller stores the pledge under Reference and draws again if it is taken.
func (p *Provider) StartCheckout(ctx context.Context, c revenue.Checkout) (revenue.CheckoutResult, error) {
	details, err := p.Details(ctx)
	if err != nil {
		return revenue.CheckoutResult{}, fmt.Errorf("bank details: %w", err)
	}
	if strings.TrimSpace(details) == "" {
		return revenue.CheckoutResult{}, ErrNoDetails
	}
	ref := revenue.NewReference()
	return revenue.CheckoutResult{Reference: ref, Instructions: details}, nil
}

// Enabled reports whether readers may choose bank transfer: only once
// account details are configured.
func (p *Provider) Enabled(ctx context.Context) bool {
	d, err := p.Details(ctx)
	return err == nil && strings.TrimSpace(d) != ""
}

// ParseWebhook implements revenue.Provider: banks send none.
func (p *Provider) ParseWebhook(context.Context, map[string]string, []byte) (revenue.Event, error) {
	return revenue.Event{}, revenue.ErrNotSupported
}

// ManageURL implements revenue.Provider: a standing order is managed at
// the reader's own bank.
func (p *Provider) ManageURL(context.Context, string, string) (string, error) {
	return "", revenue.ErrNotSupported
}

// Cancel implements revenue.Provider.
func (p *Provider) Cancel(context.Context, string) error { return revenue.ErrNotSupported }
