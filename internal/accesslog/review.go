package accesslog

import (
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Run records one analysis: what was read and what it found. It is the
// evidence that information-system activity was reviewed (164.308(a)(1)(ii)(D)).
type Run struct {
	ID          string      `json:"id"`
	StartedAt   time.Time   `json:"started_at"`
	Actor       string      `json:"actor"`
	Files       []FileStats `json:"files"`
	Events      int64       `json:"events"`
	BadRows     int64       `json:"bad_rows"`
	PeriodStart *time.Time  `json:"period_start"`
	PeriodEnd   *time.Time  `json:"period_end"`
	Findings    int         `json:"findings"`
}

// NewRun describes a finished analysis.
func NewRun(rep *Report, actor string, at time.Time) *Run {
	return &Run{ID: hipaa.NewID("alr"), StartedAt: at, Actor: actor, Files: rep.Stats.Files, Events: rep.Stats.Events,
		BadRows: rep.Stats.BadRows, PeriodStart: rep.Stats.PeriodStart, PeriodEnd: rep.Stats.PeriodEnd, Findings: len(rep.Findings)}
}

// Detail is what the review queue shows of an audit-log finding beyond the
// shared finding record: the user, the masked patient, how often, and what to do.
type Detail struct {
	FindingID   string `json:"finding_id"`
	RunID       string `json:"run_id"`
	User        string `json:"user"`
	Patient     string `json:"patient"`
	Count       int64  `json:"count"`
	Action      string `json:"suggested_action"`
	Fingerprint string `json:"-"`
}

// Details returns the review details of a report's findings, keyed by fingerprint.
func Details(rep *Report, runID string) []*Detail {
	out := make([]*Detail, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		out = append(out, &Detail{RunID: runID, User: f.User, Patient: f.Patient, Count: f.Count, Action: f.Action, Fingerprint: f.Fingerprint})
	}
	return out
}

// Decision is what a reviewer decided about a finding.
type Decision string

// The review decisions.
const (
	// Confirmed: the access was inappropriate; a sanction is recorded (164.308(a)(1)(ii)(C)).
	Confirmed Decision = "confirmed"
	// Dismissed: the access had a work reason, written down.
	Dismissed Decision = "dismissed"
	// Escalated: the finding becomes a security incident to investigate (164.308(a)(6)(ii)).
	Escalated Decision = "escalated"
)

// Review is one decision on a finding.
type Review struct {
	ID         string    `json:"id"`
	FindingID  string    `json:"finding_id"`
	Decision   Decision  `json:"decision"`
	Reason     string    `json:"reason"`
	Sanction   string    `json:"sanction,omitempty"`
	IncidentID string    `json:"incident_id,omitempty"`
	DecidedBy  string    `json:"decided_by"`
	DecidedAt  time.Time `json:"decided_at"`
}

// Check validates a review before it is saved.
func (r *Review) Check() error {
	r.Reason, r.Sanction = strings.TrimSpace(r.Reason), strings.TrimSpace(r.Sanction)
	switch r.Decision {
	case Confirmed:
		if r.Sanction == "" {
			return hipaa.Errorf(hipaa.EInvalid, "confirming finding %s needs the sanction applied: add --sanction \"written warning\" (164.308(a)(1)(ii)(C))", r.FindingID)
		}
	case Dismissed:
		if r.Reason == "" {
			return hipaa.Errorf(hipaa.EInvalid, "dismissing finding %s needs the work reason: add --reason \"...\"", r.FindingID)
		}
	case Escalated:
	default:
		return hipaa.Errorf(hipaa.EInvalid, "unknown decision %q: use confirmed, dismissed or escalated", r.Decision)
	}
	if strings.TrimSpace(r.DecidedBy) == "" {
		return hipaa.Errorf(hipaa.EInvalid, "a review needs the reviewer's name: pass --actor \"Full Name\"")
	}
	return nil
}

// Incident is a finding escalated for investigation. It is kept with the
// audit-log review until the practice's incident log takes it over.
type Incident struct {
	ID        string    `json:"id"`
	FindingID string    `json:"finding_id"`
	Rule      string    `json:"rule"`
	Subject   string    `json:"subject"`
	Summary   string    `json:"summary"`
	Status    string    `json:"status"`
	OpenedBy  string    `json:"opened_by"`
	OpenedAt  time.Time `json:"opened_at"`
}

// Signoff records that someone reviewed the audit logs of a period.
type Signoff struct {
	ID          string    `json:"id"`
	PeriodStart string    `json:"period_start"`
	PeriodEnd   string    `json:"period_end"`
	SignedBy    string    `json:"signed_by"`
	SignedAt    time.Time `json:"signed_at"`
	Runs        int       `json:"runs"`
	Events      int64     `json:"events"`
	Findings    int       `json:"findings"`
	Open        int       `json:"open_findings"`
	Confirmed   int       `json:"confirmed"`
	Dismissed   int       `json:"dismissed"`
	Escalated   int       `json:"escalated"`
	Note        string    `json:"note"`
}

// Campaign is an access recertification: each enabled account is confirmed
// or removed by its manager (164.308(a)(4)(ii)(C)).
type Campaign struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	StartedAt time.Time  `json:"started_at"`
	StartedBy string     `json:"started_by"`
	Due       string     `json:"due"`
	Status    string     `json:"status"`
	ClosedAt  *time.Time `json:"closed_at"`
	Total     int        `json:"total"`
	Confirmed int        `json:"confirmed"`
	Removed   int        `json:"removed"`
	Pending   int        `json:"pending"`
}

// RecertItem is one account in a campaign.
type RecertItem struct {
	CampaignID string     `json:"campaign_id"`
	Login      string     `json:"login"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Department string     `json:"department"`
	Manager    string     `json:"manager"`
	Decision   string     `json:"decision"`
	DecidedBy  string     `json:"decided_by"`
	DecidedAt  *time.Time `json:"decided_at"`
	Note       string     `json:"note"`
}

// Accounts reads an EHR user roster and returns its enabled accounts as
// recertification items.
func Accounts(path string, m *Mapping) ([]*RecertItem, error) {
	var rm *RosterMapping
	if m != nil && m.Rosters != nil {
		rm = m.Rosters[RosterUsers]
	}
	var out []*RecertItem
	seen := map[string]bool{}
	err := readRoster(path, RosterUsers, rm, time.UTC, func(row *rosterRow) error {
		login := row.get("user_id")
		if login == "" {
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: user_id is empty", row.file, row.line)
		}
		if status := row.get("status"); status != "" && !accountEnabled(status) {
			return nil
		}
		key := strings.ToLower(login)
		if seen[key] {
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: user %s is listed twice", row.file, row.line, login)
		}
		seen[key] = true
		out = append(out, &RecertItem{Login: login, Name: row.get("name"), Role: row.get("role"), Department: row.get("department"),
			Manager: row.get("manager"), Decision: "pending"})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s lists no enabled account to recertify", path)
	}
	return out, nil
}
