package admin

import (
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// settingBankDetails is the account details readers transfer to; the
// support page and the static export show it.
const settingBankDetails = "bank.details"

const maxBankDetails = 2000

// paymentsRoutes are the revenue staff's: the ledger report, bank
// transfers to mark received, and the bank details.
func (a *Admin) paymentsRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/payments", Perm: account.ManageRevenue, handler: a.payments},
		{Pattern: "GET /admin/payments/report.csv", Perm: account.ManageRevenue, handler: a.paymentsCSV},
		{Pattern: "POST /admin/payments/pledges/received", Perm: account.ManageRevenue, handler: a.pledgeReceived},
		{Pattern: "GET /admin/payments/settings", Perm: account.ManageRevenue, handler: a.paymentSettings},
		{Pattern: "POST /admin/payments/settings", Perm: account.ManageRevenue, handler: a.savePaymentSettings},
	}
}

type paymentsData struct {
	page
	Reports   []reportRow
	Charts    []template.HTML
	Pledges   []revenue.Pledge
	Standing  []store.StandingOrder
	Entries   []revenue.Entry
	Reference string
	Providers []store.ProviderStatus
	// Confirm is a standing order whose reference was typed: which
	// period the transfer would pay, to confirm with one more click.
	Confirm *store.StandingOrder
}

// SetTransferReceipts sets how the receipt of a bank transfer marked
// received is made (the support pages' words and links); without it no
// receipt is sent.
func (a *Admin) SetTransferReceipts(f func(store.ReceivedTransfer) (mail.Message, error)) {
	a.transferReceipt = f
}

type reportRow struct {
	revenue.MonthReport
	Label string
}

func money(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, minor/100, minor%100, strings.ToUpper(currency))
}

func (a *Admin) report(r *http.Request) ([]revenue.MonthReport, error) {
	to := revenue.MonthStart(a.now()).AddDate(0, 1, 0)
	return a.db.MonthlyReport(r.Context(), to.AddDate(0, -reportMonths, 0), to)
}

func (a *Admin) payments(w http.ResponseWriter, r *http.Request) error {
	return a.renderPayments(w, r, http.StatusOK, a.newPage(r, a.loc(r).T("Payments")), nil)
}

func (a *Admin) renderPayments(w http.ResponseWriter, r *http.Request, status int, p page, confirm *store.StandingOrder) error {
	ctx := r.Context()
	reps, err := a.report(r)
	if err != nil {
		return err
	}
	d := paymentsData{page: p, Reference: r.PostFormValue("reference"), Confirm: confirm}
	byCur := map[string][]revenue.MonthReport{}
	var curs []string
	for _, m := range reps {
		d.Reports = append(d.Reports, reportRow{MonthReport: m, Label: a.loc(r).MonthYear(m.Month)})
		if byCur[m.Currency] == nil {
			curs = append(curs, m.Currency)
		}
		byCur[m.Currency] = append(byCur[m.Currency], m)
	}
	for _, c := range curs {
		d.Charts = append(d.Charts, barChart(a.loc(r), c, byCur[c]))
	}
	if d.Pledges, err = a.db.Pledges(ctx, store.PledgeQuery{Status: revenue.PledgeOpen, Limit: 200}); err != nil {
		return err
	}
	if d.Standing, err = a.db.StandingOrders(ctx, 200); err != nil {
		return err
	}
	if d.Entries, err = a.db.Entries(ctx, store.LedgerQuery{Limit: 50}); err != nil {
		return err
	}
	if d.Providers, err = a.db.ProviderStatuses(ctx); err != nil {
		return err
	}
	if err := a.db.ProviderWebhooks(ctx, d.Providers); err != nil {
		return err
	}
	return a.render(w, status, "payments", d)
}

