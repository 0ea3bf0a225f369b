package content_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/content/contenttest"
)

// hostileCorpus is Markdown (with raw HTML, which article bodies allow) that
// tries to run script, load third-party resources or restyle the page. It
// also seeds FuzzRender.
var hostileCorpus = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=https://evil.example/x.js></SCRIPT>`,
	`<ScRiPt>alert(1)</sCrIpT>`,
	`<img src=x onerror=alert(1)>`,
	`<IMG SRC=x OnError=alert(1)>`,
	`[x](javascript:alert(1))`,
	`[x](JaVaScRiPt:alert(1))`,
	`[x](  javascript:alert(1) )`,
	`[x](&#106;avascript:alert(1))`,
	`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`[x](vbscript:msgbox(1))`,
	"[x][r]\n\n[r]: javascript:alert(1)\n",
	`<javascript:alert(1)>`,
	`![x](javascript:alert(1))`,
	`<a href="&#106;avascript:alert(1)">x</a>`,
	`<a href="&#x6A;avascript&#x3A;alert(1)">x</a>`,
	`<a href="javascript&colon;alert(1)">x</a>`,
	`<a href="java&#x09;script:alert(1)">x</a>`,
	"<a href=\"java\nscript:alert(1)\">x</a>",
	`<a href=" &#14; javascript:alert(1)">x</a>`,
	`<a href="data:text/html,<script>alert(1)</script>">x</a>`,
	`<a href="VBScript:msgbox(1)">x</a>`,
	`<a href="https://ok.example/" onclick="alert(1)">x</a>`,
	`<svg onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>`,
	`<iframe src="https://evil.example/"></iframe>`,
	`<iframe/src="javascript:alert(1)">`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<object data="https://evil.example/x.swf"></object>`,
	`<embed src="https://evil.example/x.swf">`,
	`<form action="https://evil.example/"><input name=p><button formaction=javascript:alert(1)>go</button></form>`,
	`<style>body{background:url(javascript:alert(1))}</style>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<a style="position:fixed;top:0;left:0;width:100%;height:100%" href="https://ok.example/">x</a>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<math><mi xlink:href="javascript:alert(1)">x</mi></math>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<template><script>alert(1)</script></template>`,
	`<textarea><script>alert(1)</script></textarea>`,
	`<title><script>alert(1)</script></title>`,
	`<xmp><script>alert(1)</script></xmp>`,
	`<!--<script>alert(1)</script>-->`,
	`<b><i>x</b></i>`,
	`<meta http-equiv="refresh" content="0;url=https://evil.example/">`,
	`<base href="https://evil.example/">`,
	`<link rel=stylesheet href=//evil.example/x.css>`,
	`<img src="https://evil.example/pixel.gif">`,
	`<img src="//evil.example/pixel.gif">`,
	`<img src=" //evil.example/pixel.gif">`,
	`<img src="/\evil.example/pixel.gif">`,
	`<img src="/&#9;/evil.example/pixel.gif">`,
	`<img src="pixel.gif">`,
	`<img src="data:image/png;base64,iVBORw0KGgo=">`,
	`<img src="/ok.jpg" srcset="https://evil.example/p.gif 1x">`,
	`![x](https://evil.example/pixel.gif)`,
	`![x](//evil.example/pixel.gif)`,
	`<p OnClick="alert(1)" onmouseover="alert(1)" ONLOAD="alert(1)" oNfOcUs="alert(1)">x</p>`,
	`<p/onclick=alert(1)>x</p>`,
	`<details open ontoggle=alert(1)>x</details>`,
	`<blockquote cite="javascript:alert(1)">q</blockquote>`,
	`<video poster=javascript:alert(1)></video>`,
	`<input type=image src=x onerror=alert(1)>`,
	"| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |\n",
	`<table><tr><th style="text-align:left;background:url(javascript:alert(1))">h</th><td style="position:fixed">d</td></tr></table>`,
	"x[^1]\n\n[^1]: <script>alert(1)</script> [y](javascript:alert(1))\n",
	"```html\n<script>alert(1)</script>\n```\n",
	"<a href=\"javas\x00cript:alert(1)\">x</a>",
	`<a id="x" name="y" href="#" target="_top" rel="opener">x</a>`,
}

