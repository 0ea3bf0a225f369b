package admin

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// reportMonths is how many months the goal report goes back.
const reportMonths = 12

// monthRow is one month of goal progress.
type monthRow struct {
	Month    time.Time
	Covered  int64
	Target   int64
	Percent  int
	Currency string
	// Bar geometry in the SVG chart's units.
	X, Y, W, H int
}

// CoveredText is the amount covered in major units.
func (m monthRow) CoveredText() string { return revenue.FormatMoney(m.Covered, m.Currency) }

// variantRow is one prompt variant's numbers over the report's period.
type variantRow struct {
	Variant     int64
	Name        string
	Impressions int64
	Clicks      int64
	Snoozes     int64
	Conversions int64
	Amount      int64 // in the goal's currency
	Currency    string
	// Bar geometry in the SVG chart's units: clicks and conversions per impression.
	Y, W, CW int
}

// ClickRate and ConversionRate are per impression, in percent, as text.
func (v variantRow) ClickRate() string { return rate(v.Clicks, v.Impressions) }

// ConversionRate is conversions per impression, in percent.
func (v variantRow) ConversionRate() string { return rate(v.Conversions, v.Impressions) }

// AmountText is the amount given in major units.
func (v variantRow) AmountText() string { return revenue.FormatMoney(v.Amount, v.Currency) }

func rate(n, d int64) string {
	if d == 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(n)*100/float64(d), 'f', 2, 64) + "%"
}

type reportsData struct {
	page
	Days        int
	Months      []monthRow
	TargetY     int // the target line in the goal chart, 0 without a target
	Currency    string
	Variants    []variantRow
	ChartHeight int // of the variants chart
	NoLedger    bool
}

// The charts' geometry: a viewBox the CSS scales to the page width.
const (
	chartW      = 720
	chartH      = 240
	chartLeft   = 10
	barRowH     = 28
	variantBarW = 420
)

func (a *Admin) goalMonths(ctx context.Context) ([]monthRow, revenue.Goal, error) {
	g, err := a.rev.Goal(ctx)
	if err != nil {
		return nil, g, err
	}
	start := revenue.MonthStart(a.now())
	var rows []monthRow
	for i := reportMonths - 1; i >= 0; i-- {
		m := start.AddDate(0, -i, 0)
		covered, err := g.Covered(ctx, m)
		if err != nil {
			return nil, g, err
		}
		rows = append(rows, monthRow{Month: m, Covered: covered, Target: g.Target, Percent: revenue.Percent(covered, g.Target), Currency: g.Currency})
	}
	return rows, g, nil
}

// variantRows adds up the stored counters, the ones still in memory and
// the ledger's conversions for the last days.
func (a *Admin) variantRows(ctx context.Context, days int, currency string) ([]variantRow, bool, error) {
	to := a.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -days)
	counts, err := a.db.PromptCounts(ctx, from, to)
	if err != nil {
		return nil, false, err
	}
	if a.rev.Counters != nil {
		for _, c := range a.rev.Counters.Pending() {
			if c.Day >= from.Format("2006-01-02") && c.Day < to.Format("2006-01-02") {
				counts = append(counts, c)
			}
		}
	}
	names, err := a.db.AllVariants(ctx)
	if err != nil {
		return nil, false, err
	}
	by := map[int64]*variantRow{}
	row := func(id int64) *variantRow {
		if by[id] == nil {
			name := names[id]
			if name == "" {
				name = fmt.Sprintf("Deleted variant %d", id)
			}
			by[id] = &variantRow{Variant: id, Name: name, Currency: currency}
		}
		return by[id]
	}
	for _, c := range counts {
		v := row(c.Variant)
		v.Impressions += c.Impressions
		v.Clicks += c.Clicks
		v.Snoozes += c.Snoozes
	}
	noLedger := true
	if a.rev.Conversions != nil {
		if src := a.rev.Conversions(); src != nil {
			noLedger = false
			conv, err := src.Conversions(ctx, from, to)
			if err != nil {
				return nil, false, fmt.Errorf("conversions: %w", err)
			}
			for _, c := range conv {
				if c.Variant == 0 {
					continue
				}
				v := row(c.Variant)
				v.Conversions += int64(c.Gifts)
				if c.Currency == currency {
					v.Amount += c.Amount
				}
			}
		}
	}
	out := make([]variantRow, 0, len(by))
	for _, v := range by {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(x, y variantRow) int {
		if x.Name != y.Name {
			if x.Name < y.Name {
				return -1
			}
			return 1
		}
		return int(x.Variant - y.Variant)
	})
	return out, noLedger, nil
}

