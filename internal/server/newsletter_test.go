package server

import (
	"context"
	"errors"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

const testDataKey = "4242424242424242424242424242424242424242424242424242424242424242"

// newsNode is a server whose background jobs do not run: the test sends
// the outbox and runs the digest itself, so nothing happens behind its back.
type newsNode struct {
	srv  *Server
	base string
	c    *http.Client
}

func startNewsNode(t *testing.T, db, smtpURL string) *newsNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := New(context.Background(), config.Config{DB: db, Media: filepath.Join(t.TempDir(), "media"), BaseURL: base,
		CacheMB: 8, JobsEvery: time.Hour, SMTPURL: smtpURL, MailFrom: "desk@example.org", MailRate: 100, DataKey: testDataKey,
		MirrorHosts: []string{"mirror.example"}, OnionHost: "samizdatdemo2345.onion"},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// Served as production serves it: fasthttp, the fast path, the bridge.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &newsNode{srv: srv, base: base, c: noRedirect}
}

func (n *newsNode) do(t *testing.T, method, path string, form url.Values, header map[string]string) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, n.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := n.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// deliver sends everything in the outbox now.
func (n *newsNode) deliver(t *testing.T) {
	t.Helper()
	deliver(t, n.srv)
}

func (n *newsNode) publish(t *testing.T, headline string) *content.Article {
	t.Helper()
	ctx := context.Background()
	secs, _ := n.srv.Store.Sections(ctx)
	sec := content.Section{Slug: "news", Name: "News"}
	if len(secs) > 0 {
		sec = secs[0]
	} else if err := n.srv.Store.CreateSection(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	a := &content.Article{Headline: headline, Dek: "What happened", Body: "First paragraph.\n\nSecond paragraph.", Lang: "en",
		Status: content.StatusPublished, Section: sec, PublishedAt: time.Now().UTC().Truncate(time.Second)}
	if err := n.srv.Content.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

var confirmLink = regexp.MustCompile(`https?://\S+/newsletter/confirm\?t=\S+`)

// pathOf keeps the path and query of an absolute link from a mail.
func pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	return u.RequestURI()
}

func (n *newsNode) subscribe(t *testing.T, pit *testpeer.Mailpit, email string, lists ...string) {
	t.Helper()
	status, body, h := n.do(t, "POST", "/newsletter", url.Values{"email": {email}, "list": lists}, nil)
	if status != http.StatusSeeOther || h.Get("Location") != "/newsletter?sent=1" {
		t.Fatalf("subscribe %s: %d %s\n%s", email, status, h.Get("Location"), body)
	}
	n.deliver(t)
	msgs := pit.MessagesTo(t, email)
	if len(msgs) == 0 {
		t.Fatalf("no confirmation mail to %s", email)
	}
	m := pit.Message(t, msgs[0].ID)
	link := confirmLink.FindString(m.Text)
	if link == "" || !strings.Contains(m.HTML, "/newsletter/confirm?t=") {
		t.Fatalf("confirmation mail without a link:\n%s", m.Text)
	}
	p := pathOf(t, link)
	if status, body, _ := n.do(t, "GET", p, nil, nil); status != 200 || !strings.Contains(body, "Confirm my subscription") {
		t.Fatalf("GET confirm link: %d\n%s", status, body)
	}
	tok := strings.TrimPrefix(p, "/newsletter/confirm?t=")
	tok, _ = url.QueryUnescape(tok)
	if status, body, _ := n.do(t, "POST", "/newsletter/confirm", url.Values{"t": {tok}}, nil); status != 200 || !strings.Contains(body, "confirmed") {
		t.Fatalf("confirm: %d\n%s", status, body)
	}
	if status, _, _ := n.do(t, "POST", "/newsletter/confirm", url.Values{"t": {tok}}, nil); status != http.StatusBadRequest {
		t.Fatalf("confirm link used twice: %d, want 400", status)
	}
}

func subjectsTo(t *testing.T, pit *testpeer.Mailpit, email, prefix string) int {
	t.Helper()
	n := 0
	for _, m := range pit.MessagesTo(t, email) {
		if strings.HasPrefix(m.Subject, prefix) {
			n++
		}
	}
	return n
}

func TestNewsletterJourney(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	n := startNewsNode(t, filepath.Join(t.TempDir(), "db"), pit.SMTPURL())
	ctx := context.Background()

	// The form on every page and its own page work without JavaScript.
	if status, body, _ := n.do(t, "GET", "/newsletter", nil, nil); status != 200 || !strings.Contains(body, `action="/newsletter" method="post"`) {
		t.Fatalf("GET /newsletter: %d", status)
	}

	// Bad input: the form comes back with the error and what was typed.
	for _, tc := range []struct {
		name  string
		form  url.Values
		error string
	}{
		{"invalid address", url.Values{"email": {"reader@@example"}, "list": {"daily"}}, "does not look like an e-mail address"},
		{"empty address", url.Values{"email": {"  "}, "list": {"daily"}}, "Enter your e-mail address"},
		{"no list", url.Values{"email": {"kept@example.org"}}, "Choose at least one newsletter"},
		{"unknown list", url.Values{"email": {"kept@example.org"}, "list": {"gossip"}}, "Choose from the newsletters listed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := n.do(t, "POST", "/newsletter", tc.form, nil)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.error) {
				t.Fatalf("%d, want 422 with %q\n%s", status, tc.error, body)
			}
			if typed := tc.form.Get("email"); strings.TrimSpace(typed) != "" && !strings.Contains(body, `value="`+typed+`"`) {
				t.Fatalf("the typed address %q is not kept in the form", typed)
			}
		})
	}
	// A post from another site is refused (the form is on cached pages
	// that cannot carry a token).
	if status, _, _ := n.do(t, "POST", "/newsletter", url.Values{"email": {"x@example.org"}, "list": {"daily"}},
		map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); status != http.StatusForbidden {
		t.Fatalf("cross-site subscribe: %d, want 403", status)
	}
	n.deliver(t)
	if len(pit.Messages(t)) != 0 {
		t.Fatal("refused forms sent mail")
	}

	n.subscribe(t, pit, "reader@example.org", "daily", "breaking")
	n.subscribe(t, pit, "other@example.org", "daily", "breaking")
	// Subscribing again does not say the address is known, and sends no
	// second confirmation for lists already confirmed.
	status, body, _ := n.do(t, "POST", "/newsletter", url.Values{"email": {"reader@example.org"}, "list": {"daily"}}, nil)
	if status != http.StatusSeeOther {
		t.Fatalf("second subscribe: %d\n%s", status, body)
	}
	n.deliver(t)
	if got := len(pit.MessagesTo(t, "reader@example.org")); got != 1 {
		t.Fatalf("reader got %d mails after subscribing twice, want the one confirmation", got)
	}
	pit.DeleteAll(t)

	// An article sent to breaking news.
	a := n.publish(t, "Bridge tender annulled")
	if got, err := n.srv.Newsletters.SendArticle(ctx, a, 0); err != nil || got != 2 {
		t.Fatalf("SendArticle = %d, %v; want 2 recipients", got, err)
	}
	if _, err := n.srv.Newsletters.SendArticle(ctx, a, 0); !errors.Is(err, store.ErrAlreadySent) {
		t.Fatalf("second SendArticle: %v, want ErrAlreadySent", err)
	}
	n.deliver(t)
	msgs := pit.MessagesTo(t, "reader@example.org")
	if len(msgs) != 1 {
		t.Fatalf("reader got %d mails, want 1", len(msgs))
	}
	m := pit.Message(t, msgs[0].ID)
	// The headline is the mail's one heading, linked to the article, and
	// appears once in the body (the subject says it again, not the body).
	_, mailBody, _ := strings.Cut(m.HTML, "<body")
	if m.Subject != "Breaking: Bridge tender annulled" || !strings.Contains(m.Text, "Second paragraph.") ||
		!strings.Contains(m.HTML, "<a href=\""+n.base+a.Path()+"\" style=\"color:#1a1a1a;text-decoration:none;\">Bridge tender annulled</a></h1>") ||
		strings.Count(mailBody, "Bridge tender annulled") != 1 {
		t.Fatalf("newsletter parts:\nsubject %q\ntext %q\nhtml %q", m.Subject, m.Text, m.HTML)
	}
	for _, addr := range []string{n.base + "/", "mirror.example/", "samizdatdemo2345.onion/"} {
		if !strings.Contains(m.Text, addr) || !strings.Contains(m.HTML, addr) {
			t.Fatalf("the footer's list of addresses lacks %s", addr)
		}
	}
	lu := strings.Join(m.Headers["List-Unsubscribe"], "")
	if post := strings.Join(m.Headers["List-Unsubscribe-Post"], ""); post != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post = %q", post)
	}
	if !strings.HasPrefix(lu, "<"+n.base+"/newsletter/unsubscribe?t=") || !strings.HasSuffix(lu, ">") {
		t.Fatalf("List-Unsubscribe = %q", lu)
	}
	unsub := pathOf(t, strings.Trim(lu, "<>"))

	// GET only asks; a tampered token is refused.
	if status, body, _ := n.do(t, "GET", unsub, nil, nil); status != 200 || !strings.Contains(body, "Unsubscribe</button>") {
		t.Fatalf("GET unsubscribe: %d\n%s", status, body)
	}
	if status, _, _ := n.do(t, "POST", unsub+"x", url.Values{"List-Unsubscribe": {"One-Click"}}, nil); status != http.StatusBadRequest {
		t.Fatalf("tampered unsubscribe: %d, want 400", status)
	}
	// RFC 8058 one-click: a POST with no cookie and no CSRF token, as a
	// mail provider sends it from its own servers.
	status, body, _ = n.do(t, "POST", unsub, url.Values{"List-Unsubscribe": {"One-Click"}},
		map[string]string{"Sec-Fetch-Site": "cross-site"})
	if status != 200 || !strings.Contains(body, "unsubscribed") {
		t.Fatalf("one-click unsubscribe: %d\n%s", status, body)
	}

	// The next breaking news reaches the other reader only.
	pit.DeleteAll(t)
	b := n.publish(t, "Second story")
	if got, err := n.srv.Newsletters.SendArticle(ctx, b, 0); err != nil || got != 1 {
		t.Fatalf("SendArticle after unsubscribe = %d, %v; want 1", got, err)
	}
	n.deliver(t)
	if got := len(pit.MessagesTo(t, "reader@example.org")); got != 0 {
		t.Fatalf("unsubscribed reader got %d mails", got)
	}
	if got := len(pit.MessagesTo(t, "other@example.org")); got != 1 {
		t.Fatalf("other reader got %d mails, want 1", got)
	}

	// The digest job: both are still on the daily list; twice sends once.
	pit.DeleteAll(t)
	evening := time.Now().UTC().Truncate(24 * time.Hour).Add(23 * time.Hour)
	if got, err := n.srv.SendDailyDigest(ctx, evening); err != nil || got != 2 {
		t.Fatalf("digest = %d, %v; want 2 recipients", got, err)
	}
	if got, err := n.srv.SendDailyDigest(ctx, evening); err != nil || got != 0 {
		t.Fatalf("second digest = %d, %v; want nothing", got, err)
	}
	n.deliver(t)
	for _, who := range []string{"reader@example.org", "other@example.org"} {
		if got := subjectsTo(t, pit, who, "The day's stories"); got != 1 {
			t.Fatalf("%s got %d digests, want 1", who, got)
		}
	}
	dm := pit.Message(t, pit.MessagesTo(t, "other@example.org")[0].ID)
	if !strings.Contains(dm.Text, "Bridge tender annulled") || !strings.Contains(dm.Text, "Second story") || dm.HTML == "" ||
		len(dm.Headers["List-Unsubscribe"]) != 1 {
		t.Fatalf("digest:\n%s", dm.Text)
	}
}

