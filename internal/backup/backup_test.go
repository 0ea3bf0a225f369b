package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

func testKeys(t *testing.T, b byte) *secret.Keys {
	t.Helper()
	k, err := secret.NewKeys(bytes.Repeat([]byte{b}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// site is a small live site: articles, a supporter with a sealed address,
// a newsletter subscriber, a gift in the ledger, settings and media files.
type site struct {
	st    *store.Store
	svc   *content.Service
	media string
	keys  *secret.Keys
	sec   content.Section
}

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "live.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys := testKeys(t, 7)
	box := secret.NewBox(keys)
	st.SetSealer(box)
	s := &site{st: st, svc: content.NewService(st, content.NewRenderer()), media: filepath.Join(dir, "media"), keys: keys}
	s.sec = content.Section{Slug: "news", Name: "News"}
	must(t, st.CreateSection(ctx, &s.sec))
	for i := range 20 {
		s.article(t, i)
	}
	must(t, st.SetSetting(ctx, "site.name", "The Northern Ledger"))
	key := &store.SupporterKey{Lookup: box.Lookup("donor@example.org"), Sealed: box.Seal("donor@example.org")}
	must(t, st.CreateCheckout(ctx, revenue.Checkout{ID: "co-1", Provider: "stripe", Frequency: revenue.OneTime, Amount: 2500, Currency: "eur"}, key))
	if _, err := st.ApplyEvent(ctx, revenue.Event{Provider: "stripe", ID: "evt-1", Type: "checkout.session.completed", Kind: revenue.EventCheckoutCompleted,
		At: time.Now(), CheckoutID: "co-1", Payment: &revenue.Payment{Ref: "pi-1", Amount: 2500, Currency: "eur", Frequency: revenue.OneTime}},
		box.Seal("{}"), key); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Subscribe(ctx, "reader@example.org", "en", []string{"daily"}, "confirm-hash", time.Now()); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"ab/abcdef/1200.jpg", "ab/abcdef/600.jpg", "cd/cdef01/1200.jpg"} {
		p := filepath.Join(s.media, filepath.FromSlash(name))
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, bytes.Repeat([]byte{byte(i + 1)}, 5000+i), 0o644))
	}
	return s
}

