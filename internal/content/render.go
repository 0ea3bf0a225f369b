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
	p := ugcWithoutImageSources()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(false)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	// Footnote markup produced by goldmark.
	// Heading anchors are in the heading's own script (headingIDs).
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[\p{L}\p{N}_:.-]+$`)).Globally()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^footnote[a-z-]*$`)).Globally()
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-(noteref|backlink|endnotes)$`)).Globally()
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowAttrs("style").Matching(regexp.MustCompile(`^text-align:\s*(left|right|center);?$`)).OnElements("th", "td")
	p.AllowStyles("text-align").MatchingEnum("left", "right", "center").OnElements("th", "td")
	// Images inside bodies must come from this site: a third-party image
	// would tell another host who is reading.
	p.AllowAttrs("src").Matching(regexp.MustCompile(`^/[^/\\]`)).OnElements("img")
	p.AllowAttrs("loading").Matching(regexp.MustCompile(`^lazy$`)).OnElements("img")
	// Body figures (figures.go): responsive variants from this site only.
	p.AllowElements("picture")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^image/webp$`)).OnElements("source")
	p.AllowAttrs("srcset").Matching(mediaSrcsetRe).OnElements("source", "img")
	p.AllowAttrs("sizes").Matching(regexp.MustCompile(`^\(min-width: 52rem\) 48rem, 100vw$`)).OnElements("source", "img")
	p.AllowAttrs("decoding").Matching(regexp.MustCompile(`^async$`)).OnElements("img")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^body-figure$`)).OnElements("figure")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^credit$`)).OnElements("span")
	return p
}

// mediaSrcsetRe is a srcset of this site's media variants only.
var mediaSrcsetRe = regexp.MustCompile(`^/media/` + MediaKeyPattern + `/\d{1,5}\.(jpg|webp) \d{1,5}w(, /media/` + MediaKeyPattern + `/\d{1,5}\.(jpg|webp) \d{1,5}w)*$`)

// ugcWithoutImageSources is bluemonday.UGCPolicy without its AllowImages,
// which lets any http(s) or relative URL through as an img src. Bluemonday
// keeps every rule added for an attribute and allows a value if any rule
// matches, so the root-relative src rule in articlePolicy could not narrow
// it: third-party tracking pixels survived sanitizing.
func ugcWithoutImageSources() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardAttributes()
	p.AllowStandardURLs()
	p.AllowElements("article", "aside", "figure", "section", "summary", "hgroup",
		"h1", "h2", "h3", "h4", "h5", "h6", "br", "div", "hr", "p", "span", "wbr")
	p.AllowAttrs("open").Matching(regexp.MustCompile(`(?i)^(|open)$`)).OnElements("details")
	p.AllowAttrs("cite").OnElements("blockquote", "q")
	p.AllowAttrs("href").OnElements("a", "area")
	p.AllowAttrs("name").Matching(regexp.MustCompile(`^([\p{L}\p{N}_-]+)$`)).OnElements("map")
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("area")
	p.AllowAttrs("coords").Matching(regexp.MustCompile(`^([0-9]+,)+[0-9]+$`)).OnElements("area")
	p.AllowAttrs("rel").Matching(bluemonday.SpaceSeparatedTokens).OnElements("area")
	p.AllowAttrs("shape").Matching(regexp.MustCompile(`(?i)^(default|circle|rect|poly)$`)).OnElements("area")
	p.AllowAttrs("usemap").Matching(regexp.MustCompile(`(?i)^#[\p{L}\p{N}_-]+$`)).OnElements("img")
	p.AllowElements("abbr", "acronym", "cite", "code", "dfn", "em", "figcaption", "mark",
		"s", "samp", "strong", "sub", "sup", "var", "b", "i", "pre", "small", "strike", "tt", "u",
		"rp", "rt", "ruby")
	p.AllowAttrs("datetime").Matching(bluemonday.ISO8601).OnElements("time", "del", "ins")
	p.AllowAttrs("dir").Matching(bluemonday.Direction).OnElements("bdi", "bdo")
	p.AllowAttrs("cite").Matching(bluemonday.Paragraph).OnElements("del", "ins")
	p.AllowLists()
	p.AllowTables()
	p.AllowAttrs("value", "min", "max", "low", "high", "optimum").Matching(bluemonday.Number).OnElements("meter")
	p.AllowAttrs("value", "max").Matching(bluemonday.Number).OnElements("progress")
	// AllowImages, except src, which articlePolicy restricts.
	p.AllowAttrs("align").Matching(bluemonday.ImageAlign).OnElements("img")
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	p.AllowAttrs("height", "width").Matching(bluemonday.NumberOrPercent).OnElements("img")
	return p
}

// Render converts Markdown to sanitized HTML and the plain text of the body.
func (r *Renderer) Render(markdown string) (htmlOut, text string, err error) {
	return r.RenderFigures(markdown, nil)
}

// RenderFigures is Render with the body's figures (figures.go) made from
// images, the media library's images by key.
func (r *Renderer) RenderFigures(markdown string, images map[string]Image) (htmlOut, text string, err error) {
	var buf bytes.Buffer
	ctx := parser.NewContext(parser.WithIDs(newHeadingIDs()))
	if err := r.md.Convert([]byte(markdown), &buf, parser.WithContext(ctx)); err != nil {
		return "", "", fmt.Errorf("render markdown: %w", err)
	}
	safe := r.policy.Sanitize(figures(buf.String(), images))
	return safe, PlainText(safe), nil
}

// Sanitize cleans HTML that did not come from Render, such as imported bodies.
func (r *Renderer) Sanitize(s string) string { return r.policy.Sanitize(s) }

var (
	tagRe   = regexp.MustCompile(`<[^>]*>`)
	blockRe = regexp.MustCompile(`(?i)</?(p|h[1-6]|li|blockquote|tr|td|th|br|div|pre|figure|figcaption)[^>]*>`)
	// Footnote markers as goldmark writes them: the reference number in the
	// text and the "↩︎" link back from the note. Other <sup>, such as the 2
	// in m<sup>2</sup>, is text.
	supRe     = regexp.MustCompile(`(?is)<sup id="fnref[^"]*">.*?</sup>`)
	backrefRe = regexp.MustCompile(`(?is)<a [^>]*class="footnote-backref"[^>]*>.*?</a>`)
)

// PlainText strips tags from sanitized HTML, keeping word boundaries between
// blocks and dropping footnote markers.
func PlainText(s string) string {
	s = supRe.ReplaceAllString(s, "")
	s = backrefRe.ReplaceAllString(s, "")
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
