package httpx

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Encoding is a content coding the server sends.
type Encoding uint8

// The codings, in the server's order of preference among equal q-values:
// brotli, then zstd, then gzip. Identity is the zero value.
const (
	Identity Encoding = iota
	Gzip
	Brotli
	Zstd
	NumEncodings
)

// Token is the coding's name in Content-Encoding ("" for identity).
func (e Encoding) Token() string { return encodingTokens[e] }

// ETagSuffix is what a representation in e adds to the identity ETag, so
// that each representation has its own.
func (e Encoding) ETagSuffix() string { return etagSuffixes[e] }

var (
	encodingTokens = [NumEncodings]string{"", "gzip", "br", "zstd"}
	etagSuffixes   = [NumEncodings]string{"", "-gz", "-br", "-zst"}
	// preference lists the compressed codings best first.
	preference = [...]Encoding{Brotli, Zstd, Gzip}
)

// MinCompressSize is the smallest body compressed. Below it the coding's
// framing costs about what it saves.
const MinCompressSize = 128

// Negotiate chooses the coding for a request's Accept-Encoding values
// (RFC 9110, section 12.5.3): the known coding with the highest q-value,
// brotli over zstd over gzip when equal; "*" stands for every coding not
// named; q=0 excludes. Identity is chosen when the header is absent, when no
// known coding is acceptable, or when identity has a higher q-value than any
// of them; an unknown or malformed header never causes an error. It does not
// allocate.
func Negotiate(values []string) Encoding {
	switch len(values) {
	case 0:
		return Identity
	case 1:
		return NegotiateHeader(values[0])
	}
	// Several header lines make one list.
	var a acceptance
	for _, v := range values {
		a.parse(v)
	}
	return a.choose()
}

// NegotiateHeader is Negotiate for one header value, as a string or as the
// bytes a fasthttp request holds.
func NegotiateHeader[T ~string | ~[]byte](v T) Encoding {
	if len(v) == 0 {
		return Identity
	}
	var a acceptance
	parseInto(&a, v)
	return a.choose()
}

// acceptance is what an Accept-Encoding says of each known coding:
// q-values in thousandths, -1 when not named.
type acceptance struct {
	q    [NumEncodings]int
	star int
	seen bool
}

func (a *acceptance) parse(v string) { parseInto(a, v) }

func parseInto[T ~string | ~[]byte](a *acceptance, v T) {
	if !a.seen {
		a.seen = true
		a.star = -1
		for i := range a.q {
			a.q[i] = -1
		}
	}
	for len(v) > 0 {
		var part T
		if i := indexByte(v, ','); i >= 0 {
			part, v = v[:i], v[i+1:]
		} else {
			part, v = v, v[:0]
		}
		name, params := part, part[:0]
		if i := indexByte(part, ';'); i >= 0 {
			name, params = part[:i], part[i+1:]
		}
		name = trimSpace(name)
		if len(name) == 0 {
			continue
		}
		q, ok := qValue(params)
		if !ok {
			continue // a malformed weight: the coding is not taken as offered
		}
		switch {
		case equalFold(name, "*"):
			a.star = max(a.star, q)
		case equalFold(name, "br"):
			a.q[Brotli] = max(a.q[Brotli], q)
		case equalFold(name, "zstd"):
			a.q[Zstd] = max(a.q[Zstd], q)
		case equalFold(name, "gzip"), equalFold(name, "x-gzip"):
			a.q[Gzip] = max(a.q[Gzip], q)
		case equalFold(name, "identity"):
			a.q[Identity] = max(a.q[Identity], q)
		}
	}
}

// choose picks the coding, as Negotiate describes.
func (a *acceptance) choose() Encoding {
	best, bestQ := Identity, 0
	for _, e := range preference {
		q := a.q[e]
		if q < 0 {
			q = max(a.star, 0)
		}
		if q > bestQ {
			best, bestQ = e, q
		}
	}
	if best == Identity {
		return Identity
	}
	// Identity is acceptable unless excluded; it wins only when preferred.
	id := a.q[Identity]
	if id < 0 {
		id = 0 // not named: compare with the codings only when named or starred
		if a.star >= 0 {
			id = a.star
		}
	}
	if id > bestQ {
		return Identity
	}
	return best
}

// qValue reads the weight among a coding's parameters ("q=0.5"), in
// thousandths; 1000 when there is none. ok is false for a malformed one.
func qValue[T ~string | ~[]byte](params T) (q int, ok bool) {
	for len(params) > 0 {
		var p T
		if i := indexByte(params, ';'); i >= 0 {
			p, params = params[:i], params[i+1:]
		} else {
			p, params = params, params[:0]
		}
		p = trimSpace(p)
		if len(p) < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=' {
			continue // some other parameter
		}
		return parseQ(trimSpace(p[2:]))
	}
	return 1000, true
}

