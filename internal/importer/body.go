package importer

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// This file turns the HTML of an imported post into the body this site
// stores: sanitized HTML that the Markdown renderer passes through as it is
// (an article's Body is Markdown, and raw HTML in it is allowed and
// sanitized again at save).

// Sanitizer cleans HTML with the site's one policy: *content.Renderer.
type Sanitizer interface {
	Sanitize(s string) string
}

// ImageRef is how an image of an imported body is shown here.
type ImageRef struct {
	Src           string // a path on this site: /media/<key>/<width>.jpg
	Width, Height int
}

// ImageFunc resolves the src of an image of the source site; ok false
// means the image could not be found here, and it is dropped.
type ImageFunc func(src string) (ImageRef, bool)

// LinkFunc rewrites a link of the source site; links to the old host come
// back as paths, so the redirects made by the import carry them.
type LinkFunc func(href string) string

// blockTags start an HTML block that CommonMark ends only at a blank line
// (its HTML block kinds 1 and 6): a body made of them, with no blank
// line, reaches the reader untouched by Markdown.
var blockTags = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Details: true, atom.Dialog: true, atom.Dd: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Header: true, atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true, atom.Ol: true,
	atom.P: true, atom.Section: true, atom.Summary: true, atom.Table: true, atom.Ul: true, atom.Pre: true,
}

var (
	preRe   = regexp.MustCompile(`(?is)<pre[\s>].*?</pre>`)
	blankRe = regexp.MustCompile(`\n[ \t]*\n+`)
)

// CleanBody sanitizes src, resolves its images and links, and lays it out
// as top-level blocks, one a line with no blank line between them. It
// returns the srcs of the images that could not be resolved.
func CleanBody(s Sanitizer, src string, img ImageFunc, link LinkFunc) (string, []string) {
	// Images and links first: the sanitizer drops every image from
	// another host, and the old host's must become this site's instead.
	root := fragment(src)
	var missing []string
	rewrite(root, img, link, &missing)
	var raw strings.Builder
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		html.Render(&raw, c)
	}
	root = fragment(s.Sanitize(raw.String()))
	var b strings.Builder
	var inline *html.Node // the paragraph gathering loose text and inline tags
	for c := root.FirstChild; c != nil; {
		next := c.NextSibling
		root.RemoveChild(c)
		if c.Type == html.ElementNode && blockTags[c.DataAtom] {
			flush(&b, &inline)
			if c.DataAtom == atom.P && strings.TrimSpace(textOf(c)) == "" && !hasElement(c, atom.Img) {
				c = next // a paragraph emptied of a missing image
				continue
			}
			html.Render(&b, c)
			b.WriteByte('\n')
		} else if c.Type == html.TextNode && strings.TrimSpace(c.Data) == "" && inline == nil {
			// whitespace between blocks
		} else if c.Type == html.ElementNode || c.Type == html.TextNode {
			if inline == nil {
				inline = &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
			}
			inline.AppendChild(c)
		}
		c = next
	}
	flush(&b, &inline)
	out := preRe.ReplaceAllStringFunc(b.String(), func(p string) string {
		return strings.ReplaceAll(strings.TrimSuffix(p, "\n"), "\n", "&#10;")
	})
	// The rewrites above only set srcs to this site's paths and links to
	// paths: the body stays inside the policy, and the service sanitizes
	// it once more at save.
	return strings.TrimSpace(blankRe.ReplaceAllString(out, "\n")), missing
}

// fragment parses HTML as the content of a body, under a root element.
func fragment(src string) *html.Node {
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(src), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return root // only a failing reader errs
	}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return root
}

func flush(b *strings.Builder, p **html.Node) {
	if *p == nil {
		return
	}
	if text := textOf(*p); strings.TrimSpace(text) != "" || hasElement(*p, atom.Img) {
		html.Render(b, *p)
		b.WriteByte('\n')
	}
	*p = nil
}

func rewrite(n *html.Node, img ImageFunc, link LinkFunc, missing *[]string) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode {
			switch c.DataAtom {
			case atom.Img:
				src := attr(c, "src")
				ref, ok := ImageRef{}, false
				if src != "" && img != nil {
					ref, ok = img(src)
				}
				if !ok {
					if src != "" {
						*missing = append(*missing, src)
					}
					n.RemoveChild(c)
					c = next
					continue
				}
				setAttrs(c, ref)
			case atom.A:
				if href := attr(c, "href"); href != "" && link != nil {
					setAttr(c, "href", link(href))
				}
			}
			rewrite(c, img, link, missing)
		}
		c = next
	}
}

func setAttrs(n *html.Node, ref ImageRef) {
	var keep []html.Attribute
	for _, a := range n.Attr {
		switch a.Key {
		case "src", "srcset", "sizes", "width", "height", "loading":
		default:
			keep = append(keep, a)
		}
	}
	keep = append(keep, html.Attribute{Key: "src", Val: ref.Src})
	if ref.Width > 0 && ref.Height > 0 {
		keep = append(keep, html.Attribute{Key: "width", Val: itoa(ref.Width)}, html.Attribute{Key: "height", Val: itoa(ref.Height)})
	}
	keep = append(keep, html.Attribute{Key: "loading", Val: "lazy"})
	n.Attr = keep
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
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

func setAttr(n *html.Node, key, val string) {
	for i := range n.Attr {
		if n.Attr[i].Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func hasElement(n *html.Node, a atom.Atom) bool {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if hasElement(c, a) {
			return true
		}
	}
	return false
}
