// Package backup writes a whole site into one archive while it serves, and
// restores an archive into an empty database of either engine.
//
// The archive is a gzip-compressed tar of:
//   - db.sqlite: every table of the schema, copied in one snapshot of the
//     live database (store.Copy: SQLite's read transaction, PostgreSQL's
//     REPEATABLE READ) into a fresh SQLite file, the engine-independent
//     form restore reads on either engine;
//   - media/...: the media directory's files;
//   - manifest.json, last: the schema version, each table's row count and
//     checksum at the snapshot, each entry's size and SHA-256, and which
//     data key seals the donor and subscriber fields.
//
// Sealed fields are copied as they are: a backup holds no e-mail address
// in the clear, and restore refuses a key that cannot open them.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
)

// Format is the archive format's version.
const Format = 1

// Entry names in the archive.
const (
	dbEntry       = "db.sqlite"
	manifestEntry = "manifest.json"
	mediaPrefix   = "media/"
)

// Manifest describes an archive; it is its last entry.
type Manifest struct {
	Format        int                 `json:"format"`
	CreatedAt     time.Time           `json:"created_at"`
	SourceEngine  string              `json:"source_engine"`
	SchemaVersion int                 `json:"schema_version"`
	DataKeyID     string              `json:"data_key_id"` // which data key seals the personal data
	Tables        []store.CopiedTable `json:"tables"`
	Files         []File              `json:"files"` // every other entry
}

// File is one archive entry as written.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// KeyID names a data key without revealing it: restore compares it with
// the key it is given.
func KeyID(k *secret.Keys) string {
	m := hmac.New(sha256.New, k.Derive("backup key id"))
	m.Write([]byte("samizdat data key"))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

// Options configure Backup.
type Options struct {
	Out   string       // the archive's path; written under a temporary name, then renamed
	Media string       // the media directory ("" or missing: none)
	Keys  *secret.Keys // the site's data key
	// TempDir holds the snapshot's SQLite file while it is written into
	// the archive (default: the archive's directory).
	TempDir string
	// wrap, in tests, stands between the archive and its file (a full
	// disk).
	wrap func(io.Writer) io.Writer
}

// Report says what a backup or restore did.
type Report struct {
	Manifest Manifest
	Bytes    int64 // the archive's size
	Elapsed  time.Duration
}

// Backup writes the archive. On any error, a full disk included, nothing
// is left under the archive's name (an earlier archive there stays).
func Backup(ctx context.Context, st *store.Store, opts Options) (Report, error) {
	start := time.Now()
	var rep Report
	if opts.Out == "" {
		return rep, errors.New("backup: no archive path")
	}
	// The archive replaces a file by rename: never a device or a directory.
	if fi, err := os.Lstat(opts.Out); err == nil && !fi.Mode().IsRegular() {
		return rep, fmt.Errorf("backup: %s is not a regular file: name a file to write the archive to", opts.Out)
	}
	dir := filepath.Dir(opts.Out)
	tmpDir := opts.TempDir
	if tmpDir == "" {
		tmpDir = dir
	}
	snap, err := os.MkdirTemp(tmpDir, ".samizdat-backup-*")
	if err != nil {
		return rep, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(snap)

	// The snapshot: every table in one transaction of the live database.
	snapPath := filepath.Join(snap, dbEntry)
	dst, err := store.Open(ctx, snapPath)
	if err != nil {
		return rep, fmt.Errorf("backup: snapshot file: %w", err)
	}
	// The target of a restore makes its own full-text index.
	if err := dst.DropSearchIndex(ctx); err != nil {
		dst.Close()
		return rep, fmt.Errorf("backup: snapshot file: %w", err)
	}
	cr, err := store.Copy(ctx, st, dst, store.CopyOptions{})
	closeErr := dst.Close()
	if err != nil {
		return rep, fmt.Errorf("backup: snapshot: %w", err)
	}
	if closeErr != nil {
		return rep, fmt.Errorf("backup: snapshot file: %w", closeErr)
	}
	if err := checkKey(ctx, snapPath, opts.Keys); err != nil {
		return rep, err
	}
	m := Manifest{Format: Format, CreatedAt: time.Now().UTC(), SourceEngine: cr.From, SchemaVersion: cr.SchemaVersion,
		DataKeyID: KeyID(opts.Keys), Tables: cr.Tables}

	f, err := os.CreateTemp(dir, "."+filepath.Base(opts.Out)+".*.partial")
	if err != nil {
		return rep, fmt.Errorf("backup: %w", err)
	}
	tmpName := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmpName)
		}
	}()
	var w io.Writer = f
	if opts.wrap != nil {
		w = opts.wrap(w)
	}
	counter := &countingWriter{w: w}
	gz, err := gzip.NewWriterLevel(counter, gzip.BestSpeed)
	if err != nil {
		return rep, err
	}
	tw := tar.NewWriter(gz)
	add := func(name, file string) error {
		e, err := addFile(tw, name, file)
		if err != nil {
			return fmt.Errorf("backup: %s: %w", name, err)
		}
		m.Files = append(m.Files, e)
		return nil
	}
	if err := add(dbEntry, snapPath); err != nil {
		return rep, err
	}
	if opts.Media != "" {
		files, err := mediaFiles(opts.Media)
		if err != nil {
			return rep, fmt.Errorf("backup: media %s: %w", opts.Media, err)
		}
		for _, rel := range files {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if err := add(mediaPrefix+rel, filepath.Join(opts.Media, filepath.FromSlash(rel))); err != nil {
				return rep, err
			}
		}
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return rep, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestEntry, Mode: 0o600, Size: int64(len(mb)), ModTime: m.CreatedAt, Format: tar.FormatPAX}); err != nil {
		return rep, fmt.Errorf("backup: %s: %w", manifestEntry, err)
	}
	if _, err := tw.Write(mb); err != nil {
		return rep, fmt.Errorf("backup: %s: %w", manifestEntry, err)
	}
	if err := tw.Close(); err != nil {
		return rep, fmt.Errorf("backup: %w", err)
	}
	if err := gz.Close(); err != nil {
		return rep, fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		return rep, fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return rep, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmpName, opts.Out); err != nil {
		return rep, fmt.Errorf("backup: %w", err)
	}
	done = true
	return Report{Manifest: m, Bytes: counter.n, Elapsed: time.Since(start)}, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// addFile writes one file as an entry and returns its size and hash.
