package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.ServeFlags(fs)
	err := Parse(fs, &c, args, func(k string) string { return env[k] })
	return c, err
}

func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "samizdat.conf")
	os.WriteFile(file, []byte("# comment\naddr = 127.0.0.1:7000\ndb = from-file.db\ncache-mb = 7\nbase-url = \"https://file.example\"\n"), 0o600)
	c, err := parse(t, []string{"--config", file, "--addr", "127.0.0.1:9000"},
		map[string]string{"SAMIZDAT_DB": "from-env.db", "SAMIZDAT_JOBS_EVERY": "2s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, got, want string }{
		{"flag beats file", c.Addr, "127.0.0.1:9000"},
		{"env beats file", c.DB, "from-env.db"},
		{"file beats default", c.BaseURL, "https://file.example"},
		{"media beside the database", c.Media, "media"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if c.CacheMB != 7 || c.JobsEvery != 2*time.Second {
		t.Errorf("cache %d, jobs %s; want 7 and 2s", c.CacheMB, c.JobsEvery)
	}
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "samizdat.db" || c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.CacheMB != 64 {
		t.Errorf("defaults: %+v", c)
	}
	pg, _ := parse(t, []string{"--db", "postgres://u:p@db/x"}, nil)
	if pg.Media != "media" {
		t.Errorf("media for a database server: %q, want media", pg.Media)
	}
}

func TestBadInputSaysWhatToFix(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.conf")
	os.WriteFile(file, []byte("colour = blue\n"), 0o600)
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--addr", "8080"}, nil, "want host:port"},
		{[]string{"--base-url", "example.org"}, nil, "absolute http(s) URL"},
		{[]string{"--cache-mb", "-1"}, nil, "want 0 or more"},
		{nil, map[string]string{"SAMIZDAT_CACHE_MB": "lots"}, "SAMIZDAT_CACHE_MB"},
		{[]string{"--config", file}, nil, `unknown setting "colour"`},
		{[]string{"--config", filepath.Join(t.TempDir(), "missing.conf")}, nil, "config file"},
	} {
		_, err := parse(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: got %v, want an error containing %q", tc.args, tc.env, err, tc.want)
		}
	}
}
