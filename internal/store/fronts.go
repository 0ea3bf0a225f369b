package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
)

// MaxTopStories is how many top stories an editor may pin under the lead
// on one front.
const MaxTopStories = 4

// HomeFront is the section ID that names the home page among the fronts.
const HomeFront int64 = 0

// A front is an edition's home (HomeFront) or section front: each
// edition (language) curates its own, so the English and the Russian home
// have pins of their own.

// KeyFront names the curation of lang's edition of a front: the home
// (HomeFront) or a section's front. A page that shows pins records it; a
// pin change or expiry names it.
func KeyFront(section int64, lang string) string {
	return "f:" + lang + ":" + strconv.FormatInt(section, 10)
}

// ErrWrongEdition refuses a pin whose article is not in the language of
// the edition whose front it is pinned on.
var ErrWrongEdition = errors.New("the article is not in this edition's language")

// FrontPin is one pinned story: position 0 is the lead, 1 to MaxTopStories
// the top stories in order. A zero ExpiresAt never expires.
type FrontPin struct {
	Position  int
	ArticleID int64
	ExpiresAt time.Time
	// Article is the pinned article (any status), filled by FrontPins.
	Article *content.Article
}

// Live reports whether the pin still counts at now: its article is live
// and its time has not passed.
func (p FrontPin) Live(now time.Time) bool {
	return p.Article != nil && p.Article.Live(now) && (p.ExpiresAt.IsZero() || p.ExpiresAt.After(now))
}

// FrontPins returns the pins of lang's edition of a front by position,
// live or not, with their articles: what the admin edits.
func (s *Store) FrontPins(ctx context.Context, section int64, lang string) ([]FrontPin, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT position, article_id, expires_at FROM front_pins
		WHERE lang = ? AND section_id = ? ORDER BY position`), lang, section)
	if err != nil {
		return nil, fmt.Errorf("front pins: %w", err)
	}
	defer rows.Close()
	var pins []FrontPin
	var ids []int64
	for rows.Next() {
		var p FrontPin
		var exp sql.NullInt64
		if err := rows.Scan(&p.Position, &p.ArticleID, &exp); err != nil {
			return nil, fmt.Errorf("front pins: %w", err)
		}
		p.ExpiresAt = fromUnix(exp)
		pins = append(pins, p)
		ids = append(ids, p.ArticleID)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("front pins: %w", err)
	}
	rows.Close()
	arts, err := s.articlesByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("front pins: %w", err)
	}
	byID := make(map[int64]*content.Article, len(arts))
	for _, a := range arts {
		byID[a.ID] = a
	}
	for i := range pins {
		pins[i].Article = byID[pins[i].ArticleID]
	}
	return pins, nil
}

// LivePins returns the pins of lang's edition of a front that count now,
// by position: their article live, in the edition's language, and not
// expired. Each article appears once, at its first position. An empty
// lang is every edition's pins, edition by edition.
func (s *Store) LivePins(ctx context.Context, section int64, lang string) ([]FrontPin, error) {
	now := s.now()
	q := `SELECT p.position, p.article_id, p.expires_at FROM front_pins p JOIN articles a ON a.id = p.article_id
		WHERE p.section_id = ? AND a.live_at IS NOT NULL AND a.live_at <= ? AND (p.expires_at IS NULL OR p.expires_at > ?)
		AND a.lang = p.lang`
	args := []any{section, now.Unix(), now.Unix()}
	if lang != "" {
		q += ` AND p.lang = ?`
		args = append(args, lang)
	}
	rows, err := s.query(ctx, s.dialect.rebind(q+` ORDER BY p.lang, p.position`), args...)
	if err != nil {
		return nil, fmt.Errorf("live pins: %w", err)
	}
	defer rows.Close()
	var pins []FrontPin
	var ids []int64
	seen := map[int64]bool{}
	for rows.Next() {
		var p FrontPin
		var exp sql.NullInt64
		if err := rows.Scan(&p.Position, &p.ArticleID, &exp); err != nil {
			return nil, fmt.Errorf("live pins: %w", err)
		}
		if seen[p.ArticleID] {
			continue
		}
		seen[p.ArticleID] = true
		p.ExpiresAt = fromUnix(exp)
		pins = append(pins, p)
		ids = append(ids, p.ArticleID)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("live pins: %w", err)
	}
	rows.Close()
	arts, err := s.articlesByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("live pins: %w", err)
	}
	byID := make(map[int64]*content.Article, len(arts))
	for _, a := range arts {
		byID[a.ID] = a
	}
	// An article deleted between the two reads is left out.
	out := pins[:0]
	for _, p := range pins {
		if p.Article = byID[p.ArticleID]; p.Article != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// SetFrontPins replaces the pins of lang's edition of a front with pins
// (positions as given; an ArticleID of 0 leaves a position empty) and
// records the change, so every node drops that front. An article not in
// lang is refused with ErrWrongEdition, and nothing changes. Setting the
// same pins again changes nothing else.
func (s *Store) SetFrontPins(ctx context.Context, section int64, lang string, pins []FrontPin) error {
	if lang == "" {
		return errors.New("set front pins: no edition")
	}
	return s.inTxChanging(ctx, []string{KeyFront(section, lang)}, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM front_pins WHERE lang = ? AND section_id = ?`), lang, section); err != nil {
			return fmt.Errorf("set front pins: %w", err)
		}
		for _, p := range pins {
			if p.ArticleID == 0 {
				continue
			}
			if p.Position < 0 || p.Position > MaxTopStories {
				return fmt.Errorf("set front pins: position %d out of range", p.Position)
			}
			// Only an article of the edition's language is pinned.
			res, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO front_pins (lang, section_id, position, article_id, expires_at)
				SELECT ?, ?, ?, id, ? FROM articles WHERE id = ? AND lang = ?`),
				lang, section, p.Position, unix(p.ExpiresAt), p.ArticleID, lang)
			if err != nil {
				if isUnique(err) {
					return fmt.Errorf("set front pins: position %d twice: %w", p.Position, ErrConflict)
				}
				return fmt.Errorf("set front pins: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("set front pins: %w", err)
			} else if n == 0 {
				return fmt.Errorf("set front pins: article %d in %s: %w", p.ArticleID, lang, ErrWrongEdition)
			}
		}
		return nil
	})
}

// nextExpiry returns the earliest pin expiry after t, or zero.
func (s *Store) nextExpiry(ctx context.Context, t time.Time) (time.Time, error) {
	var at sql.NullInt64
	if err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT MIN(expires_at) FROM front_pins WHERE expires_at > ?`), t.Unix()).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("next pin to expire: %w", err)
	}
	if !at.Valid {
		return time.Time{}, nil
	}
	return time.Unix(at.Int64, 0), nil
}

// expiredFronts returns the keys of the fronts (of each edition) whose
// pins expired after from and up to to.
func (s *Store) expiredFronts(ctx context.Context, from, to time.Time) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT DISTINCT lang, section_id FROM front_pins
		WHERE expires_at > ? AND expires_at <= ?`), from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("expired pins: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var lang string
		var id int64
		if err := rows.Scan(&lang, &id); err != nil {
			return nil, fmt.Errorf("expired pins: %w", err)
		}
		keys = append(keys, KeyFront(id, lang))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("expired pins: %w", err)
	}
	return keys, nil
}
