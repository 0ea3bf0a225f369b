package server

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/testpeer"
)

// staffBrowser is a signed-in newsroom account at the real listener.
type staffBrowser struct {
	*signInClient
	t *testing.T
}

var confirmFieldRe = regexp.MustCompile(`name="confirm" value="([^"]+)"`)

func (b *staffBrowser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := signInCSRFRe.FindSubmatch(body); m != nil {
		b.csrf = html.UnescapeString(string(m[1]))
	}
	return resp.StatusCode, string(body)
}

// post sends a form with the session's CSRF token, as the admin's forms do.
func (b *staffBrowser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf)
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header.Get("Location")
}

func signInStaff(t *testing.T, n *newsNode, role account.Role, email string) *staffBrowser {
	t.Helper()
	hash, err := signInHash()
	if err != nil {
		t.Fatal(err)
	}
	u := account.User{Email: email, Name: "Desk", Role: role, PasswordHash: hash}
	if err := n.srv.Store.CreateUser(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	c := newSignInClient(t, n.base, "")
	if err := c.open(); err != nil {
		t.Fatal(err)
	}
	if status, _, err := c.send(email, signInPassword); err != nil || status != http.StatusSeeOther {
		t.Fatalf("sign in: %d, %v", status, err)
	}
	return &staffBrowser{signInClient: c, t: t}
}

// TestNewsletterComposeTestConfirmSend drives the admin through the real
// listener and its mails through a real SMTP server: the test send
// reaches the signed-in editor alone; the real send needs the
// confirmation page; the mails carry the site's domain.
func TestNewsletterComposeTestConfirmSend(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	n := startNewsNode(t, filepath.Join(t.TempDir(), "db"), pit.SMTPURL())
	n.subscribe(t, pit, "reader@example.org", "breaking")
	n.subscribe(t, pit, "other@example.org", "breaking")
	pit.DeleteAll(t)
	art := n.publish(t, "Bridge tender annulled")
	const desk = "desk-editor@example.org"
	ed := signInStaff(t, n, account.RoleEditor, desk)

	if status, body := ed.get("/admin/newsletters/new?article=" + itoa(art.ID)); status != 200 || !strings.Contains(body, `value="Bridge tender annulled"`) {
		t.Fatalf("compose from the article: %d", status)
	}
	// Bad input: the form comes back with the mistake and what was typed.
	status, body, _ := ed.post("/admin/newsletters/new", url.Values{"list": {"breaking"}, "lang": {"en"}, "intro": {"Typed words"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Write a subject") || !strings.Contains(body, "Typed words") {
		t.Fatalf("no subject: %d", status)
	}
	status, _, loc := ed.post("/admin/newsletters/new", url.Values{"article": {itoa(art.ID)}, "list": {"breaking"}, "lang": {"en"},
		"subject": {"Bridge tender annulled"}, "intro": {"From the desk."}})
	if status != http.StatusSeeOther {
		t.Fatalf("save the draft: %d", status)
	}
	page := strings.SplitN(loc, "?", 2)[0]

	// The test send: one mail, to the editor alone.
	if status, _, _ := ed.post(page+"/test", nil); status != http.StatusSeeOther {
		t.Fatalf("test send: %d", status)
	}
	n.deliver(t)
	got := pit.Messages(t)
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0].Address != desk {
		t.Fatalf("the test send reached %+v, want the editor alone", got)
	}
	m := pit.Message(t, got[0].ID)
	if !strings.HasPrefix(m.Subject, "[Test] ") || !strings.Contains(m.Text, "Test mail") {
		t.Errorf("the test mail does not say it is one: %q", m.Subject)
	}
	if m.From.Address != "desk@example.org" {
		t.Errorf("From %q", m.From.Address)
	}
	id := strings.Join(m.Headers["Message-Id"], "") + strings.Join(m.Headers["Message-ID"], "")
	if !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("Message-ID %q, want the From address's domain", id)
	}
	if host, err := os.Hostname(); err == nil && host != "" && strings.Contains(id, host) {
		t.Errorf("Message-ID %q names the machine", id)
	}
	pit.DeleteAll(t)

	// A POST to send without the confirmation page's token sends nothing.
	if status, body, _ := ed.post(page+"/send", nil); status != http.StatusBadRequest || !strings.Contains(body, "Confirm the send") {
		t.Fatalf("send without confirmation: %d", status)
	}
	n.deliver(t)
	if got := pit.Messages(t); len(got) != 0 {
		t.Fatalf("mailpit got %d mails from an unconfirmed send", len(got))
	}

	status, body = ed.get(page + "/confirm")
	tok := confirmFieldRe.FindStringSubmatch(body)
	if status != 200 || !strings.Contains(body, "Send to 2 subscribers of Breaking news?") || tok == nil {
		t.Fatalf("confirm page: %d\n%s", status, body)
	}
	if status, _, _ := ed.post(page+"/send", url.Values{"confirm": {html.UnescapeString(tok[1])}}); status != http.StatusSeeOther {
		t.Fatalf("confirmed send: %d", status)
	}
	n.deliver(t)
	got = pit.Messages(t)
	if len(got) != 2 || len(pit.MessagesTo(t, desk)) != 0 {
		t.Fatalf("the send reached %+v, want the two readers", got)
	}
	status, body = ed.get("/admin/newsletters")
	if status != 200 || !strings.Contains(body, ">Bridge tender annulled</a>") || !strings.Contains(body, "<td>sent</td>") {
		t.Fatalf("newsletters page: %d\n%s", status, body)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
