package revenue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	// Holds are indexed by placement (as in Placements); a zero Until is
	// no hold. A fixed array, not a slice: reading and renewing the cookie
	// on the fast path then allocates nothing.
	Holds [3]Hold
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
	i := pl.Index()
	if i < 0 {
		return
	}
	if h := s.Holds[i]; h.Until != 0 && h.Prompt == prompt && h.Until > u {
		return
	}
	s.Holds[i] = Hold{pl, prompt, u}
}

// Prune drops expired holds.
func (s *State) Prune(now time.Time) {
	n := now.Unix()
	for i, h := range s.Holds {
		if h.Until != 0 && h.Until <= n {
			s.Holds[i] = Hold{}
		}
	}
}

// StateCodec signs and reads PromptCookie values. The payload uses only
// cookie-safe characters ("1:202611:7:t-12-1735000000_e-15-1735000000"),
// never quoted, and ends in "." and an HMAC-SHA256, exactly as
// secret.Signer makes them. The HMAC is computed here with sha256.Sum256
// on stack buffers rather than with crypto/hmac, whose hash.Hash interface
// makes every buffer escape to the heap: the fast path signs a value per
// article view and must not allocate.
type StateCodec struct {
	ipad, opad [sha256.BlockSize]byte
}

// maxPayload bounds what the codec signs and reads.
const maxPayload = 256

// NewStateCodec derives the signing key from k, for the purpose
// "prompt state" (the same key secret.NewSigner(k, "prompt state") uses).
func NewStateCodec(k *secret.Keys) *StateCodec {
	key := k.Derive("signing prompt state") // 32 bytes: shorter than a block, used as is
	c := &StateCodec{}
	for i := range c.ipad {
		var b byte
		if i < len(key) {
			b = key[i]
		}
		c.ipad[i], c.opad[i] = b^0x36, b^0x5c
	}
	return c
}

// mac is HMAC-SHA256(key, payload) (RFC 2104) for payloads up to maxPayload.
func (c *StateCodec) mac(payload []byte) [sha256.Size]byte {
	var in [sha256.BlockSize + maxPayload]byte
	n := copy(in[:], c.ipad[:])
	n += copy(in[n:], payload)
	inner := sha256.Sum256(in[:n])
	var out [sha256.BlockSize + sha256.Size]byte
	copy(out[:], c.opad[:])
	copy(out[sha256.BlockSize:], inner[:])
	return sha256.Sum256(out[:])
}

// Encode returns the signed cookie value of s.
func (c *StateCodec) Encode(s State) string {
	var buf [160]byte
	return string(c.AppendEncode(buf[:0], &s))
}

// AppendEncode appends the signed cookie value of s to b: with a buffer on
// the caller's stack, the fast path signs without allocating.
func (c *StateCodec) AppendEncode(b []byte, s *State) []byte {
	start := len(b)
	b = append(b, "1:"...)
	b = strconv.AppendInt(b, int64(s.Month), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(s.Read), 10)
	b = append(b, ':')
	first := true
	for _, h := range s.Holds {
		if h.Until == 0 {
			continue
		}
		if !first {
			b = append(b, '_') // not ",": net/http would quote the value
		}
		first = false
		b = append(b, h.Placement[0])
		b = append(b, '-')
		b = strconv.AppendInt(b, h.Prompt, 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, h.Until, 10)
	}
	mac := c.mac(b[start:])
	b = append(b, '.')
	return base64.RawURLEncoding.AppendEncode(b, mac[:])
}

// Decode reads a cookie value; ok is false for anything tampered,
// truncated or malformed, which callers treat as no cookie at all.
func (c *StateCodec) Decode(v []byte) (s State, ok bool) {
	i := lastDot(v)
	if i < 0 || i > maxPayload || len(v)-i-1 != base64.RawURLEncoding.EncodedLen(sha256.Size) {
		return State{}, false
	}
	var got [sha256.Size + 2]byte
	n, err := base64.RawURLEncoding.Decode(got[:], v[i+1:])
	if err != nil || n != sha256.Size {
		return State{}, false
	}
	sum := c.mac(v[:i])
	if subtle.ConstantTimeCompare(got[:n], sum[:]) != 1 {
		return State{}, false
	}
	return parseState(v[:i])
}

func lastDot(v []byte) int {
	for i := len(v) - 1; i >= 0; i-- {
		if v[i] == '.' {
			return i
		}
	}
	return -1
}

// parseState reads "1:month:read:holds" without allocating but for the
// holds: it runs on every article view of a returning reader.
func parseState(p []byte) (State, bool) {
	var s State
	rest, ok := bytes.CutPrefix(p, []byte("1:"))
	if !ok {
		return State{}, false
	}
	var month, read int64
	if month, rest, ok = cutNumber(rest, ':'); !ok {
		return State{}, false
	}
	if read, rest, ok = cutNumber(rest, ':'); !ok {
		return State{}, false
	}
	s.Month, s.Read = int(month), int(read)
	for len(rest) > 0 {
		if len(rest) < 2 || rest[1] != '-' {
			return State{}, false
		}
		var pl Placement
		for _, cand := range Placements {
			if cand[0] == rest[0] {
				pl = cand
			}
		}
		if pl == "" || s.Holds[pl.Index()].Until != 0 {
			return State{}, false // unknown or repeated placement
		}
		var id, until int64
		if id, rest, ok = cutNumber(rest[2:], '-'); !ok {
			return State{}, false
		}
		if until, rest, ok = cutNumber(rest, '_'); !ok || until == 0 {
			return State{}, false
		}
		s.Holds[pl.Index()] = Hold{pl, id, until}
	}
	return s, true
}

// cutNumber reads a non-negative decimal number up to sep (or the end).
func cutNumber(b []byte, sep byte) (n int64, rest []byte, ok bool) {
	i := 0
	for ; i < len(b) && b[i] != sep; i++ {
		c := b[i]
		if c < '0' || c > '9' || i >= 18 {
			return 0, nil, false
		}
		n = n*10 + int64(c-'0')
	}
	if i == 0 {
		return 0, nil, false
	}
	if i < len(b) {
		i++ // the separator
		if i == len(b) && sep != ':' {
			return 0, nil, false // a trailing "_" or "-" with nothing after it
		}
	}
	return n, b[i:], true
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

// MaxThreshold is the highest articles-read threshold in use, 0 if none.
func (s *Snapshot) MaxThreshold() int {
	if len(s.Thresholds) == 0 {
		return 0
	}
	return s.Thresholds[len(s.Thresholds)-1]
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
	for i, h := range st.Holds {
		if h.Until > n && slices.Contains(s.ids[i], h.Prompt) {
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
