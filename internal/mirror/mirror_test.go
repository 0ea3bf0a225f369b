package mirror

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"
)

func TestFilePath(t *testing.T) {
	tests := []struct{ url, want string }{
		{"/", "index.html"},
		{"/news/", "news/index.html"},
		{"/news/?page=3", "news/page/3/index.html"},
		{"/tag/courts/?page=2", "tag/courts/page/2/index.html"},
		{"/2026/10/03/tallow-count-disputed", "2026/10/03/tallow-count-disputed/index.html"},
		{"/mirrors", "mirrors/index.html"},
		{"/mirrors.txt", "mirrors.txt"},
		{"/feed.xml", "feed.xml"},
		{"/news/feed.xml", "news/feed.xml"},
		{"/sitemaps/2/sitemap.xml", "sitemaps/2/sitemap.xml"},
		{"/static/0a1b2c/style.css", "static/0a1b2c/style.css"},
		{"/media/abc123/960.jpg", "media/abc123/960.jpg"},
		{"/.well-known/samizdat-mirror.pub", ".well-known/samizdat-mirror.pub"},
	}
	for _, tc := range tests {
		if got := filePath(tc.url); got != tc.want {
			t.Errorf("filePath(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}

func TestPageLinks(t *testing.T) {
	in := `<a rel="next" href="/news/?page=2">Older</a> <a href="/?page=2">x</a> <link rel="canonical" href="https://x.example/news/?page=2">`
	want := `<a rel="next" href="/news/page/2/">Older</a> <a href="/page/2/">x</a> <link rel="canonical" href="https://x.example/news/?page=2">`
	if got := string(pageLinkRE.ReplaceAll([]byte(in), []byte(`href="${1}page/${2}/"`))); got != want {
		t.Errorf("page links rewritten to\n%s\nwant\n%s", got, want)
	}
}

func TestKey(t *testing.T) {
	p := filepath.Join(t.TempDir(), "keys", "mirror.key")
	k1, err := LoadOrCreateKey(p)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateKey(p)
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("second load: %v, same key %v", err, k1.Equal(k2))
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	pub, err := ParsePublicKey(PublicKeyText(k1.Public().(ed25519.PublicKey)))
	if err != nil || !pub.Equal(k1.Public()) {
		t.Errorf("public key round trip: %v", err)
	}
	os.WriteFile(p, []byte("garbage"), 0o600)
	if _, err := LoadOrCreateKey(p); err == nil {
		t.Error("a damaged key file was accepted")
	}
}

func TestFindAssets(t *testing.T) {
	body := []byte(`<link href="/static/0a1b/style.css"><img src="/media/k3y_x/960.jpg" srcset="/media/k3y_x/480.jpg 480w, /media/k3y_x/960.jpg 960w">` +
		`<a href="/static/">no file</a> https://news.example/media/abc/1200.jpg /media/onlydir`)
	var got []string
	for _, a := range findAssets(body) {
		got = append(got, string(a))
	}
	want := []string{"/static/0a1b/style.css", "/media/k3y_x/960.jpg", "/media/k3y_x/480.jpg", "/media/k3y_x/960.jpg", "/media/abc/1200.jpg"}
	if len(got) != len(want) {
		t.Fatalf("findAssets = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("findAssets[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}
