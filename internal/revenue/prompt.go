package revenue

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Placement is where on a page a prompt appears.
type Placement string

// The placements. At most one prompt per placement per page.
const (
	TopBanner    Placement = "top"
	EndOfArticle Placement = "end"
	Inline       Placement = "inline" // after paragraph N of the body
)

// Placements lists them in a fixed order: a placement's index is its bit
// in the page variant.
var Placements = []Placement{TopBanner, EndOfArticle, Inline}

// Index returns p's position in Placements, or -1.
func (p Placement) Index() int { return slices.Index(Placements, p) }

// Label names p for the admin.
func (p Placement) Label() string {
	switch p {
	case TopBanner:
		return "Top banner"
	case EndOfArticle:
		return "End of article"
	case Inline:
		return "Inline, after paragraph N"
	}
	return string(p)
}

// Audience is who a prompt is for.
type Audience string

// The audiences.
const (
	Everyone      Audience = "everyone"
	NonSupporters Audience = "non-supporters"
	Supporters    Audience = "supporters"
)

// Audiences lists them for the admin.
var Audiences = []Audience{NonSupporters, Everyone, Supporters}

// Cap limits how often one reader sees a prompt.
type Cap string

// The frequency caps. A capped prompt, once shown, stays away for the
// period, exactly as if the reader had snoozed it for that long.
const (
	EveryPage  Cap = "page"
	OnceADay   Cap = "day"
	OnceAWeek  Cap = "week"
	capDayLen      = 24 * time.Hour
	capWeekLen     = 7 * 24 * time.Hour
)

// Caps lists them for the admin.
var Caps = []Cap{EveryPage, OnceADay, OnceAWeek}

// Period is how long a shown prompt stays away; 0 for EveryPage.
func (c Cap) Period() time.Duration {
	switch c {
	case OnceADay:
		return capDayLen
	case OnceAWeek:
		return capWeekLen
	}
	return 0
}

// Campaign groups prompts and runs from Starts to Ends.
type Campaign struct {
	ID     int64
	Name   string
	Starts time.Time
	Ends   time.Time // zero: open-ended
}

// Running reports whether the campaign runs at t.
func (c Campaign) Running(t time.Time) bool {
	return !t.Before(c.Starts) && (c.Ends.IsZero() || t.Before(c.Ends))
}

// ErrEndBeforeStart is what Validate says of a campaign that ends before it starts.
var ErrEndBeforeStart = errors.New("the end date is before the start date")

// Validate checks a campaign's fields.
func (c *Campaign) Validate() map[string]string {
	errs := map[string]string{}
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" || utf8.RuneCountInString(c.Name) > 120 {
		errs["name"] = "Give the campaign a name of at most 120 characters."
	}
	if c.Starts.IsZero() {
		errs["starts"] = "Give a start date."
	}
	if !c.Ends.IsZero() && !c.Ends.After(c.Starts) {
		errs["ends"] = "The end date is before the start date: the campaign would never run. Choose an end after " + c.Starts.UTC().Format("2 January 2006") + "."
	}
	return errs
}

// Variant is one version of a prompt's copy. Readers are split between a
// prompt's variants by Weight; reports compare them.
type Variant struct {
	ID       int64
	PromptID int64
	Slot     int // 0..MaxVariants-1, its place in the admin form
	Title    string
	Body     string // Markdown, as written
	BodyHTML string // sanitized at save, like an article body
	Button   string
	Snooze   string // the "Remind me later" label
	Weight   int    // 0 switches the variant off
}

// MaxVariants is how many copy variants a prompt may have.
const MaxVariants = 3

// Prompt is one appeal: where it shows, to whom, how often, and with which
// copy. Amounts and Frequency are passed to the support page it links to.
type Prompt struct {
	ID         int64
	CampaignID int64
	Name       string
	Placement  Placement
	Paragraph  int // Inline: shown after this paragraph of the body
	Amounts    []int64
	Frequency  Frequency
	Audience   Audience
	ThankYou   string // shown to supporters instead, when the audience excludes them; empty: nothing
	MinRead    int    // articles read this month before the page
	Sections   []string
	Languages  []string
	Cap        Cap
	Priority   int // higher wins a placement
	ShowMeter  bool
	// SnoozeDays is how long "Remind me later" holds the placement for
	// the reader: 0 means DefaultSnooze.
	SnoozeDays int
	Variants   []Variant
}

