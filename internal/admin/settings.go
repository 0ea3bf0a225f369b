package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"

	"fmt"
	"github.com/samizdat-press/samizdat/internal/media"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// validZone reports whether name is an IANA time zone the system knows.
// "Local" is refused: it is whatever the server's clock is set to, which
// changes with the machine.
func validZone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// Limits on the site settings.
const (
	maxSiteName        = 100
	maxSiteDescription = 300
)

// The settings keys the site reads (server.settings), with the defaults it
// uses while a key is unset, so the form shows what readers see.
const (
	settingName        = "site.name"
	settingDescription = "site.description"
	settingLang        = "site.lang"
	settingLogo        = "site.logo" // "key width height" of a stored image, or empty
	defaultDescription = "Independent journalism, funded by readers."
)

// settingsRoutes manage the site's settings.
func (a *Admin) settingsRoutes() []Route {
	return []Route{
		{Pattern: "GET /admin/settings", Perm: account.ManageSettings, handler: a.settingsForm},
		{Pattern: "POST /admin/settings", Perm: account.ManageSettings, MaxBody: maxArticleRequest, handler: a.saveSettings},
	}
}

type siteSettings struct {
	Name, Description, Lang string
	Zone                    string // the newsroom's time zone, an IANA name
	Logo                    string // as stored under settingLogo
}

// LogoURL is the address of the stored logo, for the form's preview.
func (f siteSettings) LogoURL() string {
	key, w, ok := strings.Cut(f.Logo, " ")
	if !ok {
		return ""
	}
	w, _, _ = strings.Cut(w, " ")
	return "/media/" + key + "/" + w + ".jpg"
}

type settingsData struct {
	page
	Form  siteSettings
	Langs []option
}

func (a *Admin) settingsPage(r *http.Request, f siteSettings) *settingsData {
	d := &settingsData{page: a.newPage(r, a.loc(r).T("Settings")), Form: f}
	for _, l := range content.Languages {
		label := languageNames[l]
		if label == "" {
			label = l
		}
		d.Langs = append(d.Langs, option{Value: l, Label: label, Selected: l == f.Lang})
	}
	return d
}

func (a *Admin) settingsForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var f siteSettings
	for _, kv := range []struct {
		key, def string
		dst      *string
	}{
		{settingName, a.siteName, &f.Name},
		{settingDescription, defaultDescription, &f.Description},
		{settingLang, content.Languages[0], &f.Lang},
		{settingLogo, "", &f.Logo},
		{store.SettingTimeZone, "UTC", &f.Zone},
	} {
		v, err := a.db.Setting(ctx, kv.key, kv.def)
		if err != nil {
			return err
		}
		*kv.dst = v
	}
	return a.render(w, http.StatusOK, "settings", a.settingsPage(r, f))
}

// saveSettings stores the settings, then has the site reload them (which
// also drops its page cache: every page shows the name).
func (a *Admin) saveSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := siteSettings{
		Name:        oneLine(r.PostFormValue("name")),
		Description: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("description"), "\r\n", "\n")),
		Lang:        r.PostFormValue("lang"),
		Zone:        strings.TrimSpace(r.PostFormValue("timezone")),
	}
	if f.Zone == "" {
		f.Zone = "UTC"
	}
	d := a.settingsPage(r, f)
	loc := a.loc(r)
	checkName(loc, d.Errors, "name", loc.T("Site name"), f.Name, maxSiteName)
	switch n := utf8.RuneCountInString(f.Description); {
	case !utf8.ValidString(f.Description):
		d.Errors["description"] = loc.T("%s is not valid text.", loc.T("Description"))
	case n > maxSiteDescription:
		d.Errors["description"] = tooLong(loc, loc.T("Description"), n, maxSiteDescription)
	}
	if !slices.Contains(content.Languages, f.Lang) {
		d.Errors["lang"] = loc.T("Choose a language from the list.")
	}
	if !validZone(f.Zone) {
		d.Errors["timezone"] = loc.T("“%s” is not a time zone. Use a name such as Europe/Riga or UTC.", f.Zone)
	}
	logo, err := a.db.Setting(ctx, settingLogo, "")
	if err != nil {
		return err
	}
	if r.PostFormValue("logo_remove") != "" {
		logo = ""
	}
	if newLogo, msg, err := a.uploadLogo(r); err != nil {
		return err
	} else if msg != "" {
		d.Errors["logo"] = msg
	} else if newLogo != "" {
		logo = newLogo
	}
	d.Form.Logo = logo
	if len(d.Errors) > 0 {
		return a.render(w, http.StatusUnprocessableEntity, "settings", d)
	}
	for _, kv := range [][2]string{{settingName, f.Name}, {settingDescription, f.Description}, {settingLang, f.Lang}, {settingLogo, logo}, {store.SettingTimeZone, f.Zone}} {
		if err := a.db.SetSetting(ctx, kv[0], kv[1]); err != nil {
			return err
		}
	}
	if a.onSettings != nil {
		a.onSettings(ctx)
	}
	http.Redirect(w, r, "/admin/settings?done=Saved", http.StatusSeeOther)
	return nil
}

// uploadLogo stores a logo sent with the form and returns its setting
// value; msg says why a file was refused. No file: all empty.
func (a *Admin) uploadLogo(r *http.Request) (value, msg string, err error) {
	file, header, err := r.FormFile("logo")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return "", "", nil
	}
	if err != nil {
		return "", a.loc(r).T("The logo did not arrive completely. Choose it again."), nil
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, media.MaxUploadBytes+1))
	if err != nil {
		return "", a.loc(r).T("The logo did not arrive completely. Choose it again."), nil
	}
	img, err := a.decodeUpload(header.Filename, data)
	if err != nil {
		return "", a.loc(r).T("Logo not accepted: %s", err.Error()), nil
	}
	sum := sha256.Sum256(data)
	key := "logo-" + hex.EncodeToString(sum[:4])
	saved, err := a.images.SaveVariants(key, img)
	if err != nil {
		return "", "", err
	}
	b := img.Bounds()
	w := saved.Widths[0] // the narrowest variant is ample for a masthead
	return fmt.Sprintf("%s %d %d", key, w, max(1, b.Dy()*w/b.Dx())), "", nil
}
