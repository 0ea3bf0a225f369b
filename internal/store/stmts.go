package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps the read path's statements prepared. SQLite parses a
// statement's text on every run otherwise, which cost a fifth of an
// uncached page render; PostgreSQL's driver keeps its own cache, so it
// goes without.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// stmtCacheMax bounds the cache: statements whose text varies (an IN list
// of n placeholders, a branch per tag) come in a few dozen shapes, and any
// beyond the bound run unprepared.
const stmtCacheMax = 256

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	c.mu.RLock()
	st := c.m[q]
	c.mu.RUnlock()
	if st != nil {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[q]; st != nil {
		return st
	}
	if len(c.m) >= stmtCacheMax {
		return nil
	}
	// Prepared without the request's deadline: the statement outlives it.
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		return nil // the query itself will report what is wrong
	}
	c.m[q] = st
	return st
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	c.m = map[string]*sql.Stmt{}
	return errors.Join(errs...)
}

// query runs a read, prepared once where the engine gains from it.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s.stmts != nil {
		if st := s.stmts.get(ctx, q); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return s.read.QueryContext(ctx, q, args...)
}

// queryRow is query for one row.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if s.stmts != nil {
		if st := s.stmts.get(ctx, q); st != nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return s.read.QueryRowContext(ctx, q, args...)
}
