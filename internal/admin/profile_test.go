package admin

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

func profilePath(au content.Author) string { return fmt.Sprintf("/admin/authors/%d/profile", au.ID) }

// TestInvitedAccountGetsByline: an editor or author who accepts an
// invitation is in the article form's byline list at once, with a profile
// linked to the account; a revenue account is not a byline. On both
// engines, through the invitation form.
func TestInvitedAccountGetsByline(t *testing.T) {
	engines := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "samizdat.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.Database(t) }},
	}
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			e := tAuthNewEnvOn(t, "http://example.test", eng.dsn(t), nil)
			sec := content.Section{Slug: "news", Name: "News"}
			if err := e.st.CreateSection(e.ctx, &sec); err != nil {
				t.Fatal(err)
			}
			admin := e.tAuthSession(e.tAuthUser(account.RoleAdmin, ""))
			for _, tc := range []struct {
				email, name string
				role        account.Role
				byline      bool
			}{
				{"nadia@example.org", "Nadia Novak", account.RoleEditor, true},
				{"petr@example.org", "Пётр Сидоров", account.RoleAuthor, true},
				{"rita@example.org", "Rita Revenue", account.RoleRevenue, false},
			} {
				t.Run(string(tc.role), func(t *testing.T) {
					link := tAuthInvite(t, admin, tc.email, tc.role)
					b := e.tAuthBrowser()
					tAuthStatus(t, b.get(link), http.StatusOK)
					tAuthRedirect(t, b.post(link, url.Values{"name": {tc.name}, "password": {tAuthPassword}, "confirm": {tAuthPassword}}), "/admin/")

					form := admin.get("/admin/articles/new")
					tAuthStatus(t, form, http.StatusOK)
					offered := strings.Contains(html.UnescapeString(form.Body.String()), "> "+tc.name+"</label>")
					if offered != tc.byline {
						t.Errorf("byline %q offered in the article form: %v, want %v", tc.name, offered, tc.byline)
					}
					own := b.get("/admin/profile")
					if !tc.byline {
						tAuthStatus(t, own, http.StatusNotFound)
						tAuthBody(t, own, "No author profile is linked to your account.")
						return
					}
					u, err := e.st.UserByEmail(e.ctx, tc.email)
					if err != nil {
						t.Fatal(err)
					}
					au, err := e.st.AuthorByUser(e.ctx, u.ID)
					if err != nil || au.Name != tc.name {
						t.Fatalf("profile of %s: %+v, %v", tc.email, au, err)
					}
					tAuthRedirect(t, own, profilePath(au))
					w := b.get(profilePath(au))
					tAuthStatus(t, w, http.StatusOK)
					tAuthBody(t, w, "Your author profile", `value="`+tc.name+`"`)
				})
			}
		})
	}
}

// TestProfileLinksChecked: a bad link is refused naming its line, with
// everything typed kept; good ones are saved.
func TestProfileLinksChecked(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	for _, tc := range []struct {
		name, links string
		want        string // "" when saved
	}{
		{"no scheme", "https://anna.example/\nexample.org/anna", "Links, line 2 (example.org/anna): it must start with https://, http:// or mailto:."},
		{"javascript", "javascript:alert(1)", "Links, line 1 (javascript:alert(1)): only https://, http:// and mailto: links are allowed."},
		{"mailto without address", "\n\nmailto:anna", "Links, line 3 (mailto:anna): it is not an e-mail address"},
		{"no host", "https:///anna", "Links, line 1 (https:///anna): it has no site name"},
		{"good", "https://anna.example/\r\n\r\nmailto:anna@example.org", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := url.Values{"name": {"Anna Petrova"}, "bio": {"Covers the harbour."}, "links": {tc.links}}
			w := ed.post(profilePath(e.anna), fields, nil)
			if tc.want == "" {
				wantStatus(t, w, http.StatusSeeOther)
				got, err := e.st.AuthorByID(e.ctx, e.anna.ID)
				if err != nil || got.Links != "https://anna.example/\nmailto:anna@example.org" || got.Bio != "Covers the harbour." {
					t.Errorf("saved profile %+v, %v", got, err)
				}
				return
			}
			wantStatus(t, w, http.StatusUnprocessableEntity)
			body := html.UnescapeString(w.Body.String())
			if !strings.Contains(body, tc.want) {
				t.Errorf("page lacks %q:\n%s", tc.want, w.Body)
			}
			if !strings.Contains(body, ">\n"+tc.links+"</textarea>") || !strings.Contains(body, ">Covers the harbour.</textarea>") {
				t.Errorf("the links or the biography typed were not kept:\n%s", w.Body)
			}
			if got, _ := e.st.AuthorByID(e.ctx, e.anna.ID); got.Bio == "Covers the harbour." && got.Links == "" {
				t.Errorf("a refused form was saved: %+v", got)
			}
		})
	}
}

