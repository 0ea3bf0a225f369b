package httpx

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// pageLike is n bytes of HTML paragraphs of words in random order.
func pageLike(n int) []byte {
	words := []string{"the", "tender", "was", "annulled", "after", "an", "inquiry", "into", "bids", "ministry",
		"said", "on", "Tuesday", "court", "election", "border", "village", "prosecutor", "budget", "company",
		"document", "leak", "passport", "home", "price", "between", "energy", "of", "and", "to", "in", "a"}
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(`<p class="body">`)
		for range 40 + rng.IntN(40) {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		b.WriteString("</p>\n")
	}
	return b.Bytes()[:n]
}

// BenchmarkCompress is the cost of each coding at each level on a body
// like an article page (about 14 KB of HTML).
func BenchmarkCompress(b *testing.B) {
	body := pageLike(14 << 10)
	for _, enc := range []Encoding{Gzip, Brotli, Zstd} {
		for _, l := range []Level{Fast, Best} {
			b.Run(enc.Token()+"/"+[...]string{"fast", "best"}[l], func(b *testing.B) {
				b.ReportAllocs()
				var n int
				for b.Loop() {
					n = len(Compress(enc, l, body))
				}
				b.ReportMetric(float64(n), "bytes")
			})
		}
	}
}

// BenchmarkNegotiate is the cost of reading the Accept-Encoding browsers send.
func BenchmarkNegotiate(b *testing.B) {
	for _, v := range []string{"gzip", "gzip, deflate, br, zstd", "gzip, deflate, br;q=0.9, *;q=0.1"} {
		h := []byte(v)
		b.Run(v, func(b *testing.B) {
			for b.Loop() {
				NegotiateHeader(h)
			}
		})
	}
}
