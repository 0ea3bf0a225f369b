package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/mail"
)

// ImportRef links an item of an imported site (a WordPress or Ghost post,
// page, author, category, tag or member, by the id the source gave it) to
// the row made here for it, with a hash of what was imported: a second
// import of the same export finds it, and updates it only if the hash
// changed.
type ImportRef struct {
	Source   string // "wordpress", "ghost"
	Kind     string // "post", "page", "author", "section", "member"
	SourceID string
	LocalID  int64
	Hash     string
}

// ImportRef finds what an earlier import made of a source's item, or
// returns ErrNotFound.
func (s *Store) ImportRef(ctx context.Context, source, kind, sourceID string) (ImportRef, error) {
	r := ImportRef{Source: source, Kind: kind, SourceID: sourceID}
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT local_id, hash FROM import_refs
		WHERE source = ? AND kind = ? AND source_id = ?`), source, kind, sourceID).Scan(&r.LocalID, &r.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("imported %s %s %s: %w", source, kind, sourceID, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("imported %s %s %s: %w", source, kind, sourceID, err)
	}
	return r, nil
}

// PutImportRef records (or moves) what a source's item was imported as.
func (s *Store) PutImportRef(ctx context.Context, r ImportRef) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.putImportRefTx(ctx, tx, r) })
}

func (s *Store) putImportRefTx(ctx context.Context, tx *sql.Tx, r ImportRef) error {
	_, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO import_refs (source, kind, source_id, local_id, hash, imported_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, kind, source_id)
		DO UPDATE SET local_id = excluded.local_id, hash = excluded.hash, imported_at = excluded.imported_at`),
		r.Source, r.Kind, r.SourceID, r.LocalID, r.Hash, s.now().Unix())
	if err != nil {
		return fmt.Errorf("record imported %s %s %s: %w", r.Source, r.Kind, r.SourceID, err)
	}
	return nil
}

// ImportedArticle is one article of an import, with what SaveImportedArticles
// stores beside it.
type ImportedArticle struct {
	Article *content.Article // validated and rendered (content.Service does both); ID 0 creates it
	Ref     ImportRef
	// Froms are the old site's addresses of the article: each gets a
	// redirect to its new one while the article is live. A from that is
	// the new address itself is skipped; one that would close a loop
	// through redirects made here is left out and listed, with why, in
	// Refused.
	Froms   []string
	Refused []string
	Written int // the redirects stored
}

// SaveImportedArticle is SaveImportedArticles for one article.
func (s *Store) SaveImportedArticle(ctx context.Context, a *content.Article, r ImportRef, froms []string, source string) ([]string, error) {
	items := []ImportedArticle{{Article: a, Ref: r, Froms: froms}}
	err := s.SaveImportedArticles(ctx, source, items)
	return items[0].Refused, err
}

// SaveImportedArticles stores imported articles, each with its ImportRef
// and its redirects, all in one transaction: a crash leaves an article,
// the record of its import and its redirects, or none of them, so running
// the import again never makes one twice; and one commit for many
// articles is most of what makes a large import fast. An article with ID
// 0 is created, another updated (its Version checked as UpdateArticle
// checks it). On an error nothing is stored and every article is as it
// was given.
func (s *Store) SaveImportedArticles(ctx context.Context, source string, items []ImportedArticle) error {
	now := s.now().UTC().Truncate(time.Second)
	type orig struct {
		id               int64
		version          int
		created, updated time.Time
	}
	origs := make([]orig, len(items))
	for i, it := range items {
		a := it.Article
		origs[i] = orig{a.ID, a.Version, a.CreatedAt, a.UpdatedAt}
	}
	restore := func() {
		for i := range items {
			a, o := items[i].Article, origs[i]
			a.ID, a.Version, a.CreatedAt, a.UpdatedAt = o.id, o.version, o.created, o.updated
			items[i].Refused, items[i].Written = nil, 0
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		restore() // a retried transaction starts again
		redirected := false
		for i := range items {
			it := &items[i]
			a := it.Article
			var err error
			if a.ID == 0 {
				if a.CreatedAt.IsZero() {
					a.CreatedAt = now
				}
				if a.UpdatedAt.IsZero() {
					a.UpdatedAt = now
				}
				a.UpdatedAt = a.Modified()
				err = s.createArticleTx(ctx, tx, a, now)
			} else {
				a.UpdatedAt = now
				err = s.updateArticleTx(ctx, tx, a)
			}
			if err != nil {
				return err
			}
			r := it.Ref
			r.LocalID = a.ID
			if err := s.putImportRefTx(ctx, tx, r); err != nil {
				return err
			}
			if liveAt(a) == nil {
				continue
			}
			if it.Refused, it.Written, err = s.putRedirectsTx(ctx, tx, it.Froms, a.Path(), source); err != nil {
				return err
			}
			redirected = redirected || it.Written > 0
		}
		if !redirected {
			return nil
		}
		// One change for the batch's redirects: every node reloads the
		// table once.
		return s.recordChange(ctx, tx, KeyRedirects)
	})
	if err != nil {
		restore()
	}
	return err
}

