package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Content API keys let Ghost front-ends and apps read the site through
// /ghost/api/content/. Only admins make and revoke them: a key is shown
// once, when made; the store keeps its hash.

func (a *Admin) apiKeyRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/apikeys", Perm: account.ManageSettings, handler: a.listAPIKeys},
		{Pattern: "POST /admin/apikeys", Perm: account.ManageSettings, handler: a.addAPIKey},
		{Pattern: "POST /admin/apikeys/{id}/revoke", Perm: account.ManageSettings, handler: a.revokeAPIKey},
	}
}

type apiKeysData struct {
	page
	Keys    []store.APIKey
	Name    string // the add form as typed
	NewKey  string // the key just made, shown this once
	NewName string
	APIURL  string // where the API is, for the instructions
}

func (a *Admin) apiKeysPage(r *http.Request) (*apiKeysData, error) {
	keys, err := a.db.APIKeys(r.Context())
	if err != nil {
		return nil, err
	}
	return &apiKeysData{page: a.newPage(r, a.loc(r).T("Content API keys")), Keys: keys,
		APIURL: strings.TrimRight(a.baseURL, "/") + "/ghost/api/content/"}, nil
}

func (a *Admin) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	d, err := a.apiKeysPage(r)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "apikeys", d)
}

func (a *Admin) addAPIKey(w http.ResponseWriter, r *http.Request) error {
	loc := a.loc(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	key, _, err := a.db.CreateAPIKey(r.Context(), name)
	d, lerr := a.apiKeysPage(r)
	if lerr != nil {
		return lerr
	}
	if errors.Is(err, store.ErrKeyName) {
		d.Name = name
		switch {
		case name == "":
			d.Errors["name"] = loc.T("Give the key a name, such as the app that will use it.")
		case len(name) > 100:
			d.Errors["name"] = loc.T("The name is too long (%d characters, at most 100).", len(name))
		default:
			d.Errors["name"] = loc.T("A key named %q exists already; choose another name.", name)
		}
		return a.render(w, http.StatusUnprocessableEntity, "apikeys", d)
	}
	if err != nil {
		return err
	}
	// Shown on this page and never again: no redirect, which would need
	// the key in a URL.
	d.NewKey, d.NewName = key, name
	return a.render(w, http.StatusOK, "apikeys", d)
}

func (a *Admin) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return httpx.NotFound()
	}
	_, err = a.db.RevokeAPIKeyByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound()
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/apikeys?done=Key+revoked.", http.StatusSeeOther)
	return nil
}