// assertSafe fails t when out, rendered from in, has anything executable.
func assertSafe(t *testing.T, in, out string) {
	t.Helper()
	for _, p := range contenttest.Unsafe(out) {
		t.Errorf("Render(%q) = %q: %s", in, out, p)
	}
}

func TestRenderHostile(t *testing.T) {
	r := content.NewRenderer()
	for _, in := range hostileCorpus {
		out, text, err := r.Render(in)
		if err != nil {
			t.Errorf("Render(%q): got error %v, want nil", in, err)
			continue
		}
		assertSafe(t, in, out)
		if strings.Contains(strings.ToLower(out), "evil.example") {
			t.Errorf("Render(%q) = %q: got a reference to evil.example, want none", in, out)
		}
		if !utf8.ValidString(text) {
			t.Errorf("Render(%q): plain text %q is not valid UTF-8", in, text)
		}
	}
}

// TestUnsafeChecker makes sure the checker used above is not vacuous.
func TestUnsafeChecker(t *testing.T) {
	tests := []struct {
		html string
		bad  bool
	}{
		{`<p>hello <a href="https://ok.example/">x</a></p>`, false},
		{`<img src="/media/a/480.jpg" alt="a">`, false},
		{`<table><tr><th style="text-align: left">h</th><td style="text-align:right;">d</td></tr></table>`, false},
		{`<a href="#fn:1" class="footnote-ref">1</a>`, false},
		{`<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`, false},
		{`<script>alert(1)</script>`, true},
		{`</script>`, true},
		{`<STYLE>x</STYLE>`, true},
		{`<svg/onload=alert(1)>`, true},
		{`<p OnClick="x">`, true},
		{`<a href=" &#106;avascript:alert(1)">`, true},
		{`<a href="java&#x09;script:alert(1)">`, true},
		{`<a href="DATA:text/html,x">`, true},
		{`<a href="vbscript:x">`, true},
		{`<img src="https://evil.example/p.gif">`, true},
		{`<img src="//evil.example/p.gif">`, true},
		{`<img src="/\evil.example/p.gif">`, true},
		{`<img src="/&#9;/evil.example/p.gif">`, true},
		{`<img src="p.gif">`, true},
		{`<img alt="no src">`, false},
		{`<div style="color:red">`, true},
		{`<td style="color:red">`, true},
		{`<meta http-equiv=refresh>`, true},
		{`<base href="/">`, true},
		{`<link rel=stylesheet href="/x.css">`, true},
		{`<iframe>`, true},
		{`<object>`, true},
		{`<embed>`, true},
		{`<form>`, true},
	}
	for _, tt := range tests {
		got := contenttest.Unsafe(tt.html)
		if bad := len(got) > 0; bad != tt.bad {
			t.Errorf("Unsafe(%q) = %q: got unsafe %v, want %v", tt.html, got, bad, tt.bad)
		}
	}
}

