package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/mail"
)

const issueColumns = `id, list, key, lang, subject, intro, intro_html, COALESCE(article_id, 0), status,
	COALESCE(created_by, 0), recipients, scheduled_at, sent_at, created_at, updated_at`

func scanIssue(row interface{ Scan(...any) error }) (mail.Issue, error) {
	var is mail.Issue
	var scheduled, sent sql.NullInt64
	var created, updated int64
	err := row.Scan(&is.ID, &is.List, &is.Key, &is.Lang, &is.Subject, &is.Intro, &is.IntroHTML, &is.ArticleID, &is.Status,
		&is.CreatedBy, &is.Recipients, &scheduled, &sent, &created, &updated)
	if err != nil {
		return is, err
	}
	if scheduled.Valid {
		is.ScheduledAt = time.Unix(scheduled.Int64, 0).UTC()
	}
	if sent.Valid {
		is.SentAt = time.Unix(sent.Int64, 0).UTC()
	}
	is.CreatedAt = time.Unix(created, 0).UTC()
	is.UpdatedAt = time.Unix(updated, 0).UTC()
	return is, nil
}

// CreateIssue stores a composed newsletter as a draft and sets its ID,
// key and times.
func (s *Store) CreateIssue(ctx context.Context, is *mail.Issue) error {
	b := make([]byte, 8)
	rand.Read(b)
	is.Key = "issue:" + hex.EncodeToString(b)
	is.Status = mail.IssueDraft
	now := s.now().UTC().Truncate(time.Second)
	is.CreatedAt, is.UpdatedAt = now, now
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO newsletter_sends
			(list, key, lang, subject, intro, intro_html, article_id, created_by, created_at, updated_at, status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			is.List, is.Key, is.Lang, is.Subject, is.Intro, is.IntroHTML, nullID(is.ArticleID), nullID(is.CreatedBy),
			now.Unix(), now.Unix(), mail.IssueDraft).Scan(&is.ID)
	})
	if err != nil {
		return fmt.Errorf("create newsletter issue: %w", err)
	}
	return nil
}

// UpdateIssue saves a draft's list, language, subject, intro and article.
// Only a draft changes: a scheduled or sent issue is ErrConflict.
func (s *Store) UpdateIssue(ctx context.Context, is *mail.Issue) error {
	now := s.now().UTC().Truncate(time.Second)
	// A second resolution would let two edits in one second share a
	// version; the confirmation token would then not tell them apart.
	if !now.After(is.UpdatedAt) {
		now = is.UpdatedAt.Add(time.Second)
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_sends
			SET list = ?, lang = ?, subject = ?, intro = ?, intro_html = ?, article_id = ?, updated_at = ?
			WHERE id = ? AND status = ?`),
			is.List, is.Lang, is.Subject, is.Intro, is.IntroHTML, nullID(is.ArticleID), now.Unix(), is.ID, mail.IssueDraft)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("update newsletter issue %d: %w", is.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("update newsletter issue %d: not a draft: %w", is.ID, ErrConflict)
	}
	is.UpdatedAt = now
	return nil
}

// Issue returns one newsletter send, or ErrNotFound.
func (s *Store) Issue(ctx context.Context, id int64) (mail.Issue, error) {
	is, err := scanIssue(s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT `+issueColumns+` FROM newsletter_sends WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return is, ErrNotFound
	}
	if err != nil {
		return is, fmt.Errorf("newsletter issue %d: %w", id, err)
	}
	return is, nil
}

// IssueReports lists the newest sends (composed or made by the site) with
// their outbox counts and the unsubscribes that came through each.
func (s *Store) IssueReports(ctx context.Context, limit int) ([]mail.IssueReport, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT `+issueColumns+` FROM newsletter_sends
		ORDER BY COALESCE(sent_at, scheduled_at, created_at) DESC, id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("newsletter reports: %w", err)
	}
	var out []mail.IssueReport
	for rows.Next() {
		is, err := scanIssue(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("newsletter reports: %w", err)
		}
		out = append(out, mail.IssueReport{Issue: is})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("newsletter reports: %w", err)
	}
	for i := range out {
		if err := s.fillReport(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// IssueReport is one send with its report, or ErrNotFound.
func (s *Store) IssueReport(ctx context.Context, id int64) (mail.IssueReport, error) {
	is, err := s.Issue(ctx, id)
	if err != nil {
		return mail.IssueReport{}, err
	}
	r := mail.IssueReport{Issue: is}
	return r, s.fillReport(ctx, &r)
}

// fillReport counts a sent issue's mail by state and the unsubscribes
// that came through its links.
func (s *Store) fillReport(ctx context.Context, r *mail.IssueReport) error {
	if r.Status != mail.IssueSent {
		return nil
	}
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT
		COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM mail_outbox WHERE send_id = ?`), r.ID).Scan(&r.Pending, &r.Sent, &r.Failed)
	if err != nil {
		return fmt.Errorf("newsletter report %d: %w", r.ID, err)
	}
	err = s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM newsletter_subscribers
		WHERE unsubscribed_send = ? AND status = ?`), r.ID, mail.StatusUnsubscribed).Scan(&r.Unsubscribed)
	if err != nil {
		return fmt.Errorf("newsletter report %d: %w", r.ID, err)
	}
	return nil
}

// CountSubscribers counts the confirmed subscribers of list in one of
// langs (nil: any language): whom a send would reach now.
func (s *Store) CountSubscribers(ctx context.Context, list string, langs []string) (int, error) {
	q, args := subscribersQuery(`SELECT COUNT(*) FROM newsletter_subscribers`, list, langs)
	var n int
	if err := s.read.QueryRowContext(ctx, s.dialect.rebind(q), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count subscribers of %s: %w", list, err)
	}
	return n, nil
}

// ScheduleIssue makes draft id, as of version (its UpdatedAt), go out at
// at. An issue edited since, or no longer a draft, is ErrConflict.
func (s *Store) ScheduleIssue(ctx context.Context, id int64, version, at time.Time) error {
	return s.moveIssue(ctx, id, version, mail.IssueDraft, mail.IssueScheduled, at.Unix())
}

// UnscheduleIssue turns scheduled issue id back into a draft.
func (s *Store) UnscheduleIssue(ctx context.Context, id int64, version time.Time) error {
	return s.moveIssue(ctx, id, version, mail.IssueScheduled, mail.IssueDraft, nil)
}

func (s *Store) moveIssue(ctx context.Context, id int64, version time.Time, from, to string, at any) error {
	now := s.now().UTC().Truncate(time.Second)
	if !now.After(version) {
		now = version.Add(time.Second)
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_sends SET status = ?, scheduled_at = ?, updated_at = ?
			WHERE id = ? AND status = ? AND updated_at = ?`), to, at, now.Unix(), id, from, version.Unix())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("newsletter issue %d to %s: %w", id, to, err)
	}
	if n == 0 {
		return fmt.Errorf("newsletter issue %d to %s: changed meanwhile: %w", id, to, ErrConflict)
	}
	return nil
}

