package site

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/webp"
	"golang.org/x/net/html"

	"github.com/samizdat-press/samizdat/internal/content"
)

// tinyWebP is a 1×1 lossy WebP file.
var tinyWebP, _ = base64.StdEncoding.DecodeString("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA")

// withWebPLead adds the newest article, whose photo has WebP variants and
// crops: the home page's lead story.
func withWebPLead(t *testing.T, f *fixture) *content.Article {
	t.Helper()
	return f.create(t, &content.Article{
		Slug:     "border-reopens",
		Headline: "The border reopens for a day",
		Dek:      "Families met at the crossing.",
		Body:     "The crossing opened at dawn.",
		Lang:     "en",
		Status:   content.StatusPublished,
		Section:  f.sections["news"],
		Authors:  []content.Author{f.authors["mara-lind"]},
		Image: content.Image{Key: imageKey, Width: 1600, Height: 900, Widths: []int{480, 960, 1600},
			WebP: true, Crops: true, Alt: "The crossing at dawn"},
		PublishedAt: f.now.Add(-5 * time.Minute),
	})
}

// checkLeadImage checks that the page's one lead photo (in want, the
// element holding it) is loaded eagerly and first, and every other picture
// lazily.
func checkLeadImage(t *testing.T, path string, doc *html.Node, lead *html.Node) {
	t.Helper()
	leadImgs := findAll(lead, "img", nil)
	if len(leadImgs) != 1 {
		t.Fatalf("%s: got %d images in the lead, want 1", path, len(leadImgs))
	}
	for _, img := range findAll(doc, "img", nil) {
		src, _ := attr(img, "src")
		loading, _ := attr(img, "loading")
		prio, _ := attr(img, "fetchpriority")
		class, _ := attr(img, "class")
		switch {
		case img == leadImgs[0]:
			if loading == "lazy" || prio != "high" {
				t.Errorf("%s: lead <img src=%q>: loading=%q fetchpriority=%q, want eager and high", path, src, loading, prio)
			}
		case class == "logo":
		default:
			if loading != "lazy" || prio == "high" {
				t.Errorf("%s: <img src=%q> below the lead: loading=%q fetchpriority=%q, want lazy", path, src, loading, prio)
			}
		}
	}
}

// TestLeadImageLoadsFirst: the lead photo of an article and of the home
// page is the largest thing in the first screen (Lighthouse's LCP): not
// lazy, and fetched with high priority.
func TestLeadImageLoadsFirst(t *testing.T) {
	f := newFixture(t)
	doc := parseHTML(t, f.body(t, f.featured.Path()))
	figs := findAll(doc, "figure", hasClass("lead"))
	if len(figs) != 1 {
		t.Fatalf("article: got %d lead figures, want 1", len(figs))
	}
	checkLeadImage(t, f.featured.Path(), doc, figs[0])

	doc = parseHTML(t, f.body(t, "/"))
	leads := findAll(doc, "article", hasClass("leadstory"))
	if len(leads) != 1 {
		t.Fatalf("home: got %d lead stories, want 1", len(leads))
	}
	checkLeadImage(t, "/", doc, leads[0])
}

// pictureSources returns the <source> elements and the <img> of the one
// <picture> under n.
func pictureSources(t *testing.T, where string, n *html.Node) ([]*html.Node, *html.Node) {
	t.Helper()
	pics := findAll(n, "picture", nil)
	if len(pics) != 1 {
		t.Fatalf("%s: got %d <picture>, want 1", where, len(pics))
	}
	imgs := findAll(pics[0], "img", nil)
	if len(imgs) != 1 {
		t.Fatalf("%s: got %d <img> in the <picture>, want 1", where, len(imgs))
	}
	return findAll(pics[0], "source", nil), imgs[0]
}

