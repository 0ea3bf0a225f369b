package mail

import (
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// TextWidth is where the plain-text part wraps.
const TextWidth = 72

// mailStyles are the inline styles each element gets in the HTML part:
// mail clients drop <style> sheets and ignore classes, so the look travels
// on the elements themselves. (The site's CSP forbids inline styles; a
// mail is not the site.)
var mailStyles = map[atom.Atom]string{
	atom.H1:         "font-size:26px;line-height:1.25;margin:0 0 8px;",
	atom.H2:         "font-size:21px;line-height:1.3;margin:28px 0 8px;",
	atom.H3:         "font-size:18px;line-height:1.3;margin:24px 0 8px;",
	atom.H4:         "font-size:16px;margin:20px 0 8px;",
	atom.P:          "font-size:16px;line-height:1.55;margin:0 0 16px;",
	atom.Blockquote: "margin:0 0 16px;padding:0 0 0 14px;border-left:4px solid #c8c8c8;color:#444444;",
	atom.Ul:         "margin:0 0 16px;padding:0 0 0 24px;font-size:16px;line-height:1.5;",
	atom.Ol:         "margin:0 0 16px;padding:0 0 0 24px;font-size:16px;line-height:1.5;",
	atom.Li:         "margin:0 0 6px;",
	atom.Table:      "border-collapse:collapse;margin:0 0 16px;font-size:15px;",
	atom.Th:         "border:1px solid #c8c8c8;padding:4px 8px;text-align:left;background:#f2f2f2;",
	atom.Td:         "border:1px solid #c8c8c8;padding:4px 8px;vertical-align:top;",
	atom.Img:        "max-width:100%;height:auto;border:0;",
	atom.A:          "color:#0b57d0;",
	atom.Pre:        "white-space:pre-wrap;font-family:monospace;font-size:14px;margin:0 0 16px;",
	atom.Figure:     "margin:0 0 16px;",
	atom.Figcaption: "font-size:13px;color:#555555;",
	atom.Hr:         "border:0;border-top:1px solid #c8c8c8;margin:24px 0;",
}

// MailHTML turns a sanitized HTML fragment (an article body, an intro)
// into the HTML of a mail: inline styles, links and images absolute under
// base, and no image that is not this site's. The fragment was sanitized
// at save; this only rewrites what the sanitizer let through.
func MailHTML(fragment, base string) (htmltemplate.HTML, error) {
	nodes, err := parseFragment(fragment)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, n := range nodes {
		styleTree(n, base)
		if err := html.Render(&b, n); err != nil {
			return "", fmt.Errorf("mail html: %w", err)
		}
	}
	return htmltemplate.HTML(b.String()), nil
}

func parseFragment(fragment string) ([]*html.Node, error) {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), body)
	if err != nil {
		return nil, fmt.Errorf("parse html: %w", err)
	}
	return nodes, nil
}

func styleTree(n *html.Node, base string) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode && c.DataAtom == atom.Img && !ownURL(attr(c, "src"), base) {
			n.RemoveChild(c) // another host's image would tell it who reads
		} else {
			styleTree(c, base)
		}
		c = next
	}
	if n.Type != html.ElementNode {
		return
	}
	style := mailStyles[n.DataAtom]
	kept := n.Attr[:0]
	for _, a := range n.Attr {
		switch a.Key {
		case "style": // text-align on table cells: keep it after ours
			style += a.Val
			continue
		case "loading", "class", "role":
			continue
		case "href", "src":
			a.Val = absolute(a.Val, base)
		}
		kept = append(kept, a)
	}
	n.Attr = kept
	if style != "" {
		n.Attr = append(n.Attr, html.Attribute{Key: "style", Val: style})
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// absolute makes a root-relative URL absolute under base; a mail has no
// page to be relative to.
func absolute(u, base string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return base + u
	}
	return u
}

