package hipaa

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in, errHas string
	}{
		{"2026-03-01", ""},
		{" 2028-02-29 ", ""},
		{"2027-02-29", "is not a date"},
		{"03/01/2026", "is not a date"},
		{"", "no date given"},
	}
	for _, tt := range tests {
		_, err := ParseDate("--on", tt.in)
		if tt.errHas == "" && err != nil {
			t.Errorf("%q: %v", tt.in, err)
		}
		if tt.errHas != "" && (err == nil || !strings.Contains(ErrorMessage(err), tt.errHas) || !strings.HasPrefix(ErrorMessage(err), "--on: ")) {
			t.Errorf("%q: got %v, want %q", tt.in, err, tt.errHas)
		}
	}
	if got, err := CheckDate("x", ""); got != "" || err != nil {
		t.Errorf("empty optional date: %q %v", got, err)
	}
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-03-15", 12, "2027-03-15"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2028-02-29", 48, "2032-02-29"},
		{"2026-01-31", 1, "2026-02-28"},
		{"2026-12-31", 2, "2027-02-28"},
		{"2026-11-22", -12, "2025-11-22"},
		{"2025-03-31", -1, "2025-02-28"},
	}
	for _, tt := range tests {
		from, _ := time.Parse(DateLayout, tt.from)
		if got := AddMonths(from, tt.n).Format(DateLayout); got != tt.want {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}
