package admin

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/httpx"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/store"
)

// An author profile is a byline's public page: name, biography, photo and
// links. Editors (ManageTaxonomy) edit every profile; anyone else only the
// one linked to their account, which /admin/profile leads to.

// maxProfileRequest bounds the profile form, photo included.
const maxProfileRequest = media.MaxUploadBytes + 1<<20

func (a *Admin) profileRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/profile", Perm: account.ViewAdmin, handler: a.ownProfile},
		{Pattern: "GET /admin/authors/{id}/profile", Perm: account.ViewAdmin, handler: a.profileForm},
		{Pattern: "POST /admin/authors/{id}/profile", Perm: account.ViewAdmin, MaxBody: maxProfileRequest, handler: a.saveProfile},
	}
}

// canEditProfile is the profile half of the access policy.
func canEditProfile(u account.User, au content.Author) bool {
	return u.Role.Can(account.ManageTaxonomy) || au.UserID != 0 && au.UserID == u.ID
}

// profileForm is the profile form as typed.
type profileForm struct {
	Name, Bio, Links string
	PhotoKey         string // a media library key; "" for none
}

type profileData struct {
	page
	Author  content.Author // as stored
	Form    profileForm
	Photo   string // the thumbnail of Form.PhotoKey; "" when none or unknown
	Account string // the e-mail address of the linked account, for editors
	Library bool   // may open the media library to choose a photo
	Upload  bool   // may upload a photo
	Own     bool   // the profile is the signed-in account's
}

// profileAuthor loads the author named by the path, refusing accounts that
// may not edit it.
func (a *Admin) profileAuthor(r *http.Request) (content.Author, error) {
	id, err := pathID(r)
	if err != nil {
		return content.Author{}, err
	}
	au, err := a.db.AuthorByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return au, httpx.NotFound()
	}
	if err != nil {
		return au, err
	}
	if !canEditProfile(sessionFrom(r.Context()).user, au) {
		return au, errForbidden(a.loc(r).T("This is another author's profile: you may edit only your own. Ask an editor if it needs a change."))
	}
	return au, nil
}

func (a *Admin) profilePage(r *http.Request, au content.Author, f profileForm) (*profileData, error) {
	ctx := r.Context()
	u := sessionFrom(ctx).user
	loc := a.loc(r)
	d := &profileData{page: a.newPage(r, loc.T("Author profile: %s", au.Name)), Author: au, Form: f,
		Library: u.Role.Can(account.EditOwnArticles), Upload: u.Role.Can(account.UploadMedia), Own: au.UserID == u.ID}
	if f.PhotoKey != "" {
		images, err := a.db.ImagesByKey(ctx, []string{f.PhotoKey})
		if err != nil {
			return nil, err
		}
		if im, ok := images[f.PhotoKey]; ok {
			d.Photo = imageURL(im)
		}
	}
	if au.UserID != 0 && u.Role.Can(account.ManageTaxonomy) {
		acc, err := a.db.UserByID(ctx, au.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		d.Account = acc.Email
	}
	return d, nil
}

// ownProfile leads an account to its own profile.
func (a *Admin) ownProfile(w http.ResponseWriter, r *http.Request) error {
	u := sessionFrom(r.Context()).user
	au, err := a.db.AuthorByUser(r.Context(), u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return &httpx.Error{Status: http.StatusNotFound,
			Message: a.loc(r).T("No author profile is linked to your account. Ask an editor to link one on the Authors page.")}
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/authors/%d/profile", au.ID), http.StatusSeeOther)
	return nil
}

func (a *Admin) profileForm(w http.ResponseWriter, r *http.Request) error {
	au, err := a.profileAuthor(r)
	if err != nil {
		return err
	}
	f := profileForm{Name: au.Name, Bio: au.Bio, Links: au.Links, PhotoKey: au.PhotoKey}
	// Chosen in the media library: shown in the form, saved with it.
	if key := strings.TrimSpace(r.URL.Query().Get("photo")); key != "" && imageKeyRe.MatchString(key) {
		f.PhotoKey = key
	}
	d, err := a.profilePage(r, au, f)
	if err != nil {
		return err
	}
	return a.render(w, http.StatusOK, "profile", d)
}

// readProfileForm reads the form, recording in errs what is wrong with it.
func (a *Admin) readProfileForm(r *http.Request, loc *i18n.Locale, errs map[string]string) profileForm {
	f := profileForm{Name: oneLine(r.PostFormValue("name")),
		Bio: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("bio"), "\r\n", "\n")),
		// As typed: a refused link is named by its line.
		Links:    strings.ReplaceAll(r.PostFormValue("links"), "\r\n", "\n"),
		PhotoKey: strings.TrimSpace(r.PostFormValue("photo_key"))}
	if r.PostFormValue("remove_photo") != "" {
		f.PhotoKey = ""
	}
	checkName(loc, errs, "name", loc.T("Name"), f.Name, maxTaxonomyName)
	switch {
	case !utf8.ValidString(f.Bio):
		errs["bio"] = loc.T("%s is not valid text.", loc.T("Biography"))
	case utf8.RuneCountInString(f.Bio) > maxAuthorBio:
		errs["bio"] = tooLong(loc, loc.T("Biography"), utf8.RuneCountInString(f.Bio), maxAuthorBio)
	}
	if _, err := content.ParseLinks(f.Links); err != nil {
		if le, ok := errors.AsType[*content.LinkError](err); ok {
			errs["links"] = linkProblem(loc, le)
		} else {
			errs["links"] = loc.T("%s is not valid text.", loc.T("Links"))
		}
	}
	return f
}

