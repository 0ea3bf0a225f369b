package secret

import (
	"bytes"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func testKeys(t *testing.T) *Keys {
	t.Helper()
	k, err := NewKeys(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestBoxSealsAndLooksUp(t *testing.T) {
	b := NewBox(testKeys(t))
	s1, s2 := b.Seal("reader@example.org"), b.Seal("reader@example.org")
	if bytes.Contains(s1, []byte("reader")) || bytes.Equal(s1, s2) {
		t.Fatal("sealed value shows the address or repeats its nonce")
	}
	got, err := b.Open(s1)
	if err != nil || got != "reader@example.org" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	s1[len(s1)-1] ^= 1
	if _, err := b.Open(s1); err != ErrSealed {
		t.Fatalf("tampered value opened: %v", err)
	}
	if !bytes.Equal(b.Lookup(" Reader@Example.org "), b.Lookup("reader@example.org")) {
		t.Fatal("lookup hash differs for the same address written differently")
	}
	other, _ := NewKeys(bytes.Repeat([]byte{8}, KeySize))
	if bytes.Equal(NewBox(other).Lookup("reader@example.org"), b.Lookup("reader@example.org")) {
		t.Fatal("lookup hash does not depend on the key")
	}
}

func TestSigner(t *testing.T) {
	k := testKeys(t)
	s := NewSigner(k, "cookies")
	v := s.Sign("supporter:1767225600")
	if p, ok := s.Verify(v); !ok || p != "supporter:1767225600" {
		t.Fatalf("Verify(Sign) = %q, %v", p, ok)
	}
	for _, bad := range []string{"", ".", "supporter:1767225600", strings.Replace(v, "1767", "1867", 1), v + "x", v[:len(v)-2], "a.b.c"} {
		if _, ok := s.Verify(bad); ok {
			t.Errorf("Verify(%q) accepted a forged value", bad)
		}
	}
	if _, ok := NewSigner(k, "unsubscribe").Verify(v); ok {
		t.Fatal("a value signed for one purpose verified for another")
	}
}

func TestKeyFileCreatedOnceUnderRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "samizdat.key")
	var wg sync.WaitGroup
	keys := make([][]byte, 8)
	for i := range keys {
		wg.Go(func() {
			k, err := LoadOrCreateKeyFile(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatal("concurrent starts made different keys")
		}
	}
	again, err := LoadOrCreateKeyFile(path)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("reload = %x, %v", again, err)
	}
}

func TestParseKey(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{strings.Repeat("ab", 32), true},
		{"q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=", true},
		{"short", false},
		{strings.Repeat("ab", 31), false},
	} {
		if _, err := ParseKey(tc.in); (err == nil) != tc.ok {
			t.Errorf("ParseKey(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}