func TestRenderKeeps(t *testing.T) {
	tests := []struct {
		name     string
		markdown string
		want     []string // substrings of the HTML
		wantText string
	}{
		{
			name:     "table",
			markdown: "| Region | Votes |\n|:--|--:|\n| North | 12 |\n",
			want:     []string{"<table>", "<th style=\"text-align: left\">Region</th>", "<td style=\"text-align: right\">12</td>"},
			wantText: "Region Votes North 12",
		},
		{
			name:     "footnote",
			markdown: "The count was wrong.[^1]\n\n[^1]: See the protocol.\n",
			want:     []string{`<sup id="fnref:1">`, `<a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a>`, `class="footnotes"`, `<li id="fn:1">`},
			wantText: "The count was wrong. See the protocol.",
		},
		{
			name:     "https link",
			markdown: "Read [the report](https://example.org/report?id=1&x=2).",
			want:     []string{`<a href="https://example.org/report?id=1&amp;x=2">the report</a>`},
			wantText: "Read the report.",
		},
		{
			name:     "relative and mailto links",
			markdown: "[a](/2024/01/02/story) and [b](mailto:desk@example.org)",
			want:     []string{`<a href="/2024/01/02/story">a</a>`, `<a href="mailto:desk@example.org">b</a>`},
			wantText: "a and b",
		},
		{
			name:     "headings with ids",
			markdown: "## Who counted\n\n### The second count\n",
			want:     []string{`<h2 id="who-counted">Who counted</h2>`, `<h3 id="the-second-count">The second count</h3>`},
			wantText: "Who counted The second count",
		},
		{
			name:     "blockquote",
			markdown: "> We will recount.\n",
			want:     []string{"<blockquote>", "<p>We will recount.</p>", "</blockquote>"},
			wantText: "We will recount.",
		},
		{
			name:     "strikethrough",
			markdown: "~~Tuesday~~ Wednesday",
			want:     []string{"<del>Tuesday</del> Wednesday"},
			wantText: "Tuesday Wednesday",
		},
		{
			name:     "local image",
			markdown: "![Polling station](/media/poll-1a2b/960.jpg)",
			want:     []string{`<img src="/media/poll-1a2b/960.jpg" alt="Polling station">`},
			wantText: "",
		},
		{
			name:     "superscript that is not a footnote",
			markdown: "Area: 40 m<sup>2</sup>",
			want:     []string{"<sup>2</sup>"},
			wantText: "Area: 40 m2",
		},
		{
			name:     "escaped markup is text",
			markdown: "Use `<b>` for bold: 1 &lt; 2",
			want:     []string{"<code>&lt;b&gt;</code>"},
			wantText: "Use <b> for bold: 1 < 2",
		},
		{
			name:     "Russian",
			markdown: "# Выборы\n\nПересчёт голосов.",
			want:     []string{"Выборы</h1>", "<p>Пересчёт голосов.</p>"},
			wantText: "Выборы Пересчёт голосов.",
		},
	}
	r := content.NewRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, text, err := r.Render(tt.markdown)
			if err != nil {
				t.Fatalf("Render: got error %v, want nil", err)
			}
			assertSafe(t, tt.markdown, out)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("Render(%q) = %q: want it to contain %q", tt.markdown, out, w)
				}
			}
			if text != tt.wantText {
				t.Errorf("Render(%q) text: got %q, want %q", tt.markdown, text, tt.wantText)
			}
		})
	}
}

func TestRenderPlainTextHasNoMarkup(t *testing.T) {
	md := "# Count[^a]\n\nFirst[^b] and **bold**, a [link](https://example.org/) " +
		"and `code`.\n\n| h |\n|---|\n| cell |\n\n> quote\n\n[^a]: Note one.\n[^b]: Note two.\n"
	_, text, err := content.NewRenderer().Render(md)
	if err != nil {
		t.Fatalf("Render: got error %v, want nil", err)
	}
	if strings.ContainsAny(text, "<>") {
		t.Errorf("plain text %q: got tags, want none", text)
	}
	if strings.ContainsAny(text, "0123456789") {
		t.Errorf("plain text %q: got footnote numbers, want none", text)
	}
	if strings.Contains(text, "↩") {
		t.Errorf("plain text %q: got footnote back-links, want none", text)
	}
	want := "Count First and bold, a link and code. h cell quote Note one. Note two."
	if text != want {
		t.Errorf("plain text: got %q, want %q", text, want)
	}
}

