package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Redirects send readers of old addresses (an imported blog's, or a page
// that moved) to where the text is now. Imports add them by the thousand;
// here an editor lists, adds and deletes them.

type redirectsData struct {
	page
	Redirects []store.Redirect
	From, To  string // the add form as typed
}

func (a *Admin) redirectsPage(r *http.Request) (*redirectsData, error) {
	list, err := a.db.Redirects(r.Context())
	if err != nil {
		return nil, err
	}
	return &redirectsData{page: a.newPage(r, a.loc(r).T("Redirects")), Redirects: list}, nil
}

func (a *Admin) listRedirects(w http.ResponseWriter, r *http.Request) error {
	d, err := a.redirectsPage(r)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "redirects", d)
}

func (a *Admin) addRedirect(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	loc := a.loc(r)
	from, to := strings.TrimSpace(r.PostFormValue("from")), strings.TrimSpace(r.PostFormValue("to"))
	d, err := a.redirectsPage(r)
	if err != nil {
		return err
	}
	d.From, d.To = from, to
	fail := func(field, msg string) error {
		d.Errors[field] = msg
		return a.render(w, http.StatusUnprocessableEntity, "redirects", d)
	}
	nf, err := store.NormalizeRedirectFrom(from)
	if err != nil {
		return fail("from", loc.T("The old address must be a path on this site, starting with /."))
	}
	if err := store.ValidRedirectTo(to); err != nil {
		return fail("to", loc.T("The new address must be a path on this site, starting with /, or an address starting with https://."))
	}
	live, err := a.liveAddress(ctx, nf)
	if err != nil {
		return err
	}
	if live {
		return fail("from", loc.T("Readers find a page at %s now: a redirect would never be used there.", nf))
	}
	err = a.db.PutRedirect(ctx, from, to, "admin")
	if errors.Is(err, store.ErrInvalidRedirect) {
		return fail("to", loc.T("This redirect would go round in a loop: following it leads back to %s.", nf))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/redirects?done=Redirect+saved.", http.StatusSeeOther)
	return nil
}

func (a *Admin) deleteRedirect(w http.ResponseWriter, r *http.Request) error {
	err := a.db.DeleteRedirect(r.Context(), r.PostFormValue("from"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// Deleted now or by someone else before: either way it is gone.
	http.Redirect(w, r, "/admin/redirects?done=Redirect+deleted.", http.StatusSeeOther)
	return nil
}

var articlePathRe = regexp.MustCompile(`^/(\d{4})/(\d{2})/(\d{2})/([a-z0-9-]+)$`)

// liveAddress reports whether readers get a page at the normalized path
// from now: the home page or an edition's, a section front, a live static
// page or a live article, or an address the site itself answers.
func (a *Admin) liveAddress(ctx context.Context, from string) (bool, error) {
	if strings.Contains(from, "?") {
		return false, nil // the pages read no such parameter
	}
	p, err := url.PathUnescape(from)
	if err != nil {
		return false, nil
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	lang := a.mainLang(ctx)
	if len(segs) >= 1 && i18n.Supported(segs[0]) {
		if len(segs) == 1 {
			return true, nil // an edition's home
		}
		lang, segs = segs[0], segs[1:]
	}
	switch {
	case p == "/":
		return true, nil
	case len(segs) == 1 && content.ReservedPageSlug(segs[0]) != "" && strings.Trim(segs[0], "0123456789") != "":
		return true, nil // /search, /support, /admin... (a year alone is no page)
	case len(segs) == 1:
		if _, err := a.db.SectionBySlug(ctx, segs[0]); err == nil {
			return true, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		pg, err := a.db.PageBySlug(ctx, lang, segs[0])
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil && pg.Live(), err
	}
	if m := articlePathRe.FindStringSubmatch(p); m != nil {
		art, err := a.db.ArticleBySlug(ctx, m[4])
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return art.Live(a.now()) && art.Path() == p, nil
	}
	return false, nil
}
