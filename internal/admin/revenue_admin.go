package admin

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// RevenueConfig is what the revenue pages need beyond the store.
type RevenueConfig struct {
	// Goal returns the goal with every funding source counted toward it.
	Goal func(ctx context.Context) (revenue.Goal, error)
	// Conversions returns the ledger's gifts per variant, or nil (none yet).
	Conversions func() revenue.ConversionSource
	// Counters are the counts not yet stored, added to the reports.
	Counters *revenue.Counters
	// Preview renders a prompt variant as readers see it.
	Preview func(p *revenue.Prompt, v *revenue.Variant, m *revenue.Meter) (template.HTML, error)
	// OnChange is called after the goal, a campaign or a prompt changed:
	// cached pages with prompts must go.
	OnChange func(ctx context.Context)
}

// revenueAdmin holds the revenue pages' templates and dependencies.
type revenueAdmin struct {
	RevenueConfig
	views    langViews
	renderer *content.Renderer
}

func newRevenueAdmin(a *Admin, cfg Config) (*revenueAdmin, error) {
	funcs := template.FuncMap{}
	funcs["money"] = revenue.FormatMoney
	funcs["lastDay"] = func(end time.Time) string { return end.Add(-24 * time.Hour).UTC().Format("2006-01-02") }
	funcs["slotLetter"] = func(slot int) string { return string(rune('A' + slot)) }
	funcs["add"] = func(a, b int) int { return a + b }
	funcs["truncate"] = func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n-1]) + "…"
		}
		return s
	}
	v, err := a.parseViews(cfg.Web, "templates/admin/revenue/*.html", funcs)
	if err != nil {
		return nil, err
	}
	return &revenueAdmin{RevenueConfig: *cfg.Revenue, views: v, renderer: content.NewRenderer()}, nil
}

// revenueRoutes are the revenue role's pages: goal, manual entries,
// campaigns, prompts, reports.
func (a *Admin) revenueRoutes() []Route {
	if a.rev == nil {
		return nil
	}
	p := account.ManageRevenue
	return []Route{
		{Pattern: "GET /admin/revenue", Perm: p, handler: a.revenueHome},
		{Pattern: "POST /admin/revenue/goal", Perm: p, handler: a.saveGoal},
		{Pattern: "POST /admin/revenue/entries", Perm: p, handler: a.addEntry},
		{Pattern: "POST /admin/revenue/entries/{id}/delete", Perm: p, handler: a.deleteEntry},
		{Pattern: "GET /admin/revenue/campaigns", Perm: p, handler: a.campaignList},
		{Pattern: "GET /admin/revenue/campaigns/new", Perm: p, handler: a.campaignForm},
		{Pattern: "POST /admin/revenue/campaigns", Perm: p, handler: a.saveCampaign},
		{Pattern: "GET /admin/revenue/campaigns/{id}", Perm: p, handler: a.campaignForm},
		{Pattern: "POST /admin/revenue/campaigns/{id}", Perm: p, handler: a.saveCampaign},
		{Pattern: "POST /admin/revenue/campaigns/{id}/delete", Perm: p, handler: a.deleteCampaign},
		{Pattern: "GET /admin/revenue/prompts/new", Perm: p, handler: a.promptForm},
		{Pattern: "POST /admin/revenue/prompts", Perm: p, handler: a.savePrompt},
		{Pattern: "GET /admin/revenue/prompts/{id}", Perm: p, handler: a.promptForm},
		{Pattern: "POST /admin/revenue/prompts/{id}", Perm: p, handler: a.savePrompt},
		{Pattern: "POST /admin/revenue/prompts/{id}/delete", Perm: p, handler: a.deletePrompt},
		{Pattern: "GET /admin/revenue/reports", Perm: p, handler: a.revenueReports},
		{Pattern: "GET /admin/revenue/reports/goal.csv", Perm: p, handler: a.goalCSV},
		{Pattern: "GET /admin/revenue/reports/variants.csv", Perm: p, handler: a.variantsCSV},
	}
}

