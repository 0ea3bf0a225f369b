package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/samizdat-press/samizdat/internal/cli"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/mirror"
	"github.com/samizdat-press/samizdat/internal/server"
	"github.com/samizdat-press/samizdat/internal/site"
	"github.com/samizdat-press/samizdat/internal/store"
)

const exportBase = "https://news.example"

// exportSite is a demo newsroom on disk, with enough extra articles for
// sections to have a second page.
type exportSite struct {
	dir, db, media, key string
}

func newExportSite(t *testing.T) exportSite {
	t.Helper()
	dir := t.TempDir()
	db, media := server.DemoCopy(t)
	s := exportSite{dir: dir, db: db, media: media, key: filepath.Join(dir, "mirror.key")}
	srv := s.open(t, false)
	if err := srv.Store.SetSetting(context.Background(), "bank.details", "IBAN LT12 1000 0111 0100 1000\nBIC TESTLT21"); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if _, stderr, err := s.run(t, "gen", "--articles", "60"); err != nil {
		t.Fatalf("gen: %v\n%s", err, stderr)
	}
	return s
}

func (s exportSite) open(t *testing.T, demo bool) *server.Server {
	t.Helper()
	srv, err := server.New(context.Background(), config.Config{DB: s.db, Media: s.media, BaseURL: exportBase, MirrorKey: s.key,
		DataKeyFile: filepath.Join(s.dir, "data.key"), Demo: demo}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// env is the environment the commands see: only what the test sets.
func (s exportSite) env(extra ...string) func(string) string {
	m := map[string]string{"SAMIZDAT_DB": s.db, "SAMIZDAT_MEDIA": s.media, "SAMIZDAT_MIRROR_KEY": s.key,
		"SAMIZDAT_DATA_KEY_FILE": filepath.Join(s.dir, "data.key")}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return func(k string) string { return m[k] }
}

func (s exportSite) run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = cli.Run(context.Background(), args, strings.NewReader(""), &o, &e, s.env())
	return o.String(), e.String(), err
}

func (s exportSite) export(t *testing.T, out string, extra ...string) string {
	t.Helper()
	stdout, stderr, err := s.run(t, append([]string{"export", "--out", out, "--base-url", exportBase,
		"--mirror-host", "mirror.example", "--onion-host", "samizdatdemo2345.onion"}, extra...)...)
	if err != nil {
		t.Fatalf("export: %v\n%s%s", err, stdout, stderr)
	}
	return stdout
}

func (s exportSite) pubFile(t *testing.T) string {
	t.Helper()
	key, err := mirror.LoadOrCreateKey(s.key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.dir, "mirror.pub")
	if err := os.WriteFile(p, mirror.PublicKeyText(key.Public().(ed25519.PublicKey)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func staticGet(t *testing.T, base, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestExport exports the demo newsroom, serves the copy with a plain static
// file server and crawls it, verifies it, tampers with it, exports again
// after changes, and checks that bad input and failures never damage the
// previous export.
func TestExport(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo newsroom")
	}
	s := newExportSite(t)
	out := filepath.Join(s.dir, "www")
	s.export(t, out)
	static := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer static.Close()
	pub := s.pubFile(t)

	t.Run("served by a static file server", func(t *testing.T) {
		pages, seen := server.CrawlStatic(t, static.URL, exportBase, "/", "/feed.xml", "/atom.xml", "/feed.json", "/sitemap.xml",
			"/news-sitemap.xml", "/robots.txt", "/mirrors", "/mirrors.txt", "/support", "/search", "/newsletter", mirror.PubKeyPath)
		if pages < 100 {
			t.Errorf("crawled %d HTML pages of the copy, want at least 100", pages)
		}
		paged := 0
		for u := range seen {
			if strings.Contains(u, "/page/2/") {
				paged++
			}
		}
		if paged == 0 {
			t.Error("no second page of any section, topic or author was linked in the copy")
		}
		if code, body := staticGet(t, static.URL, "/support/"); code != 200 || !strings.Contains(body, "IBAN LT12 1000 0111 0100 1000") ||
			!strings.Contains(body, exportBase+"/support") || !strings.Contains(body, "http://samizdatdemo2345.onion/support") {
			t.Errorf("/support/ in the copy: status %d; want the bank details and links to the primary's and onion's /support:\n%s", code, body)
		}
		if code, body := staticGet(t, static.URL, "/search?q=tallow"); code != 200 || !strings.Contains(body, "this copy cannot search") {
			t.Errorf("/search in the copy: status %d, want a page saying plainly that the copy cannot search", code)
		}
		if _, body := staticGet(t, static.URL, "/feed.xml"); !strings.Contains(body, "<link>"+exportBase+"/</link>") {
			t.Error("/feed.xml in the copy does not use the export's base URL")
		}
		// The stylesheet that shows the feeds in a browser is in the copy.
		for _, feed := range []string{"/feed.xml", "/atom.xml", "/ru/feed.xml"} {
			_, body := staticGet(t, static.URL, feed)
			m := regexp.MustCompile(`<\?xml-stylesheet type="text/xsl" href="(/static/[^"]+/feed\.xsl)"\?>`).FindStringSubmatch(body)
			if m == nil {
				t.Errorf("%s in the copy names no XSL stylesheet", feed)
				continue
			}
			if code, xsl := staticGet(t, static.URL, m[1]); code != 200 || !strings.Contains(xsl, "xsl:stylesheet") {
				t.Errorf("%s's stylesheet %s in the copy: status %d", feed, m[1], code)
			}
		}
	})

	t.Run("verify passes", func(t *testing.T) {
		for _, key := range []string{pub, static.URL + mirror.PubKeyPath} {
			stdout, stderr, err := s.run(t, "verify", out, "--pubkey", key)
			if err != nil || !strings.HasPrefix(stdout, "ok: ") {
				t.Errorf("verify --pubkey %s: %v\n%s%s", key, err, stdout, stderr)
			}
		}
		// However the directory is written, it is the same copy.
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(wd, out)
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range []string{out + "/", out + "//", filepath.Join(out, "news", "..") + "/", rel, rel + "/"} {
			if stdout, stderr, err := s.run(t, "verify", dir, "--pubkey", pub); err != nil || !strings.HasPrefix(stdout, "ok: ") {
				t.Errorf("verify %s: %v\n%s%s", dir, err, stdout, stderr)
			}
		}
	})

	t.Run("verify catches tampering", func(t *testing.T) {
		tests := []struct {
			name   string
			tamper func(dir string) error
			want   string
		}{
			{"one changed byte", func(dir string) error {
				p := filepath.Join(dir, "index.html")
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				i := bytes.Index(b, []byte("<title>")) + len("<title>")
				b[i] ^= 0x20
				return os.WriteFile(p, b, 0o644)
			}, "changed: index.html"},
			{"one added file", func(dir string) error {
				return os.WriteFile(filepath.Join(dir, "news", "offer.html"), []byte("<p>Send money here</p>"), 0o644)
			}, "added: news/offer.html"},
			{"one removed file", func(dir string) error {
				return os.Remove(filepath.Join(dir, "robots.txt"))
			}, "removed: robots.txt"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "copy")
				copyTree(t, out, dir)
				if err := tc.tamper(dir); err != nil {
					t.Fatal(err)
				}
				stdout, _, err := s.run(t, "verify", dir, "--pubkey", pub)
				if err == nil || cli.ExitCode(err) == 0 {
					t.Fatalf("verify after %s: no error, want a non-zero exit", tc.name)
				}
				if strings.TrimSpace(stdout) != tc.want {
					t.Errorf("verify after %s reported %q, want exactly %q", tc.name, stdout, tc.want)
				}
			})
		}
		t.Run("altered manifest", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "copy")
			copyTree(t, out, dir)
			p := filepath.Join(dir, "manifest.json")
			b, _ := os.ReadFile(p)
			// One digit of one file's SHA-256, so the manifest still parses.
			i := bytes.Index(b, []byte(`"sha256":"`)) + len(`"sha256":"`)
			b[i] ^= 1
			os.WriteFile(p, b, 0o644)
			if _, _, err := s.run(t, "verify", dir, "--pubkey", pub); !errors.Is(err, mirror.ErrBadSignature) {
				t.Errorf("verify with an altered manifest: %v, want ErrBadSignature", err)
			}
		})
	})

	// Two articles, to watch which files an export rewrites.
	st, err := store.Open(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.ListArticles(context.Background(), store.ListQuery{Limit: 100})
	st.Close()
	if err != nil || len(list) < 2 {
		t.Fatalf("articles: %v", err)
	}
	changed, unchanged := list[len(list)-1], list[len(list)-2]
	fileOf := func(path string) string { return filepath.Join(out, filepath.FromSlash(path), "index.html") }
	statOf := func(path string) os.FileInfo {
		fi, err := os.Stat(fileOf(path))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}

	t.Run("incremental", func(t *testing.T) {
		before := statOf(changed.Path())
		stdout := s.export(t, out)
		if !strings.Contains(stdout, "(0 written") {
			t.Errorf("export of an unchanged site: %q, want 0 files written", stdout)
		}
		if !os.SameFile(before, statOf(changed.Path())) {
			t.Error("an unchanged article's file was rewritten")
		}
		srv := s.open(t, false)
		a, err := srv.Store.ArticleBySlug(context.Background(), changed.Slug)
		if err == nil {
			a.Headline = "Updated: " + a.Headline
			err = srv.Content.Update(context.Background(), a)
		}
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		keep := statOf(unchanged.Path())
		s.export(t, out)
		if os.SameFile(before, statOf(changed.Path())) {
			t.Error("the changed article's file was not rewritten")
		}
		if b, _ := os.ReadFile(fileOf(changed.Path())); !bytes.Contains(b, []byte("Updated: ")) {
			t.Error("the changed article's file does not show the change")
		}
		if !os.SameFile(keep, statOf(unchanged.Path())) {
			t.Error("an unchanged article's file was rewritten after another article changed")
		}
		if _, _, err := s.run(t, "verify", out, "--pubkey", pub); err != nil {
			t.Errorf("verify after an incremental export: %v", err)
		}
	})

	verifyServes := func(t *testing.T, when string) {
		t.Helper()
		if stdout, _, err := s.run(t, "verify", out, "--pubkey", pub); err != nil {
			t.Errorf("verify %s: %v\n%s", when, err, stdout)
		}
		if code, _ := staticGet(t, static.URL, "/"); code != 200 {
			t.Errorf("GET / %s: status %d", when, code)
		}
		if code, _ := staticGet(t, static.URL, unchanged.Path()); code != 200 {
			t.Errorf("GET %s %s: status %d", unchanged.Path(), when, code)
		}
	}

	t.Run("killed midway", func(t *testing.T) {
		manifest, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
		// A real export process, killed with SIGKILL once it has written
		// part of the new copy.
		killExportMidway(t, s, out, 40, "--base-url", "https://other.example")
		if now, _ := os.ReadFile(filepath.Join(out, "manifest.json")); !bytes.Equal(now, manifest) {
			t.Error("the killed export changed the served manifest")
		}
		verifyServes(t, "after a killed export")
		// The next export cleans up and succeeds.
		s.export(t, out)
		verifyServes(t, "after the export following a killed one")
		if _, err := os.Stat(filepath.Join(s.dir, ".www.samizdat-new")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the killed export's unfinished copy is still there: %v", err)
		}
	})

	t.Run("disk full midway", func(t *testing.T) {
		// A full disk cannot be made on demand without root (a small tmpfs):
		// this writer fails like one, with ENOSPC, after 25 files.
		manifest, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
		// Another base URL, so that every page changes and must be written.
		const third = "https://third.example"
		srv, err := server.New(context.Background(), config.Config{DB: s.db, Media: s.media, BaseURL: third, MirrorKey: s.key,
			DataKeyFile: filepath.Join(s.dir, "data.key")}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		key, _ := mirror.LoadOrCreateKey(s.key)
		n := 0
		_, err = mirror.Export(context.Background(), mirror.Options{
			Handler: srv.Handler(), BaseURL: third, Source: srv.Store, Out: out, Key: key, PageSize: site.PageSize,
			Create: func(name string) (io.WriteCloser, error) {
				n++
				if n > 25 {
					return failingFile{}, nil
				}
				return os.Create(name)
			},
			Workers: 1,
		})
		if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left on device") {
			t.Fatalf("export onto a full disk: %v, want an error saying no space is left", err)
		}
		if now, _ := os.ReadFile(filepath.Join(out, "manifest.json")); !bytes.Equal(now, manifest) {
			t.Error("the failed export changed the served manifest")
		}
		verifyServes(t, "after an export failed on a full disk")
		if _, err := os.Stat(filepath.Join(s.dir, ".www.samizdat-new")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the failed export left its unfinished copy: %v", err)
		}
	})

	t.Run("refuses a directory that is not an export", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "docs")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "thesis.odt"), []byte("years of work"), 0o644)
		_, _, err := s.run(t, "export", "--out", dir, "--base-url", exportBase)
		if err == nil || !strings.Contains(err.Error(), "--force") {
			t.Fatalf("export into a directory of other files: %v, want a refusal naming --force", err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "thesis.odt")); string(b) != "years of work" {
			t.Fatal("the refused export touched the directory's files")
		}
		s.export(t, dir, "--force")
		if _, err := os.Stat(filepath.Join(dir, "thesis.odt")); !errors.Is(err, fs.ErrNotExist) {
			t.Error("--force kept a file that is not part of the export")
		}
		if _, _, err := s.run(t, "verify", dir, "--pubkey", pub); err != nil {
			t.Errorf("verify after --force: %v", err)
		}
	})

	t.Run("bad base URL", func(t *testing.T) {
		_, _, err := s.run(t, "export", "--out", filepath.Join(t.TempDir(), "x"), "--base-url", "news.example/path")
		if err == nil || cli.ExitCode(err) != 2 {
			t.Errorf("export --base-url without a scheme: %v, want a usage error", err)
		}
	})
}

// failingFile fails every write as a full disk does.
type failingFile struct{}

func (failingFile) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "file", Err: syscall.ENOSPC}
}
func (failingFile) Close() error { return nil }

// killExportMidway runs a real export process into out and kills it with
// SIGKILL once it has written stallAfter files.
func killExportMidway(t *testing.T, s exportSite, out string, stallAfter int, args ...string) {
	t.Helper()
	args = append([]string{"export", "--out", out, "--db", s.db, "--media", s.media,
		"--mirror-key", s.key, "--data-key-file", filepath.Join(s.dir, "data.key")}, args...)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SAMIZDAT_TEST_EXEC="+strings.Join(args, "\x1f"),
		"SAMIZDAT_EXPORT_TEST_STALL_AFTER="+strconv.Itoa(stallAfter))
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(log.String(), "export stalled") {
		n, err := stderr.Read(buf)
		log.Write(buf[:n])
		if err != nil {
			t.Fatalf("the export ended before it could be killed: %v\n%s", err, log.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}
