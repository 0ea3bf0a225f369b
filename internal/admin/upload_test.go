package admin

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/media"
)

// postNamed sends the editor form with a file under a chosen name.
func (c *client) postNamed(path string, fields map[string][]string, name string, data []byte) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("image", name)
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// hugePNGHeader is a PNG that claims 20000×20000 pixels: only its header is
// real, which is all the server may read before refusing it.
func hugePNGHeader() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 20000)
	binary.BigEndian.PutUint32(ihdr[4:], 20000)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// TestEditorRefusesBadPhotos: the photos the newsroom must never publish are
// refused with a sentence next to the photo field, and what was typed stays.
func TestEditorRefusesBadPhotos(t *testing.T) {
	e := newEnv(t)
	editor := e.client(account.RoleEditor)
	fields := e.fields("slug", "ferry", "image_alt", "The ferry")
	for _, tc := range []struct {
		name, file string
		data       []byte
		status     int
		want       string
	}{
		{"PNG named .jpg", "photo.jpg", pngBytes(t, 40, 30), http.StatusUnprocessableEntity, "is really a PNG file"},
		{"text named .png", "notes.png", []byte("Meeting notes: source wants anonymity.\n"), http.StatusUnprocessableEntity, "not a JPEG, PNG or WebP image"},
		{"20000×20000 pixels", "huge.png", hugePNGHeader(), http.StatusUnprocessableEntity, "20000×20000 pixels"},
		{"30 MB file", "big.jpg", append([]byte("\xff\xd8\xff"), make([]byte, 30<<20)...), http.StatusRequestEntityTooLarge, "at most 20 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.count()
			w := editor.postNamed("/admin/articles/new", fields, tc.file, tc.data)
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d; body:\n%s", w.Code, tc.status, w.Body)
			}
			if !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("the page does not say %q:\n%.2000s", tc.want, w.Body)
			}
			if tc.status == http.StatusUnprocessableEntity && !strings.Contains(w.Body.String(), `value="Ferry service resumes"`) {
				t.Error("the headline typed was not kept")
			}
			if got := e.count(); got != before {
				t.Errorf("articles: %d, want %d (nothing saved)", got, before)
			}
		})
	}
}

// failingWebP is a WebP encoder that cannot read the image it is given.
type failingWebP struct{}

func (failingWebP) Encode(io.Writer, image.Image) error {
	return errors.New("unsupported colour layout")
}

// TestWebPFailureKeepsJPEG: when the WebP versions of a photo cannot be
// made, the photo is still saved and shown as JPEG, and the editor is told
// why on the article's page.
func TestWebPFailureKeepsJPEG(t *testing.T) {
	e := newEnv(t)
	e.media.SetWebPEncoder(failingWebP{})
	editor := e.client(account.RoleEditor)
	const notice = "WebP versions of this photo could not be made: unsupported colour layout; readers get JPEG."

	// A form sent back (no alt text) says so already.
	w := editor.post("/admin/articles/new", e.fields("slug", "ferry"), pngBytes(t, 600, 400))
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantBody(t, w, `class="notice"`, notice)

	w = editor.post("/admin/articles/new", e.fields("slug", "ferry", "image_alt", "The ferry"), pngBytes(t, 600, 400))
	a := e.saved(w)
	if loc := w.Header().Get("Location"); !strings.Contains(loc, "webp=") {
		t.Errorf("redirect to %q does not carry the WebP problem", loc)
	}
	img := a.Image
	if !img.Present() || img.WebP || !img.Crops || len(img.Widths) != 2 {
		t.Fatalf("image: got %+v, want the JPEG variants and crops, no WebP", img)
	}
	for _, wd := range img.Widths {
		if _, err := os.Stat(filepath.Join(e.mediaDir, img.Key, media.VariantName(wd))); err != nil {
			t.Errorf("JPEG %d: %v", wd, err)
		}
		if _, err := os.Stat(filepath.Join(e.mediaDir, img.Key, media.WebPName(wd))); err == nil {
			t.Errorf("WebP %d stored though its encoder failed", wd)
		}
	}
	page := editor.get(w.Header().Get("Location"))
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, notice)

	// Later visits still say that readers get JPEG.
	page = editor.get(path(a, ""))
	wantBody(t, page, "This photo has no WebP versions: readers get JPEG.")

	// With an encoder that works, a new photo has WebP and no notice.
	e.media.SetWebPEncoder(media.WebP)
	w = editor.post(path(a, ""), e.fields("version", "1", "slug", "ferry", "image_alt", "The ferry"), pngBytes(t, 300, 200))
	b := e.saved(w)
	if !b.Image.WebP || strings.Contains(w.Header().Get("Location"), "webp=") {
		t.Errorf("working encoder: image %+v, redirect %q", b.Image, w.Header().Get("Location"))
	}
	lackBody(t, editor.get(path(b, "")), "readers get JPEG")
}