// Snooze is how long the prompt's "Remind me later" lasts.
func (p *Prompt) Snooze() time.Duration {
	return ClampSnooze(time.Duration(p.SnoozeDays) * 24 * time.Hour)
}

// Validate checks a prompt's fields and trims its copy; the map names each
// bad field's form field with a message.
func (p *Prompt) Validate() map[string]string {
	errs := map[string]string{}
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || utf8.RuneCountInString(p.Name) > 120 {
		errs["name"] = "Give the prompt a name of at most 120 characters (readers do not see it)."
	}
	if p.Placement.Index() < 0 {
		errs["placement"] = "Choose a placement."
	}
	if p.Placement == Inline && (p.Paragraph < 1 || p.Paragraph > 50) {
		errs["paragraph"] = "Give the paragraph after which the prompt appears, from 1 to 50."
	}
	if len(p.Amounts) == 0 || len(p.Amounts) > 5 {
		errs["amounts"] = "Give one to five suggested amounts, e.g. 5, 10, 20."
	}
	for _, a := range p.Amounts {
		if a < 1 || a > 1_000_000 {
			errs["amounts"] = "Suggested amounts are whole numbers from 1 to 1,000,000."
		}
	}
	if !p.Frequency.Valid() {
		errs["frequency"] = "Choose a default frequency."
	}
	if !slices.Contains(Audiences, p.Audience) {
		errs["audience"] = "Choose who sees the prompt."
	}
	if !slices.Contains(Caps, p.Cap) {
		errs["cap"] = "Choose how often a reader sees it."
	}
	if p.MinRead < 0 || p.MinRead > 1000 {
		errs["min_read"] = "Articles read is a number from 0 to 1000."
	}
	if p.SnoozeDays < 0 || time.Duration(p.SnoozeDays)*24*time.Hour > MaxSnooze {
		errs["snooze_days"] = fmt.Sprintf("\"Remind me later\" lasts from 1 to %d days (0: the default, %d).", int(MaxSnooze/(24*time.Hour)), int(DefaultSnooze/(24*time.Hour)))
	}
	if p.Priority < -1000 || p.Priority > 1000 {
		errs["priority"] = "Priority is a number from -1000 to 1000."
	}
	if utf8.RuneCountInString(p.ThankYou) > 300 {
		errs["thank_you"] = "The thank-you line is at most 300 characters."
	}
	live := 0
	for i := range p.Variants {
		v := &p.Variants[i]
		v.Title, v.Button, v.Snooze = strings.TrimSpace(v.Title), strings.TrimSpace(v.Button), strings.TrimSpace(v.Snooze)
		if v.Weight < 0 || v.Weight > 100 {
			errs[fmt.Sprintf("v%d_weight", v.Slot)] = "Weight is a number from 0 to 100."
		}
		if v.Weight == 0 {
			continue
		}
		live++
		if v.Title == "" || utf8.RuneCountInString(v.Title) > 200 {
			errs[fmt.Sprintf("v%d_title", v.Slot)] = "A variant in use needs a title of at most 200 characters."
		}
		if utf8.RuneCountInString(v.Body) > 4000 {
			errs[fmt.Sprintf("v%d_body", v.Slot)] = "The body is at most 4000 characters."
		}
		if v.Button == "" || utf8.RuneCountInString(v.Button) > 60 {
			errs[fmt.Sprintf("v%d_button", v.Slot)] = "A variant in use needs a button label of at most 60 characters."
		}
		if utf8.RuneCountInString(v.Snooze) > 60 {
			errs[fmt.Sprintf("v%d_snooze", v.Slot)] = "The snooze label is at most 60 characters."
		}
	}
	if live == 0 {
		errs["v0_weight"] = "At least one variant needs a weight above 0."
	}
	return errs
}

// PageInfo is what targeting knows about the page being rendered.
type PageInfo struct {
	Path    string
	Section string // slug; empty off articles
	Lang    string
	// MainLang is the site's main language: a prompt that names no
	// language is written in it, and is not shown on pages in another.
	MainLang string
	Article  bool
}

// ReaderView is the reader's state as a page variant sees it: not the
// reader's exact numbers, only the coarse facts the variant key holds.
type ReaderView struct {
	Supporter bool
	Hidden    [3]bool // per placement (index as in Placements): snoozed or capped
	Read      int     // articles read this month, rounded down to a bucket threshold
}

