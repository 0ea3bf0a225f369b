package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

// maxTranslationRef bounds the typed ID or address of the other article.
const maxTranslationRef = 2000

// articleByRef finds the article a writer names by its ID, its slug or its
// public address (any edition's: the slug, the last part, is unique).
func (a *Admin) articleByRef(r *http.Request, ref string) (*content.Article, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if id <= 0 {
			return nil, store.ErrNotFound
		}
		return a.db.ArticleByID(r.Context(), id)
	}
	p := ref
	if u, err := url.Parse(ref); err == nil && u.Path != "" {
		p = u.Path
	}
	p = strings.Trim(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if p == "" {
		return nil, store.ErrNotFound
	}
	return a.db.ArticleBySlug(r.Context(), p)
}

// linkTranslation links the article with the one the form names; whoever
// may edit the article may do it. A refusal comes back on the edit page with
// what was typed.
func (a *Admin) linkTranslation(w http.ResponseWriter, r *http.Request) error {
	art, err := a.articleFor(r, true)
	if err != nil {
		return err
	}
	loc := a.loc(r)
	ref := strings.TrimSpace(r.PostFormValue("translation"))
	problem := ""
	var other *content.Article
	switch {
	case ref == "":
		problem = loc.T("Type the ID or the address of the article in the other language.")
	case len(ref) > maxTranslationRef:
		problem = loc.T("That is too long for an ID or an address.")
	default:
		other, err = a.articleByRef(r, ref)
		if errors.Is(err, store.ErrNotFound) {
			problem = loc.T("No article has the ID or address “%s”.", ref)
		} else if err != nil {
			return err
		}
	}
	if problem == "" {
		err = a.db.LinkTranslation(r.Context(), art.ID, other.ID)
		switch {
		case err == nil:
			// The store's change feed drops both articles' cached pages and
			// the sitemaps: nothing more to purge here.
			http.Redirect(w, r, fmt.Sprintf("/admin/articles/%d?done=%s", art.ID, url.QueryEscape("Translation linked.")), http.StatusSeeOther)
			return nil
		case errors.Is(err, store.ErrTranslationSelf):
			problem = loc.T("That is this article: link the article in the other language.")
		case errors.Is(err, store.ErrTranslationSameLang):
			problem = loc.T("“%s” is in %s too: a translation must be in another language.", other.Headline, a.catalog.Locale(other.Lang).Name())
		case errors.Is(err, store.ErrTranslationTaken):
			problem = a.takenProblem(loc, art, other)
		case errors.Is(err, store.ErrNotFound):
			problem = loc.T("No article has the ID or address “%s”.", ref)
		default:
			return err
		}
	}
	d, err := a.editPage(r, art, formFromArticle(art, a.zone(r.Context())))
	if err != nil {
		return err
	}
	d.Errors["translation"], d.TranslationRef = problem, ref
	return a.render(w, http.StatusUnprocessableEntity, "article_edit", d.counted())
}

// takenProblem says which language is already taken when two articles'
// translation groups cannot merge.
func (a *Admin) takenProblem(loc *i18n.Locale, art, other *content.Article) string {
	for _, t := range art.Translations {
		if t.ID != art.ID && t.Lang == other.Lang {
			return loc.T("This article already has a translation in %s: “%s”. Unlink it first.", a.catalog.Locale(t.Lang).Name(), t.Headline)
		}
	}
	return loc.T("“%s” is already linked to another article in this article's language, or to a translation in a language this article has: unlink that one first.", other.Headline)
}

// unlinkTranslation takes one of the article's translations out of its
// group; the form names which.
func (a *Admin) unlinkTranslation(w http.ResponseWriter, r *http.Request) error {
	art, err := a.articleFor(r, true)
	if err != nil {
		return err
	}
	other := int64Param(r.PostFormValue("other"))
	found := false
	for _, t := range art.Translations {
		found = found || t.ID == other && other != art.ID
	}
	if !found {
		// Already unlinked, perhaps by a colleague: nothing left to do.
		http.Redirect(w, r, fmt.Sprintf("/admin/articles/%d", art.ID), http.StatusSeeOther)
		return nil
	}
	if err := a.db.UnlinkTranslation(r.Context(), other); err != nil {
		return fmt.Errorf("unlink translation %d of article %d: %w", other, art.ID, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/articles/%d?done=%s", art.ID, url.QueryEscape("Translation unlinked.")), http.StatusSeeOther)
	return nil
}

// otherTranslations are the article's linked translations, itself left out.
func otherTranslations(art *content.Article) []content.Translation {
	var out []content.Translation
	for _, t := range art.Translations {
		if t.ID != art.ID {
			out = append(out, t)
		}
	}
	return out
}
