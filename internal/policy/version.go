package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Source is the analyzer name on POL-01 findings.
const Source = "policy"

// ReviewMonths is how often an approved policy is reviewed (164.316(b)(2)(iii)
// asks for periodic review; yearly is the common reading).
const ReviewMonths = 12

// Status is where a policy version is in its life.
type Status string

// The statuses of a policy version: a draft may change; an approved version
// is in effect and fixed; a superseded one was replaced and is kept.
const (
	StatusDraft      Status = "draft"
	StatusApproved   Status = "approved"
	StatusSuperseded Status = "superseded"
)

// Version is one version of one policy document.
type Version struct {
	ID           string     `json:"id"`
	Key          string     `json:"key"`
	Version      int        `json:"version"`
	Title        string     `json:"title"`
	Status       Status     `json:"status"`
	Standards    []string   `json:"standards"`
	Citations    []string   `json:"citations"`
	Body         string     `json:"-"`
	BodySHA256   string     `json:"body_sha256"`
	AssessmentID string     `json:"assessment_id,omitempty"`
	GeneratedAt  time.Time  `json:"generated_at"`
	GeneratedBy  string     `json:"generated_by,omitempty"`
	ApprovedBy   string     `json:"approved_by,omitempty"`
	ApprovedAt   *time.Time `json:"approved_at,omitempty"`
	// EffectiveOn is the date the version took effect (set on approval).
	EffectiveOn string `json:"effective_on,omitempty"`
	// ReviewDue is 12 months after it took effect.
	ReviewDue string `json:"review_due,omitempty"`
	// EndedOn is the date a later version replaced it.
	EndedOn string `json:"ended_on,omitempty"`
	// RetainUntil is six years after EndedOn (164.316(b)(2)(i)); empty while in effect.
	RetainUntil string `json:"retain_until,omitempty"`
	// Acknowledgements counts the staff who acknowledged this version.
	Acknowledgements int `json:"acknowledgements"`
}

// Acknowledgement records that a workforce member read one policy version.
type Acknowledgement struct {
	ID             string    `json:"id"`
	VersionID      string    `json:"policy_version_id"`
	MemberID       string    `json:"member_id"`
	MemberName     string    `json:"member_name"`
	AcknowledgedOn string    `json:"acknowledged_on"`
	RecordedAt     time.Time `json:"recorded_at"`
	RecordedBy     string    `json:"recorded_by,omitempty"`
}

// NewVersion makes a draft version from a generated document.
func NewVersion(d *Document, number int, assessmentID, by string, now time.Time) *Version {
	return &Version{Key: d.Key, Version: number, Title: d.Title, Status: StatusDraft, Standards: d.Standards,
		Citations: d.Citations, Body: d.Body, BodySHA256: d.SHA256(), AssessmentID: assessmentID, GeneratedAt: now, GeneratedBy: by}
}

// Approve approves a draft as of the effective date, naming who approved it,
// and supersedes the version in effect (current, which may be nil). Both are
// changed in place; nothing is changed when an error is returned.
func Approve(draft, current *Version, by string, effective time.Time, now time.Time) error {
	by = strings.TrimSpace(by)
	if by == "" {
		return hipaa.Errorf(hipaa.EInvalid, "approving a policy needs the name of the person approving it: add --by \"Full Name\"")
	}
	if draft.Status != StatusDraft {
		return hipaa.Errorf(hipaa.EConflict, "%s version %d is %s, not a draft: generate a new draft with `safeguard policies generate`", draft.Key, draft.Version, draft.Status)
	}
	eff := effective.Format(hipaa.DateLayout)
	if current != nil && eff < current.EffectiveOn {
		return hipaa.Errorf(hipaa.EInvalid, "--effective %s is before the current version %d took effect (%s): a new version cannot take effect earlier", eff, current.Version, current.EffectiveOn)
	}
	draft.Status, draft.ApprovedBy = StatusApproved, by
	draft.ApprovedAt = &now
	draft.EffectiveOn = eff
	draft.ReviewDue = hipaa.AddMonths(effective, ReviewMonths).Format(hipaa.DateLayout)
	if current != nil {
		current.Status = StatusSuperseded
		current.EndedOn = eff
		current.RetainUntil = hipaa.RetentionDate(effective).Format(hipaa.DateLayout)
	}
	return nil
}

// Check returns a POL-01 finding for each policy whose approved version is
// past its review date. Drafts never approved are not policies in effect and
// raise nothing here.
func Check(versions []*Version, today time.Time) []*hipaa.Finding {
	t := today.Format(hipaa.DateLayout)
	var out []*hipaa.Finding
	for _, v := range versions {
		if v.Status != StatusApproved || v.ReviewDue == "" || v.ReviewDue >= t {
			continue
		}
		out = append(out, &hipaa.Finding{Source: Source, Rule: "POL-01", Severity: hipaa.SeverityModerate,
			Title:     fmt.Sprintf("The policy \"%s\" (version %d, approved %s) was due for review on %s", v.Title, v.Version, v.EffectiveOn, v.ReviewDue),
			Subject:   v.Title,
			Citations: []string{"164.316(b)(2)(iii)", "164.316(a)"},
			Evidence: []map[string]any{{"policy": v.Key, "version": v.Version, "approved_by": v.ApprovedBy, "effective_on": v.EffectiveOn,
				"review_due": v.ReviewDue}},
			Fingerprint: Source + "|POL-01|" + v.Key})
	}
	return out
}
