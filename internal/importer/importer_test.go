package importer_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/content/contenttest"
	"github.com/samizdat-press/samizdat/internal/importer"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/store"
)

type env struct {
	st *store.Store
	md *media.Dir
	im *importer.Importer
}

// newEnv opens a real store with the sections "news" and "culture", a media
// directory and the content service, as the CLI wires them.
func newEnv(tb testing.TB) *env {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(tb.TempDir(), "db"))
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	for i, sec := range []content.Section{{Slug: "news", Name: "News"}, {Slug: "culture", Name: "Culture"}} {
		sec.Order = i
		if err := st.CreateSection(ctx, &sec); err != nil {
			tb.Fatalf("CreateSection(%s): %v", sec.Slug, err)
		}
	}
	md, err := media.NewDir(tb.TempDir())
	if err != nil {
		tb.Fatalf("media.NewDir: %v", err)
	}
	svc := content.NewService(st, content.NewRenderer())
	return &env{st: st, md: md, im: &importer.Importer{Taxonomy: st, Articles: svc, Images: md, DefaultLang: "en"}}
}

// pngBytes encodes a real w×h PNG.
func pngBytes(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(40 * x), uint8(60 * y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatalf("png.Encode: %v", err)
	}
	return buf.Bytes()
}

// pngHeader is the start of a PNG claiming to be w×h pixels: enough for
// image.DecodeConfig, which reads only the header.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 0, 17)
	ihdr = append(ihdr, "IHDR"...)
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
	return b
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func liveCount(tb testing.TB, st *store.Store) int {
	tb.Helper()
	n, err := st.CountArticles(context.Background(), store.ListQuery{})
	if err != nil {
		tb.Fatalf("CountArticles: %v", err)
	}
	return n
}

const goodFile = `---
title: "Recount ordered in Velsk"
slug: recount-velsk
date: 2024-11-20T12:30:00+03:00
section: news
author: Maria S
tags: [elections, press-freedom, "Local Government"]
authors:
  - anna-k
  - Jane Doe
  - Иван Петров
  - maria-s
image: img/lead.png
credit: "Photo: Staff"
caption: Voters at a polling station
alt: Voters queue outside a school
summary: The commission will count the ballots again.
lang: ru
draft: true
corrections:
  - date: 2024-11-21
    text: " An earlier version misspelled the chair's name. "
---
The commission **agreed**.[^1]

<script>alert(1)</script><img src="https://evil.example/p.gif">

[^1]: By six votes to one.
`

