package revenue

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DisplayMode says how much of the funding goal readers are shown.
// Publishing totals can put a newsroom and its donors at risk, so the
// default is the percentage only.
type DisplayMode string

// The display modes.
const (
	ShowExact   DisplayMode = "exact"   // "4,200 of 10,000 EUR"
	ShowPercent DisplayMode = "percent" // "42%"
	ShowHidden  DisplayMode = "hidden"  // no meter at all
)

// DisplayModes lists the modes in the order the admin offers them.
var DisplayModes = []DisplayMode{ShowPercent, ShowExact, ShowHidden}

// Valid reports whether m is a known mode.
func (m DisplayMode) Valid() bool { return m == ShowExact || m == ShowPercent || m == ShowHidden }

// The settings keys the goal is stored under (store's settings table).
const (
	SettingGoalTarget   = "revenue.goal.target"   // minor units, decimal
	SettingGoalCurrency = "revenue.goal.currency" // ISO 4217, upper case
	SettingGoalMode     = "revenue.goal.mode"     // a DisplayMode
)

// Goal is the monthly funding goal: what running the newsroom without ads
// costs a month, and how much of the progress readers see. Meter reads the
// funding sources; the support page and the prompts show its result.
type Goal struct {
	Target   int64 // minor units per month; 0 means no goal set
	Currency string
	Mode     DisplayMode
	Sources  []FundingSource
	Now      func() time.Time // nil means time.Now
}

// Meter is what to show of the goal this month. With Mode ShowHidden
// nothing is shown; with ShowPercent only Percent may be shown; Covered
// and Target are filled only in ShowExact, so a template cannot leak them.
type Meter struct {
	Mode     DisplayMode
	Month    time.Time // first instant of the month, UTC
	Percent  int       // 0..100, rounded down; capped at 100
	Covered  int64     // minor units, ShowExact only
	Target   int64     // minor units, ShowExact only
	Currency string
}

// Visible reports whether the meter shows anything.
func (m Meter) Visible() bool { return m.Mode == ShowExact || m.Mode == ShowPercent }

// Exact reports whether amounts are shown.
func (m Meter) Exact() bool { return m.Mode == ShowExact }

// CoveredText and TargetText format the amounts in major units.
func (m Meter) CoveredText() string { return FormatMoney(m.Covered, m.Currency) }

// TargetText formats the target in major units.
func (m Meter) TargetText() string { return FormatMoney(m.Target, m.Currency) }

// MonthStart returns the first instant (UTC) of t's month.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// Covered adds up the sources for the month that begins at month.
func (g Goal) Covered(ctx context.Context, month time.Time) (int64, error) {
	var sum int64
	for _, s := range g.Sources {
		n, err := s.Funding(ctx, month, g.Currency)
		if err != nil {
			return 0, fmt.Errorf("funding for %s: %w", month.Format("2006-01"), err)
		}
		sum += n
	}
	return sum, nil
}

// Meter returns what to show for the current month. A hidden goal, or
// one without a target, reads no source at all.
func (g Goal) Meter(ctx context.Context) (Meter, error) {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	m := Meter{Mode: g.Mode, Month: MonthStart(now()), Currency: g.Currency}
	if !g.Mode.Valid() {
		m.Mode = ShowPercent
	}
	if m.Mode == ShowHidden || g.Target <= 0 {
		m.Mode = ShowHidden
		return m, nil
	}
	covered, err := g.Covered(ctx, m.Month)
	if err != nil {
		return Meter{}, err
	}
	m.Percent = Percent(covered, g.Target)
	if m.Mode == ShowExact {
		m.Covered, m.Target = covered, g.Target
	}
	return m, nil
}

// Percent is covered/target in whole percent, rounded down, within 0..100.
func Percent(covered, target int64) int {
	if target <= 0 || covered <= 0 {
		return 0
	}
	if covered >= target {
		return 100
	}
	return int(covered * 100 / target)
}

// ManualEntry is support recorded by revenue staff: an offline gift or a
// grant, counted toward the goal of its month.
type ManualEntry struct {
	ID        int64
	Month     time.Time // first instant of the month, UTC
	Amount    int64     // minor units
	Currency  string
	Note      string
	CreatedAt time.Time
}

// ValidCurrency reports whether c looks like an ISO 4217 code.
func ValidCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// FormatMoney writes minor units as major units with thousands
// separators and the currency code: 1000000 EUR -> "10,000 EUR";
// 250 -> "2.50 EUR". Every currency is taken to have two decimals.
func FormatMoney(minor int64, currency string) string {
	neg := minor < 0
	if neg {
		minor = -minor
	}
	major, cents := minor/100, minor%100
	s := strconv.FormatInt(major, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if cents != 0 {
		fmt.Fprintf(&b, ".%02d", cents)
	}
	if currency != "" {
		b.WriteString(" " + currency)
	}
	return b.String()
}

// ParseMoney reads an amount in major units ("10000", "2.5", "10,000")
// into minor units. Negative or absurd amounts are refused.
func ParseMoney(s string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, fmt.Errorf("no amount")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" && frac == "" {
		return 0, fmt.Errorf("%q is not an amount", s)
	}
	w, err := strconv.ParseInt(cmpOr(whole, "0"), 10, 64)
	if err != nil || w < 0 || w > 1_000_000_000 {
		return 0, fmt.Errorf("%q is not an amount between 0 and 1,000,000,000", s)
	}
	var f int64
	if frac != "" {
		for len(frac) < 2 {
			frac += "0"
		}
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0, fmt.Errorf("%q is not an amount", s)
		}
	}
	return w*100 + f, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// SettingsReader reads site settings (the store implements it).
type SettingsReader interface {
	Setting(ctx context.Context, key, def string) (string, error)
}

// DefaultCurrency is the goal's currency until revenue staff set one.
const DefaultCurrency = "EUR"

// LoadGoal reads the goal from the settings, with the funding sources that
// count toward it. Unset: no target, DefaultCurrency, percentage only.
func LoadGoal(ctx context.Context, s SettingsReader, sources []FundingSource) (Goal, error) {
	g := Goal{Sources: sources}
	t, err := s.Setting(ctx, SettingGoalTarget, "0")
	if err != nil {
		return g, err
	}
	if g.Target, err = strconv.ParseInt(t, 10, 64); err != nil || g.Target < 0 {
		g.Target = 0
	}
	if g.Currency, err = s.Setting(ctx, SettingGoalCurrency, DefaultCurrency); err != nil {
		return g, err
	}
	if !ValidCurrency(g.Currency) {
		g.Currency = DefaultCurrency
	}
	m, err := s.Setting(ctx, SettingGoalMode, string(ShowPercent))
	if err != nil {
		return g, err
	}
	g.Mode = DisplayMode(m)
	if !g.Mode.Valid() {
		g.Mode = ShowPercent
	}
	return g, nil
}
