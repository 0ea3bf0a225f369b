package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"path"
	"strings"
	"unicode"

	"golang.org/x/image/webp"
)

// Limits for uploaded photos. Pixel limits are checked from the image
// header before anything is decoded, so a small file claiming a huge image
// (a decompression bomb) is refused without allocating it.
const (
	MaxUploadBytes = 20 << 20   // size of the uploaded file
	MaxPixels      = 40_000_000 // width × height
	MaxSide        = 12_000     // width or height
)

// Kinds of upload errors. The errors DecodeUpload and CheckUpload return
// wrap exactly one of these (test with errors.Is); their Error() is a
// sentence meant for the reporter who uploaded the file.
var (
	ErrTooLarge      = errors.New("upload too large")
	ErrNotImage      = errors.New("upload is not a JPEG, PNG or WebP image")
	ErrTooManyPixels = errors.New("upload has too many pixels")
	ErrCorrupt       = errors.New("upload is damaged or incomplete")
	ErrTypeMismatch  = errors.New("upload file name does not match its type")
)

type uploadError struct {
	kind error
	msg  string
}

func (e *uploadError) Error() string { return e.msg }
func (e *uploadError) Unwrap() error { return e.kind }

func uploadErr(kind error, format string, args ...any) error {
	return &uploadError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// imageType is an accepted format, as sniffed from the first bytes.
type imageType int

const (
	typeUnknown imageType = iota
	typeJPEG
	typePNG
	typeWebP
)

func (t imageType) String() string {
	switch t {
	case typeJPEG:
		return "JPEG"
	case typePNG:
		return "PNG"
	case typeWebP:
		return "WebP"
	}
	return "unknown"
}

// ext is the usual file name extension of t.
func (t imageType) ext() string {
	switch t {
	case typeJPEG:
		return ".jpg"
	case typePNG:
		return ".png"
	case typeWebP:
		return ".webp"
	}
	return ""
}

// sniff reports the type of data by its magic bytes alone.
func sniff(data []byte) imageType {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return typeJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return typePNG
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return typeWebP
	}
	return typeUnknown
}

// isHEIF reports whether data looks like a HEIF/HEIC (or AVIF) file, the
// format iPhones save photos in: an ISO BMFF "ftyp" box with a HEIF brand.
func isHEIF(data []byte) bool {
	if len(data) < 12 || string(data[4:8]) != "ftyp" {
		return false
	}
	switch string(data[8:12]) {
	case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis":
		return true
	}
	return false
}

func checkSize(data []byte) error {
	if len(data) <= MaxUploadBytes {
		return nil
	}
	// Round up so that a file just over the limit does not read "20.0 MB".
	mb := math.Ceil(float64(len(data))/(1<<20)*10) / 10
	return uploadErr(ErrTooLarge, "the file is %.1f MB; photos may be at most %d MB", mb, MaxUploadBytes>>20)
}

func notImage(data []byte) error {
	if isHEIF(data) {
		return uploadErr(ErrNotImage, "this file is a HEIC photo, not a JPEG, PNG or WebP image: export it as JPEG and upload that")
	}
	return uploadErr(ErrNotImage, "this file is not a JPEG, PNG or WebP image (HEIC photos from phones must be exported as JPEG first)")
}

// checkDimensions applies MaxSide and MaxPixels to a header's dimensions.
func checkDimensions(w, h int) error {
	if w <= 0 || h <= 0 {
		return uploadErr(ErrCorrupt, "the image could not be read: its header gives a size of %d×%d pixels", w, h)
	}
	if int64(w)*int64(h) > MaxPixels {
		return uploadErr(ErrTooManyPixels, "the image is %d×%d pixels; at most %d megapixels (for example 8000×5000)", w, h, MaxPixels/1_000_000)
	}
	if w > MaxSide || h > MaxSide {
		return uploadErr(ErrTooManyPixels, "the image is %d×%d pixels; at most %d pixels on a side", w, h, MaxSide)
	}
	return nil
}

// DecodeUpload checks and decodes a photo uploaded by a reporter. The type
// is decided by the content, never by a file name: JPEG, PNG and WebP are
// accepted. The size and pixel limits are enforced before decoding, and a
// JPEG's EXIF orientation is applied, so the image is upright once
// SaveVariants has re-encoded it without metadata. Errors wrap one of
// ErrTooLarge, ErrNotImage, ErrTooManyPixels or ErrCorrupt.
func DecodeUpload(data []byte) (image.Image, error) {
	if err := checkSize(data); err != nil {
		return nil, err
	}
	t := sniff(data)
	if t == typeUnknown {
		return nil, notImage(data)
	}
	var decodeConfig func([]byte) (image.Config, error)
	var decode func([]byte) (image.Image, error)
	switch t {
	case typeJPEG:
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case typePNG:
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case typeWebP:
		decodeConfig = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	}

	var cfg image.Config
	if err := guard(func() (err error) { cfg, err = decodeConfig(data); return err }); err != nil {
		return nil, corrupt(t)
	}
	if err := checkDimensions(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	var img image.Image
	if err := guard(func() (err error) { img, err = decode(data); return err }); err != nil {
		return nil, corrupt(t)
	}
	// The header was checked, but make sure the decoder agrees with it.
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, corrupt(t)
	}
	if t == typeJPEG {
		img = orient(img, exifOrientation(data))
	}
	return img, nil
}

