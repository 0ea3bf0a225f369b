package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestReachFlags(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		wantMirrors string
		wantOnion   string
		wantKey     string
	}{
		{"none", nil, nil, "", "", filepath.Join("data", "mirror.key")},
		{"repeated flag", []string{"--mirror-host", "a.example", "--mirror-host", "https://b.example"}, nil, "a.example https://b.example", "", filepath.Join("data", "mirror.key")},
		{"comma list in the environment", nil, map[string]string{"SAMIZDAT_MIRROR_HOST": "a.example, b.example", "SAMIZDAT_ONION_HOST": "x.onion"},
			"a.example b.example", "x.onion", filepath.Join("data", "mirror.key")},
		{"key path", []string{"--mirror-key", "/keys/m.key"}, nil, "", "", "/keys/m.key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, append([]string{"--db", filepath.Join("data", "site.db")}, tc.args...), tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(c.MirrorHosts, " "); got != tc.wantMirrors {
				t.Errorf("mirror hosts %q, want %q", got, tc.wantMirrors)
			}
			if c.OnionHost != tc.wantOnion {
				t.Errorf("onion host %q, want %q", c.OnionHost, tc.wantOnion)
			}
			if got := c.MirrorKeyFile(); got != tc.wantKey {
				t.Errorf("mirror key file %q, want %q", got, tc.wantKey)
			}
		})
	}
}
