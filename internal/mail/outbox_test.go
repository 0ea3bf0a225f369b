package mail_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// engine opens stores on one fresh database: each call is another node.
type engine struct {
	name string
	// open returns a function opening one more store (node) on the same
	// database, and the raw database to read rows behind the store's back.
	open func(t testing.TB) (node func() *store.Store, raw *sql.DB)
}

var engines = []engine{
	{"sqlite", func(t testing.TB) (func() *store.Store, *sql.DB) {
		path := filepath.Join(t.TempDir(), "samizdat.db")
		return nodeOpener(t, path), rawDB(t, "sqlite", "file:"+path)
	}},
	{"postgres", func(t testing.TB) (func() *store.Store, *sql.DB) {
		dsn := pgtest.Database(t)
		return nodeOpener(t, dsn), nil
	}},
}

func nodeOpener(t testing.TB, dsn string) func() *store.Store {
	return func() *store.Store {
		t.Helper()
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("open %s: %v", dsn, err)
		}
		t.Cleanup(func() { st.Close() })
		st.SetSealer(secret.NewBox(testKeys(t)))
		return st
	}
}

func rawDB(t testing.TB, driver, dsn string) *sql.DB {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testKeys(t testing.TB) *secret.Keys {
	k, err := secret.NewKeys(bytes.Repeat([]byte{42}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// clock is a worker's hand-moved clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newWorker(t testing.TB, st *store.Store, smtpURL string, rate float64, c *clock) *mail.Worker {
	t.Helper()
	cfg, err := mail.ParseSMTPURL(smtpURL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := mail.NewSender(cfg, "newsroom@example.org")
	if err != nil {
		t.Fatal(err)
	}
	return &mail.Worker{Outbox: st, Transport: s, Rate: rate, Now: c.Now}
}

func msgs(n int, prefix string) []mail.Message {
	out := make([]mail.Message, n)
	for i := range out {
		out[i] = mail.Message{
			To:      fmt.Sprintf("reader%d@example.org", i),
			Subject: fmt.Sprintf("%s %d", prefix, i),
			Text:    "Hello.",
			Kind:    "test",
		}
	}
	return out
}

func stats(t *testing.T, st *store.Store) store.MailStats {
	t.Helper()
	s, err := st.MailStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOutboxKeepsMailWhileSMTPIsDown(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			node, _ := e.open(t)
			st := node()
			pit := testpeer.NewMailpit(t) // ports chosen, server not running
			c := newClock()
			w := newWorker(t, st, pit.SMTPURL(), 10, c)
			if err := st.EnqueueMail(ctx, msgs(3, "Kept")...); err != nil {
				t.Fatal(err)
			}
			if n, err := w.RunOnce(ctx); n != 0 || err != nil {
				t.Fatalf("SMTP down: sent %d, err %v", n, err)
			}
			if s := stats(t, st); s.Pending != 3 || s.Sent != 0 || s.Failed != 0 {
				t.Fatalf("after a failed attempt: %+v, want 3 pending", s)
			}

			pit.Start(t)
			c.Add(30 * time.Second) // before the first retry is due
			if n, _ := w.RunOnce(ctx); n != 0 {
				t.Fatalf("sent %d before the retry was due", n)
			}
			c.Add(mail.Backoff(1))
			if n, err := w.RunOnce(ctx); n != 3 || err != nil {
				t.Fatalf("SMTP up: sent %d, err %v; want 3", n, err)
			}
			got := pit.Messages(t)
			var subjects []string
			for _, m := range got {
				subjects = append(subjects, m.Subject)
			}
			slices.Sort(subjects)
			if want := []string{"Kept 0", "Kept 1", "Kept 2"}; !slices.Equal(subjects, want) {
				t.Fatalf("mailpit got %q, want %q", subjects, want)
			}
			c.Add(time.Hour)
			if n, _ := w.RunOnce(ctx); n != 0 {
				t.Fatalf("sent %d more after everything was delivered", n)
			}
			if s := stats(t, st); s.Pending != 0 || s.Sent != 3 {
				t.Fatalf("stats %+v, want 3 sent", s)
			}
		})
	}
}

func TestOutboxGivesUpAfterMaxAttempts(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			node, _ := e.open(t)
			st := node()
			pit := testpeer.NewMailpit(t) // never started
			c := newClock()
			w := newWorker(t, st, pit.SMTPURL(), 10, c)
			w.MaxAttempts = 3
			if err := st.EnqueueMail(ctx, msgs(1, "Doomed")...); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if s := stats(t, st); s.Pending != 1 {
					t.Fatalf("before attempt %d: %+v, want it still pending", i+1, s)
				}
				w.RunOnce(ctx)
				c.Add(mail.Backoff(i + 1))
			}
			if s := stats(t, st); s.Failed != 1 || s.Pending != 0 {
				t.Fatalf("after 3 failed attempts: %+v, want 1 given up", s)
			}
		})
	}
}

