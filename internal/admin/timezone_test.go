package admin

import (
	"errors"
	"testing"
	"time"
)

func TestParseLocal(t *testing.T) {
	riga, err := time.LoadLocation("Europe/Riga")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, date, clock string
		want              time.Time // UTC; zero: an error
		gap               bool
	}{
		{"winter", "2025-01-15", "09:00", time.Date(2025, 1, 15, 7, 0, 0, 0, time.UTC), false},
		{"summer", "2025-07-15", "09:00", time.Date(2025, 7, 15, 6, 0, 0, 0, time.UTC), false},
		{"one-digit hour", "2025-01-15", "9:05", time.Date(2025, 1, 15, 7, 5, 0, 0, time.UTC), false},
		{"spring gap", "2025-03-30", "03:30", time.Time{}, true},
		{"after the gap", "2025-03-30", "04:00", time.Date(2025, 3, 30, 1, 0, 0, 0, time.UTC), false},
		// 03:30 happens twice on 2025-10-26: first in summer time (UTC+3).
		{"repeated hour", "2025-10-26", "03:30", time.Date(2025, 10, 26, 0, 30, 0, 0, time.UTC), false},
		{"12-hour", "2025-01-15", "9:00 PM", time.Time{}, false},
		{"24:00", "2025-01-15", "24:00", time.Time{}, false},
		{"American date", "01/15/2025", "09:00", time.Time{}, false},
		{"no such day", "2025-02-30", "09:00", time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseLocal(tc.date, tc.clock, riga)
			if tc.want.IsZero() {
				if err == nil {
					t.Fatalf("parseLocal(%q, %q) = %v, want an error", tc.date, tc.clock, got.UTC())
				}
				if errors.Is(err, errNoSuchTime) != tc.gap {
					t.Errorf("error %v: gap=%v, want %v", err, errors.Is(err, errNoSuchTime), tc.gap)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("parseLocal(%q, %q) = %v, %v; want %v", tc.date, tc.clock, got.UTC(), err, tc.want)
			}
			if d, c := localFields(got, riga); d != tc.date || c != tc.clock && "0"+tc.clock != c {
				t.Errorf("shown back as %s %s, want %s %s", d, c, tc.date, tc.clock)
			}
		})
	}
}
