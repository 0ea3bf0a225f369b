package mirror

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Report is what Verify found: every file that differs from the signed
// manifest.
type Report struct {
	Files   int      // in the manifest
	Added   []string // present but not in the manifest
	Removed []string // in the manifest but missing
	Changed []string // different size or content
}

// OK reports whether the directory is exactly what was signed.
func (r Report) OK() bool { return len(r.Added)+len(r.Removed)+len(r.Changed) == 0 }

// ErrBadSignature means manifest.sig does not sign manifest.json with the
// given key: the manifest was altered, or another key signed it.
var ErrBadSignature = errors.New("manifest.sig does not match manifest.json and the public key: the manifest was altered or signed by another key")

// Verify checks dir against its signed manifest: the signature first, then
// every file's size and SHA-256, then that no file was added.
func Verify(dir string, pub ed25519.PublicKey) (Report, error) {
	dir = filepath.Clean(dir) // "copy/", "./copy" and "copy" are one copy
	mb, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return Report{}, fmt.Errorf("verify: %w", err)
	}
	sb, err := os.ReadFile(filepath.Join(dir, sigName))
	if err != nil {
		return Report{}, fmt.Errorf("verify: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sb)))
	if err != nil || !ed25519.Verify(pub, mb, sig) {
		return Report{}, ErrBadSignature
	}
	var m Manifest
	if err := json.Unmarshal(mb, &m); err != nil || m.Generator != generator {
		return Report{}, fmt.Errorf("verify: %s is not a samizdat manifest", manifestName)
	}
	want := make(map[string]Entry, len(m.Files))
	for _, e := range m.Files {
		want[e.Path] = e
	}
	rep := Report{Files: len(m.Files)}
	seen := make(map[string]bool, len(m.Files))
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == manifestName || rel == sigName {
			return nil
		}
		e, ok := want[rel]
		if !ok {
			rep.Added = append(rep.Added, rel)
			return nil
		}
		seen[rel] = true
		if !d.Type().IsRegular() {
			rep.Changed = append(rep.Changed, rel)
			return nil
		}
		same, err := sameFile(p, e)
		if err != nil {
			return err
		}
		if !same {
			rep.Changed = append(rep.Changed, rel)
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	for p := range want {
		if !seen[p] {
			rep.Removed = append(rep.Removed, p)
		}
	}
	slices.Sort(rep.Added)
	slices.Sort(rep.Removed)
	slices.Sort(rep.Changed)
	return rep, nil
}

func sameFile(p string, e Entry) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	if info.Size() != e.Size {
		return false, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == e.SHA256, nil
}
