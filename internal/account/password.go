package account

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: the RFC 9106 second recommended option (64 MiB, 3
// passes), with 2 lanes for the 2-core machines newsrooms rent.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16

	// Bounds on the parameters CheckPassword accepts from a stored hash.
	maxArgonTime   = 64
	maxArgonMemory = 1 << 20 // KiB: 1 GiB
)

// Password length limits. No composition rules: length is what matters.
const (
	MinPassword = 12
	MaxPassword = 256
)

// ValidatePassword says what is wrong with a new password, if anything.
func ValidatePassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPassword:
		return fmt.Errorf("use at least %d characters (a few unrelated words work well)", MinPassword)
	case n > MaxPassword:
		return fmt.Errorf("use at most %d characters", MaxPassword)
	}
	return nil
}

// HashPassword hashes pw with argon2id into the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches hash, in constant time. An empty
// hash is checked against a dummy so that unknown accounts cost the same.
func CheckPassword(hash, pw string) bool {
	if hash == "" {
		hash = dummyHash()
	}
	var m, t uint32
	var p uint8
	var v int
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version || parts[2] != fmt.Sprintf("v=%d", v) {
		return false
	}
	// Parameters out of range would make argon2 panic (t or p of 0) or
	// allocate without bound (a huge m): a damaged hash must only fail.
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) ||
		t < 1 || t > maxArgonTime || p < 1 || m < 8*uint32(p) || m > maxArgonMemory {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1 && hash != dummyHash()
}

// dummyHash is checked when an account does not exist, so that the answer
// takes as long as for a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("no account has this password; it only burns time")
	if err != nil {
		panic(err)
	}
	return h
})

// NewToken returns a random token for a cookie or a link, and the hash to
// store in its place.
func NewToken() (raw, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("new token: %w", err)
	}
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, HashToken(raw), nil
}

// HashToken is the stored form of a token.
func HashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}