// Matches reports whether p targets this page and reader, ignoring
// snoozes (Choose handles them per placement) and the supporter swap for
// a thank-you line.
func (p *Prompt) Matches(page PageInfo, r ReaderView) bool {
	switch p.Audience {
	case NonSupporters:
		if r.Supporter {
			return false
		}
	case Supporters:
		if !r.Supporter {
			return false
		}
	}
	if p.Placement != TopBanner && !page.Article {
		return false
	}
	if r.Read < p.MinRead {
		return false
	}
	if len(p.Sections) > 0 && !slices.Contains(p.Sections, page.Section) {
		return false
	}
	langs := p.Languages
	if len(langs) == 0 && page.MainLang != "" {
		langs = []string{page.MainLang}
	}
	if len(langs) > 0 && !slices.Contains(langs, page.Lang) {
		return false
	}
	return true
}

// Shown is one prompt on a rendered page: what the page shows, so that
// serving it (even from the cache) can count an impression and apply a cap.
type Shown struct {
	Placement Placement
	Prompt    int64
	Variant   int64
	Cap       Cap
	ThankYou  bool // the supporters' thank-you line: no counting, no cap
}

// Choice is a prompt chosen for a placement and its variant's copy.
type Choice struct {
	Prompt   *Prompt
	Variant  *Variant
	ThankYou bool
}

// Choose picks, for each placement, the highest-priority matching prompt
// (ties: the lower ID) from prompts, skipping placements the reader has
// snoozed, and a copy variant for it by weight. A supporter who does not
// match a non-supporters prompt that has a thank-you line gets the line.
func Choose(prompts []*Prompt, page PageInfo, r ReaderView) map[Placement]Choice {
	out := map[Placement]Choice{}
	for i, pl := range Placements {
		if r.Hidden[i] {
			continue
		}
		var best *Prompt
		thanks := false
		for _, p := range prompts {
			if p.Placement != pl {
				continue
			}
			ok := p.Matches(page, r)
			ty := false
			if !ok && r.Supporter && p.Audience == NonSupporters && p.ThankYou != "" {
				// A supporter sees the thank-you line where the appeal would be.
				q := *p
				q.Audience = Everyone
				ok, ty = q.Matches(page, r), true
			}
			if !ok {
				continue
			}
			if best == nil || p.Priority > best.Priority || p.Priority == best.Priority && p.ID < best.ID {
				best, thanks = p, ty
			}
		}
		if best == nil {
			continue
		}
		c := Choice{Prompt: best, ThankYou: thanks}
		if !thanks {
			c.Variant = PickVariant(best, page.Path)
			if c.Variant == nil {
				continue
			}
		}
		out[pl] = c
	}
	return out
}

// PickVariant chooses a copy variant by weight, deterministically from the
// page's path and the prompt: every reader in the same state sees the same
// copy on the same page, so the choice can be cached with the page, while
// across the site's many pages the variants are shown in proportion to
// their weights. A random pick per cache fill would serve one variant for
// as long as a hot page stays cached, skewing the split toward whatever
// was drawn at the fill; a hash of the path splits by page instead.
func PickVariant(p *Prompt, path string) *Variant {
	total := 0
	for _, v := range p.Variants {
		total += max(0, v.Weight)
	}
	if total == 0 {
		return nil
	}
	h := fnv.New32a()
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(p.ID, 10)))
	n := int(h.Sum32() % uint32(total))
	for i := range p.Variants {
		v := &p.Variants[i]
		if v.Weight <= 0 {
			continue
		}
		if n < v.Weight {
			return v
		}
		n -= v.Weight
	}
	return nil
}

// SupportURL is the support page link the prompt's button leads to, in
// the form the support page parses: amounts in major units.
func SupportURL(p *Prompt, v *Variant) string {
	var b strings.Builder
	b.WriteString("/support?frequency=")
	b.WriteString(string(p.Frequency))
	b.WriteString("&amounts=")
	for i, a := range p.Amounts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(a, 10))
	}
	fmt.Fprintf(&b, "&campaign=%d&prompt=%d&variant=%d", p.CampaignID, p.ID, v.ID)
	return b.String()
}

// ParseAmounts reads "5, 10, 20" (major units).
func ParseAmounts(s string) ([]int64, error) {
	var out []int64
	for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// JoinAmounts writes amounts as the admin form shows them.
func JoinAmounts(a []int64) string {
	s := make([]string, len(a))
	for i, n := range a {
		s[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(s, ", ")
}
