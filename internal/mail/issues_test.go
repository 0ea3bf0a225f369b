package mail_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/testpeer"
	"github.com/samizdat-press/samizdat/web"
)

const issueBase = "https://news.example.org"

// structuredBody has every block a newsroom writes: subheadings, lists,
// a quote, a table, a link and an image of the site's own.
const structuredBody = `The council voted at night, after the cameras had left and most of the public had gone home to bed.

## What was decided

- The tender is annulled.
- A new one opens in [spring](/2026/03/01/spring).

1. First reading
2. Second reading

> We were not told anything.
> Nobody was.

### The numbers

| Year | Cost |
|------|------|
| 2025 | 12 |

![The old bridge at dusk](/media/body/800.jpg)
`

type issueEnv struct {
	st    *store.Store
	n     *mail.Newsletters
	now   *time.Time
	art   *content.Article
	ctx   context.Context
	clock func() time.Time
}

// newIssueEnv is a store with one live article (photo, two authors, the
// structured body) and the newsletters on it, their clock in now.
func newIssueEnv(t *testing.T, st *store.Store, now *time.Time) *issueEnv {
	t.Helper()
	ctx := context.Background()
	clock := func() time.Time { return *now }
	st.SetClock(clock)
	n, err := mail.NewNewsletters(mail.NewslettersConfig{Store: st, Keys: testKeys(t), Web: web.FS, BaseURL: issueBase,
		SiteName: func() string { return "Samizdat Daily" }, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	e := &issueEnv{st: st, n: n, now: now, ctx: ctx, clock: clock}
	sec := content.Section{Slug: "news", Name: "News"}
	if err := st.CreateSection(ctx, &sec); err != nil {
		t.Fatal(err)
	}
	var authors []content.Author
	for _, name := range []string{"Anna Reporter", "Boris Editor"} {
		au := content.Author{Slug: strings.ToLower(strings.Fields(name)[0]), Name: name}
		if err := st.CreateAuthor(ctx, &au); err != nil {
			t.Fatal(err)
		}
		authors = append(authors, au)
	}
	svc := content.NewService(st, content.NewRenderer())
	svc.SetClock(clock)
	e.art = &content.Article{Headline: "Bridge tender annulled", Dek: "The council acted after midnight.", Body: structuredBody,
		Lang: "en", Status: content.StatusPublished, Section: sec, Authors: authors, PublishedAt: now.Add(-time.Hour),
		Image: content.Image{Key: "lead", Width: 1600, Height: 900, Widths: []int{400, 800, 1600}, Alt: "The bridge from the river",
			Caption: "The bridge in May.", Credit: "Ivan Photo"}}
	if err := svc.Create(ctx, e.art); err != nil {
		t.Fatal(err)
	}
	return e
}

// subscribe confirms email on list in lang.
func (e *issueEnv) subscribe(t *testing.T, email, lang, list string) {
	t.Helper()
	if _, err := e.st.Subscribe(e.ctx, email, lang, []string{list}, "h-"+email, e.clock()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ConfirmSubscription(e.ctx, "h-"+email, e.clock()); err != nil {
		t.Fatal(err)
	}
}

func (e *issueEnv) draft(t *testing.T, is mail.Issue) mail.Issue {
	t.Helper()
	if err := e.n.SaveIssue(e.ctx, &is); err != nil {
		t.Fatal(err)
	}
	return is
}

// deliver sends the whole outbox to the SMTP server at smtpURL.
func deliver(t *testing.T, st *store.Store, smtpURL string) {
	t.Helper()
	c := newClock()
	c.Add(time.Hour) // past any scheduled time the store's clock set
	w := newWorker(t, st, smtpURL, 100, c)
	for range 50 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if stats(t, st).Pending == 0 {
			return
		}
		c.Add(time.Second)
	}
	t.Fatal("the outbox did not empty")
}

// TestIssueMailKeepsStructure: the mail sent keeps the article's
// structure in HTML (headline once, dek, byline, photo, h2, lists, quote,
// table) and in a plain-text part that reads well, with headers at the
// site's domain and not the machine's.
func TestIssueMailKeepsStructure(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			pit.DeleteAll(t)
			node, _ := eng.open(t)
			st := node()
			now := time.Now().UTC().Truncate(time.Second)
			e := newIssueEnv(t, st, &now)
			e.subscribe(t, "reader@example.org", "en", "breaking")
			is := e.draft(t, mail.Issue{List: "breaking", Lang: "en", Subject: "Bridge tender annulled", ArticleID: e.art.ID,
				Intro: "A note from the desk: **read this one**."})
			if _, err := e.n.SendNow(e.ctx, is, e.n.ConfirmToken(is)); err != nil {
				t.Fatal(err)
			}
			deliver(t, st, pit.SMTPURL())
			got := pit.MessagesTo(t, "reader@example.org")
			if len(got) != 1 {
				t.Fatalf("reader got %d mails, want 1", len(got))
			}
			m := pit.Message(t, got[0].ID)
			m.Text = strings.ReplaceAll(m.Text, "\r\n", "\n")
			_, body, _ := strings.Cut(m.HTML, "<body")
			for _, want := range []string{
				`>What was decided</h2>`, `<ul style=`, `<ol style=`, `<li style=`,
				`<blockquote style=`, `<table style=`, `<td style=`,
				`<img src="` + issueBase + `/media/lead/800.jpg" width="600" height="337" alt="The bridge from the river"`,
				`<img src="` + issueBase + `/media/body/800.jpg"`,
				`href="` + issueBase + `/2026/03/01/spring"`,
				`By Anna Reporter, Boris Editor`, `The council acted after midnight.`, `<strong>read this one</strong>`,
				`href="` + issueBase + e.art.Path() + `"`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("HTML part lacks %q", want)
				}
			}
			for _, h := range []string{"h2", "h3"} {
				if !regexp.MustCompile(`<` + h + `[^>]* style="`).MatchString(body) {
					t.Errorf("HTML part lacks a styled <%s>", h)
				}
			}
			if n := strings.Count(body, "Bridge tender annulled"); n != 1 {
				t.Errorf("the headline is %d times in the body, want once", n)
			}
			if regexp.MustCompile(`(src|href)="/`).MatchString(body) {
				t.Error("a relative link or image in the mail")
			}
			for _, src := range regexp.MustCompile(`src="([^"]+)"`).FindAllStringSubmatch(body, -1) {
				if !strings.HasPrefix(src[1], issueBase+"/") {
					t.Errorf("image from another host: %s", src[1])
				}
			}

			for _, want := range []string{
				"Bridge tender annulled\n======================",
				"What was decided\n================",
				"The numbers\n-----------",
				"- The tender is annulled.",
				"- A new one opens in spring\n  [" + issueBase + "/2026/03/01/spring].",
				"1. First reading",
				"> We were not told anything.",
				"| 2025 | 12 |",
				"By Anna Reporter, Boris Editor",
				"Unsubscribe with one click:",
			} {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text part lacks %q\n%s", want, m.Text)
				}
			}
			for _, l := range strings.Split(m.Text, "\n") {
				if utf8.RuneCountInString(l) > mail.TextWidth && strings.Contains(strings.TrimSpace(l), " ") {
					t.Errorf("text line of %d columns: %q", utf8.RuneCountInString(l), l)
				}
			}
			if strings.Contains(m.Text, "<") && strings.Contains(m.Text, "</") {
				t.Error("HTML tags in the text part")
			}

			if m.From.Address != "newsroom@example.org" {
				t.Errorf("From %q", m.From.Address)
			}
			id := strings.Join(m.Headers["Message-Id"], "") + strings.Join(m.Headers["Message-ID"], "")
			if !strings.HasSuffix(id, "@example.org>") {
				t.Errorf("Message-ID %q, want one at example.org", id)
			}
			if host, err := os.Hostname(); err == nil && host != "" && strings.Contains(id, host) {
				t.Errorf("Message-ID %q names the machine %q", id, host)
			}
			lu := strings.Join(m.Headers["List-Unsubscribe"], "")
			if !strings.HasPrefix(lu, "<"+issueBase+"/newsletter/unsubscribe?t=") ||
				strings.Join(m.Headers["List-Unsubscribe-Post"], "") != "List-Unsubscribe=One-Click" {
				t.Errorf("List-Unsubscribe %q", lu)
			}
		})
	}
}

