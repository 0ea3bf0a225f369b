package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/image/webp"
)

func newTestDir(t *testing.T) *Dir {
	t.Helper()
	d, err := NewDir(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatalf("NewDir: %v", err)
	}
	return d
}

// listTree returns every path under root, relative and sorted.
func listTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestSaveVariants(t *testing.T) {
	tests := []struct {
		w, h       int
		wantWidths []int
	}{
		{2000, 400, []int{480, 960, 1600}},
		{1600, 300, []int{480, 960, 1600}},
		{1000, 200, []int{480, 960, 1000}},
		{600, 400, []int{480, 600}},
		{480, 320, []int{480}},
		{100, 50, []int{100}},
	}
	for _, tt := range tests {
		d := newTestDir(t)
		saved, err := d.SaveVariants("lead", quadImage(tt.w, tt.h))
		if err != nil {
			t.Fatalf("%dx%d: SaveVariants: %v", tt.w, tt.h, err)
		}
		got := saved.Widths
		if !equalInts(got, tt.wantWidths) {
			t.Errorf("%dx%d: got widths %v, want %v", tt.w, tt.h, got, tt.wantWidths)
			continue
		}
		if !saved.WebP || !saved.Crops || saved.WebPErr != nil {
			t.Errorf("%dx%d: got WebP %v, crops %v (%v), want both", tt.w, tt.h, saved.WebP, saved.Crops, saved.WebPErr)
		}
		if last := tt.wantWidths[len(tt.wantWidths)-1]; saved.Width != last || saved.Height != tt.h*last/tt.w {
			t.Errorf("%dx%d: got size %dx%d, want %dx%d", tt.w, tt.h, saved.Width, saved.Height, last, tt.h*last/tt.w)
		}
		var wantFiles []string
		for _, w := range tt.wantWidths {
			wantFiles = append(wantFiles, "lead/"+VariantName(w), "lead/"+WebPName(w))
		}
		for _, a := range Aspects {
			wantFiles = append(wantFiles, "lead/"+CropName(saved.Width, saved.Height, a))
		}
		sort.Strings(wantFiles)
		if files := listTree(t, filepath.Join(d.root, "")); strings.Join(files, " ") != "lead "+strings.Join(wantFiles, " ") {
			t.Errorf("%dx%d: got files %v, want lead and %v", tt.w, tt.h, files, wantFiles)
		}
		for _, w := range tt.wantWidths {
			f, err := d.Open("lead", VariantName(w))
			if err != nil {
				t.Fatalf("Open %d: %v", w, err)
			}
			m, err := jpeg.Decode(f)
			f.Close()
			if err != nil {
				t.Fatalf("%dx%d: variant %d: %v", tt.w, tt.h, w, err)
			}
			if got, want := m.Bounds().Size(), image.Pt(w, tt.h*w/tt.w); got != want {
				t.Errorf("%dx%d: variant %d: got %v, want %v", tt.w, tt.h, w, got, want)
			}
			// Scaled, not cropped: the top-right quarter is still green.
			if got := colorName(m.At(w*3/4, m.Bounds().Dy()/4)); got != "green" {
				t.Errorf("%dx%d: variant %d: top right is %s, want green", tt.w, tt.h, w, got)
			}
			// The WebP variant: decodable, the same size and picture.
			wm := decodeWebP(t, d, "lead", WebPName(w))
			if got, want := wm.Bounds().Size(), m.Bounds().Size(); got != want {
				t.Errorf("%dx%d: WebP %d: got %v, want %v", tt.w, tt.h, w, got, want)
			}
			if got := colorName(wm.At(w*3/4, wm.Bounds().Dy()/4)); got != "green" {
				t.Errorf("%dx%d: WebP %d: top right is %s, want green", tt.w, tt.h, w, got)
			}
		}
	}
}

