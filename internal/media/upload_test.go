package media

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/webp"
)

// Tiny valid WebP files (1×1): Go's standard library has no WebP encoder.
var (
	webpLossless = mustBase64("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	webpLossy    = mustBase64("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA")
	webpAlpha    = mustBase64("UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA==")
)

func mustBase64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// quadImage is w×h with a red top-left, green top-right, blue bottom-left
// and white bottom-right quarter, so that every orientation looks different.
func quadImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = green
			case x < w/2 && y >= h/2:
				c = blue
			case x >= w/2 && y >= h/2:
				c = white
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// colorName names the nearest of the four quadImage colors.
func colorName(c color.Color) string {
	r, g, b, _ := c.RGBA()
	r, g, b = r>>8, g>>8, b>>8
	switch {
	case r > 200 && g > 200 && b > 200:
		return "white"
	case r > 200 && g < 60 && b < 60:
		return "red"
	case g > 200 && r < 60 && b < 60:
		return "green"
	case b > 200 && r < 60 && g < 60:
		return "blue"
	}
	return "other"
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatalf("jpeg.Encode: %v", err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatalf("png.Encode: %v", err)
	}
	return buf.Bytes()
}

// A minimal TIFF writer for EXIF test data.

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte // in the TIFF's byte order; more than 4 bytes go after the IFD
}

func ifdSize(es []ifdEntry) int {
	n := 2 + 12*len(es) + 4
	for _, e := range es {
		if len(e.value) > 4 {
			n += len(e.value) + len(e.value)%2
		}
	}
	return n
}

// appendIFD appends an IFD that starts at offset off of the TIFF b.
func appendIFD(b []byte, bo byteOrder, es []ifdEntry, off int) []byte {
	data := off + 2 + 12*len(es) + 4
	var extra []byte
	b = bo.AppendUint16(b, uint16(len(es)))
	for _, e := range es {
		b = bo.AppendUint16(b, e.tag)
		b = bo.AppendUint16(b, e.typ)
		b = bo.AppendUint32(b, e.count)
		if len(e.value) <= 4 {
			v := make([]byte, 4)
			copy(v, e.value)
			b = append(b, v...)
			continue
		}
		b = bo.AppendUint32(b, uint32(data+len(extra)))
		extra = append(extra, e.value...)
		if len(extra)%2 == 1 {
			extra = append(extra, 0)
		}
	}
	b = bo.AppendUint32(b, 0) // no next IFD
	return append(b, extra...)
}

// buildTIFF makes a TIFF with IFD0 and, if gps is not empty, a GPS IFD
// linked from IFD0 by tag 0x8825.
func buildTIFF(bo byteOrder, ifd0, gps []ifdEntry) []byte {
	b := []byte("II")
	if bo == binary.BigEndian {
		b = []byte("MM")
	}
	b = bo.AppendUint16(b, 42)
	b = bo.AppendUint32(b, 8)
	if len(gps) > 0 {
		ifd0 = append(ifd0, ifdEntry{0x8825, 4, 1, nil}) // size only
		gpsOff := 8 + ifdSize(ifd0)
		ifd0[len(ifd0)-1].value = bo.AppendUint32(nil, uint32(gpsOff))
		b = appendIFD(b, bo, ifd0, 8)
		return appendIFD(b, bo, gps, gpsOff)
	}
	return appendIFD(b, bo, ifd0, 8)
}

func rationals(bo byteOrder, v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = bo.AppendUint32(b, x)
	}
	return b
}

func orientationEntry(bo byteOrder, o uint16) ifdEntry {
	return ifdEntry{0x0112, 3, 1, bo.AppendUint16(nil, o)}
}

// GPS test data: 55°45'21.00"N 37°37'4.00"E, datum WGS-84.
var (
	gpsLatitude  = rationals(binary.LittleEndian, 55, 1, 45, 1, 2100, 100)
	gpsLongitude = rationals(binary.LittleEndian, 37, 1, 37, 1, 400, 100)
)

