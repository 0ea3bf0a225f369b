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
}
