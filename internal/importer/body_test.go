package importer_test

import (
	"strings"
	"testing"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/importer"
)

func TestWordPressHTML(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // in the clean body, in order
		not      []string
		dropped  string
	}{
		{"paragraphs and breaks", "One\ntwo\n\nThree", []string{"<p>One<br/>\ntwo</p>", "<p>Three</p>"}, nil, ""},
		{"block HTML left alone", "Intro\n<blockquote>Quoted</blockquote>\nOutro", []string{"<p>Intro</p>", "<blockquote>Quoted</blockquote>", "<p>Outro</p>"}, []string{"<p><blockquote>"}, ""},
		{"caption as attribute", `[caption caption="A &amp; B"]<img src="/a.png" alt="x">[/caption]`, []string{"<figure>", "<figcaption>A &amp; B</figcaption>"}, []string{"[caption"}, ""},
		{"escaped shortcode", "Type [[gallery]] to show one.", []string{"Type [gallery] to show one."}, nil, ""},
		{"prose in brackets", "He said [sic] twice.", []string{"He said [sic] twice."}, nil, ""},
		{"unknown enclosing shortcode keeps its text", "[pullquote]Said it.[/pullquote]", []string{"<p>Said it.</p>"}, []string{"pullquote"}, "shortcode [pullquote]"},
		{"pre keeps its blank lines", "<pre>a\n\nb</pre>\n\nAfter", []string{"<pre>a&#10;&#10;b</pre>", "<p>After</p>"}, nil, ""},
		{"blocks without autop", "<!-- wp:paragraph -->\n<p>One\ntwo</p>\n<!-- /wp:paragraph -->", []string{"<p>One\ntwo</p>"}, []string{"<br", "wp:"}, ""},
		{"dynamic block", `<!-- wp:archives {"x":1} /-->`, nil, []string{"wp:"}, "block wp:archives (made by WordPress when shown; no HTML in the export)"},
	}
	r := content.NewRenderer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dropped []string
			raw := importer.WordPressHTML(tt.in, func(s string) { dropped = append(dropped, s) })
			got, _ := importer.CleanBody(r, raw, func(src string) (importer.ImageRef, bool) {
				return importer.ImageRef{Src: "/media/k/480.jpg", Width: 480, Height: 320}, true
			}, nil)
			at := 0
			for _, w := range tt.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("got %q, want %q after byte %d", got, w, at)
				}
				at += i + len(w)
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("got %q, want no %q", got, n)
				}
			}
			if strings.Contains(got, "\n\n") {
				t.Errorf("got a blank line, which would end the HTML block in Markdown: %q", got)
			}
			if tt.dropped != "" && (len(dropped) != 1 || dropped[0] != tt.dropped) {
				t.Errorf("dropped %v, want %q", dropped, tt.dropped)
			}
			// What is stored renders to the same HTML: Markdown leaves it be.
			html, _, err := r.Render(got)
			if err != nil || strings.Contains(html, "<pre><code>") {
				t.Errorf("rendered %q (%v): Markdown read the body as its own", html, err)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`<?xml version="1.0"?>` + "\n<!-- generator -->\n" + `<rss xmlns:wp="http://wordpress.org/export/1.2/">`, importer.LooksWordPress},
		{`<?xml version="1.0"?><rss version="2.0"><channel><generator>https://wordpress.org/?v=6</generator>`, importer.LooksRSS},
		{`<feed xmlns="http://www.w3.org/2005/Atom">`, importer.LooksAtom},
		{"<!DOCTYPE html><html>", importer.LooksHTML},
		{`{"db":[{"meta":{}}]}`, importer.LooksGhost},
		{`[1, 2]`, importer.LooksJSON},
		{"id,email\n1,a@example.com\n", importer.LooksCSV},
		{"", importer.LooksEmpty},
		{"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", importer.LooksOther},
	} {
		if got := importer.Sniff([]byte(tt.in)); got != tt.want {
			t.Errorf("Sniff(%.30q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
