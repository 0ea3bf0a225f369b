package content

import (
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
)

// headingIDs names headings for their anchors in any script: "Что дальше?"
// becomes "что-дальше", where goldmark's own generator keeps ASCII letters
// only and made "--" of it. Latin headings get the anchors goldmark gave
// them, except that runs of hyphens are one and none leads or trails.
type headingIDs struct {
	seen map[string]bool
}

var _ parser.IDs = (*headingIDs)(nil)

func newHeadingIDs() *headingIDs { return &headingIDs{seen: map[string]bool{}} }

func (h *headingIDs) Generate(value []byte, kind ast.NodeKind) []byte {
	out := make([]byte, 0, len(value))
	hyphen := false
	for len(value) > 0 {
		r, n := utf8.DecodeRune(value)
		value = value[n:]
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if hyphen && len(out) > 0 {
				out = append(out, '-')
			}
			hyphen = false
			out = utf8.AppendRune(out, unicode.ToLower(r))
		case unicode.IsSpace(r) || r == '-' || r == '_':
			hyphen = true
		}
	}
	if len(out) == 0 {
		if kind == ast.KindHeading {
			out = []byte("heading")
		} else {
			out = []byte("id")
		}
	}
	id := string(out)
	for i := 1; h.seen[id]; i++ {
		id = string(out) + "-" + strconv.Itoa(i)
	}
	h.seen[id] = true
	return []byte(id)
}

func (h *headingIDs) Put(value []byte) { h.seen[string(value)] = true }
