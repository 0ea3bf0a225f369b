package store

import (
	"context"
	"time"
	// The zone database inside the binary: a server without one (a
	// minimal container) still knows Europe/Riga.
	_ "time/tzdata"
)

// SettingTimeZone is the newsroom's time zone, an IANA name (Europe/Riga);
// unset: UTC. Times are stored in UTC whatever it is; the zone is how the
// admin enters and shows them, and which day a reader's date names.
const SettingTimeZone = "site.timezone"

// TimeZone returns the newsroom's time zone. A name the system no longer
// knows (the admin checks it when it is saved) falls back to UTC rather
// than taking the site down.
func (s *Store) TimeZone(ctx context.Context) (*time.Location, error) {
	name, err := s.Setting(ctx, SettingTimeZone, "UTC")
	if err != nil {
		return time.UTC, err
	}
	z, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return time.UTC, nil
	}
	return z, nil
}
