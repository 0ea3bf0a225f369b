package admin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/site"
	"github.com/samizdat-press/samizdat/web"
)

// revenueEnv is the admin with the revenue pages on, previews rendered by
// the real site templates.
func revenueEnv(t *testing.T) *tAuthEnv {
	t.Helper()
	e := tAuthNewEnv(t, "http://example.test")
	s, err := site.New(site.Config{Reader: e.st, Web: web.FS, Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	goal := func(ctx context.Context) (revenue.Goal, error) {
		return revenue.LoadGoal(ctx, e.st, []revenue.FundingSource{e.st.ManualFunding()})
	}
	if err := s.EnablePrompts(site.PromptsConfig{Catalog: revenue.NewCatalog(e.st), Counters: revenue.NewCounters(), Goal: goal}, web.FS); err != nil {
		t.Fatal(err)
	}
	adm, err := New(Config{Store: e.st, Content: e.svc, Web: web.FS, Log: slog.New(slog.DiscardHandler), BaseURL: e.baseURL,
		SiteName: "Test", AssetURL: func(n string) string { return "/static/x/" + n }, Now: e.clock.Now,
		Revenue: &RevenueConfig{Goal: goal, Counters: revenue.NewCounters(), Preview: s.RenderPrompt, OnChange: func(context.Context) {}}})
	if err != nil {
		t.Fatal(err)
	}
	e.adm = adm
	e.mux = http.NewServeMux()
	adm.Register(e.mux)
	return e
}

func TestRevenuePagesByRole(t *testing.T) {
	e := revenueEnv(t)
	for _, tc := range []struct {
		role account.Role
		want int
	}{
		{account.RoleRevenue, http.StatusOK}, {account.RoleAdmin, http.StatusOK},
		{account.RoleEditor, http.StatusForbidden}, {account.RoleAuthor, http.StatusForbidden},
	} {
		b := e.tAuthSession(e.tAuthUser(tc.role, "pw "+string(tc.role)+" long enough"))
		for _, p := range []string{"/admin/revenue", "/admin/revenue/campaigns", "/admin/revenue/reports", "/admin/revenue/reports/goal.csv"} {
			if w := b.get(p); w.Code != tc.want {
				t.Errorf("%s GET %s: %d, want %d", tc.role, p, w.Code, tc.want)
			}
		}
	}
}

func TestRevenueGoalAndEntries(t *testing.T) {
	e := revenueEnv(t)
	b := e.tAuthSession(e.tAuthUser(account.RoleRevenue, "revenue passphrase 1"))
	b.get("/admin/revenue")
	w := b.post("/admin/revenue/goal", url.Values{"target": {"ten thousand"}, "currency": {"eur"}, "mode": {"exact"}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "Give the monthly target as an amount", `value="ten thousand"`)
	w = b.post("/admin/revenue/goal", url.Values{"target": {"10,000"}, "currency": {"eur"}, "mode": {"exact"}})
	tAuthRedirect(t, w, "/admin/revenue?done=Goal+saved")
	w = b.post("/admin/revenue/entries", url.Values{"month": {"2030-03"}, "amount": {"-5"}, "currency": {"EUR"}, "note": {"Grant"}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "Give an amount above zero", `value="-5"`, `value="Grant"`)
	w = b.post("/admin/revenue/entries", url.Values{"month": {"2030-03"}, "amount": {"2,500.50"}, "currency": {"EUR"}, "note": {"Grant"}})
	tAuthRedirect(t, w, "/admin/revenue?done=Entry+recorded")
	w = b.get("/admin/revenue")
	tAuthBody(t, w, "2,500.50 EUR", "of 10,000 EUR (25%)")
	g, err := revenue.LoadGoal(e.ctx, e.st, nil)
	if err != nil || g.Target != 1_000_000 || g.Currency != "EUR" || g.Mode != revenue.ShowExact {
		t.Errorf("stored goal %+v, %v", g, err)
	}
	w = b.get("/admin/revenue/reports/goal.csv")
	tAuthBody(t, w, "month,currency,target_minor,covered_minor,percent", "2030-03,EUR,1000000,250050,25")
}

func TestRevenueCampaignEndBeforeStart(t *testing.T) {
	e := revenueEnv(t)
	b := e.tAuthSession(e.tAuthUser(account.RoleRevenue, "revenue passphrase 1"))
	b.get("/admin/revenue/campaigns/new")
	w := b.post("/admin/revenue/campaigns", url.Values{"name": {"Spring drive"}, "starts": {"2030-03-10"}, "ends": {"2030-03-01"}})
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "The end date is before the start date", `value="Spring drive"`, `value="2030-03-10"`, `value="2030-03-01"`)
	if cs, _ := e.st.Campaigns(e.ctx); len(cs) != 0 {
		t.Errorf("a campaign was stored: %+v", cs)
	}
	w = b.post("/admin/revenue/campaigns", url.Values{"name": {"Spring drive"}, "starts": {"2030-03-10"}, "ends": {"2030-03-10"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("one-day campaign: %d\n%s", w.Code, w.Body)
	}
}

func TestRevenuePromptSanitizedAndPreviewed(t *testing.T) {
	e := revenueEnv(t)
	b := e.tAuthSession(e.tAuthUser(account.RoleRevenue, "revenue passphrase 1"))
	c := revenue.Campaign{Name: "Spring", Starts: e.clock.Now()}
	if err := e.st.SaveCampaign(e.ctx, &c); err != nil {
		t.Fatal(err)
	}
	// A new prompt is in the main language, and so are its default labels.
	tAuthBody(t, b.get("/admin/revenue/prompts/new?campaign="+itoa(c.ID)), `value="Support us"`, `value="Remind me later"`)
	if err := e.st.SetSetting(e.ctx, "site.lang", "ru"); err != nil {
		t.Fatal(err)
	}
	tAuthBody(t, b.get("/admin/revenue/prompts/new?campaign="+itoa(c.ID)), `value="Поддержать нас"`, `value="Напомнить позже"`)
	if err := e.st.SetSetting(e.ctx, "site.lang", "en"); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"campaign": {itoa(c.ID)}, "name": {"Appeal"}, "placement": {"end"}, "amounts": {"2, 5, 10"},
		"frequency": {"monthly"}, "audience": {"non-supporters"}, "cap": {"page"}, "priority": {"1"}, "min_read": {"0"},
		"v0_title": {"Help us"}, "v0_body": {"**Ad-free** costs money. <script>alert(1)</script> [x](javascript:alert(2))"},
		"v0_button": {"Support us"}, "v0_snooze": {"Remind me later"}, "v0_weight": {"1"}, "action": {"preview"}}
	w := b.post("/admin/revenue/prompts", form)
	tAuthStatus(t, w, http.StatusOK)
	tAuthBody(t, w, "Preview on a sample article", "<strong>Ad-free</strong>", "Remind me later")
	if strings.Contains(w.Body.String(), "<script>alert") || strings.Contains(w.Body.String(), `href="javascript:`) {
		t.Error("the preview carries the script or the javascript: link")
	}
	if ps, _ := e.st.CampaignPrompts(e.ctx, c.ID); len(ps) != 0 {
		t.Fatal("preview saved the prompt")
	}
	// Bad input keeps what was typed.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("amounts", "five")
	bad.Set("action", "save")
	w = b.post("/admin/revenue/prompts", bad)
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "Suggested amounts are whole numbers", `value="five"`, `value="Help us"`)
	bad.Set("amounts", "2, 5, 10")
	bad.Set("snooze_days", "365")
	w = b.post("/admin/revenue/prompts", bad)
	tAuthStatus(t, w, http.StatusUnprocessableEntity)
	tAuthBody(t, w, "lasts from 1 to 90 days", `name="snooze_days" type="number" min="1" max="90" value="365"`)

	form.Set("action", "save")
	form.Set("snooze_days", "3")
	w = b.post("/admin/revenue/prompts", form)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", w.Code, w.Body)
	}
	ps, err := e.st.CampaignPrompts(e.ctx, c.ID)
	if err != nil || len(ps) != 1 {
		t.Fatalf("prompts: %v %v", ps, err)
	}
	if ps[0].SnoozeDays != 3 {
		t.Errorf("snooze days saved as %d, want 3", ps[0].SnoozeDays)
	}
	tAuthBody(t, b.get(fmt.Sprintf("/admin/revenue/prompts/%d", ps[0].ID)), `name="snooze_days" type="number" min="1" max="90" value="3"`)
	html := ps[0].Variants[0].BodyHTML
	if strings.Contains(html, "<script") || strings.Contains(html, "javascript:") || !strings.Contains(html, "<strong>Ad-free</strong>") {
		t.Errorf("stored body not sanitized like an article: %q", html)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
