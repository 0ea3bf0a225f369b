package store

import (
	"github.com/jackc/pgx/v5"
)

// changesChannel is the PostgreSQL channel on which a committed change is
// signalled to every node (see changes.go).
const changesChannel = "samizdat_changes"

// listenConfig is cfg for the one long-lived connection that waits for
// notifications: no statement timeout, since waiting is all it does.
func listenConfig(cfg *pgx.ConnConfig) *pgx.ConnConfig {
	c := cfg.Copy()
	c.RuntimeParams["statement_timeout"] = "0"
	c.RuntimeParams["application_name"] = "samizdat-listen"
	return c
}
