package importer

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Report is what an import did, for the person running it. Its methods
// are safe for concurrent use: an import reads the next item while it
// stores the one before.
type Report struct {
	mu      sync.Mutex
	Source  string
	DryRun  bool
	Counts  map[string]*Count // by kind: post, page, author, section, member
	Skipped map[string]int    // by reason
	// Ignored counts what the importer reads past on purpose: comments,
	// menus, attachments, other post types.
	Ignored   map[string]int
	Reported  map[string]int // markup that was dropped: shortcodes, dynamic blocks
	Missing   []Missing      // images that could not be found, the first MaxListed
	MissingN  int            // all of them
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

// MaxListed bounds the images listed as missing: the count goes on, so a
// large export's report (and memory) stays small.
const MaxListed = 200

// NewReport returns an empty report.
func NewReport(source string) *Report {
	return &Report{Source: source, Counts: map[string]*Count{}, Skipped: map[string]int{},
		Ignored: map[string]int{}, Reported: map[string]int{}}
}

func (r *Report) counts(kind string) *Count {
	r.mu.Lock()
	defer r.mu.Unlock()
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

func (r *Report) skip(d *Doc, reason string) { r.Skip(reason) }

// Skip counts an item left out, by reason.
func (r *Report) Skip(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Skipped[reason]++
}

// Ignore counts something read past on purpose.
func (r *Report) Ignore(what string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n > 0 {
		r.Ignored[what] += n
	}
}

// Dropped counts markup dropped from a body.
func (r *Report) Dropped(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Reported[what]++
}

// Fail lists an item that could not be stored.
func (r *Report) Fail(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Failed = append(r.Failed, what)
}

func (r *Report) fail(d *Doc, err error) { r.Fail(describe(d) + ": " + err.Error()) }

func (r *Report) note(d *Doc, what string) { r.addNote(describe(d) + ": " + what) }

func (r *Report) addNote(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Notes = append(r.Notes, s)
}

func (r *Report) rename(x Renamed) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Renamed = append(r.Renamed, x)
}

func (r *Report) addRedirects(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Redirects += n
}

func (r *Report) missing(d *Doc, src string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.MissingN++
	if len(r.Missing) < MaxListed {
		r.Missing = append(r.Missing, Missing{Item: describe(d), Src: src})
	}
}

// Print writes the report.
func (r *Report) Print(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
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
	fmt.Fprintf(w, "  images missing: %d\n", r.MissingN)
	for _, m := range r.Missing {
		fmt.Fprintf(w, "    %s: %s\n", m.Item, m.Src)
	}
	if r.MissingN > len(r.Missing) {
		fmt.Fprintf(w, "    … and %d more\n", r.MissingN-len(r.Missing))
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
