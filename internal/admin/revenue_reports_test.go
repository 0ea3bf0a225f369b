package admin

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/revenue"
)

// ledgerStandIn reports fixed conversions. It stands in for the payments
// ledger (revenue.ConversionSource), which another step of the project
// builds: no real one exists in this package's reach.
type ledgerStandIn []revenue.Conversion

func (l ledgerStandIn) Conversions(ctx context.Context, from, to time.Time) ([]revenue.Conversion, error) {
	return l, nil
}

// TestRevenueVariantReport: impressions and clicks from the counters,
// conversions from the ledger, per variant, as CSV and as an SVG chart.
func TestRevenueVariantReport(t *testing.T) {
	e := revenueEnv(t)
	c := revenue.Campaign{Name: "Spring", Starts: e.clock.Now().Add(-time.Hour)}
	if err := e.st.SaveCampaign(e.ctx, &c); err != nil {
		t.Fatal(err)
	}
	p := &revenue.Prompt{CampaignID: c.ID, Name: "Appeal", Placement: revenue.EndOfArticle, Amounts: []int64{2}, Frequency: revenue.Monthly,
		Audience: revenue.NonSupporters, Cap: revenue.EveryPage,
		Variants: []revenue.Variant{{Slot: 0, Title: "Help us", Button: "Give", Weight: 1}, {Slot: 1, Title: "Fill the gap", Button: "Give", Weight: 1}}}
	if err := e.st.SavePrompt(e.ctx, p); err != nil {
		t.Fatal(err)
	}
	a, b := p.Variants[0].ID, p.Variants[1].ID
	day := e.clock.Now().UTC().Format("2006-01-02")
	if err := e.st.AddPromptCounts(e.ctx, []revenue.Count{{Day: day, Variant: a, Impressions: 1000, Clicks: 40, Snoozes: 7}, {Day: day, Variant: b, Impressions: 500, Clicks: 5}}); err != nil {
		t.Fatal(err)
	}
	e.adm.rev.Conversions = func() revenue.ConversionSource {
		return ledgerStandIn{{Day: day, Variant: a, Gifts: 10, Amount: 5000, Currency: "EUR"}, {Day: day, Variant: b, Gifts: 1, Amount: 200, Currency: "EUR"}}
	}
	br := e.tAuthSession(e.tAuthUser(account.RoleRevenue, "revenue passphrase 1"))
	w := br.get("/admin/revenue/reports/variants.csv")
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, "variant_id,variant,impressions,clicks,snoozes,conversions,click_rate,conversion_rate,amount_minor,currency",
		itoa(a)+",Spring / Appeal / A: Help us,1000,40,7,10,4.00%,1.00%,5000,EUR",
		itoa(b)+",Spring / Appeal / B: Fill the gap,500,5,0,1,1.00%,0.20%,200,EUR")
	w = br.get("/admin/revenue/reports")
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, "<svg", "Spring / Appeal / A: Help us: conversions 1.00%", "50 EUR")
}
