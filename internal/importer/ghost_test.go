package importer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/importer"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
)

const ghostFixture = "testdata/archive/ghost.json"

// ghostContent is a copy of Ghost's content directory with the fixture's
// ferry photo (the bridge photo is missing).
func ghostContent(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "images", "2024", "06"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "images", "2024", "06", "ferry.png"), pngBytes(t, 1000, 667), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGhostImport(t *testing.T) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			s := newSite(t, e)
			cd := ghostContent(t)
			rep, err := s.importGhost(t, ghostFixture, cd, false)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			var out bytes.Buffer
			rep.Print(&out)
			t.Log(out.String())
			if c := rep.Counts[importer.KindPost]; c == nil || c.Created != 4 {
				t.Errorf("posts: %+v, want 4 created (the email-only one skipped)", c)
			}
			a := s.article(t, "ferry-tender-annulled")
			if a.Headline != "Ferry tender annulled" || a.Dek != "The ferry contract is off." || a.Status != content.StatusPublished {
				t.Errorf("post: %q, dek %q, %s", a.Headline, a.Dek, a.Status)
			}
			if got := a.PublishedAt.UTC().Format("2006-01-02 15:04"); got != "2024-06-02 07:30" {
				t.Errorf("published at %s, want 2024-06-02 07:30", got)
			}
			if a.Section.Slug != "courts" {
				t.Errorf("section %s, want courts: the first public tag (the internal #tag is skipped)", a.Section.Slug)
			}
			if got := strings.Join(tagSlugs(a), ","); got != "courts,transport" {
				t.Errorf("tags %s, want courts,transport without the internal tag", got)
			}
			if len(a.Authors) != 2 || a.Authors[0].Slug != "maria" || a.Authors[1].Slug != "oleg" {
				t.Errorf("authors %+v, want maria then oleg, in posts_authors order", a.Authors)
			}
			if a.Image.Alt != "The old ferry at the quay" || a.Image.Caption != "Photo: Staff" || !s.md.Exists(a.Image.Key, "960.jpg") {
				t.Errorf("lead photo %+v, want posts_meta's alt and caption and the file stored", a.Image)
			}
			for _, want := range []string{"<strong>annulled</strong>", `src="/media/` + a.Image.Key + `/960.jpg"`, "<figcaption><span>The ferry in June</span></figcaption>",
				`href="/port-strike/"`, `href="mailto:`} {
				if want == `href="mailto:` {
					continue // on the page, below
				}
				if !strings.Contains(a.BodyHTML, want) {
					t.Errorf("body lacks %s:\n%s", want, a.BodyHTML)
				}
			}
			for _, bad := range []string{"__GHOST_URL__", "cdn.example.com", "<script", "onclick", "javascript:", "<iframe", "youtube"} {
				if strings.Contains(a.Body, bad) || strings.Contains(a.BodyHTML, bad) {
					t.Errorf("body keeps %q:\n%s", bad, a.Body)
				}
			}
			if ru := s.article(t, "novyi-most"); ru.Section.Slug != "goroda" || ru.Image.Present() {
				t.Errorf("second post: section %s, image %+v (its photo is missing)", ru.Section.Slug, ru.Image)
			}
			if st := s.article(t, "budget-leak").Status; st != content.StatusDraft {
				t.Errorf("draft: %s", st)
			}
			if st := s.article(t, "members-briefing").Status; st != content.StatusDraft {
				t.Errorf("paid-members post: %s, want a draft, not made public", st)
			}
			if _, err := s.st.ArticleBySlug(ctx, "weekly-letter"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("email-only post imported: %v", err)
			}
			pg, err := s.st.PageBySlug(ctx, "en", "contact")
			if err != nil || pg.Status != content.StatusPublished || !strings.Contains(pg.BodyHTML, `href="mailto:desk@example.org"`) {
				t.Errorf("page: %+v %v", pg, err)
			}
			// A third party's image is dropped and reported with the
			// photos not found.
			if len(rep.Missing) != 2 || rep.Missing[0].Src != "https://cdn.example.com/tracker.gif" || !strings.Contains(rep.Missing[1].Src, "bridge.jpg") {
				t.Errorf("missing: %+v, want the tracker and bridge.jpg", rep.Missing)
			}
			rd := s.redirects(t)
			for from, to := range map[string]string{
				"/ferry-tender-annulled":     a.Path(),
				"/ferry-tender-annulled/amp": a.Path(),
				"/rss":                       "/feed.xml",
				"/tag/courts/rss":            "/tag/courts/",
			} {
				if rd[from] != to {
					t.Errorf("redirect %s: %q, want %q", from, rd[from], to)
				}
			}
			for _, from := range []string{"/contact", "/budget-leak", "/tag/courts", "/author/maria"} {
				if to, ok := rd[from]; ok {
					t.Errorf("redirect %s → %s: want none (the same address, or a draft)", from, to)
				}
			}

			// Again: nothing new.
			rep, err = s.importGhost(t, ghostFixture, cd, false)
			if err != nil {
				t.Fatalf("second import: %v", err)
			}
			if c := rep.Counts[importer.KindPost]; c.Created+c.Updated != 0 || c.Unchanged != 4 {
				t.Errorf("second run: %+v, want 4 unchanged", c)
			}
			if c := rep.Counts[importer.KindPage]; c.Created+c.Updated != 0 || c.Unchanged != 1 {
				t.Errorf("second run pages: %+v", c)
			}
			if n := s.count(t); n != 4 {
				t.Errorf("articles after a second run: %d, want 4", n)
			}
		})
	}
}