// paymentsCSV exports the monthly report; amounts are in major units with
// two decimals, exactly as the ledger's integers.
func (a *Admin) paymentsCSV(w http.ResponseWriter, r *http.Request) error {
	reps, err := a.report(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="ledger-report.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"month", "currency", "received", "refunded", "mrr", "new_supporters", "lost_supporters"})
	dec := func(n int64) string {
		s := ""
		if n < 0 {
			s, n = "-", -n
		}
		return fmt.Sprintf("%s%d.%02d", s, n/100, n%100)
	}
	for _, m := range reps {
		cw.Write([]string{m.Month.Format("2006-01"), strings.ToUpper(m.Currency), dec(m.Received), dec(m.Refunded), dec(m.MRR),
			strconv.Itoa(m.New), strconv.Itoa(m.Lost)})
	}
	cw.Flush()
	return cw.Error()
}

// pledgeReceived marks a bank transfer received (by id from the lists, or
// by the reference typed from a bank statement), which writes its gift to
// the ledger and queues the donor's receipt. A pledge's first transfer
// names the pledge; a standing order's later one also names the period it
// pays (due, as the page showed it), so a second click, or a colleague
// marking the same transfer, finds it booked and adds nothing. A typed
// reference of a running standing order asks first which period it is.
func (a *Admin) pledgeReceived(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := a.newPage(r, a.loc(r).T("Payments"))
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	var due time.Time
	if n, err := strconv.ParseInt(r.PostFormValue("due"), 10, 64); err == nil && n > 0 {
		due = time.Unix(n, 0).UTC()
	}
	if ref := revenue.NormalizeReference(r.PostFormValue("reference")); ref != "" {
		pl, err := a.db.PledgeByReference(ctx, ref)
		if errors.Is(err, store.ErrNotFound) {
			p.Errors["reference"] = a.loc(r).T("No pledge has the reference “%s”. Check it against the bank statement.", ref)
			return a.renderPayments(w, r, http.StatusUnprocessableEntity, p, nil)
		}
		if err != nil {
			return err
		}
		id = pl.ID
		if pl.Recurring() && pl.Status == revenue.PledgeReceived && due.IsZero() {
			sub, err := a.db.RecurringGift(ctx, "bank", pl.Reference)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err == nil && !sub.NextRenewal.IsZero() {
				return a.renderPayments(w, r, http.StatusOK, p, &store.StandingOrder{PledgeID: pl.ID, Subscription: sub})
			}
		}
	}
	if id <= 0 {
		p.Errors["reference"] = a.loc(r).T("Type the reference from the bank statement.")
		return a.renderPayments(w, r, http.StatusUnprocessableEntity, p, nil)
	}
	var user int64
	if s := sessionFrom(ctx); s != nil {
		user = s.user.ID
	}
	_, ok, err := a.db.ReceiveTransfer(ctx, store.TransferMark{PledgeID: id, Due: due, UserID: user, Receipt: a.transferReceipt})
	if err != nil {
		return err
	}
	done := "received"
	switch {
	case !ok && !due.IsZero():
		done = "period-booked"
	case !ok:
		done = "not-open"
	}
	http.Redirect(w, r, "/admin/payments?done="+done, http.StatusSeeOther)
	return nil
}

type paymentSettingsData struct {
	page
	Details string
}

func (a *Admin) paymentSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := a.db.Setting(r.Context(), settingBankDetails, "")
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "payments-settings", paymentSettingsData{page: a.newPage(r, a.loc(r).T("Payment settings")), Details: v})
}

func (a *Admin) savePaymentSettings(w http.ResponseWriter, r *http.Request) error {
	v := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("bank_details"), "\r\n", "\n"))
	d := paymentSettingsData{page: a.newPage(r, a.loc(r).T("Payment settings")), Details: v}
	switch n := utf8.RuneCountInString(v); {
	case !utf8.ValidString(v):
		d.Errors["bank_details"] = a.loc(r).T("The details are not valid text.")
	case n > maxBankDetails:
		d.Errors["bank_details"] = a.loc(r).T("The details are too long (%s characters, at most %s).", strconv.Itoa(n), strconv.Itoa(maxBankDetails))
	}
	if len(d.Errors) > 0 {
		return a.render(w, http.StatusUnprocessableEntity, "payments-settings", d)
	}
	if err := a.db.SetSetting(r.Context(), settingBankDetails, v); err != nil {
		return err
	}
	if a.onSettings != nil {
		a.onSettings(r.Context())
	}
	http.Redirect(w, r, "/admin/payments/settings?done=saved", http.StatusSeeOther)
	return nil
}

// barChart draws received (up) and refunded (down) per month, and the
// monthly recurring revenue as a line, as inline SVG: no script, no chart
// library, readable with styles off thanks to its title and the table
// beside it.
func barChart(loc *i18n.Locale, currency string, ms []revenue.MonthReport) template.HTML {
	const w, h, pad, base = 600, 220, 30, 160
	var top int64 = 1
	for _, m := range ms {
		top = max(top, m.Received, m.MRR, m.Refunded)
	}
	scale := func(v int64) float64 { return float64(v) * float64(base-pad) / float64(top) }
	n := max(len(ms), 1)
	step := float64(w-2*pad) / float64(n)
	var b strings.Builder
	cur := template.HTMLEscapeString(strings.ToUpper(currency))
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-%s"><title id="chart-%s">%s</title>`,
		w, h, cur, cur, template.HTMLEscapeString(loc.T("Received, refunded and monthly recurring revenue, %s", cur)))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, pad, base, w-pad, base)
	var line []string
	for i, m := range ms {
		x := float64(pad) + float64(i)*step
		bw := step * 0.6
		rh := scale(m.Received)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2a6f4e"><title>%s</title></rect>`,
			x, base-rh, bw, rh, template.HTMLEscapeString(loc.T("%s: received %s", loc.MonthYear(m.Month), money(m.Received, m.Currency))))
		if m.Refunded > 0 {
			fh := scale(m.Refunded) / 3
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%.1f" fill="#b33"><title>%s</title></rect>`,
				x, base, bw, fh, template.HTMLEscapeString(loc.T("%s: refunded %s", loc.MonthYear(m.Month), money(m.Refunded, m.Currency))))
		}
		line = append(line, fmt.Sprintf("%.1f,%.1f", x+bw/2, base-scale(m.MRR)))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>`, x+bw/2, h-8, template.HTMLEscapeString(loc.MonthShort(m.Month)))
	}
	if len(line) > 1 {
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1f4e8c" stroke-width="2"/>`, strings.Join(line, " "))
	}
	fmt.Fprintf(&b, `<text x="%d" y="14" font-size="11">%s · bars: received, red: refunded, line: MRR</text></svg>`, pad, cur)
	return template.HTML(b.String())
}
