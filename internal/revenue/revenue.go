// Package revenue is reader revenue: the funding goal, campaigns and
// donation prompts, supporters, gifts and the ledger, and the Provider
// interface payment methods implement. It imports no HTTP and no SQL
// driver: it defines the small interfaces it needs and store implements
// them.
package revenue

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/secret"
)

// Amounts are integers in the currency's minor unit (cents, kopecks):
// money is never a float.

// Frequency is how often a reader gives.
type Frequency string

// The frequencies a reader can choose.
const (
	OneTime Frequency = "one-time"
	Monthly Frequency = "monthly"
	Annual  Frequency = "annual"
)

// Valid reports whether f is one of the known frequencies.
func (f Frequency) Valid() bool { return f == OneTime || f == Monthly || f == Annual }

// Attribution says which prompt brought a reader to give. IDs are the
// store's; zero means none. It travels from the prompt's link through the
// support page and the checkout into the ledger.
type Attribution struct {
	Campaign int64
	Prompt   int64
	Variant  int64
}

// FundingSource reports support counted toward the funding goal of the
// calendar month (UTC) that begins at month, in minor units of currency:
// recurring support normalised to a month plus one-time support received
// in that month. The ledger is one source; manual entries (offline gifts,
// grants) are another.
type FundingSource interface {
	Funding(ctx context.Context, month time.Time, currency string) (int64, error)
}

// Conversion is the number of gifts attributed to one prompt variant on
// one day (UTC, "2006-01-02").
type Conversion struct {
	Day      string
	Variant  int64
	Gifts    int
	Amount   int64 // minor units, in the gift's currency
	Currency string
}

// ConversionSource reports gifts attributed to prompt variants in
// [from, to): the ledger knows them, the prompt reports show them.
type ConversionSource interface {
	Conversions(ctx context.Context, from, to time.Time) ([]Conversion, error)
}

// SupporterCookie is the name of the signed cookie that marks a reader as
// a supporter: set after a gift or a supporter sign-in, read by the
// prompts. It holds only an expiry, nothing that identifies the reader.
const SupporterCookie = "sz_supporter"

// SupporterMarks makes and reads the supporter cookie's value.
type SupporterMarks struct {
	signer *secret.Signer
}

// NewSupporterMarks derives its signing key from k.
func NewSupporterMarks(k *secret.Keys) *SupporterMarks {
	return &SupporterMarks{signer: secret.NewSigner(k, "supporter cookie")}
}

// Value returns the cookie value for a supporter until the given time.
func (m *SupporterMarks) Value(until time.Time) string {
	return m.signer.Sign("s:" + strconv.FormatInt(until.Unix(), 10))
}

// Valid reports whether value is an unexpired supporter mark; anything
// tampered or malformed is not.
func (m *SupporterMarks) Valid(value string, now time.Time) bool {
	p, ok := m.signer.Verify(value)
	if !ok {
		return false
	}
	s, ok := strings.CutPrefix(p, "s:")
	if !ok {
		return false
	}
	until, err := strconv.ParseInt(s, 10, 64)
	return err == nil && now.Unix() < until
}
