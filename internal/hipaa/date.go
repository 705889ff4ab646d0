package hipaa

import (
	"strings"
	"time"
)

// DateLayout is how Safeguard writes calendar dates: ISO 8601, YYYY-MM-DD.
const DateLayout = "2006-01-02"

// ParseDate reads a calendar date written YYYY-MM-DD and returns it as
// midnight UTC. what names the field or flag for the error message, e.g.
// "--signed" or "vendors.yaml:4: signed_on".
func ParseDate(what, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		if s == "" {
			return time.Time{}, Errorf(EInvalid, "%s: no date given: use YYYY-MM-DD, e.g. 2026-03-01", what)
		}
		return time.Time{}, Errorf(EInvalid, "%s: %q is not a date: use YYYY-MM-DD, e.g. 2026-03-01", what, s)
	}
	return t, nil
}

// CheckDate checks an optional date: empty is allowed, anything else must be
// YYYY-MM-DD. It returns the date in its canonical form.
func CheckDate(what, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	t, err := ParseDate(what, s)
	if err != nil {
		return "", err
	}
	return t.Format(DateLayout), nil
}

// AddMonths returns the calendar date n months after the date d (YYYY-MM-DD),
// keeping the day of the month where the target month has it and using the
// month's last day where it does not (2024-02-29 plus 12 months is 2025-02-28).
func AddMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC)
}
