package admin

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// postFile sends the editor's multipart form with one file in field,
// as a browser with JavaScript off does, through the real listener.
func (c *client) postFile(path string, fields url.Values, field, name string, data []byte) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://example.com")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

var figureLineRe = regexp.MustCompile(`!\[Boats at dawn\]\(/media/([a-z0-9-]+) "Harbour at six \| Anna Petrova"\)`)

// TestBodyImageJourneyWithoutJavaScript: with plain form posts, a writer
// uploads an image into the body at the marker, saves, finds it in the
// media library with where it is used, and inserts it into another
// article from there; the published page's body has the figure.
func TestBodyImageJourneyWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	f := e.fields("body", "First paragraph.\n\n[[image]]\n\nLast paragraph.", "status", "published",
		"body_image_alt", "Boats at dawn", "body_image_credit", "Anna Petrova", "body_image_caption", "Harbour at six")
	a := e.saved(ed.postFile("/admin/articles/new", f, "body_image", "IMG_0042.png", pngBytes(t, 1200, 800)))
	m := figureLineRe.FindStringSubmatch(a.Body)
	if m == nil || !strings.HasPrefix(a.Body, "First paragraph.\n\n![Boats at dawn]") || !strings.HasSuffix(a.Body, "\n\nLast paragraph.") {
		t.Fatalf("body after the upload:\n%s", a.Body)
	}
	key := m[1]
	if !strings.HasPrefix(key, "img-0042-") {
		t.Errorf("key %q, want one named after the file", key)
	}
	for _, want := range []string{`<figure class="body-figure"><picture>`, `srcset="/media/` + key + `/`, `width="1200" height="800" alt="Boats at dawn" loading="lazy"`,
		`<figcaption>Harbour at six — <span class="credit">Anna Petrova</span></figcaption>`} {
		if !strings.Contains(a.BodyHTML, want) {
			t.Errorf("body HTML lacks %s:\n%s", want, a.BodyHTML)
		}
	}

	// The library lists it with its use, and finds it by its words.
	for _, q := range []string{"", "?q=dawn", "?q=anna", "?q=img_0042"} {
		w := ed.get("/admin/media" + q)
		wantStatus(t, w, http.StatusOK)
		wantBody(t, w, `data-key="`+key+`"`, "Boats at dawn", "IMG_0042.png", `href="/admin/articles/`, a.Headline, "in the body")
	}
	lackBody(t, ed.get("/admin/media?q=nothing-like-it"), `data-key="`)

	// Reuse: from the library into another article.
	other := e.saved(ed.post("/admin/articles/new", e.fields("headline", "Second story", "body", "Words."), nil))
	w := ed.get("/admin/media?article=" + strconv.FormatInt(other.ID, 10))
	insert := "/admin/articles/" + strconv.FormatInt(other.ID, 10) + "?insert=" + key
	wantBody(t, w, strings.ReplaceAll(insert, "&", "&amp;"))
	w = ed.get(insert)
	wantStatus(t, w, http.StatusOK)
	wantBody(t, w, "Words.\n\n![Boats at dawn](/media/"+key, "The image is in the body now")
	body := regexp.MustCompile(`(?s)<textarea id="body" name="body"[^>]*>(.*?)</textarea>`).FindStringSubmatch(w.Body.String())
	if body == nil {
		t.Fatal("no body field")
	}
	got := e.saved(ed.post(path(other, ""), e.fields("version", formVersion(t, w), "headline", "Second story",
		"body", htmlUnescape(body[1])), nil))
	if !strings.Contains(got.BodyHTML, `<figure class="body-figure">`) {
		t.Errorf("inserted figure not rendered:\n%s", got.BodyHTML)
	}
	list, _, err := e.st.MediaImages(e.ctx, store.MediaQuery{Search: "dawn"})
	if err != nil || len(list) != 1 || len(list[0].Uses) != 2 {
		t.Errorf("after reuse the library shows %+v, %v; want two uses", list, err)
	}
}

// TestBodyImageBadInput: a body image without alt text, a file that is not
// an image and one too large are refused with the reason and everything
// typed kept; an image without alt text in the body blocks publishing.
func TestBodyImageBadInput(t *testing.T) {
	e := newEnv(t)
	ed := e.client(account.RoleEditor)
	typed := []string{`value="Ferry service resumes"`, "The ferry *sails* again.", `value="Transport, Islands"`}
	for _, tc := range []struct {
		name, file, alt string
		data            []byte
		want            string
	}{
		{"no alt", "boats.png", "", pngBytes(t, 400, 300), "an image in the body needs alt text"},
		{"not an image", "notes.png", "Boats", []byte("these are not the pixels you are looking for"), "Image not accepted"},
		{"too large", "huge.jpg", "Boats", bytes.Repeat([]byte{0xff}, 21<<20), "at most 20 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.count()
			w := ed.postFile("/admin/articles/new", e.fields("body_image_alt", tc.alt, "body_image_credit", "Anna"), "body_image", tc.file, tc.data)
			wantStatus(t, w, http.StatusUnprocessableEntity)
			wantBody(t, w, tc.want)
			wantBody(t, w, typed...)
			wantBody(t, w, `id="body_image_credit" name="body_image_credit" type="text" value="Anna"`)
			if e.count() != before {
				t.Errorf("a refused upload saved the article")
			}
		})
	}

	// Publishing with an image lacking alt text is refused; as a draft it saves.
	f := e.fields("status", "published", "body", "Text.\n\n![](/media/somewhere)\n\nMore.")
	w := ed.post("/admin/articles/new", f, nil)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, "has an image without alt text, so it cannot be published", "![](/media/somewhere)", `value="Ferry service resumes"`)
	f.Set("status", "draft")
	a := e.saved(ed.post("/admin/articles/new", f, nil))
	if a.Status != content.StatusDraft {
		t.Errorf("status %s", a.Status)
	}
}

func htmlUnescape(s string) string { return html.UnescapeString(s) }
