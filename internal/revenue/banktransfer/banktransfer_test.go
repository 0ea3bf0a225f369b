package banktransfer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/revenue/banktransfer"
)

func TestBankTransfer(t *testing.T) {
	details := ""
	p := &banktransfer.Provider{Details: func(context.Context) (string, error) { return details, nil }}
	var _ revenue.Provider = p
	if _, err := p.StartCheckout(context.Background(), revenue.Checkout{}); !errors.Is(err, banktransfer.ErrNoDetails) {
		t.Errorf("without details: err = %v, want ErrNoDetails", err)
	}
	details = "IBAN DE00"
	a, err := p.StartCheckout(context.Background(), revenue.Checkout{})
	if err != nil || a.Instructions != "IBAN DE00" || a.RedirectURL != "" {
		t.Fatalf("StartCheckout = %+v, %v", a, err)
	}
	b, _ := p.StartCheckout(context.Background(), revenue.Checkout{})
	if a.Reference == b.Reference || revenue.NormalizeReference(a.Reference) != a.Reference {
		t.Errorf("references %q, %q: want distinct, normal ones", a.Reference, b.Reference)
	}
	if _, err := p.ParseWebhook(t.Context(), nil, nil); !errors.Is(err, revenue.ErrNotSupported) {
		t.Errorf("ParseWebhook: %v, want ErrNotSupported", err)
	}
	if _, err := p.ManageURL(context.Background(), "", ""); !errors.Is(err, revenue.ErrNotSupported) {
		t.Errorf("ManageURL: %v", err)
	}
}
