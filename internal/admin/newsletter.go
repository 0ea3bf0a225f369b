package admin

import (
	"context"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Newsletters composes, previews, tests, confirms, schedules and sends
// newsletter issues (*mail.Newsletters).
type Newsletters interface {
	SaveIssue(ctx context.Context, is *mail.Issue) error
	Preview(ctx context.Context, is mail.Issue) (mail.Message, error)
	SendTest(ctx context.Context, is mail.Issue, to string) error
	Recipients(ctx context.Context, is mail.Issue) (int, error)
	ConfirmToken(is mail.Issue) string
	SendNow(ctx context.Context, is mail.Issue, token string) (int, error)
	Schedule(ctx context.Context, is mail.Issue, token string, at time.Time) error
	Unschedule(ctx context.Context, is mail.Issue) error
}

type newsletterAdmin struct {
	n     Newsletters
	views langViews
}

// SetNewsletters turns on the newsletters pages; call it before Register.
// Their templates live in templates/admin/newsletter/ of web.
func (a *Admin) SetNewsletters(n Newsletters, web fs.FS) error {
	v, err := a.parseViews(web, "templates/admin/newsletter/*.html", template.FuncMap{
		"listname": func(key string) string { l, _ := mail.ListByKey(key); return l.Name },
	})
	if err != nil {
		return err
	}
	a.newsletters = &newsletterAdmin{n: n, views: v}
	return nil
}

// newsletterRoutes: editors and admins (who may publish) send newsletters.
func (a *Admin) newsletterRoutes() []Route {
	if a.newsletters == nil {
		return nil
	}
	p := account.PublishArticles
	return []Route{
		{Pattern: "GET /admin/newsletters", Perm: p, handler: a.newslettersPage},
		{Pattern: "GET /admin/newsletters/new", Perm: p, handler: a.newIssuePage},
		{Pattern: "POST /admin/newsletters/new", Perm: p, handler: a.saveIssue},
		{Pattern: "GET /admin/newsletters/{id}", Perm: p, handler: a.issuePage},
		{Pattern: "POST /admin/newsletters/{id}", Perm: p, handler: a.saveIssue},
		{Pattern: "GET /admin/newsletters/{id}/preview", Perm: p, handler: a.issuePreview},
		{Pattern: "POST /admin/newsletters/{id}/test", Perm: p, handler: a.testIssue},
		{Pattern: "GET /admin/newsletters/{id}/confirm", Perm: p, handler: a.confirmIssuePage},
		{Pattern: "POST /admin/newsletters/{id}/send", Perm: p, handler: a.sendIssue},
		{Pattern: "POST /admin/newsletters/{id}/schedule", Perm: p, handler: a.sendIssue},
		{Pattern: "POST /admin/newsletters/{id}/unschedule", Perm: p, handler: a.unscheduleIssue},
	}
}

func (a *Admin) renderNewsletter(w http.ResponseWriter, status int, name string, data any) error {
	b, err := a.newsletters.views.render(name, data)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Drafts and counts of readers: never kept by a cache.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

type listCount struct {
	mail.List
	Subscribers int
}

func (a *Admin) listCounts(ctx context.Context) ([]listCount, error) {
	counts, err := a.db.SubscriberCounts(ctx)
	if err != nil {
		return nil, err
	}
	var lists []listCount
	for _, l := range mail.Lists {
		lists = append(lists, listCount{l, counts[l.Key]})
	}
	return lists, nil
}

// newslettersPage lists every send with its status and report, and the
// recent articles to compose from.
func (a *Admin) newslettersPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lists, err := a.listCounts(ctx)
	if err != nil {
		return err
	}
	reports, err := a.db.IssueReports(ctx, 100)
	if err != nil {
		return err
	}
	arts, err := a.db.ListArticles(ctx, store.ListQuery{Limit: 20, NoBylines: true})
	if err != nil {
		return err
	}
	data := struct {
		page
		Lists    []listCount
		Reports  []mail.IssueReport
		Articles []*content.Article
	}{a.newPage(r, a.loc(r).T("Newsletters")), lists, reports, arts}
	return a.renderNewsletter(w, http.StatusOK, "newsletters", data)
}

// issueForm is the compose form as typed, kept whole when it is refused.
type issueForm struct {
	ID                         int64
	List, Lang, Subject, Intro string
	ArticleID                  int64
	Article                    *content.Article
}

type issueData struct {
	page
	Form  issueForm
	Lists []listCount
	Langs []string
	Issue *mail.IssueReport // nil while composing
	// The mail as it will be sent: the HTML is shown in a sandboxed frame
	// from the preview URL, the text part as it is.
	Text string
}

func (a *Admin) issueData(r *http.Request, title string, f issueForm) (issueData, error) {
	lists, err := a.listCounts(r.Context())
	if err != nil {
		return issueData{}, err
	}
	if f.ArticleID != 0 && f.Article == nil {
		if art, err := a.db.ArticleByID(r.Context(), f.ArticleID); err == nil {
			f.Article = art
		}
	}
	return issueData{page: a.newPage(r, title), Form: f, Lists: lists, Langs: i18n.Languages}, nil
}

// newIssuePage is the compose form, from scratch or from ?article=ID.
func (a *Admin) newIssuePage(w http.ResponseWriter, r *http.Request) error {
	f := issueForm{List: mail.Lists[0].Key, Lang: a.mainLang(r.Context())}
	if id, err := strconv.ParseInt(r.URL.Query().Get("article"), 10, 64); err == nil {
		art, err := a.db.ArticleByID(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return &httpx.Error{Status: http.StatusNotFound, Message: a.loc(r).T("That article no longer exists.")}
		}
		if err != nil {
			return err
		}
		f.ArticleID, f.Article, f.Subject, f.Lang, f.List = id, art, art.Headline, art.Lang, "breaking"
	}
	d, err := a.issueData(r, a.loc(r).T("Compose a newsletter"), f)
	if err != nil {
		return err
	}
	return a.renderNewsletter(w, http.StatusOK, "issue", d)
}

// loadIssue reads the issue of the path.
func (a *Admin) loadIssue(r *http.Request) (mail.Issue, error) {
	id, err := pathID(r)
	if err != nil {
		return mail.Issue{}, err
	}
	is, err := a.db.Issue(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return is, httpx.NotFound()
	}
	return is, err
}

// saveIssue stores the compose form: a new draft, or the draft of the path.
func (a *Admin) saveIssue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	loc := a.loc(r)
	var is mail.Issue
	if r.PathValue("id") != "" {
		var err error
		if is, err = a.loadIssue(r); err != nil {
			return err
		}
		if is.Status != mail.IssueDraft {
			return &httpx.Error{Status: http.StatusConflict, Message: loc.T("Only a draft can be changed: cancel the schedule first.")}
		}
	} else {
		is.CreatedBy = sessionFrom(ctx).user.ID
	}
	f := issueForm{ID: is.ID, List: r.PostFormValue("list"), Lang: r.PostFormValue("lang"),
		Subject: r.PostFormValue("subject"), Intro: strings.ReplaceAll(r.PostFormValue("intro"), "\r\n", "\n")}
	f.ArticleID, _ = strconv.ParseInt(r.PostFormValue("article"), 10, 64)
	is.List, is.Lang, is.Subject, is.Intro, is.ArticleID = f.List, f.Lang, f.Subject, f.Intro, f.ArticleID
	err := a.newsletters.n.SaveIssue(ctx, &is)
	var fe mail.IssueErrors
	if errors.As(err, &fe) {
		title := loc.T("Compose a newsletter")
		d, derr := a.issueData(r, title, f)
		if derr != nil {
			return derr
		}
		for k, v := range fe {
			d.Errors[k] = loc.T(v)
		}
		if is.ID != 0 {
			rep := mail.IssueReport{Issue: is}
			d.Issue = &rep
		}
		return a.renderNewsletter(w, http.StatusUnprocessableEntity, "issue", d)
	}
	if errors.Is(err, store.ErrConflict) {
		return &httpx.Error{Status: http.StatusConflict, Message: loc.T("Only a draft can be changed: cancel the schedule first.")}
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/newsletters/"+strconv.FormatInt(is.ID, 10)+"?done="+url.QueryEscape(loc.T("Draft saved.")), http.StatusSeeOther)
	return nil
}

// issuePage shows an issue: its form while a draft, its preview, and
// what can be done with it next.
func (a *Admin) issuePage(w http.ResponseWriter, r *http.Request) error {
	is, err := a.loadIssue(r)
	if err != nil {
		return err
	}
	f := issueForm{ID: is.ID, List: is.List, Lang: is.Lang, Subject: is.Subject, Intro: is.Intro, ArticleID: is.ArticleID}
	d, err := a.issueData(r, is.Subject, f)
	if err != nil {
		return err
	}
	rep, err := a.db.IssueReport(r.Context(), is.ID)
	if err != nil {
		return err
	}
	d.Issue = &rep
	if m, err := a.newsletters.n.Preview(r.Context(), is); err == nil {
		d.Text = m.Text
	} else {
		a.log.Warn("newsletter preview", "issue", is.ID, "err", err)
	}
	return a.renderNewsletter(w, http.StatusOK, "issue", d)
}

// previewPolicy is the preview's Content-Security-Policy: the mail's own
// inline styles and this site's images, nothing that runs, shown only in
// a frame of the admin itself.
const previewPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' %s; frame-ancestors 'self'; " +
	"base-uri 'none'; form-action 'none'; sandbox"

// issuePreview serves the HTML part exactly as it will be sent.
func (a *Admin) issuePreview(w http.ResponseWriter, r *http.Request) error {
	is, err := a.loadIssue(r)
	if err != nil {
		return err
	}
	m, err := a.newsletters.n.Preview(r.Context(), is)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", strings.Replace(previewPolicy, "%s", originOf(a.baseURL), 1))
	h.Set("X-Frame-Options", "SAMEORIGIN")
	_, err = w.Write([]byte(m.HTML))
	return err
}

// originOf is scheme://host of a base URL.
func originOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// testIssue mails the issue to the signed-in account's own address, and
// to no one else.
func (a *Admin) testIssue(w http.ResponseWriter, r *http.Request) error {
	is, err := a.loadIssue(r)
	if err != nil {
		return err
	}
	s := sessionFrom(r.Context())
	if err := a.newsletters.n.SendTest(r.Context(), is, s.user.Email); err != nil {
		return err
	}
	a.log.Info("newsletter test sent", "issue", is.ID, "by", s.user.ID)
	done := a.loc(r).T("A test was sent to %s. Readers got nothing.", s.user.Email)
	http.Redirect(w, r, "/admin/newsletters/"+strconv.FormatInt(is.ID, 10)+"?done="+url.QueryEscape(done), http.StatusSeeOther)
	return nil
}

type confirmData struct {
	page
	Issue      mail.Issue
	ListName   string
	Recipients int
	Token      string
	// The schedule time as typed (or empty): a date and a 24-hour time in
	// the newsroom's zone, Zone.
	AtDate, AtClock string
	Zone            string
}

func (a *Admin) confirmData(r *http.Request, is mail.Issue) (confirmData, error) {
	n, err := a.newsletters.n.Recipients(r.Context(), is)
	if err != nil {
		return confirmData{}, err
	}
	l, _ := mail.ListByKey(is.List)
	d := confirmData{page: a.newPage(r, a.loc(r).T("Send “%s”", is.Subject)), Issue: is, ListName: l.Name, Recipients: n,
		Token: a.newsletters.n.ConfirmToken(is), Zone: a.zone(r.Context()).String()}
	if n == 0 {
		d.Errors["form"] = a.loc(r).T(mail.ErrNoRecipients.Error())
	}
	return d, nil
}

// confirmIssuePage asks before anything is sent: how many readers of
// which list will get it, now or at a time chosen.
func (a *Admin) confirmIssuePage(w http.ResponseWriter, r *http.Request) error {
	is, err := a.loadIssue(r)
	if err != nil {
		return err
	}
	if is.Status != mail.IssueDraft {
		http.Redirect(w, r, "/admin/newsletters/"+strconv.FormatInt(is.ID, 10), http.StatusSeeOther)
		return nil
	}
	d, err := a.confirmData(r, is)
	if err != nil {
		return err
	}
	return a.renderNewsletter(w, http.StatusOK, "confirm", d)
}

// sendIssue sends (…/send) or schedules (…/schedule) a draft, given the
// confirmation page's token; without it nothing is sent.
func (a *Admin) sendIssue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	loc := a.loc(r)
	is, err := a.loadIssue(r)
	if err != nil {
		return err
	}
	token := r.PostFormValue("confirm")
	scheduling := strings.HasSuffix(r.URL.Path, "/schedule")
	atDate := strings.TrimSpace(r.PostFormValue("at_date"))
	atClock := strings.TrimSpace(r.PostFormValue("at_time"))
	var n int
	var done string
	var shown map[string]string // errors already in the page's language
	if scheduling {
		z := a.zone(ctx)
		var t time.Time
		t, err = scheduleTime(atDate, atClock, z)
		var msg string
		switch {
		case err == nil:
		case errors.Is(err, errNoSuchTime):
			msg = gapMessage(loc, atDate, atClock, z)
		case errors.Is(err, errNoDate):
			msg = loc.T("Enter a date with the time.")
		case strings.HasPrefix(err.Error(), "date"):
			msg = loc.T("Enter the date as yyyy-mm-dd, such as 2024-05-14.")
		default:
			msg = loc.T("Enter the time as hh:mm on a 24-hour clock, such as 09:30 or 18:05.")
		}
		if msg != "" {
			// Refused before anything is asked of the newsletters.
			err, shown = errBadScheduleTime, map[string]string{"at": msg}
		} else {
			err = a.newsletters.n.Schedule(ctx, is, token, t.UTC())
			done = loc.T("“%s” will go out on %s.", is.Subject, loc.DateTimeIn(t, z))
		}
	} else {
		n, err = a.newsletters.n.SendNow(ctx, is, token)
		l, _ := mail.ListByKey(is.List)
		done = loc.T("“%s” is going out to %d subscribers of %s.", is.Subject, n, loc.T(l.Name))
	}
	if err != nil {
		status := 0
		var fe mail.IssueErrors
		switch {
		case errors.As(err, &fe), errors.Is(err, errBadScheduleTime):
			status = http.StatusUnprocessableEntity
		case errors.Is(err, mail.ErrNotConfirmed):
			status = http.StatusBadRequest
		case errors.Is(err, mail.ErrNoRecipients):
			status = http.StatusUnprocessableEntity
		case errors.Is(err, mail.ErrIssueTaken), errors.Is(err, store.ErrConflict):
			status = http.StatusConflict
		default:
			return err
		}
		// The confirmation page again, with the issue as it is now and
		// what went wrong: the editor decides again.
		if fresh, rerr := a.db.Issue(ctx, is.ID); rerr == nil {
			is = fresh
		}
		if is.Status != mail.IssueDraft {
			return &httpx.Error{Status: status, Message: loc.T(mail.ErrIssueTaken.Error())}
		}
		d, derr := a.confirmData(r, is)
		if derr != nil {
			return derr
		}
		d.AtDate, d.AtClock = atDate, atClock
		for k, v := range fe {
			d.Errors[k] = loc.T(v)
		}
		for k, v := range shown {
			d.Errors[k] = v
		}
		if fe == nil && shown == nil {
			d.Errors["form"] = loc.T(err.Error())
		}
		return a.renderNewsletter(w, status, "confirm", d)
	}
	a.log.Info("newsletter issue sent or scheduled", "issue", is.ID, "recipients", n, "scheduled", scheduling, "by", sessionFrom(ctx).user.ID)
	http.Redirect(w, r, "/admin/newsletters?done="+url.QueryEscape(done), http.StatusSeeOther)
	return nil
}