// TestScheduledIssueOnceAcrossWorkers: two nodes on one database run the
// scheduler at the same moment, again and again; each scheduled issue
// goes out once.
func TestScheduledIssueOnceAcrossWorkers(t *testing.T) {
	pit := testpeer.StartMailpit(t)
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			pit.DeleteAll(t)
			node, _ := eng.open(t)
			a, b := node(), node()
			now := time.Now().UTC().Truncate(time.Second)
			ea := newIssueEnv(t, a, &now)
			eb := &issueEnv{st: b, ctx: ea.ctx, now: &now, clock: ea.clock}
			b.SetClock(ea.clock)
			var err error
			if eb.n, err = mail.NewNewsletters(mail.NewslettersConfig{Store: b, Keys: testKeys(t), Web: web.FS, BaseURL: issueBase, Now: ea.clock}); err != nil {
				t.Fatal(err)
			}
			ea.subscribe(t, "one@example.org", "en", "daily")
			ea.subscribe(t, "two@example.org", "en", "daily")
			const issues = 6
			for i := range issues {
				is := ea.draft(t, mail.Issue{List: "daily", Lang: "en", Subject: fmt.Sprintf("Weekly %d", i), Intro: "Words."})
				if err := ea.n.Schedule(ea.ctx, is, ea.n.ConfirmToken(is), now.Add(time.Duration(i+1)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			// Not yet due: nothing goes.
			if n, err := ea.n.SendDue(ea.ctx); err != nil || n != 0 {
				t.Fatalf("SendDue before the time = %d, %v", n, err)
			}
			now = now.Add(time.Hour)
			var mu sync.Mutex
			total := 0
			var wg sync.WaitGroup
			for _, n := range []*mail.Newsletters{ea.n, eb.n, ea.n, eb.n} {
				wg.Go(func() {
					k, err := n.SendDue(context.Background())
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					total += k
					mu.Unlock()
				})
			}
			wg.Wait()
			if total != 2*issues {
				t.Fatalf("%d mails queued by the two workers, want %d", total, 2*issues)
			}
			deliver(t, a, pit.SMTPURL())
			seen := map[string]int{}
			for _, m := range pit.Messages(t) {
				seen[m.Subject+" to "+m.To[0].Address]++
			}
			if len(seen) != 2*issues {
				t.Fatalf("mailpit got %d distinct mails, want %d: %v", len(seen), 2*issues, seen)
			}
			for k, n := range seen {
				if n != 1 {
					t.Errorf("%s delivered %d times", k, n)
				}
			}
			reps, err := a.IssueReports(ea.ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range reps {
				if r.Status != mail.IssueSent || r.Recipients != 2 || r.Sent != 2 {
					t.Errorf("issue %q: status %s, %d recipients, %d sent; want sent to 2", r.Subject, r.Status, r.Recipients, r.Sent)
				}
			}
		})
	}
}

// TestIssueSendRules: the send needs the confirmation token of the issue
// as it is now; an empty list, a past time and a missing subject are
// refused; nothing is queued by a refusal.
func TestIssueSendRules(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			node, _ := eng.open(t)
			st := node()
			now := time.Now().UTC().Truncate(time.Second)
			e := newIssueEnv(t, st, &now)
			e.subscribe(t, "en@example.org", "en", "breaking")
			e.subscribe(t, "ru@example.org", "ru", "breaking")

			var fe mail.IssueErrors
			for _, bad := range []mail.Issue{
				{List: "breaking", Lang: "en", Intro: "No subject."},
				{List: "breaking", Lang: "en", Subject: "No text"},
				{List: "gossip", Lang: "en", Subject: "x", Intro: "x"},
				{List: "breaking", Lang: "xx", Subject: "x", Intro: "x"},
			} {
				if err := e.n.SaveIssue(e.ctx, &bad); !errors.As(err, &fe) || bad.ID != 0 {
					t.Errorf("SaveIssue(%+v) = %v, want IssueErrors and nothing stored", bad, err)
				}
			}

			is := e.draft(t, mail.Issue{List: "breaking", Lang: "ru", Subject: "Срочно", Intro: "Текст."})
			if n, err := e.n.Recipients(e.ctx, is); err != nil || n != 1 {
				t.Fatalf("Russian recipients = %d, %v; want 1", n, err)
			}
			stale := e.n.ConfirmToken(is)
			is.Intro = "Текст, исправленный."
			now = now.Add(time.Second)
			if err := e.n.SaveIssue(e.ctx, &is); err != nil {
				t.Fatal(err)
			}
			for _, tok := range []string{"", "forged", stale} {
				if _, err := e.n.SendNow(e.ctx, is, tok); !errors.Is(err, mail.ErrNotConfirmed) {
					t.Errorf("SendNow with token %q = %v, want ErrNotConfirmed", tok, err)
				}
			}
			if err := e.n.Schedule(e.ctx, is, e.n.ConfirmToken(is), now.Add(-time.Minute)); !errors.As(err, &fe) || fe["at"] == "" {
				t.Errorf("Schedule in the past = %v, want a field error on at", err)
			}
			if s := stats(t, st); s.Pending != 0 {
				t.Fatalf("%d mails queued by refusals", s.Pending)
			}
			if n, err := e.n.SendNow(e.ctx, is, e.n.ConfirmToken(is)); err != nil || n != 1 {
				t.Fatalf("SendNow = %d, %v; want 1 (the Russian reader only)", n, err)
			}
			if _, err := e.n.SendNow(e.ctx, is, e.n.ConfirmToken(is)); !errors.Is(err, mail.ErrIssueTaken) {
				t.Errorf("second SendNow = %v, want ErrIssueTaken", err)
			}

			// Scheduled, then cancelled: the scheduler sends nothing.
			later := e.draft(t, mail.Issue{List: "breaking", Lang: "en", Subject: "Later", Intro: "x"})
			if err := e.n.Schedule(e.ctx, later, e.n.ConfirmToken(later), now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			later, _ = st.Issue(e.ctx, later.ID)
			if later.Status != mail.IssueScheduled {
				t.Fatalf("status %s, want scheduled", later.Status)
			}
			if err := e.n.SaveIssue(e.ctx, &later); !errors.Is(err, store.ErrConflict) {
				t.Errorf("editing a scheduled issue = %v, want ErrConflict", err)
			}
			if err := e.n.Unschedule(e.ctx, later); err != nil {
				t.Fatal(err)
			}
			now = now.Add(2 * time.Hour)
			if n, err := e.n.SendDue(e.ctx); err != nil || n != 0 {
				t.Errorf("SendDue after the schedule was cancelled = %d, %v", n, err)
			}

			empty := e.draft(t, mail.Issue{List: "daily", Lang: "en", Subject: "Nobody", Intro: "x"})
			if _, err := e.n.SendNow(e.ctx, empty, e.n.ConfirmToken(empty)); !errors.Is(err, mail.ErrNoRecipients) {
				t.Errorf("send to an empty list = %v, want ErrNoRecipients", err)
			}
			if err := e.n.Schedule(e.ctx, empty, e.n.ConfirmToken(empty), now.Add(time.Hour)); !errors.Is(err, mail.ErrNoRecipients) {
				t.Errorf("schedule to an empty list = %v, want ErrNoRecipients", err)
			}
			if s := stats(t, st); s.Pending != 1 {
				t.Fatalf("%d mails queued, want the one", s.Pending)
			}
		})
	}
}

