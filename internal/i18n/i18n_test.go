package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestEveryMessageInEveryLanguage is the catalog test: a message that lacks
// a language falls back to the main one, and is reported here.
func TestEveryMessageInEveryLanguage(t *testing.T) {
	for _, main := range Languages {
		c := New(main)
		for _, m := range c.Missing() {
			t.Errorf("message %q has no %s translation", m.Key, m.Lang)
		}
	}
}

// TestFallbackToMainLanguage shows a missing translation in the main
// language, never as its key.
func TestFallbackToMainLanguage(t *testing.T) {
	saved := readerMessages
	t.Cleanup(func() { readerMessages = saved })
	readerMessages = append(readerMessages[:len(readerMessages):len(readerMessages)], msg{key: "test.only-english", en: s("Only in English")})
	c := New("en")
	if got := c.Locale("ru").T("test.only-english"); got != "Only in English" {
		t.Errorf("missing Russian shows %q, want the English words", got)
	}
	found := false
	for _, m := range c.Missing() {
		found = found || m == Missing{Key: "test.only-english", Lang: "ru"}
	}
	if !found {
		t.Errorf("Missing() = %v, want the test message reported", c.Missing())
	}
	if got := c.Locale("xx").Lang(); got != "en" {
		t.Errorf("unknown language gets %q, want the main language", got)
	}
}

// TestUsedKeysAreInTheCatalog finds every message the templates and the Go
// code ask for by literal key; one missing would be shown as its key.
func TestUsedKeysAreInTheCatalog(t *testing.T) {
	tmpl := regexp.MustCompile(`\{\{-?\s*t\s+"((?:[^"\\]|\\.)*)"`)
	code := regexp.MustCompile(`\bT\("((?:[^"\\]|\\.)*)"`)
	check := func(root string, re *regexp.Regexp, match func(string) bool) int {
		n := 0
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !match(path) {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, sm := range re.FindAllStringSubmatch(string(b), -1) {
				key, err := strconv.Unquote(`"` + sm[1] + `"`)
				if err != nil {
					t.Errorf("%s: key %s: %v", path, sm[1], err)
					continue
				}
				n++
				if strings.HasSuffix(key, ".") { // a prefix completed at run time: "ledger." + kind
					if !hasPrefix(key) {
						t.Errorf("%s asks for keys %q…, and the catalog has none", path, key)
					}
					continue
				}
				if !knownKeys[key] {
					t.Errorf("%s asks for %q, which is not in the catalog", path, key)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	n := check("../../web/templates", tmpl, func(p string) bool { return strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".txt") })
	n += check("..", code, func(p string) bool {
		return strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") && !strings.Contains(p, "/i18n/")
	})
	if n < 150 {
		t.Errorf("found only %d uses of the catalog: the patterns no longer match the code", n)
	}
}

func TestPluralsAndDates(t *testing.T) {
	c := New("en")
	en, ru := c.Locale("en"), c.Locale("ru")
	words := func(minutes int) int { return minutes*200 - 50 }
	tests := []struct {
		n                  int
		enRead, ruRead     string
		enArticles, ruArts string
	}{
		{1, "1 min read", "1 минута", "1 article", "1 статья"},
		{2, "2 min read", "2 минуты", "2 articles", "2 статьи"},
		{5, "5 min read", "5 минут", "5 articles", "5 статей"},
		{11, "11 min read", "11 минут", "11 articles", "11 статей"},
		{21, "21 min read", "21 минута", "21 articles", "21 статья"},
		{22, "22 min read", "22 минуты", "22 articles", "22 статьи"},
		{25, "25 min read", "25 минут", "25 articles", "25 статей"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.n), func(t *testing.T) {
			for _, c := range []struct{ got, want string }{
				{en.ReadingTime(words(tt.n)), tt.enRead},
				{ru.ReadingTime(words(tt.n)), tt.ruRead},
				{en.T("%d articles", tt.n), tt.enArticles},
				{ru.T("%d articles", tt.n), tt.ruArts},
			} {
				if c.got != c.want {
					t.Errorf("got %q, want %q", c.got, c.want)
				}
			}
			day := time.Date(2026, time.December, tt.n, 11, 24, 0, 0, time.UTC)
			if got, want := en.Date(day), strconv.Itoa(tt.n)+" December 2026"; got != want {
				t.Errorf("English date %q, want %q", got, want)
			}
			if got, want := ru.Date(day), strconv.Itoa(tt.n)+" декабря 2026"; got != want {
				t.Errorf("Russian date %q, want %q", got, want)
			}
		})
	}
	if got, want := ru.T("%d results", 1), "1 результат"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := ru.T("%d corrections", 3), "3 исправления"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := ru.DateTime(time.Date(2026, 3, 8, 9, 5, 0, 0, time.UTC)), "8 марта 2026, 09:05 UTC"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := ru.List([]string{"Ирина Соколова", "Лена Брандт"}), "Ирина Соколова и Лена Брандт"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := en.List([]string{"A", "B", "C"}), "A, B and C"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func hasPrefix(p string) bool {
	for k := range knownKeys {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