// putRedirectsTx is PutRedirect for many froms to one place, inside a
// caller's transaction, which records the change (KeyRedirects).
func (s *Store) putRedirectsTx(ctx context.Context, tx *sql.Tx, froms []string, to, source string) ([]string, int, error) {
	var refused []string
	nt, _ := NormalizeRedirectFrom(to)
	wrote := 0
	for _, from := range froms {
		nf, err := NormalizeRedirectFrom(from)
		if err != nil {
			refused = append(refused, err.Error())
			continue
		}
		if nf == nt {
			continue
		}
		if err := s.checkRedirectLoop(ctx, tx, nf, to); err != nil {
			if errors.Is(err, ErrInvalidRedirect) {
				refused = append(refused, err.Error())
				continue
			}
			return nil, 0, err
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO redirects (from_path, to_path, source, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path, source = excluded.source`),
			nf, to, source, s.now().Unix()); err != nil {
			return nil, 0, fmt.Errorf("put redirect %s: %w", nf, err)
		}
		wrote++
	}
	return refused, wrote, nil
}

// ArticleSlugTaken reports whether an article has slug, whatever its
// status.
func (s *Store) ArticleSlugTaken(ctx context.Context, slug string) (bool, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM articles WHERE slug = ?`), slug).Scan(&n); err != nil {
		return false, fmt.Errorf("article slug %q: %w", slug, err)
	}
	return n > 0, nil
}

// ImportedSubscriber is one address of an imported mailing list, with the
// consent the old site recorded.
type ImportedSubscriber struct {
	Email      string
	Lang       string
	List       string
	Subscribed bool      // false: on the old site's list but not receiving mail
	CreatedAt  time.Time // when they signed up there
	// StripeCustomer, when set, is kept on the supporter record of the
	// address, for reconciling payments made through the old site.
	StripeCustomer string
}

// Subscriber import outcomes, for the import's report.
const (
	SubscriberCreated          = "created"
	SubscriberUpdated          = "updated"
	SubscriberUnchanged        = "unchanged"
	SubscriberKeptUnsubscribed = "kept unsubscribed" // unsubscribed here since: an import does not undo that
)

// ImportSubscriber stores an imported subscriber without a confirmation
// mail: they confirmed on the old site. Consent is kept exactly: an
// address that was not subscribed there is stored unsubscribed, and an
// address that unsubscribed here is never subscribed again by an import.
// It returns what it did, one of the Subscriber* outcomes.
func (s *Store) ImportSubscriber(ctx context.Context, sub ImportedSubscriber) (string, error) {
	if s.sealer == nil {
		return "", errNoSealer
	}
	if _, ok := mail.ListByKey(sub.List); !ok {
		return "", fmt.Errorf("import subscriber: no newsletter %q", sub.List)
	}
	lookup := s.sealer.Lookup(sub.Email)
	created := sub.CreatedAt.Unix()
	if sub.CreatedAt.IsZero() {
		created = s.now().Unix()
	}
	var outcome string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var status string
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, status FROM newsletter_subscribers
			WHERE list = ? AND email_lookup = ?`), sub.List, lookup).Scan(&id, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			outcome = SubscriberCreated
			if sub.Subscribed {
				_, err = tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO newsletter_subscribers
					(list, email, email_lookup, status, created_at, confirmed_at, lang) VALUES (?, ?, ?, ?, ?, ?, ?)`),
					sub.List, s.sealer.Seal(sub.Email), lookup, mail.StatusConfirmed, created, created, sub.Lang)
			} else {
				_, err = tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO newsletter_subscribers
					(list, email, email_lookup, status, created_at, unsubscribed_at, lang) VALUES (?, ?, ?, ?, ?, ?, ?)`),
					sub.List, s.sealer.Seal(sub.Email), lookup, mail.StatusUnsubscribed, created, s.now().Unix(), sub.Lang)
			}
		case err != nil:
		case !sub.Subscribed && status != mail.StatusUnsubscribed:
			outcome = SubscriberUpdated
			_, err = tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_subscribers
				SET status = ?, confirm_hash = NULL, unsubscribed_at = ? WHERE id = ?`), mail.StatusUnsubscribed, s.now().Unix(), id)
		case sub.Subscribed && status == mail.StatusPending:
			// Asked here and confirmed there: the old site's consent stands.
			outcome = SubscriberUpdated
			_, err = tx.ExecContext(ctx, s.dialect.rebind(`UPDATE newsletter_subscribers
				SET status = ?, confirm_hash = NULL, confirmed_at = ? WHERE id = ?`), mail.StatusConfirmed, created, id)
		case sub.Subscribed && status == mail.StatusUnsubscribed:
			outcome = SubscriberKeptUnsubscribed
		default:
			outcome = SubscriberUnchanged
		}
		if err != nil {
			return err
		}
		if sub.StripeCustomer == "" {
			return nil
		}
		sid, err := s.supporterID(ctx, tx, &SupporterKey{Lookup: lookup, Sealed: s.sealer.Seal(sub.Email)})
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE supporters SET stripe_customer_id = ? WHERE id = ? AND stripe_customer_id <> ?`),
			sub.StripeCustomer, sid, sub.StripeCustomer)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 && outcome == SubscriberUnchanged {
			outcome = SubscriberUpdated
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("import subscriber: %w", err)
	}
	return outcome, nil
}

// SupporterStripeCustomer returns the Stripe customer id an import kept on
// a supporter's record ("" when none).
func (s *Store) SupporterStripeCustomer(ctx context.Context, supporterID int64) (string, error) {
	var id string
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT stripe_customer_id FROM supporters WHERE id = ?`), supporterID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("supporter stripe customer: %w", err)
	}
	return id, nil
}

// SubscriberStatus returns the status of an address on a list, or
// ErrNotFound.
func (s *Store) SubscriberStatus(ctx context.Context, list, email string) (string, error) {
	if s.sealer == nil {
		return "", errNoSealer
	}
	var status string
	err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT status FROM newsletter_subscribers WHERE list = ? AND email_lookup = ?`),
		list, s.sealer.Lookup(email)).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("subscriber status: %w", err)
	}
	return status, nil
}