// TestIssueReport: each send counts its mail delivered, refused by the
// SMTP server, and the readers who left through its own link.
func TestIssueReport(t *testing.T) {
	pit := testpeer.NewMailpit(t)
	// mailpit refuses (5xx) recipients outside this pattern.
	pit.Args = []string{"--smtp-allowed-recipients", `@example\.org$`}
	pit.Start(t)
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			pit.DeleteAll(t)
			node, _ := eng.open(t)
			st := node()
			now := time.Now().UTC().Truncate(time.Second)
			e := newIssueEnv(t, st, &now)
			for _, a := range []string{"a@example.org", "b@example.org", "c@example.org", "bounce@elsewhere.test"} {
				e.subscribe(t, a, "en", "breaking")
			}
			first := e.draft(t, mail.Issue{List: "breaking", Lang: "en", Subject: "First", Intro: "One."})
			if _, err := e.n.SendNow(e.ctx, first, e.n.ConfirmToken(first)); err != nil {
				t.Fatal(err)
			}
			second := e.draft(t, mail.Issue{List: "breaking", Lang: "en", Subject: "Second", Intro: "Two."})
			reps, err := st.IssueReports(e.ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			var firstRep mail.IssueReport
			for _, r := range reps {
				if r.ID == first.ID {
					firstRep = r
				}
			}
			if firstRep.DisplayStatus() != mail.IssueSending || firstRep.Pending != 4 {
				t.Fatalf("before delivery: %s with %d pending, want sending with 4", firstRep.DisplayStatus(), firstRep.Pending)
			}
			deliver(t, st, pit.SMTPURL())
			// b leaves through the link in the first issue's mail.
			var link string
			for _, s := range pit.MessagesTo(t, "b@example.org") {
				link = strings.Trim(strings.Join(pit.Message(t, s.ID).Headers["List-Unsubscribe"], ""), "<>")
			}
			tok := link[strings.Index(link, "?t=")+3:]
			if _, err := e.n.Unsubscribe(e.ctx, tok); err != nil {
				t.Fatal(err)
			}
			reps, err = st.IssueReports(e.ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int64]string{first.ID: "sent 4: 3 delivered, 1 failed, 1 unsubscribed", second.ID: "draft 0: 0 delivered, 0 failed, 0 unsubscribed"}
			for _, r := range reps {
				got := fmt.Sprintf("%s %d: %d delivered, %d failed, %d unsubscribed", r.DisplayStatus(), r.Recipients, r.Sent, r.Failed, r.Unsubscribed)
				if w, ok := want[r.ID]; ok && got != w {
					t.Errorf("report of %q: %s, want %s", r.Subject, got, w)
				}
			}
		})
	}
}