func (a *Admin) renderRevenue(w http.ResponseWriter, status int, name string, data any) error {
	b, err := a.rev.views.render(name, data)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

func (a *Admin) revenueChanged(ctx context.Context) {
	if a.rev.OnChange != nil {
		a.rev.OnChange(ctx)
	}
}

// goalForm is the goal as typed.
type goalForm struct {
	Target   string // major units
	Currency string
	Mode     string
}

// entryForm is a manual entry as typed.
type entryForm struct {
	Month    string // "2006-01"
	Amount   string // major units
	Currency string
	Note     string
}

type revenueHomeData struct {
	page
	Goal    goalForm
	Entry   entryForm
	Meter   revenue.Meter
	Covered string // this month, in full: staff see amounts whatever the public mode
	Modes   []option
	Entries []revenue.ManualEntry
}

func (a *Admin) revenueHomeData(r *http.Request, gf *goalForm, ef *entryForm) (*revenueHomeData, error) {
	ctx := r.Context()
	g, err := a.rev.Goal(ctx)
	if err != nil {
		return nil, err
	}
	g.Now = a.now
	d := &revenueHomeData{page: a.newPage(r, a.loc(r).T("Reader revenue"))}
	if gf != nil {
		d.Goal = *gf
	} else {
		d.Goal = goalForm{Target: strings.TrimSuffix(revenue.FormatMoney(g.Target, ""), ".00"), Currency: g.Currency, Mode: string(g.Mode)}
	}
	if ef != nil {
		d.Entry = *ef
	} else {
		d.Entry = entryForm{Month: a.now().UTC().Format("2006-01"), Currency: g.Currency}
	}
	for _, m := range revenue.DisplayModes {
		loc := a.loc(r)
		label := map[revenue.DisplayMode]string{
			revenue.ShowPercent: loc.T("Percentage only (safest: no amounts published)"),
			revenue.ShowExact:   loc.T("Exact amounts"),
			revenue.ShowHidden:  loc.T("Hidden: no meter"),
		}[m]
		d.Modes = append(d.Modes, option{Value: string(m), Label: label, Selected: string(m) == d.Goal.Mode})
	}
	staff := g
	staff.Mode = revenue.ShowExact
	if d.Meter, err = staff.Meter(ctx); err != nil {
		return nil, err
	}
	covered, err := g.Covered(ctx, revenue.MonthStart(a.now()))
	if err != nil {
		return nil, err
	}
	d.Covered = revenue.FormatMoney(covered, g.Currency)
	if d.Entries, err = a.db.ManualEntries(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

func (a *Admin) revenueHome(w http.ResponseWriter, r *http.Request) error {
	d, err := a.revenueHomeData(r, nil, nil)
	if err != nil {
		return err
	}
	return a.renderRevenue(w, http.StatusOK, "revenue", d)
}

// saveGoal stores the monthly target, currency and public display mode.
func (a *Admin) saveGoal(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := goalForm{Target: strings.TrimSpace(r.PostFormValue("target")), Currency: strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency"))),
		Mode: r.PostFormValue("mode")}
	errs := map[string]string{}
	target, err := revenue.ParseMoney(f.Target)
	if err != nil {
		errs["target"] = a.loc(r).T("Give the monthly target as an amount, such as 10000 or 10,000.50.")
	}
	if !revenue.ValidCurrency(f.Currency) {
		errs["currency"] = a.loc(r).T("Give the currency as its three-letter code, such as EUR or USD.")
	}
	if !revenue.DisplayMode(f.Mode).Valid() {
		errs["mode"] = a.loc(r).T("Choose what readers see of the goal.")
	}
	if len(errs) > 0 {
		d, err := a.revenueHomeData(r, &f, nil)
		if err != nil {
			return err
		}
		d.Errors = errs
		return a.renderRevenue(w, http.StatusUnprocessableEntity, "revenue", d)
	}
	for _, kv := range [][2]string{{revenue.SettingGoalTarget, strconv.FormatInt(target, 10)},
		{revenue.SettingGoalCurrency, f.Currency}, {revenue.SettingGoalMode, f.Mode}} {
		if err := a.db.SetSetting(ctx, kv[0], kv[1]); err != nil {
			return err
		}
	}
	a.revenueChanged(ctx)
	http.Redirect(w, r, "/admin/revenue?done=Goal+saved", http.StatusSeeOther)
	return nil
}

// addEntry records an offline gift or a grant toward a month's goal.
func (a *Admin) addEntry(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := entryForm{Month: strings.TrimSpace(r.PostFormValue("month")), Amount: strings.TrimSpace(r.PostFormValue("amount")),
		Currency: strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency"))), Note: oneLine(r.PostFormValue("note"))}
	errs := map[string]string{}
	month, err := time.Parse("2006-01", f.Month)
	if err != nil || month.Year() < 2000 || month.Year() > 2100 {
		errs["month"] = a.loc(r).T("Give the month as YYYY-MM, such as 2026-11.")
	}
	amount, err := revenue.ParseMoney(f.Amount)
	if err != nil || amount == 0 {
		errs["amount"] = a.loc(r).T("Give an amount above zero, such as 500 or 1,250.50.")
	}
	if !revenue.ValidCurrency(f.Currency) {
		errs["entry_currency"] = a.loc(r).T("Give the currency as its three-letter code, such as EUR.")
	}
	if len([]rune(f.Note)) > 200 {
		errs["note"] = a.loc(r).T("The note is at most 200 characters.")
	}
	if len(errs) > 0 {
		d, err := a.revenueHomeData(r, nil, &f)
		if err != nil {
			return err
		}
		d.Errors = errs
		return a.renderRevenue(w, http.StatusUnprocessableEntity, "revenue", d)
	}
	if err := a.db.AddManualEntry(ctx, &revenue.ManualEntry{Month: month, Amount: amount, Currency: f.Currency, Note: f.Note}); err != nil {
		return err
	}
	a.revenueChanged(ctx)
	http.Redirect(w, r, "/admin/revenue?done=Entry+recorded", http.StatusSeeOther)
	return nil
}

func (a *Admin) deleteEntry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.db.DeleteManualEntry(r.Context(), id); err != nil {
		return notFoundOr(err)
	}
	a.revenueChanged(r.Context())
	http.Redirect(w, r, "/admin/revenue?done=Entry+deleted", http.StatusSeeOther)
	return nil
}

// notFoundOr turns the store's ErrNotFound into a 404 page.
func notFoundOr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound()
	}
	return err
}
