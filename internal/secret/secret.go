// Package secret holds the site's key material: one master key, from which
// keys for each purpose are derived, so that a cookie-signing key can never
// decrypt a donor's e-mail address. It seals personal data with AES-GCM,
// gives keyed hashes to look sealed values up by, and signs small values
// (cookies, unsubscribe tokens) with HMAC-SHA256.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of the master key in bytes.
const KeySize = 32

// Keys derives purpose-bound keys from the master key.
type Keys struct {
	master []byte
}

// NewKeys checks the master key's length.
func NewKeys(master []byte) (*Keys, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("data key: want %d bytes, got %d", KeySize, len(master))
	}
	return &Keys{master: append([]byte(nil), master...)}, nil
}

// Derive returns a 32-byte key for purpose. Different purposes give
// unrelated keys.
func (k *Keys) Derive(purpose string) []byte {
	key, err := hkdf.Key(sha256.New, k.master, nil, "samizdat "+purpose, 32)
	if err != nil {
		panic(err) // only for lengths hkdf cannot give, and 32 is not one
	}
	return key
}

// ParseKey reads a master key written as 64 hex digits or as standard or
// URL-safe base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("data key: want %d bytes as 64 hex digits or base64", KeySize)
}

// LoadOrCreateKeyFile reads the master key from path, creating the file
// with a new random key (mode 0600) when it does not exist. Two processes
// starting at once end up with the same key: the file is created
// exclusively and the loser reads the winner's.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return ParseKey(string(b))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("data key file: %w", err)
	}
	key := make([]byte, KeySize)
	rand.Read(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("data key file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".key-*")
	if err != nil {
		return nil, fmt.Errorf("data key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("data key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("data key file: %w", err)
	}
	// Link fails if another process made the file first; then use theirs.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateKeyFile(path)
		}
		return nil, fmt.Errorf("data key file: %w", err)
	}
	return key, nil
}

// Box seals personal data (e-mail addresses) at rest and computes the keyed
// hash it is looked up by.
type Box struct {
	aead   cipher.AEAD
	lookup []byte
}

// NewBox derives the box's keys from k.
func NewBox(k *Keys) *Box {
	block, err := aes.NewCipher(k.Derive("personal data encryption"))
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Box{aead: aead, lookup: k.Derive("personal data lookup")}
}

// Seal encrypts plaintext; the result holds a fresh random nonce.
func (b *Box) Seal(plaintext string) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	rand.Read(nonce)
	return b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
}

// ErrSealed means a sealed value could not be opened: damaged, or sealed
// under another key.
var ErrSealed = errors.New("sealed value cannot be opened with this data key")

// Open decrypts what Seal returned.
func (b *Box) Open(sealed []byte) (string, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return "", ErrSealed
	}
	p, err := b.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return "", ErrSealed
	}
	return string(p), nil
}

// Lookup returns the keyed hash of an e-mail address, normalized first, so
// a sealed address can be found without decrypting every row.
func (b *Box) Lookup(email string) []byte {
	m := hmac.New(sha256.New, b.lookup)
	m.Write([]byte(NormalizeEmail(email)))
	return m.Sum(nil)
}

// NormalizeEmail trims and lower-cases an address.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Signer signs short values so a reader can hold them (in a cookie, a link)
// without being able to forge or alter them.
type Signer struct {
	key []byte
}

// NewSigner derives a signing key for purpose: values signed for one
// purpose do not verify for another.
func NewSigner(k *Keys, purpose string) *Signer {
	return &Signer{key: k.Derive("signing " + purpose)}
}

// Sign returns payload + "." + its MAC in URL-safe base64. The payload
// must not contain "."; it is cookie-safe if it uses letters, digits, "-",
// "_", ":" and ",".
func (s *Signer) Sign(payload string) string {
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// Verify returns the payload of a value made by Sign, or ok=false for
// anything tampered, truncated or malformed.
func (s *Signer) Verify(value string) (payload string, ok bool) {
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return "", false
	}
	got, err := base64.RawURLEncoding.DecodeString(value[i+1:])
	if err != nil {
		return "", false
	}
	payload = value[:i]
	if subtle.ConstantTimeCompare(got, s.mac(payload)) != 1 {
		return "", false
	}
	return payload, true
}

func (s *Signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}
