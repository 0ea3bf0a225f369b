// Package contenttest holds test helpers for code that produces article
// HTML: a checker that reads the HTML as a browser's tokenizer would and
// reports anything that could run, restyle the page, or call another host.
package contenttest

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// forbidden are elements that must never reach a reader: they run code,
// load other documents, submit data, or change how the page is parsed.
var forbidden = map[string]bool{
	"script": true, "style": true, "iframe": true, "frame": true, "frameset": true,
	"object": true, "embed": true, "applet": true, "param": true, "form": true,
	"input": true, "button": true, "textarea": true, "select": true, "option": true,
	"meta": true, "base": true, "link": true, "svg": true, "math": true,
	"template": true, "noscript": true, "noembed": true, "noframes": true,
	"xmp": true, "plaintext": true, "title": true, "audio": true, "video": true,
	"source": true, "track": true, "portal": true, "dialog": true,
}

// urlAttrs are attributes a browser follows as a URL.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "cite": true, "action": true, "formaction": true,
	"poster": true, "background": true, "xlink:href": true, "data": true,
	"codebase": true, "longdesc": true, "lowsrc": true, "dynsrc": true,
	"ping": true, "srcset": true, "manifest": true, "icon": true,
}

var badSchemes = []string{"javascript:", "data:", "vbscript:"}

var tableAlignRe = regexp.MustCompile(`(?i)^\s*text-align\s*:\s*(left|right|center)\s*;?\s*$`)

// NormalizeURL returns a URL attribute value as a browser's URL parser sees
// it: the tokenizer has already decoded character references; browsers then
// drop leading and trailing control characters and spaces and every tab and
// newline inside.
func NormalizeURL(v string) string {
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	return strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
}

// RootRelative reports whether a URL points at this site by path only:
// "/x" but not "//host/x" or "/\host/x" (which browsers read as "//host/x").
func RootRelative(v string) bool {
	v = NormalizeURL(v)
	return v == "/" || len(v) >= 2 && v[0] == '/' && v[1] != '/' && v[1] != '\\'
}

// Unsafe returns a description of each problem found in s, which is HTML
// meant to be shown to readers; nil when there is none. It reports
// forbidden elements, event handler attributes, javascript:, data: and
// vbscript: URLs, images not served from this site (root-relative src), and
// style attributes other than text-align on table cells.
func Unsafe(s string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				add("tokenizer: %v", z.Err())
			}
			return problems
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken && tt != html.EndTagToken {
			continue
		}
		tok := z.Token()
		name := strings.ToLower(tok.Data)
		if forbidden[name] {
			add("<%s> element", name)
		}
		if tt == html.EndTagToken {
			continue
		}
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			if a.Namespace != "" {
				key = strings.ToLower(a.Namespace) + ":" + key
			}
			switch {
			case strings.HasPrefix(key, "on"):
				add("<%s %s=%q>: event handler", name, a.Key, a.Val)
			case key == "style":
				if (name != "th" && name != "td") || !tableAlignRe.MatchString(a.Val) {
					add("<%s style=%q>: style attribute", name, a.Val)
				}
			case key == "srcdoc":
				add("<%s srcdoc>: inline document", name)
			}
			if urlAttrs[key] {
				u := strings.ToLower(NormalizeURL(a.Val))
				for _, scheme := range badSchemes {
					if strings.HasPrefix(u, scheme) {
						add("<%s %s=%q>: %s URL", name, a.Key, a.Val, strings.TrimSuffix(scheme, ":"))
					}
				}
			}
			if name == "img" {
				switch key {
				case "src":
					if !RootRelative(a.Val) {
						add("<img src=%q>: image not served from this site", a.Val)
					}
				case "srcset":
					add("<img srcset=%q>: srcset", a.Val)
				}
			}
		}
	}
}