// CheckUpload is DecodeUpload for a file uploaded under name: it also
// refuses a file whose extension (.jpg, .jpeg, .png or .webp) does not
// match its content, with ErrTypeMismatch. Other extensions, or none, are
// left to the content alone.
func CheckUpload(name string, data []byte) (image.Image, error) {
	if err := checkSize(data); err != nil {
		return nil, err
	}
	t := sniff(data)
	if t == typeUnknown {
		return nil, notImage(data)
	}
	base := displayName(name)
	var want imageType
	switch strings.ToLower(path.Ext(base)) {
	case ".jpg", ".jpeg":
		want = typeJPEG
	case ".png":
		want = typePNG
	case ".webp":
		want = typeWebP
	}
	if want != typeUnknown && want != t {
		return nil, uploadErr(ErrTypeMismatch, "%s is really a %s file: rename it to %s or export it as %s", base, t, t.ext(), want)
	}
	return DecodeUpload(data)
}

// displayName is the last element of a client-supplied file name (browsers
// on Windows may send a full path), made safe to show in a message.
func displayName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if r := []rune(name); len(r) > 80 {
		name = string(r[:40]) + "…" + string(r[len(r)-39:])
	}
	if name == "" {
		name = "the file"
	}
	return name
}

// guard runs a decoder, turning a panic into an error.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panic: %v", r)
		}
	}()
	return f()
}

func corrupt(t imageType) error {
	return &uploadError{
		kind: ErrCorrupt,
		msg:  fmt.Sprintf("the %s image could not be read: it may be damaged, incomplete or in an unsupported variant of the format", t),
	}
}

// exifOrientation returns the EXIF Orientation (1–8) of a JPEG, or 1 when
// there is none or the EXIF data is malformed. It reads the first APP1
// "Exif\0\0" segment before the image data: TIFF header, IFD0, tag 0x0112.
func exifOrientation(data []byte) int {
	if len(data) < 2 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	for i := 2; ; {
		// Markers may be preceded by any number of 0xFF fill bytes.
		if i >= len(data) || data[i] != 0xFF {
			return 1
		}
		for i < len(data) && data[i] == 0xFF {
			i++
		}
		if i >= len(data) {
			return 1
		}
		marker := data[i]
		i++
		switch {
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			continue // no length
		case marker == 0xDA || marker == 0xD9:
			return 1 // image data or end: no EXIF before it
		}
		if i+2 > len(data) {
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return 1
		}
		seg := data[i+2 : i+n]
		i += n
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
	}
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF structure.
func tiffOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(tiff[2:]) != 42 {
		return 1
	}
	off := uint64(bo.Uint32(tiff[4:]))
	if off < 8 || off+2 > uint64(len(tiff)) {
		return 1
	}
	count := uint64(bo.Uint16(tiff[off:]))
	if off+2+12*count > uint64(len(tiff)) {
		return 1 // the IFD does not fit: malformed
	}
	for k := uint64(0); k < count; k++ {
		e := off + 2 + 12*k
		if bo.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		typ, n := bo.Uint16(tiff[e+2:]), bo.Uint32(tiff[e+4:])
		var v uint32
		switch {
		case typ == 3 && n == 1: // SHORT, stored in the first 2 bytes of the value
			v = uint32(bo.Uint16(tiff[e+8:]))
		case typ == 4 && n == 1: // LONG, seen from a few writers
			v = bo.Uint32(tiff[e+8:])
		default:
			return 1
		}
		if v < 1 || v > 8 {
			return 1
		}
		return int(v)
	}
	return 1
}

// orient returns img transformed so that it displays upright given its EXIF
// orientation o: 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90°
// clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	// src maps a destination pixel to the source pixel shown there.
	var src func(dx, dy int) (int, int)
	switch o {
	case 2:
		src = func(dx, dy int) (int, int) { return w - 1 - dx, dy }
	case 3:
		src = func(dx, dy int) (int, int) { return w - 1 - dx, h - 1 - dy }
	case 4:
		src = func(dx, dy int) (int, int) { return dx, h - 1 - dy }
	case 5:
		src = func(dx, dy int) (int, int) { return dy, dx }
	case 6:
		src = func(dx, dy int) (int, int) { return dy, h - 1 - dx }
	case 7:
		src = func(dx, dy int) (int, int) { return w - 1 - dy, h - 1 - dx }
	case 8:
		src = func(dx, dy int) (int, int) { return w - 1 - dy, dx }
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	if yc, ok := img.(*image.YCbCr); ok {
		// The usual case for JPEG: convert while rotating, no extra copy.
		for dy := 0; dy < dh; dy++ {
			row := dst.Pix[dy*dst.Stride:]
			for dx := 0; dx < dw; dx++ {
				sx, sy := src(dx, dy)
				c := yc.YCbCrAt(b.Min.X+sx, b.Min.Y+sy)
				r, g, bl := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
				p := row[4*dx : 4*dx+4 : 4*dx+4]
				p[0], p[1], p[2], p[3] = r, g, bl, 0xFF
			}
		}
		return dst
	}
	// Gray, CMYK and anything else: convert to RGBA, then move pixels.
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
		b = rgba.Bounds()
	}
	for dy := 0; dy < dh; dy++ {
		row := dst.Pix[dy*dst.Stride:]
		for dx := 0; dx < dw; dx++ {
			sx, sy := src(dx, dy)
			s := rgba.PixOffset(b.Min.X+sx, b.Min.Y+sy)
			copy(row[4*dx:4*dx+4], rgba.Pix[s:s+4])
		}
	}
	return dst
}
