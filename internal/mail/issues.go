package mail

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/i18n"
)

// IssueStore is what composed newsletters need from storage (*store.Store).
type IssueStore interface {
	CreateIssue(ctx context.Context, is *Issue) error
	UpdateIssue(ctx context.Context, is *Issue) error
	Issue(ctx context.Context, id int64) (Issue, error)
	CountSubscribers(ctx context.Context, list string, langs []string) (int, error)
	ScheduleIssue(ctx context.Context, id int64, version, at time.Time) error
	UnscheduleIssue(ctx context.Context, id int64, version time.Time) error
	DueIssues(ctx context.Context, now time.Time) ([]Issue, error)
	DispatchIssue(ctx context.Context, is Issue, from string, langs []string, build func(sendID int64, sub Subscriber) (Message, error)) (int, error)
	ArticleByID(ctx context.Context, id int64) (*content.Article, error)
	EnqueueMail(ctx context.Context, msgs ...Message) error
}

// Mistakes in composing or sending an issue. Their texts are catalog keys.
var (
	// ErrNotConfirmed is a send without the token of its confirmation
	// page, or with one for an earlier version of the issue.
	ErrNotConfirmed = errors.New("Confirm the send on the confirmation page first: nothing was sent.")
	// ErrNoRecipients is a send to a list with no confirmed subscriber in
	// the issue's language.
	ErrNoRecipients = errors.New("This list has no confirmed subscribers in this language: there is no one to send it to.")
	// ErrIssueTaken is an issue that another editor or node sent,
	// scheduled or changed meanwhile.
	ErrIssueTaken = errors.New("This newsletter was changed or sent meanwhile: check it again before sending.")
)

// IssueErrors are an issue form's mistakes by field; messages are catalog
// keys.
type IssueErrors map[string]string

func (e IssueErrors) Error() string {
	var parts []string
	for k, v := range e {
		parts = append(parts, k+": "+v)
	}
	return strings.Join(parts, "; ")
}

// maxSubject is longer than any subject a mail client shows.
const maxSubject = 200

// SaveIssue checks a composed issue, renders its intro with the site's
// Markdown renderer and sanitizer, and stores it: a new draft when its ID
// is 0. Mistakes come back as IssueErrors.
func (n *Newsletters) SaveIssue(ctx context.Context, is *Issue) error {
	errs := IssueErrors{}
	is.Subject = strings.TrimSpace(is.Subject)
	switch {
	case is.Subject == "":
		errs["subject"] = "Write a subject: it is the first thing readers see."
	case utf8.RuneCountInString(is.Subject) > maxSubject || strings.ContainsAny(is.Subject, "\r\n"):
		errs["subject"] = "Keep the subject to one line of at most 200 characters."
	}
	if _, ok := ListByKey(is.List); !ok {
		errs["list"] = "Choose from the newsletters listed."
	}
	if is.Lang != "" && !i18n.Supported(is.Lang) {
		errs["lang"] = "Choose one of the languages listed."
	}
	if is.ArticleID != 0 {
		a, err := n.issues().ArticleByID(ctx, is.ArticleID)
		if err != nil || !a.Live(n.cfg.Now()) {
			errs["article"] = "Only a published article can be sent as a newsletter."
		}
	}
	if strings.TrimSpace(is.Intro) == "" && is.ArticleID == 0 {
		errs["intro"] = "Write the newsletter, or compose it from an article."
	}
	if len(errs) > 0 {
		return errs
	}
	h, _, err := n.renderer.Render(is.Intro)
	if err != nil {
		return fmt.Errorf("newsletter intro: %w", err)
	}
	is.IntroHTML = h
	if is.ID == 0 {
		return n.issues().CreateIssue(ctx, is)
	}
	return n.issues().UpdateIssue(ctx, is)
}

func (n *Newsletters) issues() IssueStore { return n.cfg.Store }

// langs are the subscription languages an issue in lang reaches: the
// subscribers who chose lang, and, for the site's main language, those
// who subscribed before languages were recorded. "" reaches everyone.
func (n *Newsletters) langs(lang string) []string {
	switch lang {
	case "":
		return nil
	case n.cfg.Lang():
		return []string{lang, ""}
	}
	return []string{lang}
}

// Recipients counts the confirmed subscribers is would go to now.
func (n *Newsletters) Recipients(ctx context.Context, is Issue) (int, error) {
	return n.issues().CountSubscribers(ctx, is.List, n.langs(is.Lang))
}

// mailLang is the language an issue's mail is written in.
func (n *Newsletters) mailLang(is Issue) string {
	if i18n.Supported(is.Lang) {
		return is.Lang
	}
	return n.cfg.Lang()
}