func ownURL(u, base string) bool {
	return (strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")) || strings.HasPrefix(u, base+"/")
}

// MailText turns a sanitized HTML fragment into plain text that reads
// well in any mail client: headings underlined, list items with "- " (or
// their number), quotes with "> ", links as their text and [URL], tables
// as rows of cells, everything wrapped at TextWidth.
func MailText(fragment, base string) (string, error) {
	nodes, err := parseFragment(fragment)
	if err != nil {
		return "", err
	}
	w := textWriter{base: base}
	lines := w.blocks(nodes, TextWidth)
	return strings.Join(trimBlank(lines), "\n"), nil
}

type textWriter struct{ base string }

// blocks renders nodes as lines of at most width columns, blocks apart
// by one blank line ("").
func (w textWriter) blocks(nodes []*html.Node, width int) []string {
	var out []string
	var inline strings.Builder
	add := func(lines ...string) {
		if len(lines) == 0 {
			return
		}
		if len(out) > 0 && out[len(out)-1] != "" {
			out = append(out, "")
		}
		out = append(out, lines...)
	}
	flush := func() {
		if s := inline.String(); strings.TrimSpace(s) != "" {
			add(wrap(s, width)...)
		}
		inline.Reset()
	}
	for _, n := range nodes {
		if n.Type == html.TextNode || (n.Type == html.ElementNode && !isBlock(n.DataAtom)) {
			w.inline(&inline, n)
			continue
		}
		if n.Type != html.ElementNode {
			continue
		}
		flush()
		switch n.DataAtom {
		case atom.H1, atom.H2:
			t := w.flat(n)
			add(wrap(t, width)...)
			out = append(out, strings.Repeat("=", min(width, longest(wrap(t, width)))))
		case atom.H3, atom.H4, atom.H5, atom.H6:
			t := w.flat(n)
			add(wrap(t, width)...)
			out = append(out, strings.Repeat("-", min(width, longest(wrap(t, width)))))
		case atom.Ul, atom.Ol:
			add(w.list(n, width)...)
		case atom.Blockquote:
			var q []string
			for _, l := range trimBlank(w.blocks(children(n), width-2)) {
				q = append(q, strings.TrimRight("> "+l, " "))
			}
			add(q...)
		case atom.Pre:
			add(strings.Split(strings.TrimRight(textOf(n), "\n"), "\n")...)
		case atom.Table:
			add(w.table(n)...)
		case atom.Hr:
			add(strings.Repeat("-", 20))
		default: // p, div, figure, section…: their content
			add(trimBlank(w.blocks(children(n), width))...)
		}
	}
	flush()
	return out
}

func (w textWriter) list(n *html.Node, width int) []string {
	var out []string
	i := 0
	for li := n.FirstChild; li != nil; li = li.NextSibling {
		if li.Type != html.ElementNode || li.DataAtom != atom.Li {
			continue
		}
		i++
		mark := "- "
		if n.DataAtom == atom.Ol {
			mark = strconv.Itoa(i) + ". "
		}
		pad := strings.Repeat(" ", len(mark))
		for j, l := range trimBlank(w.blocks(children(li), width-len(mark))) {
			switch {
			case j == 0:
				out = append(out, mark+l)
			case l == "":
				out = append(out, "")
			default:
				out = append(out, pad+l)
			}
		}
	}
	return out
}

func (w textWriter) table(n *html.Node) []string {
	var out []string
	var walk func(*html.Node)
	walk = func(x *html.Node) {
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom != atom.Tr {
				walk(c)
				continue
			}
			var cells []string
			header := false
			for td := c.FirstChild; td != nil; td = td.NextSibling {
				if td.Type == html.ElementNode && (td.DataAtom == atom.Td || td.DataAtom == atom.Th) {
					cells = append(cells, w.flat(td))
					header = header || td.DataAtom == atom.Th
				}
			}
			row := "| " + strings.Join(cells, " | ") + " |"
			out = append(out, row)
			if header {
				out = append(out, "|"+strings.Repeat("-", max(0, utf8.RuneCountInString(row)-2))+"|")
			}
		}
	}
	walk(n)
	return out
}

// inline writes an inline node's text, links as text [URL].
func (w textWriter) inline(b *strings.Builder, n *html.Node) {
	switch {
	case n.Type == html.TextNode:
		b.WriteString(n.Data)
	case n.DataAtom == atom.Br:
		b.WriteString("\n")
	case n.DataAtom == atom.Img:
		if alt := attr(n, "alt"); alt != "" {
			b.WriteString("[" + alt + "]")
		}
	case n.DataAtom == atom.A:
		var t strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.inline(&t, c)
		}
		b.WriteString(t.String())
		href := absolute(attr(n, "href"), w.base)
		if href != "" && !strings.HasPrefix(href, "#") && strings.TrimSpace(t.String()) != href {
			b.WriteString(" [" + href + "]")
		}
	case n.DataAtom == atom.Sup && strings.HasPrefix(attr(n, "id"), "fnref"):
		b.WriteString("[" + textOf(n) + "]")
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.inline(b, c)
		}
	}
}

// flat is a node's inline text on one line.
func (w textWriter) flat(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && isBlock(c.DataAtom) {
			b.WriteString(" " + w.flat(c) + " ")
			continue
		}
		w.inline(&b, c)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}

func children(n *html.Node) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, c)
	}
	return out
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Ul, atom.Ol, atom.Li,
		atom.Blockquote, atom.Pre, atom.Table, atom.Hr, atom.Figure, atom.Figcaption, atom.Section,
		atom.Article, atom.Aside, atom.Details, atom.Summary, atom.Dl, atom.Dt, atom.Dd:
		return true
	}
	return false
}

// Wrap breaks text into lines of at most width columns at spaces; a word
// longer than width (a URL) gets a line of its own. Line breaks in text
// are kept.
func Wrap(text string, width int) []string { return wrap(text, width) }

func wrap(text string, width int) []string {
	width = max(width, 20)
	var out []string
	for _, para := range strings.Split(text, "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			continue
		}
		line := words[0]
		for _, w := range words[1:] {
			if utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
				out = append(out, line)
				line = w
				continue
			}
			line += " " + w
		}
		out = append(out, line)
	}
	return out
}

func longest(lines []string) int {
	n := 0
	for _, l := range lines {
		n = max(n, utf8.RuneCountInString(l))
	}
	return n
}

func trimBlank(lines []string) []string {
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
