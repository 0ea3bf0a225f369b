package site

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// eventually fetches path until its body has want, as a node's cached page
// changes once the change feed delivers a save.
func (f *fixture) eventually(t *testing.T, path, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		body := f.body(t, path)
		if strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s never showed %q; last body:\n%s", path, want, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAuthorFrontProfile: an author's page shows the profile's photo (not
// lazily: it is in the first screen), biography and links (rel="me"), in
// both editions, and a cached page changes when the profile is saved.
func TestAuthorFrontProfile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	before := f.body(t, "/author/mara-lind/") // cached now
	if strings.Contains(before, `class="portrait"`) {
		t.Fatal("a photo before the profile has one")
	}
	photo := content.Image{Key: imageKey, Width: 1600, Height: 900, Widths: []int{480, 960, 1600}, WebP: true}
	if err := f.st.SaveMediaImage(ctx, photo, "mara.jpg", 0); err != nil {
		t.Fatal(err)
	}
	mara := f.authors["mara-lind"]
	mara.Bio, mara.PhotoKey = "Mara Lind covers courts & elections.", imageKey
	mara.Links = "https://mara.example/notes/\nmailto:mara@example.org"
	if err := f.st.UpdateAuthorProfile(ctx, mara); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetNameForm(ctx, content.NameKey{Kind: content.NameAuthor, ID: mara.ID, Lang: "ru"}, "Мара Линд"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, name string }{
		{"/author/mara-lind/", "Mara Lind"},
		{"/ru/author/mara-lind/", "Мара Линд"},
	} {
		body := f.eventually(t, tc.path, `class="portrait"`)
		doc := parseHTML(t, body)
		pics := findAll(doc, "picture", hasClass("portrait"))
		if len(pics) != 1 {
			t.Fatalf("%s: %d portraits, want 1", tc.path, len(pics))
		}
		sources, img := pictureSources(t, tc.path, pics[0])
		if attrOr(img, "loading") == "lazy" || attrOr(img, "fetchpriority") != "high" {
			t.Errorf("%s: portrait loading=%q fetchpriority=%q, want eager and high", tc.path, attrOr(img, "loading"), attrOr(img, "fetchpriority"))
		}
		if !strings.Contains(attrOr(img, "srcset"), "/media/"+imageKey+"/960.jpg 960w") || attrOr(img, "alt") != tc.name ||
			attrOr(img, "width") != "1600" || attrOr(img, "height") != "900" {
			t.Errorf("%s: portrait <img> %v", tc.path, img.Attr)
		}
		if len(sources) != 1 || !strings.Contains(attrOr(sources[0], "srcset"), ".webp") {
			t.Errorf("%s: portrait sources %d, want the WebP one", tc.path, len(sources))
		}
		for _, want := range []string{
			`<p class="intro">Mara Lind covers courts &amp; elections.</p>`,
			`<a href="https://mara.example/notes/" rel="me noopener">mara.example/notes</a>`,
			`<a href="mailto:mara@example.org" rel="me noopener">mara@example.org</a>`,
			`"sameAs":["https://mara.example/notes/"]`,
			`"image":"` + testBase + `/media/` + imageKey + `/1600.jpg"`,
			"<h1>" + tc.name + "</h1>",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %s", tc.path, want)
			}
		}
	}
	// Ivan has no photo and no links: neither is shown.
	body := f.body(t, "/author/ivan-petrov/")
	if strings.Contains(body, `class="portrait"`) || strings.Contains(body, `class="profilelinks"`) {
		t.Error("/author/ivan-petrov/ shows a photo or links it does not have")
	}
}

// TestTagFrontDescription: a tag's front shows its description under the
// name and gives it to search engines; the cached page changes through
// the change feed.
func TestTagFrontDescription(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if strings.Contains(f.body(t, "/tag/courts/"), `class="intro"`) {
		t.Fatal("an intro before the tag has a description")
	}
	tag, err := f.st.TagBySlug(ctx, "courts")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetTagDescription(ctx, tag.ID, "Trials, appeals & the judges who hear them."); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/tag/courts/", "/ru/tag/courts/"} {
		body := f.eventually(t, path, `<p class="intro">Trials, appeals &amp; the judges who hear them.</p>`)
		if want := `<meta name="description" content="Trials, appeals &amp; the judges who hear them.">`; !strings.Contains(body, want) {
			t.Errorf("%s lacks %s", path, want)
		}
	}
}
