package testpeer

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mailpit is a mailpit process: an SMTP server that keeps every message,
// and an HTTP API to read them. Its ports are chosen when it is made, so a
// test can point a sender at it before it runs.
type Mailpit struct {
	SMTPAddr string // host:port of the SMTP server
	APIAddr  string // host:port of the HTTP API
	// Args are extra mailpit flags, set before Start, such as
	// --smtp-allowed-recipients to make it refuse some addresses.
	Args []string
	cmd  *exec.Cmd
	dir  string
}

// MailpitSkip is the message of tests skipped for want of mailpit.
const MailpitSkip = "mailpit not available: it is pinned as a Go tool (go tool github.com/axllent/mailpit); "

var mailpitBin = struct {
	once sync.Once
	path string
	err  error
}{}

// mailpitPath builds (once per test binary) and returns the pinned
// mailpit binary, run directly so stopping it stops the server itself.
func mailpitPath() (string, error) {
	mailpitBin.once.Do(func() {
		// Bounded: a go command that waits on something (a build lock, the
		// network for a toolchain) must skip the tests, not hang them.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "tool", "-n", "github.com/axllent/mailpit").Output()
		if err != nil {
			mailpitBin.err = fmt.Errorf("go tool -n mailpit: %w", err)
			return
		}
		mailpitBin.path = strings.TrimSpace(string(out))
	})
	return mailpitBin.path, mailpitBin.err
}

// NewMailpit reserves ports for a mailpit that is not started yet: SMTP
// connections to it are refused until Start.
func NewMailpit(t testing.TB) *Mailpit {
	t.Helper()
	return &Mailpit{SMTPAddr: freeAddr(t), APIAddr: freeAddr(t), dir: t.TempDir()}
}

// StartMailpit starts a mailpit and stops it when the test ends.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	m := NewMailpit(t)
	m.Start(t)
	return m
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Start runs mailpit and waits until its API answers; it stops when the
// test ends. It skips the test when mailpit cannot be built or run.
func (m *Mailpit) Start(t testing.TB) {
	t.Helper()
	if m.cmd != nil {
		t.Fatal("mailpit already started")
	}
	bin, err := mailpitPath()
	if err != nil {
		t.Skip(MailpitSkip + err.Error())
	}
	args := append([]string{
		"--listen", m.APIAddr,
		"--smtp", m.SMTPAddr,
		"--database", filepath.Join(m.dir, "mailpit.db"),
		"--max", "5000",
		"--smtp-disable-rdns",
		// Any user and password, or none, over plain SMTP: lets a test
		// exercise a sender configured with credentials.
		"--smtp-auth-accept-any",
		"--smtp-auth-allow-insecure",
		"--disable-version-check",
		"--quiet",
	}, m.Args...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Skip(MailpitSkip + err.Error())
	}
	m.cmd = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	// Readiness is polled, not timed: the deadline only bounds a mailpit
	// that never comes up.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := apiClient.Get(m.api("/readyz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-exited:
			t.Skipf("%smailpit exited at start: %v", MailpitSkip, err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not become ready on %s", m.APIAddr)
		}
	}
}

// apiClient bounds every call: a port taken by some other process that
// never answers must fail the test, not hang it.
var apiClient = &http.Client{Timeout: 10 * time.Second}

// SMTPURL is the URL a mail sender is configured with: mailpit speaks
// plain SMTP and takes any sender, with or without a user and password.
func (m *Mailpit) SMTPURL() string { return "smtp://" + m.SMTPAddr + "?tls=none" }

func (m *Mailpit) api(path string) string { return "http://" + m.APIAddr + path }

// Address is a mailbox as mailpit reports it.
type Address struct {
	Name    string
	Address string
}

// MailpitSummary is a message in mailpit's list.
type MailpitSummary struct {
	ID      string
	From    Address
	To      []Address
	Subject string
}

// MailpitMessage is one message in full.
type MailpitMessage struct {
	ID      string
	From    Address
	To      []Address
	Subject string
	Text    string // the plain-text part
	HTML    string // the HTML part
	Headers map[string][]string
}

func (m *Mailpit) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.api(path), nil)
	resp, err := apiClient.Do(req)
	if err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
}

// Messages lists every message mailpit holds, newest first.
func (m *Mailpit) Messages(t testing.TB) []MailpitSummary {
	t.Helper()
	var all []MailpitSummary
	for start := 0; ; {
		var page struct {
			Total    int
			Messages []MailpitSummary
		}
		m.getJSON(t, "/api/v1/messages?limit=500&start="+strconv.Itoa(start), &page)
		all = append(all, page.Messages...)
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			return all
		}
	}
}

// MessagesTo lists the messages sent to addr.
func (m *Mailpit) MessagesTo(t testing.TB, addr string) []MailpitSummary {
	t.Helper()
	var out []MailpitSummary
	for _, s := range m.Messages(t) {
		for _, to := range s.To {
			if strings.EqualFold(to.Address, addr) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// Message reads one message: its parts and its headers.
func (m *Mailpit) Message(t testing.TB, id string) MailpitMessage {
	t.Helper()
	var msg MailpitMessage
	m.getJSON(t, "/api/v1/message/"+url.PathEscape(id), &msg)
	m.getJSON(t, "/api/v1/message/"+url.PathEscape(id)+"/headers", &msg.Headers)
	return msg
}

// DeleteAll removes every message.
func (m *Mailpit) DeleteAll(t testing.TB) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, m.api("/api/v1/messages"), nil)
	resp, err := apiClient.Do(req)
	if err != nil {
		t.Fatalf("mailpit delete all: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit delete all: %s", resp.Status)
	}
}
