// Package pgtest gives tests a fresh PostgreSQL database on the server named
// by SAMIZDAT_TEST_POSTGRES, or skips them with a message saying how to get one.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Skip is the message of tests skipped for want of a server.
const Skip = "PostgreSQL not available: set SAMIZDAT_TEST_POSTGRES=postgres://… (scripts/test-postgres.sh starts a throwaway server)"

// Server returns the test server's URL, or skips the test.
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SAMIZDAT_TEST_POSTGRES")
	if u == "" {
		t.Skip(Skip)
	}
	return u
}

var admin = struct {
	once sync.Once
	db   *sql.DB
	err  error
}{}

// Admin is a connection to the server's maintenance database, to create and
// drop test databases. It lives as long as the test binary.
func Admin(t testing.TB) *sql.DB {
	t.Helper()
	server := Server(t)
	admin.once.Do(func() {
		admin.db, admin.err = sql.Open("pgx", server)
		if admin.err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			admin.err = admin.db.PingContext(ctx)
		}
	})
	if admin.err != nil {
		t.Fatalf("PostgreSQL test server: %v", admin.err)
	}
	return admin.db
}

// Database creates an empty database, dropped when the test ends, and
// returns its URL.
func Database(t testing.TB) string {
	t.Helper()
	db := Admin(t)
	b := make([]byte, 6)
	rand.Read(b)
	name := "samizdat_test_" + hex.EncodeToString(b)
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("CREATE DATABASE %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u, err := url.Parse(Server(t))
	if err != nil {
		t.Fatalf("SAMIZDAT_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
