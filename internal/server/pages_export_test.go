package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/server"
)

// TestExportPagesAndRedirects: the static copy of the demo has each live
// page at its address in both editions, with the footer menu, and a small
// page at every redirect's old path that sends readers on without script;
// the copy verifies.
func TestExportPagesAndRedirects(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the demo newsroom")
	}
	dir := t.TempDir()
	db, media := server.DemoCopy(t)
	s := exportSite{dir: dir, db: db, media: media, key: filepath.Join(dir, "mirror.key")}
	srv := s.open(t, false)
	ctx := context.Background()
	for _, r := range [][3]string{{"/old-about/", "/about/", "wordpress"}, {"/?p=17", "/give-safely/", "wordpress"}} {
		if err := srv.Store.PutRedirect(ctx, r[0], r[1], r[2]); err != nil {
			t.Fatal(err)
		}
	}
	srv.Close()
	out := filepath.Join(dir, "www")
	s.export(t, out)
	static := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer static.Close()

	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/about/", []string{`<html lang="en">`, "<h1>About the Northern Ledger</h1>", `<link rel="canonical" href="` + exportBase + `/about/">`,
			`hreflang="ru" href="` + exportBase + `/ru/o-nas/"`, `<a href="/give-safely/">How to give safely</a>`}},
		{"/give-safely/", []string{"<h1>How to give safely</h1>"}},
		{"/ru/o-nas/", []string{`<html lang="ru">`, "<h1>О «Северной летописи»</h1>", `<a href="/ru/kak-bezopasno-podderzhat/">`}},
		{"/ru/kak-bezopasno-podderzhat/", []string{"<h1>Как поддержать нас безопасно</h1>"}},
		{"/", []string{`<ul class="inline menu"><li><a href="/about/">About the Northern Ledger</a></li><li><a href="/give-safely/">`}},
		{"/old-about/", []string{`<link rel="canonical" href="` + exportBase + `/about/">`,
			`<meta http-equiv="refresh" content="0; url=/about/">`, `<a href="/about/">`}},
	} {
		code, body := staticGet(t, static.URL, tc.path)
		if code != http.StatusOK {
			t.Errorf("%s in the copy: status %d", tc.path, code)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s in the copy: no %q", tc.path, w)
			}
		}
		if strings.HasPrefix(tc.path, "/old-") && strings.Contains(body, "<script") {
			t.Errorf("%s in the copy has a script", tc.path)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "index.html?p=17")); err == nil {
		t.Error("a query redirect became a file")
	}
	manifest, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{`"about/index.html"`, `"ru/o-nas/index.html"`, `"old-about/index.html"`} {
		if !strings.Contains(string(manifest), f) {
			t.Errorf("manifest.json lists no %s", f)
		}
	}
	if stdout, stderr, err := s.run(t, "verify", out, "--pubkey", s.pubFile(t)); err != nil || !strings.HasPrefix(stdout, "ok: ") {
		t.Errorf("verify: %v\n%s%s", err, stdout, stderr)
	}
}