func gpsIFD() []ifdEntry {
	return []ifdEntry{
		{0x0000, 1, 4, []byte{2, 3, 0, 0}},   // GPSVersionID
		{0x0001, 2, 2, []byte("N\x00")},      // GPSLatitudeRef
		{0x0002, 5, 3, gpsLatitude},          // GPSLatitude
		{0x0003, 2, 2, []byte("E\x00")},      // GPSLongitudeRef
		{0x0004, 5, 3, gpsLongitude},         // GPSLongitude
		{0x0012, 2, 7, []byte("WGS-84\x00")}, // GPSMapDatum
	}
}

// app1 wraps a TIFF as an APP1 "Exif" segment, marker included.
func app1(tiff []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(2+len(payload)))
	return append(seg, payload...)
}

// withSegment inserts a segment right after a JPEG's SOI marker.
func withSegment(jpg, seg []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// jpegSegments lists the markers of a JPEG up to its image data, with the
// payload of each segment.
func jpegSegments(t *testing.T, data []byte) (markers []byte, payloads [][]byte) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
		t.Fatalf("not a JPEG: % x", data[:min(4, len(data))])
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			t.Fatalf("no marker at %d", i)
		}
		m := data[i+1]
		markers = append(markers, m)
		if m == 0xDA {
			return markers, payloads
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		payloads = append(payloads, data[i+4:i+2+n])
		i += 2 + n
	}
	t.Fatal("no image data in JPEG")
	return nil, nil
}

// patchSOF rewrites the dimensions in a baseline JPEG's SOF0 header.
func patchSOF(t *testing.T, jpg []byte, w, h int) []byte {
	t.Helper()
	out := append([]byte{}, jpg...)
	for i := 2; i+9 <= len(out); {
		n := int(binary.BigEndian.Uint16(out[i+2:]))
		if out[i+1] == 0xC0 {
			binary.BigEndian.PutUint16(out[i+5:], uint16(h))
			binary.BigEndian.PutUint16(out[i+7:], uint16(w))
			return out
		}
		i += 2 + n
	}
	t.Fatal("no SOF0 in JPEG")
	return nil
}