// unscheduleIssue turns a scheduled issue back into a draft.
func (a *Admin) unscheduleIssue(w http.ResponseWriter, r *http.Request) error {
	is, err := a.loadIssue(r)
	if err != nil {
		return err
	}
	if err := a.newsletters.n.Unschedule(r.Context(), is); errors.Is(err, store.ErrConflict) {
		return &httpx.Error{Status: http.StatusConflict, Message: a.loc(r).T(mail.ErrIssueTaken.Error())}
	} else if err != nil {
		return err
	}
	done := a.loc(r).T("The schedule is cancelled: “%s” is a draft again.", is.Subject)
	http.Redirect(w, r, "/admin/newsletters/"+strconv.FormatInt(is.ID, 10)+"?done="+url.QueryEscape(done), http.StatusSeeOther)
	return nil
}

// errBadScheduleTime is a send time that could not be read.
var errBadScheduleTime = errors.New("unreadable send time")

// errNoDate is a schedule with its date or its time left empty.
var errNoDate = errors.New("a date and a time are both needed")

// scheduleTime reads a newsletter's send time, typed as a date and a
// 24-hour time in the newsroom's zone z, as the article form does.
func scheduleTime(date, clock string, z *time.Location) (time.Time, error) {
	if date == "" || clock == "" {
		return time.Time{}, errNoDate
	}
	return parseLocal(date, clock, z)
}