// TestPictureOffersWebP: a photo with WebP variants is a <picture> whose
// <source> lists them, before the <img> that gives JPEG to browsers without
// WebP; a photo without them (stored before) is JPEG only.
func TestPictureOffersWebP(t *testing.T) {
	f := newFixture(t)
	a := withWebPLead(t, f)
	wantWebP := "/media/" + imageKey + "/480.webp 480w, /media/" + imageKey + "/960.webp 960w, /media/" + imageKey + "/1600.webp 1600w"
	wantJPEG := strings.ReplaceAll(wantWebP, ".webp", ".jpg")
	checkWebP := func(where string, n *html.Node) {
		t.Helper()
		sources, img := pictureSources(t, where, n)
		if len(sources) != 1 {
			t.Fatalf("%s: got %d <source>, want 1", where, len(sources))
		}
		if typ, _ := attr(sources[0], "type"); typ != "image/webp" {
			t.Errorf("%s: <source type=%q>, want image/webp", where, typ)
		}
		if got, _ := attr(sources[0], "srcset"); got != wantWebP {
			t.Errorf("%s: <source srcset=%q>, want %q", where, got, wantWebP)
		}
		if s1, s2 := attrOr(sources[0], "sizes"), attrOr(img, "sizes"); s1 == "" || s1 != s2 {
			t.Errorf("%s: <source sizes=%q>, <img sizes=%q>: want the same", where, s1, s2)
		}
		if got, _ := attr(img, "srcset"); got != wantJPEG {
			t.Errorf("%s: <img srcset=%q>, want the JPEG fallback %q", where, got, wantJPEG)
		}
		if got, _ := attr(img, "src"); !strings.HasSuffix(got, ".jpg") {
			t.Errorf("%s: <img src=%q>, want a JPEG", where, got)
		}
	}
	doc := parseHTML(t, f.body(t, a.Path()))
	checkWebP("article", findAll(doc, "figure", hasClass("lead"))[0])
	doc = parseHTML(t, f.body(t, "/"))
	checkWebP("home", findAll(doc, "article", hasClass("leadstory"))[0])

	// The fixture's other photo has no WebP variants recorded.
	doc = parseHTML(t, f.body(t, f.featured.Path()))
	if sources, _ := pictureSources(t, "older article", doc); len(sources) != 0 {
		t.Errorf("older article: got %d <source>, want none (no WebP variants)", len(sources))
	}
}

func attrOr(n *html.Node, name string) string { v, _ := attr(n, name); return v }

// TestMediaServesWebP: WebP variants are served as image/webp.
func TestMediaServesWebP(t *testing.T) {
	f := newFixture(t)
	rec := f.get(t, "/media/"+imageKey+"/960.webp")
	if rec.Code != 200 {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); got != "image/webp" {
		t.Errorf("Content-Type: got %q, want image/webp", got)
	}
	if _, err := webp.Decode(bytes.NewReader(rec.Body.Bytes())); err != nil {
		t.Errorf("body is not WebP: %v", err)
	}
	if rec := f.get(t, "/media/"+imageKey+"/960.jpg"); rec.Header().Get("Content-Type") != "image/jpeg" {
		t.Errorf("JPEG Content-Type: got %q", rec.Header().Get("Content-Type"))
	}
}

// TestStructuredDataCrops: the NewsArticle lists the 1:1, 4:3 and 16:9
// crops, in that order, as absolute URLs; og:image is the 16:9 one. A
// photo without crops yet lists its widths as before.
func TestStructuredDataCrops(t *testing.T) {
	f := newFixture(t)
	a := withWebPLead(t, f)
	ldImages := func(doc *html.Node) []string {
		t.Helper()
		lds := findAll(doc, "script", hasAttr("type", "application/ld+json"))
		if len(lds) != 1 {
			t.Fatalf("got %d JSON-LD scripts, want 1", len(lds))
		}
		var ld struct{ Image []string }
		if err := json.Unmarshal([]byte(text(lds[0])), &ld); err != nil {
			t.Fatalf("JSON-LD: %v", err)
		}
		return ld.Image
	}
	doc := parseHTML(t, f.body(t, a.Path()))
	base := testBase + "/media/" + imageKey + "/"
	want := []string{base + "c1x1-900.jpg", base + "c4x3-1200.jpg", base + "c16x9-1200.jpg"}
	if got := ldImages(doc); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("JSON-LD image: got %q, want %q", got, want)
	}
	if got := ImageCropURLs(testBase, a.Image); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ImageCropURLs: got %q, want %q", got, want)
	}
	for _, m := range []struct{ name, want string }{
		{"og:image", base + "c16x9-1200.jpg"}, {"og:image:width", "1200"}, {"og:image:height", "675"},
	} {
		if got := metaContent(doc, "property", m.name); got != m.want {
			t.Errorf("%s: got %q, want %q", m.name, got, m.want)
		}
	}

	doc = parseHTML(t, f.body(t, f.featured.Path()))
	if got := ldImages(doc); len(got) != 3 || !strings.HasSuffix(got[0], "/480.jpg") {
		t.Errorf("without crops: JSON-LD image %q, want the three widths", got)
	}
	if got := ImageCropURLs(testBase, f.featured.Image); got != nil {
		t.Errorf("ImageCropURLs without crops: got %q, want none", got)
	}
}
