package revenue

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samizdat-press/samizdat/internal/secret"
)

// PromptCookie is the name of the signed cookie holding a reader's prompt
// state: the articles read this month, and the placements snoozed ("Remind
// me later") or capped, each with the prompt and its expiry. It identifies
// no one; nothing about a reader is kept on the server.
const PromptCookie = "sz_prompts"

// Snooze lengths: DefaultSnooze unless the form asks for another, always
// clamped to [MinSnooze, MaxSnooze].
const (
	DefaultSnooze = 7 * 24 * time.Hour
	MinSnooze     = time.Hour
	MaxSnooze     = 90 * 24 * time.Hour
)

// ClampSnooze bounds a requested snooze; 0 or less means the default.
func ClampSnooze(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultSnooze
	}
	return min(max(d, MinSnooze), MaxSnooze)
}

// Hold keeps a placement free of a prompt until a time: a snooze, or a
// frequency cap after the prompt was shown.
type Hold struct {
	Placement Placement
	Prompt    int64
	Until     int64 // Unix seconds
}

// State is a reader's prompt state, as held in PromptCookie.
type State struct {
	Month int // yyyymm the count is for
	Read  int // articles read in Month
	Holds []Hold
}

func yyyymm(t time.Time) int { t = t.UTC(); return t.Year()*100 + int(t.Month()) }

// ReadThisMonth is Read if the count is for now's month, else 0.
func (s State) ReadThisMonth(now time.Time) int {
	if s.Month != yyyymm(now) {
		return 0
	}
	return s.Read
}

// Hold sets a hold on placement for prompt until the later of its
// current hold (for the same prompt) and until; one hold per placement.
func (s *State) Hold(pl Placement, prompt int64, until time.Time) {
	u := until.Unix()
	for i := range s.Holds {
		if s.Holds[i].Placement == pl {
			if s.Holds[i].Prompt == prompt && s.Holds[i].Until > u {
				return
			}
			s.Holds[i] = Hold{pl, prompt, u}
			return
		}
	}
	s.Holds = append(s.Holds, Hold{pl, prompt, u})
}

// Prune drops expired holds.
func (s *State) Prune(now time.Time) {
	n := now.Unix()
	s.Holds = slices.DeleteFunc(s.Holds, func(h Hold) bool { return h.Until <= n })
}

// StateCodec signs and reads PromptCookie values. The payload uses only
// cookie-safe characters ("1:202611:7:t-12-1735000000_e-15-1735000000"), never quoted
// and ends in "." and an HMAC-SHA256, as secret.Signer makes them; the
// hashes are pooled because the fast path signs a value per article view.
type StateCodec struct {
	macs sync.Pool
}