func TestBadNames(t *testing.T) {
	d := newTestDir(t)
	if err := d.Put("ok", "480.jpg", []byte("x")); err != nil {
		t.Fatalf("Put ok: %v", err)
	}
	outside := filepath.Join(filepath.Dir(d.root), "escaped.jpg")
	tests := []struct{ key, name string }{
		{"../escaped", "480.jpg"},
		{"..", "escaped.jpg"},
		{"ok", "../escaped.jpg"},
		{"ok", "../../escaped.jpg"},
		{"ok/..", "480.jpg"},
		{"a/b", "480.jpg"},
		{"", "480.jpg"},
		{".", "480.jpg"},
		{"-lead", "480.jpg"},
		{".hidden", "480.jpg"},
		{"Lead", "480.jpg"},
		{"ok", "480.JPG"},
		{"ok", "Big.jpg"},
		{"ok", "480.png"},
		{"ok", "480.WEBP"},
		{"ok", "480.webp.jpg/"},
		{"ok", ".webp"},
		{"ok", "480"},
		{"ok", ".jpg"},
		{"ok", ".tmp-1"},
		{"ok", "480.jpg/"},
		{"ok", `..\escaped.jpg`},
		{"ok", "480.jpg\x00"},
		{"ok\n", "480.jpg"},
		{"ok", "/etc/passwd.jpg"},
		{strings.Repeat("a", 102), "480.jpg"},
	}
	for _, tt := range tests {
		if err := d.Put(tt.key, tt.name, []byte("evil")); !errors.Is(err, ErrBadName) {
			t.Errorf("Put(%q, %q): got %v, want ErrBadName", tt.key, tt.name, err)
		}
		f, err := d.Open(tt.key, tt.name)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q, %q): got %v, want fs.ErrNotExist", tt.key, tt.name, err)
		}
		if f != nil {
			f.Close()
		}
		if d.Exists(tt.key, tt.name) {
			t.Errorf("Exists(%q, %q): got true, want false", tt.key, tt.name)
		}
	}
	if _, err := os.Stat(outside); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was written outside the root: %v", err)
	}
	if got, want := listTree(t, d.root), []string{"ok", "ok/480.jpg"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got files %v, want %v", got, want)
	}
	// Good names work.
	if err := d.Put(strings.Repeat("a", 101), "1600.jpg", []byte("x")); err != nil {
		t.Errorf("Put with a 101-character key: %v", err)
	}
	for _, name := range []string{"480.webp", "c16x9-1200.jpg"} {
		if err := d.Put("good", name, []byte("x")); err != nil || !d.Exists("good", name) {
			t.Errorf("Put(good, %s): %v", name, err)
		}
	}
	if _, err := d.Open("ok", "960.jpg"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open missing: got %v, want fs.ErrNotExist", err)
	}
}

