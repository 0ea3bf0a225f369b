package config

import (
	"flag"
	"fmt"
	"regexp"
	"strings"
)

func (c *Config) revenueFlags(fs *flag.FlagSet) {
	r := &c.Revenue
	fs.StringVar(&r.StripeSecretKey, "stripe-secret-key", "", "Stripe secret API key; empty turns card payments off")
	fs.StringVar(&r.StripeWebhookSecret, "stripe-webhook-secret", "", "signing secret of the Stripe webhook endpoint /webhooks/stripe")
	fs.StringVar(&r.StripeAPIURL, "stripe-api-url", "", "Stripe API base URL (default: Stripe's; stripe-mock in tests)")
	fs.StringVar(&r.Currencies, "currencies", "eur", "currencies readers may give in, comma-separated ISO codes; the first is the site's")
	fs.IntVar(&r.MinAmount, "min-amount", 2, "smallest gift, in whole units of the currency")
	fs.IntVar(&r.PledgeDays, "pledge-days", 14, "days a bank transfer pledge stays open before it expires")
}

var currencyCode = regexp.MustCompile(`^[a-z]{3}$`)

// CurrencyList returns the configured currencies, lower case.
func (r Revenue) CurrencyList() []string {
	var out []string
	for _, c := range strings.Split(r.Currencies, ",") {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			out = append(out, c)
		}
	}
	return out
}

func (r Revenue) validate() error {
	for _, c := range r.CurrencyList() {
		if !currencyCode.MatchString(c) {
			return fmt.Errorf("--currencies: %q is not a three-letter currency code such as eur", c)
		}
	}
	if r.MinAmount < 1 {
		return fmt.Errorf("--min-amount %d: want 1 or more", r.MinAmount)
	}
	if r.PledgeDays < 1 {
		return fmt.Errorf("--pledge-days %d: want 1 or more", r.PledgeDays)
	}
	if r.StripeSecretKey != "" && r.StripeWebhookSecret == "" {
		return fmt.Errorf("--stripe-webhook-secret is required with --stripe-secret-key: webhooks cannot be verified without it")
	}
	return nil
}