// TestProfilePhoto: a file that is not an image is refused with the reason,
// the other fields kept; a real photo joins the media library and the
// profile; an image picked from the library by a key it does not have is
// refused.
func TestProfilePhoto(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	fields := url.Values{"name": {"Anna Petrova"}, "bio": {"Covers the harbour."}, "links": {"https://anna.example/"}}

	w := ed.postFile(profilePath(e.anna), fields, "photo", "notes.png", []byte("Meeting notes: source wants anonymity.\n"))
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "not a JPEG, PNG or WebP image", `value="Anna Petrova"`, ">Covers the harbour.</textarea>", ">\nhttps://anna.example/</textarea>")
	if got, _ := e.st.AuthorByID(e.ctx, e.anna.ID); got.PhotoKey != "" || got.Bio != "" {
		t.Errorf("a refused form was saved: %+v", got)
	}

	wantStatus(t, ed.postFile(profilePath(e.anna), fields, "photo", "anna.png", pngBytes(t, 600, 600)), http.StatusSeeOther)
	got, err := e.st.AuthorByID(e.ctx, e.anna.ID)
	if err != nil || got.PhotoKey == "" || got.Bio != "Covers the harbour." {
		t.Fatalf("profile after the upload: %+v, %v", got, err)
	}
	if images, err := e.st.ImagesByKey(e.ctx, []string{got.PhotoKey}); err != nil || images[got.PhotoKey].Width != 600 {
		t.Errorf("the photo is not in the media library: %v, %v", images, err)
	}
	// The library offers it for Boris's profile; choosing it fills the form.
	lib := ed.get(fmt.Sprintf("/admin/media?author=%d", e.boris.ID))
	wantStatus(t, lib, http.StatusOK)
	use := fmt.Sprintf("/admin/authors/%d/profile?photo=%s", e.boris.ID, got.PhotoKey)
	wantBody(t, lib, html.EscapeString(use))
	wantBody(t, ed.get(use), `name="photo_key" type="text" maxlength="101" value="`+got.PhotoKey+`"`)
	wantStatus(t, ed.post(profilePath(e.boris), url.Values{"name": {"Boris Ivanov"}, "photo_key": {got.PhotoKey}}, nil), http.StatusSeeOther)
	if b, _ := e.st.AuthorByID(e.ctx, e.boris.ID); b.PhotoKey != got.PhotoKey {
		t.Errorf("Boris's photo %q, want %q", b.PhotoKey, got.PhotoKey)
	}

	w = ed.post(profilePath(e.boris), url.Values{"name": {"Boris Ivanov"}, "photo_key": {"no-such-image"}}, nil)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "That image is not in the media library.", `value="no-such-image"`)

	wantStatus(t, ed.post(profilePath(e.boris), url.Values{"name": {"Boris Ivanov"}, "photo_key": {got.PhotoKey}, "remove_photo": {"1"}}, nil), http.StatusSeeOther)
	if b, _ := e.st.AuthorByID(e.ctx, e.boris.ID); b.PhotoKey != "" {
		t.Errorf("Boris's photo %q after removing it", b.PhotoKey)
	}
}

