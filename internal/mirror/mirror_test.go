package mirror

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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

func TestScanSitemap(t *testing.T) {
	doc := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/</loc></url><url><loc>https://x.example/2026/10/03/a</loc><lastmod>2026-10-03T09:00:00Z</lastmod></url>
<url>
  <loc>https://x.example/b</loc>
  <lastmod>2026-10-04T09:00:00Z</lastmod>
</url></urlset>`)
	var got []string
	scanSitemap(doc, func(loc, mod []byte) { got = append(got, string(loc)+" "+string(mod)) })
	want := []string{"https://x.example/ ", "https://x.example/2026/10/03/a 2026-10-03T09:00:00Z", "https://x.example/b 2026-10-04T09:00:00Z"}
	if !slices.Equal(got, want) {
		t.Errorf("scanSitemap = %q, want %q", got, want)
	}
}

func TestStateRoundTrip(t *testing.T) {
	st := &state{Fingerprint: "f", BaseURL: "https://x.example", PageSize: 20,
		Rev0: 100, Rev1: 160, Live: "sig\n", Standby: "old\n", StandbyDiff: []string{"a/index.html"},
		Keys: []string{"all", "a:1", "/media/k/960.jpg"},
		Pages: []statePage{{URL: "/2026/10/03/a", Deps: []uint32{0, 1}, Assets: []uint32{2}, Self: 1, Article: 7, Summary: "s",
			Lists: []uint32{0}, Order: -5, LastMod: "2026-10-03T09:00:00Z"}, {URL: "/", Self: -1}},
		Files: []stateFile{{Entry: Entry{Path: "index.html", Size: 12, SHA256: "ab"}, Page: 0, Asset: -1}, {Entry: Entry{Path: "media/k/960.jpg", Size: 1, SHA256: "cd"}, Page: -1, Asset: 2}}}
	var buf bytes.Buffer
	if err := encodeState(bufio.NewWriter(&buf), st); err != nil {
		t.Fatal(err)
	}
	got, err := decodeState(buf.String())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("decoded state\n%+v\nwant\n%+v", got, st)
	}
	// A cut or corrupted file is refused, never half-read.
	for _, n := range []int{10, buf.Len() / 2, buf.Len() - 1} {
		if _, err := decodeState(buf.String()[:n]); err == nil {
			t.Errorf("a state cut at %d bytes was accepted", n)
		}
	}
	bad := bytes.Clone(buf.Bytes())
	bad[len(stateMagic)+40] = 0x7f
	if got, err := decodeState(string(bad)); err == nil && reflect.DeepEqual(got, st) {
		t.Error("a corrupted state decoded as the original")
	}
}

func TestEncodeManifest(t *testing.T) {
	m := Manifest{Generator: generator, Version: 1, BaseURL: "https://x.example", Created: "2026-11-29T10:00:00Z",
		Files: []Entry{{Path: "index.html", Size: 10, SHA256: "00ff"}, {Path: "tag/\"odd\"/<café>\n", Size: 0, SHA256: "ab"}}}
	b, err := encodeManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	var got Manifest
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("the manifest is not JSON: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("manifest read back as %+v, want %+v", got, m)
	}
}

func TestLockRefusesASecondExport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "www")
	unlock, err := lock(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock(out); err == nil {
		t.Fatal("a second export took the lock the first holds")
	}
	unlock()
	again, err := lock(out)
	if err != nil {
		t.Fatalf("the lock was not freed: %v", err)
	}
	again()
}
