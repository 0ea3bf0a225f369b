// Package media stores images and makes the resized variants pages serve
// with srcset. Files live in a directory beside the database; the Dir type
// is the only implementation of the small storage interface callers use.
package media

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/gen2brain/webp"
	"golang.org/x/image/draw"
)

// Widths are the variants made for every lead image, narrowest first.
var Widths = []int{480, 960, 1600}

// Dir keeps media files under a root directory: <key>/<width>.jpg, the
// same widths as <key>/<width>.webp, and the centre crops
// <key>/c<w>x<h>-<width>.jpg (see CropName).
type Dir struct {
	root string
	webp Encoder
}

// NewDir returns a Dir rooted at root, creating it if needed. It makes
// WebP variants with WebP.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("media directory %s: %w", root, err)
	}
	return &Dir{root: root, webp: WebP}, nil
}

// SetWebPEncoder replaces the encoder of the WebP variants; nil makes none.
// Call it before the Dir is used.
func (d *Dir) SetWebPEncoder(e Encoder) { d.webp = e }

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,100}$`)

// ErrBadName is returned for keys or file names that could escape the root.
var ErrBadName = errors.New("bad media name")

func (d *Dir) path(key, name string) (string, error) {
	base, ext, _ := cutExt(name)
	if !nameRe.MatchString(key) || !nameRe.MatchString(base) || (ext != ".jpg" && ext != ".webp") {
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

// VariantName is the file name of the JPEG variant w pixels wide.
func VariantName(w int) string { return fmt.Sprintf("%d.jpg", w) }

// WebPName is the file name of the WebP variant w pixels wide.
func WebPName(w int) string { return fmt.Sprintf("%d.webp", w) }

// Encoder writes an image in one format.
type Encoder interface {
	Encode(w io.Writer, img image.Image) error
}

// WebPQuality is the quality of the lossy WebP variants: about the look of
// the JPEG variants (quality 78) in two thirds of the bytes or less.
const WebPQuality = 78

// webpMethod is libwebp's effort (0 fastest to 6 smallest): method 2
// makes files within a few per cent of method 4's in a third of the time.
const webpMethod = 2

// WebP encodes lossy WebP with libwebp, run as WebAssembly (no cgo). At
// most webpSlots images are encoded at once: an encode takes about 60 ms
// of one CPU for a 1200-pixel-wide photo, several times a JPEG's.
var WebP Encoder = webpEncoder{}

type webpEncoder struct{}

const webpSlots = 2

var webpSem = make(chan struct{}, webpSlots)

func (webpEncoder) Encode(w io.Writer, img image.Image) error {
	webpSem <- struct{}{}
	defer func() { <-webpSem }()
	// The runtime panics if its module cannot be compiled: an error here.
	return guard(func() error { return webp.Encode(w, img, webp.Options{Quality: WebPQuality, Method: webpMethod}) })
}

// Aspect is the shape of a centre crop, width:height.
type Aspect struct{ W, H int }

// Aspects are the crops made of every lead image, for structured data:
// 1:1, 4:3 and 16:9, the order of Google's Article guidance.
var Aspects = []Aspect{{1, 1}, {4, 3}, {16, 9}}

// CropMax is the width of a crop when the image is large enough.
const CropMax = 1200

// String is "1x1", "4x3", "16x9".
func (a Aspect) String() string { return fmt.Sprintf("%dx%d", a.W, a.H) }

// CropWidth is the width of the a crop of an image whose largest variant
// is w×h: CropMax, or less where the variant is not that large in that
// shape. Never less than 1.
func CropWidth(w, h int, a Aspect) int {
	return max(1, min(CropMax, w, h*a.W/a.H))
}

// CropName is the file name of the a crop of an image whose largest
// variant is w×h pixels, such as "c16x9-1200.jpg".
func CropName(w, h int, a Aspect) string {
	return fmt.Sprintf("c%s-%d.jpg", a, CropWidth(w, h, a))
}

// Saved is what SaveVariants stored.
type Saved struct {
	Widths        []int // the JPEG variants' widths, narrowest first
	Width, Height int   // the size of the widest variant
	WebP          bool  // a WebP variant beside every JPEG one
	Crops         bool  // the centre crops of Aspects
	// WebPErr is the encoder's error when WebP is false because the WebP
	// variants could not be made (nil when the Dir makes none): readers
	// get JPEG.
	WebPErr error
}

// SaveVariants resizes img to each width in Widths no wider than the
// original and stores them as JPEG and as WebP, then stores the centre
// crops. Encoding from decoded pixels drops all metadata, EXIF location
// included. A WebP encoder that fails leaves the JPEG files, and says why
// in Saved.WebPErr; only a JPEG or a file that cannot be written is an
// error.
func (d *Dir) SaveVariants(key string, img image.Image) (Saved, error) {
	b := img.Bounds()
	var saved Saved
	// Each WebP variant is encoded while the next width is made.
	webps := d.webpJobs(key)
	defer webps.wait() // on an error, too: no encoder outlives the call
	var widest image.Image
	for _, w := range Widths {
		if w > b.Dx() {
			// Never upscale: the original width is the widest variant.
			w = b.Dx()
			if len(saved.Widths) > 0 && saved.Widths[len(saved.Widths)-1] == w {
				break
			}
		}
		var variant image.Image = img
		if w != b.Dx() {
			dst := image.NewRGBA(image.Rect(0, 0, w, max(1, b.Dy()*w/b.Dx())))
			draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
			variant = dst
		}
		webps.start(w, variant)
		if err := d.putJPEG(key, VariantName(w), variant); err != nil {
			return Saved{}, err
		}
		saved.Widths = append(saved.Widths, w)
		widest = variant
		if w == b.Dx() {
			break
		}
	}
	if len(saved.Widths) == 0 {
		return saved, nil
	}
	saved.Width = saved.Widths[len(saved.Widths)-1]
	saved.Height = max(1, b.Dy()*saved.Width/b.Dx())
	// Cut from the widest variant: large enough for every crop, and much
	// cheaper to scale than a 40-megapixel original.
	if err := d.SaveCrops(key, saved.Width, saved.Height, widest); err != nil {
		return Saved{}, err
	}
	saved.Crops = true
	saved.WebP, saved.WebPErr = webps.wait()
	return saved, nil
}

// webpBatch encodes and stores one image's WebP variants in the
// background, each as soon as its pixels are ready.
type webpBatch struct {
	d   *Dir
	key string
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
}

func (d *Dir) webpJobs(key string) *webpBatch { return &webpBatch{d: d, key: key} }

func (j *webpBatch) start(w int, img image.Image) {
	if j.d.webp == nil {
		return
	}
	j.wg.Go(func() {
		var buf bytes.Buffer
		err := j.d.webp.Encode(&buf, img)
		if err == nil {
			err = j.d.Put(j.key, WebPName(w), buf.Bytes())
		}
		if err != nil {
			j.mu.Lock()
			j.err = cmp.Or(j.err, err)
			j.mu.Unlock()
		}
	})
}

// wait waits for every variant started: true when all were stored (and
// the Dir makes WebP at all), else the first error.
func (j *webpBatch) wait() (bool, error) {
	j.wg.Wait()
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.d.webp != nil && j.err == nil, j.err
}

// saveWebP stores the WebP variants of the given widths, several at once.
func (d *Dir) saveWebP(key string, widths []int, variants []image.Image) (bool, error) {
	webps := d.webpJobs(key)
	for i, w := range widths {
		webps.start(w, variants[i])
	}
	return webps.wait()
}

func (d *Dir) putJPEG(key, name string, img image.Image) error {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 78}); err != nil {
		return fmt.Errorf("encode %s/%s: %w", key, name, err)
	}
	return d.Put(key, name, buf.Bytes())
}

// SaveCrops stores the centre crops of img for an image whose widest
// variant is w×h pixels (img itself, or the original), each CropWidth
// wide, scaled from the largest region of img in its shape.
func (d *Dir) SaveCrops(key string, w, h int, img image.Image) error {
	b := img.Bounds()
	for _, a := range Aspects {
		// The largest centred region of img in the shape a.
		rw, rh := b.Dx(), b.Dx()*a.H/a.W
		if rh > b.Dy() {
			rw, rh = b.Dy()*a.W/a.H, b.Dy()
		}
		rw, rh = max(1, rw), max(1, rh)
		x0, y0 := b.Min.X+(b.Dx()-rw)/2, b.Min.Y+(b.Dy()-rh)/2
		src := image.Rect(x0, y0, x0+rw, y0+rh)
		cw := CropWidth(w, h, a)
		dst := image.NewRGBA(image.Rect(0, 0, cw, max(1, cw*a.H/a.W)))
		if dst.Bounds().Size() == src.Size() {
			// Cut from a variant no larger than the crop: no scaling.
			draw.Copy(dst, image.Point{}, img, src, draw.Src, nil)
		} else {
			draw.CatmullRom.Scale(dst, dst.Bounds(), img, src, draw.Src, nil)
		}
		if err := d.putJPEG(key, CropName(w, h, a), dst); err != nil {
			return err
		}
	}
	return nil
}

// Complete makes what an image stored before WebP variants and crops
// lacks, from its stored JPEG variants: the WebP variant of each width
// (from that width's JPEG) and the crops (from the widest). Saved says
// what exists afterwards; a WebP encoder that fails is Saved.WebPErr, as
// in SaveVariants.
func (d *Dir) Complete(key string, widths []int, w, h int, hasWebP, hasCrops bool) (Saved, error) {
	saved := Saved{Widths: widths, Width: w, Height: h, WebP: hasWebP, Crops: hasCrops}
	if len(widths) == 0 {
		return saved, nil
	}
	var widest image.Image
	if !hasCrops {
		img, err := d.decodeJPEG(key, VariantName(widths[len(widths)-1]))
		if err != nil {
			return saved, err
		}
		if err := d.SaveCrops(key, w, h, img); err != nil {
			return saved, err
		}
		saved.Crops, widest = true, img
	}
	if hasWebP || d.webp == nil {
		return saved, nil
	}
	var missing []int
	var variants []image.Image
	for i, vw := range widths {
		if d.Exists(key, WebPName(vw)) {
			continue
		}
		var img image.Image
		if i == len(widths)-1 && widest != nil {
			img = widest
		} else {
			var err error
			if img, err = d.decodeJPEG(key, VariantName(vw)); err != nil {
				return saved, err
			}
		}
		missing, variants = append(missing, vw), append(variants, img)
	}
	saved.WebP, saved.WebPErr = d.saveWebP(key, missing, variants)
	return saved, nil
}

func (d *Dir) decodeJPEG(key, name string) (image.Image, error) {
	f, err := d.Open(key, name)
	if err != nil {
		return nil, fmt.Errorf("media %s/%s: %w", key, name, err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("media %s/%s: %w", key, name, err)
	}
	return img, nil
}
