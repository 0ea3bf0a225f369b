package admin

import (
	"net/http"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
)

// How much of each list the dashboard shows; the counts are whole.
const (
	dashArticles    = 8
	dashScheduled   = 10
	dashCorrections = 5
)

// statusList is a block of articles in one status.
type statusList struct {
	ID, Title, All string // the block's anchor, heading and "all" link
	Status         content.Status
	Articles       []*content.Article
	Total          int
}

// supportBlock is the money in: today in the newsroom's zone, and the
// month against the goal.
type supportBlock struct {
	Currency       string
	Today          int64
	TodayGifts     int
	Month          int64
	Target         int64 // 0: no goal
	Percent        int
	MonthStartedAt time.Time
}

type dashboardData struct {
	page
	Zone        string
	Drafts      *statusList // nil: not for this role
	Review      *statusList
	Scheduled   *statusList
	Corrections []store.RecentCorrection
	Support     *supportBlock
	Mail        *store.MailQueue
}

// dashboard is a morning's work on one page: what waits to be edited or
// checked, what goes out when, what was corrected, the money and the mail.
// Each block is one indexed read with a limit (see store/dashboard.go).
func (a *Admin) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	loc := a.loc(r)
	d := dashboardData{page: a.newPage(r, loc.T("Newsroom"))}
	z := a.zone(ctx)
	d.Zone = z.String()
	u := d.User
	if u.Role.Can(account.EditAllArticles) {
		for _, b := range []struct {
			dst            **statusList
			status         content.Status
			limit          int
			id, title, all string
		}{
			{&d.Drafts, content.StatusDraft, dashArticles, "drafts", loc.T("Drafts"), loc.T("All drafts")},
			{&d.Review, content.StatusReview, dashArticles, "review", loc.T("Waiting for review"), loc.T("All articles in review")},
			{&d.Scheduled, content.StatusScheduled, dashScheduled, "scheduled", loc.T("Scheduled"), loc.T("All scheduled")},
		} {
			list, n, err := a.db.ArticlesByStatus(ctx, b.status, b.limit)
			if err != nil {
				return err
			}
			*b.dst = &statusList{ID: b.id, Title: b.title, All: b.all, Status: b.status, Articles: list, Total: n}
		}
		var err error
		if d.Corrections, err = a.db.RecentCorrections(ctx, dashCorrections); err != nil {
			return err
		}
	}
	if a.rev != nil && u.Role.Can(account.ManageRevenue) {
		g, err := a.rev.Goal(ctx)
		if err != nil {
			return err
		}
		now := a.now().In(z)
		sb := &supportBlock{Currency: g.Currency, Target: g.Target, MonthStartedAt: revenue.MonthStart(now)}
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, z)
		if sb.Today, sb.TodayGifts, err = a.db.SupportSince(ctx, today, g.Currency); err != nil {
			return err
		}
		if sb.Month, err = g.Covered(ctx, sb.MonthStartedAt); err != nil {
			return err
		}
		sb.Percent = revenue.Percent(sb.Month, g.Target)
		d.Support = sb
	}
	if u.Role.Can(account.ManageSettings) {
		q, err := a.db.MailQueue(ctx)
		if err != nil {
			return err
		}
		d.Mail = &q
	}
	return a.render(w, http.StatusOK, "dashboard", d)
}