func TestImportFullFrontMatter(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	for _, au := range []content.Author{{Slug: "anna-k", Name: "Anna Kuznetsova"}, {Slug: "maria-s", Name: "Maria S"}} {
		if err := e.st.CreateAuthor(ctx, &au); err != nil {
			t.Fatalf("CreateAuthor: %v", err)
		}
	}
	fsys := fstest.MapFS{
		"2024/recount.md":      file(goodFile),
		"2024/img/lead.png":    {Data: pngBytes(t, 4, 3)},
		"2024/notes.txt":       file("not markdown, not imported"),
		"2024/img/unused.webp": file("not referenced"),
	}
	res, err := e.im.ImportFS(ctx, fsys)
	if err != nil {
		t.Fatalf("ImportFS: got error %v, want nil", err)
	}
	if len(res.Errors) != 0 {
		t.Fatalf("ImportFS errors: got %v, want none", res.Errors)
	}
	if got, want := res.Imported, []string{"recount-velsk"}; !slices.Equal(got, want) {
		t.Fatalf("ImportFS imported: got %q, want %q", got, want)
	}

	a, err := e.st.ArticleBySlug(ctx, "recount-velsk")
	if err != nil {
		t.Fatalf("ArticleBySlug: %v", err)
	}
	wantDate := time.Date(2024, 11, 20, 9, 30, 0, 0, time.UTC)
	checks := []struct {
		name      string
		got, want any
	}{
		{"headline", a.Headline, "Recount ordered in Velsk"},
		{"dek", a.Dek, "The commission will count the ballots again."},
		{"section", a.Section.Slug, "news"},
		{"lang", a.Lang, "ru"},
		{"status", a.Status, content.StatusDraft},
		{"published at", a.PublishedAt, wantDate},
		{"created at", a.CreatedAt, wantDate},
		{"image alt", a.Image.Alt, "Voters queue outside a school"},
		{"image credit", a.Image.Credit, "Photo: Staff"},
		{"image caption", a.Image.Caption, "Voters at a polling station"},
		{"image width", a.Image.Width, 4},
		{"image height", a.Image.Height, 3},
		{"image widths", len(a.Image.Widths), 1},
		{"body text", a.BodyText, "The commission agreed. By six votes to one."},
		{"corrections", len(a.Corrections), 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if !strings.HasPrefix(a.Image.Key, "recount-velsk-") || !e.md.Exists(a.Image.Key, media.VariantName(4)) {
		t.Errorf("image: got key %q (variant stored: %v), want recount-velsk-<hash> with 4.jpg stored",
			a.Image.Key, e.md.Exists(a.Image.Key, media.VariantName(4)))
	}
	if len(a.Corrections) == 1 {
		c := a.Corrections[0]
		if want := time.Date(2024, 11, 21, 0, 0, 0, 0, time.UTC); !c.CreatedAt.Equal(want) {
			t.Errorf("correction date: got %v, want %v", c.CreatedAt, want)
		}
		if want := "An earlier version misspelled the chair's name."; c.Text != want {
			t.Errorf("correction text: got %q, want %q", c.Text, want)
		}
	}

	var bylines []string
	for _, au := range a.Authors {
		bylines = append(bylines, au.Slug+"="+au.Name)
	}
	// author: comes first; maria-s in authors: is the same person and is
	// not listed twice.
	wantBylines := []string{"maria-s=Maria S", "anna-k=Anna Kuznetsova", "jane-doe=Jane Doe", "ivan-petrov=Иван Петров"}
	if !slices.Equal(bylines, wantBylines) {
		t.Errorf("authors: got %q, want %q", bylines, wantBylines)
	}
	for _, slug := range []string{"jane-doe", "ivan-petrov"} {
		if _, err := e.st.AuthorBySlug(ctx, slug); err != nil {
			t.Errorf("AuthorBySlug(%s): got %v, want the author created by the import", slug, err)
		}
	}

	var tags []string
	for _, tg := range a.Tags {
		tags = append(tags, tg.Slug+"="+tg.Name)
	}
	slices.Sort(tags)
	wantTags := []string{"elections=elections", "local-government=Local Government", "press-freedom=press freedom"}
	if !slices.Equal(tags, wantTags) {
		t.Errorf("tags: got %q, want %q", tags, wantTags)
	}

	for _, p := range contenttest.Unsafe(a.BodyHTML) {
		t.Errorf("body HTML %q: %s", a.BodyHTML, p)
	}
	if !strings.Contains(a.BodyHTML, "<strong>agreed</strong>") || !strings.Contains(a.BodyHTML, `class="footnotes"`) {
		t.Errorf("body HTML: got %q, want the Markdown rendered with its footnote", a.BodyHTML)
	}
}

func TestImportDates(t *testing.T) {
	tests := []struct {
		date string
		want time.Time
	}{
		{"2024-11-20T09:30:00Z", time.Date(2024, 11, 20, 9, 30, 0, 0, time.UTC)},
		{"2024-11-20T12:30:00+03:00", time.Date(2024, 11, 20, 9, 30, 0, 0, time.UTC)},
		{`"2024-11-20T09:30:00"`, time.Date(2024, 11, 20, 9, 30, 0, 0, time.UTC)},
		{"2024-11-20 09:30:00", time.Date(2024, 11, 20, 9, 30, 0, 0, time.UTC)},
		{"2024-11-20 09:30", time.Date(2024, 11, 20, 9, 30, 0, 0, time.UTC)},
		{"2024-11-20", time.Date(2024, 11, 20, 0, 0, 0, 0, time.UTC)},
		{"'2024-11-20'", time.Date(2024, 11, 20, 0, 0, 0, 0, time.UTC)},
		{" 2024-11-20 ", time.Date(2024, 11, 20, 0, 0, 0, 0, time.UTC)},
	}
	ctx := context.Background()
	e := newEnv(t)
	fsys := fstest.MapFS{}
	for i, tt := range tests {
		fsys[string(rune('a'+i))+".md"] = file("---\ntitle: Date " + string(rune('a'+i)) + "\nsection: culture\ndate: " + tt.date + "\n---\nBody.\n")
	}
	res, err := e.im.ImportFS(ctx, fsys)
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("ImportFS: got %v %v, want no errors", err, res.Errors)
	}
	for i, tt := range tests {
		slug := "date-" + string(rune('a'+i))
		a, err := e.st.ArticleBySlug(ctx, slug)
		if err != nil {
			t.Errorf("date %s: ArticleBySlug(%s): %v", tt.date, slug, err)
			continue
		}
		if !a.PublishedAt.Equal(tt.want) || a.Status != content.StatusPublished {
			t.Errorf("date %s: got %v %s, want %v published", tt.date, a.PublishedAt, a.Status, tt.want)
		}
	}
	if got, want := liveCount(t, e.st), len(tests); got != want {
		t.Errorf("live articles: got %d, want %d", got, want)
	}
}

func TestImportDefaults(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.im.AdjustDate = func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }
	fsys := fstest.MapFS{
		// No slug: made from the title. No lang: DefaultLang. Description
		// stands in for summary. CRLF line ends and a byte order mark.
		"ru.md": file("\ufeff---\r\ntitle: \"«Выборы в Вельске: пересчёт»\"\r\ndate: 2024-01-02\r\nsection: news\r\ndescription: Итоги.\r\n---\r\nТекст.\r\n"),
		// A draft needs no date, and a caption stands in for alt text.
		"draft.md": file("---\ntitle: Draft only\nsection: culture\ndraft: true\nimage: p.png\ncaption: A caption\n---\n"),
		"p.png":    {Data: pngBytes(t, 2, 2)},
		// Empty body, closing line at the very end.
		"empty.md": file("---\ntitle: No body\ndate: 2024-01-03\nsection: news\n---"),
	}
	res, err := e.im.ImportFS(ctx, fsys)
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("ImportFS: got %v %v, want no errors", err, res.Errors)
	}
	if got, want := res.Imported, []string{"draft-only", "no-body", "vybory-v-velske-pereschet"}; !slices.Equal(got, want) {
		t.Errorf("imported: got %q, want %q", got, want)
	}
	a, err := e.st.ArticleBySlug(ctx, "vybory-v-velske-pereschet")
	if err != nil {
		t.Fatalf("ArticleBySlug: %v", err)
	}
	if a.Lang != "en" || a.Dek != "Итоги." || a.BodyText != "Текст." || a.Headline != "«Выборы в Вельске: пересчёт»" {
		t.Errorf("ru.md: got lang %q dek %q text %q headline %q, want en, Итоги., Текст., the title", a.Lang, a.Dek, a.BodyText, a.Headline)
	}
	if want := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC); !a.PublishedAt.Equal(want) {
		t.Errorf("ru.md: got date %v, want %v (adjusted)", a.PublishedAt, want)
	}
	d, err := e.st.ArticleBySlug(ctx, "draft-only")
	if err != nil {
		t.Fatalf("ArticleBySlug: %v", err)
	}
	if d.Status != content.StatusDraft || !d.PublishedAt.IsZero() || d.Image.Alt != "A caption" {
		t.Errorf("draft.md: got status %s published %v alt %q, want draft, zero, %q", d.Status, d.PublishedAt, d.Image.Alt, "A caption")
	}
	if got, want := liveCount(t, e.st), 2; got != want {
		t.Errorf("live articles: got %d, want %d", got, want)
	}
}

