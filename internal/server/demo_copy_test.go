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
}