// A node that claimed mail and died: its claim holds until the lease ends,
// then another node takes the mail; the dead node's late report is ignored.
func TestOutboxLeaseExpires(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			node, _ := e.open(t)
			a, b := node(), node()
			if err := a.EnqueueMail(ctx, msgs(1, "Leased")...); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			first, err := a.ClaimMail(ctx, now, 2*time.Minute, 10)
			if err != nil || len(first) != 1 {
				t.Fatalf("first claim: %d, %v", len(first), err)
			}
			if got, _ := b.ClaimMail(ctx, now.Add(time.Minute), 2*time.Minute, 10); len(got) != 0 {
				t.Fatalf("claimed %d messages under another node's lease", len(got))
			}
			second, err := b.ClaimMail(ctx, now.Add(3*time.Minute), 2*time.Minute, 10)
			if err != nil || len(second) != 1 || second[0].Attempts != 2 || second[0].To != "reader0@example.org" {
				t.Fatalf("claim after the lease: %+v, %v", second, err)
			}
			if ok, err := a.MarkMailSent(ctx, first[0], now.Add(4*time.Minute)); ok || err != nil {
				t.Fatalf("stale claim marked sent: %v, %v", ok, err)
			}
			if ok, err := b.MarkMailSent(ctx, second[0], now.Add(4*time.Minute)); !ok || err != nil {
				t.Fatalf("current claim not marked sent: %v, %v", ok, err)
			}
			if s := stats(t, a); s.Sent != 1 || s.Pending != 0 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestOutboxTwoWorkersNoDuplicates(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			node, _ := e.open(t)
			a, b := node(), node()
			pit := testpeer.StartMailpit(t)
			const total = 40
			if err := a.EnqueueMail(ctx, msgs(total, "Once")...); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for _, st := range []*store.Store{a, b} {
				c := newClock()
				w := newWorker(t, st, pit.SMTPURL(), 3, c) // small batches, so the two interleave
				wg.Go(func() {
					for range 100 {
						if _, err := w.RunOnce(ctx); err != nil {
							t.Error(err)
							return
						}
						if stats(t, st).Pending == 0 {
							return
						}
						c.Add(time.Second)
					}
				})
			}
			wg.Wait()
			got := pit.Messages(t)
			seen := map[string]int{}
			for _, m := range got {
				seen[m.Subject]++
			}
			for s, n := range seen {
				if n > 1 {
					t.Errorf("%q delivered %d times", s, n)
				}
			}
			if len(got) != total || len(seen) != total {
				t.Fatalf("mailpit got %d messages (%d distinct), want %d", len(got), len(seen), total)
			}
			if s := stats(t, a); s.Sent != total {
				t.Fatalf("stats %+v, want %d sent", s, total)
			}
		})
	}
}

