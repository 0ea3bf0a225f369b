package importer

import (
	"html"
	"regexp"
	"strings"
)

// This file reads the two ways WordPress stores a post's text: the block
// editor's HTML with <!-- wp:… --> comments, and the classic editor's
// text, whose paragraphs are blank lines that WordPress's wpautop turns
// into <p> when it shows the post.

var (
	blockCommentRe = regexp.MustCompile(`<!--\s*/?wp:([a-z0-9/-]+)(?:\s[^>]*?)?(/)?\s*-->`)
	// A shortcode: [name attrs], [name attrs /] or [/name]; [[name]] is
	// WordPress's escape for a literal one.
	shortcodeRe = regexp.MustCompile(`\[(\[?)(/?)([a-zA-Z][a-zA-Z0-9_-]*)((?:\s[^\]]*)?)(/?)\](\]?)`)
	captionRe   = regexp.MustCompile(`(?s)\[(?:wp_)?caption([^\]]*)\](.*?)\[/(?:wp_)?caption\]`)
	captionAttr = regexp.MustCompile(`caption\s*=\s*(?:"([^"]*)"|'([^']*)')`)
	imgOrLinkRe = regexp.MustCompile(`(?is)^\s*((?:<a\s[^>]*>\s*)?<img\s[^>]*>(?:\s*</a>)?)(.*)$`)
	autopBlock  = `(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)`
	blockOpenRe = regexp.MustCompile(`(?i)(<` + autopBlock + `[\s/>])`)
	blockEndRe  = regexp.MustCompile(`(?i)(</` + autopBlock + `>)`)
	startsBlock = regexp.MustCompile(`(?i)^<` + autopBlock + `[\s/>]`)
)

// knownShortcodes are those of WordPress itself and the commonest plugins:
// an unknown [word] in prose is left as text, as WordPress leaves it.
var knownShortcodes = map[string]bool{
	"gallery": true, "embed": true, "audio": true, "video": true, "playlist": true,
	"wpvideo": true, "youtube": true, "vimeo": true, "contact-form-7": true, "contact-form": true,
	"gravityform": true, "soundcloud": true, "twitter": true, "tweet": true, "instagram": true,
	"googlemaps": true, "pdf-embedder": true, "vc_row": true, "vc_column": true, "vc_column_text": true,
	"et_pb_section": true, "et_pb_row": true, "et_pb_column": true, "et_pb_text": true,
}

// WordPressHTML turns a post's content as exported into HTML: block
// comments dropped (a dynamic block, which has no HTML of its own, is
// reported), classic text given its paragraphs, [caption] made a figure
// with its figcaption, and every other shortcode dropped, keeping any
// text it wraps, and reported.
func WordPressHTML(text string, report func(what string)) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	blocks := strings.Contains(text, "<!-- wp:")
	text = blockCommentRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := blockCommentRe.FindStringSubmatch(m)
		if sub[2] == "/" && report != nil {
			report("block wp:" + sub[1] + " (made by WordPress when shown; no HTML in the export)")
		}
		return ""
	})
	text = captionRe.ReplaceAllStringFunc(text, caption)
	text = shortcodes(text, report)
	if !blocks {
		text = autop(text)
	}
	return text
}

// caption makes a figure of [caption]<img> Text[/caption] or of
// [caption caption="Text"]<img>[/caption].
func caption(m string) string {
	sub := captionRe.FindStringSubmatch(m)
	attrs, inner := sub[1], sub[2]
	parts := imgOrLinkRe.FindStringSubmatch(inner)
	if parts == nil {
		return inner
	}
	img, text := parts[1], strings.TrimSpace(parts[2])
	if a := captionAttr.FindStringSubmatch(attrs); a != nil && text == "" {
		text = html.EscapeString(html.UnescapeString(a[1] + a[2]))
	}
	if text == "" {
		return "<figure>" + img + "</figure>"
	}
	return "<figure>" + img + "<figcaption>" + text + "</figcaption></figure>"
}

func shortcodes(text string, report func(string)) string {
	return shortcodeRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := shortcodeRe.FindStringSubmatch(m)
		if sub[1] == "[" && sub[6] == "]" {
			return m[1 : len(m)-1] // [[name]]: a literal shortcode
		}
		name := strings.ToLower(sub[3])
		closing := strings.Contains(text, "[/"+sub[3]+"]")
		if !knownShortcodes[name] && !closing && !strings.Contains(sub[4], "=") {
			return m // [sic], [1]: prose
		}
		if sub[2] == "" && report != nil {
			report("shortcode [" + name + "]")
		}
		return ""
	})
}

// autop is WordPress's wpautop, reduced to what matters for stored text:
// blank lines part paragraphs, a single newline inside one is a <br>, and
// block-level HTML is left as it is.
func autop(text string) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	// Keep <pre> as written: its newlines are its content.
	var pres []string
	text = preRe.ReplaceAllStringFunc(text, func(p string) string {
		pres = append(pres, p)
		return "\n\n<pre-" + itoa(len(pres)-1) + ">\n\n"
	})
	text = blockOpenRe.ReplaceAllString(text, "\n\n$1")
	text = blockEndRe.ReplaceAllString(text, "$1\n\n")
	var b strings.Builder
	for para := range strings.SplitSeq(text, "\n\n") {
		para = strings.TrimSpace(para)
		switch {
		case para == "":
		case strings.HasPrefix(para, "<pre-") && strings.HasSuffix(para, ">"):
			n := 0
			for _, r := range para[5 : len(para)-1] {
				n = n*10 + int(r-'0')
			}
			if n >= 0 && n < len(pres) {
				b.WriteString(pres[n])
				b.WriteByte('\n')
			}
		case startsBlock.MatchString(para) || strings.HasPrefix(para, "</"):
			b.WriteString(para)
			b.WriteByte('\n')
		default:
			lines := strings.Split(para, "\n")
			for i := range lines {
				lines[i] = strings.TrimSpace(lines[i])
			}
			b.WriteString("<p>" + strings.Join(lines, "<br>\n") + "</p>\n")
		}
	}
	return b.String()
}