// issueData is what the newsletter templates get for is.
func (n *Newsletters) issueData(ctx context.Context, is Issue) (issue, error) {
	lang := n.mailLang(is)
	d := issue{Title: is.Subject, Lang: lang}
	if strings.TrimSpace(is.IntroHTML) != "" {
		var err error
		if d.Intro, err = MailHTML(is.IntroHTML, n.cfg.BaseURL); err != nil {
			return d, err
		}
		if d.IntroText, err = MailText(is.IntroHTML, n.cfg.BaseURL); err != nil {
			return d, err
		}
	}
	if is.ArticleID != 0 {
		a, err := n.issues().ArticleByID(ctx, is.ArticleID)
		if err != nil {
			return d, fmt.Errorf("newsletter article %d: %w", is.ArticleID, err)
		}
		it, err := n.articleItem(a, true)
		if err != nil {
			return d, err
		}
		d.Lead, d.Items = true, []item{it}
	}
	return d, nil
}

// Preview renders is exactly as subscribers will get it; only the
// unsubscribe link, which is each reader's own, is a sample.
func (n *Newsletters) Preview(ctx context.Context, is Issue) (Message, error) {
	d, err := n.issueData(ctx, is)
	if err != nil {
		return Message{}, err
	}
	return n.message(is.List, is.Subject, d, "preview@invalid.example", n.sampleUnsubscribe(is))
}

// sampleUnsubscribe is an unsubscribe link that names no subscription.
func (n *Newsletters) sampleUnsubscribe(is Issue) string {
	return n.cfg.BaseURL + n.editionPrefix(n.mailLang(is)) + "/newsletter/unsubscribe?t=" + n.unsub.Sign("0:"+strconv.FormatInt(is.ID, 10))
}

// SendTest mails is to to alone, the signed-in staff account's address:
// never to a subscriber. The subject and a line at the top say it is a
// test.
func (n *Newsletters) SendTest(ctx context.Context, is Issue, to string) error {
	d, err := n.issueData(ctx, is)
	if err != nil {
		return err
	}
	d.Test = true
	loc := n.catalog.Locale(d.Lang)
	m, err := n.message(is.List, loc.T("[Test] %s", is.Subject), d, to, n.sampleUnsubscribe(is))
	if err != nil {
		return err
	}
	m.Kind = "newsletter-test"
	return n.cfg.Store.EnqueueMail(ctx, m)
}

// ConfirmToken is the token of is's confirmation page: it names the issue
// and the version shown, so a send confirmed before an edit is refused.
func (n *Newsletters) ConfirmToken(is Issue) string {
	return n.confirmSend.Sign(strconv.FormatInt(is.ID, 10) + ":" + strconv.FormatInt(is.UpdatedAt.Unix(), 10))
}

func (n *Newsletters) confirmed(is Issue, token string) bool {
	p, ok := n.confirmSend.Verify(token)
	return ok && p == strconv.FormatInt(is.ID, 10)+":"+strconv.FormatInt(is.UpdatedAt.Unix(), 10)
}

// SendNow sends draft is to its list, given its confirmation token, and
// returns the number of mails queued.
func (n *Newsletters) SendNow(ctx context.Context, is Issue, token string) (int, error) {
	if is.Status != IssueDraft {
		return 0, ErrIssueTaken
	}
	if !n.confirmed(is, token) {
		return 0, ErrNotConfirmed
	}
	if c, err := n.Recipients(ctx, is); err != nil {
		return 0, err
	} else if c == 0 {
		return 0, ErrNoRecipients
	}
	return n.dispatch(ctx, is, IssueDraft)
}

func (n *Newsletters) dispatch(ctx context.Context, is Issue, from string) (int, error) {
	d, err := n.issueData(ctx, is)
	if err != nil {
		return 0, err
	}
	return n.issues().DispatchIssue(ctx, is, from, n.langs(is.Lang), n.builder(is.List, is.Subject, d))
}

// Schedule makes draft is go out at at, given its confirmation token.
func (n *Newsletters) Schedule(ctx context.Context, is Issue, token string, at time.Time) error {
	if is.Status != IssueDraft {
		return ErrIssueTaken
	}
	if !n.confirmed(is, token) {
		return ErrNotConfirmed
	}
	if !at.After(n.cfg.Now()) {
		return IssueErrors{"at": "Choose a time in the future."}
	}
	if c, err := n.Recipients(ctx, is); err != nil {
		return err
	} else if c == 0 {
		return ErrNoRecipients
	}
	return n.issues().ScheduleIssue(ctx, is.ID, is.UpdatedAt, at)
}

// Unschedule turns scheduled is back into a draft, to edit or send now.
func (n *Newsletters) Unschedule(ctx context.Context, is Issue) error {
	return n.issues().UnscheduleIssue(ctx, is.ID, is.UpdatedAt)
}

// SendDue sends the scheduled issues whose time has come and returns how
// many mails this call queued. Every node's mail worker runs it: each
// issue is claimed in the database, so it goes out once however many run
// at the same moment.
func (n *Newsletters) SendDue(ctx context.Context) (int, error) {
	due, err := n.issues().DueIssues(ctx, n.cfg.Now())
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, is := range due {
		k, err := n.dispatch(ctx, is, IssueScheduled)
		if errors.Is(err, ErrIssueTaken) {
			continue // another node sent it a moment ago
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("scheduled newsletter %d: %w", is.ID, err))
			continue
		}
		total += k
	}
	return total, errors.Join(errs...)
}
