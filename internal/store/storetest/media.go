package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// testMediaLibrary: uploaded images are listed newest first with the
// articles that show them, as lead photo or body figure; search finds them
// by their words; a body figure renders from the library's sizes.
func testMediaLibrary(t *testing.T, f *fixture) {
	sec := f.section(t, "news", "News", 0)
	harbour := content.Image{Key: "harbour-1a2b3c4d", Width: 1600, Height: 900, Widths: []int{480, 960, 1600}, WebP: true,
		Alt: "Boats in the harbour", Credit: "Anna Petrova", Caption: "Morning at the harbour"}
	storm := content.Image{Key: "storm-5e6f7a8b", Width: 960, Height: 640, Widths: []int{480, 960},
		Alt: "Waves over the pier", Credit: "Boris Ivanov"}
	if err := f.st.SaveMediaImage(f.ctx, harbour, "IMG_0042.jpg", 0); err != nil {
		t.Fatalf("SaveMediaImage: %v", err)
	}
	f.setNow(base.Add(time.Minute))
	if err := f.st.SaveMediaImage(f.ctx, storm, "storm.png", 0); err != nil {
		t.Fatalf("SaveMediaImage: %v", err)
	}
	// The same image again keeps its first words.
	again := harbour
	again.Alt = "Something else"
	if err := f.st.SaveMediaImage(f.ctx, again, "copy.jpg", 0); err != nil {
		t.Fatalf("SaveMediaImage again: %v", err)
	}

	lead := f.create(t, spec{slug: "storm", section: sec})
	lead.Image = storm
	if err := f.svc.Update(f.ctx, lead); err != nil {
		t.Fatal(err)
	}
	body := f.create(t, spec{slug: "harbour", section: sec,
		body: "The boats came in.\n\n" + content.FigureMarkdown(harbour) + "\n\nThen it rained."})
	if !strings.Contains(body.BodyHTML, `<figure class="body-figure"><picture><source type="image/webp" srcset="/media/harbour-1a2b3c4d/480.webp 480w`) ||
		!strings.Contains(body.BodyHTML, `width="1600" height="900" alt="Boats in the harbour" loading="lazy"`) ||
		!strings.Contains(body.BodyHTML, "<figcaption>Morning at the harbour — <span class=\"credit\">Anna Petrova</span></figcaption>") {
		t.Errorf("body figure not rendered from the library:\n%s", body.BodyHTML)
	}

	all, total, err := f.st.MediaImages(f.ctx, store.MediaQuery{})
	if err != nil {
		t.Fatalf("MediaImages: %v", err)
	}
	if total != 2 || len(all) != 2 || all[0].Image.Key != storm.Key || all[1].Image.Key != harbour.Key {
		t.Fatalf("MediaImages = %d %+v, want storm then harbour", total, all)
	}
	if all[1].Image.Alt != harbour.Alt || all[1].FileName != "IMG_0042.jpg" || !all[1].Image.WebP || len(all[1].Image.Widths) != 3 {
		t.Errorf("harbour listed as %+v", all[1])
	}
	if u := all[0].Uses; len(u) != 1 || u[0].ArticleID != lead.ID || !u[0].Lead {
		t.Errorf("storm uses %+v, want the lead photo of %d", u, lead.ID)
	}
	if u := all[1].Uses; len(u) != 1 || u[0].ArticleID != body.ID || u[0].Lead || u[0].Headline != body.Headline {
		t.Errorf("harbour uses %+v, want the body of %d", u, body.ID)
	}
	for _, tc := range []struct{ q, want string }{
		{"boris", storm.Key}, {"HARBOUR", harbour.Key}, {"img_0042", harbour.Key}, {"pier", storm.Key}, {"50%", ""},
	} {
		got, n, err := f.st.MediaImages(f.ctx, store.MediaQuery{Search: tc.q})
		if err != nil {
			t.Fatalf("MediaImages(%q): %v", tc.q, err)
		}
		var keys []string
		for _, m := range got {
			keys = append(keys, m.Image.Key)
		}
		if tc.want == "" && n != 0 || tc.want != "" && (n != 1 || keys[0] != tc.want) {
			t.Errorf("search %q: %d %v, want %q", tc.q, n, keys, tc.want)
		}
	}
	found, err := f.st.ImagesByKey(f.ctx, []string{harbour.Key, "missing"})
	if err != nil || len(found) != 1 || found[harbour.Key].Height != 900 {
		t.Errorf("ImagesByKey = %v, %v", found, err)
	}

	// The figure removed from the body: no longer a use.
	b := f.byID(t, body.ID)
	b.Body = "No pictures."
	if err := f.svc.Update(f.ctx, b); err != nil {
		t.Fatal(err)
	}
	all, _, _ = f.st.MediaImages(f.ctx, store.MediaQuery{Search: "harbour"})
	if len(all) != 1 || len(all[0].Uses) != 0 {
		t.Errorf("after removing the figure, uses %+v", all)
	}
}