func addFile(tw *tar.Writer, name, file string) (File, error) {
	f, err := os.Open(file)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return File{}, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime(), Format: tar.FormatPAX}); err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), f)
	if err != nil {
		return File{}, err
	}
	if n != fi.Size() {
		return File{}, fmt.Errorf("the file changed size while it was read (%d, then %d bytes)", fi.Size(), n)
	}
	return File{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// mediaFiles lists the regular files under dir, slash-separated and
// sorted; a missing directory has none.
func mediaFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(out)
	return out, err
}

// checkKey opens one sealed value of the snapshot with keys: a backup made
// with the wrong key would be refused at restore, when it is too late.
func checkKey(ctx context.Context, dbPath string, keys *secret.Keys) error {
	sealed, where, err := oneSealed(ctx, dbPath)
	if err != nil || sealed == nil {
		return err
	}
	if _, err := secret.NewBox(keys).Open(sealed); err != nil {
		return fmt.Errorf("backup: the data key given cannot open the site's %s: pass the key the site runs with (--data-key or --data-key-file)", where)
	}
	return nil
}

// oneSealed returns a sealed value from the database file, if any.
func oneSealed(ctx context.Context, dbPath string) ([]byte, string, error) {
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	for _, q := range []struct{ sql, what string }{
		{`SELECT email_sealed FROM supporters LIMIT 1`, "supporters' e-mail addresses"},
		{`SELECT email FROM newsletter_subscribers LIMIT 1`, "subscribers' e-mail addresses"},
	} {
		var b []byte
		err := db.QueryRowContext(ctx, q.sql).Scan(&b)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("read the snapshot: %w", err)
		}
		return b, q.what, nil
	}
	return nil, "", nil
}

// RestoreOptions configure Restore.
type RestoreOptions struct {
	Archive string
	Media   string // where the media files go ("": not restored)
	Keys    *secret.Keys
	Force   bool   // empty a non-empty target first (in the same transaction)
	TempDir string // for the extracted snapshot (default: the system's)
}

