package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// The change feed is the one truth about which public pages a write made
// stale. Every write that changes what a page shows appends a row to the
// changes table in the same transaction, from whichever process or node
// made it; every node follows the table by sequence (a Feed) and drops the
// cached pages that depend on the row's keys. PostgreSQL's NOTIFY, sent in
// the same transaction, only says "look now": a node that missed it, or was
// restarted, catches up from the sequence.
//
// Keys name what pages show. A page records the keys of everything on it,
// and a change lists the keys of everything it touched.

// Keys that are not one object.
const (
	KeyLists      = "all"      // every list of articles: home, feeds, sitemaps, search
	KeyPrompts    = "prompts"  // the donation prompts and the goal they show
	KeySettings   = "settings" // the site's settings: every page
	KeyEverything = "*"        // every page (sections: the navigation is on every page)
)

// KeyArticle names an article: its page and every card of it elsewhere.
func KeyArticle(id int64) string { return "a:" + strconv.FormatInt(id, 10) }

// KeySection names a section's front and feed.
func KeySection(id int64) string { return "s:" + strconv.FormatInt(id, 10) }

// KeyTag names a tag's page.
func KeyTag(id int64) string { return "t:" + strconv.FormatInt(id, 10) }

// KeyAuthor names an author's page.
func KeyAuthor(id int64) string { return "u:" + strconv.FormatInt(id, 10) }

// Change is one row of the change feed. Seq is 0 for a change no write
// made: articles whose publication time came.
type Change struct {
	Seq  int64
	Keys []string
	At   time.Time
}

// changeRetention is how long rows stay in the feed. A node behind by
// more than that (which no running node is: each polls) drops every page.
const changeRetention = 24 * time.Hour

// changeLockKey is the PostgreSQL advisory lock that orders the feed's
// writers (see recordChange).
const changeLockKey = 0x73616d697a646174 // "samizdat"

// recordChange appends keys to the change feed in tx. It must be the last
// statement of the transaction: on PostgreSQL it takes a lock held until
// commit, so that rows become visible in the order of their sequence
// numbers. Without it, a transaction that drew seq 10 could commit after
// one that drew 11, and a follower that had read 11 would never see 10.
// Taken last, the lock is never held while waiting for another. Writes
// that change no page (the ledger, sessions, counters) never take it.
func (s *Store) recordChange(ctx context.Context, tx *sql.Tx, keys ...string) error {
	keys = dedupe(keys)
	if len(keys) == 0 {
		return nil
	}
	if s.listenConfig != nil {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(changeLockKey)); err != nil {
			return fmt.Errorf("record change: %w", err)
		}
	}
	// The next number is taken under the lock (SQLite: its one writer), so
	// numbers have no gaps: a follower that sees one knows rows were pruned.
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO changes (seq, keys, at)
		SELECT COALESCE(MAX(seq), 0) + 1, ?, ? FROM changes`),
		strings.Join(keys, " "), s.now().Unix()); err != nil {
		return fmt.Errorf("record change: %w", err)
	}
	if s.listenConfig != nil {
		// Delivered at commit, to every node listening, this one included.
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, '')`, changesChannel); err != nil {
			return fmt.Errorf("record change: %w", err)
		}
	}
	s.feeds.recorded.Add(1)
	return nil
}

func dedupe(keys []string) []string {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	return slices.Compact(keys)
}

// articleKeysTx returns the keys an article's pages depend on, as stored
// now in tx: the article, and when it is or will be live, every list it is
// in. Read before and after a save, their union is what the save touched.
func (s *Store) articleKeysTx(ctx context.Context, tx *sql.Tx, id int64) ([]string, error) {
	keys := []string{KeyArticle(id)}
	var section int64
	var live sql.NullInt64
	err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT section_id, live_at FROM articles WHERE id = ?`), id).Scan(&section, &live)
	if errors.Is(err, sql.ErrNoRows) {
		return keys, nil
	}
	if err != nil {
		return nil, fmt.Errorf("article %d: keys: %w", id, err)
	}
	if !live.Valid {
		return keys, nil
	}
	keys = append(keys, KeyLists, KeySection(section))
	links, err := s.linkKeys(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("article %d: keys: %w", id, err)
	}
	return append(keys, links...), nil
}

// queryer is a transaction or the pool.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// linkKeys returns the keys of an article's tags and authors.
func (s *Store) linkKeys(ctx context.Context, q queryer, id int64) ([]string, error) {
	var keys []string
	for _, l := range []struct {
		sql string
		key func(int64) string
	}{
		{`SELECT tag_id FROM article_tags WHERE article_id = ?`, KeyTag},
		{`SELECT author_id FROM article_authors WHERE article_id = ?`, KeyAuthor},
	} {
		ns, err := queryInts(ctx, q, s.dialect.rebind(l.sql), id)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			keys = append(keys, l.key(n))
		}
	}
	return keys, nil
}

// Changes returns up to limit changes after seq, oldest first.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT seq, keys, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`), after, limit)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var keys string
		var at int64
		if err := rows.Scan(&c.Seq, &keys, &at); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		c.Keys, c.At = strings.Fields(keys), time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	return out, nil
}