// TestDigestItemsCarryPhotos: each story of the daily digest that has a
// lead photo shows it in the HTML part, from this site with its alt text;
// a story without one shows none, and the text part names no photo.
func TestDigestItemsCarryPhotos(t *testing.T) {
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			node, _ := eng.open(t)
			st := node()
			now := time.Now().UTC().Truncate(time.Second)
			e := newIssueEnv(t, st, &now)
			e.subscribe(t, "reader@example.org", "en", "daily")
			svc := content.NewService(st, content.NewRenderer())
			svc.SetClock(e.clock)
			second := &content.Article{Headline: "Ferry timetable changes", Body: "From Monday.", Lang: "en",
				Status: content.StatusPublished, Section: e.art.Section, PublishedAt: now.Add(-2 * time.Hour),
				Image: content.Image{Key: "ferry", Width: 1200, Height: 800, Widths: []int{480, 960}, Alt: "The ferry at the quay"}}
			bare := &content.Article{Headline: "Council meets on Thursday", Body: "Agenda.", Lang: "en",
				Status: content.StatusPublished, Section: e.art.Section, PublishedAt: now.Add(-3 * time.Hour)}
			for _, a := range []*content.Article{second, bare} {
				if err := svc.Create(e.ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			arts, err := st.ListArticles(e.ctx, store.ListQuery{Since: now.Add(-24 * time.Hour), Limit: 50})
			if err != nil || len(arts) != 3 {
				t.Fatalf("the day's articles: %d, %v", len(arts), err)
			}
			if n, err := e.n.SendDigest(e.ctx, now, arts); err != nil || n != 1 {
				t.Fatalf("SendDigest = %d, %v; want 1", n, err)
			}
			out, err := st.ClaimMail(e.ctx, now.Add(time.Hour), time.Minute, 10)
			if err != nil || len(out) != 1 {
				t.Fatalf("outbox: %d mails, %v; want 1", len(out), err)
			}
			m := out[0].Message
			_, body, _ := strings.Cut(m.HTML, "<body")
			imgs := regexp.MustCompile(`<img [^>]*>`).FindAllString(body, -1)
			for _, tc := range []struct {
				name, src, alt string
			}{
				{"lead photo", issueBase + "/media/lead/800.jpg", "The bridge from the river"},
				{"narrower photo", issueBase + "/media/ferry/960.jpg", "The ferry at the quay"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					want := `<img src="` + tc.src + `"`
					for _, img := range imgs {
						if strings.HasPrefix(img, want) {
							if !strings.Contains(img, ` alt="`+tc.alt+`"`) {
								t.Errorf("photo %s without its alt text: %s", tc.src, img)
							}
							return
						}
					}
					t.Errorf("digest HTML lacks %s; images: %q", want, imgs)
				})
			}
			if len(imgs) != 2 {
				t.Errorf("digest HTML has %d images, want 2 (none for the story without a photo): %q", len(imgs), imgs)
			}
			// The photos follow their own stories, and none follows the bare one.
			for _, pair := range [][2]string{{"Bridge tender annulled", "/media/lead/"}, {"Ferry timetable changes", "/media/ferry/"}} {
				h, p := strings.Index(body, ">"+pair[0]+"</a></h2>"), strings.Index(body, pair[1])
				if h < 0 || p < h {
					t.Errorf("the photo %s is not under %q", pair[1], pair[0])
				}
			}
			_, afterBare, _ := strings.Cut(body, ">Council meets on Thursday</a></h2>")
			next, _, _ := strings.Cut(afterBare, "<h2")
			if strings.Contains(next, "<img") {
				t.Error("a photo under the story that has none")
			}
			if strings.Contains(m.Text, "[Photo") || strings.Contains(m.Text, "/media/") {
				t.Errorf("the text part names a photo:\n%s", m.Text)
			}
			for _, h := range []string{"Bridge tender annulled", "Ferry timetable changes", "Council meets on Thursday"} {
				if !strings.Contains(m.Text, h) {
					t.Errorf("text part lacks %q", h)
				}
			}
		})
	}
}
