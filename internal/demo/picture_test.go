package demo

import (
	"image"
	"testing"
)

func TestPictureIsDeterministicAndDistinct(t *testing.T) {
	a, b, c := Picture("one"), Picture("one"), Picture("two")
	if a.Bounds() != image.Rect(0, 0, 1200, 675) {
		t.Fatalf("bounds = %v, want 1200×675", a.Bounds())
	}
	same, differ := true, false
	for _, p := range []image.Point{{10, 10}, {600, 300}, {1100, 600}, {300, 650}} {
		if a.At(p.X, p.Y) != b.At(p.X, p.Y) {
			same = false
		}
		if a.At(p.X, p.Y) != c.At(p.X, p.Y) {
			differ = true
		}
	}
	if !same {
		t.Error("the same slug drew two different pictures")
	}
	if !differ {
		t.Error("two slugs drew the same picture")
	}
}

func BenchmarkPicture(b *testing.B) {
	for b.Loop() {
		Picture("benchmark")
	}
}
