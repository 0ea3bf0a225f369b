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