// craftPNG makes a PNG whose header claims w×h RGBA pixels, followed by a
// tiny IDAT that holds almost none of them.
func craftPNG(w, h int) []byte {
	chunk := func(b []byte, typ string, data []byte) []byte {
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		td := append([]byte(typ), data...)
		b = append(b, td...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(td))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA, deflate, no filter, no interlace
	b := []byte("\x89PNG\r\n\x1a\n")
	b = chunk(b, "IHDR", ihdr)
	b = chunk(b, "IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01}) // zlib of one zero byte
	return chunk(b, "IEND", nil)
}

// checkErr asserts that err wraps want (nil for success) and, if msg is not
// empty, that its text is exactly msg.
func checkErr(t *testing.T, err, want error, msg string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("got error %q, want none", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
	for _, other := range []error{ErrTooLarge, ErrNotImage, ErrTooManyPixels, ErrCorrupt, ErrTypeMismatch} {
		if other != want && errors.Is(err, other) {
			t.Errorf("error %q also matches %v", err, other)
		}
	}
	if msg != "" && err.Error() != msg {
		t.Errorf("got message %q, want %q", err.Error(), msg)
	}
}

func TestDecodeUploadDropsGPSExif(t *testing.T) {
	le := binary.LittleEndian
	tiff := buildTIFF(le, []ifdEntry{orientationEntry(le, 6)}, gpsIFD())
	in := withSegment(encodeJPEG(t, quadImage(1200, 800)), app1(tiff))

	// The upload really carries EXIF with a location.
	markers, payloads := jpegSegments(t, in)
	if markers[0] != 0xE1 || !bytes.HasPrefix(payloads[0], []byte("Exif\x00\x00")) {
		t.Fatalf("got first segment %#x % q, want APP1 Exif", markers[0], payloads[0][:min(6, len(payloads[0]))])
	}
	for _, b := range [][]byte{[]byte("Exif\x00\x00"), {0x25, 0x88, 4, 0}, gpsLatitude, gpsLongitude, []byte("WGS-84")} {
		if !bytes.Contains(in, b) {
			t.Fatalf("input lacks % x", b)
		}
	}
	if got := exifOrientation(in); got != 6 {
		t.Fatalf("exifOrientation: got %d, want 6", got)
	}

	img, err := DecodeUpload(in)
	if err != nil {
		t.Fatalf("DecodeUpload: %v", err)
	}
	if got, want := img.Bounds().Size(), image.Pt(800, 1200); got != want {
		t.Fatalf("decoded size: got %v, want %v (orientation 6 applied)", got, want)
	}

	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	saved, err := d.SaveVariants("gps-photo", img)
	if err != nil {
		t.Fatalf("SaveVariants: %v", err)
	}
	widths := saved.Widths
	if got, want := widths, []int{480, 800}; !equalInts(got, want) {
		t.Fatalf("widths: got %v, want %v", got, want)
	}
	entries, err := os.ReadDir(filepath.Join(d.root, "gps-photo"))
	if err != nil {
		t.Fatal(err)
	}
	// A JPEG and a WebP per width, and the three crops.
	if want := 2*len(widths) + len(Aspects); len(entries) != want {
		t.Errorf("got %d stored files, want %d", len(entries), want)
	}
	for _, e := range entries {
		out, err := os.ReadFile(filepath.Join(d.root, "gps-photo", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{[]byte("Exif"), gpsLatitude, gpsLongitude, []byte("WGS-84")} {
			if bytes.Contains(out, b) {
				t.Errorf("%s: contains % x", e.Name(), b)
			}
		}
		if strings.HasSuffix(e.Name(), ".webp") {
			if _, err := webp.Decode(bytes.NewReader(out)); err != nil {
				t.Errorf("%s: %v", e.Name(), err)
			}
			continue
		}
		markers, _ := jpegSegments(t, out)
		if bytes.IndexByte(markers, 0xE1) >= 0 {
			t.Errorf("%s: has an APP1 segment (markers % x)", e.Name(), markers)
		}
		m, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if strings.HasPrefix(e.Name(), "c") {
			continue // a crop: TestCrops checks its shape
		}
		w := m.Bounds().Dx()
		if e.Name() != VariantName(w) {
			t.Errorf("%s: got width %d", e.Name(), w)
		}
		if got, want := m.Bounds().Dy(), w*1200/800; got != want {
			t.Errorf("%s: got height %d, want %d", e.Name(), got, want)
		}
		// Upright: the original top-left (red) is now top-right.
		if got := colorName(m.At(w*3/4, w/4)); got != "red" {
			t.Errorf("%s: top right is %s, want red", e.Name(), got)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecodeUploadOrientation(t *testing.T) {
	plain := encodeJPEG(t, quadImage(64, 32))
	tests := []struct {
		o                 uint16
		w, h              int
		topLeft, topRight string
	}{
		{1, 64, 32, "red", "green"},
		{2, 64, 32, "green", "red"},
		{3, 64, 32, "white", "blue"},
		{4, 64, 32, "blue", "white"},
		{5, 32, 64, "red", "blue"},
		{6, 32, 64, "blue", "red"},
		{7, 32, 64, "white", "green"},
		{8, 32, 64, "green", "white"},
	}
	for _, bo := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, tt := range tests {
			in := withSegment(plain, app1(buildTIFF(bo, []ifdEntry{orientationEntry(bo, tt.o)}, nil)))
			img, err := DecodeUpload(in)
			if err != nil {
				t.Fatalf("%v orientation %d: %v", bo, tt.o, err)
			}
			b := img.Bounds()
			if b.Dx() != tt.w || b.Dy() != tt.h {
				t.Errorf("%v orientation %d: got %dx%d, want %dx%d", bo, tt.o, b.Dx(), b.Dy(), tt.w, tt.h)
				continue
			}
			tl := colorName(img.At(b.Min.X+tt.w/4, b.Min.Y+tt.h/4))
			tr := colorName(img.At(b.Min.X+tt.w*3/4, b.Min.Y+tt.h/4))
			if tl != tt.topLeft || tr != tt.topRight {
				t.Errorf("%v orientation %d: got top %s, %s; want %s, %s", bo, tt.o, tl, tr, tt.topLeft, tt.topRight)
			}
		}
	}
}

func TestOrientNonYCbCr(t *testing.T) {
	// Gray JPEGs and other models go through the RGBA path.
	src := image.NewGray(image.Rect(10, 20, 13, 22)) // 3×2, not at the origin
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 10) // 0 10 20 / 30 40 50
	}
	got := orient(src, 6).(*image.RGBA)
	if got.Bounds() != image.Rect(0, 0, 2, 3) {
		t.Fatalf("got bounds %v, want 2x3", got.Bounds())
	}
	// Rotated clockwise: rows read 30 0 / 40 10 / 50 20.
	want := []uint8{30, 0, 40, 10, 50, 20}
	for i, w := range want {
		if g := got.Pix[4*i]; g != w {
			t.Errorf("pixel %d: got %d, want %d", i, g, w)
		}
	}
}

func TestExifOrientationMalformed(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	good := buildTIFF(le, []ifdEntry{orientationEntry(le, 8)}, nil)
	soi := []byte{0xFF, 0xD8}
	jpg := func(segs ...[]byte) []byte {
		b := append([]byte{}, soi...)
		for _, s := range segs {
			b = append(b, s...)
		}
		return append(b, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9)
	}
	patched := func(off int, v ...byte) []byte {
		b := append([]byte{}, good...)
		copy(b[off:], v)
		return b
	}
	truncatedSeg := app1(good)
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"good", jpg(app1(good)), 8},
		{"big endian", jpg(app1(buildTIFF(be, []ifdEntry{orientationEntry(be, 3)}, nil))), 3},
		{"after other segments and fill bytes", jpg([]byte{0xFF, 0xE0, 0, 4, 1, 2}, []byte{0xFF, 0xFF}, app1(good)), 8},
		{"LONG value", jpg(app1(buildTIFF(le, []ifdEntry{{0x0112, 4, 1, le.AppendUint32(nil, 6)}}, nil))), 6},
		{"none", jpg(), 1},
		{"not a JPEG", append([]byte("\x89PNG"), app1(good)...), 1},
		{"after image data", append(jpg(), app1(good)...), 1},
		{"APP1 not Exif", jpg(append([]byte{0xFF, 0xE1, 0, 8}, "http:\x00"...)), 1},
		{"segment longer than file", append(soi, truncatedSeg[:len(truncatedSeg)-3]...), 1},
		{"segment length 0", jpg([]byte{0xFF, 0xE1, 0, 0}), 1},
		{"empty TIFF", jpg(app1(nil)), 1},
		{"short TIFF", jpg(app1(good[:7])), 1},
		{"bad byte order", jpg(app1(patched(0, 'I', 'M'))), 1},
		{"bad magic", jpg(app1(patched(2, 43))), 1},
		{"IFD offset past end", jpg(app1(patched(4, 0xFF, 0xFF, 0xFF, 0xFF))), 1},
		{"IFD offset inside header", jpg(app1(patched(4, 2, 0, 0, 0))), 1},
		{"entry count past end", jpg(app1(patched(8, 0xFF, 0xFF))), 1},
		{"entries cut short", jpg(app1(good[:8+2+6])), 1},
		{"orientation 0", jpg(app1(buildTIFF(le, []ifdEntry{orientationEntry(le, 0)}, nil))), 1},
		{"orientation 9", jpg(app1(buildTIFF(le, []ifdEntry{orientationEntry(le, 9)}, nil))), 1},
		{"orientation as ASCII", jpg(app1(buildTIFF(le, []ifdEntry{{0x0112, 2, 2, []byte("6\x00")}}, nil))), 1},
		{"orientation count 2", jpg(app1(buildTIFF(le, []ifdEntry{{0x0112, 3, 2, []byte{6, 0, 6, 0}}}, nil))), 1},
		{"only SOI", soi, 1},
		{"only fill", []byte{0xFF, 0xD8, 0xFF, 0xFF}, 1},
	}
	for _, tt := range tests {
		if got := exifOrientation(tt.data); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}

	// A real JPEG with broken EXIF still decodes, unrotated.
	in := withSegment(encodeJPEG(t, quadImage(64, 32)), app1(patched(8, 0xFF, 0xFF)))
	img, err := DecodeUpload(in)
	if err != nil {
		t.Fatalf("DecodeUpload with malformed EXIF: %v", err)
	}
	if got, want := img.Bounds().Size(), image.Pt(64, 32); got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCheckUpload(t *testing.T) {
	pngData := encodePNG(t, quadImage(40, 30))
	jpgData := encodeJPEG(t, quadImage(40, 30))
	gif := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`)
	heic := append([]byte{0, 0, 0, 0x18}, "ftypheic\x00\x00\x00\x00mif1heic"...)
	const notImageMsg = "this file is not a JPEG, PNG or WebP image (HEIC photos from phones must be exported as JPEG first)"
	tests := []struct {
		name    string
		data    []byte
		want    error
		msg     string
		size    image.Point
		comment string
	}{
		{name: "photo.jpg", data: pngData, want: ErrTypeMismatch, msg: "photo.jpg is really a PNG file: rename it to .png or export it as JPEG"},
		{name: "photo.png", data: pngData, size: image.Pt(40, 30)},
		{name: "PHOTO.PNG", data: pngData, size: image.Pt(40, 30)},
		{name: "photo", data: pngData, size: image.Pt(40, 30)},
		{name: "photo.jfif", data: jpgData, size: image.Pt(40, 30)},
		{name: "photo.jpg", data: jpgData, size: image.Pt(40, 30)},
		{name: "Photo.JPEG", data: jpgData, size: image.Pt(40, 30)},
		{name: "photo.png", data: jpgData, want: ErrTypeMismatch, msg: "photo.png is really a JPEG file: rename it to .jpg or export it as PNG"},
		{name: "photo.webp", data: webpLossy, size: image.Pt(1, 1)},
		{name: "photo.jpeg", data: webpLossless, want: ErrTypeMismatch, msg: "photo.jpeg is really a WebP file: rename it to .webp or export it as JPEG"},
		{name: `C:\Users\ana\Desktop\photo.jpg`, data: pngData, want: ErrTypeMismatch, msg: "photo.jpg is really a PNG file: rename it to .png or export it as JPEG"},
		{name: "../../etc/x\x00\n.jpg", data: pngData, want: ErrTypeMismatch, msg: "x.jpg is really a PNG file: rename it to .png or export it as JPEG"},
		{name: "photo.png", data: []byte("hello, this is not an image\n"), want: ErrNotImage, msg: notImageMsg},
		{name: "photo.jpg", data: nil, want: ErrNotImage, msg: notImageMsg},
		{name: "anim.gif", data: gif, want: ErrNotImage, msg: notImageMsg},
		{name: "photo.jpg", data: gif, want: ErrNotImage, msg: notImageMsg},
		{name: "logo.svg", data: svg, want: ErrNotImage, msg: notImageMsg},
		{name: "IMG_0001.HEIC", data: heic, want: ErrNotImage, msg: "this file is a HEIC photo, not a JPEG, PNG or WebP image: export it as JPEG and upload that"},
		{name: "IMG_0001.jpg", data: heic, want: ErrNotImage, msg: "this file is a HEIC photo, not a JPEG, PNG or WebP image: export it as JPEG and upload that"},
		{name: "photo.jpg", data: jpgData[:len(jpgData)/2], want: ErrCorrupt},
		{name: "photo.png", data: craftPNG(20000, 20000), want: ErrTooManyPixels},
	}
	for _, tt := range tests {
		img, err := CheckUpload(tt.name, tt.data)
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, err, tt.want, tt.msg)
			if tt.want == nil && img.Bounds().Size() != tt.size {
				t.Errorf("got size %v, want %v", img.Bounds().Size(), tt.size)
			}
			if tt.want != nil && img != nil {
				t.Errorf("got an image with error %v", err)
			}
		})
	}
}

func TestDecodeUploadFormats(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		size image.Point
	}{
		{"JPEG", encodeJPEG(t, quadImage(40, 30)), image.Pt(40, 30)},
		{"PNG", encodePNG(t, quadImage(40, 30)), image.Pt(40, 30)},
		{"gray PNG", encodePNG(t, image.NewGray16(image.Rect(0, 0, 5, 7))), image.Pt(5, 7)},
		{"lossless WebP", webpLossless, image.Pt(1, 1)},
		{"lossy WebP", webpLossy, image.Pt(1, 1)},
		{"WebP with alpha", webpAlpha, image.Pt(1, 1)},
	}
	for _, tt := range tests {
		img, err := DecodeUpload(tt.data)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := img.Bounds().Size(); got != tt.size {
			t.Errorf("%s: got size %v, want %v", tt.name, got, tt.size)
		}
	}
	// The lossy 1×1 WebP is mid gray: make sure pixels were really decoded.
	img, _ := DecodeUpload(webpLossy)
	if r, g, b, _ := img.At(0, 0).RGBA(); r>>8 < 100 || r>>8 > 160 || r != g || g != b {
		t.Errorf("lossy WebP pixel: got %v, want mid gray", img.At(0, 0))
	}
}

func TestDecodeUploadTooManyPixels(t *testing.T) {
	jpg := encodeJPEG(t, quadImage(16, 16))
	const bomb = "the image is 20000×20000 pixels; at most 40 megapixels (for example 8000×5000)"
	tests := []struct {
		name string
		data []byte
		msg  string
	}{
		{"PNG 20000×20000", craftPNG(20000, 20000), bomb},
		{"JPEG 20000×20000", patchSOF(t, jpg, 20000, 20000), bomb},
		{"PNG 65535×65535", craftPNG(65535, 65535), "the image is 65535×65535 pixels; at most 40 megapixels (for example 8000×5000)"},
		{"PNG 1<<30 wide", craftPNG(1<<30, 1), "the image is 1073741824×1 pixels; at most 40 megapixels (for example 8000×5000)"},
		{"PNG 13000×100", craftPNG(13000, 100), "the image is 13000×100 pixels; at most 12000 pixels on a side"},
		{"JPEG 100×12001", patchSOF(t, jpg, 100, 12001), "the image is 100×12001 pixels; at most 12000 pixels on a side"},
	}
	for _, tt := range tests {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		img, err := DecodeUpload(tt.data)
		runtime.ReadMemStats(&after)
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, err, ErrTooManyPixels, tt.msg)
			if img != nil {
				t.Error("got an image")
			}
			// A decoded 20000×20000 RGBA image would take 1.6 GB.
			if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
				t.Errorf("allocated %d bytes, want far less than 400 MB (under 4 MB)", got)
			}
		})
	}
}

func TestCheckDimensions(t *testing.T) {
	tests := []struct {
		w, h int
		want error
	}{
		{1, 1, nil},
		{8000, 5000, nil},
		{12000, 3333, nil},
		{3333, 12000, nil},
		{8001, 5000, ErrTooManyPixels},
		{6325, 6325, ErrTooManyPixels},
		{12001, 1, ErrTooManyPixels},
		{1, 12001, ErrTooManyPixels},
		{1 << 31, 1 << 31, ErrTooManyPixels},
		{0, 10, ErrCorrupt},
		{10, -1, ErrCorrupt},
	}
	for _, tt := range tests {
		err := checkDimensions(tt.w, tt.h)
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%d×%d: got %v, want %v", tt.w, tt.h, err, tt.want)
		}
	}
}

func TestDecodeUploadTooLarge(t *testing.T) {
	big := make([]byte, 30<<20)
	copy(big, encodeJPEG(t, quadImage(16, 16)))
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"30 MB", big, ErrTooLarge, "the file is 30.0 MB; photos may be at most 20 MB"},
		{"one byte over", big[:MaxUploadBytes+1], ErrTooLarge, "the file is 20.1 MB; photos may be at most 20 MB"},
		{"25.25 MB", big[:25<<20+1<<18], ErrTooLarge, "the file is 25.3 MB; photos may be at most 20 MB"},
		// At the limit the size is fine: the JPEG is followed by zeros,
		// which Go's decoder ignores after the end marker.
		{"exactly 20 MB", big[:MaxUploadBytes], nil, ""},
	}
	for _, tt := range tests {
		_, err := DecodeUpload(tt.data)
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, err, tt.want, tt.msg)
			if tt.want != nil && !strings.Contains(err.Error(), "20 MB") {
				t.Errorf("got %q, want it to mention 20 MB", err)
			}
		})
		// The size is checked before the name or the content (a JPEG
		// named .png is refused for its size when it is too large).
		name := "photo.png"
		if tt.want == nil {
			name = "photo.jpg"
		}
		_, err = CheckUpload(name, tt.data)
		t.Run(tt.name+" CheckUpload", func(t *testing.T) { checkErr(t, err, tt.want, tt.msg) })
	}
}

func TestDecodeUploadCorrupt(t *testing.T) {
	jpg := encodeJPEG(t, quadImage(64, 32))
	pngData := encodePNG(t, quadImage(64, 32))
	garbled := append([]byte{}, jpg...)
	for i := len(garbled) / 2; i < len(garbled)-2; i++ {
		garbled[i] = 0xFF
	}
	const jpegMsg = "the JPEG image could not be read: it may be damaged, incomplete or in an unsupported variant of the format"
	tests := []struct {
		name string
		data []byte
		msg  string
	}{
		{"JPEG magic only", jpg[:3], jpegMsg},
		{"JPEG header only", jpg[:40], jpegMsg},
		{"JPEG cut in half", jpg[:len(jpg)/2], jpegMsg},
		{"JPEG without its last bytes", jpg[:len(jpg)-8], jpegMsg},
		{"JPEG garbled", garbled, jpegMsg},
		{"JPEG 0×0", patchSOF(t, jpg, 0, 0), ""},
		{"PNG magic only", pngData[:8], ""},
		{"PNG cut in half", pngData[:len(pngData)/2], ""},
		{"PNG data missing", craftPNG(40, 30), ""},
		{"PNG bad CRC", append(append([]byte{}, pngData[:20]...), append([]byte{pngData[20] ^ 1}, pngData[21:]...)...), ""},
		{"WebP header only", []byte("RIFF\x00\x00\x00\x00WEBP"), "the WebP image could not be read: it may be damaged, incomplete or in an unsupported variant of the format"},
		{"WebP cut short", webpLossy[:len(webpLossy)-6], ""},
	}
	for _, tt := range tests {
		img, err := DecodeUpload(tt.data)
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, err, ErrCorrupt, tt.msg)
			if img != nil {
				t.Error("got an image")
			}
		})
	}
}

func TestGuardRecovers(t *testing.T) {
	err := guard(func() error { panic("index out of range") })
	if err == nil || !strings.Contains(err.Error(), "index out of range") {
		t.Errorf("got %v, want the panic as an error", err)
	}
}

func FuzzDecodeUpload(f *testing.F) {
	le := binary.LittleEndian
	jpg := encodeJPEG(f, quadImage(16, 8))
	f.Add(jpg)
	f.Add(withSegment(jpg, app1(buildTIFF(le, []ifdEntry{orientationEntry(le, 6)}, gpsIFD()))))
	f.Add(encodePNG(f, quadImage(16, 8)))
	f.Add(craftPNG(20000, 20000))
	f.Add(webpLossless)
	f.Add(webpLossy)
	f.Add(webpAlpha)
	f.Add([]byte("not an image"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeUpload(data)
		if err != nil {
			if img != nil {
				t.Fatal("got an image and an error")
			}
			var ue *uploadError
			if !errors.As(err, &ue) || ue.msg == "" {
				t.Fatalf("got %T %v, want an uploadError", err, err)
			}
			return
		}
		b := img.Bounds()
		if b.Empty() || b.Dx() > MaxSide || b.Dy() > MaxSide || b.Dx()*b.Dy() > MaxPixels {
			t.Fatalf("accepted an image of %v", b)
		}
	})
}
