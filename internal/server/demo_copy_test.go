package server

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/demo"
	"github.com/samizdat-press/samizdat/internal/store"
)

// The demo newsroom is imported once per test binary (image resizing makes
// it the slowest part of several tests) and copied for each test.
var demoTemplate struct {
	once sync.Once
	dir  string
	err  error
}

// DemoCopy returns the database and media directory of a fresh copy of the
// demo newsroom in t's temporary directory. Exported for package
// server_test.
func DemoCopy(t testing.TB) (db, media string) {
	t.Helper()
	demoTemplate.once.Do(func() {
		dir, err := os.MkdirTemp("", "samizdat-demo-")
		if err != nil {
			demoTemplate.err = err
			return
		}
		demoTemplate.dir = dir
		srv, err := New(context.Background(), config.Config{DB: filepath.Join(dir, "site.db"), Media: filepath.Join(dir, "media"),
			DataKeyFile: filepath.Join(dir, "data.key"), BaseURL: "http://127.0.0.1:1", Demo: true}, slog.New(slog.DiscardHandler))
		if err != nil {
			demoTemplate.err = err
			return
		}
		demoTemplate.err = srv.Close()
	})
	if demoTemplate.err != nil {
		t.Fatalf("import the demo newsroom: %v", demoTemplate.err)
	}
	dst := t.TempDir()
	err := filepath.WalkDir(demoTemplate.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(demoTemplate.dir, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(filepath.Join(dst, rel))
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatalf("copy the demo newsroom: %v", err)
	}
	return filepath.Join(dst, "site.db"), filepath.Join(dst, "media")
}

// RemoveDemoTemplate deletes the imported demo, from TestMain.
func RemoveDemoTemplate() {
	if demoTemplate.dir != "" {
		os.RemoveAll(demoTemplate.dir)
	}
	if generated.dir != "" {
		os.RemoveAll(generated.dir)
	}
}

// generatedArticles is the size of the generated site the traffic tests
// share: enough for several pages of every list and a sitemap of hundreds
// of URLs, small enough to generate in seconds under the race detector.
const generatedArticles = 240

// The generated site is made once per test binary, like the demo.
var generated struct {
	once sync.Once
	dir  string
	err  error
}

// GeneratedCopy returns the database of a fresh copy of a synthetic site
// (samizdat gen) of generatedArticles articles. Exported for package
// server_test.
func GeneratedCopy(t testing.TB) (db string) {
	t.Helper()
	generated.once.Do(func() {
		dir, err := os.MkdirTemp("", "samizdat-gen-")
		if err != nil {
			generated.err = err
			return
		}
		generated.dir = dir
		ctx := context.Background()
		st, err := store.Open(ctx, filepath.Join(dir, "site.db"))
		if err != nil {
			generated.err = err
			return
		}
		defer st.Close()
		svc := content.NewService(st, content.NewRenderer())
		_, generated.err = demo.Generate(ctx, st, svc, generatedArticles, 1, nil)
	})
	if generated.err != nil {
		t.Fatalf("generate a site: %v", generated.err)
	}
	dst := filepath.Join(t.TempDir(), "site.db")
	copyFile(t, filepath.Join(generated.dir, "site.db"), dst)
	return dst
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