// linkProblem is the sentence for a refused link, naming its line.
func linkProblem(loc *i18n.Locale, le *content.LinkError) string {
	var why string
	switch le.Problem {
	case content.LinkTooLong:
		why = loc.T("it is too long (at most %d characters)", content.MaxLinkLength)
	case content.LinkNoScheme:
		why = loc.T("it must start with https://, http:// or mailto:")
	case content.LinkScheme:
		why = loc.T("only https://, http:// and mailto: links are allowed")
	case content.LinkNoHost:
		why = loc.T("it has no site name: write it in full, such as https://example.org/")
	case content.LinkUserInfo:
		why = loc.T("it must not carry a user name or password")
	case content.LinkMailto:
		why = loc.T("it is not an e-mail address: write it as mailto:name@example.org")
	case content.LinkTooMany:
		why = loc.T("it is one too many (at most %d links)", content.MaxLinks)
	default:
		why = loc.T("it is not a web address")
	}
	return loc.T("Links, line %d (%s): %s.", le.Line, le.Link, why)
}

// profilePhoto takes the uploaded photo, if one was sent, into the media
// library and the form; a refused one is a field error, and the photo the
// form had stays.
func (a *Admin) profilePhoto(r *http.Request, au content.Author, f *profileForm, errs map[string]string) error {
	loc := a.loc(r)
	u := sessionFrom(r.Context()).user
	file, header, err := r.FormFile("photo")
	switch {
	case errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart):
		return nil
	case err != nil:
		errs["photo"] = loc.T("The photo did not arrive completely. Choose it again.")
		return nil
	}
	defer file.Close()
	if !u.Role.Can(account.UploadMedia) {
		errs["photo"] = loc.T("Your role cannot upload photos: choose one from the media library, or ask an editor.")
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(file, media.MaxUploadBytes+1))
	if err != nil {
		errs["photo"] = loc.T("The photo did not arrive completely. Choose it again.")
		return nil
	}
	decoded, err := a.decodeUpload(header.Filename, data)
	if err != nil {
		errs["photo"] = loc.T("Photo not accepted: %s", err.Error())
		return nil
	}
	key := imageKey(au.Slug, data)
	saved, err := a.images.SaveVariants(key, decoded)
	if err != nil {
		return err
	}
	if len(saved.Widths) == 0 {
		errs["photo"] = loc.T("Photo not accepted: it is too small to show.")
		return nil
	}
	if saved.WebPErr != nil {
		a.log.Warn("webp variants not made", "key", key, "err", saved.WebPErr)
	}
	img := content.Image{Key: key, Widths: saved.Widths, Width: saved.Width, Height: saved.Height,
		WebP: saved.WebP, Crops: saved.Crops, Alt: f.Name}
	if err := a.db.SaveMediaImage(r.Context(), img, header.Filename, u.ID); err != nil {
		return err
	}
	// In the library now: a refusal of another field keeps it by its key.
	f.PhotoKey = key
	return nil
}

func (a *Admin) saveProfile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	au, err := a.profileAuthor(r)
	if err != nil {
		return err
	}
	loc := a.loc(r)
	errs := map[string]string{}
	f := a.readProfileForm(r, loc, errs)
	if err := a.profilePhoto(r, au, &f, errs); err != nil {
		return err
	}
	if _, bad := errs["photo"]; !bad && f.PhotoKey != "" {
		images, err := a.db.ImagesByKey(ctx, []string{f.PhotoKey})
		if err != nil {
			return err
		}
		if _, ok := images[f.PhotoKey]; !ok {
			errs["photo"] = loc.T("That image is not in the media library. Choose one there, or upload a photo.")
		}
	}
	if len(errs) == 0 {
		p := au
		p.Name, p.Bio, p.Links, p.PhotoKey = f.Name, f.Bio, strings.Join(mustLinks(f.Links), "\n"), f.PhotoKey
		err := a.db.UpdateAuthorProfile(ctx, p)
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound()
		}
		if err == nil {
			a.siteChanged(ctx)
			http.Redirect(w, r, fmt.Sprintf("/admin/authors/%d/profile?done=Saved", au.ID), http.StatusSeeOther)
			return nil
		}
		if !taxonomyFailed(loc, errs, err, loc.T("Another byline already has this slug. Choose another.")) {
			return err
		}
	}
	d, err := a.profilePage(r, au, f)
	if err != nil {
		return err
	}
	d.Errors = errs
	return a.render(w, http.StatusUnprocessableEntity, "profile", d)
}

// mustLinks is the links of text already checked by readProfileForm, one
// per item, without blank lines.
func mustLinks(text string) []string {
	links, _ := content.ParseLinks(text)
	return links
}
