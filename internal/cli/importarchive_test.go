package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/store"
)

const (
	wxrFixture     = "../importer/testdata/archive/wordpress.xml"
	ghostFixture   = "../importer/testdata/archive/ghost.json"
	membersFixture = "../importer/testdata/archive/members.csv"
)

func TestImportArchiveUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"import", "wordpress"}, "name one export file"},
		{[]string{"import", "wordpress", filepath.Join(dir, "nope.xml")}, "is not a file"},
		{[]string{"import", "wordpress", dir}, "is not a file"},
		{[]string{"import", "wordpress", wxrFixture, "--uploads", filepath.Join(dir, "missing")}, "--uploads " + filepath.Join(dir, "missing") + " is not a directory"},
		{[]string{"import", "wordpress", wxrFixture, "--lang", "fr"}, `--lang "fr": want one of en, ru`},
		{[]string{"import", "wordpress", wxrFixture, "extra.xml"}, "name one export file"},
		{[]string{"import", "ghost"}, "name one export file"},
		{[]string{"import", "ghost", ghostFixture, "--content", filepath.Join(dir, "missing")}, "--content"},
		{[]string{"import", "ghost", ghostFixture, "--members", filepath.Join(dir, "members.csv")}, "--members " + filepath.Join(dir, "members.csv") + " is not a file"},
		{[]string{"import", "ghost", ghostFixture, "--list", "weekly"}, `--list "weekly": want one of daily, breaking`},
		{[]string{"import", "substack"}, "samizdat import wordpress FILE.xml"},
	}
	for _, tt := range tests {
		_, _, err := run(t, "", append(tt.args, "--db", filepath.Join(dir, "site.db"))...)
		if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v (exit %d), want a usage error saying %q", tt.args, err, ExitCode(err), tt.want)
		}
	}
}

func TestImportWordPressCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "site.db")
	out, _, err := run(t, "", "import", "wordpress", wxrFixture, "--db", db, "--media", filepath.Join(dir, "media"), "--dry-run")
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "dry run, nothing written") || !strings.Contains(out, "posts: 6 created") {
		t.Errorf("dry run report:\n%s", out)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, n, _ := st.AdminArticles(context.Background(), store.AdminQuery{}); n != 0 {
		t.Errorf("dry run stored %d articles", n)
	}
	st.Close()

	out, _, err = run(t, "", "import", "wordpress", wxrFixture, "--db", db, "--media", filepath.Join(dir, "media"))
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	for _, want := range []string{"posts: 6 created, 0 updated, 0 unchanged", "pages: 1 created", "images missing: 5", "not imported: 2 comments",
		"port-strike → port-strike-2", "shortcode [gallery]"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	out, _, err = run(t, "", "import", "wordpress", wxrFixture, "--db", db, "--media", filepath.Join(dir, "media"))
	if err != nil || !strings.Contains(out, "posts: 0 created, 0 updated, 6 unchanged") {
		t.Errorf("second run: %v\n%s", err, out)
	}

	// A broken file names its line and fails; a Ghost export says so.
	broken := filepath.Join(dir, "broken.xml")
	data, _ := os.ReadFile(wxrFixture)
	os.WriteFile(broken, data[:len(data)/2], 0o644)
	if _, _, err := run(t, "", "import", "wordpress", broken, "--db", db); err == nil || ExitCode(err) != 1 || !strings.Contains(err.Error(), "broken.xml:") {
		t.Errorf("broken export: %v", err)
	}
	if _, _, err := run(t, "", "import", "wordpress", ghostFixture, "--db", db); err == nil || !strings.Contains(err.Error(), "use samizdat import ghost") {
		t.Errorf("Ghost export given to import wordpress: %v", err)
	}
}

func TestImportGhostCommandWithMembers(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "site.db")
	keyFile := filepath.Join(dir, "site.key")
	out, _, err := run(t, "", "import", "ghost", ghostFixture, "--members", membersFixture, "--db", db, "--media", filepath.Join(dir, "media"), "--data-key-file", keyFile, "--dry-run")
	if err != nil || !strings.Contains(out, "dry run, nothing written") || !strings.Contains(out, "posts: 4 created") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if _, err := os.Stat(keyFile); err == nil {
		t.Errorf("a dry run made the data key file")
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "media")); len(entries) != 0 {
		t.Errorf("a dry run stored %d media", len(entries))
	}
	out, _, err = run(t, "", "import", "ghost", ghostFixture, "--members", membersFixture, "--db", db, "--media", filepath.Join(dir, "media"), "--data-key-file", keyFile)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	for _, want := range []string{"posts: 4 created", "pages: 1 created", "members: 3 created", "1 email-only posts"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatalf("the data key sealing the addresses: %v", err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	counts, err := st.SubscriberCounts(context.Background())
	if err != nil || counts[mail.Lists[0].Key] != 2 {
		t.Errorf("confirmed subscribers %v %v, want 2 (one member was not subscribed to emails)", counts, err)
	}
}
