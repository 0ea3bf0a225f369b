package stripe_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/revenue/stripe"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

const secret = "whsec_test"

// TestCheckoutAgainstStripeMock creates sessions in both modes on a real
// stripe-mock: the request must pass its OpenAPI validation.
func TestCheckoutAgainstStripeMock(t *testing.T) {
	sm := testpeer.Stripe(t)
	p := stripe.New(stripe.Config{SecretKey: "sk_test_123", WebhookSecret: secret, APIURL: sm.URL})
	for _, f := range []revenue.Frequency{revenue.OneTime, revenue.Monthly, revenue.Annual} {
		t.Run(string(f), func(t *testing.T) {
			res, err := p.StartCheckout(context.Background(), revenue.Checkout{
				ID: "co-" + string(f), Provider: "stripe", Frequency: f, Amount: 500, Currency: "eur", Email: "a@example.org",
				Attribution: revenue.Attribution{Campaign: 1, Prompt: 2, Variant: 3},
				SuccessURL:  "http://127.0.0.1/support/thanks?session={CHECKOUT_SESSION_ID}", CancelURL: "http://127.0.0.1/support",
				Description: "Support",
			})
			if err != nil {
				t.Fatalf("StartCheckout: %v", err)
			}
			if !strings.HasPrefix(res.RedirectURL, "https://") || res.Reference == "" {
				t.Errorf("result = %+v, want a redirect URL and a session id", res)
			}
		})
	}
	if u, err := p.ManageURL(context.Background(), "cus_123", "http://127.0.0.1/support/me"); err != nil || u == "" {
		t.Errorf("ManageURL = %q, %v", u, err)
	}
	if err := p.Cancel(context.Background(), "sub_123"); err != nil {
		t.Errorf("Cancel: %v", err)
	}
}

// TestProviderUnreachable: a provider that does not answer is a friendly
// ErrUnavailable, not a crash.
func TestProviderUnreachable(t *testing.T) {
	port := testpeer.FreePort(t)
	p := stripe.New(stripe.Config{SecretKey: "sk_test_123", APIURL: "http://127.0.0.1:" + itoa(port)})
	_, err := p.StartCheckout(context.Background(), revenue.Checkout{ID: "x", Frequency: revenue.OneTime, Amount: 500, Currency: "eur",
		SuccessURL: "http://127.0.0.1/s", CancelURL: "http://127.0.0.1/c", Description: "d"})
	if !errors.Is(err, revenue.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// Sign signs a payload exactly as Stripe does.
func sign(payload []byte, at time.Time) map[string]string {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at})
	return map[string]string{"Stripe-Signature": sp.Header}
}

func event(id, typ string, obj string) []byte {
	return []byte(`{"id":"` + id + `","object":"event","api_version":"2025-07-30.basil","created":1772000000,"type":"` + typ + `","data":{"object":` + obj + `}}`)
}

