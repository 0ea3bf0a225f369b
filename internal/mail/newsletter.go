package mail

import "time"

// List is a newsletter readers subscribe to.
type List struct {
	Key  string // stored with each subscription; never changes
	Name string
	Info string
}

// Lists are the newsletters offered, in the order the form shows them.
var Lists = []List{
	{Key: "daily", Name: "Daily digest", Info: "The day's stories, once a day."},
	{Key: "breaking", Name: "Breaking news", Info: "Only when it cannot wait."},
}

// ListByKey finds a list.
func ListByKey(key string) (List, bool) {
	for _, l := range Lists {
		if l.Key == key {
			return l, true
		}
	}
	return List{}, false
}

// Subscription states.
const (
	StatusPending      = "pending"
	StatusConfirmed    = "confirmed"
	StatusUnsubscribed = "unsubscribed"
)

// Subscriber is one address on one list.
type Subscriber struct {
	ID        int64
	List      string
	Email     string // opened from its sealed form; never logged
	Status    string
	CreatedAt time.Time
}

// Send is one newsletter going to one list: Key makes it happen once
// ("digest:2026-11-29", "article:42").
type Send struct {
	List      string
	Key       string
	ArticleID int64 // 0 for a digest
	CreatedBy int64 // 0 for the scheduler
	Subject   string
}

// Issue statuses. A send made by the site itself (breaking news, the
// digest) is sent at once; one composed in the admin starts as a draft.
// "sending" is not stored: it is a sent issue whose mail is still in the
// outbox.
const (
	IssueDraft     = "draft"
	IssueScheduled = "scheduled"
	IssueSending   = "sending"
	IssueSent      = "sent"
)

// Issue is one newsletter send as the admin sees it: composed (subject,
// an intro in Markdown, optionally an article) or made by the site.
type Issue struct {
	ID        int64
	List      string
	Lang      string // the subscribers' language it goes to; "" for every subscriber
	Key       string
	Subject   string
	Intro     string // Markdown, as typed
	IntroHTML string // rendered and sanitized at save
	ArticleID int64
	Status    string
	CreatedBy int64
	// Recipients is the number of mails queued when it was sent.
	Recipients  int
	ScheduledAt time.Time // zero unless scheduled
	SentAt      time.Time
	CreatedAt   time.Time
	// UpdatedAt changes with every edit: a confirmation names the version
	// it confirmed, so an issue edited after its confirmation page was
	// shown is not sent unseen.
	UpdatedAt time.Time
}

// IssueReport is an issue with what became of its mail.
type IssueReport struct {
	Issue
	Pending, Sent, Failed int
	// Unsubscribed counts the readers who left through this issue's link.
	Unsubscribed int
}

// DisplayStatus is the status to show: a sent issue with mail still
// waiting in the outbox is sending.
func (r IssueReport) DisplayStatus() string {
	if r.Status == IssueSent && r.Pending > 0 {
		return IssueSending
	}
	return r.Status
}
