package admin

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/samizdat-press/samizdat/internal/i18n"
)

// The content package checks articles, sections and bylines and says what
// is wrong in the code's language, English, as a predicate of the field
// ("is required"). fieldProblem turns its messages into sentences in the
// page's language; one it does not know stays in English, joined to the
// label as before.

var (
	tooLongRe  = regexp.MustCompile(`^is too long \((\d+) characters, at most (\d+)\)$`)
	reservedRe = regexp.MustCompile(`^"(.*)" is used by the site itself$`)
)

// fieldProblem is the sentence for content's message msg about the field
// labelled label (already in loc's language).
func fieldProblem(loc *i18n.Locale, label, msg string) string {
	switch msg {
	case "is required":
		return loc.T("%s is required.", label)
	case "is required to publish":
		return loc.T("%s is required to publish.", label)
	case "is not valid UTF-8 text":
		return loc.T("%s is not valid text.", label)
	case "must be lowercase letters, digits and hyphens":
		return loc.T("%s must be lowercase letters, digits and hyphens.", label)
	case "is the address of a static page":
		return loc.T("%s is the address of a static page. Change it, or the page's.", label)
	case "has an image without alt text":
		return loc.T("%s has an image without alt text, so it cannot be published: between the brackets of ![…](…), describe what the image shows. To keep your work meanwhile, save it as a draft.", label)
	case "describe the photo for readers who cannot see it":
		return loc.T("%s: describe the photo for readers who cannot see it.", label)
	}
	if m := tooLongRe.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		limit, _ := strconv.Atoi(m[2])
		return tooLong(loc, label, n, limit)
	}
	if m := reservedRe.FindStringSubmatch(msg); m != nil {
		return loc.T("%s: \"%s\" is used by the site itself.", label, m[1])
	}
	for _, p := range []string{"is ", "must ", "can ", "needs "} {
		if strings.HasPrefix(msg, p) {
			return label + " " + msg + "."
		}
	}
	return label + ": " + msg + "."
}