func TestParseWebhook(t *testing.T) {
	p := stripe.New(stripe.Config{WebhookSecret: secret})
	tests := []struct {
		name, typ, obj string
		check          func(t *testing.T, ev revenue.Event)
	}{
		{"one-time checkout", "checkout.session.completed",
			`{"id":"cs_1","object":"checkout.session","mode":"payment","payment_status":"paid","client_reference_id":"co1","payment_intent":"pi_1","amount_total":700,"currency":"eur","customer_details":{"email":"d@example.org"},"metadata":{"campaign":"1","prompt":"2","variant":"3"}}`,
			func(t *testing.T, ev revenue.Event) {
				if ev.Kind != revenue.EventCheckoutCompleted || ev.CheckoutID != "co1" || ev.Email != "d@example.org" ||
					ev.Payment == nil || ev.Payment.Ref != "pi_1" || ev.Payment.Amount != 700 || ev.Payment.Attribution.Variant != 3 {
					t.Errorf("event = %+v payment %+v", ev, ev.Payment)
				}
			}},
		{"unpaid async checkout records no gift", "checkout.session.completed",
			`{"id":"cs_2","mode":"payment","payment_status":"unpaid","payment_intent":"pi_2","amount_total":700,"currency":"eur"}`,
			func(t *testing.T, ev revenue.Event) {
				if ev.Payment != nil {
					t.Errorf("payment = %+v, want none until async_payment_succeeded", ev.Payment)
				}
			}},
		{"subscription checkout", "checkout.session.completed",
			`{"id":"cs_3","mode":"subscription","payment_status":"paid","subscription":"sub_1","customer":"cus_1","amount_total":500,"currency":"eur","metadata":{"checkout":"co3","frequency":"annual"}}`,
			func(t *testing.T, ev revenue.Event) {
				if ev.Payment != nil || ev.Subscription == nil || ev.Subscription.Ref != "sub_1" || ev.Subscription.Frequency != revenue.Annual || ev.CheckoutID != "co3" {
					t.Errorf("event = %+v sub %+v", ev, ev.Subscription)
				}
			}},
		{"invoice paid (current API)", "invoice.paid",
			`{"id":"in_1","customer":"cus_1","amount_paid":500,"currency":"eur","parent":{"subscription_details":{"subscription":"sub_1","metadata":{"checkout":"co3","frequency":"monthly","variant":"9"}}},"lines":{"data":[{"period":{"end":1774000000}}]}}`,
			func(t *testing.T, ev revenue.Event) {
				if ev.Kind != revenue.EventPaymentSucceeded || ev.Payment.Ref != "in_1" || ev.Payment.SubscriptionRef != "sub_1" ||
					ev.Payment.Frequency != revenue.Monthly || ev.Subscription.NextRenewal.IsZero() || ev.CheckoutID != "co3" {
					t.Errorf("event = %+v payment %+v", ev, ev.Payment)
				}
			}},
		{"subscription deleted", "customer.subscription.deleted",
			`{"id":"sub_1","customer":"cus_1","status":"canceled","items":{"data":[{"price":{"unit_amount":500,"currency":"eur","recurring":{"interval":"month"}},"quantity":1}]}}`,
			func(t *testing.T, ev revenue.Event) {
				if s := ev.Subscription; s == nil || s.Status != revenue.StatusCanceled || s.EndedAt.IsZero() || s.Amount != 500 || s.Frequency != revenue.Monthly {
					t.Errorf("subscription = %+v", ev.Subscription)
				}
			}},
		{"refund", "charge.refunded", `{"id":"ch_1","amount":700,"amount_refunded":200,"currency":"eur","payment_intent":"pi_1"}`,
			func(t *testing.T, ev revenue.Event) {
				if ev.Kind != revenue.EventRefunded || ev.Payment.Amount != 200 || ev.Payment.ChargeRef != "pi_1" {
					t.Errorf("payment = %+v", ev.Payment)
				}
			}},
		{"dispute", "charge.dispute.created", `{"id":"dp_1","amount":700,"currency":"eur","charge":"ch_1","payment_intent":"pi_1"}`,
			func(t *testing.T, ev revenue.Event) {
				if ev.Kind != revenue.EventDisputed || ev.Payment.Ref != "dp_1" || ev.Payment.Amount != 700 {
					t.Errorf("payment = %+v", ev.Payment)
				}
			}},
		{"unknown type is kept and ignored", "customer.created", `{"id":"cus_1"}`,
			func(t *testing.T, ev revenue.Event) {
				if ev.Kind != revenue.EventIgnored || ev.ID == "" {
					t.Errorf("event = %+v", ev)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := event("evt_"+tt.name, tt.typ, tt.obj)
			ev, err := p.ParseWebhook(t.Context(), sign(body, time.Now()), body)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, ev)
		})
	}
}

func TestParseWebhookRejects(t *testing.T) {
	p := stripe.New(stripe.Config{WebhookSecret: secret})
	body := event("evt_1", "charge.refunded", `{"id":"ch_1"}`)
	for name, h := range map[string]map[string]string{
		"no signature":   {},
		"wrong secret":   {"Stripe-Signature": webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_other"}).Header},
		"too old":        sign(body, time.Now().Add(-time.Hour)),
		"other body":     sign([]byte(`{"id":"evt_2"}`), time.Now()),
		"garbage header": {"Stripe-Signature": "nonsense"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := p.ParseWebhook(t.Context(), h, body); !errors.Is(err, revenue.ErrBadSignature) {
				t.Errorf("err = %v, want ErrBadSignature", err)
			}
		})
	}
}

// TestReconcileAgainstStripeMock lists completed sessions and paid
// invoices on a real stripe-mock (the requests must pass its validation)
// and translates them as their webhooks would be, under ids of their own.
func TestReconcileAgainstStripeMock(t *testing.T) {
	sm := testpeer.Stripe(t)
	p := stripe.New(stripe.Config{SecretKey: "sk_test_123", WebhookSecret: secret, APIURL: sm.URL})
	ctx := context.Background()
	evs, err := p.Settled(ctx, time.Now().AddDate(0, 0, -7))
	if err != nil {
		t.Fatalf("Settled: %v", err)
	}
	if len(evs) == 0 {
		t.Fatal("stripe-mock's fixtures list a session and an invoice; no event came back")
	}
	for _, ev := range evs {
		if !strings.HasPrefix(ev.ID, "reconcile:") || ev.Provider != stripe.Name ||
			(ev.Kind != revenue.EventCheckoutCompleted && ev.Kind != revenue.EventPaymentSucceeded) {
			t.Errorf("event %+v", ev)
		}
		if ev.Payment != nil && ev.Payment.Ref == "" {
			t.Errorf("payment without a ref: %+v", ev)
		}
	}
	if err := p.Probe(ctx); err != nil {
		t.Errorf("Probe: %v", err)
	}
	down := stripe.New(stripe.Config{SecretKey: "sk_test_123", APIURL: "http://127.0.0.1:" + itoa(testpeer.FreePort(t))})
	if err := down.Probe(ctx); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("Probe of nothing: %v", err)
	}
}
