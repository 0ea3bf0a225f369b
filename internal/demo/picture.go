package demo

import (
	"crypto/sha256"
	"image"
	"image/color"
	"math"
)

// Picture draws a lead image for slug: a calm abstract composition of a
// horizon, hills and a sun, its palette chosen by a hash of the slug so every
// article looks different and the same article always looks the same.
func Picture(slug string) image.Image {
	const w, h = 1200, 675
	sum := sha256.Sum256([]byte(slug))
	hue := float64(sum[0]) / 255 * 360
	sky1 := hsl(hue, 0.45, 0.78)
	sky2 := hsl(math.Mod(hue+40, 360), 0.50, 0.55)
	land := [3]color.RGBA{
		hsl(math.Mod(hue+180, 360), 0.30, 0.42),
		hsl(math.Mod(hue+200, 360), 0.35, 0.30),
		hsl(math.Mod(hue+220, 360), 0.40, 0.18),
	}
	sunX := 200 + float64(sum[1])/255*800
	sunY := 120 + float64(sum[2])/255*180
	sunR := 50 + float64(sum[3])/255*60
	// The hills' outlines, one height per column and hill.
	var ridges [3][w]float64
	for i := range land {
		amp := 30 + float64(sum[4+i])/255*50
		freq := 0.003 + float64(sum[8+i])/255*0.006
		base := float64(h) * (0.55 + 0.13*float64(i))
		for x := range w {
			ridges[i][x] = base + amp*math.Sin(float64(x)*freq+float64(sum[12+i]))
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		t := float64(y) / h
		sky := mix(sky1, sky2, t)
		for x := 0; x < w; x++ {
			c := sky
			dx, dy := float64(x)-sunX, float64(y)-sunY
			if dx*dx+dy*dy < sunR*sunR {
				c = mix(c, color.RGBA{255, 244, 214, 255}, 0.85)
			}
			for i := range land {
				if float64(y) > ridges[i][x] {
					c = land[i]
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	l := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 255}
}

func hsl(h, s, l float64) color.RGBA {
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g, b = c, x, 0
	case h < 120:
		r, g, b = x, c, 0
	case h < 180:
		r, g, b = 0, c, x
	case h < 240:
		r, g, b = 0, x, c
	case h < 300:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	return color.RGBA{uint8((r + m) * 255), uint8((g + m) * 255), uint8((b + m) * 255), 255}
}

// Logo draws the demo newsroom's logo, 512 pixels square: an open ledger,
// white on the site's red. Search engines show a publisher's logo beside
// its stories, and link previews use it for pages without a photo.
func Logo() image.Image {
	const n = 512
	red := color.RGBA{0x8b, 0x1e, 0x1e, 0xff}
	white := color.RGBA{0xff, 0xfd, 0xf8, 0xff}
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	fill := func(x0, y0, x1, y1 int, c color.RGBA) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
	fill(0, 0, n, n, red)
	// Two pages with a spine between them, and ruled lines on each.
	fill(88, 120, 248, 392, white)
	fill(264, 120, 424, 392, white)
	for y := 168; y < 360; y += 40 {
		fill(112, y, 224, y+10, red)
		fill(288, y, 400, y+10, red)
	}
	return img
}
