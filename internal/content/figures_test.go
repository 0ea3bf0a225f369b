package content

import (
	"strings"
	"testing"
)

// TestBodyFigures: a media library image alone on its line becomes the
// lead photo's kind of figure, through the sanitizer; other images and
// unknown keys stay plain; hostile captions are escaped.
func TestBodyFigures(t *testing.T) {
	im := Image{Key: "harbour-1a2b3c4d", Width: 1600, Height: 900, Widths: []int{480, 960, 1600}, WebP: true}
	images := map[string]Image{im.Key: im}
	r := NewRenderer()
	for _, tc := range []struct {
		name, md string
		want     []string
		lack     []string
	}{
		{"figure", "Text.\n\n" + FigureMarkdown(Image{Key: im.Key, Alt: "Boats in the harbour", Caption: "Morning", Credit: "Anna P."}) + "\n\nMore.",
			[]string{`<figure class="body-figure"><picture><source type="image/webp" srcset="/media/harbour-1a2b3c4d/480.webp 480w, /media/harbour-1a2b3c4d/960.webp 960w, /media/harbour-1a2b3c4d/1600.webp 1600w" sizes="(min-width: 52rem) 48rem, 100vw">`,
				`<img src="/media/harbour-1a2b3c4d/960.jpg" srcset="/media/harbour-1a2b3c4d/480.jpg 480w, /media/harbour-1a2b3c4d/960.jpg 960w, /media/harbour-1a2b3c4d/1600.jpg 1600w" sizes="(min-width: 52rem) 48rem, 100vw" width="1600" height="900" alt="Boats in the harbour" loading="lazy" decoding="async">`,
				`<figcaption>Morning — <span class="credit">Anna P.</span></figcaption></figure>`},
			[]string{"<p><img"}},
		{"caption only", `![Boats](/media/harbour-1a2b3c4d "Just a caption")`, []string{"<figcaption>Just a caption</figcaption>"}, []string{"credit"}},
		{"no webp", "![Boats](/media/other-key)", []string{`<img src="/media/other-key" alt="Boats">`}, []string{"<figure"}},
		{"inline stays inline", "See ![x](/media/harbour-1a2b3c4d) here.", []string{`<img src="/media/harbour-1a2b3c4d" alt="x">`}, []string{"<figure"}},
		{"hostile caption", `![<b>x</b>](/media/harbour-1a2b3c4d "<script>alert(1)</script> | <img src=x onerror=alert(1)>")`,
			[]string{"<figure", "&lt;script&gt;"}, []string{"<script", "<img src=x", `src="x"`}},
		{"foreign srcset refused", `<img src="/media/a/1.jpg" srcset="https://evil.example/x.jpg 1w">`, []string{`src="/media/a/1.jpg"`}, []string{"evil.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, text, err := r.RenderFigures(tc.md, images)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %s\n%s", w, out)
				}
			}
			for _, l := range tc.lack {
				if strings.Contains(out, l) {
					t.Errorf("output has %s\n%s", l, out)
				}
			}
			if tc.name == "figure" && !strings.Contains(text, "Text. Morning — Anna P. More.") {
				t.Errorf("text %q", text)
			}
		})
	}
	if got := BodyImageKeys("![a](/media/k1)\n\n![b](/media/k2 \"c\")\n![a](/media/k1)\nsee ![x](/media/k3) inline"); strings.Join(got, ",") != "k1,k2" {
		t.Errorf("BodyImageKeys = %v", got)
	}
}

// TestBodyImageAltBlocksPublishing: a draft may have an image without alt
// text; a published or scheduled article may not.
func TestBodyImageAltBlocksPublishing(t *testing.T) {
	for _, tc := range []struct {
		status Status
		body   string
		bad    bool
	}{
		{StatusDraft, "![](/media/k)", false},
		{StatusPublished, "![](/media/k)", true},
		{StatusScheduled, "Text ![ ](/x.png) text", true},
		{StatusPublished, "![Boats](/media/k)", false},
	} {
		a := &Article{Headline: "H", Slug: "h", Lang: "en", Status: tc.status, Body: tc.body, Section: Section{ID: 1}}
		a.PublishedAt = a.PublishedAt.AddDate(2024, 0, 0)
		err := a.Validate()
		got := err != nil && strings.Contains(err.Error(), "body: has an image without alt text")
		if got != tc.bad {
			t.Errorf("%s %q: Validate() = %v, want refused %v", tc.status, tc.body, err, tc.bad)
		}
	}
}
