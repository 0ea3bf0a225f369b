package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestAPIKeyAddListRevoke(t *testing.T) {
	db := filepath.Join(t.TempDir(), "site.db")
	out, _, err := run(t, "", "apikey", "add", "--db", db, "--name", "Mobile app")
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(out)
	if !regexp.MustCompile(`^[0-9a-f]{26}$`).MatchString(key) {
		t.Fatalf("add printed %q, want a 26-hex-digit key", out)
	}
	if _, _, err := run(t, "", "apikey", "add", "--db", db, "--name", "Mobile app"); err == nil || ExitCode(err) != 2 ||
		!strings.Contains(err.Error(), "exists already") {
		t.Errorf("a second key of the same name: %v, want a usage error saying the name is taken", err)
	}
	list, _, err := run(t, "", "apikey", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, "Mobile app") || !strings.Contains(list, "…"+key[22:]) || !strings.Contains(list, "working") ||
		strings.Contains(list, key) {
		t.Errorf("list:\n%s\nwant the name, the last digits and the state, never the whole key", list)
	}
	if out, _, err := run(t, "", "apikey", "revoke", "--db", db, key); err != nil || !strings.Contains(out, "Mobile app") {
		t.Fatalf("revoke by key: %q, %v", out, err)
	}
	// A second revoke (by name this time) is a harmless retry.
	if _, _, err := run(t, "", "apikey", "revoke", "--db", db, "Mobile app"); err != nil {
		t.Errorf("revoke again: %v", err)
	}
	if list, _, _ := run(t, "", "apikey", "list", "--db", db); !strings.Contains(list, "revoked") {
		t.Errorf("after revoke, list:\n%s", list)
	}
	if _, _, err := run(t, "", "apikey", "revoke", "--db", db, "nope"); err == nil || !strings.Contains(err.Error(), "apikey list") {
		t.Errorf("revoke an unknown key: %v, want an error pointing at apikey list", err)
	}
}

func TestAPIKeyUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "site.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"apikey"}, "apikey add --name"},
		{[]string{"apikey", "frob"}, "unknown apikey command"},
		{[]string{"apikey", "add", "--db", db}, "--name is required"},
		{[]string{"apikey", "revoke", "--db", db}, "revoke takes one key"},
		{[]string{"apikey", "list", "--db", db, "extra"}, "unexpected argument"},
	} {
		_, _, err := run(t, "", c.args...)
		if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v (exit %d), want a usage error saying %q", c.args, err, ExitCode(err), c.want)
		}
	}
}
