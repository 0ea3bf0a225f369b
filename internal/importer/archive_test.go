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
	open func(t testing.TB) *store.Store
}

func engines() []engine {
	return []engine{
		{"sqlite", func(t testing.TB) *store.Store {
			st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
			if err != nil {
				t.Fatalf("store.Open: %v", err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}},
		{"postgres", func(t testing.TB) *store.Store {
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

func newSite(t testing.TB, e engine) *site {
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

func (s *site) importWP(t testing.TB, file, up string, dry bool) (*importer.Report, error) {
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
				"/?p=100": a.Path(),
				"/2024/05/03/%D1%81%D1%83%D0%B4-%D0%BE%D1%82%D0%BB%D0%BE%D0%B6%D0%B8%D0%BB": ru.Path(),
				"/?page_id=200":           "/about/",
				"/category/world":         "/world/",
				"/category/world/feed":    "/world/feed.xml",
				"/category/world/europe":  "/tag/europe/",
				"/tag/%D1%81%D1%83%D0%B4": "/tag/sud/",
				"/author/anna":            "/author/anna-petrova/",
				"/feed":                   "/feed.xml",
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

func TestWordPressReimport(t *testing.T) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			s := newSite(t, e)
			up := uploads(t)
			if _, err := s.importWP(t, wxrFixture, up, false); err != nil {
				t.Fatalf("first import: %v", err)
			}
			n, rd := s.count(t), len(s.redirects(t))
			before := s.article(t, "port-strike")

			rep, err := s.importWP(t, wxrFixture, up, false)
			if err != nil {
				t.Fatalf("second import: %v", err)
			}
			if c := rep.Counts[importer.KindPost]; c.Created != 0 || c.Updated != 0 || c.Unchanged != 6 {
				t.Errorf("second run posts: %+v, want 6 unchanged", c)
			}
			if c := rep.Counts[importer.KindPage]; c.Created != 0 || c.Updated != 0 || c.Unchanged != 1 {
				t.Errorf("second run pages: %+v, want 1 unchanged", c)
			}
			if len(rep.Renamed) != 0 {
				t.Errorf("second run renamed %+v: an item was taken for a new one", rep.Renamed)
			}
			if got := s.count(t); got != n {
				t.Errorf("articles after a second run: %d, want %d", got, n)
			}
			if got := len(s.redirects(t)); got != rd {
				t.Errorf("redirects after a second run: %d, want %d", got, rd)
			}
			if a := s.article(t, "port-strike"); a.Version != before.Version {
				t.Errorf("unchanged post saved again: version %d, was %d", a.Version, before.Version)
			}

			// The export changes: one title edited, one post unpublished.
			data, err := os.ReadFile(wxrFixture)
			if err != nil {
				t.Fatal(err)
			}
			edited := strings.Replace(string(data), "Port strike enters second week", "Port strike enters third week", 1)
			edited = strings.Replace(edited, "<wp:post_name><![CDATA[port-strike]]></wp:post_name>\n\t\t<wp:status><![CDATA[publish]]></wp:status>\n\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n\t\t<category domain=\"category\" nicename=\"culture\">",
				"<wp:post_name><![CDATA[port-strike]]></wp:post_name>\n\t\t<wp:status><![CDATA[draft]]></wp:status>\n\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n\t\t<category domain=\"category\" nicename=\"culture\">", 1)
			file := filepath.Join(t.TempDir(), "edited.xml")
			if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err = s.importWP(t, file, up, false)
			if err != nil {
				t.Fatalf("third import: %v", err)
			}
			if c := rep.Counts[importer.KindPost]; c.Created != 0 || c.Updated != 2 || c.Unchanged != 4 {
				t.Errorf("changed export: %+v, want 2 updated, 4 unchanged", c)
			}
			a := s.article(t, "port-strike")
			if a.Headline != "Port strike enters third week" || a.ID != before.ID || a.Version != before.Version+1 {
				t.Errorf("edited post: %q id %d version %d; want the same article, one version on", a.Headline, a.ID, a.Version)
			}
			if st := s.article(t, "port-strike-2").Status; st != content.StatusUnpublished {
				t.Errorf("post made a draft at the source: status %s, want unpublished", st)
			}
			if got := s.count(t); got != n {
				t.Errorf("articles after an edited export: %d, want %d", got, n)
			}
		})
	}
}

func TestWordPressDryRun(t *testing.T) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			s := newSite(t, e)
			rep, err := s.importWP(t, wxrFixture, uploads(t), true)
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			if c := rep.Counts[importer.KindPost]; c == nil || c.Created != 6 {
				t.Errorf("dry run reports %+v, want 6 posts it would create", c)
			}
			if len(rep.Renamed) != 1 {
				t.Errorf("dry run renamed %+v, want the duplicate slug found without writing", rep.Renamed)
			}
			if n := s.count(t); n != 0 {
				t.Errorf("dry run stored %d articles", n)
			}
			if rd := s.redirects(t); len(rd) != 0 {
				t.Errorf("dry run stored redirects %v", rd)
			}
			secs, _ := s.st.Sections(context.Background())
			authors, _ := s.st.Authors(context.Background())
			pages, _ := s.st.Pages(context.Background())
			if len(secs)+len(authors)+len(pages) != 0 {
				t.Errorf("dry run stored sections %v, authors %v, pages %v", secs, authors, pages)
			}
			if files, _ := os.ReadDir(s.media); len(files) != 0 {
				t.Errorf("dry run stored %d media", len(files))
			}
		})
	}
}