func TestSlugify(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Hello, World!", "hello-world"},
		{"  Leading and trailing  ", "leading-and-trailing"},
		{"Mayor's office: 3 new rules", "mayor-s-office-3-new-rules"},
		{"«Выборы в Вельске: пересчёт»", "vybory-v-velske-pereschet"},
		{"Выборы в Вельске: пересчёт", "vybory-v-velske-pereschet"},
		{"Щука, жук и ёж", "shchuka-zhuk-i-ezh"},
		{"Объявление", "obieiavlenie"},
		{"Café Zürich", "cafe-zurich"},
		{"Ærø Ångström", "aero-angstrom"},
		{"Łukasz Søndergaard, Straße", "lukasz-sondergaard-strasse"},
		{"a---b___c", "a-b-c"},
		{"!!! ??? ...", ""},
		{"—", ""},
		{"", ""},
		{"日本語", ""},
		{"２０２４", "2024"},
	}
	for _, tt := range tests {
		if got := content.Slugify(tt.in); got != tt.want {
			t.Errorf("Slugify(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}

	long := []string{
		strings.Repeat("word ", 100),
		strings.Repeat("щ", 500),
		strings.Repeat("a", 1000),
		strings.Repeat("ab-", 200),
	}
	for _, in := range long {
		got := content.Slugify(in)
		if len(got) > content.MaxSlug {
			t.Errorf("Slugify(%.20q...): got %d bytes, want at most %d", in, len(got), content.MaxSlug)
		}
		if !content.ValidSlug(got) {
			t.Errorf("Slugify(%.20q...) = %q: got an invalid slug", in, got)
		}
	}
}

func validArticle() *content.Article {
	return &content.Article{
		Headline: "Recount ordered",
		Slug:     "recount-ordered",
		Body:     "Text.",
		Lang:     "en",
		Status:   content.StatusDraft,
		Section:  content.Section{ID: 1, Slug: "news", Name: "News"},
	}
}

func TestArticleValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(a *content.Article)
		fields []string // nil: valid
	}{
		{"valid", func(a *content.Article) {}, nil},
		{"valid published", func(a *content.Article) {
			a.Status = content.StatusPublished
			a.PublishedAt = time.Date(2024, 11, 20, 9, 30, 0, 0, time.UTC)
		}, nil},
		{"valid image", func(a *content.Article) { a.Image = content.Image{Key: "k", Alt: "A crowd"} }, nil},
		{"300 Cyrillic runes", func(a *content.Article) { a.Headline = strings.Repeat("ж", content.MaxHeadline) }, nil},
		{"no headline", func(a *content.Article) { a.Headline = "" }, []string{"headline"}},
		{"blank headline", func(a *content.Article) { a.Headline = " \t\n" }, []string{"headline"}},
		{"headline too long", func(a *content.Article) { a.Headline = strings.Repeat("ж", content.MaxHeadline+1) }, []string{"headline"}},
		{"dek too long", func(a *content.Article) { a.Dek = strings.Repeat("d", content.MaxDek+1) }, []string{"dek"}},
		{"body too long", func(a *content.Article) { a.Body = strings.Repeat("b", content.MaxBody+1) }, []string{"body"}},
		{"caption too long", func(a *content.Article) { a.Image.Caption = strings.Repeat("c", content.MaxCaption+1) }, []string{"caption"}},
		{"credit too long", func(a *content.Article) { a.Image.Credit = strings.Repeat("c", content.MaxCaption+1) }, []string{"credit"}},
		{"invalid UTF-8 headline", func(a *content.Article) { a.Headline = "Re\xffcount" }, []string{"headline"}},
		{"invalid UTF-8 body", func(a *content.Article) { a.Body = "\xc3\x28" }, []string{"body"}},
		{"invalid UTF-8 alt", func(a *content.Article) { a.Image.Alt = "\xed\xa0\x80" }, []string{"alt"}},
		{"no slug", func(a *content.Article) { a.Slug = "" }, []string{"slug"}},
		{"bad slug", func(a *content.Article) { a.Slug = "Recount Ordered" }, []string{"slug"}},
		{"slug with trailing hyphen", func(a *content.Article) { a.Slug = "recount-" }, []string{"slug"}},
		{"slug too long", func(a *content.Article) { a.Slug = strings.Repeat("a", content.MaxSlug+1) }, []string{"slug"}},
		{"no lang", func(a *content.Article) { a.Lang = "" }, []string{"lang"}},
		{"bad lang", func(a *content.Article) { a.Lang = "de" }, []string{"lang"}},
		{"bad status", func(a *content.Article) { a.Status = "live" }, []string{"status"}},
		{"no section", func(a *content.Article) { a.Section = content.Section{} }, []string{"section"}},
		{"published without date", func(a *content.Article) { a.Status = content.StatusPublished }, []string{"published_at"}},
		{"scheduled without date", func(a *content.Article) { a.Status = content.StatusScheduled }, []string{"published_at"}},
		{"image without alt", func(a *content.Article) { a.Image = content.Image{Key: "k", Caption: "c"} }, []string{"alt"}},
		{"image with blank alt", func(a *content.Article) { a.Image = content.Image{Key: "k", Alt: "  "} }, []string{"alt"}},
		{"everything wrong", func(a *content.Article) {
			*a = content.Article{Headline: "\xff", Slug: "-", Lang: "xx", Status: "?"}
		}, []string{"headline", "lang", "section", "slug", "status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validArticle()
			tt.change(a)
			err := a.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate: got %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, content.ErrInvalid) {
				t.Errorf("Validate: got %v, want an error wrapping ErrInvalid", err)
			}
			var fe content.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("Validate: got %v (%T), want FieldErrors", err, err)
			}
			if g, w := strings.Join(slices.Sorted(maps.Keys(fe)), ","), strings.Join(tt.fields, ","); g != w {
				t.Errorf("Validate fields: got %s, want %s (%v)", g, w, fe)
			}
			for f, msg := range fe {
				if msg == "" {
					t.Errorf("Validate field %s: got an empty message", f)
				}
				if !strings.Contains(err.Error(), f+": "+msg) {
					t.Errorf("Validate error %q: want it to contain %q", err, f+": "+msg)
				}
			}
		})
	}
}