// TestImportFromDir imports from a real directory, as the CLI does.
func TestImportFromDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "posts"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"posts/one.MD":  []byte("---\ntitle: One\ndate: 2024-05-01\nsection: news\nimage: one.png\nalt: A square\n---\nOne.\n"),
		"posts/one.png": pngBytes(t, 8, 8),
		"posts/two.md":  []byte("---\ntitle: Two\ndate: 2024-05-02\nsection: nope\n---\nTwo.\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := newEnv(t)
	res, err := e.im.ImportFS(context.Background(), os.DirFS(dir))
	if err != nil {
		t.Fatalf("ImportFS: %v", err)
	}
	if got, want := res.Imported, []string{"one"}; !slices.Equal(got, want) {
		t.Errorf("imported: got %q, want %q", got, want)
	}
	if len(res.Errors) != 1 || res.Errors[0].Error() != `posts/two.md:4: unknown section "nope": create it first` {
		t.Errorf("errors: got %v, want posts/two.md:4: unknown section", res.Errors)
	}
}

// TestImportBadFiles imports each bad file between two good ones: the bad
// file is reported with its name and line and leaves nothing behind; the
// good ones import.
func TestImportBadFiles(t *testing.T) {
	long := strings.Repeat("Long headline ", 22) // 308 characters
	tests := []struct {
		name      string
		file      string
		extra     fstest.MapFS // more files beside it
		lines     []int        // acceptable lines
		msg       string       // part of the message
		wantSlug  string       // the slug the bad file would have had
		dupOfGood bool         // the slug is taken by the first good file
	}{
		{
			name:  "bad indentation",
			file:  "---\ntitle: Bad\nslug: bad\n  section: news\n---\nx\n",
			lines: []int{3, 4}, msg: "front matter: mapping value is not allowed", wantSlug: "bad",
		},
		{
			name:  "unquoted colon",
			file:  "---\ntitle: Velsk: recount\nslug: bad\nsection: news\n---\nx\n",
			lines: []int{2}, msg: `put a value that contains ": " in quotes`, wantSlug: "bad",
		},
		{
			name:  "tagged scalar for a list",
			file:  "---\ntitle: Bad\nslug: bad\nauthors: !x a\n b\nsection: news\n---\nx\n",
			lines: []int{1}, msg: "front matter: cannot be read as YAML", wantSlug: "bad",
		},
		{
			name:  "unclosed quote",
			file:  "---\ntitle: \"Bad\nslug: bad\nsection: news\n---\nx\n",
			lines: []int{2}, msg: "front matter: could not find end character of double-quoted text", wantSlug: "bad",
		},
		{
			name:  "unclosed flow sequence",
			file:  "---\ntitle: Bad\nslug: bad\ntags: [a, b\nsection: news\n---\nx\n",
			lines: []int{4, 5}, msg: "front matter:", wantSlug: "bad",
		},
		{
			name:  "tab indentation",
			file:  "---\ntitle: Bad\n\tslug: bad\n---\nx\n",
			lines: []int{3}, msg: "front matter:", wantSlug: "bad",
		},
		{
			name:  "key twice",
			file:  "---\ntitle: Bad\nslug: bad\ntitle: Worse\nsection: news\n---\nx\n",
			lines: []int{4}, msg: `front matter: mapping key "title" already defined at line 2`, wantSlug: "bad",
		},
		{
			name:  "wrong type",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\ndraft: maybe\n---\nx\n",
			lines: []int{6}, msg: "front matter:", wantSlug: "bad",
		},
		{
			name:  "no front matter",
			file:  "# Bad\n\nJust Markdown.\n",
			lines: []int{1}, msg: `front matter must start with a line "---"`, wantSlug: "bad",
		},
		{
			name:  "unclosed front matter",
			file:  "---\ntitle: Bad\nslug: bad\nsection: news\n\nBody.\n",
			lines: []int{1}, msg: `front matter is not closed by a line "---"`, wantSlug: "bad",
		},
		{
			name:  "empty front matter",
			file:  "---\n---\nBody.\n",
			lines: []int{0}, msg: "title is required", wantSlug: "bad",
		},
		{
			name:  "unknown key",
			file:  "---\ntitle: Bad\nslug: bad\nsubtitle: nope\nsection: news\ndate: 2024-01-01\n---\nx\n",
			lines: []int{4}, msg: `front matter: unknown field "subtitle"`, wantSlug: "bad",
		},
		{
			name:  "unknown key in a correction",
			file:  "---\ntitle: Bad\nslug: bad\nsection: news\ndate: 2024-01-01\ncorrections:\n  - date: 2024-01-02\n    txt: oops\n---\nx\n",
			lines: []int{8}, msg: `front matter: unknown field "txt"`, wantSlug: "bad",
		},
		{
			name:  "unknown section",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: sport\n---\nx\n",
			lines: []int{5}, msg: `unknown section "sport"`, wantSlug: "bad",
		},
		{
			name:  "no section",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\n---\nx\n",
			lines: []int{2}, msg: "section is required", wantSlug: "bad",
		},
		{
			name:  "duplicate slug",
			file:  "---\ntitle: Second with the same slug\nslug: good-a\ndate: 2024-01-01\nsection: news\n---\nx\n",
			lines: []int{3}, msg: `slug "good-a" is taken`, wantSlug: "good-a", dupOfGood: true,
		},
		{
			name:  "bad date",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 20/11/2024\nsection: news\n---\nx\n",
			lines: []int{4}, msg: `date "20/11/2024" is not a date`, wantSlug: "bad",
		},
		{
			name:  "no date on a published article",
			file:  "---\ntitle: Bad\nslug: bad\nsection: news\n---\nx\n",
			lines: []int{2}, msg: "date is required for a published article", wantSlug: "bad",
		},
		{
			name:  "bad correction date",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\ncorrections:\n  - date: soon\n    text: x\n---\nx\n",
			lines: []int{6}, msg: `date "soon" is not a date`, wantSlug: "bad",
		},
		{
			name:  "oversize file",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\n---\n" + strings.Repeat("word ", importer.MaxFileSize/5),
			lines: []int{0}, msg: "bytes; at most 2097152", wantSlug: "bad",
		},
		{
			name:  "invalid UTF-8",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\nsummary: caf\xe9\n---\nx\n",
			lines: []int{6}, msg: "file is not valid UTF-8 text", wantSlug: "bad",
		},
		{
			name:  "invalid UTF-8 in the body",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\n---\nline 7\nline 8 \xff\xfe\n",
			lines: []int{8}, msg: "file is not valid UTF-8 text", wantSlug: "bad",
		},
		{
			name:  "image is a text file",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\nimage: fake.png\nalt: x\n---\nx\n",
			extra: fstest.MapFS{"fake.png": file("this is not a picture\n")},
			lines: []int{6}, msg: "image fake.png is not a JPEG, PNG or WebP file", wantSlug: "bad",
		},
		{
			name:  "image too many pixels",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\nimage: huge.png\nalt: x\n---\nx\n",
			extra: fstest.MapFS{"huge.png": {Data: pngHeader(20000, 20000)}},
			lines: []int{6}, msg: "image huge.png is 20000×20000 pixels; at most 50000000 pixels", wantSlug: "bad",
		},
		{
			name:  "image missing",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\nimage: gone.png\nalt: x\n---\nx\n",
			lines: []int{6}, msg: "image gone.png", wantSlug: "bad",
		},
		{
			name:  "image outside the import",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\nimage: ../../etc/passwd\nalt: x\n---\nx\n",
			lines: []int{6}, msg: "image ../../etc/passwd", wantSlug: "bad",
		},
		{
			name:  "image without alt or caption",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\nimage: ok.png\n---\nx\n",
			extra: fstest.MapFS{"ok.png": {Data: pngBytes(t, 2, 2)}},
			lines: []int{6}, msg: "alt: describe the photo", wantSlug: "bad",
		},
		{
			name:  "headline too long",
			file:  "---\ntitle: " + long + "\nslug: bad\ndate: 2024-01-01\nsection: news\n---\nx\n",
			lines: []int{2}, msg: "headline: is too long (307 characters, at most 300)", wantSlug: "bad",
		},
		{
			name:  "summary too long and bad lang",
			file:  "---\ntitle: Bad\nslug: bad\ndate: 2024-01-01\nsection: news\nlang: de\nsummary: " + strings.Repeat("s", content.MaxDek+1) + "\n---\nx\n",
			lines: []int{6}, msg: "lang: must be one of en, ru", wantSlug: "bad",
		},
		{
			name:  "bad slug",
			file:  "---\ntitle: Bad\nslug: Not A Slug\ndate: 2024-01-01\nsection: news\n---\nx\n",
			lines: []int{3}, msg: "slug: must be lowercase letters, digits and hyphens", wantSlug: "not-a-slug",
		},
		{
			name:  "title with no letters for a slug",
			file:  "---\ntitle: \"!!!\"\ndate: 2024-01-01\nsection: news\n---\nx\n",
			lines: []int{2}, msg: "slug: must be lowercase letters", wantSlug: "bad",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			fsys := fstest.MapFS{
				"a.md": file("---\ntitle: Good A\nslug: good-a\ndate: 2024-01-01\nsection: news\n---\nFirst.\n"),
				"b.md": file(tt.file),
				"c.md": file("---\ntitle: Good C\ndate: 2024-01-03\nsection: culture\n---\nThird.\n"),
			}
			for name, f := range tt.extra {
				fsys[name] = f
			}
			res, err := e.im.ImportFS(ctx, fsys)
			if err != nil {
				t.Fatalf("ImportFS: got error %v, want nil", err)
			}
			if got, want := res.Imported, []string{"good-a", "good-c"}; !slices.Equal(got, want) {
				t.Errorf("imported: got %q, want %q", got, want)
			}
			if len(res.Errors) != 1 {
				t.Fatalf("errors: got %d (%v), want 1", len(res.Errors), res.Errors)
			}
			var le *importer.LineError
			if !errors.As(res.Errors[0], &le) {
				t.Fatalf("error: got %T %v, want *importer.LineError", res.Errors[0], res.Errors[0])
			}
			if le.File != "b.md" {
				t.Errorf("error file: got %q, want %q", le.File, "b.md")
			}
			if !slices.Contains(tt.lines, le.Line) {
				t.Errorf("error line: got %d, want one of %v (%v)", le.Line, tt.lines, le)
			}
			if !strings.Contains(le.Error(), tt.msg) {
				t.Errorf("error message: got %q, want it to contain %q", le.Error(), tt.msg)
			}
			if strings.Contains(le.Error(), "\n") {
				t.Errorf("error message: got %q, want one line", le.Error())
			}

			// Nothing half-written.
			if got, want := liveCount(t, e.st), 2; got != want {
				t.Errorf("live articles: got %d, want %d", got, want)
			}
			a, err := e.st.ArticleBySlug(ctx, tt.wantSlug)
			if tt.dupOfGood {
				if err != nil || a.Headline != "Good A" {
					t.Errorf("ArticleBySlug(%s): got %v, %v, want the first file's article", tt.wantSlug, a, err)
				}
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ArticleBySlug(%s): got %v, want ErrNotFound", tt.wantSlug, err)
			}
			for _, slug := range []string{"good-a", "good-c"} {
				if _, err := e.st.ArticleBySlug(ctx, slug); err != nil {
					t.Errorf("ArticleBySlug(%s): got %v, want the good file imported", slug, err)
				}
			}
		})
	}
}

