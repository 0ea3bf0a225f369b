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
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/store"
	"github.com/samizdat-press/samizdat/internal/store/pgtest"
)

// engine opens a fresh, migrated store.
type engine struct {
	name string
	open func(t *testing.T) *store.Store
}

func engines() []engine {
	return []engine{
		{"sqlite", func(t *testing.T) *store.Store {
			st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
			if err != nil {
				t.Fatalf("store.Open: %v", err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}},
		{"postgres", func(t *testing.T) *store.Store {
			st, err := store.Open(context.Background(), pgtest.Database(t))
			if err != nil {
				t.Fatalf("store.Open: %v", err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}},
	}
}

// site is one store and media directory imports write to.
type site struct {
	st    *store.Store
	md    *media.Dir
	media string
}

func newSite(t *testing.T, e engine) *site {
	t.Helper()
	dir := t.TempDir()
	md, err := media.NewDir(dir)
	if err != nil {
		t.Fatalf("media.NewDir: %v", err)
	}
	md.SetWebPEncoder(nil) // WebP is the media package's to test; imports only need the files
	return &site{st: e.open(t), md: md, media: dir}
}

func (s *site) archive(source string, dry bool) *importer.Archive {
	return &importer.Archive{Source: source, Store: s.st, Pages: s.st, Redirects: s.st, Renderer: content.NewRenderer(),
		MainLang: "en", DryRun: dry, Report: importer.NewReport(source)}
}

// uploads is a copy of wp-content/uploads with the fixture's one photo.
func uploads(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "2024", "05"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2024", "05", "harbour.png"), pngBytes(t, 1200, 800), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (s *site) importWP(t *testing.T, file, up string, dry bool) (*importer.Report, error) {
	t.Helper()
	a := s.archive("wordpress", dry)
	wp := &importer.WordPress{Archive: a, UploadsDir: up, Images: s.md}
	err := wp.ImportFile(context.Background(), file)
	return a.Report, err
}

func (s *site) article(t *testing.T, slug string) *content.Article {
	t.Helper()
	a, err := s.st.ArticleBySlug(context.Background(), slug)
	if err != nil {
		t.Fatalf("ArticleBySlug(%s): %v", slug, err)
	}
	return a
}

func (s *site) count(t *testing.T) int {
	t.Helper()
	_, n, err := s.st.AdminArticles(context.Background(), store.AdminQuery{})
	if err != nil {
		t.Fatalf("AdminArticles: %v", err)
	}
	return n
}

func (s *site) redirects(t *testing.T) map[string]string {
	t.Helper()
	rs, err := s.st.Redirects(context.Background())
	if err != nil {
		t.Fatalf("Redirects: %v", err)
	}
	out := map[string]string{}
	for _, r := range rs {
		out[r.From] = r.To
	}
	return out
}

const wxrFixture = "testdata/archive/wordpress.xml"

func tagSlugs(a *content.Article) []string {
	var out []string
	for _, t := range a.Tags {
		out = append(out, t.Slug)
	}
	return out
}

func TestWordPressImport(t *testing.T) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			s := newSite(t, e)
			rep, err := s.importWP(t, wxrFixture, uploads(t), false)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			var out bytes.Buffer
			rep.Print(&out)
			t.Log(out.String())
			if c := rep.Counts[importer.KindPost]; c == nil || c.Created != 6 || c.Updated != 0 {
				t.Errorf("posts: got %+v, want 6 created", c)
			}
			if c := rep.Counts[importer.KindPage]; c == nil || c.Created != 1 {
				t.Errorf("pages: got %+v, want 1 created", c)
			}

			// A classic post: autop, [caption], nested category, featured image.
			a := s.article(t, "port-strike")
			if a.Headline != "Port strike enters second week" || a.Dek != "Dockers walked out." || a.Status != content.StatusPublished {
				t.Errorf("port-strike: headline %q, dek %q, status %s", a.Headline, a.Dek, a.Status)
			}
			if got := a.PublishedAt.UTC().Format("2006-01-02 15:04:05"); got != "2024-05-02 09:30:00" {
				t.Errorf("published at %s, want post_date_gmt 2024-05-02 09:30:00", got)
			}
			if a.Section.Slug != "world" {
				t.Errorf("section %q, want world (the top of baltic's chain; its second category is ignored)", a.Section.Slug)
			}
			if got := strings.Join(tagSlugs(a), ","); got != "baltic,europe,ports" {
				t.Errorf("tags %s, want baltic,europe,ports (nested categories below the section become tags)", got)
			}
			if len(a.Authors) != 1 || a.Authors[0].Name != "Anna Petrova" || a.Authors[0].Slug != "anna-petrova" {
				t.Errorf("authors %+v, want Anna Petrova from wp:author", a.Authors)
			}
			if !a.Image.Present() || a.Image.Alt != "Boats at the harbour wall at sunrise" || a.Image.Caption != "Fishing boats leave the old harbour." {
				t.Errorf("lead photo %+v, want the attachment with its alt and caption", a.Image)
			}
			if !s.md.Exists(a.Image.Key, "960.jpg") {
				t.Errorf("lead photo %s/960.jpg not stored", a.Image.Key)
			}
			for _, want := range []string{
				"<p>Dockers walked out on Monday.<br/>\nTalks resume on Friday.</p>",
				"<figcaption>The harbour on Monday</figcaption>",
				`src="/media/` + a.Image.Key + `/960.jpg"`,
				`href="/2024/04/30/earlier-story/"`,
				`href="https://elsewhere.example.net/"`,
			} {
				if !strings.Contains(a.BodyHTML, want) {
					t.Errorf("body lacks %s:\n%s", want, a.BodyHTML)
				}
			}
			for _, bad := range []string{"old.example.org", "<script", "onerror", "javascript:", "<iframe", "[gallery", "[caption", "srcset", "evil.example.com"} {
				if strings.Contains(a.BodyHTML, bad) || strings.Contains(a.Body, bad) {
					t.Errorf("body keeps %q:\n%s", bad, a.Body)
				}
			}

			// A block-editor post with a percent-encoded Cyrillic slug.
			ru := s.article(t, "sud-otlozhil")
			if ru.Headline != "Суд отложил решение" || ru.Authors[0].Slug != "ivan-smirnov" || strings.Join(tagSlugs(ru), ",") != "sud" {
				t.Errorf("Cyrillic post: %q by %+v tagged %v", ru.Headline, ru.Authors, tagSlugs(ru))
			}
			if strings.Contains(ru.Body, "wp:") || !strings.Contains(ru.BodyHTML, "<strong>понедельник</strong>") {
				t.Errorf("block markup left or lost:\n%s", ru.Body)
			}
			if !strings.Contains(ru.BodyHTML, "line one\n\nline three") {
				t.Errorf("preformatted text lost its blank line:\n%s", ru.BodyHTML)
			}
			if !strings.Contains(ru.BodyHTML, "<figcaption>Здание суда</figcaption>") || strings.Contains(ru.BodyHTML, "gone.jpg") {
				t.Errorf("missing image: want the figure's caption kept and the image dropped:\n%s", ru.BodyHTML)
			}

			// Statuses.
			for slug, want := range map[string]content.Status{
				"draft-about-the-budget": content.StatusDraft,
				"election-night":         content.StatusScheduled,
				"memo":                   content.StatusDraft,
			} {
				if got := s.article(t, slug).Status; got != want {
					t.Errorf("%s: status %s, want %s", slug, got, want)
				}
			}
			if got := s.article(t, "election-night").PublishedAt.Year(); got != 2031 {
				t.Errorf("scheduled post's time: year %d, want 2031", got)
			}
			if _, err := s.st.ArticleBySlug(ctx, "trashed-trashed"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a trashed post was imported: %v", err)
			}

			// A duplicate slug gets a suffix and is reported.
			dup := s.article(t, "port-strike-2")
			if dup.Headline != "Port strike: a second story with the same slug" {
				t.Errorf("port-strike-2 is %q", dup.Headline)
			}
			if len(rep.Renamed) != 1 || rep.Renamed[0].To != "port-strike-2" {
				t.Errorf("renamed: got %+v, want port-strike → port-strike-2", rep.Renamed)
			}

			// The page.
			pg, err := s.st.PageBySlug(ctx, "en", "about")
			if err != nil {
				t.Fatalf("PageBySlug(about): %v", err)
			}
			if pg.Status != content.StatusPublished || pg.MenuOrder != 2 || !strings.Contains(pg.BodyHTML, "<p>Write to us.</p>") {
				t.Errorf("page: %+v", pg)
			}

			// What was skipped and reported.
			if rep.Ignored["comments"] != 2 || rep.Ignored["menu items"] != 1 {
				t.Errorf("ignored: %v, want 2 comments and 1 menu item", rep.Ignored)
			}
			if rep.Skipped[`posts with status "trash"`] != 1 {
				t.Errorf("skipped: %v", rep.Skipped)
			}
			if rep.Reported["shortcode [gallery]"] != 1 || len(rep.Reported) != 2 {
				t.Errorf("dropped markup: %v, want the gallery shortcode and the latest-posts block", rep.Reported)
			}
			var missing []string
			for _, m := range rep.Missing {
				missing = append(missing, m.Src)
			}
			if got := strings.Join(missing, " "); !strings.Contains(got, "missing.jpg") || !strings.Contains(got, "gone.jpg") {
				t.Errorf("missing images: %v", missing)
			}

			// Old addresses.
			rd := s.redirects(t)
			for from, to := range map[string]string{
				"/?p=100":                 a.Path(),
				"/2024/05/03/%D1%81%D1%83%D0%B4-%D0%BE%D1%82%D0%BB%D0%BE%D0%B6%D0%B8%D0%BB": ru.Path(),
				"/?page_id=200":            "/about/",
				"/category/world":          "/world/",
				"/category/world/feed":     "/world/feed.xml",
				"/category/world/europe":   "/tag/europe/",
				"/tag/%D1%81%D1%83%D0%B4":  "/tag/sud/",
				"/author/anna":             "/author/anna-petrova/",
				"/feed":                    "/feed.xml",
				"/2024/05/06/port-strike": dup.Path(),
			} {
				if rd[from] != to {
					t.Errorf("redirect %s: got %q, want %q", from, rd[from], to)
				}
			}
			// The old permalink of port-strike is its new address but for the
			// trailing slash, which redirects ignore: no row.
			for _, from := range []string{"/?p=102", "/?p=104", "/about", "/tag/ports", "/2024/05/02/port-strike"} {
				if to, ok := rd[from]; ok {
					t.Errorf("redirect %s → %s: want none (a draft, or the same address)", from, to)
				}
			}
			if to, ok, err := s.st.RedirectFor(ctx, "/2024/05/06/port-strike/?utm_source=x"); err != nil || !ok || to != dup.Path() {
				t.Errorf("RedirectFor(old permalink): %q %v %v", to, ok, err)
			}
		})
	}
}
