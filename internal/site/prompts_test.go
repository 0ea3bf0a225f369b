package site

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/web"
)

type fundingFunc func() int64

func (f fundingFunc) Funding(context.Context, time.Time, string) (int64, error) { return f(), nil }

// TestGoalMeterPartial renders the "goal-meter" partial, as the support
// page will, in each display mode: percent mode never shows amounts.
func TestGoalMeterPartial(t *testing.T) {
	s, err := New(Config{Web: web.FS, Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	mode := revenue.ShowPercent
	goal := func(context.Context) (revenue.Goal, error) {
		return revenue.Goal{Target: 1_000_000, Currency: "EUR", Mode: mode,
			Sources: []revenue.FundingSource{fundingFunc(func() int64 { return 315_000 })}}, nil
	}
	if err := s.EnablePrompts(PromptsConfig{Goal: goal}, web.FS); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode      revenue.DisplayMode
		want, not []string
	}{
		{revenue.ShowPercent, []string{`value="31"`, "31% of this month"}, []string{"3,150", "10,000"}},
		{revenue.ShowExact, []string{"€3,150 of €10,000 covered this month (31%)"}, nil},
		{revenue.ShowHidden, nil, []string{"goal-meter", "%"}},
	} {
		mode = tc.mode
		m, err := s.GoalMeter(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := s.prompts.fragsFor("en").ExecuteTemplate(&buf, "goal-meter", m); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s: no %q in %q", tc.mode, w, buf.String())
			}
		}
		for _, n := range tc.not {
			if strings.Contains(buf.String(), n) {
				t.Errorf("%s: %q in %q", tc.mode, n, buf.String())
			}
		}
	}
}