func TestImportCanceled(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := e.im.ImportFS(ctx, fstest.MapFS{"a.md": file("---\ntitle: A\ndate: 2024-01-01\nsection: news\n---\n")})
	if !errors.Is(err, context.Canceled) || len(res.Imported) != 0 {
		t.Errorf("ImportFS(canceled): got %v, %v, want context.Canceled and nothing imported", res.Imported, err)
	}
}

func TestParseLines(t *testing.T) {
	tests := []struct {
		name, data string
		line       int
		wantBody   string
	}{
		{"ok", "---\ntitle: A\n---\nBody\n", -1, "Body\n"},
		{"ok CRLF", "---\r\ntitle: A\r\n---\r\nBody\r\n", -1, "Body\n"},
		{"ok empty", "---\n---\nBody\n", -1, "Body\n"},
		{"ok no body", "---\ntitle: A\n---", -1, ""},
		{"ok dashes in body", "---\ntitle: A\n---\nx\n---\ny\n", -1, "x\n---\ny\n"},
		{"error on line 3", "---\ntitle: A\nnope: 1\n---\n", 3, ""},
		{"error on line 3 CRLF", "---\r\ntitle: A\r\nnope: 1\r\n---\r\n", 3, ""},
		{"error on line 3 BOM", "\ufeff---\ntitle: A\nnope: 1\n---\n", 3, ""},
		{"invalid UTF-8 on line 1", "\xff---\n", 1, ""},
		{"empty file", "", 1, ""},
		{"only dashes", "---\n", 1, ""},
	}
	for _, tt := range tests {
		_, body, err := importer.Parse("f.md", []byte(tt.data))
		if tt.line < 0 {
			if err != nil || body != tt.wantBody {
				t.Errorf("%s: Parse: got %q, %v, want %q, nil", tt.name, body, err, tt.wantBody)
			}
			continue
		}
		var le *importer.LineError
		if !errors.As(err, &le) || le.File != "f.md" || le.Line != tt.line {
			t.Errorf("%s: Parse: got %v, want a LineError at f.md:%d", tt.name, err, tt.line)
		}
	}
}

