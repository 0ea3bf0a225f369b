package admin

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
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
