package content

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// Renderer turns Markdown into HTML that is safe to show to readers.
// Rendering happens once, when an article is saved, never per request.
// A Renderer is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewRenderer returns the renderer used for article bodies: CommonMark with
// GFM tables, strikethrough, autolinks and footnotes, sanitized afterwards.
func NewRenderer() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.Footnote, extension.Typographer),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		// Raw HTML in Markdown is allowed through goldmark and then cut down by
		// the sanitizer, so harmless markup such as <sup> survives.
		goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
	)
	return &Renderer{md: md, policy: articlePolicy()}
}

// articlePolicy allows the structure journalism needs and nothing that runs.
func articlePolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(false)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	// Footnote markup produced by goldmark.
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[A-Za-z0-9_:.-]+$`)).Globally()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^footnote[a-z-]*$`)).Globally()
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-(noteref|backlink|endnotes)$`)).Globally()
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowAttrs("style").Matching(regexp.MustCompile(`^text-align:\s*(left|right|center);?$`)).OnElements("th", "td")
	p.AllowStyles("text-align").MatchingEnum("left", "right", "center").OnElements("th", "td")
	// Images inside bodies must come from this site: a third-party image
	// would tell another host who is reading.
	p.AllowAttrs("src").Matching(regexp.MustCompile(`^/[^/\\]`)).OnElements("img")
	p.AllowAttrs("loading").Matching(regexp.MustCompile(`^lazy$`)).OnElements("img")
	return p
}

// Render converts Markdown to sanitized HTML and the plain text of the body.
func (r *Renderer) Render(markdown string) (htmlOut, text string, err error) {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(markdown), &buf); err != nil {
		return "", "", fmt.Errorf("render markdown: %w", err)
	}
	safe := r.policy.SanitizeBytes(buf.Bytes())
	return string(safe), PlainText(string(safe)), nil
}

// Sanitize cleans HTML that did not come from Render, such as imported bodies.
func (r *Renderer) Sanitize(s string) string { return r.policy.Sanitize(s) }

var (
	tagRe   = regexp.MustCompile(`<[^>]*>`)
	blockRe = regexp.MustCompile(`(?i)</?(p|h[1-6]|li|blockquote|tr|td|th|br|div|pre)[^>]*>`)
	supRe   = regexp.MustCompile(`(?is)<sup[^>]*>.*?</sup>`)
)

// PlainText strips tags from sanitized HTML, keeping word boundaries between
// blocks and dropping footnote markers.
func PlainText(s string) string {
	s = supRe.ReplaceAllString(s, "")
	s = blockRe.ReplaceAllString(s, " ")
	s = tagRe.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	return strings.Join(strings.Fields(s), " ")
}

func countWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		if word && !in {
			n++
		}
		in = word || (in && (r == '\'' || r == '-'))
	}
	return n
}
