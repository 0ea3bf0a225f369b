package importer

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Report is what an import did, for the person running it.
type Report struct {
	Source  string
	DryRun  bool
	Counts  map[string]*Count // by kind: post, page, author, section, member
	Skipped map[string]int    // by reason
	// Ignored counts what the importer reads past on purpose: comments,
	// menus, attachments, other post types.
	Ignored   map[string]int
	Reported  map[string]int // markup that was dropped: shortcodes, dynamic blocks
	Missing   []Missing      // images that could not be found
	Renamed   []Renamed      // slugs changed because they were taken
	Notes     []string       // items stored with less than they had
	Failed    []string       // items not stored, with why
	Redirects int            // old addresses given a redirect
}

// Count is created, updated and unchanged items of one kind.
type Count struct{ Created, Updated, Unchanged int }

// Missing is an image an item refers to that could not be found.
type Missing struct{ Item, Src string }

// Renamed is a slug the import had to change.
type Renamed struct{ Item, From, To string }

// NewReport returns an empty report.
func NewReport(source string) *Report {
	return &Report{Source: source, Counts: map[string]*Count{}, Skipped: map[string]int{},
		Ignored: map[string]int{}, Reported: map[string]int{}}
}

func (r *Report) counts(kind string) *Count {
	c := r.Counts[kind]
	if c == nil {
		c = &Count{}
		r.Counts[kind] = c
	}
	return c
}

func describe(d *Doc) string {
	s := fmt.Sprintf("%s %s", d.Kind, d.SourceID)
	if d.Title != "" {
		s += fmt.Sprintf(" %q", d.Title)
	}
	if d.Where != "" {
		s += " (" + d.Where + ")"
	}
	return s
}

func (r *Report) skip(d *Doc, reason string) {
	r.Skipped[reason]++
}

// Skip counts an item left out, by reason.
func (r *Report) Skip(reason string) { r.Skipped[reason]++ }

// Ignore counts something read past on purpose.
func (r *Report) Ignore(what string, n int) {
	if n > 0 {
		r.Ignored[what] += n
	}
}

// Dropped counts markup dropped from a body.
func (r *Report) Dropped(what string) { r.Reported[what]++ }

func (r *Report) fail(d *Doc, err error) {
	r.Failed = append(r.Failed, describe(d)+": "+err.Error())
}

func (r *Report) note(d *Doc, what string) {
	r.Notes = append(r.Notes, describe(d)+": "+what)
}

func (r *Report) missing(d *Doc, src string) {
	r.Missing = append(r.Missing, Missing{Item: describe(d), Src: src})
}

// Print writes the report.
func (r *Report) Print(w io.Writer) {
	verb := "imported"
	if r.DryRun {
		verb = "dry run, nothing written; would have imported"
	}
	fmt.Fprintf(w, "%s from %s:\n", verb, r.Source)
	for _, kind := range []string{KindPost, KindPage, KindSection, KindAuthor, "member"} {
		c, ok := r.Counts[kind]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "  %ss: %d created, %d updated, %d unchanged\n", kind, c.Created, c.Updated, c.Unchanged)
	}
	fmt.Fprintf(w, "  redirects: %d old addresses\n", r.Redirects)
	skipped := 0
	for _, n := range r.Skipped {
		skipped += n
	}
	fmt.Fprintf(w, "  skipped: %d\n", skipped)
	for _, k := range slices.Sorted(maps.Keys(r.Skipped)) {
		fmt.Fprintf(w, "    %d %s\n", r.Skipped[k], k)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Ignored)) {
		fmt.Fprintf(w, "  not imported: %d %s\n", r.Ignored[k], k)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Reported)) {
		fmt.Fprintf(w, "  dropped from bodies: %s ×%d\n", k, r.Reported[k])
	}
	fmt.Fprintf(w, "  images missing: %d\n", len(r.Missing))
	for _, m := range r.Missing {
		fmt.Fprintf(w, "    %s: %s\n", m.Item, m.Src)
	}
	if len(r.Renamed) > 0 {
		fmt.Fprintf(w, "  slugs taken, suffixed: %d\n", len(r.Renamed))
		for _, x := range r.Renamed {
			fmt.Fprintf(w, "    %s: %s → %s\n", x.Item, x.From, x.To)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if len(r.Failed) > 0 {
		fmt.Fprintf(w, "  failed: %d\n", len(r.Failed))
		for _, f := range r.Failed {
			fmt.Fprintf(w, "    %s\n", strings.TrimSpace(f))
		}
	}
}
