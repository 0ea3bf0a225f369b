package server

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// syncBuffer is a log the server writes from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveWithMail runs a server whose --smtp-url is smtpURL ("" for none).
func serveWithMail(t *testing.T, smtpURL string) (*Server, *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, config.Config{DB: filepath.Join(dir, "db"), Media: filepath.Join(dir, "media"),
		BaseURL: "http://" + ln.Addr().String(), JobsEvery: time.Hour, SMTPURL: smtpURL, MailFrom: "desk@example.org", MailRate: 50},
		slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return srv, logs
}

func TestServerSendsTheOutbox(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	srv, logs := serveWithMail(t, "smtp://user:hunter2@"+strings.TrimPrefix(pit.SMTPURL(), "smtp://"))
	ctx := context.Background()
	if err := srv.Store.EnqueueMail(ctx, mail.Message{To: "reader@example.org", Subject: "Welcome", Text: "Hello.", Kind: "test"}); err != nil {
		t.Fatal(err)
	}
	// The worker runs on its own schedule: wait for the message to
	// arrive, bounded only so a broken worker fails instead of hanging.
	deadline := time.Now().Add(30 * time.Second)
	for len(pit.Messages(t)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no mail arrived; log:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := pit.Messages(t)
	if len(got) != 1 || got[0].Subject != "Welcome" || got[0].From.Address != "desk@example.org" {
		t.Fatalf("mailpit got %+v", got)
	}
	if strings.Contains(logs.String(), "hunter2") || strings.Contains(logs.String(), "reader@example.org") {
		t.Fatalf("log shows the SMTP password or the recipient:\n%s", logs)
	}
}

func TestServerWithoutSMTPKeepsMail(t *testing.T) {
	srv, logs := serveWithMail(t, "")
	ctx := context.Background()
	if err := srv.Store.EnqueueMail(ctx, mail.Message{To: "reader@example.org", Subject: "Kept", Text: "Hello.", Kind: "test"}); err != nil {
		t.Fatal(err)
	}
	s, err := srv.Store.MailStats(ctx)
	if err != nil || s.Pending != 1 {
		t.Fatalf("outbox %+v, %v; want 1 pending", s, err)
	}
	// RunMail logs before returning; Serve started it, so run it once more
	// here to have the line without waiting on the other goroutine.
	srv.RunMail(ctx)
	if n := strings.Count(logs.String(), "mail is not being sent"); n < 1 {
		t.Fatalf("no warning that mail is not sent; log:\n%s", logs)
	}
}