// TestImportTranslations links files that name the article they translate,
// whichever comes first, and reports one that names a missing article or
// its own language.
func TestImportTranslations(t *testing.T) {
	e := newEnv(t)
	e.im.Links = e.st
	fsys := fstest.MapFS{
		"a.md": file("---\ntitle: Выборы перенесли\nslug: vybory\ndate: 2024-05-01\nsection: news\nlang: ru\ntranslates: elections\n---\nТекст.\n"),
		"b.md": file("---\ntitle: Elections postponed\nslug: elections\ndate: 2024-05-01\nsection: news\nlang: en\n---\nText.\n"),
		"c.md": file("---\ntitle: Orphan\nslug: orphan\ndate: 2024-05-01\nsection: news\nlang: ru\ntranslates: nowhere\n---\nText.\n"),
		"d.md": file("---\ntitle: Same language\nslug: same\ndate: 2024-05-01\nsection: news\nlang: en\ntranslates: elections\n---\nText.\n"),
	}
	svc := content.NewService(e.st, content.NewRenderer())
	for run := 0; run < 2; run++ { // a second import changes nothing
		e.im.Update = updater{svc, e.st}
		res, err := e.im.ImportFS(context.Background(), fsys)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Errors) != 2 || !strings.Contains(res.Errors[0].Error(), `c.md: translates "nowhere"`) ||
			!strings.Contains(res.Errors[1].Error(), "d.md: translates \"elections\"") {
			t.Errorf("run %d errors: %v, want c.md (no such article) and d.md (same language)", run, res.Errors)
		}
		a, err := e.st.ArticleBySlug(context.Background(), "vybory")
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Translations) != 1 || a.LiveTranslations()[0].Slug != "elections" {
			t.Errorf("run %d: vybory's translations %+v, want elections", run, a.Translations)
		}
	}
}

// updater is how the CLI's --update import saves and finds articles.
type updater struct {
	*content.Service
	*store.Store
}

func (u updater) Update(ctx context.Context, a *content.Article) error {
	return u.Service.Update(ctx, a)
}
