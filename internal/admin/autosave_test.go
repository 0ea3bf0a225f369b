package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
)

// autosaveReplyOf reads an autosave answer.
func autosaveReplyOf(t *testing.T, w *httptest.ResponseRecorder) autosaveReply {
	t.Helper()
	var r autosaveReply
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
		t.Fatalf("autosave answer %d is not JSON: %v\n%s", w.Code, err, w.Body)
	}
	return r
}

// TestAutosaveRestoreAndConflict: an autosave keeps the typing without
// saving the article; reopening the editor offers it back and restores it
// into the form; once someone else saves, the next autosave is refused with
// 409 naming them, and their version stays.
func TestAutosaveRestoreAndConflict(t *testing.T) {
	e := newEnv(t)
	me, them := e.client(account.RoleEditor), e.client(account.RoleEditor)
	a := e.saved(me.post("/admin/articles/new", e.fields(), nil))
	v := formVersion(t, me.get(path(a, "")))
	if w := me.get(path(a, "")); !strings.Contains(w.Body.String(), `data-autosave="/admin/articles/`) {
		t.Errorf("the editor does not name its autosave endpoint:\n%s", w.Body)
	}

	typed := e.fields("version", v, "headline", "Ferry service resumes, typed", "body", "Typed but *not* saved.")
	w := me.postForm(path(a, "/autosave"), typed)
	wantStatus(t, w, http.StatusOK)
	if r := autosaveReplyOf(t, w); !strings.HasPrefix(r.Saved, "Saved ") || len(r.Saved) != len("Saved 12:03") {
		t.Errorf("autosave says %q, want Saved hh:mm", r.Saved)
	}
	if got := e.article(a.ID); got.Version != a.Version || got.Body != a.Body {
		t.Errorf("autosave saved the article: version %d body %q", got.Version, got.Body)
	}

	// Reopened: offered, and restored on request.
	w = me.get(path(a, ""))
	wantBody(t, w, "Restore unsaved changes from", "?restore=autosave")
	lackBody(t, w, "Typed but *not* saved.")
	w = me.get(path(a, "?restore=autosave"))
	wantBody(t, w, "Typed but *not* saved.", `value="Ferry service resumes, typed"`, `name="version" value="`+v+`"`, "Restored your unsaved changes")
	// Another editor is not offered my typing.
	lackBody(t, them.get(path(a, "")), "Restore unsaved changes from")

	// The script sends the token in a header; that works too.
	req := httptest.NewRequest(http.MethodPost, path(a, "/autosave"), strings.NewReader(url.Values{"version": {v}, "body": {"Header token."}, "headline": {"H"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", me.csrf)
	wantStatus(t, me.do(req), http.StatusOK)
	// Without any token it is refused.
	wantStatus(t, me.postForm(path(a, "/autosave"), url.Values{"csrf": {"wrong"}, "version": {v}}), http.StatusForbidden)

	// They save; my next autosave is refused, naming them.
	e.saved(them.post(path(a, ""), e.fields("version", v, "body", "Their saved body."), nil))
	w = me.postForm(path(a, "/autosave"), typed)
	wantStatus(t, w, http.StatusConflict)
	if r := autosaveReplyOf(t, w); !strings.Contains(r.Error, them.u.Email) || !strings.Contains(r.Error, "version 2") {
		t.Errorf("conflict says %q, want their e-mail and version 2", r.Error)
	}
	if got := e.article(a.ID); got.Body != "Their saved body." {
		t.Errorf("a stale autosave overwrote their save: %q", got.Body)
	}
	// My autosave, older than their version, is not offered any more.
	lackBody(t, me.get(path(a, "")), "Restore unsaved changes from")

	// On the new version it works, and can be discarded.
	wantStatus(t, me.postForm(path(a, "/autosave"), e.fields("version", "2", "body", "On theirs.")), http.StatusOK)
	wantBody(t, me.get(path(a, "")), "Restore unsaved changes from")
	w = me.postForm(path(a, "/autosave/discard"), url.Values{})
	wantStatus(t, w, http.StatusSeeOther)
	lackBody(t, me.get(path(a, "")), "Restore unsaved changes from")

	// A missing version is refused, never stored blindly; an author
	// cannot autosave someone else's article.
	wantStatus(t, me.postForm(path(a, "/autosave"), url.Values{"body": {"x"}}), http.StatusBadRequest)
	wantStatus(t, e.client(account.RoleAuthor).postForm(path(a, "/autosave"), typed), http.StatusForbidden)
}
