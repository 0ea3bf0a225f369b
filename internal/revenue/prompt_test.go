package revenue

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/secret"
)

func testPrompt(id int64, pl Placement, mod func(p *Prompt)) *Prompt {
	p := &Prompt{ID: id, CampaignID: 1, Name: "p", Placement: pl, Amounts: []int64{2, 5}, Frequency: Monthly,
		Audience: NonSupporters, Cap: EveryPage,
		Variants: []Variant{{ID: id * 10, Slot: 0, Title: "Help", Button: "Give", Snooze: "Later", Weight: 1}}}
	if mod != nil {
		mod(p)
	}
	return p
}

func TestTargeting(t *testing.T) {
	article := PageInfo{Path: "/2026/11/01/a", Section: "news", Lang: "en", Article: true}
	for _, tc := range []struct {
		name   string
		prompt *Prompt
		page   PageInfo
		reader ReaderView
		want   bool
	}{
		{"non-supporters: anonymous sees it", testPrompt(1, EndOfArticle, nil), article, ReaderView{}, true},
		{"non-supporters: supporter does not", testPrompt(1, EndOfArticle, nil), article, ReaderView{Supporter: true}, false},
		{"supporters: supporter sees it", testPrompt(1, EndOfArticle, func(p *Prompt) { p.Audience = Supporters }), article, ReaderView{Supporter: true}, true},
		{"supporters: anonymous does not", testPrompt(1, EndOfArticle, func(p *Prompt) { p.Audience = Supporters }), article, ReaderView{}, false},
		{"everyone: supporter", testPrompt(1, EndOfArticle, func(p *Prompt) { p.Audience = Everyone }), article, ReaderView{Supporter: true}, true},
		{"everyone: anonymous", testPrompt(1, EndOfArticle, func(p *Prompt) { p.Audience = Everyone }), article, ReaderView{}, true},
		{"min read not reached", testPrompt(1, EndOfArticle, func(p *Prompt) { p.MinRead = 3 }), article, ReaderView{Read: 2}, false},
		{"min read reached", testPrompt(1, EndOfArticle, func(p *Prompt) { p.MinRead = 3 }), article, ReaderView{Read: 3}, true},
		{"section listed", testPrompt(1, EndOfArticle, func(p *Prompt) { p.Sections = []string{"culture", "news"} }), article, ReaderView{}, true},
		{"section not listed", testPrompt(1, EndOfArticle, func(p *Prompt) { p.Sections = []string{"culture"} }), article, ReaderView{}, false},
		{"language listed", testPrompt(1, EndOfArticle, func(p *Prompt) { p.Languages = []string{"en"} }), article, ReaderView{}, true},
		{"language not listed", testPrompt(1, EndOfArticle, func(p *Prompt) { p.Languages = []string{"ru"} }), article, ReaderView{}, false},
		{"end of article off articles", testPrompt(1, EndOfArticle, nil), PageInfo{Path: "/"}, ReaderView{}, false},
		{"top banner off articles", testPrompt(1, TopBanner, nil), PageInfo{Path: "/"}, ReaderView{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.prompt.Matches(tc.page, tc.reader); got != tc.want {
				t.Errorf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestChoose(t *testing.T) {
	article := PageInfo{Path: "/2026/11/01/a", Section: "news", Lang: "en", Article: true}
	low := testPrompt(1, EndOfArticle, nil)
	high := testPrompt(2, EndOfArticle, func(p *Prompt) { p.Priority = 5 })
	newsOnly := testPrompt(3, EndOfArticle, func(p *Prompt) { p.Priority = 9; p.Sections = []string{"culture"} })
	top := testPrompt(4, TopBanner, func(p *Prompt) { p.ThankYou = "Thank you!" })
	inline := testPrompt(5, Inline, func(p *Prompt) { p.Paragraph = 2; p.Variants[0].Weight = 0 })
	all := []*Prompt{low, high, newsOnly, top, inline}
	for _, tc := range []struct {
		name   string
		reader ReaderView
		want   map[Placement]int64 // prompt ID per placement; 0: none
		thanks bool
	}{
		{"highest priority that matches wins", ReaderView{}, map[Placement]int64{EndOfArticle: 2, TopBanner: 4}, false},
		{"snoozed end placement stays empty, top still shows", ReaderView{Hidden: [3]bool{false, true, false}}, map[Placement]int64{TopBanner: 4}, false},
		{"snoozed top, end still shows", ReaderView{Hidden: [3]bool{true, false, false}}, map[Placement]int64{EndOfArticle: 2}, false},
		{"supporter gets the thank-you line only", ReaderView{Supporter: true}, map[Placement]int64{TopBanner: 4}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Choose(all, article, tc.reader)
			if len(got) != len(tc.want) {
				t.Fatalf("chose %d placements, want %d: %+v", len(got), len(tc.want), got)
			}
			for pl, id := range tc.want {
				c := got[pl]
				if c.Prompt == nil || c.Prompt.ID != id {
					t.Errorf("%s: got %+v, want prompt %d", pl, c.Prompt, id)
					continue
				}
				if c.ThankYou != tc.thanks {
					t.Errorf("%s: thank-you = %v", pl, c.ThankYou)
				}
			}
		})
	}
}

// TestFrequencyCaps follows one reader over time: each cap keeps the prompt
// away for its period after it was shown, and Snapshot.View maps the hold
// into the page variant.
func TestFrequencyCaps(t *testing.T) {
	start := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		cap    Cap
		after  time.Duration // since the prompt was shown
		hidden bool
	}{
		{EveryPage, 0, false},
		{EveryPage, time.Minute, false},
		{OnceADay, time.Minute, true},
		{OnceADay, 23 * time.Hour, true},
		{OnceADay, 24*time.Hour + time.Second, false},
		{OnceAWeek, 6 * 24 * time.Hour, true},
		{OnceAWeek, 7*24*time.Hour + time.Second, false},
	} {
		t.Run(string(tc.cap)+"/"+tc.after.String(), func(t *testing.T) {
			p := testPrompt(7, EndOfArticle, func(p *Prompt) { p.Cap = tc.cap })
			snap := NewSnapshot([]*Prompt{p})
			var st State
			if d := tc.cap.Period(); d > 0 {
				st.Hold(p.Placement, p.ID, start.Add(d))
			}
			v, _ := snap.View(st, false, start.Add(tc.after))
			if v.Hidden[EndOfArticle.Index()] != tc.hidden {
				t.Errorf("hidden = %v, want %v", v.Hidden[EndOfArticle.Index()], tc.hidden)
			}
		})
	}
}

func TestViewBucketsAndCodes(t *testing.T) {
	now := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	snap := NewSnapshot([]*Prompt{
		testPrompt(1, EndOfArticle, func(p *Prompt) { p.MinRead = 3 }),
		testPrompt(2, TopBanner, func(p *Prompt) { p.MinRead = 10 }),
	})
	for _, tc := range []struct {
		name string
		st   State
		read int
	}{
		{"no cookie", State{}, 0},
		{"two read", State{Month: 202611, Read: 2}, 0},
		{"three read", State{Month: 202611, Read: 3}, 3},
		{"nine read", State{Month: 202611, Read: 9}, 3},
		{"fifty read", State{Month: 202611, Read: 50}, 10},
		{"last month's count", State{Month: 202610, Read: 50}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, code := snap.View(tc.st, false, now)
			if v.Read != tc.read {
				t.Errorf("read bucket = %d, want %d", v.Read, tc.read)
			}
			if code < 0 || code >= VariantCodes {
				t.Fatalf("code %d out of range", code)
			}
			if back := snap.ViewOf(code); back != v {
				t.Errorf("ViewOf(%d) = %+v, want %+v", code, back, v)
			}
		})
	}
	// A snooze of a prompt no longer running does not hide its placement.
	var st State
	st.Hold(EndOfArticle, 99, now.Add(time.Hour))
	if v, _ := snap.View(st, false, now); v.Hidden[EndOfArticle.Index()] {
		t.Error("a hold for a prompt that is not running hid the placement")
	}
}

func TestStateCookie(t *testing.T) {
	k, _ := secret.NewKeys(bytes.Repeat([]byte{7}, secret.KeySize))
	c := NewStateCodec(k)
	st := State{Month: 202611, Read: 4}
	st.Hold(TopBanner, 3, time.Unix(1796016277, 0))
	st.Hold(EndOfArticle, 12, time.Unix(1796534681, 0))
	v := c.Encode(st)
	if strings.ContainsAny(v, `", ;\`) {
		t.Errorf("cookie value %q is not cookie-safe", v)
	}
	got, ok := c.Decode([]byte(v))
	if !ok || got != st {
		t.Fatalf("round trip: %+v %v", got, ok)
	}
	other := NewStateCodec(func() *secret.Keys { k, _ := secret.NewKeys(bytes.Repeat([]byte{8}, secret.KeySize)); return k }())
	for name, bad := range map[string]string{
		"empty":          "",
		"no signature":   "1:202611:4:",
		"tampered count": strings.Replace(v, ":4:", ":0:", 1),
		"other key":      other.Encode(st),
		"truncated":      v[:len(v)-3],
		"garbage":        "%%%.%%%",
		"huge":           strings.Repeat("a", 2000),
	} {
		if _, ok := c.Decode([]byte(bad)); ok {
			t.Errorf("%s: accepted %q", name, bad)
		}
	}
	// Well signed but malformed payloads are refused too.
	signer := secret.NewSigner(k, "prompt state")
	for _, p := range []string{"2:202611:4:", "1:x:4:", "1:202611:-1:", "1:202611:4:q-1-2", "1:202611:4:t-1", "1:202611:4:t-1-2_e-1-2_i-1-2_t-1-2", "1:202611:4:t-1-2_", "1:202611:4:t-1-0"} {
		if _, ok := c.Decode([]byte(signer.Sign(p))); ok {
			t.Errorf("malformed payload %q accepted", p)
		}
	}
	if _, ok := c.Decode([]byte(signer.Sign("1:202611:4:t-1-2"))); !ok {
		t.Error("a value signed by secret.Signer for the same purpose is not read")
	}
}

func TestClampSnooze(t *testing.T) {
	for _, tc := range []struct{ in, want time.Duration }{
		{0, DefaultSnooze}, {-5 * time.Hour, DefaultSnooze}, {time.Second, MinSnooze},
		{3 * 24 * time.Hour, 3 * 24 * time.Hour}, {10000 * 24 * time.Hour, MaxSnooze},
	} {
		if got := ClampSnooze(tc.in); got != tc.want {
			t.Errorf("ClampSnooze(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestPickVariantByWeight(t *testing.T) {
	p := testPrompt(1, EndOfArticle, nil)
	p.Variants = []Variant{{ID: 1, Weight: 3}, {ID: 2, Weight: 1}, {ID: 3, Weight: 0}}
	n := map[int64]int{}
	for i := range 4000 {
		v := PickVariant(p, "/2026/11/01/article-"+string(rune('a'+i%26))+strings.Repeat("x", i%97)+string(rune(i)))
		n[v.ID]++
	}
	if n[3] != 0 {
		t.Errorf("a variant of weight 0 was shown %d times", n[3])
	}
	if share := float64(n[1]) / 4000; share < 0.68 || share > 0.82 {
		t.Errorf("weight 3:1 gave variant 1 a share of %.2f", share)
	}
	if a, b := PickVariant(p, "/x"), PickVariant(p, "/x"); a.ID != b.ID {
		t.Error("the choice for one page is not stable")
	}
}

func TestValidateBadInput(t *testing.T) {
	c := Campaign{Name: "Winter", Starts: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Ends: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	if errs := c.Validate(); !strings.Contains(errs["ends"], "before the start") {
		t.Errorf("end before start: %v", errs)
	}
	p := testPrompt(1, Inline, func(p *Prompt) { p.Paragraph = 0; p.Amounts = nil; p.Variants[0].Title = "" })
	errs := p.Validate()
	for _, f := range []string{"paragraph", "amounts", "v0_title"} {
		if errs[f] == "" {
			t.Errorf("no error for %s: %v", f, errs)
		}
	}
}

type fixedSource int64

func (f fixedSource) Funding(ctx context.Context, month time.Time, currency string) (int64, error) {
	return int64(f), nil
}

type failingSource struct{}

func (failingSource) Funding(ctx context.Context, month time.Time, currency string) (int64, error) {
	return 0, errors.New("ledger down")
}

func TestGoalMeterModes(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC) }
	sources := []FundingSource{fixedSource(300_000), fixedSource(120_050)} // 3,000 + 1,200.50
	for _, tc := range []struct {
		name    string
		goal    Goal
		visible bool
		percent int
		covered int64
		target  int64
	}{
		{"exact", Goal{Target: 1_000_000, Currency: "EUR", Mode: ShowExact}, true, 42, 420_050, 1_000_000},
		{"percent hides amounts", Goal{Target: 1_000_000, Currency: "EUR", Mode: ShowPercent}, true, 42, 0, 0},
		{"hidden", Goal{Target: 1_000_000, Currency: "EUR", Mode: ShowHidden}, false, 0, 0, 0},
		{"unknown mode defaults to percent", Goal{Target: 1_000_000, Currency: "EUR", Mode: "loud"}, true, 42, 0, 0},
		{"no target: hidden", Goal{Currency: "EUR", Mode: ShowExact}, false, 0, 0, 0},
		{"over the goal caps at 100", Goal{Target: 100_000, Currency: "EUR", Mode: ShowPercent}, true, 100, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.goal
			g.Sources, g.Now = sources, now
			m, err := g.Meter(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if m.Visible() != tc.visible || m.Percent != tc.percent || m.Covered != tc.covered || m.Target != tc.target {
				t.Errorf("meter = %+v", m)
			}
			if !m.Month.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("month = %v", m.Month)
			}
		})
	}
	if m, _ := (Goal{Target: 1_000_000, Currency: "EUR", Mode: ShowExact, Sources: sources, Now: now}).Meter(context.Background()); m.CoveredText() != "4,200.50 EUR" || m.TargetText() != "10,000 EUR" {
		t.Errorf("texts: %q of %q", m.CoveredText(), m.TargetText())
	}
	if _, err := (Goal{Target: 1, Mode: ShowPercent, Sources: []FundingSource{failingSource{}}}).Meter(context.Background()); err == nil {
		t.Error("a failing source did not fail the meter")
	}
}

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]int64{"10000": 1_000_000, "10,000.5": 1_000_050, "2.05": 205, ".5": 50} {
		if got, err := ParseMoney(in); err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-5", "1.234", "abc", "1e9", "99999999999"} {
		if _, err := ParseMoney(bad); err == nil {
			t.Errorf("ParseMoney(%q) accepted", bad)
		}
	}
}
