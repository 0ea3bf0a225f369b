package importer_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/samizdat-press/samizdat/internal/content/contenttest"
	"github.com/samizdat-press/samizdat/internal/importer"
)

var fuzzSeeds = []string{
	goodFile,
	"---\ntitle: A\ndate: 2024-01-01\nsection: news\n---\nBody <script>alert(1)</script> [x](javascript:alert(1))\n",
	"---\ntitle: B\ndate: 2024-01-01\nsection: culture\nimage: p.png\nalt: a\n---\n<img src=\"https://evil.example/p.gif\" onerror=alert(1)>\n",
	"---\ntitle: C\nslug: c\ndraft: true\nsection: news\nauthors: [x, Иван Петров]\ntags: [a-b, \"c d\"]\n---\n| a |\n|---|\n| <svg onload=alert(1)> |\n",
	"---\ntitle: \"D\nslug: d\n---\n",
	"---\r\ntitle: E\r\ndate: 2024-01-01 10:00\r\nsection: news\r\n---\r\n<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
	"---\n---\n",
	"---\ntitle: &a F\nslug: *a\n---\n",
	"no front matter",
	"---\ntitle: G\ndate: 2024-01-01\nsection: news\ncorrections:\n  - date: 2024-01-02\n    text: fixed\n---\nx[^1]\n\n[^1]: n\n",
}

func FuzzImport(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	e := newEnv(f)
	img := pngBytes(f, 3, 2)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"f.md": {Data: data}, "p.png": {Data: img}}
		slug, err := e.im.ImportFile(ctx, fsys, "f.md")
		if err != nil {
			var le *importer.LineError
			if !errors.As(err, &le) || le.File != "f.md" || le.Line < 0 || le.Line > maxLine(data) {
				t.Fatalf("ImportFile: got %#v, want a *LineError for f.md within the file", err)
			}
			return
		}
		a, err := e.st.ArticleBySlug(ctx, slug)
		if err != nil {
			t.Fatalf("ImportFile returned slug %q, but ArticleBySlug: %v", slug, err)
		}
		for _, p := range contenttest.Unsafe(a.BodyHTML) {
			t.Errorf("imported body %q: %s", a.BodyHTML, p)
		}
		if a.Image.Present() && !e.md.Exists(a.Image.Key, "3.jpg") {
			t.Errorf("image %q: got no stored variant", a.Image.Key)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fm, body, err := importer.Parse("f.md", data)
		if err != nil {
			var le *importer.LineError
			if !errors.As(err, &le) || le.File != "f.md" || le.Line < 0 || le.Line > maxLine(data) {
				t.Fatalf("Parse: got %#v, want a *LineError for f.md within the file", err)
			}
			if fm != nil || body != "" {
				t.Errorf("Parse: got front matter %v and body %q with error %v, want neither", fm, body, err)
			}
			return
		}
		if fm == nil {
			t.Fatal("Parse: got nil front matter and nil error")
		}
		if len(body) > len(data) {
			t.Errorf("Parse: got a body of %d bytes from %d bytes", len(body), len(data))
		}
	})
}

// maxLine is the last line an error may point at. YAML also counts a lone
// carriage return as a line break.
func maxLine(data []byte) int {
	return bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
}
