package config

import (
	"strings"
	"testing"
)

func TestMailFlags(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		env      map[string]string
		wantFrom string
		wantErr  string
	}{
		{"default From from the base URL", []string{"--base-url", "https://www.example.org"}, nil, "newsroom@example.org", ""},
		{"default From for an IP address", nil, nil, "newsroom@localhost.localdomain", ""},
		{"SMTP from the environment", nil, map[string]string{"SAMIZDAT_SMTP_URL": "smtp://u:pw@mail.example.org:587"}, "newsroom@localhost.localdomain", ""},
		{"bad scheme", []string{"--smtp-url", "http://u:hunter2@mail.example.org"}, nil, "", "smtp:// or smtps://"},
		{"bad URL keeps the password out", []string{"--smtp-url", "smtp://u:hunter2@mail\x7f"}, nil, "", "--smtp-url"},
		{"bad From", []string{"--mail-from", "newsroom"}, nil, "", "--mail-from"},
		{"bad rate", []string{"--mail-rate", "0"}, nil, "", "--mail-rate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.args, tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error repeats the SMTP password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.MailFrom != tc.wantFrom {
				t.Errorf("From = %q, want %q", c.MailFrom, tc.wantFrom)
			}
		})
	}
}

// DefaultMailFrom serves a Config built by hand (no Parse): the From
// address, and with it the Message-ID domain, is the site's, never the
// machine's.
func TestDefaultMailFrom(t *testing.T) {
	for _, tc := range []struct{ base, want string }{
		{"https://example.org", "newsroom@example.org"},
		{"https://www.example.org/", "newsroom@example.org"},
		{"https://news.example.org:8443", "newsroom@news.example.org"},
		{"http://127.0.0.1:8080", "newsroom@localhost.localdomain"},
		{"http://localhost:8080", "newsroom@localhost.localdomain"},
		{"", "newsroom@localhost.localdomain"},
	} {
		if got := DefaultMailFrom(tc.base); got != tc.want {
			t.Errorf("DefaultMailFrom(%q) = %q, want %q", tc.base, got, tc.want)
		}
	}
}
