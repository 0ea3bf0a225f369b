package site

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// vnuJar finds the Nu HTML Checker: SAMIZDAT_VNU_JAR, or the copy CI
// installs under .tools in the repository.
func vnuJar(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("java is not installed: the Nu HTML Checker (vnu.jar) needs it")
	}
	for _, p := range []string{os.Getenv("SAMIZDAT_VNU_JAR"), "../../.tools/node_modules/vnu-jar/build/dist/vnu.jar"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("the Nu HTML Checker is missing: set SAMIZDAT_VNU_JAR to vnu.jar (npm i -E --prefix .tools vnu-jar@26.9.27)")
	return ""
}

// TestRussianPagesValidHTML runs the Nu HTML Checker over the Russian
// edition's pages: no errors.
func TestRussianPagesValidHTML(t *testing.T) {
	jar := vnuJar(t)
	f := newFixture(t)
	dir := t.TempDir()
	paths := []string{"/ru/", "/ru/opinion/", f.russian.Path(), "/ru/search?q=" + url.QueryEscape("выборы"), "/ru/search?q=zzz",
		"/ru/no-such-section/", "/ru/mirrors", "/ru/tag/courts/", "/ru/author/ivan-petrov/", "/"}
	names := map[string]string{}
	for i, p := range paths {
		rec := f.get(t, p)
		name := filepath.Join(dir, "page"+string(rune('a'+i))+".html")
		if err := os.WriteFile(name, rec.Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		names["file:"+name] = p
	}
	out, err := exec.Command("java", "-jar", jar, "--errors-only", "--format", "json", dir).CombinedOutput()
	var res struct {
		Messages []struct {
			URL, Type, Message, Extract string
			LastLine                    int
		}
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		t.Fatalf("vnu: %v (%v)\n%s", err, jerr, out)
	}
	for _, m := range res.Messages {
		page := names[m.URL]
		if page == "" {
			page = m.URL
		}
		t.Errorf("%s line %d: %s: %s\n  %s", page, m.LastLine, m.Type, m.Message, strings.TrimSpace(m.Extract))
	}
}
