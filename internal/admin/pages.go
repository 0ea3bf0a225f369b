package admin

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Static pages (About, How to give safely): editors write them as they
// write articles, in Markdown with a preview, and every save is a revision.

func (a *Admin) pageRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/pages", Perm: account.PublishArticles, handler: a.listPages},
		{Pattern: "GET /admin/pages/new", Perm: account.PublishArticles, handler: a.newPageForm},
		{Pattern: "POST /admin/pages/new", Perm: account.PublishArticles, handler: a.savePage},
		{Pattern: "GET /admin/pages/{id}", Perm: account.PublishArticles, handler: a.editPageForm},
		{Pattern: "POST /admin/pages/{id}", Perm: account.PublishArticles, handler: a.savePage},
		{Pattern: "GET /admin/pages/{id}/revisions", Perm: account.PublishArticles, handler: a.pageRevisions},
		{Pattern: "POST /admin/pages/{id}/restore", Perm: account.PublishArticles, handler: a.restorePageRevision},
		{Pattern: "GET /admin/redirects", Perm: account.PublishArticles, handler: a.listRedirects},
		{Pattern: "POST /admin/redirects", Perm: account.PublishArticles, handler: a.addRedirect},
		{Pattern: "POST /admin/redirects/delete", Perm: account.PublishArticles, handler: a.deleteRedirect},
	}
}

type pagesData struct {
	page
	Pages []*content.Page
	Main  string // the site's main language, for the pages' addresses
}

func (a *Admin) listPages(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.db.Pages(r.Context())
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "pages", pagesData{page: a.newPage(r, a.loc(r).T("Pages")), Pages: ps, Main: a.mainLang(r.Context())})
}

// pageForm is the page editor's form as typed.
type pageForm struct {
	Title, Slug, Lang, Body string
	Status                  content.Status
	MenuOrder               string // as typed, so a bad number is shown back
	TranslationOf           int64
	Version                 int
	Action                  string
}

func formFromPage(p *content.Page) pageForm {
	return pageForm{Title: p.Title, Slug: p.Slug, Lang: p.Lang, Body: p.Body, Status: p.Status,
		MenuOrder: strconv.Itoa(p.MenuOrder), TranslationOf: p.TranslationOf, Version: p.Version}
}

func readPageForm(r *http.Request) pageForm {
	v := func(name string) string { return strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n") }
	f := pageForm{Title: v("title"), Slug: strings.TrimSpace(v("slug")), Lang: v("lang"), Body: v("body"),
		Status: content.Status(v("status")), MenuOrder: strings.TrimSpace(v("menu_order")),
		TranslationOf: int64Param(v("translation_of")), Action: v("action")}
	f.Version, _ = strconv.Atoi(v("version"))
	return f
}

type pageEditData struct {
	page
	New          bool
	Stored       *content.Page
	Form         pageForm
	Action       string
	PublicPath   string
	Langs        []option
	Statuses     []option
	Translations []option
	Preview      template.HTML // sanitized by the content renderer
	ShowPreview  bool
}

func (a *Admin) pageEditor(r *http.Request, stored *content.Page, f pageForm) (*pageEditData, error) {
	loc := a.loc(r)
	d := &pageEditData{page: a.newPage(r, loc.T("New page")), New: stored == nil, Stored: stored, Form: f, Action: "/admin/pages/new"}
	main := a.mainLang(r.Context())
	if stored != nil {
		d.Title = loc.T("Edit: %s", stored.Title)
		d.Action = fmt.Sprintf("/admin/pages/%d", stored.ID)
		d.PublicPath = stored.Path(main)
	}
	for _, l := range content.Languages {
		d.Langs = append(d.Langs, option{Value: l, Label: languageNames[l], Selected: l == f.Lang})
	}
	for _, s := range []content.Status{content.StatusDraft, content.StatusPublished} {
		d.Statuses = append(d.Statuses, option{Value: string(s), Label: loc.T("status." + string(s)), Selected: s == f.Status})
	}
	all, err := a.db.Pages(r.Context())
	if err != nil {
		return nil, err
	}
	d.Translations = []option{{Value: "0", Label: loc.T("(none)"), Selected: f.TranslationOf == 0}}
	for _, p := range all {
		if stored != nil && p.ID == stored.ID {
			continue
		}
		// Only a group's first page can be linked to; the others are
		// reached through it.
		if p.TranslationOf != 0 && p.TranslationOf != f.TranslationOf {
			continue
		}
		d.Translations = append(d.Translations, option{Value: strconv.FormatInt(p.ID, 10),
			Label: fmt.Sprintf("%s (%s, %s)", p.Title, languageNames[p.Lang], p.Path(main)), Selected: p.ID == f.TranslationOf})
	}
	return d, nil
}

// newPageForm is the empty page editor.
func (a *Admin) newPageForm(w http.ResponseWriter, r *http.Request) error {
	d, err := a.pageEditor(r, nil, pageForm{Lang: a.mainLang(r.Context()), Status: content.StatusDraft, MenuOrder: "0"})
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "page_edit", d)
}

// pageFor returns the page named by the path's {id}.
func (a *Admin) pageFor(r *http.Request) (*content.Page, error) {
	id := int64Param(r.PathValue("id"))
	p, err := a.db.PageByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || id == 0 {
		return nil, httpx.NotFound()
	}
	return p, err
}

func (a *Admin) editPageForm(w http.ResponseWriter, r *http.Request) error {
	p, err := a.pageFor(r)
	if err != nil {
		return err
	}
	d, err := a.pageEditor(r, p, formFromPage(p))
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "page_edit", d)
}

