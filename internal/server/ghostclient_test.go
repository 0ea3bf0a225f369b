package server

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
)

// ghostClientModule is Ghost's own JavaScript client, as .ci/run installs
// it under .tools.
const ghostClientModule = "../../.tools/node_modules/@tryghost/content-api/cjs/content-api.js"

// TestGhostJavaScriptClient: the official @tryghost/content-api browses,
// reads and filters the demo site, and is refused with a revoked key.
func TestGhostJavaScriptClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is missing: install Node.js to run Ghost's JavaScript client against the API")
	}
	module, err := filepath.Abs(ghostClientModule)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(module); err != nil {
		t.Skip("@tryghost/content-api is missing: npm i -E --prefix .tools @tryghost/content-api@1.12.12")
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, config.Config{DB: filepath.Join(dir, "db"), Media: filepath.Join(dir, "media"), BaseURL: base,
		CacheMB: 8, JobsEvery: time.Hour, Demo: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	key, _, err := srv.Store.CreateAPIKey(ctx, "JavaScript client")
	if err != nil {
		t.Fatal(err)
	}
	old, _, err := srv.Store.CreateAPIKey(ctx, "Retired app")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store.RevokeAPIKey(ctx, old); err != nil {
		t.Fatal(err)
	}
	tags, err := srv.Store.TagsWithCounts(ctx)
	if err != nil || len(tags) == 0 {
		t.Fatalf("the demo has no tags: %v", err)
	}
	// The tag with the most articles.
	best := tags[0]
	for _, tc := range tags {
		if tc.Articles > best.Articles {
			best = tc
		}
	}
	tag := best.Slug
	gs := &ghostSite{srv: srv}
	gs.waitFeed(t)
	cmd := exec.CommandContext(ctx, node, "testdata/ghostclient.mjs", module, base, key, old, tag)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("the client failed: %v", err)
	}
	if n := strings.Count(string(out), "\nok ") + 1; n != 9 {
		t.Errorf("%d checks passed, want 9", n)
	}
}
