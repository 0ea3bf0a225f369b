package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/store"
)

// Subscribers stores imported newsletter subscribers: the store.
type Subscribers interface {
	ImportSubscriber(ctx context.Context, sub store.ImportedSubscriber) (string, error)
}

// Members reads the members CSV Ghost exports (Members → Export) into
// newsletter subscribers of List, with their consent kept exactly: a
// member with subscribed_to_emails false is stored unsubscribed, and one
// who unsubscribed here since an earlier import stays so.
type Members struct {
	Store  Subscribers
	List   string
	Lang   string
	DryRun bool
	Report *Report
}

// ImportFile imports the CSV at name, one row at a time.
func (m *Members) ImportFile(ctx context.Context, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	if looks := Sniff(head[:n]); looks != LooksCSV {
		return wrongFile(name, looks, "a members CSV", "export it in Ghost under Members → Export")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := csv.NewReader(f)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return &LineError{File: name, Line: 1, Err: err}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	emailCol, ok := col["email"]
	if !ok {
		return &LineError{File: name, Line: 1, Err: errors.New("no email column: is this Ghost's members export?")}
	}
	subCol, ok := col["subscribed_to_emails"]
	if !ok {
		subCol, ok = col["subscribed"] // Ghost before 4
	}
	if !ok {
		return &LineError{File: name, Line: 1, Err: errors.New("no subscribed_to_emails column: without it the members' consent is unknown, so nobody is imported")}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	counts := m.Report.counts("member")
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return &LineError{File: name, Line: pe.Line, Err: pe.Err}
			}
			return &LineError{File: name, Line: line, Err: err}
		}
		email := strings.TrimSpace(rec[emailCol])
		if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
			m.Report.Fail(fmt.Sprintf("%s:%d: %q is not an e-mail address", name, line, email))
			continue
		}
		if get(rec, "deleted_at") != "" {
			m.Report.Skip("members deleted in Ghost")
			continue
		}
		var subscribed bool
		switch strings.ToLower(strings.TrimSpace(rec[subCol])) {
		case "true", "1", "yes":
			subscribed = true
		case "false", "0", "no", "":
		default:
			m.Report.Fail(fmt.Sprintf("%s:%d: subscribed_to_emails is %q, not true or false", name, line, rec[subCol]))
			continue
		}
		sub := store.ImportedSubscriber{Email: email, Lang: m.Lang, List: m.List, Subscribed: subscribed,
			StripeCustomer: get(rec, "stripe_customer_id")}
		if t, err := time.Parse(time.RFC3339Nano, get(rec, "created_at")); err == nil {
			sub.CreatedAt = t.UTC()
		}
		if m.DryRun {
			counts.Created++ // what a run would do is not known without reading the store's sealed list
			continue
		}
		outcome, err := m.Store.ImportSubscriber(ctx, sub)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		switch outcome {
		case store.SubscriberCreated:
			counts.Created++
		case store.SubscriberUpdated:
			counts.Updated++
		case store.SubscriberUnchanged:
			counts.Unchanged++
		case store.SubscriberKeptUnsubscribed:
			m.Report.Skip("members subscribed in Ghost who unsubscribed here since: kept unsubscribed")
		}
	}
}
