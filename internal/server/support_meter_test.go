package server

import (
	"context"
	"strings"
	"testing"

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
