package server

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/revenue"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// TestGivingJourneyByBankTransfer follows a reader's whole monthly gift by
// bank transfer with JavaScript off, as plain form posts through the real
// listener, and its mails through a real SMTP server (mailpit): from the
// support link on an article, through the instructions page and mail that
// ask for a standing order, to revenue staff marking the transfer received
// in the admin's form, the monthly gift in the ledger and MRR, and the
// receipt.
func TestGivingJourneyByBankTransfer(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	dir := t.TempDir()
	ctx := context.Background()
	srv, err := New(ctx, config.Config{DB: filepath.Join(dir, "db"), Media: filepath.Join(dir, "media"), BaseURL: "http://giving.test",
		CacheMB: 8, JobsEvery: time.Hour, SMTPURL: pit.SMTPURL(), MailFrom: "desk@example.org", MailRate: 100, DataKey: testDataKey},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sec := content.Section{Slug: "news", Name: "News"}
	if err := srv.Store.CreateSection(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	art := &content.Article{Headline: "Bridge tender annulled", Body: "The tender was annulled.", Lang: "en",
		Status: content.StatusPublished, Section: sec, PublishedAt: time.Now().Add(-time.Hour).UTC().Truncate(time.Second)}
	if err := srv.Content.Create(ctx, art); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.SetSetting(ctx, "bank.details", "Holder: The Northern Ledger e.V.\nIBAN: DE89 3704 0044 0532 0130 00"); err != nil {
		t.Fatal(err)
	}
	hash, err := signInHash()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.CreateUser(ctx, &account.User{Email: "revenue@example.org", Name: "Revenue", Role: account.RoleRevenue, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	l := serveLoopback(t, srv)
	// The Host the site answers to is its base URL's; the connection goes
	// to the loopback listener.
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Jar: jar, Transport: tr, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values) (int, string, http.Header) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequest(method, l.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "giving.test"
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	must := func(what string, status, want int, body string, has ...string) {
		t.Helper()
		if status != want {
			t.Fatalf("%s: status %d, want %d\n%s", what, status, want, body)
		}
		for _, s := range has {
			if !strings.Contains(body, s) {
				t.Fatalf("%s lacks %q:\n%s", what, s, body)
			}
		}
	}
	deliverTo := func(addr string, n int) []testpeer.MailpitSummary {
		t.Helper()
		deliver(t, srv)
		got := pit.MessagesTo(t, addr)
		if len(got) != n {
			t.Fatalf("mailpit holds %d mails to the donor, want %d: %+v", len(got), n, got)
		}
		return got
	}
	const donor = "donor@example.org"

	// 1. An article page links to the support page.
	status, body, _ := do("GET", art.Path(), nil)
	must("the article", status, 200, body, `href="/support"`)

	// 2. The support form: monthly, by bank transfer, with a receipt.
	status, body, _ = do("GET", "/support", nil)
	must("the support page", status, 200, body, `action="/support"`, `value="bank"`, `value="monthly"`, `name="receipt"`)
	status, body, h := do("POST", "/support", url.Values{"frequency": {"monthly"}, "amount": {"custom"}, "custom": {"10"},
		"currency": {"eur"}, "method": {"bank"}, "email": {donor}, "receipt": {"on"}})
	must("the support form", status, http.StatusSeeOther, body)
	loc := h.Get("Location")
	if !strings.HasPrefix(loc, "/support/pledge/SZ-") {
		t.Fatalf("the form leads to %q, want the pledge's page", loc)
	}
	ref := strings.TrimPrefix(loc, "/support/pledge/")

	// 3. The instructions: the reference, and a standing order with it.
	status, body, _ = do("GET", loc, nil)
	must("the instructions", status, 200, body, ref, "Set up a standing order", "€10 every month", "same reference every time",
		"IBAN: DE89 3704 0044 0532 0130 00")

	// 4. The same by mail.
	got := deliverTo(donor, 1)
	m := pit.Message(t, got[0].ID)
	for _, s := range []string{ref, "standing order", "€10 every month", "same reference every time", "IBAN: DE89 3704 0044 0532 0130 00",
		"http://giving.test" + loc} {
		if !strings.Contains(m.Text, s) {
			t.Errorf("the instructions mail lacks %q:\n%s", s, m.Text)
		}
	}
	if !strings.Contains(m.Subject, ref) {
		t.Errorf("the instructions mail's subject %q lacks the reference", m.Subject)
	}

	// 5. Revenue staff sign in and mark the transfer received by the
	// reference on the bank statement, through the admin's forms.
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	token := func(page string) string {
		t.Helper()
		mm := csrf.FindStringSubmatch(page)
		if mm == nil {
			t.Fatalf("no CSRF token on the page:\n%s", page)
		}
		return html.UnescapeString(mm[1])
	}
	_, body, _ = do("GET", "/admin/signin", nil)
	status, body, _ = do("POST", "/admin/signin", url.Values{"csrf": {token(body)}, "email": {"revenue@example.org"},
		"password": {signInPassword}, "next": {"/admin/payments"}})
	if status != http.StatusSeeOther && status != 200 {
		t.Fatalf("sign in: %d\n%s", status, body)
	}
	status, body, _ = do("GET", "/admin/payments", nil)
	must("the payments page", status, 200, body, ref, "10.00 EUR")
	if status, _, _ := do("POST", "/admin/payments/pledges/received", url.Values{"reference": {ref}}); status != http.StatusForbidden {
		t.Errorf("marking received without the CSRF token: %d, want 403", status)
	}
	status, body, h = do("POST", "/admin/payments/pledges/received", url.Values{"csrf": {token(body)}, "reference": {ref}})
	must("marking received", status, http.StatusSeeOther, body)
	if h.Get("Location") != "/admin/payments?done=received" {
		t.Fatalf("marking received leads to %q", h.Get("Location"))
	}

	// 6. The ledger has a monthly gift, and MRR counts it.
	entries, err := srv.Store.Entries(ctx, store.LedgerQuery{})
	if err != nil || len(entries) != 1 || entries[0].Frequency != revenue.Monthly || entries[0].Amount != 1000 || entries[0].Provider != "bank" {
		t.Fatalf("ledger = %+v, %v; want one monthly gift of EUR 10.00", entries, err)
	}
	now := time.Now()
	rep, err := srv.Store.MonthlyReport(ctx, now, now.AddDate(0, 1, 0))
	if err != nil || len(rep) != 1 || rep[0].MRR != 1000 {
		t.Errorf("monthly report = %+v, %v; want MRR EUR 10.00", rep, err)
	}
	if f, _ := srv.Store.Funding(ctx, now, "eur"); f != 1000 {
		t.Errorf("the goal counts %d, want 1000 a month", f)
	}
	status, body, _ = do("GET", "/admin/payments", nil)
	must("the payments page after", status, 200, body, "Standing orders", "Mark next transfer received")

	// 7. The receipt arrives.
	got = deliverTo(donor, 2)
	var receipt testpeer.MailpitMessage
	for _, s := range got {
		if strings.HasPrefix(s.Subject, "Thank you for supporting") {
			receipt = pit.Message(t, s.ID)
		}
	}
	for _, s := range []string{"€10", "monthly", ref, "next transfer is due"} {
		if !strings.Contains(receipt.Text, s) {
			t.Errorf("the receipt lacks %q:\n%s", s, receipt.Text)
		}
	}
}