// NewStateCodec derives the signing key from k, for the purpose
// "prompt state" (the same key secret.NewSigner(k, "prompt state") uses).
func NewStateCodec(k *secret.Keys) *StateCodec {
	key := k.Derive("signing prompt state")
	return &StateCodec{macs: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

func (c *StateCodec) mac(dst []byte, payload []byte) []byte {
	m := c.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(payload)
	dst = m.Sum(dst)
	c.macs.Put(m)
	return dst
}

// Encode returns the signed cookie value of s.
func (c *StateCodec) Encode(s State) string {
	b := make([]byte, 0, 128)
	b = append(b, "1:"...)
	b = strconv.AppendInt(b, int64(s.Month), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(s.Read), 10)
	b = append(b, ':')
	for i, h := range s.Holds {
		if i > 0 {
			b = append(b, '_') // not ",": net/http would quote the value
		}
		b = append(b, h.Placement[0])
		b = append(b, '-')
		b = strconv.AppendInt(b, h.Prompt, 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, h.Until, 10)
	}
	var sum [sha256.Size]byte
	mac := c.mac(sum[:0], b)
	b = append(b, '.')
	b = base64.RawURLEncoding.AppendEncode(b, mac)
	return string(b)
}

// Decode reads a cookie value; ok is false for anything tampered,
// truncated or malformed, which callers treat as no cookie at all.
func (c *StateCodec) Decode(v []byte) (s State, ok bool) {
	if len(v) > 512 {
		return State{}, false
	}
	i := lastDot(v)
	if i < 0 {
		return State{}, false
	}
	var got [sha256.Size + 2]byte
	n, err := base64.RawURLEncoding.Decode(got[:], v[i+1:])
	if err != nil || n != sha256.Size {
		return State{}, false
	}
	var sum [sha256.Size]byte
	if subtle.ConstantTimeCompare(got[:n], c.mac(sum[:0], v[:i])) != 1 {
		return State{}, false
	}
	return parseState(string(v[:i]))
}

func lastDot(v []byte) int {
	for i := len(v) - 1; i >= 0; i-- {
		if v[i] == '.' {
			return i
		}
	}
	return -1
}

func parseState(p string) (State, bool) {
	parts := strings.Split(p, ":")
	if len(parts) != 4 || parts[0] != "1" {
		return State{}, false
	}
	var s State
	var err error
	if s.Month, err = strconv.Atoi(parts[1]); err != nil {
		return State{}, false
	}
	if s.Read, err = strconv.Atoi(parts[2]); err != nil || s.Read < 0 {
		return State{}, false
	}
	if parts[3] == "" {
		return s, true
	}
	for h := range strings.SplitSeq(parts[3], "_") {
		f := strings.Split(h, "-")
		if len(f) != 3 || len(f[0]) != 1 || len(s.Holds) >= len(Placements) {
			return State{}, false
		}
		var pl Placement
		for _, cand := range Placements {
			if cand[0] == f[0][0] {
				pl = cand
			}
		}
		id, err1 := strconv.ParseInt(f[1], 10, 64)
		until, err2 := strconv.ParseInt(f[2], 10, 64)
		if pl == "" || err1 != nil || err2 != nil {
			return State{}, false
		}
		s.Holds = append(s.Holds, Hold{pl, id, until})
	}
	return s, true
}

// PromptSource lists the prompts of the campaigns running at now, with
// their variants.
type PromptSource interface {
	RunningPrompts(ctx context.Context, now time.Time) ([]*Prompt, error)
}

// MaxBuckets bounds the read-count buckets: with the supporter bit and one
// bit per placement, a page has at most 2*8*MaxBuckets variants.
const MaxBuckets = 8

// Catalog holds the prompts running now, reloaded in the background, so
// that computing a reader's page variant reads memory only.
type Catalog struct {
	src  PromptSource
	snap atomic.Pointer[Snapshot]
}

// Snapshot is the running prompts at one reload.
type Snapshot struct {
	Prompts    []*Prompt
	Thresholds []int      // distinct MinRead > 0, ascending: bucket boundaries
	ids        [3][]int64 // running prompt IDs per placement
	sig        string     // what the pages depend on, to detect a change
}

// NewCatalog returns an empty catalog; call Reload.
func NewCatalog(src PromptSource) *Catalog {
	c := &Catalog{src: src}
	c.snap.Store(&Snapshot{})
	return c
}

// Snapshot returns the current prompts.
func (c *Catalog) Snapshot() *Snapshot { return c.snap.Load() }

// Reload reads the running prompts and reports whether they changed.
func (c *Catalog) Reload(ctx context.Context, now time.Time) (changed bool, err error) {
	ps, err := c.src.RunningPrompts(ctx, now)
	if err != nil {
		return false, fmt.Errorf("load running prompts: %w", err)
	}
	s := NewSnapshot(ps)
	old := c.snap.Swap(s)
	return old.sig != s.sig, nil
}

// NewSnapshot indexes prompts.
func NewSnapshot(ps []*Prompt) *Snapshot {
	s := &Snapshot{Prompts: ps}
	var sig strings.Builder
	for _, p := range ps {
		if i := p.Placement.Index(); i >= 0 {
			s.ids[i] = append(s.ids[i], p.ID)
		}
		if p.MinRead > 0 && !slices.Contains(s.Thresholds, p.MinRead) {
			s.Thresholds = append(s.Thresholds, p.MinRead)
		}
		fmt.Fprintf(&sig, "%+v;", *p)
	}
	slices.Sort(s.Thresholds)
	if len(s.Thresholds) > MaxBuckets-1 {
		// More distinct thresholds than buckets: the highest ones are
		// merged into the last bucket (those prompts show from its threshold on).
		s.Thresholds = s.Thresholds[:MaxBuckets-1]
	}
	s.sig = sig.String()
	return s
}

// Active reports whether any prompt runs: without, pages have no variants.
func (s *Snapshot) Active() bool { return len(s.Prompts) > 0 }

// View maps a reader's state to its page variant: the coarse ReaderView a
// page is rendered for, and its code, small and dense (< VariantCodes), for
// the cache key. Holds count only for prompts still running in their
// placement, so a new campaign's prompt is not hidden by an old snooze.
func (s *Snapshot) View(st State, supporter bool, now time.Time) (ReaderView, int) {
	var v ReaderView
	code := 0
	if supporter {
		v.Supporter = true
		code |= 1 << 6
	}
	n := now.Unix()
	for _, h := range st.Holds {
		i := h.Placement.Index()
		if i >= 0 && h.Until > n && slices.Contains(s.ids[i], h.Prompt) {
			v.Hidden[i] = true
			code |= 1 << (3 + i)
		}
	}
	read := st.ReadThisMonth(now)
	b := 0
	for _, t := range s.Thresholds {
		if read >= t {
			b++
			v.Read = t
		}
	}
	return v, code | b
}

// VariantCodes bounds the codes View returns.
const VariantCodes = 1 << 7

// ViewOf is the ReaderView a variant code stands for, given the snapshot's
// thresholds: the inverse of View, for rendering a page from its key.
func (s *Snapshot) ViewOf(code int) ReaderView {
	var v ReaderView
	v.Supporter = code&(1<<6) != 0
	for i := range v.Hidden {
		v.Hidden[i] = code&(1<<(3+i)) != 0
	}
	if b := code & 7; b > 0 && b <= len(s.Thresholds) {
		v.Read = s.Thresholds[b-1]
	}
	return v
}

// MonthOf returns t's month as yyyymm, as State.Month holds it.
func MonthOf(t time.Time) int { return yyyymm(t) }
