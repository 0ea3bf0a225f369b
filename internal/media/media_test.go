package media

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
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
		got, err := d.SaveVariants("lead", quadImage(tt.w, tt.h))
		if err != nil {
			t.Fatalf("%dx%d: SaveVariants: %v", tt.w, tt.h, err)
		}
		if !equalInts(got, tt.wantWidths) {
			t.Errorf("%dx%d: got widths %v, want %v", tt.w, tt.h, got, tt.wantWidths)
			continue
		}
		var wantFiles []string
		for _, w := range tt.wantWidths {
			wantFiles = append(wantFiles, "lead/"+VariantName(w))
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
