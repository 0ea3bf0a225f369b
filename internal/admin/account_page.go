package admin

import (
	"fmt"
	"net/http"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/i18n"
)

// accountRoutes are the signed-in account's own page: every role may choose
// the language it reads the admin in.
func (a *Admin) accountRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/account", Perm: account.ViewAdmin, handler: a.accountPage},
		{Pattern: "POST /admin/account", Perm: account.ViewAdmin, handler: a.saveAccount},
	}
}

type accountData struct {
	page
	Langs []option
}

func (a *Admin) accountData(r *http.Request, chosen string) accountData {
	d := accountData{page: a.newPage(r, a.loc(r).T("Your account"))}
	for _, lang := range i18n.Languages {
		// Each language in its own words: whoever cannot read the page's
		// can still find theirs.
		d.Langs = append(d.Langs, option{Value: lang, Label: a.catalog.Locale(lang).Name(), Selected: lang == chosen})
	}
	return d
}

func (a *Admin) accountPage(w http.ResponseWriter, r *http.Request) error {
	// Without a choice the admin is in the site's main language: shown as
	// chosen, so that saving the form keeps it.
	return a.render(w, http.StatusOK, "account", a.accountData(r, a.loc(r).Lang()))
}

// saveAccount stores the account's admin language; the next page is in it.
func (a *Admin) saveAccount(w http.ResponseWriter, r *http.Request) error {
	u := sessionFrom(r.Context()).user
	lang := r.PostFormValue("lang")
	if !i18n.Supported(lang) {
		d := a.accountData(r, a.loc(r).Lang())
		d.Errors["lang"] = a.loc(r).T("Choose a language from the list.")
		return a.render(w, http.StatusUnprocessableEntity, "account", d)
	}
	if err := a.db.SetUserLang(r.Context(), u.ID, lang); err != nil {
		return fmt.Errorf("save admin language: %w", err)
	}
	http.Redirect(w, r, "/admin/account?done=Language+saved.", http.StatusSeeOther)
	return nil
}
