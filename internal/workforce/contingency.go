package workforce

import (
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// ContingencySource is the analyzer name on CP-01 findings, as the catalog's
// finding rules give it.
const ContingencySource = "policy"

// ContingencyMonths is how often the contingency plan is tested. The current
// rule says "periodically" (164.308(a)(7)(ii)(D)); a yearly test is the common
// reading and the proposed rule's interval.
const ContingencyMonths = 12

// TestKinds lists the kinds of contingency plan test, with what each means.
var TestKinds = map[string]string{
	"tabletop": "a discussion walk-through of a scenario (ransomware, fire, EHR outage)",
	"restore":  "real data restored from backup and checked",
	"downtime": "a downtime drill: seeing patients on paper while systems are off",
	"failover": "switching to a standby system or site",
	"full":     "a full exercise of the plan",
}

// TestResults lists the results a test can have.
var TestResults = []string{"passed", "partial", "failed"}

// ContingencyTest records one test of the contingency plan and what it showed.
type ContingencyTest struct {
	ID       string `json:"id"`
	TestedOn string `json:"tested_on"`
	Kind     string `json:"kind"`
	Scope    string `json:"scope,omitempty"`
	Result   string `json:"result"`
	// RestoreHours is how long a restore took, when one was timed (the
	// proposed rule would ask for critical systems back within 72 hours).
	RestoreHours float64   `json:"restore_hours,omitempty"`
	Lessons      string    `json:"lessons,omitempty"`
	PerformedBy  string    `json:"performed_by,omitempty"`
	RecordedAt   time.Time `json:"recorded_at"`
	RecordedBy   string    `json:"recorded_by,omitempty"`
}

// Validate checks a contingency test record.
func (c *ContingencyTest) Validate() error {
	d, err := hipaa.ParseDate("--on", c.TestedOn)
	if err != nil {
		return err
	}
	c.TestedOn = d.Format(hipaa.DateLayout)
	c.Kind = strings.ToLower(strings.TrimSpace(c.Kind))
	if _, ok := TestKinds[c.Kind]; !ok {
		return hipaa.Errorf(hipaa.EInvalid, "--kind %q: use tabletop, restore, downtime, failover or full", c.Kind)
	}
	c.Result = strings.ToLower(strings.TrimSpace(c.Result))
	ok := false
	for _, r := range TestResults {
		ok = ok || r == c.Result
	}
	if !ok {
		return hipaa.Errorf(hipaa.EInvalid, "--result %q: use passed, partial or failed", c.Result)
	}
	if c.RestoreHours < 0 || c.RestoreHours > 24*365 {
		return hipaa.Errorf(hipaa.EInvalid, "--restore-hours %g is out of range", c.RestoreHours)
	}
	if c.Result != "passed" && strings.TrimSpace(c.Lessons) == "" {
		return hipaa.Errorf(hipaa.EInvalid, "a %s test needs --lessons: what went wrong and what will change in the plan", c.Result)
	}
	return nil
}

// ParseTime reads a moment as a person types it: RFC 3339
// ("2026-03-01T17:30:00-05:00"), or "YYYY-MM-DD HH:MM" (also with a T) in the
// practice's time zone, or "now". what names the flag for errors.
func ParseTime(what, s string, loc *time.Location, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "now") {
		return now.UTC().Truncate(time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, hipaa.Errorf(hipaa.EInvalid, "%s: %q is not a time: use \"YYYY-MM-DD HH:MM\" (practice time zone), RFC 3339, or now", what, s)
}
