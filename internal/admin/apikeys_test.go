package admin

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/store"
)

func TestAPIKeysMakeShowOnceAndRevoke(t *testing.T) {
	e := newTaxEnv(t)
	adm := e.signIn(account.RoleAdmin)
	if err := e.st.SetUserLang(e.ctx, adm.id, "en"); err != nil {
		t.Fatal(err)
	}
	w := adm.get("/admin/apikeys")
	expectStatus(t, w, http.StatusOK)
	expectBody(t, w, "No keys yet.", `name="csrf" value="tok"`, "http://example.test/ghost/api/content/")

	w = adm.post("/admin/apikeys", "name", "  Mobile app ")
	expectStatus(t, w, http.StatusOK)
	m := regexp.MustCompile(`<code id="new-key">([0-9a-f]{26})</code>`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("the new key is not shown:\n%s", w.Body)
	}
	key := m[1]
	expectBody(t, w, "shown only this once", "…"+key[22:], "working")

	// Shown once: the list has only the last digits.
	w = adm.get("/admin/apikeys")
	if strings.Contains(w.Body.String(), key) {
		t.Error("the list shows the whole key again")
	}
	expectBody(t, w, "Mobile app", "…"+key[22:], "1 key")

	// A taken or empty name: the form says so and keeps what was typed.
	w = adm.post("/admin/apikeys", "name", "Mobile app")
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, `A key named &#34;Mobile app&#34; exists already`, `value="Mobile app"`, `aria-describedby="name-error"`)
	w = adm.post("/admin/apikeys", "name", "  ")
	expectStatus(t, w, http.StatusUnprocessableEntity)
	expectBody(t, w, "Give the key a name")

	keys, err := e.st.APIKeys(e.ctx)
	if err != nil || len(keys) != 1 || keys[0].Hash != store.HashAPIKey(key) {
		t.Fatalf("stored keys %+v, %v: want one, by hash", keys, err)
	}
	w = adm.post(fmt.Sprintf("/admin/apikeys/%d/revoke", keys[0].ID))
	expectRedirect(t, w, "/admin/apikeys?done=Key+revoked.")
	w = adm.get("/admin/apikeys?done=Key+revoked.")
	expectBody(t, w, "Key revoked.", "revoked <time")
	if keys, _ := e.st.APIKeys(e.ctx); !keys[0].Revoked() {
		t.Error("the key still works")
	}
	expectStatus(t, adm.post("/admin/apikeys/999/revoke"), http.StatusNotFound)

	// Without the form's CSRF token nothing is made.
	req := httptest.NewRequest(http.MethodPost, "/admin/apikeys", strings.NewReader("name=Forged"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if w := adm.do(req); w.Code == http.StatusOK {
		t.Errorf("a form without its CSRF token: %d", w.Code)
	}
	if keys, _ := e.st.APIKeys(e.ctx); len(keys) != 1 {
		t.Errorf("%d keys after a forged form, want 1", len(keys))
	}

	// In Russian.
	if err := e.st.SetUserLang(e.ctx, adm.id, "ru"); err != nil {
		t.Fatal(err)
	}
	expectBody(t, adm.get("/admin/apikeys"), "Ключи Content API", "отозван", "1 ключ")

	// Editors may not.
	expectStatus(t, e.signIn(account.RoleEditor).get("/admin/apikeys"), http.StatusForbidden)
}