func TestPutAtomic(t *testing.T) {
	d := newTestDir(t)
	read := func(key, name string) string {
		t.Helper()
		f, err := d.Open(key, name)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := d.Put("story", "480.jpg", []byte("first")); err != nil {
		t.Fatal(err)
	}
	// Keep the old file open: a reader sees the old file or the new one,
	// never a mix, because Put renames a complete file into place.
	old, err := d.Open("story", "480.jpg")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	big := bytes.Repeat([]byte("second "), 100_000)
	if err := d.Put("story", "480.jpg", big); err != nil {
		t.Fatal(err)
	}
	if err := d.Put("story", "960.jpg", []byte("other")); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(old); err != nil || string(got) != "first" {
		t.Errorf("old reader: got %q, %v; want %q", got, err, "first")
	}
	if got := read("story", "480.jpg"); got != string(big) {
		t.Errorf("got %d bytes, want %d", len(got), len(big))
	}
	if !d.Exists("story", "960.jpg") || d.Exists("story", "1600.jpg") {
		t.Error("Exists disagrees with what was stored")
	}

	// A failed rename (the target is a directory) leaves no temp file.
	if err := os.MkdirAll(filepath.Join(d.root, "story", "1600.jpg", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := d.Put("story", "1600.jpg", []byte("fails")); err == nil {
		t.Error("Put over a directory: got no error")
	}

	if got, want := listTree(t, d.root), []string{"story", "story/1600.jpg", "story/1600.jpg/x", "story/480.jpg", "story/960.jpg"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got files %v, want %v (no temp files)", got, want)
	}
}

func decodeWebP(t *testing.T, d *Dir, key, name string) image.Image {
	t.Helper()
	f, err := d.Open(key, name)
	if err != nil {
		t.Fatalf("Open %s/%s: %v", key, name, err)
	}
	defer f.Close()
	m, err := webp.Decode(f)
	if err != nil {
		t.Fatalf("%s/%s is not WebP: %v", key, name, err)
	}
	return m
}

func decodeStoredJPEG(t *testing.T, d *Dir, key, name string) image.Image {
	t.Helper()
	m, err := d.decodeJPEG(key, name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCrops checks the centre crops' shapes and widths: 1:1, 4:3 and 16:9,
// CropMax wide where the image allows, cut from the middle.
func TestCrops(t *testing.T) {
	tests := []struct {
		w, h int
		want map[Aspect]image.Point
	}{
		// 16:9: the widest variant is 1600×900, too short for a 1:1 crop
		// CropMax wide.
		{3200, 1800, map[Aspect]image.Point{{1, 1}: {900, 900}, {4, 3}: {1200, 900}, {16, 9}: {1200, 675}}},
		{3000, 3000, map[Aspect]image.Point{{1, 1}: {1200, 1200}, {4, 3}: {1200, 900}, {16, 9}: {1200, 675}}},
		// The demo's pictures.
		{1200, 675, map[Aspect]image.Point{{1, 1}: {675, 675}, {4, 3}: {900, 675}, {16, 9}: {1200, 675}}},
		// Portrait: the width limits.
		{800, 1200, map[Aspect]image.Point{{1, 1}: {800, 800}, {4, 3}: {800, 600}, {16, 9}: {800, 450}}},
	}
	for _, tt := range tests {
		d := newTestDir(t)
		d.SetWebPEncoder(nil) // TestSaveVariants checks them
		saved, err := d.SaveVariants("lead", quadImage(tt.w, tt.h))
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range Aspects {
			name := CropName(saved.Width, saved.Height, a)
			want := tt.want[a]
			if wantName := fmt.Sprintf("c%dx%d-%d.jpg", a.W, a.H, want.X); name != wantName {
				t.Errorf("%dx%d: crop %v is %s, want %s", tt.w, tt.h, a, name, wantName)
			}
			m := decodeStoredJPEG(t, d, "lead", name)
			size := m.Bounds().Size()
			if size != want {
				t.Errorf("%dx%d: crop %v: got %v, want %v", tt.w, tt.h, a, size, want)
			}
			// The shape, within a pixel of rounding.
			if diff := size.X*a.H - size.Y*a.W; diff < -a.W || diff > a.W {
				t.Errorf("%dx%d: crop %v: %v is not %d:%d", tt.w, tt.h, a, size, a.W, a.H)
			}
			// Centred: the four quadrants meet in the middle of the crop.
			for _, c := range []struct {
				x, y int
				want string
			}{{1, 1, "red"}, {3, 1, "green"}, {1, 3, "blue"}, {3, 3, "white"}} {
				// Points a little off the centre lines, inside each quarter.
				px, py := size.X/2+(c.x-2)*size.X/8, size.Y/2+(c.y-2)*size.Y/8
				if got := colorName(m.At(px, py)); got != c.want {
					t.Errorf("%dx%d: crop %v at (%d,%d) is %s, want %s", tt.w, tt.h, a, px, py, got, c.want)
				}
			}
		}
	}
}

type failingEncoder struct{}

func (failingEncoder) Encode(io.Writer, image.Image) error {
	return errors.New("the encoder cannot read this image")
}

// TestWebPFailureKeepsJPEG: an encoder that fails costs the WebP variants
// only; the JPEG variants and the crops are stored, and Saved says why.
func TestWebPFailureKeepsJPEG(t *testing.T) {
	d := newTestDir(t)
	d.SetWebPEncoder(failingEncoder{})
	saved, err := d.SaveVariants("lead", quadImage(1000, 500))
	if err != nil {
		t.Fatalf("SaveVariants: %v", err)
	}
	if saved.WebP || saved.WebPErr == nil || !strings.Contains(saved.WebPErr.Error(), "cannot read") {
		t.Errorf("got WebP %v, error %v; want false and the encoder's error", saved.WebP, saved.WebPErr)
	}
	if !equalInts(saved.Widths, []int{480, 960, 1000}) || !saved.Crops {
		t.Errorf("got widths %v, crops %v; want all JPEG variants and the crops", saved.Widths, saved.Crops)
	}
	for _, w := range saved.Widths {
		decodeStoredJPEG(t, d, "lead", VariantName(w))
		if d.Exists("lead", WebPName(w)) {
			t.Errorf("%s stored though the encoder failed", WebPName(w))
		}
	}
}

// TestComplete makes what an image stored before WebP and crops lacks,
// from its stored JPEG variants.
func TestComplete(t *testing.T) {
	d := newTestDir(t)
	d.SetWebPEncoder(nil) // as stored before
	saved, err := d.SaveVariants("old", quadImage(1600, 900))
	if err != nil {
		t.Fatal(err)
	}
	if saved.WebP || saved.WebPErr != nil {
		t.Fatalf("no encoder: got WebP %v (%v)", saved.WebP, saved.WebPErr)
	}
	for _, a := range Aspects { // and no crops, as before
		p, _ := d.path("old", CropName(saved.Width, saved.Height, a))
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	d.SetWebPEncoder(WebP)
	done, err := d.Complete("old", saved.Widths, saved.Width, saved.Height, false, false)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if !done.WebP || !done.Crops {
		t.Fatalf("Complete: got WebP %v (%v), crops %v", done.WebP, done.WebPErr, done.Crops)
	}
	for _, w := range saved.Widths {
		if m := decodeWebP(t, d, "old", WebPName(w)); m.Bounds().Dx() != w {
			t.Errorf("WebP %d: got width %d", w, m.Bounds().Dx())
		}
	}
	if m := decodeStoredJPEG(t, d, "old", CropName(1600, 900, Aspect{1, 1})); m.Bounds().Size() != image.Pt(900, 900) {
		t.Errorf("1:1 crop: got %v", m.Bounds().Size())
	}
	// Nothing to do: nothing decoded, no error.
	if again, err := d.Complete("old", saved.Widths, saved.Width, saved.Height, true, true); err != nil || !again.WebP || !again.Crops {
		t.Errorf("Complete again: %+v, %v", again, err)
	}
	// A missing JPEG is an error, not a panic.
	if _, err := d.Complete("gone", []int{480}, 480, 270, false, false); err == nil {
		t.Error("Complete of a missing image: got no error")
	}
}
