package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

type revisionsData struct {
	page
	Article   *content.Article
	Revisions []content.Revision
	CanEdit   bool
}

// revisions lists every saved version of an article.
func (a *Admin) revisions(w http.ResponseWriter, r *http.Request) error {
	art, err := a.articleFor(r, false)
	if err != nil {
		return err
	}
	revs, err := a.db.Revisions(r.Context(), art.ID)
	if err != nil {
		return err
	}
	data := revisionsData{page: a.newPage(r, a.loc(r).T("Revisions: %s", art.Headline)), Article: art, Revisions: revs,
		CanEdit: canEdit(sessionFrom(r.Context()).user, art)}
	return a.render(w, http.StatusOK, "revisions", data)
}

type fieldDiff struct {
	Name  string
	Lines []diffLine
}

type diffData struct {
	page
	Article  *content.Article
	From, To content.Revision
	Fields   []fieldDiff
	Versions []int
}

// diff shows what changed between two revisions, field by field.
func (a *Admin) diff(w http.ResponseWriter, r *http.Request) error {
	art, err := a.articleFor(r, false)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	to := art.Version
	if v := q.Get("to"); v != "" {
		if to, err = strconv.Atoi(v); err != nil {
			return httpx.BadRequest(a.loc(r).T("Choose two versions to compare."))
		}
	}
	from := max(to-1, 1)
	if v := q.Get("from"); v != "" {
		if from, err = strconv.Atoi(v); err != nil {
			return httpx.BadRequest(a.loc(r).T("Choose two versions to compare."))
		}
	}
	data := diffData{page: a.newPage(r, a.loc(r).T("Changes: %s", art.Headline)), Article: art}
	for i, v := range []int{from, to} {
		rev, err := a.db.Revision(r.Context(), art.ID, v)
		if errors.Is(err, store.ErrNotFound) {
			return &httpx.Error{Status: http.StatusNotFound, Message: a.loc(r).T("This article has no version %d.", v)}
		}
		if err != nil {
			return err
		}
		if i == 0 {
			data.From = rev
		} else {
			data.To = rev
		}
	}
	for v := art.Version; v >= 1; v-- {
		data.Versions = append(data.Versions, v)
	}
	data.Fields = revisionDiff(a.loc(r), &data.From.Article, &data.To.Article)
	return a.render(w, http.StatusOK, "diff", data)
}