// changeBounds returns the oldest and newest sequence numbers in the feed,
// 0 and 0 when it is empty.
func (s *Store) changeBounds(ctx context.Context) (oldest, newest int64, err error) {
	err = s.read.QueryRowContext(ctx, `SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM changes`).Scan(&oldest, &newest)
	if err != nil {
		return 0, 0, fmt.Errorf("read change feed: %w", err)
	}
	return oldest, newest, nil
}

// PruneChanges deletes changes older than the retention, keeping the newest
// row so the sequence is never lost.
func (s *Store) PruneChanges(ctx context.Context) error {
	cutoff := s.now().Add(-changeRetention).Unix()
	_, err := s.write.ExecContext(ctx, s.dialect.rebind(`DELETE FROM changes WHERE at < ? AND seq < (SELECT MAX(seq) FROM changes)`), cutoff)
	if err != nil {
		return fmt.Errorf("prune change feed: %w", err)
	}
	return nil
}

// nextLive returns the earliest time after t at which pages change by the
// clock alone: a scheduled or future-dated article goes live, or a front's
// pin expires; zero: none.
func (s *Store) nextLive(ctx context.Context, t time.Time) (time.Time, error) {
	var at sql.NullInt64
	if err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT MIN(live_at) FROM articles WHERE live_at > ?`), t.Unix()).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("next article to go live: %w", err)
	}
	exp, err := s.nextExpiry(ctx, t)
	if err != nil {
		return time.Time{}, err
	}
	if !at.Valid {
		return exp, nil
	}
	live := time.Unix(at.Int64, 0)
	if !exp.IsZero() && exp.Before(live) {
		return exp, nil
	}
	return live, nil
}

// wentLive returns the keys of the articles that went live after from and
// up to to, by their clock, and of the fronts whose pins expired then.
func (s *Store) wentLive(ctx context.Context, from, to time.Time) ([]string, error) {
	fronts, err := s.expiredFronts(ctx, from, to)
	if err != nil {
		return nil, err
	}
	keys, err := s.articlesWentLive(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return dedupe(append(keys, fronts...)), nil
}

// articlesWentLive returns the keys of the articles that went live after
// from and up to to, by their clock.
func (s *Store) articlesWentLive(ctx context.Context, from, to time.Time) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT a.id, a.section_id FROM articles a WHERE a.live_at > ? AND a.live_at <= ?`), from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("articles gone live: %w", err)
	}
	var keys []string
	var ids []int64
	for rows.Next() {
		var id, section int64
		if err := rows.Scan(&id, &section); err != nil {
			rows.Close()
			return nil, fmt.Errorf("articles gone live: %w", err)
		}
		ids = append(ids, id)
		keys = append(keys, KeyArticle(id), KeySection(section), KeyLists)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("articles gone live: %w", err)
	}
	for _, id := range ids {
		links, err := s.linkKeys(ctx, s.read, id)
		if err != nil {
			return nil, fmt.Errorf("articles gone live: %w", err)
		}
		keys = append(keys, links...)
	}
	return dedupe(keys), nil
}

