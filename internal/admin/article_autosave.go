package admin

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

// maxAutosave bounds an autosave request: the typed text, no photo.
const maxAutosave = 4 << 20

func (a *Admin) autosaveRoutes() []Route {
	return []Route{
		{Pattern: "POST /admin/articles/{id}/autosave", Perm: account.EditOwnArticles, MaxBody: maxAutosave, handler: a.autosave},
		{Pattern: "POST /admin/articles/{id}/autosave/discard", Perm: account.EditOwnArticles, handler: a.discardAutosave},
	}
}

// autosaveReply is what the editor's script reads back.
type autosaveReply struct {
	Saved string `json:"saved,omitempty"` // "Saved 12:03", in the newsroom's zone
	At    string `json:"at,omitempty"`
	Error string `json:"error,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// autosave keeps what the writer has typed so far as their autosave of
// the article, on top of the version their form was opened at. Nothing
// public changes. If anyone saved the article since, it answers 409 with
// a sentence naming who and when, and keeps nothing.
func (a *Admin) autosave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	loc := a.loc(r)
	stored, err := a.articleFor(r, true)
	if err != nil {
		return err
	}
	if r.PostFormValue("version") == "" {
		return httpx.BadRequest(loc.T("The form is missing its version number, so nothing was saved. Reload the page and try again."))
	}
	f := readArticleForm(r)
	art := *stored
	art.Headline, art.Dek, art.Body, art.Lang, art.Version = f.Headline, f.Dek, f.Body, f.Lang, f.Version
	if !slugLocked(stored) {
		art.Slug = f.Slug
	}
	art.Tags = nil
	for name := range strings.SplitSeq(f.Tags, ",") {
		if name = strings.Join(strings.Fields(name), " "); name != "" {
			art.Tags = append(art.Tags, content.Tag{Name: name})
		}
	}
	if err := a.resolvePicks(r, &art, f); err != nil {
		return err
	}
	u := sessionFrom(ctx).user
	at, err := a.db.SaveAutosave(ctx, u.ID, &art)
	if stale, ok := errors.AsType[*store.StaleError](err); ok {
		when := fmtClock(stale.SavedAt.In(a.zone(ctx)))
		msg := loc.T("%s saved this article at %s (version %d) after you opened it. Your typing is no longer autosaved: copy what you need, then reload the page to see their version.",
			cmp.Or(stale.Editor, loc.T("Someone else")), when, stale.Version)
		if stale.EditBy == u.ID {
			msg = loc.T("You saved this article in another window at %s (version %d). This window is no longer autosaved: reload the page to continue from that version.", when, stale.Version)
		}
		return writeJSON(w, http.StatusConflict, autosaveReply{Error: msg})
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, autosaveReply{Saved: loc.T("Saved %s", fmtClock(at.In(a.zone(ctx)))), At: at.Format(isoLayout)})
}

// resolvePicks sets the section and bylines chosen in the form, leaving
// out any no longer there.
func (a *Admin) resolvePicks(r *http.Request, art *content.Article, f articleForm) error {
	sections, err := a.db.Sections(r.Context())
	if err != nil {
		return err
	}
	authors, err := a.db.Authors(r.Context())
	if err != nil {
		return err
	}
	art.Section = content.Section{}
	if i := slices.IndexFunc(sections, func(s content.Section) bool { return s.ID == f.Section }); i >= 0 {
		art.Section = sections[i]
	}
	art.Authors = nil
	for _, id := range f.Authors {
		if i := slices.IndexFunc(authors, func(au content.Author) bool { return au.ID == id }); i >= 0 {
			art.Authors = append(art.Authors, authors[i])
		}
	}
	return nil
}

// discardAutosave forgets the writer's autosave of the article.
func (a *Admin) discardAutosave(w http.ResponseWriter, r *http.Request) error {
	stored, err := a.articleFor(r, true)
	if err != nil {
		return err
	}
	if err := a.db.DiscardAutosave(r.Context(), stored.ID, sessionFrom(r.Context()).user.ID); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/articles/%d?done=%s", stored.ID, "Unsaved+changes+discarded"), http.StatusSeeOther)
	return nil
}

// autosaveOffer is the editor's "Restore unsaved changes from 12:03?".
type autosaveOffer struct {
	Clock string // 12:03 in the newsroom's zone
	ISO   string
}

// withAutosave offers the writer's autosave of the article if it is newer
// than the saved version, or, with restore, fills the form from it.
func (a *Admin) withAutosave(r *http.Request, d *editData, restore bool) error {
	if d.Article == nil || d.ReadOnly {
		return nil
	}
	ctx := r.Context()
	as, err := a.db.LatestAutosave(ctx, d.Article.ID, sessionFrom(ctx).user.ID)
	if errors.Is(err, store.ErrNotFound) || err == nil && as.CreatedAt.Before(d.Article.UpdatedAt) {
		return nil
	}
	if err != nil {
		return err
	}
	clock := fmtClock(as.CreatedAt.In(a.zone(ctx)))
	if !restore {
		d.Autosave = &autosaveOffer{Clock: clock, ISO: as.CreatedAt.Format(isoLayout)}
		return nil
	}
	typed := *d.Article
	// The status stays as saved: publishing is a decision, not typing.
	typed.Headline, typed.Dek, typed.Body, typed.Lang = as.Article.Headline, as.Article.Dek, as.Article.Body, as.Article.Lang
	typed.Section, typed.Authors, typed.Tags = as.Article.Section, as.Article.Authors, as.Article.Tags
	if !d.SlugLocked {
		typed.Slug = as.Article.Slug
	}
	f := formFromArticle(&typed, a.zone(ctx))
	f.Version = d.Article.Version
	d.Form = f
	d.Sections = sectionOptions(d.sections, f.Section, a.loc(r).T("Choose a section"))
	d.Authors = authorOptions(d.authors, f.Authors)
	d.Flash = a.loc(r).T("Restored your unsaved changes from %s. Save to keep them.", clock)
	return nil
}

const isoLayout = "2006-01-02T15:04:05Z07:00"

func fmtClock(t time.Time) string { return t.Format("15:04") }