// TestProfileOwnOnly: an author-role account edits the profile linked to
// it and no other; editors edit every profile.
func TestProfileOwnOnly(t *testing.T) {
	e := newEnv(t)
	writer := e.client(account.RoleAuthor)
	if err := e.st.LinkAuthor(e.ctx, e.anna.ID, writer.u.ID); err != nil {
		t.Fatal(err)
	}
	w := writer.get("/admin/profile")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != profilePath(e.anna) {
		t.Fatalf("/admin/profile: %d to %q, want 303 to %s", w.Code, w.Header().Get("Location"), profilePath(e.anna))
	}
	wantStatus(t, writer.get(profilePath(e.anna)), http.StatusOK)
	wantStatus(t, writer.post(profilePath(e.anna), url.Values{"name": {"Anna Petrova"}, "bio": {"My own words."}}, nil), http.StatusSeeOther)

	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, profilePath(e.boris)},
		{http.MethodPost, profilePath(e.boris)},
	} {
		var w = writer.get(tc.path)
		if tc.method == http.MethodPost {
			w = writer.post(tc.path, url.Values{"name": {"Boris the Impostor"}, "bio": {"Hijacked."}}, nil)
		}
		wantStatus(t, w, http.StatusForbidden)
		wantBody(t, w, "you may edit only your own")
	}
	if b, _ := e.st.AuthorByID(e.ctx, e.boris.ID); b.Name != "Boris Ivanov" || b.Bio != "" {
		t.Errorf("Boris's profile changed by another account: %+v", b)
	}
	if a, _ := e.st.AuthorByID(e.ctx, e.anna.ID); a.Bio != "My own words." {
		t.Errorf("Anna's own save: %+v", a)
	}
	// Nor may an author open the Authors page to relink profiles.
	wantStatus(t, writer.postForm(fmt.Sprintf("/admin/authors/%d", e.boris.ID),
		url.Values{"name": {"Boris Ivanov"}, "slug": {"boris"}, "user": {idStr(writer.u.ID)}}), http.StatusForbidden)

	ed := e.client(account.RoleEditor)
	wantStatus(t, ed.post(profilePath(e.boris), url.Values{"name": {"Boris Ivanov"}, "bio": {"Edited by an editor."}}, nil), http.StatusSeeOther)
}

// TestAuthorsPageLinksAccounts: the Authors page links a byline to an
// account and unlinks it; an account with another profile is refused.
func TestAuthorsPageLinksAccounts(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	writer := e.client(account.RoleAuthor)
	row := func(au content.Author, user string) url.Values {
		return url.Values{"name": {au.Name}, "slug": {au.Slug}, "bio": {""}, "user": {user}}
	}
	w := ed.get("/admin/authors")
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, `<option value="`+idStr(writer.u.ID)+`">`+writer.u.Email+`</option>`, `href="`+profilePath(e.anna)+`"`)

	wantStatus(t, ed.postForm(fmt.Sprintf("/admin/authors/%d", e.anna.ID), row(e.anna, idStr(writer.u.ID))), http.StatusSeeOther)
	if a, _ := e.st.AuthorByID(e.ctx, e.anna.ID); a.UserID != writer.u.ID {
		t.Fatalf("Anna linked to %d, want %d", a.UserID, writer.u.ID)
	}
	wantBody(t, ed.get("/admin/authors"), `<option value="`+idStr(writer.u.ID)+`" selected>`)

	w = ed.postForm(fmt.Sprintf("/admin/authors/%d", e.boris.ID), row(e.boris, idStr(writer.u.ID)))
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "That account already has another author profile")
	if b, _ := e.st.AuthorByID(e.ctx, e.boris.ID); b.UserID != 0 {
		t.Errorf("Boris linked to %d after a refusal", b.UserID)
	}

	wantStatus(t, ed.postForm(fmt.Sprintf("/admin/authors/%d", e.anna.ID), row(e.anna, "")), http.StatusSeeOther)
	if a, _ := e.st.AuthorByID(e.ctx, e.anna.ID); a.UserID != 0 {
		t.Errorf("Anna still linked to %d after unlinking", a.UserID)
	}
}

// TestTagDescriptionSaved: the Tags page edits a tag's description.
func TestTagDescriptionSaved(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	e.create(&content.Article{Headline: "Ferry", Body: "x", Status: content.StatusDraft, Tags: []content.Tag{{Name: "Harbour"}}})
	tag, err := e.st.TagBySlug(e.ctx, "harbour")
	if err != nil {
		t.Fatal(err)
	}
	w := ed.postForm(fmt.Sprintf("/admin/tags/%d", tag.ID), url.Values{"name": {"Harbour"}, "description": {strings.Repeat("x", 301)}})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, ">"+strings.Repeat("x", 301)+"</textarea>")
	wantStatus(t, ed.postForm(fmt.Sprintf("/admin/tags/%d", tag.ID), url.Values{"name": {"Harbour"}, "description": {"Boats and\nthe people on them."}}), http.StatusSeeOther)
	if got, _ := e.st.TagBySlug(e.ctx, "harbour"); got.Description != "Boats and the people on them." {
		t.Errorf("description %q", got.Description)
	}
	wantBody(t, ed.get("/admin/tags"), ">Boats and the people on them.</textarea>")
}
