package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// TestBackupRestoreCommands: the backup drill from the command line, and
// what each command says when it is given too little.
func TestBackupRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "site.db")
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSection(ctx, &content.Section{Slug: "news", Name: "News"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	archive := filepath.Join(dir, "site.tar.gz")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", "--db", db, "--data-key", paymentsKey}, "--out"},
		{[]string{"restore", "--db", filepath.Join(dir, "new.db"), "--data-key", paymentsKey}, "name the archive"},
	} {
		if _, _, err := run(t, "", tc.args...); err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a usage error naming %s", tc.args, err, tc.want)
		}
	}
	out, errOut, err := run(t, "", "backup", "--db", db, "--data-key", paymentsKey, "--out", archive)
	if err != nil || !strings.Contains(out, "wrote "+archive) {
		t.Fatalf("backup: %v\n%s%s", err, out, errOut)
	}
	target := filepath.Join(dir, "restored", "site.db")
	os.MkdirAll(filepath.Dir(target), 0o755)
	// Without a key there is nothing to open the sealed data with.
	if _, _, err := run(t, "", "restore", "--db", target, archive); err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "no data key") {
		t.Errorf("restore without a key: %v", err)
	}
	out, errOut, err = run(t, "", "restore", archive, "--db", target, "--data-key", paymentsKey)
	if err != nil || !strings.Contains(out, "verified: row counts and checksums match the manifest") {
		t.Fatalf("restore: %v\n%s%s", err, out, errOut)
	}
	_, _, err = run(t, "", "restore", archive, "--db", target, "--data-key", paymentsKey)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore onto the restored site: %v, want a refusal naming --force", err)
	}
	st, _ = store.Open(ctx, target)
	defer st.Close()
	if secs, _ := st.Sections(ctx); len(secs) != 1 || secs[0].Slug != "news" {
		t.Errorf("restored sections: %+v", secs)
	}
}
