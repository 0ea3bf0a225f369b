package admin

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
)

func TestSettingsSave(t *testing.T) {
	e := newTaxEnv(t)
	adm := e.signIn(account.RoleAdmin)

	// Unset keys show what the site uses by default.
	w := adm.get("/admin/settings")
	expectStatus(t, w, http.StatusOK)
	expectBody(t, w, `<label for="name">Site name</label>`, `value="Test"`, `Independent journalism, funded by readers.`,
		`<option value="en" selected>English</option>`, `<option value="ru">Русский</option>`, `name="csrf" value="tok"`)

	// This admin reads the admin in English whatever the site's language:
	// without a choice, the page after the save would be in Russian.
	if err := e.st.SetUserLang(e.ctx, adm.id, "en"); err != nil {
		t.Fatal(err)
	}
	w = adm.post("/admin/settings", "name", "  Samizdat   Daily ", "description", "News from\r\nthe region.", "lang", "ru")
	expectRedirect(t, w, "/admin/settings?done=Saved")
	if e.called != 1 {
		t.Errorf("OnSettings called %d times, want 1", e.called)
	}
	for key, want := range map[string]string{"site.name": "Samizdat Daily", "site.description": "News from\nthe region.", "site.lang": "ru"} {
		if got, err := e.st.Setting(e.ctx, key, ""); err != nil || got != want {
			t.Errorf("Setting(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
	w = adm.get("/admin/settings?done=Saved")
	expectBody(t, w, `role="status">Saved<`, `value="Samizdat Daily"`, `<option value="ru" selected>`)
}

func TestSettingsValidationKeepsInput(t *testing.T) {
	e := newTaxEnv(t)
	adm := e.signIn(account.RoleAdmin)
	for _, tc := range []struct {
		fields []string
		want   []string
	}{
		{[]string{"name", "", "description", "Kept <i>text</i>", "lang", "en"},
			[]string{`Site name is required.`, `Kept &lt;i&gt;text&lt;/i&gt;</textarea>`, `aria-describedby="name-error"`}},
		{[]string{"name", strings.Repeat("n", 101), "description", strings.Repeat("d", 301), "lang", "de"},
			[]string{`Site name is too long (101 characters, at most 100).`, `Description is too long (301 characters, at most 300).`,
				`Choose a language from the list.`, `value="` + strings.Repeat("n", 101) + `"`, `id="lang" name="lang" aria-invalid="true"`}},
	} {
		w := adm.post("/admin/settings", tc.fields...)
		expectStatus(t, w, http.StatusUnprocessableEntity)
		expectBody(t, w, tc.want...)
	}
	if e.called != 0 {
		t.Errorf("refused settings called OnSettings %d times", e.called)
	}
	if got, _ := e.st.Setting(e.ctx, "site.name", "unset"); got != "unset" {
		t.Errorf("refused settings saved site.name = %q", got)
	}
}

func TestSettingsAccess(t *testing.T) {
	e := newTaxEnv(t)
	for _, role := range []account.Role{account.RoleEditor, account.RoleAuthor, account.RoleRevenue} {
		c := e.signIn(role)
		expectStatus(t, c.get("/admin/settings"), http.StatusForbidden)
		expectStatus(t, c.post("/admin/settings", "name", "Hijacked", "description", "", "lang", "en"), http.StatusForbidden)
	}
	// An editor manages taxonomy; an author does not.
	expectStatus(t, e.signIn(account.RoleEditor).get("/admin/sections"), http.StatusOK)
	expectStatus(t, e.signIn(account.RoleAuthor).get("/admin/sections"), http.StatusForbidden)
	if got, _ := e.st.Setting(e.ctx, "site.name", "unset"); got != "unset" || e.called != 0 {
		t.Errorf("a forbidden save changed settings: %q, OnSettings %d", got, e.called)
	}
}

// postLogo sends the settings form with a logo file.
func (c *taxClient) postLogo(name string, data []byte, kv ...string) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", "tok")
	for i := 0; i+1 < len(kv); i += 2 {
		mw.WriteField(kv[i], kv[i+1])
	}
	if data != nil {
		fw, _ := mw.CreateFormFile("logo", name)
		fw.Write(data)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/admin/settings", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func TestSettingsLogo(t *testing.T) {
	e := newTaxEnv(t)
	adm := e.signIn(account.RoleAdmin)
	fields := []string{"name", "Ledger", "description", "News.", "lang", "en"}

	// A text file is refused next to the field, with what was typed kept.
	w := adm.postLogo("logo.png", []byte("not a picture"), fields...)
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, `id="logo-error"`, "Logo not accepted", `value="Ledger"`)
	if got, _ := e.st.Setting(e.ctx, "site.logo", ""); got != "" {
		t.Fatalf("a refused logo was stored: %q", got)
	}

	var png bytes.Buffer
	if err := pngEncode(&png, 600, 200); err != nil {
		t.Fatal(err)
	}
	expectRedirect(t, adm.postLogo("logo.png", png.Bytes(), fields...), "/admin/settings?done=Saved")
	logo, _ := e.st.Setting(e.ctx, "site.logo", "")
	if !regexp.MustCompile(`^logo-[0-9a-f]{8} 480 160$`).MatchString(logo) {
		t.Fatalf("site.logo = %q, want key, width 480 and height 160", logo)
	}
	key, _, _ := strings.Cut(logo, " ")
	expectBody(t, adm.get("/admin/settings"), `<img src="/media/`+key+`/480.jpg" alt="The current logo"`)

	// Saving without a file keeps the logo; the checkbox removes it.
	expectRedirect(t, adm.postLogo("", nil, fields...), "/admin/settings?done=Saved")
	if got, _ := e.st.Setting(e.ctx, "site.logo", ""); got != logo {
		t.Errorf("logo after a save without a file: %q, want %q", got, logo)
	}
	expectRedirect(t, adm.postLogo("", nil, append(fields, "logo_remove", "1")...), "/admin/settings?done=Saved")
	if got, _ := e.st.Setting(e.ctx, "site.logo", ""); got != "" {
		t.Errorf("logo after removal: %q, want none", got)
	}
}

func pngEncode(w io.Writer, width, height int) error {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			img.Set(x, y, color.RGBA{uint8(x), 40, uint8(y), 255})
		}
	}
	return png.Encode(w, img)
}
