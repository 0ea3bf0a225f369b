package revenue

import (
	"bytes"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/secret"
)

func TestSupporterMarks(t *testing.T) {
	k, err := secret.NewKeys(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	m := NewSupporterMarks(k)
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	v := m.Value(now.AddDate(1, 0, 0))
	for _, tc := range []struct {
		name  string
		value string
		at    time.Time
		want  bool
	}{
		{"fresh", v, now, true},
		{"expired", v, now.AddDate(1, 0, 1), false},
		{"tampered", "s:9" + v[2:], now, false},
		{"empty", "", now, false},
		{"unsigned", "s:99999999999", now, false},
	} {
		if got := m.Valid(tc.value, tc.at); got != tc.want {
			t.Errorf("%s: Valid = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestReferences(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		r := NewReference()
		if len(r) != 12 || NormalizeReference(r) != r || seen[r] {
			t.Fatalf("reference %q: bad shape, not normal, or repeated", r)
		}
		seen[r] = true
	}
	for in, want := range map[string]string{"sz acde fghj": "SZ-ACDE-FGHJ", "SZACDEFGHJ": "SZ-ACDE-FGHJ", " SZ-ACDE-FGHJ.": "SZ-ACDE-FGHJ", "x": "X"} {
		if got := NormalizeReference(in); got != want {
			t.Errorf("NormalizeReference(%q) = %q, want %q", in, got, want)
		}
	}
}
