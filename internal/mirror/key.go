// Package mirror writes a static, signed copy of the public site that any
// static file host can serve, and verifies such copies.
package mirror

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// keyPrefix starts the text form of keys, so a key file says what it is.
const (
	privPrefix = "samizdat-mirror-ed25519-private "
	pubPrefix  = "samizdat-mirror-ed25519 "
)

// LoadOrCreateKey reads the signing key at path, creating it on first use.
// Two processes starting at once agree on one key: the file is written
// aside and linked into place, which fails if the other won.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	k, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("mirror key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("mirror key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mirror-key-*")
	if err != nil {
		return nil, fmt.Errorf("mirror key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(privPrefix + base64.StdEncoding.EncodeToString(seed) + "\n")
	if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return nil, fmt.Errorf("mirror key: write %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("mirror key: %w", err)
	}
	return readKey(path)
}

func readKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mirror key: %w", err)
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(string(b)), privPrefix)
	if !ok {
		return nil, fmt.Errorf("mirror key %s: not a samizdat mirror key", path)
	}
	seed, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("mirror key %s: damaged", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// PublicKeyText is the public key as published at
// /.well-known/samizdat-mirror.pub: one line of text.
func PublicKeyText(pub ed25519.PublicKey) []byte {
	return []byte(pubPrefix + base64.StdEncoding.EncodeToString(pub) + "\n")
}

// ParsePublicKey reads PublicKeyText's form, or a bare base64 key.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	v := strings.TrimSpace(string(b))
	v = strings.TrimSpace(strings.TrimPrefix(v, strings.TrimSpace(pubPrefix)))
	k, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, errors.New("not a samizdat mirror public key")
	}
	return ed25519.PublicKey(k), nil
}
