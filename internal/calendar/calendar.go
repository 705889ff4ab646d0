// Package calendar computes a practice's recurring compliance duties — the
// yearly risk analysis, evaluations, policy reviews, BAA expiries, training,
// contingency tests, and the cadences the proposed rule would add — with
// their due dates, and renders them as JSON or an iCalendar feed that Outlook
// and Google Calendar can subscribe to. It works on plain values.
package calendar

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Duty is one thing a practice must do by a date.
type Duty struct {
	// Key identifies the duty across recomputations, e.g. "risk-analysis" or
	// "baa-expiry:vnd_…"; reminders are sent once per key, due date and stage.
	Key      string `json:"key"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Detail   string `json:"detail,omitempty"`
	Due      string `json:"due"`
	Citation string `json:"citation"`
	// Proposed marks duties that only the January 2025 proposed rule would
	// require (90 FR 898; proposed, not final).
	Proposed bool   `json:"proposed"`
	Owner    string `json:"owner,omitempty"`
	// State is overdue, due (within 7 days) or upcoming, as of the day asked.
	State    string `json:"state"`
	DaysLeft int    `json:"days_left"`
}

// The states of a duty.
const (
	StateOverdue  = "overdue"
	StateDue      = "due"
	StateUpcoming = "upcoming"
)

// The kinds of duty.
const (
	KindRiskAnalysis     = "risk_analysis"
	KindEvaluation       = "evaluation"
	KindRiskAction       = "risk_action"
	KindPolicyReview     = "policy_review"
	KindBAAExpiry        = "baa_expiry"
	KindBAAVerification  = "baa_verification"
	KindTraining         = "training"
	KindContingencyTest  = "contingency_test"
	KindAccessRecert     = "access_recertification"
	KindAuditReview      = "audit_log_review"
	KindVulnScan         = "vulnerability_scan"
	KindPenTest          = "penetration_test"
	KindInventoryReview  = "asset_inventory_review"
	KindNetworkMapReview = "network_map_review"
)

// Cadence is how often a recurring activity is due, and what requires it.
type Cadence struct {
	Kind     string
	Title    string
	Months   int
	Citation string
	Proposed bool
	Why      string
}

// Cadences lists the recurring activities Safeguard tracks by "last done"
// date. The current rule sets no interval for most of them; yearly is the
// common expectation and what OCR looks for. The proposed rule's cadences are
// marked as proposed.
var Cadences = []Cadence{
	{KindEvaluation, "Evaluate your security program (technical and non-technical)", 12, "164.308(a)(8)", false,
		"The rule asks for periodic evaluations and one after changes in your environment or operations; yearly is the usual interval."},
	{KindContingencyTest, "Test your contingency plans (backup restore, downtime drill)", 12, "164.308(a)(7)(ii)(D)", false,
		"Testing and revising contingency plans is addressable today; the proposed rule would require it at least every 12 months."},
	{KindAuditReview, "Review system activity (EHR access reports, audit logs) and sign off", 1, "164.308(a)(1)(ii)(D)", false,
		"Information system activity review is Required; a monthly review with a dated sign-off is a common, defensible schedule."},
	{KindAccessRecert, "Recertify user access: each manager confirms or removes their staff's accounts", 12, "164.308(a)(4)(ii)(C)", false,
		"Access establishment and modification includes reviewing who has which access; yearly recertification is the common practice."},
	{KindVulnScan, "Run a vulnerability scan of your systems", 6, "164.308(a)(1)(ii)(B)", true,
		"The proposed rule would require vulnerability scans at least every 6 months (proposed, not final)."},
	{KindPenTest, "Have a qualified person run a penetration test", 12, "164.308(a)(1)(ii)(B)", true,
		"The proposed rule would require a penetration test at least every 12 months (proposed, not final)."},
	{KindInventoryReview, "Review the technology asset inventory", 12, "164.310(d)(1)", true,
		"The proposed rule would require a written asset inventory reviewed at least every 12 months (proposed, not final)."},
	{KindNetworkMapReview, "Review the network map of where ePHI flows", 12, "164.308(a)(1)(ii)(A)", true,
		"The proposed rule would require a network map reviewed at least every 12 months (proposed, not final)."},
}

// CadenceOf returns the cadence of a kind of activity.
func CadenceOf(kind string) (Cadence, bool) {
	for _, c := range Cadences {
		if c.Kind == kind {
			return c, true
		}
	}
	return Cadence{}, false
}

// Next returns the due date of a recurring activity last done on last (a
// YYYY-MM-DD date; empty when never done, which makes it due today).
func Next(c Cadence, last, today string) string {
	if last == "" {
		return today
	}
	t, err := time.Parse(time.DateOnly, last)
	if err != nil {
		return today
	}
	return t.AddDate(0, c.Months, 0).Format(time.DateOnly)
}

// ParseWithin reads a window such as "90d", "12w", "6m" or "1y".
func ParseWithin(s string) (int, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0, hipaa.Errorf(hipaa.EInvalid, "--within is empty: use a number of days, weeks, months or years such as 90d, 12w, 6m, 1y")
	}
	var n int
	var unit string
	if _, err := fmt.Sscanf(s, "%d%s", &n, &unit); err != nil || n < 0 {
		if _, err2 := fmt.Sscanf(s, "%d", &n); err2 != nil || n < 0 {
			return 0, hipaa.Errorf(hipaa.EInvalid, "--within %q is not a range: use a number of days, weeks, months or years such as 90d, 12w, 6m, 1y", s)
		}
		unit = "d"
	}
	switch unit {
	case "d", "day", "days":
		return n, nil
	case "w", "week", "weeks":
		return n * 7, nil
	case "m", "month", "months":
		return n * 30, nil
	case "y", "year", "years":
		return n * 365, nil
	}
	return 0, hipaa.Errorf(hipaa.EInvalid, "--within %q has an unknown unit %q: use d, w, m or y", s, unit)
}

// Finish sets each duty's state and days left as of today, keeps those due
// within the window (overdue duties always stay), and sorts them by date.
// A negative window keeps everything.
func Finish(duties []Duty, today string, within int) []Duty {
	t0, _ := time.Parse(time.DateOnly, today)
	out := []Duty{}
	for _, d := range duties {
		due, err := time.Parse(time.DateOnly, d.Due)
		if err != nil {
			continue
		}
		d.DaysLeft = int(due.Sub(t0).Hours() / 24)
		switch {
		case d.DaysLeft < 0:
			d.State = StateOverdue
		case d.DaysLeft <= 7:
			d.State = StateDue
		default:
			d.State = StateUpcoming
		}
		if within >= 0 && d.DaysLeft > within {
			continue
		}
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Due != out[j].Due {
			return out[i].Due < out[j].Due
		}
		return out[i].Key < out[j].Key
	})
	return out
}
