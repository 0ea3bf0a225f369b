package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(string) string { return "" })
	return out.String(), errOut.String(), err
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"gen"}, {"import", "markdown"}, {"user", "add", "--email", "x", "--role", "admin"}} {
		_, _, err := run(t, "", args...)
		if err == nil || ExitCode(err) != 2 {
			t.Errorf("%v: got %v (exit %d), want a usage error", args, err, ExitCode(err))
		}
	}
}

func TestImportMarkdownReportsBadFilesAndKeepsGoodOnes(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "site.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	st.CreateSection(context.Background(), &content.Section{Slug: "news", Name: "News"})
	st.Close()
	posts := filepath.Join(dir, "posts")
	os.Mkdir(posts, 0o755)
	os.WriteFile(filepath.Join(posts, "good.md"), []byte("---\ntitle: Ferry resumes\ndate: 2026-11-20\nsection: news\n---\nThe ferry sails.\n"), 0o644)
	os.WriteFile(filepath.Join(posts, "bad.md"), []byte("---\ntitle: Lost\ndate: 2026-11-20\nsection: sport\n---\nBody.\n"), 0o644)
	out, errOut, err := run(t, "", "import", "markdown", posts, "--db", db)
	if err == nil || ExitCode(err) != 1 {
		t.Errorf("got %v, want a failure for the bad file", err)
	}
	if !strings.Contains(out, "imported 1 articles, 1 files failed") {
		t.Errorf("stdout %q", out)
	}
	if !strings.Contains(errOut, "bad.md:4:") || !strings.Contains(errOut, `unknown section "sport"`) {
		t.Errorf("stderr %q: want the file, the line and the reason", errOut)
	}
	st, _ = store.Open(context.Background(), db)
	defer st.Close()
	if _, err := st.ArticleBySlug(context.Background(), "ferry-resumes"); err != nil {
		t.Errorf("the good file was not imported: %v", err)
	}
}

func TestUserAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "site.db")
	out, _, err := run(t, "correct horse battery\n", "user", "add", "--email", "Ed@Example.org", "--role", "editor", "--db", db)
	if err != nil || !strings.Contains(out, "created ed@example.org (editor)") {
		t.Fatalf("got %q, %v", out, err)
	}
	if _, _, err := run(t, "another long password\n", "user", "add", "--email", "ed@example.org", "--role", "admin", "--db", db); err == nil ||
		!strings.Contains(err.Error(), "already has an account") {
		t.Errorf("duplicate: got %v", err)
	}
	if _, _, err := run(t, "short\n", "user", "add", "--email", "a@example.org", "--role", "author", "--db", db); err == nil ||
		!strings.Contains(err.Error(), "at least 12 characters") {
		t.Errorf("short password: got %v", err)
	}
	out, _, err = run(t, "", "user", "add", "--email", "b@example.org", "--role", "author", "--db", db, "--base-url", "https://news.example")
	if err != nil || !strings.Contains(out, "https://news.example/admin/invite/") {
		t.Errorf("link: got %q, %v", out, err)
	}
}

func TestGen(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bench.db")
	out, _, err := run(t, "", "gen", "--articles", "30", "--db", db)
	if err != nil || !strings.Contains(out, "generated 30 articles") {
		t.Fatalf("got %q, %v", out, err)
	}
	st, _ := store.Open(context.Background(), db)
	defer st.Close()
	n, err := st.CountArticles(context.Background(), store.ListQuery{})
	if err != nil || n != 30 {
		t.Errorf("live articles = %d, %v; want 30", n, err)
	}
}