func queryInts(ctx context.Context, db queryer, q string, args ...any) ([]int64, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// feeds are a store's followers, told at once of changes this process
// commits.
type feeds struct {
	mu       sync.Mutex
	list     []*Feed
	recorded atomic.Int64 // changes recorded by this process, ever
}

// committed tells this process's feeds that a transaction that recorded a
// change committed. Catching up on the writer's goroutine, before the write
// returns, means that whoever saved sees the result on the next request.
func (s *Store) committed(ctx context.Context) {
	s.feeds.mu.Lock()
	list := slices.Clone(s.feeds.list)
	s.feeds.mu.Unlock()
	for _, f := range list {
		f.CatchUp(context.WithoutCancel(ctx))
		select {
		case f.poke <- struct{}{}:
		default:
		}
	}
}

// Feed follows the change feed from where it was made, calling apply with
// every change in order, once.
type Feed struct {
	s     *Store
	apply func(ctx context.Context, changes []Change)
	onErr func(error)
	poke  chan struct{}

	mu       sync.Mutex // one catch-up at a time, so changes apply in order
	last     int64      // the last sequence number applied
	liveFrom time.Time  // articles live by then are accounted for
	nextLive time.Time  // the next article to go live by its clock; zero: none
}

// NewFeed starts a follower at the newest change: what a node caches from
// now on is made stale only by later ones. apply runs on one goroutine at a
// time; onErr hears of database errors (the feed retries).
func (s *Store) NewFeed(ctx context.Context, apply func(context.Context, []Change), onErr func(error)) (*Feed, error) {
	_, newest, err := s.changeBounds(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	next, err := s.nextLive(ctx, now)
	if err != nil {
		return nil, err
	}
	f := &Feed{s: s, apply: apply, onErr: onErr, poke: make(chan struct{}, 1), last: newest, liveFrom: now, nextLive: next}
	s.feeds.mu.Lock()
	s.feeds.list = append(s.feeds.list, f)
	s.feeds.mu.Unlock()
	return f, nil
}

// Close stops the process's writes from driving the feed.
func (f *Feed) Close() {
	f.s.feeds.mu.Lock()
	defer f.s.feeds.mu.Unlock()
	f.s.feeds.list = slices.DeleteFunc(f.s.feeds.list, func(g *Feed) bool { return g == f })
}

// Last returns the sequence number of the last change applied.
func (f *Feed) Last() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// CatchUp applies every change committed since the last call, and the
// articles whose publication time has come. It reports whether it read the
// database without error.
func (f *Feed) CatchUp(ctx context.Context) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.catchUp(ctx); err != nil {
		if ctx.Err() == nil && f.onErr != nil {
			f.onErr(err)
		}
		return false
	}
	return true
}

func (f *Feed) catchUp(ctx context.Context) error {
	const batch = 500
	applied := false
	for {
		list, err := f.s.Changes(ctx, f.last, batch)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			break
		}
		if list[0].Seq != f.last+1 {
			// Sequence numbers have no gaps (see recordChange): the rows in
			// between were pruned while this node was away, and what they
			// named is unknown.
			list = append([]Change{{Keys: []string{KeyEverything}}}, list...)
		}
		f.apply(ctx, list)
		f.last = list[len(list)-1].Seq
		applied = true
		if len(list) < batch {
			break
		}
	}
	now := f.s.now()
	if !f.nextLive.IsZero() && !f.nextLive.After(now) {
		keys, err := f.s.wentLive(ctx, f.liveFrom, now)
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			f.apply(ctx, []Change{{Keys: keys, At: now}})
		}
		f.liveFrom = now
		applied = true
	}
	if applied {
		next, err := f.s.nextLive(ctx, f.liveFrom)
		if err != nil {
			return err
		}
		f.nextLive = next
	}
	return nil
}

// NextLive returns when pages next change by the clock (an article goes
// live, a pin expires); zero: none.
func (f *Feed) NextLive() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nextLive
}

// Run follows the feed until ctx ends: at once on this process's writes,
// on PostgreSQL's notifications, when an article's publication time comes,
// and every poll interval whatever happens, which is what catches writes
// from other processes on SQLite and notifications lost on PostgreSQL.
func (f *Feed) Run(ctx context.Context, poll time.Duration) {
	signal := make(chan struct{}, 1)
	if f.s.listenConfig != nil {
		go f.s.listen(ctx, signal, f.onErr)
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	live := time.NewTimer(time.Hour)
	defer live.Stop()
	for {
		f.CatchUp(ctx)
		wait := time.Hour
		if next := f.NextLive(); !next.IsZero() {
			wait = max(time.Until(next), time.Millisecond)
		}
		live.Reset(min(wait, time.Hour))
		select {
		case <-ctx.Done():
			return
		case <-f.poke:
		case <-signal:
		case <-t.C:
		case <-live.C:
		}
	}
}

// listen sends on signal whenever another node may have committed a change,
// and after every (re)connection, until ctx ends.
func (s *Store) listen(ctx context.Context, signal chan<- struct{}, onErr func(error)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, signal)
		if ctx.Err() != nil {
			return
		}
		if err != nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, signal chan<- struct{}) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := pgx.ConnectConfig(cctx, s.listenConfig)
	cancel()
	if err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	notify := func() {
		select {
		case signal <- struct{}{}:
		default:
		}
	}
	notify() // what was committed while not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("listen for changes: %w", err)
		}
		notify()
	}
}

// inTxChanging is inTx for a write that changes what pages show: keys are
// recorded last, in the same transaction, when fn succeeds.
func (s *Store) inTxChanging(ctx context.Context, keys []string, fn func(tx *sql.Tx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.recordChange(ctx, tx, keys...)
	})
}
