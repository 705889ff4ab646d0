package hipaa

import (
	"strings"
	"time"
)

// Treatment is how a practice decides to handle a risk.
type Treatment string

// The four treatments of a risk.
const (
	TreatMitigate Treatment = "mitigate"
	TreatAccept   Treatment = "accept"
	TreatTransfer Treatment = "transfer"
	TreatAvoid    Treatment = "avoid"
)

// Treatments lists the treatments.
var Treatments = []Treatment{TreatMitigate, TreatAccept, TreatTransfer, TreatAvoid}

// RiskStatus is where a risk's treatment stands.
type RiskStatus string

// The statuses of a risk in the management plan.
const (
	RiskOpen       RiskStatus = "open"
	RiskInProgress RiskStatus = "in_progress"
	RiskDone       RiskStatus = "done"
	RiskAccepted   RiskStatus = "accepted"
)

// RiskStatuses lists the statuses.
var RiskStatuses = []RiskStatus{RiskOpen, RiskInProgress, RiskDone, RiskAccepted}

// ParseTreatment parses a treatment name.
func ParseTreatment(s string) (Treatment, error) {
	for _, t := range Treatments {
		if string(t) == strings.ToLower(strings.TrimSpace(s)) {
			return t, nil
		}
	}
	return "", Errorf(EInvalid, "unknown treatment %q: use mitigate, accept, transfer or avoid", s)
}

// ParseRiskStatus parses a risk status name.
func ParseRiskStatus(s string) (RiskStatus, error) {
	v := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	for _, t := range RiskStatuses {
		if string(t) == v {
			return t, nil
		}
	}
	return "", Errorf(EInvalid, "unknown status %q: use open, in_progress, done or accepted", s)
}

// RiskSource says what raised a risk: an answer or a finding.
type RiskSource struct {
	Kind string `json:"kind"` // "answer" or "finding"
	Ref  string `json:"ref"`  // the question ID or finding ID
	Note string `json:"note,omitempty"`
}

// Risk is a threat that could exploit a vulnerability, with its likelihood,
// impact and level, and the plan to treat it.
type Risk struct {
	ID              string       `json:"id"`
	AssessmentID    string       `json:"assessment_id"`
	Key             string       `json:"key"`
	VulnerabilityID string       `json:"vulnerability"`
	ThreatID        string       `json:"threat"`
	Title           string       `json:"title"`
	Citations       []string     `json:"citations"`
	Assets          []string     `json:"assets"`
	Sources         []RiskSource `json:"sources"`
	Contradicted    bool         `json:"contradicted"`

	// Likelihood and Impact are the values in force: the assessor's override
	// when there is one, else the computed values.
	Likelihood         int    `json:"likelihood"`
	Impact             int    `json:"impact"`
	Level              Level  `json:"level"`
	ComputedLikelihood int    `json:"computed_likelihood"`
	ComputedImpact     int    `json:"computed_impact"`
	OverrideRationale  string `json:"override_rationale,omitempty"`

	// ResidualLikelihood and ResidualImpact are expected after the planned
	// controls (0 when not estimated).
	ResidualLikelihood int   `json:"residual_likelihood,omitempty"`
	ResidualImpact     int   `json:"residual_impact,omitempty"`
	ResidualLevel      Level `json:"residual_level,omitempty"`

	Treatment           Treatment  `json:"treatment"`
	Status              RiskStatus `json:"status"`
	Owner               string     `json:"owner"`
	Due                 string     `json:"due"`
	PlannedControls     string     `json:"planned_controls"`
	Effort              string     `json:"effort"`
	Approver            string     `json:"approver,omitempty"`
	AcceptanceRationale string     `json:"acceptance_rationale,omitempty"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

// RiskChange is one entry of a risk's history: who changed which field, from what to what, and why.
type RiskChange struct {
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Field     string    `json:"field"`
	Before    string    `json:"before"`
	After     string    `json:"after"`
	Rationale string    `json:"rationale,omitempty"`
}