func TestOutboxRecipientNotInClearText(t *testing.T) {
	ctx := context.Background()
	node, raw := engines[0].open(t)
	st := node()
	const addr = "Secret.Reader@example.org"
	pit := testpeer.NewMailpit(t) // down: the failed attempt writes last_error too
	w := newWorker(t, st, pit.SMTPURL(), 10, newClock())
	if err := st.EnqueueMail(ctx, mail.Message{To: addr, Subject: "Hi", Text: "Hello", Kind: "test"}); err != nil {
		t.Fatal(err)
	}
	w.RunOnce(ctx)
	rows, err := raw.Query(`SELECT * FROM mail_outbox`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	n := 0
	for rows.Next() {
		n++
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			s := strings.ToLower(fmt.Sprint(v))
			if b, ok := v.([]byte); ok {
				s = strings.ToLower(string(b))
			}
			if strings.Contains(s, "secret.reader") {
				t.Errorf("column %s holds the address in clear text", cols[i])
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}

func TestOutboxRateLimit(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	for _, tc := range []struct {
		rate   float64
		queued int
		want   []int // messages sent per run, the clock moving one second between runs
	}{
		{5, 23, []int{5, 5, 5, 5, 3, 0}},
		{1, 3, []int{1, 1, 1, 0}},
		{0.5, 3, []int{1, 0, 1, 0, 1, 0}},
	} {
		t.Run(fmt.Sprint(tc.rate), func(t *testing.T) {
			ctx := context.Background()
			node, _ := engines[0].open(t)
			st := node()
			c := newClock()
			w := newWorker(t, st, pit.SMTPURL(), tc.rate, c)
			if err := st.EnqueueMail(ctx, msgs(tc.queued, "Rate")...); err != nil {
				t.Fatal(err)
			}
			var got []int
			for range tc.want {
				n, err := w.RunOnce(ctx)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, n)
				c.Add(time.Second)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("sent per second %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEnqueueRefusesBadMessages(t *testing.T) {
	ctx := context.Background()
	node, _ := engines[0].open(t)
	st := node()
	good := mail.Message{To: "a@example.org", Subject: "s", Text: "t", Kind: "test"}
	for _, tc := range []struct {
		name string
		edit func(m *mail.Message)
	}{
		{"not an address", func(m *mail.Message) { m.To = "not-an-address" }},
		{"two addresses", func(m *mail.Message) { m.To = "a@example.org, b@example.org" }},
		{"display name", func(m *mail.Message) { m.To = "Eve <a@example.org>" }},
		{"no text part", func(m *mail.Message) { m.Text = " " }},
		{"no kind", func(m *mail.Message) { m.Kind = "" }},
		{"line break in subject", func(m *mail.Message) { m.Subject = "hi\r\nBcc: x@example.org" }},
		{"line break in header", func(m *mail.Message) { m.Headers = map[string]string{"X-A": "1\nBcc: x@example.org"} }},
		{"bad header name", func(m *mail.Message) { m.Headers = map[string]string{"X A:": "1"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := good
			tc.edit(&bad)
			if err := st.EnqueueMail(ctx, good, bad); err == nil {
				t.Fatal("enqueued a bad message")
			}
			if s := stats(t, st); s.Pending != 0 {
				t.Fatalf("a refused batch left %d messages", s.Pending)
			}
		})
	}
	bare := node()
	bare.SetSealer(nil)
	if err := bare.EnqueueMail(ctx, good); err == nil {
		t.Fatal("a store without a sealer enqueued mail")
	}
}

func TestScrub(t *testing.T) {
	for _, tc := range []struct{ in, rcpt, want string }{
		{"550 5.1.1 <Reader@Example.org>: unknown", "reader@example.org", "550 5.1.1 <<recipient>>: unknown"},
		{"dial tcp 127.0.0.1:25: connection refused", "r@example.org", "dial tcp 127.0.0.1:25: connection refused"},
		{"rejected other@example.net", "r@example.org", "rejected <address>"},
	} {
		if got := mail.Scrub(tc.in, tc.rcpt); got != tc.want {
			t.Errorf("Scrub(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want mail.SMTP
		err  bool
	}{
		{"smtp://mail.example.org", mail.SMTP{Host: "mail.example.org", Port: 587, TLS: mail.TLSOpportunistic}, false},
		{"smtps://u:p%40ss@mail.example.org", mail.SMTP{Host: "mail.example.org", Port: 465, Username: "u", Password: "p@ss", TLS: mail.TLSImplicit}, false},
		{"smtp://127.0.0.1:1025?tls=none", mail.SMTP{Host: "127.0.0.1", Port: 1025, TLS: mail.TLSNone}, false},
		{"smtp://h?tls=starttls", mail.SMTP{Host: "h", Port: 587, TLS: mail.TLSRequired}, false},
		{"http://h", mail.SMTP{}, true},
		{"smtp://h?tls=maybe", mail.SMTP{}, true},
		{"smtp://u:hunter2@h:99999", mail.SMTP{}, true},
		{"smtp://u:hunter2@h\x7f", mail.SMTP{}, true},
	} {
		got, err := mail.ParseSMTPURL(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v", tc.in, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error repeats the password: %v", err)
		}
	}
	c, _ := mail.ParseSMTPURL("smtp://u:hunter2@h")
	if strings.Contains(c.String(), "hunter2") {
		t.Errorf("String() shows the password: %s", c)
	}
}

func TestOutboxGivesUpOnPermanentRefusal(t *testing.T) {
	ctx := context.Background()
	node, _ := engines[0].open(t)
	st := node()
	pit := testpeer.NewMailpit(t)
	// mailpit answers 5xx for recipients outside this pattern.
	pit.Args = []string{"--smtp-allowed-recipients", `^good@example\.org$`}
	pit.Start(t)
	w := newWorker(t, st, pit.SMTPURL(), 10, newClock())
	if err := st.EnqueueMail(ctx,
		mail.Message{To: "good@example.org", Subject: "Good", Text: "Hi", Kind: "test"},
		mail.Message{To: "refused@example.org", Subject: "Refused", Text: "Hi", Kind: "test"}); err != nil {
		t.Fatal(err)
	}
	if n, err := w.RunOnce(ctx); n != 1 || err != nil {
		t.Fatalf("sent %d, err %v; want 1", n, err)
	}
	if s := stats(t, st); s.Sent != 1 || s.Failed != 1 || s.Pending != 0 {
		t.Fatalf("stats %+v: want the refused message given up at once, not retried", s)
	}
	got := pit.Messages(t)
	if len(got) != 1 || got[0].Subject != "Good" {
		t.Fatalf("mailpit got %+v", got)
	}
}

// TestOutboxLinksNotInClearText: the single-use links a mail carries (in
// its text, its HTML and its headers) are sealed in the outbox like the
// address, and arrive intact.
func TestOutboxLinksNotInClearText(t *testing.T) {
	ctx := context.Background()
	node, raw := engines[0].open(t)
	st := node()
	const link = "https://news.example/support/signin/tok3nAbCdEf0123456789"
	const unsub = "<https://news.example/newsletter/unsubscribe?t=unsubTok3n987>"
	pit := testpeer.StartMailpit(t)
	if err := st.EnqueueMail(ctx, mail.Message{To: "reader@example.org", Subject: "Sign in", Kind: "test",
		Text: "Sign in: " + link + "\n", HTML: `<p><a href="` + link + `">Sign in</a></p>`,
		Headers: map[string]string{"List-Unsubscribe": unsub}}); err != nil {
		t.Fatal(err)
	}
	var text, html, headers string
	if err := raw.QueryRow(`SELECT body_text, body_html, headers FROM mail_outbox`).Scan(&text, &html, &headers); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"body_text": text, "body_html": html, "headers": headers} {
		if strings.Contains(v, "tok3nAbCdEf") || strings.Contains(v, "unsubTok3n") || strings.Contains(v, "news.example") {
			t.Errorf("column %s holds a link in clear text: %.120s", name, v)
		}
	}
	w := newWorker(t, st, pit.SMTPURL(), 10, newClock())
	w.RunOnce(ctx)
	got := pit.Messages(t)
	if len(got) != 1 {
		t.Fatalf("mailpit got %d messages, want 1", len(got))
	}
	m := pit.Message(t, got[0].ID)
	if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, link) {
		t.Errorf("the delivered mail lost its link:\ntext %q\nhtml %q", m.Text, m.HTML)
	}
	if h := m.Headers["List-Unsubscribe"]; len(h) != 1 || h[0] != unsub {
		t.Errorf("List-Unsubscribe arrived as %q, want %q", h, unsub)
	}
}