func (s *site) article(t *testing.T, i int) {
	t.Helper()
	a := &content.Article{Headline: fmt.Sprintf("Harbour report %d", i), Dek: "What the port saw", Body: "First paragraph.\n\nSecond paragraph.",
		Lang: "en", Status: content.StatusPublished, Section: s.sec, PublishedAt: time.Now().UTC().Truncate(time.Second)}
	if err := s.svc.Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func tableRows(m Manifest, name string) int64 {
	for _, t := range m.Tables {
		if t.Name == name {
			return t.Rows
		}
	}
	return -1
}

// TestBackupWhileWritingRestoresOnBothEngines takes a backup while
// articles and gifts keep being written, then restores it into a fresh
// SQLite and a fresh PostgreSQL database: both hold exactly the snapshot
// (row counts and checksums of every table equal the manifest's), and the
// media come back byte for byte.
func TestBackupWhileWritingRestoresOnBothEngines(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "site.tar.gz")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s.article(t, i)
			if _, err := s.st.ApplyEvent(ctx, revenue.Event{Provider: "stripe", ID: fmt.Sprintf("evt-w%d", i), Type: "invoice.paid",
				Kind: revenue.EventPaymentSucceeded, At: time.Now(), Payment: &revenue.Payment{Ref: fmt.Sprintf("in-w%d", i), Amount: 500, Currency: "eur"}},
				[]byte("sealed"), nil); err != nil {
				t.Error(err)
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	rep, err := Backup(ctx, s.st, Options{Out: out, Media: s.media, Keys: s.keys})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Manifest
	// Each writer step adds an article, then a gift: one moment of the
	// site has as many of each as steps done, or one article more.
	arts, gifts := tableRows(m, "articles")-20, tableRows(m, "ledger_entries")-1
	if arts < 3 || arts > written.Load()+1 || (arts != gifts && arts != gifts+1) {
		t.Errorf("snapshot: %d new articles, %d new gifts, %d writer steps: not one moment of the site", arts, gifts, written.Load())
	}
	if len(m.Files) != 4 || m.DataKeyID != KeyID(s.keys) || m.SourceEngine != "sqlite" {
		t.Errorf("manifest: %+v", m)
	}

	targets := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "restored.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.Database(t) }},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			dst, err := store.Open(ctx, tc.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			media := filepath.Join(t.TempDir(), "media")
			got, err := Restore(ctx, dst, RestoreOptions{Archive: out, Media: media, Keys: s.keys})
			if err != nil {
				t.Fatal(err)
			}
			// Restore compared every table with the manifest; read it
			// back once more, from the restored database itself.
			again := filepath.Join(t.TempDir(), "again.db")
			check, err := store.Open(ctx, again)
			if err != nil {
				t.Fatal(err)
			}
			defer check.Close()
			cr, err := store.Copy(ctx, dst, check, store.CopyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if bad := compareTables(m.Tables, cr.Tables); bad != "" {
				t.Errorf("restored database differs from the snapshot: %s", bad)
			}
			if got.Manifest.DataKeyID != m.DataKeyID {
				t.Errorf("manifest read back: %+v", got.Manifest)
			}
			for _, f := range []string{"ab/abcdef/1200.jpg", "cd/cdef01/1200.jpg"} {
				a, _ := os.ReadFile(filepath.Join(s.media, f))
				b, err := os.ReadFile(filepath.Join(media, f))
				if err != nil || !bytes.Equal(a, b) {
					t.Errorf("media %s not restored (%v)", f, err)
				}
			}
			// The donor's address is still sealed, and opens with the key.
			box := secret.NewBox(s.keys)
			id, err := dst.SupporterByLookup(ctx, box.Lookup("donor@example.org"))
			if err != nil {
				t.Fatal(err)
			}
			sealed, err := dst.SupporterEmail(ctx, id)
			if err != nil || bytes.Contains(sealed, []byte("donor@example.org")) {
				t.Fatalf("restored address: %q, %v", sealed, err)
			}
			if addr, err := box.Open(sealed); err != nil || addr != "donor@example.org" {
				t.Errorf("restored address opens as %q, %v", addr, err)
			}
			if name, err := dst.Setting(ctx, "site.name", ""); err != nil || name != "The Northern Ledger" {
				t.Errorf("settings: %q %v", name, err)
			}
			// The archive carries no search index; the restored site has one.
			if _, total, err := dst.Search(ctx, content.ParseQuery("harbour report"), 10, 0); err != nil || int64(total) != min(tableRows(m, "articles"), store.SearchCap) {
				t.Errorf("search on the restored site: %d hits, %v; want every article", total, err)
			}
			// And back: a backup of the restored site restores into SQLite
			// as the same snapshot, whichever engine it was taken from.
			out2 := filepath.Join(t.TempDir(), "again.tar.gz")
			if _, err := Backup(ctx, dst, Options{Out: out2, Media: media, Keys: s.keys}); err != nil {
				t.Fatal(err)
			}
			third, err := store.Open(ctx, filepath.Join(t.TempDir(), "third.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer third.Close()
			back, err := Restore(ctx, third, RestoreOptions{Archive: out2, Keys: s.keys})
			if err != nil {
				t.Fatal(err)
			}
			if back.Manifest.SourceEngine != tc.name {
				t.Errorf("second backup's source: %s", back.Manifest.SourceEngine)
			}
			if bad := compareTables(m.Tables, back.Manifest.Tables); bad != "" {
				t.Errorf("backup of the restored %s site differs: %s", tc.name, bad)
			}
		})
	}
}

// TestRestoreRefuses: a corrupted, cut or foreign archive, the wrong data
// key, and a database that holds data are refused, saying what and where.
func TestRestoreRefuses(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "site.tar.gz")
	if _, err := Backup(ctx, s.st, Options{Out: out, Media: s.media, Keys: s.keys}); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	variant := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, b, 0o644))
		return p
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x5a
	for _, tc := range []struct {
		name, archive string
		keys          *secret.Keys
		want          []string
	}{
		{"corrupted", variant("flipped.tar.gz", flipped), s.keys, []string{"flipped.tar.gz", "entry "}},
		{"cut short", variant("cut.tar.gz", good[:len(good)*2/3]), s.keys, []string{"cut.tar.gz", "entry "}},
		{"not a backup", variant("feed.xml", []byte(`<?xml version="1.0"?><rss></rss>`)), s.keys, []string{"feed.xml", "not a samizdat backup"}},
		{"wrong key", out, testKeys(t, 9), []string{"sealed with the data key " + KeyID(s.keys), "--data-key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst, err := store.Open(ctx, filepath.Join(t.TempDir(), "target.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			_, err = Restore(ctx, dst, RestoreOptions{Archive: tc.archive, Keys: tc.keys})
			if err == nil {
				t.Fatal("restored")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if name, _ := dst.Setting(ctx, "site.name", ""); name != "" {
				t.Errorf("a refused restore wrote the settings (site %q)", name)
			}
		})
	}
	t.Run("not empty", func(t *testing.T) {
		_, err := Restore(ctx, s.st, RestoreOptions{Archive: out, Keys: s.keys})
		if !errors.Is(err, store.ErrTargetNotEmpty) {
			t.Fatalf("restore onto the live site: %v, want ErrTargetNotEmpty", err)
		}
		dst, err := store.Open(ctx, filepath.Join(t.TempDir(), "target.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer dst.Close()
		must(t, dst.SetSetting(ctx, "site.name", "Something else"))
		if _, err := Restore(ctx, dst, RestoreOptions{Archive: out, Keys: s.keys}); !errors.Is(err, store.ErrTargetNotEmpty) {
			t.Fatalf("restore onto a used database: %v", err)
		}
		if _, err := Restore(ctx, dst, RestoreOptions{Archive: out, Keys: s.keys, Force: true}); err != nil {
			t.Fatalf("--force: %v", err)
		}
		if name, _ := dst.Setting(ctx, "site.name", ""); name != "The Northern Ledger" {
			t.Errorf("after --force the site is %q", name)
		}
	})
}

// diskFull fails every write after limit bytes, as a full disk does.
type diskFull struct {
	w     io.Writer
	limit int64
}

func (d *diskFull) Write(p []byte) (int, error) {
	if int64(len(p)) > d.limit {
		n, _ := d.w.Write(p[:d.limit])
		d.limit = 0
		return n, syscall.ENOSPC
	}
	d.limit -= int64(len(p))
	return d.w.Write(p)
}

// TestBackupToFullDisk: the write fails, the error says so, and nothing
// is left under the archive's name; an older archive there stays whole.
func TestBackupToFullDisk(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "site.tar.gz")
	must(t, os.WriteFile(out, []byte("yesterday's archive"), 0o644))
	_, err := Backup(ctx, s.st, Options{Out: out, Media: s.media, Keys: s.keys,
		wrap: func(w io.Writer) io.Writer { return &diskFull{w: w, limit: 2000} }})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("backup to a full disk: %v, want ENOSPC", err)
	}
	b, _ := os.ReadFile(out)
	if string(b) != "yesterday's archive" {
		t.Errorf("the archive's name now holds %d bytes", len(b))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left behind: %v", names)
	}
}

// TestBackupRefusesADevice: the archive is renamed into place, which must
// never replace a device or a directory.
func TestBackupRefusesADevice(t *testing.T) {
	s := newSite(t)
	for _, out := range []string{os.DevNull, t.TempDir()} {
		_, err := Backup(context.Background(), s.st, Options{Out: out, Media: s.media, Keys: s.keys})
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("backup to %s: %v", out, err)
		}
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode().IsRegular() {
		t.Fatalf("%s is no longer a device: %v", os.DevNull, err)
	}
}

// TestBackupRefusesTheWrongKey: a backup made with a key that cannot open
// the site's sealed data would be useless; it is refused at once.
func TestBackupRefusesTheWrongKey(t *testing.T) {
	s := newSite(t)
	out := filepath.Join(t.TempDir(), "site.tar.gz")
	_, err := Backup(context.Background(), s.st, Options{Out: out, Media: s.media, Keys: testKeys(t, 1)})
	if err == nil || !strings.Contains(err.Error(), "cannot open") {
		t.Fatalf("backup with the wrong key: %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an archive was written: %v", err)
	}
}
