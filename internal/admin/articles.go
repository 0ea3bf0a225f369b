package admin

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

// articleRoutes are the article editor's routes. Who may touch which
// article is decided by the permission here and by canEdit.
func (a *Admin) articleRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/articles", Perm: account.EditOwnArticles, handler: a.articles},
		{Pattern: "GET /admin/articles/new", Perm: account.EditOwnArticles, handler: a.newArticle},
		{Pattern: "POST /admin/articles/new", Perm: account.EditOwnArticles, MaxBody: maxArticleRequest, handler: a.saveArticle},
		{Pattern: "GET /admin/articles/{id}", Perm: account.EditOwnArticles, handler: a.editArticle},
		{Pattern: "POST /admin/articles/{id}", Perm: account.EditOwnArticles, MaxBody: maxArticleRequest, handler: a.saveArticle},
		{Pattern: "GET /admin/articles/{id}/revisions", Perm: account.EditOwnArticles, handler: a.revisions},
		{Pattern: "GET /admin/articles/{id}/diff", Perm: account.EditOwnArticles, handler: a.diff},
		{Pattern: "POST /admin/articles/{id}/restore", Perm: account.EditOwnArticles, handler: a.restoreRevision},
		{Pattern: "POST /admin/articles/{id}/corrections", Perm: account.PublishArticles, handler: a.addCorrection},
		{Pattern: "POST /admin/articles/{id}/translation", Perm: account.EditOwnArticles, handler: a.linkTranslation},
		{Pattern: "POST /admin/articles/{id}/translation/unlink", Perm: account.EditOwnArticles, handler: a.unlinkTranslation},
	}
}

// canEdit is the per-article half of the access policy: editors change any
// article; authors change their own while it is a draft or in review.
func canEdit(u account.User, a *content.Article) bool {
	if u.Role.Can(account.EditAllArticles) {
		return true
	}
	return u.Role.Can(account.EditOwnArticles) && a.CreatedBy == u.ID &&
		(a.Status == content.StatusDraft || a.Status == content.StatusReview)
}

// canView lets authors read their own articles (and their history) in any
// status; editing stays with canEdit.
func canView(u account.User, a *content.Article) bool {
	return canEdit(u, a) || u.Role.Can(account.EditOwnArticles) && a.CreatedBy == u.ID
}

// allowedStatuses are the statuses an account may give an article.
func allowedStatuses(u account.User) []content.Status {
	if u.Role.Can(account.PublishArticles) {
		return content.Statuses
	}
	return []content.Status{content.StatusDraft, content.StatusReview}
}

func errForbidden(msg string) error { return &httpx.Error{Status: http.StatusForbidden, Message: msg} }

// articleFor loads the article named by the path, refusing accounts that may
// not see it (or, with edit, change it).
func (a *Admin) articleFor(r *http.Request, edit bool) (*content.Article, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, httpx.NotFound()
	}
	art, err := a.db.ArticleByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, httpx.NotFound()
	}
	if err != nil {
		return nil, err
	}
	u := sessionFrom(r.Context()).user
	if !canView(u, art) {
		return nil, errForbidden(a.loc(r).T("This article belongs to another writer. Ask an editor if you need to change it."))
	}
	if edit && !canEdit(u, art) {
		return nil, errForbidden(a.loc(r).T("This article is %s: only an editor can change it now.", a.loc(r).T("status."+string(art.Status))))
	}
	return art, nil
}

const articlesPerPage = 50

type option struct {
	Value    string
	Label    string
	Selected bool
}

type articlesData struct {
	page
	Articles []*content.Article
	Total    int
	Q        string
	Statuses []option
	Sections []option
	Authors  []option
	Page     int
	Pages    int
	PrevURL  string
	NextURL  string
	Mine     bool // the list holds only the account's own articles
}

func int64Param(v string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// articles lists articles with search, filters and pages.
func (a *Admin) articles(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := sessionFrom(ctx).user
	qs := r.URL.Query()
	q := store.AdminQuery{
		Q:         strings.TrimSpace(qs.Get("q")),
		SectionID: int64Param(qs.Get("section")),
		AuthorID:  int64Param(qs.Get("author")),
		Limit:     articlesPerPage,
	}
	if len([]rune(q.Q)) > content.MaxHeadline {
		q.Q = string([]rune(q.Q)[:content.MaxHeadline])
	}
	if st := content.Status(qs.Get("status")); st.Valid() {
		q.Status = st
	}
	mine := !u.Role.Can(account.EditAllArticles)
	if mine {
		q.CreatedBy = u.ID
	}
	pg := max(int(int64Param(qs.Get("page"))), 1)
	q.Offset = (pg - 1) * articlesPerPage
	list, total, err := a.db.AdminArticles(ctx, q)
	if err != nil {
		return err
	}
	sections, err := a.db.Sections(ctx)
	if err != nil {
		return err
	}
	authors, err := a.db.Authors(ctx)
	if err != nil {
		return err
	}
	data := articlesData{page: a.newPage(r, a.loc(r).T("Articles")), Articles: list, Total: total, Q: q.Q, Page: pg,
		Pages: max((total+articlesPerPage-1)/articlesPerPage, 1), Mine: mine}
	loc := a.loc(r)
	data.Statuses = []option{{Value: "", Label: loc.T("Any status")}}
	for _, s := range content.Statuses {
		data.Statuses = append(data.Statuses, option{Value: string(s), Label: loc.T("status." + string(s)), Selected: s == q.Status})
	}
	data.Sections = sectionOptions(sections, q.SectionID, loc.T("Any section"))
	data.Authors = []option{{Value: "", Label: loc.T("Any byline")}}
	for _, au := range authors {
		data.Authors = append(data.Authors, option{Value: strconv.FormatInt(au.ID, 10), Label: au.Name, Selected: au.ID == q.AuthorID})
	}
	link := func(p int) string {
		v := url.Values{}
		for k, val := range map[string]string{"q": q.Q, "status": string(q.Status), "section": qs.Get("section"), "author": qs.Get("author")} {
			if val != "" && val != "0" {
				v.Set(k, val)
			}
		}
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		if len(v) == 0 {
			return "/admin/articles"
		}
		return "/admin/articles?" + v.Encode()
	}
	if pg > 1 {
		data.PrevURL = link(min(pg-1, data.Pages))
	}
	if pg < data.Pages {
		data.NextURL = link(pg + 1)
	}
	return a.render(w, http.StatusOK, "articles", data)
}

func sectionOptions(sections []content.Section, selected int64, empty string) []option {
	out := []option{{Value: "", Label: empty}}
	for _, s := range sections {
		out = append(out, option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name, Selected: s.ID == selected})
	}
	return out
}

func statusOptions(loc *i18n.Locale, allowed []content.Status, selected content.Status) []option {
	out := make([]option, 0, len(allowed))
	for _, s := range allowed {
		out = append(out, option{Value: string(s), Label: loc.T("status." + string(s)), Selected: s == selected})
	}
	return out
}

func authorOptions(authors []content.Author, selected []int64) []option {
	out := make([]option, 0, len(authors))
	for _, au := range authors {
		out = append(out, option{Value: strconv.FormatInt(au.ID, 10), Label: au.Name, Selected: slices.Contains(selected, au.ID)})
	}
	return out
}
