package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/i18n"
)

// The admin enters and shows times in the newsroom's time zone, as a date
// (yyyy-mm-dd) and a 24-hour time (hh:mm) in two text fields: unlike
// datetime-local, whose look follows the browser's locale (mm/dd/yyyy and
// a 12-hour clock in many), they read the same everywhere, with or without
// JavaScript, and they name the zone.
const (
	dateLayout  = "2006-01-02"
	clockLayout = "15:04"
)

// zone returns the newsroom's time zone, UTC when unset or on error (a
// page must still render; the error is logged).
func (a *Admin) zone(ctx context.Context) *time.Location {
	z, err := a.db.TimeZone(ctx)
	if err != nil {
		a.log.Error("read the time zone", "err", err)
	}
	return z
}

// errNoSuchTime is a local time that a clock change skips.
var errNoSuchTime = errors.New("no such local time")

// parseLocal reads a date and a time typed in zone z. A time the clocks
// skip (the spring-forward gap) is refused with errNoSuchTime rather than
// moved silently; in the autumn's repeated hour the earlier is taken.
func parseLocal(date, clock string, z *time.Location) (time.Time, error) {
	d, err := time.Parse(dateLayout, strings.TrimSpace(date))
	if err != nil {
		return time.Time{}, fmt.Errorf("date: %w", err)
	}
	clock = strings.TrimSpace(clock)
	c, err := time.Parse(clockLayout, clock)
	if err != nil {
		// "9:30" is as clear as "09:30".
		if c, err = time.Parse("15:4", clock); err != nil {
			return time.Time{}, fmt.Errorf("time: %w", err)
		}
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, z)
	if t.Hour() != c.Hour() || t.Minute() != c.Minute() || t.Day() != d.Day() {
		return time.Time{}, errNoSuchTime
	}
	// time.Date does not promise which of an autumn's repeated hour it
	// picks: take the earlier, so the same typing always means one time.
	if e := t.Add(-time.Hour); e.Hour() == t.Hour() && e.Minute() == t.Minute() && e.Day() == t.Day() {
		return e, nil
	}
	return t, nil
}

// gapMessage explains a skipped local time and proposes the time Go's
// calendar moves it to (forward by the gap's length), which exists.
func gapMessage(loc *i18n.Locale, date, clock string, z *time.Location) string {
	d, _ := time.Parse(dateLayout, strings.TrimSpace(date))
	c, err := time.Parse(clockLayout, strings.TrimSpace(clock))
	if err != nil {
		c, _ = time.Parse("15:4", strings.TrimSpace(clock))
	}
	moved := time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, z)
	return loc.T("%s does not exist in %s: the clocks are put forward that night. Choose a time outside the gap, such as %s.",
		strings.TrimSpace(date)+" "+strings.TrimSpace(clock), z.String(), moved.Format(clockLayout))
}

// localFields are a time as the admin shows it in zone z: date and clock.
func localFields(t time.Time, z *time.Location) (date, clock string) {
	if t.IsZero() {
		return "", ""
	}
	t = t.In(z)
	return t.Format(dateLayout), t.Format(clockLayout)
}
