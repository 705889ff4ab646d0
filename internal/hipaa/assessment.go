package hipaa

import "time"

// AssessmentStatus is where an assessment is in its life.
type AssessmentStatus string

// An assessment is a draft until it is finalized; a finalized assessment never changes.
const (
	StatusDraft     AssessmentStatus = "draft"
	StatusFinalized AssessmentStatus = "finalized"
)

// Assessment is one dated risk analysis of a practice.
type Assessment struct {
	ID           string           `json:"id"`
	PracticeID   string           `json:"practice_id"`
	Title        string           `json:"title"`
	Status       AssessmentStatus `json:"status"`
	BankVersion  string           `json:"question_bank_version"`
	PreviousID   string           `json:"previous_id,omitempty"`
	StartedAt    time.Time        `json:"started_at"`
	StartedBy    string           `json:"started_by"`
	FinalizedAt  *time.Time       `json:"finalized_at,omitempty"`
	FinalizedBy  string           `json:"finalized_by,omitempty"`
	NeedsReview  bool             `json:"needs_review"`
	ReviewReason string           `json:"review_reason,omitempty"`
}

// Answer is a person's answer to one question in one assessment.
type Answer struct {
	QuestionID    string      `json:"question_id"`
	Value         AnswerValue `json:"value"`
	Note          string      `json:"note,omitempty"`
	Justification string      `json:"justification,omitempty"`
	AnsweredBy    string      `json:"answered_by"`
	AnsweredAt    time.Time   `json:"answered_at"`
}

// ChangeKind names a change in the practice that calls for a fresh look at the
// risk analysis (164.308(a)(8), 164.316(b)(2)(iii)).
type ChangeKind string

// The change events Safeguard knows.
const (
	ChangeNewEHR      ChangeKind = "new_ehr"
	ChangeNewLocation ChangeKind = "new_location"
	ChangeNewDevices  ChangeKind = "new_devices"
	ChangeWorkforce   ChangeKind = "workforce_change"
	ChangeIncident    ChangeKind = "security_incident"
	ChangeNewVendor   ChangeKind = "new_vendor"
	ChangeOther       ChangeKind = "other"
)

// ChangeKinds lists the change events with a plain description of each.
var ChangeKinds = map[ChangeKind]string{
	ChangeNewEHR:      "a new or replaced EHR or practice-management system",
	ChangeNewLocation: "a new office, or a move",
	ChangeNewDevices:  "new computers, servers, medical devices or network equipment",
	ChangeWorkforce:   "a large change in staff, or a new security official",
	ChangeIncident:    "a security incident or breach",
	ChangeNewVendor:   "a new business associate that handles ePHI",
	ChangeOther:       "another change in the environment or operations",
}

// ChangeEvent records a change that marks the current assessment as needing review.
type ChangeEvent struct {
	ID          string     `json:"id"`
	Kind        ChangeKind `json:"kind"`
	Description string     `json:"description"`
	OccurredOn  string     `json:"occurred_on"`
	RecordedAt  time.Time  `json:"recorded_at"`
	RecordedBy  string     `json:"recorded_by"`
}

// RetentionYears is how long Security Rule documentation must be kept, from
// its creation or the date it was last in effect (164.316(b)(2)(i)).
const RetentionYears = 6

// RetentionDate returns the date until which a document created or last in
// effect on t must be kept.
func RetentionDate(t time.Time) time.Time { return t.AddDate(RetentionYears, 0, 0) }
