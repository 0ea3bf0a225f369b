package revenue

import (
	"crypto/rand"
	"strings"
	"time"
)

// Pledge statuses.
const (
	PledgeOpen     = "open"
	PledgeReceived = "received"
	PledgeExpired  = "expired"
)

// Pledge is a promised bank transfer: the reader sends money with the
// reference, and revenue staff mark it received when it arrives.
type Pledge struct {
	ID          int64
	Reference   string
	Frequency   Frequency
	Amount      int64
	Currency    string
	Attribution Attribution
	SupporterID int64
	Status      string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	ReceivedAt  time.Time
	// Receipt and Lang are the donor's choices on the support page: a
	// mail with the instructions and a receipt for each transfer, in the
	// language they gave in. They are kept with the pledge's checkout.
	Receipt bool
	Lang    string
}

// Recurring reports whether the pledge is a standing order (monthly or
// annual): each transfer with its reference pays one more period.
func (p Pledge) Recurring() bool { return p.Frequency == Monthly || p.Frequency == Annual }

// NextPeriod is when the period of a recurring gift that starts at start
// ends, and the next one begins.
func NextPeriod(start time.Time, f Frequency) time.Time {
	if f == Annual {
		return start.AddDate(1, 0, 0)
	}
	return start.AddDate(0, 1, 0)
}

// referenceAlphabet leaves out letters and digits people confuse when they
// copy a reference into their bank's form (0/O, 1/I/L, 5/S, 2/Z, 8/B).
const referenceAlphabet = "ACDEFGHJKMNPQRTUVWXY34679"

// NewReference returns a pledge reference such as "SZ-K7QD-4MTX": short
// enough to type, random enough (25^8 ≈ 1.5e11) that guessing one is
// pointless. The store's unique constraint catches the rare collision.
func NewReference() string {
	var b [8]byte
	rand.Read(b[:])
	var sb strings.Builder
	sb.WriteString("SZ-")
	for i, c := range b {
		if i == 4 {
			sb.WriteByte('-')
		}
		sb.WriteByte(referenceAlphabet[int(c)%len(referenceAlphabet)])
	}
	return sb.String()
}

// NormalizeReference makes a typed reference comparable: upper case, and
// the dashes where NewReference puts them, however it was typed or
// copied from a bank statement ("sz acde fghj", "SZACDEFGHJ").
func NormalizeReference(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	k := b.String()
	if len(k) == 10 && strings.HasPrefix(k, "SZ") {
		return "SZ-" + k[2:6] + "-" + k[6:]
	}
	return k
}
