// Package media stores images and makes the resized variants pages serve
// with srcset. Files live in a directory beside the database; the Dir type
// is the only implementation of the small storage interface callers use.
package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"golang.org/x/image/draw"
)

// Widths are the variants made for every lead image, narrowest first.
var Widths = []int{480, 960, 1600}

// Dir keeps media files under a root directory as <key>/<width>.jpg.
type Dir struct {
	root string
}

// NewDir returns a Dir rooted at root, creating it if needed.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("media directory %s: %w", root, err)
	}
	return &Dir{root: root}, nil
}

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,100}$`)

// ErrBadName is returned for keys or file names that could escape the root.
var ErrBadName = errors.New("bad media name")

func (d *Dir) path(key, name string) (string, error) {
	base, ext, _ := cutExt(name)
	if !nameRe.MatchString(key) || !nameRe.MatchString(base) || ext != ".jpg" {
		return "", ErrBadName
	}
	return filepath.Join(d.root, key, name), nil
}

func cutExt(name string) (string, string, bool) {
	ext := filepath.Ext(name)
	return name[:len(name)-len(ext)], ext, ext != ""
}

// Put writes a file atomically: readers see the old file or the new one.
func (d *Dir) Put(key, name string, data []byte) error {
	p, err := d.path(key, name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("media put %s/%s: %w", key, name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("media put %s/%s: %w", key, name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("media put %s/%s: %w", key, name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("media put %s/%s: %w", key, name, err)
	}
	return os.Rename(tmp.Name(), p)
}

// Open opens a stored file for reading.
func (d *Dir) Open(key, name string) (*os.File, error) {
	p, err := d.path(key, name)
	if err != nil {
		return nil, fs.ErrNotExist
	}
	return os.Open(p)
}

// Exists reports whether a stored file exists.
func (d *Dir) Exists(key, name string) bool {
	p, err := d.path(key, name)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// VariantName is the file name of the variant w pixels wide.
func VariantName(w int) string { return fmt.Sprintf("%d.jpg", w) }

// SaveVariants resizes img to each width in Widths no wider than the
// original and stores them as JPEG. Encoding from decoded pixels drops all
// metadata, EXIF location included. It returns the widths stored.
func (d *Dir) SaveVariants(key string, img image.Image) ([]int, error) {
	b := img.Bounds()
	var stored []int
	for _, w := range Widths {
		if w > b.Dx() {
			// Never upscale: the original width is the widest variant.
			w = b.Dx()
			if len(stored) > 0 && stored[len(stored)-1] == w {
				break
			}
		}
		var variant image.Image = img
		if w != b.Dx() {
			dst := image.NewRGBA(image.Rect(0, 0, w, max(1, b.Dy()*w/b.Dx())))
			draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
			variant = dst
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, variant, &jpeg.Options{Quality: 78}); err != nil {
			return nil, fmt.Errorf("encode %s/%d: %w", key, w, err)
		}
		if err := d.Put(key, VariantName(w), buf.Bytes()); err != nil {
			return nil, err
		}
		stored = append(stored, w)
		if w == b.Dx() {
			break
		}
	}
	return stored, nil
}
