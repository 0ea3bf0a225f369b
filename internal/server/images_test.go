package server

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/webp"
	"golang.org/x/net/html"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/media"
)

// leadPicture fetches path and returns the WebP srcset of its lead photo's
// <picture> ("" without a WebP <source>) and its JSON-LD image list.
func leadPicture(t *testing.T, l *loopback, path string) (webpSrcset string, ldImages []string) {
	t.Helper()
	body := fetchMedia(t, l, path, "text/html; charset=utf-8")
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "source":
				if typ, _ := attrOf(n, "type"); typ == "image/webp" && n.Parent != nil && n.Parent.Data == "picture" {
					webpSrcset, _ = attrOf(n, "srcset")
				}
			case "script":
				if typ, _ := attrOf(n, "type"); typ == "application/ld+json" && n.FirstChild != nil {
					var ld struct{ Image []string }
					if err := json.Unmarshal([]byte(n.FirstChild.Data), &ld); err != nil {
						t.Fatalf("%s: JSON-LD: %v", path, err)
					}
					ldImages = ld.Image
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return webpSrcset, ldImages
}

func fetchMedia(t *testing.T, l *loopback, path, ctype string) []byte {
	t.Helper()
	resp, err := l.Client().Get(l.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ctype {
		t.Fatalf("GET %s: %d %q, want 200 %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), ctype)
	}
	return body
}

// checkServedImages fetches the WebP variants and the crops a page names
// through the listener and decodes them.
func checkServedImages(t *testing.T, l *loopback, srcset string, ld []string) {
	t.Helper()
	for part := range strings.SplitSeq(srcset, ", ") {
		u, _, _ := strings.Cut(part, " ")
		if _, err := webp.Decode(bytes.NewReader(fetchMedia(t, l, u, "image/webp"))); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	if len(ld) != 3 {
		t.Fatalf("JSON-LD image: got %q, want the three crops", ld)
	}
	for i, a := range media.Aspects {
		u := strings.TrimPrefix(ld[i], crawlBase)
		if !strings.Contains(u, "/c"+a.String()+"-") {
			t.Errorf("JSON-LD image %d is %s, want the %v crop", i, u, a)
			continue
		}
		m, err := jpeg.Decode(bytes.NewReader(fetchMedia(t, l, u, "image/jpeg")))
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		size := m.Bounds().Size()
		if d := size.X*a.H - size.Y*a.W; d < -a.W || d > a.W {
			t.Errorf("%s: %v is not %v", u, size, a)
		}
	}
}

func demoServer(t *testing.T, db, mediaDir string) *loopback {
	t.Helper()
	srv, err := New(context.Background(), config.Config{DB: db, Media: mediaDir,
		DataKeyFile: filepath.Join(t.TempDir(), "data.key"), BaseURL: crawlBase}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return serveLoopback(t, srv)
}

// TestDemoServesWebPAndCrops: the demo's photos have WebP variants and
// crops from the start, served through the real listener.
func TestDemoServesWebPAndCrops(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo newsroom")
	}
	db, mediaDir := DemoCopy(t)
	l := demoServer(t, db, mediaDir)
	for _, p := range []string{"/", articlePath(t, l)} {
		srcset, ld := leadPicture(t, l, p)
		if srcset == "" {
			t.Fatalf("%s: no WebP <source> for the lead photo", p)
		}
		if p != "/" {
			checkServedImages(t, l, srcset, ld)
		}
	}
}

// articlePath is the newest article's path, from the home page's lead.
func articlePath(t *testing.T, l *loopback) string {
	t.Helper()
	body := string(fetchMedia(t, l, "/", "text/html; charset=utf-8"))
	i := strings.Index(body, `class="leadstory"`)
	j := strings.Index(body[i:], `href="/20`)
	if i < 0 || j < 0 {
		t.Fatal("the home page has no lead story")
	}
	rest := body[i+j+len(`href="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestBackfillOldImages: photos stored before WebP variants and crops get
// them at start-up, from their JPEG variants, and the pages, cached or
// not, then offer them.
func TestBackfillOldImages(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo newsroom")
	}
	db, mediaDir := DemoCopy(t)
	// Make the copy as an older version stored it: JPEG widths only.
	srv, err := New(context.Background(), config.Config{DB: db, Media: mediaDir,
		DataKeyFile: filepath.Join(t.TempDir(), "data.key"), BaseURL: crawlBase}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := os.ReadDir(mediaDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		files, _ := os.ReadDir(filepath.Join(mediaDir, k.Name()))
		for _, f := range files {
			if strings.HasSuffix(f.Name(), ".webp") || strings.HasPrefix(f.Name(), "c") {
				os.Remove(filepath.Join(mediaDir, k.Name(), f.Name()))
			}
		}
		if err := srv.Store.SetImageVariants(context.Background(), k.Name(), ""); err != nil {
			t.Fatal(err)
		}
	}
	lacking, err := srv.Store.ImagesLacking(context.Background())
	if err != nil || len(lacking) < 40 {
		t.Fatalf("ImagesLacking: %d images, %v; want the demo's", len(lacking), err)
	}
	srv.Close()

	l := demoServer(t, db, mediaDir)
	p := articlePath(t, l)
	// Served at once, cached: JPEG only until the backfill reaches it.
	if srcset, ld := leadPicture(t, l, p); srcset != "" || len(ld) != 3 || !strings.HasSuffix(ld[0], "/480.jpg") {
		t.Logf("first view: srcset %q, JSON-LD %q (the backfill was quick)", srcset, ld)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		srcset, ld := leadPicture(t, l, p)
		if srcset != "" && len(ld) == 3 && strings.Contains(ld[0], "/c1x1-") {
			checkServedImages(t, l, srcset, ld)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: after 2 minutes, still no WebP <source> or crops (srcset %q, JSON-LD %q)", p, srcset, ld)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
