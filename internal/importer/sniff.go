package importer

import (
	"bytes"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// What a file given to an importer looks like.
const (
	LooksWordPress = "a WordPress export"
	LooksGhost     = "a Ghost export"
	LooksRSS       = "an RSS feed"
	LooksAtom      = "an Atom feed"
	LooksHTML      = "an HTML page"
	LooksCSV       = "a CSV file"
	LooksJSON      = "a JSON file"
	LooksXML       = "an XML file"
	LooksOther     = "not text"
	LooksEmpty     = "empty"
)

var (
	firstTagRe = regexp.MustCompile(`<([A-Za-z][\w:.-]*)`)
	csvLineRe  = regexp.MustCompile(`^[^<>{}\n]*,[^<>{}\n]*\r?\n`)
)

// Sniff says what the start of a file looks like, so an importer given the
// wrong file can say what it is instead of failing on its first byte.
func Sniff(head []byte) string {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return LooksEmpty
	}
	if !utf8.Valid(trimmed[:max(0, len(trimmed)-utf8.UTFMax)]) {
		return LooksOther
	}
	switch trimmed[0] {
	case '{', '[':
		if bytes.Contains(head, []byte(`"db"`)) || (bytes.Contains(head, []byte(`"meta"`)) && bytes.Contains(head, []byte(`"data"`))) {
			return LooksGhost
		}
		return LooksJSON
	case '<':
		lower := bytes.ToLower(head)
		if bytes.Contains(lower, []byte("<!doctype html")) {
			return LooksHTML
		}
		// The first element that is not the XML declaration, a comment or
		// a processing instruction.
		for _, m := range firstTagRe.FindAllSubmatch(lower, -1) {
			switch string(m[1]) {
			case "rss":
				if bytes.Contains(lower, []byte("wordpress.org/export/")) {
					return LooksWordPress
				}
				return LooksRSS
			case "feed":
				return LooksAtom
			case "html", "head", "body":
				return LooksHTML
			case "rdf:rdf":
				return LooksRSS
			}
			return LooksXML
		}
		return LooksXML
	}
	if csvLineRe.Match(trimmed) {
		return LooksCSV
	}
	return LooksOther
}

// wrongFile is the error for a file of the wrong kind.
func wrongFile(name, looks, want, hint string) error {
	msg := fmt.Sprintf("%s is %s, not %s", name, looks, want)
	if hint != "" {
		msg += ": " + hint
	}
	return fmt.Errorf("%s", msg)
}