func TestValidateMessages(t *testing.T) {
	a := validArticle()
	a.Headline = strings.Repeat("x", content.MaxHeadline+5)
	a.Headline += "\xff"
	var fe content.FieldErrors
	if !errors.As(a.Validate(), &fe) {
		t.Fatal("Validate: got no FieldErrors, want one")
	}
	if got, want := fe["headline"], "is not valid UTF-8 text"; got != want {
		t.Errorf("headline: got %q, want %q", got, want)
	}
	a = validArticle()
	a.Headline = strings.Repeat("x", content.MaxHeadline+5)
	fe = nil
	errors.As(a.Validate(), &fe)
	if got, want := fe["headline"], "is too long (305 characters, at most 300)"; got != want {
		t.Errorf("headline: got %q, want %q", got, want)
	}
}

func TestParseQuery(t *testing.T) {
	type q = content.Query
	tm := func(ws ...string) content.Term { return content.Term{Words: ws} }
	pre := func(ws ...string) content.Term { return content.Term{Words: ws, Prefix: true} }
	tests := []struct {
		in   string
		want q
	}{
		{"", q{}},
		{"   ", q{}},
		{"elections", q{Terms: []content.Term{tm("elections")}}},
		{"Elections VELSK", q{Terms: []content.Term{tm("elections"), tm("velsk")}}},
		{`"city council" budget`, q{Terms: []content.Term{tm("city", "council"), tm("budget")}}},
		{`budget "city council"`, q{Terms: []content.Term{tm("budget"), tm("city", "council")}}},
		{`"выборы в вельске"`, q{Terms: []content.Term{tm("выборы", "в", "вельске")}}},
		{"budget -draft", q{Terms: []content.Term{tm("budget")}, Excluded: []string{"draft"}}},
		{"-draft -leak budget", q{Terms: []content.Term{tm("budget")}, Excluded: []string{"draft", "leak"}}},
		{"-draft-leak", q{Terms: []content.Term{tm("leak")}, Excluded: []string{"draft"}}},
		{"well-known", q{Terms: []content.Term{tm("well"), tm("known")}}},
		{"- alone", q{Terms: []content.Term{tm("alone")}}},
		{`"unbalanced quote`, q{Terms: []content.Term{tm("unbalanced"), tm("quote")}}},
		{`a "b c" "d e`, q{Terms: []content.Term{tm("a"), tm("b", "c"), tm("d"), tm("e")}}},
		{`""`, q{}},
		{`" "`, q{}},
		{`"`, q{}},
		{"budget AND NOT tax OR fee", q{Terms: []content.Term{tm("budget"), tm("and"), tm("not"), tm("tax"), tm("or"), tm("fee")}}},
		{"title:budget NEAR(a b) tax* ^x {y} [z] (w)", q{Terms: []content.Term{tm("title"), tm("budget"), tm("near"), tm("a"), tm("b"), pre("tax"), tm("x"), tm("y"), tm("z"), tm("w")}}},
		{"'; DROP TABLE articles; --", q{Terms: []content.Term{tm("drop"), tm("table"), tm("articles")}}},
		{"harb*", q{Terms: []content.Term{pre("harb")}}},
		{"Harb* strike", q{Terms: []content.Term{pre("harb"), tm("strike")}}},
		{`"border vill*"`, q{Terms: []content.Term{pre("border", "vill")}}},
		{`"border* village"`, q{Terms: []content.Term{tm("border", "village")}}},
		{"ha*", q{Terms: []content.Term{tm("ha")}}},
		{"жур*", q{Terms: []content.Term{pre("жур")}}},
		{"*harb", q{Terms: []content.Term{tm("harb")}}},
		{"well-kno*", q{Terms: []content.Term{tm("well"), pre("kno")}}},
		{"-harb*", q{Excluded: []string{"harb"}}},
		{"x\xffy", q{Terms: []content.Term{tm("x"), tm("y")}}},
		{"1 2 3 4 5 6 7 8 9 10 11 12 13 14", q{Terms: []content.Term{tm("1"), tm("2"), tm("3"), tm("4"), tm("5"), tm("6"), tm("7"), tm("8"), tm("9"), tm("10"), tm("11"), tm("12")}}},
	}
	for _, tt := range tests {
		got := content.ParseQuery(tt.in)
		if g, w := fmtQuery(got), fmtQuery(tt.want); g != w {
			t.Errorf("ParseQuery(%q): got %s, want %s", tt.in, g, w)
		}
		if got.Empty() != (len(tt.want.Terms) == 0) {
			t.Errorf("ParseQuery(%q).Empty(): got %v, want %v", tt.in, got.Empty(), len(tt.want.Terms) == 0)
		}
	}
}