func TestGhostMalformed(t *testing.T) {
	data, err := os.ReadFile(ghostFixture)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	tests := []struct{ name, file, path string }{
		{"truncated", text[:strings.Index(text, `"title": "Budget leak"`)], "db[0].data.posts[2]"},
		{"bad value", strings.Replace(text, `"sort_order": 2}`, `"sort_order": "two"}`, 1), "db[0].data.posts_tags[1].sort_order"},
		{"not an array", strings.Replace(text, `"tags": [`, `"tags": {"x": [`, 1), "db[0].data.tags"},
	}
	for _, e := range engines() {
		for _, tt := range tests {
			t.Run(e.name+"/"+tt.name, func(t *testing.T) {
				s := newSite(t, e)
				file := filepath.Join(t.TempDir(), "broken.json")
				os.WriteFile(file, []byte(tt.file), 0o644)
				_, err := s.importGhost(t, file, "", false)
				var pe *importer.PathError
				if !errors.As(err, &pe) || !strings.HasPrefix(pe.Path, tt.path) {
					t.Fatalf("got %v, want an error at %s", err, tt.path)
				}
				if n := s.count(t); n != 0 {
					t.Errorf("a broken export stored %d articles", n)
				}
			})
		}
	}
}

func TestGhostMembers(t *testing.T) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			s := newSite(t, e)
			keys, err := secret.NewKeys(bytes.Repeat([]byte{7}, 32))
			if err != nil {
				t.Fatal(err)
			}
			s.st.SetSealer(secret.NewBox(keys))
			run := func() *importer.Report {
				rep := importer.NewReport("ghost")
				m := &importer.Members{Store: s.st, List: "daily", Lang: "en", Report: rep}
				if err := m.ImportFile(ctx, "testdata/archive/members.csv"); err != nil {
					t.Fatalf("members: %v", err)
				}
				return rep
			}
			rep := run()
			if c := rep.Counts["member"]; c.Created != 3 {
				t.Errorf("members: %+v, want 3 created", c)
			}
			for email, want := range map[string]string{
				"reader.one@example.com":   mail.StatusConfirmed,
				"reader.two@example.com":   mail.StatusUnsubscribed,
				"reader.three@example.com": mail.StatusConfirmed,
			} {
				if got, err := s.st.SubscriberStatus(ctx, "daily", email); err != nil || got != want {
					t.Errorf("%s: %q %v, want %s", email, got, err, want)
				}
			}
			counts, _ := s.st.SubscriberCounts(ctx)
			if counts["daily"] != 2 {
				t.Errorf("confirmed subscribers %d, want 2: an unsubscribed member gets no mail", counts["daily"])
			}
			box := secret.NewBox(keys)
			sid, err := s.st.SupporterByLookup(ctx, box.Lookup("reader.one@example.com"))
			if err != nil {
				t.Fatalf("supporter of the Stripe customer: %v", err)
			}
			if cus, _ := s.st.SupporterStripeCustomer(ctx, sid); cus != "cus_Nf0a1b2c3d4e5f" {
				t.Errorf("stripe customer %q", cus)
			}

			// Someone unsubscribes here; the next import does not undo it.
			if _, err := s.st.ImportSubscriber(ctx, store.ImportedSubscriber{Email: "reader.three@example.com", List: "daily"}); err != nil {
				t.Fatal(err)
			}
			rep = run()
			if c := rep.Counts["member"]; c.Created+c.Updated != 0 || c.Unchanged != 2 {
				t.Errorf("second run: %+v, want 2 unchanged", c)
			}
			if rep.Skipped["members subscribed in Ghost who unsubscribed here since: kept unsubscribed"] != 1 {
				t.Errorf("skipped: %v", rep.Skipped)
			}
			if got, _ := s.st.SubscriberStatus(ctx, "daily", "reader.three@example.com"); got != mail.StatusUnsubscribed {
				t.Errorf("an unsubscription was undone by an import: %s", got)
			}
		})
	}
}
