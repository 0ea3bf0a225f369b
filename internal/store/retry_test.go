package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestTransactionsRetrySerializationFailures(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		name     string
		failWith error
		retries  int
		calls    int
		ok       bool
	}{
		{"serialization failure retried", &pgconn.PgError{Code: "40001"}, 3, 2, true},
		{"deadlock retried", fmt.Errorf("save: %w", &pgconn.PgError{Code: "40P01"}), 3, 2, true},
		{"unique violation not retried", &pgconn.PgError{Code: "23505"}, 3, 1, false},
		{"other error not retried", errors.New("bug"), 3, 1, false},
		{"no retries configured", &pgconn.PgError{Code: "40001"}, 0, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.retries = tc.retries
			calls := 0
			err := s.inTx(ctx, func(tx *sql.Tx) error {
				calls++
				if calls == 1 {
					return tc.failWith
				}
				return nil
			})
			if calls != tc.calls || (err == nil) != tc.ok {
				t.Errorf("calls = %d, err = %v; want %d calls, success %v", calls, err, tc.calls, tc.ok)
			}
		})
	}
}