func TestWordPressMalformed(t *testing.T) {
	data, err := os.ReadFile(wxrFixture)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	cut := strings.Index(text, "<title><![CDATA[Draft about the budget]]>")
	tests := []struct {
		name, file string
		line       int
	}{
		{"truncated in an item", text[:cut+20], strings.Count(text[:cut+20], "\n") + 1},
		{"broken tag", strings.Replace(text, "<wp:post_id>101</wp:post_id>", "<wp:post_id>101</wp:post_idd>", 1),
			strings.Count(text[:strings.Index(text, "<wp:post_id>101")], "\n") + 1},
	}
	for _, e := range engines() {
		for _, tt := range tests {
			t.Run(e.name+"/"+tt.name, func(t *testing.T) {
				s := newSite(t, e)
				file := filepath.Join(t.TempDir(), "broken.xml")
				os.WriteFile(file, []byte(tt.file), 0o644)
				_, err := s.importWP(t, file, uploads(t), false)
				var le *importer.LineError
				if !errors.As(err, &le) || le.Line != tt.line {
					t.Fatalf("got %v, want an error at line %d", err, tt.line)
				}
				if !strings.Contains(err.Error(), "broken.xml:") {
					t.Errorf("error %q does not name the file", err)
				}
				if n := s.count(t); n != 0 {
					t.Errorf("a broken export stored %d articles", n)
				}
				if rd := s.redirects(t); len(rd) != 0 {
					t.Errorf("a broken export stored redirects")
				}
			})
		}
	}
}

func TestWrongFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	rss := write("feed.xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</title></item></channel></rss>`)
	atom := write("atom.xml", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>`)
	page := write("page.html", "<!DOCTYPE html>\n<html><body>hi</body></html>")
	csvFile := write("members.csv", "id,email,name,subscribed_to_emails\n1,a@example.com,A,true\n")
	ghostFile := "testdata/archive/ghost.json"
	other := write("data.json", `{"posts": []}`)
	wxrNoVersion := write("nover.xml", `<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>x</title></channel></rss>`)
	tests := []struct {
		importer, file, want string
	}{
		{"wordpress", rss, "is an RSS feed, not a WordPress export"},
		{"wordpress", atom, "is an Atom feed, not a WordPress export"},
		{"wordpress", page, "is an HTML page, not a WordPress export"},
		{"wordpress", csvFile, "is a CSV file, not a WordPress export"},
		{"wordpress", ghostFile, "is a Ghost export, not a WordPress export: use samizdat import ghost"},
		{"wordpress", wxrNoVersion, "no <wp:wxr_version>"},
		{"ghost", wxrFixture, "is a WordPress export, not a Ghost export: use samizdat import wordpress"},
		{"ghost", rss, "is an RSS feed, not a Ghost export"},
		{"ghost", csvFile, "is a CSV file, not a Ghost export: a members CSV goes with --members"},
		{"ghost", other, "is a JSON file, not a Ghost export"},
		{"ghost", page, "is an HTML page, not a Ghost export"},
	}
	s := newSite(t, engines()[0])
	for _, tt := range tests {
		t.Run(tt.importer+"/"+filepath.Base(tt.file), func(t *testing.T) {
			var err error
			if tt.importer == "wordpress" {
				_, err = s.importWP(t, tt.file, "", false)
			} else {
				_, err = s.importGhost(t, tt.file, "", false)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	if n := s.count(t); n != 0 {
		t.Errorf("wrong files stored %d articles", n)
	}
}

func (s *site) importGhost(t *testing.T, file, contentDir string, dry bool) (*importer.Report, error) {
	t.Helper()
	a := s.archive("ghost", dry)
	g := &importer.Ghost{Archive: a, ContentDir: contentDir, Images: s.md}
	err := g.ImportFile(context.Background(), file)
	return a.Report, err
}

// TestSectionTakenByPage: a category whose address a static page here has
// becomes a suffixed section, reported, and its posts still import.
func TestSectionTakenByPage(t *testing.T) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			s := newSite(t, e)
			pg := &content.Page{Slug: "world", Lang: "en", Title: "The world, our way", Body: "About.", Status: content.StatusPublished}
			if err := s.st.CreatePage(context.Background(), pg); err != nil {
				t.Fatal(err)
			}
			rep, err := s.importWP(t, wxrFixture, uploads(t), false)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if a := s.article(t, "port-strike"); a.Section.Slug != "world-section" {
				t.Errorf("section %q, want world-section", a.Section.Slug)
			}
			found := false
			for _, r := range rep.Renamed {
				found = found || r.To == "world-section"
			}
			if !found || len(rep.Failed) != 0 {
				t.Errorf("renamed %+v, failed %v", rep.Renamed, rep.Failed)
			}
			if rd := s.redirects(t); rd["/category/world"] != "/world-section/" {
				t.Errorf("/category/world/ → %q, want /world-section/", rd["/category/world"])
			}
		})
	}
}