// DueIssues lists the scheduled issues whose time has come at now.
func (s *Store) DueIssues(ctx context.Context, now time.Time) ([]mail.Issue, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT `+issueColumns+` FROM newsletter_sends
		WHERE status = ? AND scheduled_at <= ? ORDER BY scheduled_at, id`), mail.IssueScheduled, now.Unix())
	if err != nil {
		return nil, fmt.Errorf("due newsletter issues: %w", err)
	}
	defer rows.Close()
	var out []mail.Issue
	for rows.Next() {
		is, err := scanIssue(rows)
		if err != nil {
			return nil, fmt.Errorf("due newsletter issues: %w", err)
		}
		out = append(out, is)
	}
	return out, rows.Err()
}

// errIssueTaken is an issue another node sent, or someone changed, since
// it was read: it is both the store's ErrAlreadySent and mail's.
var errIssueTaken = errors.Join(ErrAlreadySent, mail.ErrIssueTaken)

// DispatchIssue sends issue is, as of its UpdatedAt, if its status is
// still from (draft for "send now", scheduled for the scheduler): the
// status changes to sent and one mail per confirmed subscriber of its list
// and langs is queued, all in one transaction. Of two nodes dispatching
// the same issue at once, one wins; the other gets ErrAlreadySent (and
// mail.ErrIssueTaken), as does an issue changed since is was read.
func (s *Store) DispatchIssue(ctx context.Context, is mail.Issue, from string, langs []string,
	build func(sendID int64, sub mail.Subscriber) (mail.Message, error)) (int, error) {
	if s.sealer == nil {
		return 0, errNoSealer
	}
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now().Unix()
		// The claim: PostgreSQL makes a second transaction wait on the
		// row and then finds the status changed; SQLite has one writer.
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_sends SET status = ?, sent_at = ?, updated_at = ?
			WHERE id = ? AND status = ? AND updated_at = ?`), mail.IssueSent, now, now, is.ID, from, is.UpdatedAt.Unix())
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			return errIssueTaken
		}
		n, err = s.enqueueSendTx(ctx, tx, is.ID, is.List, langs, build)
		return err
	})
	if err != nil {
		if errors.Is(err, errIssueTaken) {
			return 0, err
		}
		return 0, fmt.Errorf("dispatch newsletter issue %d: %w", is.ID, err)
	}
	return n, nil
}