func reportDays(r *http.Request) int {
	switch r.URL.Query().Get("days") {
	case "7":
		return 7
	case "90":
		return 90
	}
	return 30
}

func (a *Admin) revenueReports(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := &reportsData{page: a.newPage(r, a.loc(r).T("Revenue reports")), Days: reportDays(r)}
	months, g, err := a.goalMonths(ctx)
	if err != nil {
		return err
	}
	d.Currency = g.Currency
	// Bars scale to the larger of the target and the best month.
	top := g.Target
	for _, m := range months {
		top = max(top, m.Covered)
	}
	slot := (chartW - chartLeft) / len(months)
	base := chartH - 30
	for i := range months {
		m := &months[i]
		m.X, m.W = chartLeft+i*slot+4, slot-8
		if top > 0 {
			m.H = int(m.Covered * int64(base-10) / top)
		}
		m.Y = base - m.H
	}
	if g.Target > 0 && top > 0 {
		d.TargetY = base - int(g.Target*int64(base-10)/top)
	}
	d.Months = months
	if d.Variants, d.NoLedger, err = a.variantRows(ctx, d.Days, g.Currency); err != nil {
		return err
	}
	// The variants chart: one bar per variant, click-through per impression.
	var best float64
	for _, v := range d.Variants {
		if v.Impressions > 0 {
			best = max(best, float64(max(v.Clicks, v.Conversions))/float64(v.Impressions))
		}
	}
	for i := range d.Variants {
		v := &d.Variants[i]
		v.Y = i * barRowH
		if best > 0 && v.Impressions > 0 {
			v.W = int(float64(v.Clicks) / float64(v.Impressions) / best * variantBarW)
			v.CW = int(float64(v.Conversions) / float64(v.Impressions) / best * variantBarW)
		}
	}
	d.ChartHeight = max(1, len(d.Variants)) * barRowH
	return a.renderRevenue(w, http.StatusOK, "reports", d)
}

func csvHeader(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return csv.NewWriter(w)
}

// goalCSV is the goal report: amounts in minor units, as stored.
func (a *Admin) goalCSV(w http.ResponseWriter, r *http.Request) error {
	months, _, err := a.goalMonths(r.Context())
	if err != nil {
		return err
	}
	cw := csvHeader(w, "goal.csv")
	cw.Write([]string{"month", "currency", "target_minor", "covered_minor", "percent"})
	for _, m := range months {
		cw.Write([]string{m.Month.Format("2006-01"), m.Currency, strconv.FormatInt(m.Target, 10), strconv.FormatInt(m.Covered, 10), strconv.Itoa(m.Percent)})
	}
	cw.Flush()
	return cw.Error()
}

// variantsCSV is the per-variant report over ?days=.
func (a *Admin) variantsCSV(w http.ResponseWriter, r *http.Request) error {
	g, err := a.rev.Goal(r.Context())
	if err != nil {
		return err
	}
	rows, _, err := a.variantRows(r.Context(), reportDays(r), g.Currency)
	if err != nil {
		return err
	}
	cw := csvHeader(w, "variants.csv")
	cw.Write([]string{"variant_id", "variant", "impressions", "clicks", "snoozes", "conversions", "click_rate", "conversion_rate", "amount_minor", "currency"})
	for _, v := range rows {
		cw.Write([]string{strconv.FormatInt(v.Variant, 10), v.Name, strconv.FormatInt(v.Impressions, 10), strconv.FormatInt(v.Clicks, 10),
			strconv.FormatInt(v.Snoozes, 10), strconv.FormatInt(v.Conversions, 10), v.ClickRate(), v.ConversionRate(),
			strconv.FormatInt(v.Amount, 10), v.Currency})
	}
	cw.Flush()
	return cw.Error()
}
