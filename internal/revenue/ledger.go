package revenue

import "time"

// EntryKind is what a ledger entry records.
type EntryKind string

// The kinds of ledger entries. Gifts are positive; refunds and disputes
// are negative amounts against an earlier gift.
const (
	Gift    EntryKind = "gift"
	Refund  EntryKind = "refund"
	Dispute EntryKind = "dispute"
)

// Entry is one row of the append-only ledger.
type Entry struct {
	ID              int64
	Provider        string
	Ref             string // unique per provider
	Kind            EntryKind
	Frequency       Frequency
	Amount          int64 // minor units; negative for refunds and disputes
	Currency        string
	At              time.Time
	Attribution     Attribution
	SupporterID     int64
	SubscriptionRef string
	PaymentRef      string
}

// MonthReport is one month of the ledger in one currency.
type MonthReport struct {
	Month    time.Time // first instant of the month, UTC
	Currency string
	Received int64 // gifts, minor units
	Refunded int64 // refunds and disputes, as a positive number
	MRR      int64 // active recurring support at the month's end, per month
	New      int   // supporters whose first gift fell in the month
	Lost     int   // subscriptions that ended in the month
}
