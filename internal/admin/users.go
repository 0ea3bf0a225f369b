package admin

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/store"
)

type usersData struct {
	page
	Users      []account.User
	InviteURL  string // shown once, right after an invitation is made
	Email      string
	InviteRole account.Role
}

func (a *Admin) usersPage(r *http.Request) (usersData, error) {
	users, err := a.db.Users(r.Context())
	return usersData{page: a.newPage(r, a.loc(r).T("People")), Users: users, InviteRole: account.RoleAuthor}, err
}

func (a *Admin) users(w http.ResponseWriter, r *http.Request) error {
	data, err := a.usersPage(r)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "users", data)
}

// inviteUser makes a single-use link that lets a colleague set a password.
// The link is shown to the admin to pass on by a channel they trust.
func (a *Admin) inviteUser(w http.ResponseWriter, r *http.Request) error {
	data, err := a.usersPage(r)
	if err != nil {
		return err
	}
	data.Email = r.PostFormValue("email")
	role, roleErr := account.ParseRole(r.PostFormValue("role"))
	data.InviteRole = role
	email, emailErr := account.NormalizeEmail(data.Email)
	if emailErr != nil {
		data.Errors["email"] = a.loc(r).T("Enter an e-mail address such as name@example.org.")
	} else if _, err := a.db.UserByEmail(r.Context(), email); err == nil {
		data.Errors["email"] = a.loc(r).T("This address already has an account.")
	}
	if roleErr != nil {
		data.Errors["role"] = a.loc(r).T("Choose a role.")
	}
	if len(data.Errors) > 0 {
		return a.render(w, http.StatusUnprocessableEntity, "users", data)
	}
	link, err := a.MakeInvite(r, account.Invite{Email: email, Role: role, CreatedBy: sessionFrom(r.Context()).user.ID})
	if err != nil {
		return err
	}
	data.InviteURL = link
	data.Email = ""
	return a.render(w, http.StatusOK, "users", data)
}

// MakeInvite stores an invitation and returns its link path.
func (a *Admin) MakeInvite(r *http.Request, in account.Invite) (string, error) {
	raw, hash, err := account.NewToken()
	if err != nil {
		return "", err
	}
	now := a.now().UTC()
	in.TokenHash, in.CreatedAt, in.ExpiresAt = hash, now, now.Add(account.InviteLifetime)
	if err := a.db.CreateInvite(r.Context(), in); err != nil {
		return "", err
	}
	return "/admin/invite/" + raw, nil
}

func (a *Admin) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return httpx.NotFound()
	}
	u, err := a.db.UserByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound()
	}
	if err != nil {
		return err
	}
	me := sessionFrom(r.Context()).user
	role, err := account.ParseRole(r.PostFormValue("role"))
	if err != nil {
		return httpx.BadRequest(a.loc(r).T("Choose a role."))
	}
	if u.ID == me.ID && (role != account.RoleAdmin || r.PostFormValue("disabled") != "") {
		return httpx.BadRequest(a.loc(r).T("You cannot demote or disable your own account: ask another admin."))
	}
	u.Role, u.Disabled = role, r.PostFormValue("disabled") != ""
	if err := a.db.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users?done=Saved.", http.StatusSeeOther)
	return nil
}
