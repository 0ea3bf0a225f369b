package ghostapi

import (
	"strings"
	"testing"
)

func TestIDsAreGhostShapedAndStable(t *testing.T) {
	for _, c := range []struct {
		kind byte
		id   int64
		want string
	}{
		{kindPost, 7, "010000000000000000000007"},
		{kindPage, 7, "020000000000000000000007"},
		{kindTag, 255, "0300000000000000000000ff"},
		{kindAuthor, 1 << 40, "040000000000010000000000"},
	} {
		if got := localID(c.kind, c.id); got != c.want {
			t.Errorf("localID(%d, %d) = %s, want %s", c.kind, c.id, got, c.want)
		}
	}
	u := uuidFor(kindPost, 7)
	if u != uuidFor(kindPost, 7) || u == uuidFor(kindPage, 7) || len(u) != 36 || u[14] != '5' || !strings.ContainsAny(u[19:20], "89ab") {
		t.Errorf("uuidFor = %s: want a stable version-5 UUID, distinct per kind", u)
	}
}

func TestExcerptAndReadingTime(t *testing.T) {
	long := strings.Repeat("word ", 600)
	if got := excerptOf("", long); len([]rune(got)) != 500 {
		t.Errorf("excerpt of a long text has %d characters, want 500", len([]rune(got)))
	}
	if got := excerptOf("Custom.", long); got != "Custom." {
		t.Errorf("custom excerpt: %q", got)
	}
	if got := readingTime(long); got != 2 {
		t.Errorf("600 words: %d minutes, want 2 (275 a minute)", got)
	}
	if got := readingTime(""); got != 1 {
		t.Errorf("no words: %d, want at least 1", got)
	}
	if got := plainText("<p>We are <em>independent</em> &amp; free.</p>"); got != "We are independent & free." {
		t.Errorf("plainText = %q", got)
	}
}