// Restore loads an archive into target, after checking every entry
// against the manifest and the data key against the one that sealed the
// archive's personal data. Errors name the archive and the entry.
func Restore(ctx context.Context, target *store.Store, opts RestoreOptions) (Report, error) {
	start := time.Now()
	var rep Report
	work, err := os.MkdirTemp(opts.TempDir, ".samizdat-restore-*")
	if err != nil {
		return rep, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(work)
	m, size, err := extract(opts.Archive, work)
	if err != nil {
		return rep, err
	}
	rep.Manifest, rep.Bytes = m, size
	if m.Format != Format {
		return rep, fmt.Errorf("restore: archive %s is in format %d; this samizdat reads format %d", opts.Archive, m.Format, Format)
	}
	if id := KeyID(opts.Keys); id != m.DataKeyID {
		return rep, fmt.Errorf("restore: archive %s: its donor and subscriber data is sealed with the data key %s, and the key given is %s, which cannot open it: "+
			"pass the site's key with --data-key or --data-key-file", opts.Archive, m.DataKeyID, id)
	}
	snap, err := store.OpenSnapshot(ctx, filepath.Join(work, dbEntry))
	if err != nil {
		return rep, fmt.Errorf("restore: archive %s: entry %s: %w", opts.Archive, dbEntry, err)
	}
	defer snap.Close()
	// Opening the snapshot migrates an archive made by an older samizdat
	// forward; its file was checked against the manifest's hash already.
	v, err := snap.SchemaVersion(ctx)
	if err != nil {
		return rep, fmt.Errorf("restore: archive %s: entry %s: %w", opts.Archive, dbEntry, err)
	}
	cr, err := store.Copy(ctx, snap, target, store.CopyOptions{Force: opts.Force})
	if err != nil {
		return rep, fmt.Errorf("restore: %w", err)
	}
	if bad := compareTables(m.Tables, cr.Tables); v == m.SchemaVersion && bad != "" {
		// Copy committed what the snapshot file held; it differs from the
		// manifest only if the file was changed after it was hashed.
		return rep, fmt.Errorf("restore: archive %s: entry %s does not match the manifest: %s", opts.Archive, dbEntry, bad)
	}
	if opts.Media != "" {
		if err := placeMedia(filepath.Join(work, "media"), opts.Media); err != nil {
			return rep, fmt.Errorf("restore: media into %s: %w", opts.Media, err)
		}
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// compareTables says how the restored tables differ from the manifest's.
func compareTables(want, got []store.CopiedTable) string {
	idx := map[string]store.CopiedTable{}
	for _, t := range got {
		idx[t.Name] = t
	}
	var bad []string
	for _, w := range want {
		g, ok := idx[w.Name]
		switch {
		case !ok:
			bad = append(bad, w.Name+": missing")
		case g.Rows != w.Rows || g.Checksum != w.Checksum:
			bad = append(bad, fmt.Sprintf("%s: %d rows, checksum %.12s; the manifest says %d rows, %.12s", w.Name, g.Rows, g.Checksum, w.Rows, w.Checksum))
		}
	}
	return strings.Join(bad, "; ")
}

// extract reads the whole archive into dir, hashing every entry, then
// checks each against the manifest (its last entry). It returns the
// manifest and the archive's size.
func extract(archive, dir string) (Manifest, int64, error) {
	var m Manifest
	f, err := os.Open(archive)
	if err != nil {
		return m, 0, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return m, 0, fmt.Errorf("restore: %w", err)
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		return m, 0, fmt.Errorf("restore: archive %s is not a samizdat backup (not gzip-compressed): %w", archive, err)
	}
	tr := tar.NewReader(gz)
	got := map[string]File{}
	var manifest []byte
	last := "(the start)"
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, 0, fmt.Errorf("restore: archive %s: after entry %s: %w", archive, last, err)
		}
		name := h.Name
		last = name
		if h.Typeflag != tar.TypeReg || !validEntry(name) {
			return m, 0, fmt.Errorf("restore: archive %s: entry %s: not a file a samizdat backup holds", archive, name)
		}
		if name == manifestEntry {
			if manifest, err = io.ReadAll(io.LimitReader(tr, 64<<20)); err != nil {
				return m, 0, fmt.Errorf("restore: archive %s: entry %s: %w", archive, name, err)
			}
			continue
		}
		out := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return m, 0, fmt.Errorf("restore: %w", err)
		}
		e, err := writeEntry(out, tr)
		if err != nil {
			return m, 0, fmt.Errorf("restore: archive %s: entry %s: %w", archive, name, err)
		}
		e.Name = name
		got[name] = e
	}
	if manifest == nil {
		return m, 0, fmt.Errorf("restore: archive %s: no entry %s: the archive is cut short or not a samizdat backup", archive, manifestEntry)
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		return m, 0, fmt.Errorf("restore: archive %s: entry %s: %w", archive, manifestEntry, err)
	}
	for _, want := range m.Files {
		e, ok := got[want.Name]
		switch {
		case !ok:
			return m, 0, fmt.Errorf("restore: archive %s: entry %s is in the manifest but not in the archive", archive, want.Name)
		case e.Size != want.Size || e.SHA256 != want.SHA256:
			return m, 0, fmt.Errorf("restore: archive %s: entry %s is corrupted: %d bytes, SHA-256 %.16s…; the manifest says %d bytes, %.16s…",
				archive, want.Name, e.Size, e.SHA256, want.Size, want.SHA256)
		}
		delete(got, want.Name)
	}
	for name := range got {
		return m, 0, fmt.Errorf("restore: archive %s: entry %s is not in the manifest", archive, name)
	}
	return m, fi.Size(), nil
}

func validEntry(name string) bool {
	if name == dbEntry || name == manifestEntry {
		return true
	}
	rel, ok := strings.CutPrefix(name, mediaPrefix)
	return ok && rel != "" && path.Clean(rel) == rel && !strings.HasPrefix(rel, "../") && !path.IsAbs(rel)
}

func writeEntry(out string, r io.Reader) (File, error) {
	f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, err
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// placeMedia moves the extracted media files into dst; a file already
// there with the same name is left as it is (media files are named by
// their content's key).
func placeMedia(src, dst string) error {
	files, err := mediaFiles(src)
	if err != nil {
		return err
	}
	for _, rel := range files {
		to := filepath.Join(dst, filepath.FromSlash(rel))
		if _, err := os.Stat(to); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if err := moveFile(filepath.Join(src, filepath.FromSlash(rel)), to); err != nil {
			return err
		}
	}
	return nil
}

// moveFile renames, or copies across file systems.
func moveFile(from, to string) error {
	if err := os.Rename(from, to); err == nil {
		return nil
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to+".partial", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(to + ".partial")
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(to + ".partial")
		return err
	}
	return os.Rename(to+".partial", to)
}
