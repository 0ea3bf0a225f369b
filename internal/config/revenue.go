package config

import (
	"flag"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// RevenueFlags registers the payment providers' flags.
func (c *Config) RevenueFlags(fs *flag.FlagSet) {
	r := &c.Revenue
	fs.StringVar(&r.StripeSecretKey, "stripe-secret-key", "", "Stripe secret API key; empty turns card payments off")
	fs.StringVar(&r.StripeWebhookSecret, "stripe-webhook-secret", "", "signing secret of the Stripe webhook endpoint /webhooks/stripe")
	fs.StringVar(&r.StripeAPIURL, "stripe-api-url", "", "Stripe API base URL (default: Stripe's; stripe-mock in tests)")
	fs.StringVar(&r.BTCPayURL, "btcpay-url", "", "address of the newsroom's BTCPay Server, such as https://pay.example.org; empty turns crypto off")
	fs.StringVar(&r.BTCPayStoreID, "btcpay-store-id", "", "BTCPay store id (store settings, General)")
	fs.StringVar(&r.BTCPayAPIKey, "btcpay-api-key", "", "BTCPay API key with btcpay.store.cancreateinvoice and btcpay.store.canviewinvoices")
	fs.StringVar(&r.BTCPayWebhookSecret, "btcpay-webhook-secret", "", "secret of the BTCPay store webhook to /webhooks/btcpay")
	fs.DurationVar(&r.ProviderCheck, "provider-check-every", 20*time.Second, "how often each payment provider's API is checked; one that fails is hidden from the support page until it answers")
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
	if r.BTCPayURL != "" {
		switch {
		case r.BTCPayStoreID == "":
			return fmt.Errorf("--btcpay-store-id is required with --btcpay-url: it is in the store's settings (General, Store ID)")
		case r.BTCPayAPIKey == "":
			return fmt.Errorf("--btcpay-api-key is required with --btcpay-url: create one under Account, API keys, allowed to create and view the store's invoices")
		case r.BTCPayWebhookSecret == "":
			return fmt.Errorf("--btcpay-webhook-secret is required with --btcpay-url: add a webhook to /webhooks/btcpay in the store's settings and copy its secret")
		}
	}
	if r.StripeSecretKey != "" && r.StripeWebhookSecret == "" {
		return fmt.Errorf("--stripe-webhook-secret is required with --stripe-secret-key: webhooks cannot be verified without it")
	}
	return nil
}
