package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// TestSupportPageShowsGoalMeter: the support page shows the funding goal
// as the newsroom chose to show it — a percentage by default, amounts
// only when asked, nothing when hidden.
func TestSupportPageShowsGoalMeter(t *testing.T) {
	ps := startPromptSite(t)
	ctx := context.Background()
	for k, v := range map[string]string{revenue.SettingGoalTarget: "1000000", revenue.SettingGoalCurrency: "EUR"} {
		if err := ps.srv.Store.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		mode          revenue.DisplayMode
		want, notWant []string
	}{
		{revenue.ShowPercent, []string{`class="goal-meter"`, "<progress"}, []string{"10,000", "10000"}},
		{revenue.ShowExact, []string{`class="goal-meter"`, "<progress", "10,000"}, nil},
		{revenue.ShowHidden, nil, []string{`class="goal-meter"`, "<progress"}},
	} {
		if err := ps.srv.Store.SetSetting(ctx, revenue.SettingGoalMode, string(tc.mode)); err != nil {
			t.Fatal(err)
		}
		resp, body := fetch(t, ps.reader(t), ps.base+"/support")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: GET /support: %d", tc.mode, resp.StatusCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: support page lacks %q", tc.mode, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(body, w) {
				t.Errorf("%s: support page shows %q", tc.mode, w)
			}
		}
	}
}

// TestMeterFollowsGifts: a gift recorded anywhere (here a manual entry, as
// another node or the ledger would write it) reaches the meter on cached
// pages at the next jobs tick.
func TestMeterFollowsGifts(t *testing.T) {
	ps := startPromptSite(t)
	ctx := context.Background()
	st := ps.srv.Store
	for k, v := range map[string]string{revenue.SettingGoalTarget: "100000", revenue.SettingGoalCurrency: "EUR",
		revenue.SettingGoalMode: string(revenue.ShowPercent)} {
		if err := st.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	ps.appeal.ShowMeter = true
	if err := st.SavePrompt(ctx, ps.appeal); err != nil {
		t.Fatal(err)
	}
	ps.srv.promptJobs(ctx)
	page := ps.base + ps.article.Path()
	if _, body := fetch(t, ps.reader(t), page); !strings.Contains(body, "0%</progress>") {
		t.Fatalf("article does not show the meter at 0%%:\n%s", body)
	}
	entry := &revenue.ManualEntry{Month: revenue.MonthStart(time.Now()), Amount: 25000, Currency: "EUR", Note: "a grant"}
	if err := st.AddManualEntry(ctx, entry); err != nil {
		t.Fatal(err)
	}
	ps.srv.promptJobs(ctx)
	if _, body := fetch(t, ps.reader(t), page); !strings.Contains(body, "25%</progress>") {
		t.Errorf("after a gift and a jobs tick, the article's meter does not show 25%%")
	}
}