func TestDigestOnceAcrossNodes(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	for _, tc := range []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "db") }},
		{"postgres", func(t *testing.T) string { return pgtest.Database(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pit.DeleteAll(t)
			db := tc.db(t)
			a := startNewsNode(t, db, pit.SMTPURL())
			b := startNewsNode(t, db, pit.SMTPURL())
			a.subscribe(t, pit, tc.name+"@example.org", "daily")
			pit.DeleteAll(t)
			a.publish(t, "Today's story")
			evening := time.Now().UTC().Truncate(24 * time.Hour).Add(23 * time.Hour)
			var wg sync.WaitGroup
			results := make([]int, 2)
			for i, node := range []*newsNode{a, b} {
				wg.Go(func() {
					n, err := node.srv.SendDailyDigest(context.Background(), evening)
					if err != nil && !errors.Is(err, store.ErrAlreadySent) {
						t.Error(err)
					}
					results[i] = n
				})
			}
			wg.Wait()
			if results[0]+results[1] != 1 {
				t.Fatalf("recipients per node %v: want the digest queued once", results)
			}
			a.deliver(t)
			b.deliver(t)
			if got := len(pit.Messages(t)); got != 1 {
				t.Fatalf("mailpit got %d digests, want 1", got)
			}
		})
	}
}

