package admin

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Newsletters sends an article to the breaking-news list (*mail.Newsletters).
type Newsletters interface {
	SendArticle(ctx context.Context, a *content.Article, by int64) (int, error)
}

type newsletterAdmin struct {
	n     Newsletters
	views langViews
}

// SetNewsletters turns on the newsletters page; call it before Register.
// Its templates live in templates/admin/newsletter/ of web.
func (a *Admin) SetNewsletters(n Newsletters, web fs.FS) error {
	v, err := a.parseViews(web, "templates/admin/newsletter/*.html", nil)
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
	return []Route{
		{Pattern: "GET /admin/newsletters", Perm: account.PublishArticles, handler: a.newslettersPage},
		{Pattern: "POST /admin/newsletters/send", Perm: account.PublishArticles, handler: a.sendNewsletter},
	}
}

type newsletterRow struct {
	Article *content.Article
	Sent    bool
}

func (a *Admin) newslettersPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	counts, err := a.db.SubscriberCounts(ctx)
	if err != nil {
		return err
	}
	arts, err := a.db.ListArticles(ctx, store.ListQuery{Limit: 20, NoBylines: true})
	if err != nil {
		return err
	}
	rows := make([]newsletterRow, len(arts))
	for i, art := range arts {
		sent, err := a.db.NewsletterSent(ctx, "breaking", "article:"+strconv.FormatInt(art.ID, 10))
		if err != nil {
			return err
		}
		rows[i] = newsletterRow{Article: art, Sent: sent}
	}
	type listCount struct {
		mail.List
		Subscribers int
	}
	var lists []listCount
	for _, l := range mail.Lists {
		lists = append(lists, listCount{l, counts[l.Key]})
	}
	data := struct {
		page
		Lists []listCount
		Rows  []newsletterRow
	}{a.newPage(r, a.loc(r).T("Newsletters")), lists, rows}
	b, err := a.newsletters.views.render("newsletters", data)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write(b)
	return err
}

// sendNewsletter sends a published article to the breaking-news list.
// A second click (or a second editor) finds it already sent.
func (a *Admin) sendNewsletter(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PostFormValue("article"), 10, 64)
	if err != nil {
		return &httpx.Error{Status: http.StatusBadRequest, Message: a.loc(r).T("No article chosen.")}
	}
	art, err := a.db.ArticleByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return &httpx.Error{Status: http.StatusNotFound, Message: a.loc(r).T("That article no longer exists.")}
	}
	if err != nil {
		return err
	}
	if !art.Live(a.now()) {
		return &httpx.Error{Status: http.StatusConflict, Message: a.loc(r).T("Only a published article can be sent as a newsletter.")}
	}
	s := sessionFrom(ctx)
	n, err := a.newsletters.n.SendArticle(ctx, art, s.user.ID)
	// The flash travels in the URL, already in the editor's language.
	loc := a.loc(r)
	done := loc.T("“%s” is going out to %d subscribers of Breaking news.", art.Headline, n)
	if errors.Is(err, store.ErrAlreadySent) {
		done = loc.T("“%s” was already sent; it is not sent twice.", art.Headline)
	} else if err != nil {
		return err
	}
	a.log.Info("newsletter sent", "article", art.ID, "recipients", n, "by", s.user.ID)
	http.Redirect(w, r, "/admin/newsletters?done="+url.QueryEscape(done), http.StatusSeeOther)
	return nil
}