func TestParseQueryLengthCap(t *testing.T) {
	long := strings.Repeat("я", content.MaxQuery+100)
	got := content.ParseQuery(long)
	if len(got.Terms) != 1 {
		t.Fatalf("ParseQuery(long): got %d terms, want 1", len(got.Terms))
	}
	if n := utf8.RuneCountInString(got.Terms[0].Words[0]); n != content.MaxQuery {
		t.Errorf("ParseQuery(long): got a word of %d runes, want %d", n, content.MaxQuery)
	}
	// Words after the cap are not read at all.
	got = content.ParseQuery(strings.Repeat(" ", content.MaxQuery) + "late")
	if !got.Empty() {
		t.Errorf("ParseQuery(spaces+late): got %s, want no terms", fmtQuery(got))
	}
	got = content.ParseQuery(strings.Repeat("-x ", 1000))
	if n := len(got.Excluded); n > content.MaxQuery/2 {
		t.Errorf("ParseQuery(many exclusions): got %d exclusions, want at most %d", n, content.MaxQuery/2)
	}
}

func fmtQuery(q content.Query) string {
	var b strings.Builder
	b.WriteString("terms[")
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(strings.Join(t.Words, "+"))
		if t.Prefix {
			b.WriteString("*")
		}
	}
	b.WriteString("] excluded[")
	b.WriteString(strings.Join(q.Excluded, " "))
	b.WriteString("]")
	return b.String()
}

func TestHeadingAnchors(t *testing.T) {
	r := content.NewRenderer()
	tests := []struct{ md, want string }{
		{"## Что дальше?", `id="что-дальше"`},
		{"## Выборы — 2026", `id="выборы-2026"`},
		{"## The road ahead", `id="the-road-ahead"`},
		{"## What's next?", `id="whats-next"`}, // as goldmark has always named it
		{"## Что дальше?\n\n## Что дальше?", `id="что-дальше-1"`},
		{"## ¿?", `id="heading"`},
	}
	for _, tt := range tests {
		got, _, err := r.Render(tt.md)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("Render(%q) = %s, want %s", tt.md, got, tt.want)
		}
		if strings.Contains(got, `id="-`) || strings.Contains(got, `--`) {
			t.Errorf("Render(%q) = %s: an anchor of hyphens", tt.md, got)
		}
	}
}

func TestIndexText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Выборы губернатора перенесли.", "выбор губернатор перенесл."},
		{"Court rules; суды молчат", "Court rules; суд молчат"},
		{"Ёлка у Москвы", "елк у москв"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := content.IndexText(tt.in); got != tt.want {
			t.Errorf("IndexText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