func (a *Admin) savePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	loc := a.loc(r)
	var stored *content.Page
	if r.PathValue("id") != "" {
		p, err := a.pageFor(r)
		if err != nil {
			return err
		}
		stored = p
	}
	f := readPageForm(r)
	d, err := a.pageEditor(r, stored, f)
	if err != nil {
		return err
	}
	if f.Action == "preview" {
		html, _, err := previewRenderer.Render(f.Body)
		if err != nil {
			return err
		}
		d.Preview, d.ShowPreview = template.HTML(html), true
		return a.render(w, http.StatusOK, "page_edit", d)
	}
	p := &content.Page{Title: f.Title, Slug: f.Slug, Lang: f.Lang, Body: f.Body, Status: f.Status,
		TranslationOf: f.TranslationOf, Version: f.Version, EditedBy: sessionFrom(ctx).user.ID}
	if f.MenuOrder != "" {
		n, err := strconv.Atoi(f.MenuOrder)
		if err != nil || n < 0 || n > content.MaxMenuOrder {
			d.Errors["menu_order"] = loc.T("The menu order is a whole number from 0 (not in the menu) to %d.", content.MaxMenuOrder)
			return a.render(w, http.StatusUnprocessableEntity, "page_edit", d)
		}
		p.MenuOrder = n
	}
	if stored != nil {
		p.ID, p.CreatedAt = stored.ID, stored.CreatedAt
		err = a.db.UpdatePage(ctx, p)
	} else {
		err = a.db.CreatePage(ctx, p)
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/admin/pages/%d?done=Saved", p.ID), http.StatusSeeOther)
		return nil
	}
	if fe, ok := errors.AsType[content.FieldErrors](err); ok {
		for field, msg := range fe {
			d.Errors[field] = pageFieldProblem(loc, field, msg)
		}
		return a.render(w, http.StatusUnprocessableEntity, "page_edit", d)
	}
	if errors.Is(err, store.ErrConflict) {
		d.Errors["form"] = loc.T("Someone else saved this page since you opened it. Your text is below, not saved: open the page again in another tab to see theirs.")
		return a.render(w, http.StatusConflict, "page_edit", d)
	}
	return err
}

// pageFieldLabels are the page form's field labels, catalog keys.
var pageFieldLabels = map[string]string{
	"title": "Title", "slug": "Slug", "lang": "Language", "body": "Body", "status": "Status",
	"menu_order": "Menu order", "translation_of": "Translation of",
}

// pageFieldProblem is the sentence for what the content package or the
// store said about a page's field.
func pageFieldProblem(loc *i18n.Locale, field, msg string) string {
	switch {
	case strings.Contains(msg, "is taken by another page"):
		return loc.T("Another page in this language already has this address. Change the slug.")
	case strings.Contains(msg, "is a section's"):
		return loc.T("A section has this address. Change the slug.")
	case strings.Contains(msg, "is a language code"):
		return loc.T("This address is a language's edition. Change the slug.")
	case strings.Contains(msg, "is all digits"):
		return loc.T("Addresses of digits only belong to the archive's dates. Change the slug.")
	case strings.Contains(msg, "has a") && strings.Contains(msg, "version already"):
		return loc.T("That page already has a translation in this language.")
	case strings.Contains(msg, "other pages translate this one"):
		return loc.T("Other pages are translations of this one: link them to the other page instead.")
	case strings.Contains(msg, "translates this one into"):
		return loc.T("A translation of this page is in that language already.")
	case strings.HasPrefix(msg, "there is no page"):
		return loc.T("That page does not exist any more.")
	case field == "status":
		return loc.T("Choose draft or published.")
	}
	label := field
	if l := pageFieldLabels[field]; l != "" {
		label = loc.T(l)
	}
	return fieldProblem(loc, label, msg)
}

type pageRevisionsData struct {
	page
	Page      *content.Page
	Revisions []content.PageRevision
}

func (a *Admin) pageRevisions(w http.ResponseWriter, r *http.Request) error {
	p, err := a.pageFor(r)
	if err != nil {
		return err
	}
	revs, err := a.db.PageRevisions(r.Context(), p.ID)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "page_revisions", pageRevisionsData{
		page: a.newPage(r, a.loc(r).T("Revisions: %s", p.Title)), Page: p, Revisions: revs})
}

// restorePageRevision saves an earlier revision's title and text as a new
// revision; the address, language, status and menu place stay as they are.
func (a *Admin) restorePageRevision(w http.ResponseWriter, r *http.Request) error {
	p, err := a.pageFor(r)
	if err != nil {
		return err
	}
	loc := a.loc(r)
	v, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return httpx.BadRequest(loc.T("Choose a version to restore."))
	}
	rev, err := a.db.PageRevision(r.Context(), p.ID, v)
	if errors.Is(err, store.ErrNotFound) {
		return &httpx.Error{Status: http.StatusNotFound, Message: loc.T("This page has no version %d.", v)}
	}
	if err != nil {
		return err
	}
	p.Title, p.Body = rev.Page.Title, rev.Page.Body
	p.EditedBy = sessionFrom(r.Context()).user.ID
	err = a.db.UpdatePage(r.Context(), p)
	switch {
	case errors.Is(err, store.ErrConflict):
		return &httpx.Error{Status: http.StatusConflict, Message: loc.T("Someone saved this page at the same moment, so nothing was restored. Go back, reload and try again.")}
	case errors.Is(err, content.ErrInvalid):
		return &httpx.Error{Status: http.StatusUnprocessableEntity, Message: loc.T("Version %d cannot be restored as it is. Nothing was changed; copy what you need by hand.", v)}
	case err != nil:
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/pages/%d?done=Page+restored.", p.ID), http.StatusSeeOther)
	return nil
}