// parseQ parses a qvalue: "0", "1", "0.", "0.x", up to three decimals,
// "1.0", "1.000".
func parseQ[T ~string | ~[]byte](v T) (int, bool) {
	if len(v) == 0 || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
		return 0, false
	}
	q := int(v[0]-'0') * 1000
	if len(v) == 1 {
		return q, true
	}
	if v[1] != '.' {
		return 0, false
	}
	scale := 100
	for i := 2; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}

func indexByte[T ~string | ~[]byte](v T, c byte) int {
	for i := 0; i < len(v); i++ {
		if v[i] == c {
			return i
		}
	}
	return -1
}

func trimSpace[T ~string | ~[]byte](v T) T {
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return v
}

// equalFold compares v with lower-case ASCII name.
func equalFold[T ~string | ~[]byte](v T, name string) bool {
	if len(v) != len(name) {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// Compressible reports whether a Content-Type is text worth compressing:
// HTML, XML, JSON, CSS, JavaScript, SVG, plain text and their kin. Images
// other than SVG, archives, fonts and media are already compressed.
func Compressible(contentType string) bool {
	ct := contentType
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.ToLower(strings.TrimSpace(ct))
	if strings.HasPrefix(ct, "text/") {
		return true
	}
	switch ct {
	case "application/json", "application/javascript", "application/ecmascript", "application/xml",
		"application/xhtml+xml", "application/x-javascript", "image/svg+xml", "application/wasm",
		"application/manifest+json", "application/x-ndjson":
		return true
	}
	return strings.HasSuffix(ct, "+json") || strings.HasSuffix(ct, "+xml")
}

// Level is how hard a coding works.
type Level uint8

const (
	// Fast is for responses compressed as they are sent.
	Fast Level = iota
	// Best is for bodies compressed once and kept (the page cache).
	Best
	numLevels
)

// encoder is a pooled streaming compressor.
type encoder interface {
	io.WriteCloser
	Flush() error
	Reset(w io.Writer)
}

type zstdEncoder struct{ *zstd.Encoder }

func (z zstdEncoder) Reset(w io.Writer) { z.Encoder.Reset(w) }

// The writers are pooled: a brotli or zstd writer allocates its window and
// hash tables, hundreds of kilobytes to megabytes, when it is made.
var encoders [NumEncodings][numLevels]sync.Pool

func init() {
	for _, l := range []Level{Fast, Best} {
		encoders[Gzip][l].New = func() any {
			zw, _ := gzip.NewWriterLevel(io.Discard, [...]int{5, gzip.BestCompression}[l])
			return zw
		}
		encoders[Brotli][l].New = func() any {
			return brotli.NewWriterOptions(io.Discard, brotli.WriterOptions{
				// 11 makes pages 4% smaller than 10 in twice the time,
				// tens of milliseconds for an article page.
				Quality: [...]int{4, 10}[l],
				LGWin:   [...]int{18, 20}[l], // 256 KB, 1 MB: pages are far smaller
			})
		}
		encoders[Zstd][l].New = func() any {
			zw, _ := zstd.NewWriter(io.Discard,
				zstd.WithEncoderLevel([...]zstd.EncoderLevel{zstd.SpeedDefault, zstd.SpeedBestCompression}[l]),
				zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20), zstd.WithLowerEncoderMem(true))
			return zstdEncoder{zw}
		}
	}
}

func getEncoder(e Encoding, l Level, w io.Writer) encoder {
	enc := encoders[e][l].Get().(encoder)
	enc.Reset(w)
	return enc
}

func putEncoder(e Encoding, l Level, enc encoder) {
	enc.Reset(io.Discard) // drop the reference to the destination
	encoders[e][l].Put(enc)
}

// zstdAll compresses whole bodies at each level: EncodeAll is safe for
// concurrent use, runs at most zstdConcurrency at once (each holds its
// tables), and is faster than the streaming writer on small inputs.
var zstdAll = sync.OnceValue(func() [numLevels]*zstd.Encoder {
	var encs [numLevels]*zstd.Encoder
	for l, level := range [...]zstd.EncoderLevel{zstd.SpeedDefault, zstd.SpeedBestCompression} {
		encs[l], _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(min(4, runtime.GOMAXPROCS(0))),
			zstd.WithWindowSize(1<<20))
	}
	return encs
})

// Compress returns body in coding e (identity: body itself), with pooled
// writers.
func Compress(e Encoding, l Level, body []byte) []byte {
	if e == Identity || e >= NumEncodings {
		return body
	}
	if e == Zstd {
		return bytes.Clone(zstdAll()[l].EncodeAll(body, make([]byte, 0, len(body)/3+64)))
	}
	var buf bytes.Buffer
	buf.Grow(len(body)/3 + 64)
	enc := getEncoder(e, l, &buf)
	enc.Write(body)
	enc.Close()
	putEncoder(e, l, enc)
	return bytes.Clone(buf.Bytes()) // exactly its size: the cache counts what it holds
}