// TestNewsletterInRussian: a reader who subscribes on the Russian edition
// gets the double opt-in mail in Russian, confirms on a Russian page, and
// gets newsletters with a Russian subject and footer.
func TestNewsletterInRussian(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	n := startNewsNode(t, filepath.Join(t.TempDir(), "db"), pit.SMTPURL())
	ctx := context.Background()
	const email = "chitatel@example.org"

	status, body, h := n.do(t, "POST", "/ru/newsletter", url.Values{"email": {email}, "list": {"daily", "breaking"}}, nil)
	if status != http.StatusSeeOther || h.Get("Location") != "/ru/newsletter?sent=1" {
		t.Fatalf("subscribe on /ru/newsletter: %d %s\n%s", status, h.Get("Location"), body)
	}
	if status, body, _ := n.do(t, "GET", "/ru/newsletter?sent=1", nil, nil); status != 200 || !strings.Contains(body, "Спасибо.") {
		t.Fatalf("GET /ru/newsletter?sent=1: %d, want the Russian thank-you", status)
	}
	n.deliver(t)
	msgs := pit.MessagesTo(t, email)
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want the confirmation", len(msgs))
	}
	m := pit.Message(t, msgs[0].ID)
	if !strings.HasPrefix(m.Subject, "Подтвердите подписку") {
		t.Errorf("confirmation subject %q, want Russian", m.Subject)
	}
	for _, want := range []string{"Кто-то, вероятно вы", "Ежедневная рассылка", "Срочные новости", "дней"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, m.Text)
		}
	}
	for _, e := range i18n.Fragments("en") {
		if strings.Contains(m.Text, e) || strings.Contains(m.Subject, e) {
			t.Errorf("the Russian confirmation has the English %q", e)
		}
	}
	link := confirmLink.FindString(m.Text)
	p := pathOf(t, link)
	if !strings.HasPrefix(p, "/ru/newsletter/confirm?t=") {
		t.Fatalf("confirmation link %q, want the Russian edition's", link)
	}
	if status, body, _ := n.do(t, "GET", p, nil, nil); status != 200 || !strings.Contains(body, "Подтвердить подписку") {
		t.Fatalf("GET confirm link: %d\n%s", status, body)
	}
	tok, _ := url.QueryUnescape(strings.TrimPrefix(p, "/ru/newsletter/confirm?t="))
	if status, body, _ := n.do(t, "POST", "/ru/newsletter/confirm", url.Values{"t": {tok}}, nil); status != 200 || !strings.Contains(body, "Подписка подтверждена") {
		t.Fatalf("confirm: %d\n%s", status, body)
	}
	pit.DeleteAll(t)

	// A Russian article goes out in Russian.
	a := n.publish(t, "Выборы перенесли на осень")
	a.Lang = "ru"
	if err := n.srv.Content.Update(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := n.srv.Newsletters.SendArticle(ctx, a, 0); err != nil {
		t.Fatal(err)
	}
	n.deliver(t)
	msgs = pit.MessagesTo(t, email)
	if len(msgs) != 1 {
		t.Fatalf("%d newsletters, want 1", len(msgs))
	}
	m = pit.Message(t, msgs[0].ID)
	if m.Subject != "Срочно: Выборы перенесли на осень" || !strings.Contains(m.Text, "Отписаться одним нажатием") {
		t.Errorf("newsletter subject %q and footer: want Russian\n%s", m.Subject, m.Text)
	}
	if lu := strings.Join(m.Headers["List-Unsubscribe"], ""); !strings.Contains(lu, "/ru/newsletter/unsubscribe?t=") {
		t.Errorf("List-Unsubscribe %q, want the Russian edition's page", lu)
	}
}
