package content

import (
	"context"
	"html"
	"regexp"
	"strconv"
	"strings"
)

// A body figure is a Markdown image of the media library alone on its line:
//
//	![What the photo shows](/media/KEY "Caption | Credit")
//
// The renderer turns it into the same <figure><picture> the lead photo
// gets, with the image's widths, WebP variants and size, lazily loaded; the
// title is the caption and, after the last " | ", the credit. Anything else
// stays an ordinary Markdown image.

// BodyImages finds media library images by key, for the figures in a body.
type BodyImages interface {
	ImagesByKey(ctx context.Context, keys []string) (map[string]Image, error)
}

// MediaKeyPattern is the form of a media library key.
const MediaKeyPattern = `[a-z0-9][a-z0-9-]{0,100}`

var (
	figureLineRe = regexp.MustCompile(`(?m)^[ \t]*!\[[^\]\n]*\]\(/media/(` + MediaKeyPattern + `)(?:[ \t]+"[^"\n]*")?\)[ \t]*$`)
	// figureHTMLRe is goldmark's rendering of such a line.
	figureHTMLRe = regexp.MustCompile(`<p><img src="/media/(` + MediaKeyPattern + `)" alt="([^"]*)"(?: title="([^"]*)")?></p>`)
	// anyImageRe finds every Markdown image, for the alt text check.
	anyImageRe = regexp.MustCompile(`!\[([^\]\n]*)\]\(`)
)

// BodyImageKeys lists the media keys of a body's figures, each once.
func BodyImageKeys(markdown string) []string {
	var keys []string
	seen := map[string]bool{}
	for _, m := range figureLineRe.FindAllStringSubmatch(markdown, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			keys = append(keys, m[1])
		}
	}
	return keys
}

// ImagesWithoutAlt counts the images in a body that have no alt text.
func ImagesWithoutAlt(markdown string) int {
	n := 0
	for _, m := range anyImageRe.FindAllStringSubmatch(markdown, -1) {
		if strings.TrimSpace(m[1]) == "" {
			n++
		}
	}
	return n
}

// FigureMarkdown is the line that puts img in a body as a figure.
func FigureMarkdown(img Image) string {
	clean := func(s string) string {
		s = strings.Join(strings.Fields(s), " ")
		return strings.NewReplacer(`"`, "″", "[", "(", "]", ")", "|", "/").Replace(s)
	}
	title := clean(img.Caption)
	if c := clean(img.Credit); c != "" {
		title += " | " + c
	}
	line := "![" + clean(img.Alt) + "](/media/" + img.Key
	if title != "" {
		line += ` "` + title + `"`
	}
	return line + ")"
}

// figureSizes is how wide a body figure is shown: the column's width.
const figureSizes = "(min-width: 52rem) 48rem, 100vw"

// figures replaces goldmark's lone images of the media library with
// figures, before sanitizing; images not in images stay as they are.
func figures(out string, images map[string]Image) string {
	if len(images) == 0 {
		return out
	}
	return figureHTMLRe.ReplaceAllStringFunc(out, func(m string) string {
		sub := figureHTMLRe.FindStringSubmatch(m)
		im, ok := images[sub[1]]
		if !ok || len(im.Widths) == 0 {
			return m
		}
		alt, title := html.UnescapeString(sub[2]), html.UnescapeString(sub[3])
		caption, credit := title, ""
		if i := strings.LastIndex(title, " | "); i >= 0 {
			caption, credit = strings.TrimSpace(title[:i]), strings.TrimSpace(title[i+3:])
		}
		var b strings.Builder
		b.WriteString(`<figure class="body-figure"><picture>`)
		if im.WebP {
			b.WriteString(`<source type="image/webp" srcset="` + mediaSrcset(im, ".webp") + `" sizes="` + figureSizes + `">`)
		}
		b.WriteString(`<img src="` + mediaURL(im, nearestWidth(im, 960), ".jpg") + `" srcset="` + mediaSrcset(im, ".jpg") +
			`" sizes="` + figureSizes + `" width="` + strconv.Itoa(im.Width) + `" height="` + strconv.Itoa(im.Height) +
			`" alt="` + html.EscapeString(alt) + `" loading="lazy" decoding="async"></picture>`)
		if caption != "" || credit != "" {
			b.WriteString("<figcaption>" + html.EscapeString(caption))
			if caption != "" && credit != "" {
				b.WriteString(" — ")
			}
			if credit != "" {
				b.WriteString(`<span class="credit">` + html.EscapeString(credit) + "</span>")
			}
			b.WriteString("</figcaption>")
		}
		b.WriteString("</figure>")
		return b.String()
	})
}

func mediaURL(im Image, w int, ext string) string {
	return "/media/" + im.Key + "/" + strconv.Itoa(w) + ext
}

func mediaSrcset(im Image, ext string) string {
	parts := make([]string, len(im.Widths))
	for i, w := range im.Widths {
		parts[i] = mediaURL(im, w, ext) + " " + strconv.Itoa(w) + "w"
	}
	return strings.Join(parts, ", ")
}

// nearestWidth is the stored width closest above w, else the largest.
func nearestWidth(im Image, w int) int {
	best := 0
	for _, v := range im.Widths {
		if best == 0 || (v >= w && best < w) || (v <= w && v > best) {
			best = v
		}
	}
	return best
}

// WordsPerMinute is the reading speed the editor's reading time assumes.
const WordsPerMinute = 200

var linkTargetRe = regexp.MustCompile(`\]\([^)\n]*\)`)

// DraftCounts are the words of a Markdown body as typed, link and image
// addresses left out, and the minutes it takes to read; the editor's
// script counts the same way as the writer types.
func DraftCounts(markdown string) (words, minutes int) {
	words = countWords(linkTargetRe.ReplaceAllString(markdown, "]"))
	if words == 0 {
		return 0, 0
	}
	return words, (words + WordsPerMinute - 1) / WordsPerMinute
}