// revisionFields are the editable fields of a revision, as text; the
// field names are catalog keys, the values in loc's words where they are
// the admin's (statuses, the photo's labels).
func revisionFields(loc *i18n.Locale, a *content.Article) [][2]string {
	names := func(n int, name func(int) string) string {
		s := make([]string, n)
		for i := range s {
			s[i] = name(i)
		}
		return strings.Join(s, ", ")
	}
	published := ""
	if !a.PublishedAt.IsZero() {
		published = a.PublishedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	photo := ""
	if a.Image.Present() {
		photo = a.Image.Key + "\n" + loc.T("Alt text") + ": " + a.Image.Alt + "\n" + loc.T("Credit") + ": " + a.Image.Credit +
			"\n" + loc.T("Caption") + ": " + a.Image.Caption
	}
	return [][2]string{
		{"Headline", a.Headline},
		{"Dek", a.Dek},
		{"Slug", a.Slug},
		{"Status", loc.T("status." + string(a.Status))},
		{"Publication time", published},
		{"Section", a.Section.Name},
		{"Language", a.Lang},
		{"Bylines", names(len(a.Authors), func(i int) string { return a.Authors[i].Name })},
		{"Tags", names(len(a.Tags), func(i int) string { return a.Tags[i].Name })},
		{"Photo", photo},
		{"Body", a.Body},
	}
}

func revisionDiff(loc *i18n.Locale, from, to *content.Article) []fieldDiff {
	var out []fieldDiff
	a, b := revisionFields(loc, from), revisionFields(loc, to)
	for i := range a {
		lines := lineDiff(a[i][1], b[i][1])
		if changed(lines) {
			out = append(out, fieldDiff{Name: a[i][0], Lines: withContext(lines, 3)})
		}
	}
	return out
}

// restoreRevision saves an earlier revision's text as a new revision. The
// workflow (status and publication time) stays as it is now, and so does
// the address of a published article.
func (a *Admin) restoreRevision(w http.ResponseWriter, r *http.Request) error {
	art, err := a.articleFor(r, true)
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return httpx.BadRequest(a.loc(r).T("Choose a version to restore."))
	}
	rev, err := a.db.Revision(r.Context(), art.ID, v)
	if errors.Is(err, store.ErrNotFound) {
		return &httpx.Error{Status: http.StatusNotFound, Message: a.loc(r).T("This article has no version %d.", v)}
	}
	if err != nil {
		return err
	}
	old := rev.Article
	art.Headline, art.Dek, art.Body, art.Lang = old.Headline, old.Dek, old.Body, old.Lang
	art.Section, art.Authors, art.Tags, art.Image = old.Section, old.Authors, old.Tags, old.Image
	if !slugLocked(art) {
		art.Slug = old.Slug
	}
	art.EditedBy = sessionFrom(r.Context()).user.ID
	err = a.content.Update(r.Context(), art)
	switch {
	case errors.Is(err, store.ErrConflict) && strings.Contains(err.Error(), "slug"):
		return &httpx.Error{Status: http.StatusConflict, Message: a.loc(r).T(
			"Version %d cannot be restored: another article now has its address. Nothing was changed.", v)}
	case errors.Is(err, store.ErrConflict):
		return &httpx.Error{Status: http.StatusConflict, Message: a.loc(r).T("Someone saved this article at the same moment, so nothing was restored. Go back, reload and try again.")}
	case errors.Is(err, content.ErrInvalid):
		return &httpx.Error{Status: http.StatusUnprocessableEntity, Message: a.loc(r).T(
			"Version %d cannot be restored as it is (%s). Nothing was changed; copy what you need by hand.", v, err.Error())}
	case err != nil:
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/articles/%d?done=%s", art.ID,
		url.QueryEscape(a.loc(r).T("Version %d restored as version %d.", v, art.Version))), http.StatusSeeOther)
	return nil
}

const maxCorrection = 2000

// addCorrection appends a dated correction to a published article, then
// saves the article again so that the change is recorded and the public
// pages are refreshed.
func (a *Admin) addCorrection(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	art, err := a.articleFor(r, true)
	if err != nil {
		return err
	}
	if !slugLocked(art) {
		return httpx.BadRequest(a.loc(r).T("Corrections are for published articles. Edit the draft instead."))
	}
	text := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("text"), "\r\n", "\n"))
	text = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, text)
	var problem string
	switch n := utf8.RuneCountInString(text); {
	case !utf8.ValidString(text):
		problem = a.loc(r).T("The correction is not valid text.")
	case n == 0:
		problem = a.loc(r).T("Write the correction: what was wrong, and what is right.")
	case n > maxCorrection:
		problem = a.loc(r).T("The correction is too long (%s characters, at most %s).", strconv.Itoa(n), strconv.Itoa(maxCorrection))
	}
	if problem != "" {
		d, err := a.editPage(r, art, formFromArticle(art, a.zone(r.Context())))
		if err != nil {
			return err
		}
		d.Errors["correction"], d.Correction = problem, text
		return a.render(w, http.StatusUnprocessableEntity, "article_edit", d.counted())
	}
	if err := a.db.AddCorrection(ctx, art.ID, &content.Correction{Text: text}); err != nil {
		return err
	}
	// Save the article as it now is: a revision records who corrected it
	// (both writes record the change, which drops the cached pages). A save in
	// between makes the reload stale; try again with the fresh one.
	for attempt := 0; ; attempt++ {
		cur, err := a.db.ArticleByID(ctx, art.ID)
		if err != nil {
			return err
		}
		cur.EditedBy = sessionFrom(ctx).user.ID
		err = a.content.Update(ctx, cur)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrConflict) || attempt == 2 {
			return fmt.Errorf("correction added, but refreshing article %d failed: %w", art.ID, err)
		}
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/articles/%d?done=Correction+added.", art.ID), http.StatusSeeOther)
	return nil
}
