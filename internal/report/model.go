// Package report turns one assessment into the documents an auditor asks for:
// the Risk Analysis Report, the Risk Management Plan and an Executive summary,
// as self-contained HTML, PDF, XLSX, JSON and OSCAL assessment results.
//
// Build assembles a Model from the store through the app's use cases; every
// renderer takes only the Model, so the documents agree with each other and
// can be tested from a fixture without a database.
package report

import (
	"time"
)

// SchemaVersion is the version of the JSON report format described by
// schema/report.schema.json. Bump it when a field changes meaning or goes away.
const SchemaVersion = "1.0"

// SchemaID is the $id of the JSON Schema that describes the JSON report.
const SchemaID = "https://safeguard-hipaa.github.io/schema/report-1.0.json"

// Kind names which document to render.
type Kind string

// The documents a report run can make.
const (
	KindAnalysis Kind = "analysis"
	KindPlan     Kind = "plan"
	KindSummary  Kind = "summary"
	KindAll      Kind = "all"
)

// Kinds lists the kinds in the order they are offered.
var Kinds = []Kind{KindAnalysis, KindPlan, KindSummary, KindAll}

// Title returns the document title of a kind.
func (k Kind) Title() string {
	switch k {
	case KindAnalysis:
		return "Risk Analysis Report"
	case KindPlan:
		return "Risk Management Plan"
	case KindSummary:
		return "Executive Summary"
	}
	return "Security Risk Analysis"
}

// Has reports whether a document of kind k holds the part p.
func (k Kind) Has(p Kind) bool { return k == KindAll || k == p }

// Model is everything the reports show about one assessment. Its JSON form is
// the JSON report; schema/report.schema.json documents every field.
type Model struct {
	Schema         string          `json:"schema"`
	SchemaVersion  string          `json:"schema_version"`
	Generator      string          `json:"generator"`
	GeneratedAt    time.Time       `json:"generated_at"`
	Document       Document        `json:"document"`
	Practice       Practice        `json:"practice"`
	Assessment     Assessment      `json:"assessment"`
	Progress       Progress        `json:"progress"`
	Score          Score           `json:"score"`
	Trend          []TrendPoint    `json:"trend"`
	Scope          Scope           `json:"scope"`
	Assets         []Asset         `json:"assets"`
	Method         Method          `json:"method"`
	RiskCounts     LevelCounts     `json:"risk_counts"`
	Risks          []Risk          `json:"risks"`
	Plan           []Action        `json:"plan"`
	Contradictions []Contradiction `json:"contradictions"`
	Findings       []Finding       `json:"findings"`
	Controls       []Control       `json:"controls"`
	Changes        *Changes        `json:"changes"`
	Penalties      Penalties       `json:"penalties"`
	Warnings       []string        `json:"warnings"`
}

// Document is what every rendered document states about itself: its version,
// dates, who prepared and approved it, and how long it must be kept
// (164.316(b)(2)(i)).
type Document struct {
	// Version is the assessment's number among the practice's assessments,
	// "N.0" once finalized and "N.0-draft" before.
	Version string `json:"version"`
	// Final is true when the assessment is finalized (approved).
	Final bool `json:"final"`
	// Created is the date this document was made (YYYY-MM-DD, practice time zone).
	Created string `json:"created"`
	// Effective is the date the analysis took effect: the approval date, or
	// the creation date of a draft.
	Effective string `json:"effective"`
	// SupersededOn is the date a later finalized assessment replaced this
	// one; empty while it is still in effect.
	SupersededOn string `json:"superseded_on"`
	// RetainUntil is the earliest date the document may be destroyed.
	RetainUntil string `json:"retain_until"`
	// RetentionNote explains RetainUntil in words.
	RetentionNote string `json:"retention_note"`
	Preparer      string `json:"preparer"`
	Approver      string `json:"approver"`
	ApprovedOn    string `json:"approved_on"`
	QuestionBank  string `json:"question_bank_version"`
}

// Practice is the practice profile as the reports show it.
type Practice struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Slug             string   `json:"slug"`
	Locations        []string `json:"locations"`
	WorkforceSize    int      `json:"workforce_size"`
	EHRSystem        string   `json:"ehr_system"`
	Specialty        string   `json:"specialty"`
	SecurityOfficial string   `json:"security_official"`
	TimeZone         string   `json:"time_zone"`
}

// Assessment identifies the assessment the reports are about.
type Assessment struct {
	ID           string     `json:"id"`
	Title        string     `json:"title"`
	Status       string     `json:"status"`
	StartedOn    string     `json:"started_on"`
	StartedAt    time.Time  `json:"started_at"`
	StartedBy    string     `json:"started_by"`
	FinalizedOn  string     `json:"finalized_on"`
	FinalizedAt  *time.Time `json:"finalized_at"`
	FinalizedBy  string     `json:"finalized_by"`
	PreviousID   string     `json:"previous_id"`
	NeedsReview  bool       `json:"needs_review"`
	ReviewReason string     `json:"review_reason"`
}

// Progress says how far the questions are answered.
type Progress struct {
	Applicable int      `json:"questions_applicable"`
	Answered   int      `json:"questions_answered"`
	Unanswered []string `json:"unanswered"`
}

// Score is the 0–100 measure of how far the safeguards are in place.
type Score struct {
	Overall     int           `json:"overall"`
	Capped      bool          `json:"capped"`
	Families    []FamilyScore `json:"families"`
	Explanation []string      `json:"explanation"`
}

// FamilyScore is the score of one family of safeguards.
type FamilyScore struct {
	Family   string `json:"family"`
	Label    string `json:"label"`
	Citation string `json:"citation"`
	Score    int    `json:"score"`
	Capped   bool   `json:"capped"`
	Controls int    `json:"controls_counted"`
}

// TrendPoint is the score of one assessment, for the trend chart.
type TrendPoint struct {
	AssessmentID string `json:"assessment_id"`
	Title        string `json:"title"`
	Date         string `json:"date"`
	Status       string `json:"status"`
	Score        int    `json:"score"`
}

// Scope describes what the analysis covers: where the practice works, its
// systems and the kinds of ePHI at stake.
type Scope struct {
	Locations []string    `json:"locations"`
	EHRSystem string      `json:"ehr_system"`
	Workforce int         `json:"workforce_size"`
	Systems   []ScopeItem `json:"systems"`
	EPHI      []EPHIKind  `json:"ephi"`
}

// ScopeItem is one profile answer that sets the scope.
type ScopeItem struct {
	QuestionID string `json:"question_id"`
	Question   string `json:"question"`
	Answer     string `json:"answer"`
	Note       string `json:"note"`
}

// EPHIKind is a kind of ePHI the risks touch.
type EPHIKind struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Risks int    `json:"risks"`
}

// Asset is one entry of the technology inventory. The store may not hold an
// inventory yet; callers pass one through Options.Assets when they have it.
type Asset struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Location  string `json:"location"`
	Zone      string `json:"zone"`
	Address   string `json:"address"`
	OS        string `json:"os"`
	Owner     string `json:"owner"`
	HoldsEPHI bool   `json:"holds_ephi"`
	Notes     string `json:"notes"`
}

// Method explains how risks were rated: the scales, the 5×5 matrix and the rules.
type Method struct {
	Scale []ScalePoint `json:"scale"`
	// Matrix[l-1][i-1] is the level of likelihood l and impact i.
	Matrix [5][5]string `json:"matrix"`
	// Counts[l-1][i-1] is how many risks sit in that cell.
	Counts     [5][5]int `json:"counts"`
	Paragraphs []string  `json:"paragraphs"`
	DueNote    string    `json:"due_note"`
}

// ScalePoint names one point of the 1–5 likelihood and impact scales.
type ScalePoint struct {
	Value int    `json:"value"`
	Word  string `json:"word"`
}

// LevelCounts counts risks by level.
type LevelCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Moderate int `json:"moderate"`
	Low      int `json:"low"`
	Total    int `json:"total"`
}

// Risk is one row of the risk register.
type Risk struct {
	Rank                     int      `json:"rank"`
	ID                       string   `json:"id"`
	Title                    string   `json:"title"`
	ThreatID                 string   `json:"threat_id"`
	Threat                   string   `json:"threat"`
	ThreatSource             string   `json:"threat_source"`
	ThreatDescription        string   `json:"threat_description"`
	VulnerabilityID          string   `json:"vulnerability_id"`
	Vulnerability            string   `json:"vulnerability"`
	VulnerabilityDescription string   `json:"vulnerability_description"`
	Likelihood               int      `json:"likelihood"`
	Impact                   int      `json:"impact"`
	Level                    string   `json:"level"`
	ComputedLikelihood       int      `json:"computed_likelihood"`
	ComputedImpact           int      `json:"computed_impact"`
	OverrideRationale        string   `json:"override_rationale"`
	ResidualLikelihood       int      `json:"residual_likelihood"`
	ResidualImpact           int      `json:"residual_impact"`
	ResidualLevel            string   `json:"residual_level"`
	Citations                []string `json:"citations"`
	Assets                   []string `json:"assets"`
	EPHI                     []string `json:"ephi"`
	Sources                  []Source `json:"sources"`
	Contradicted             bool     `json:"contradicted"`
	Treatment                string   `json:"treatment"`
	Status                   string   `json:"status"`
	Owner                    string   `json:"owner"`
	Due                      string   `json:"due"`
	Overdue                  bool     `json:"overdue"`
	PlannedControls          string   `json:"planned_controls"`
	Effort                   string   `json:"effort"`
	Approver                 string   `json:"approver"`
	AcceptanceRationale      string   `json:"acceptance_rationale"`
}

// Source is what raised a risk: an answer or a finding.
type Source struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
	Note string `json:"note"`
}

// Action is one line of the risk management plan: one piece of work, and
// the risks it treats.
type Action struct {
	Priority int `json:"priority"`
	// Action is what to do.
	Action string `json:"action"`
	// Weakness is the vulnerability the action removes.
	Weakness string `json:"weakness"`
	// Level is the highest level among the risks it treats.
	Level         string   `json:"level"`
	RiskIDs       []string `json:"risk_ids"`
	Threats       []string `json:"threats"`
	Treatment     string   `json:"treatment"`
	Owner         string   `json:"owner"`
	Due           string   `json:"due"`
	Overdue       bool     `json:"overdue"`
	Status        string   `json:"status"`
	Effort        string   `json:"effort"`
	ResidualLevel string   `json:"residual_level"`
	Citations     []string `json:"citations"`
	Approver      string   `json:"approver"`
	Rationale     string   `json:"acceptance_rationale"`
}

// Contradiction is an answer that the evidence disproves.
type Contradiction struct {
	QuestionID string   `json:"question_id"`
	Question   string   `json:"question"`
	Answer     string   `json:"answer"`
	Citations  []string `json:"citations"`
	FindingID  string   `json:"finding_id"`
	Rule       string   `json:"rule"`
	Severity   string   `json:"severity"`
	Finding    string   `json:"finding"`
	Subject    string   `json:"subject"`
}

// Finding is one analyzer finding, without its evidence rows (the evidence
// package carries those).
type Finding struct {
	ID           string   `json:"id"`
	Source       string   `json:"source"`
	Rule         string   `json:"rule"`
	Severity     string   `json:"severity"`
	Title        string   `json:"title"`
	Subject      string   `json:"subject"`
	Citations    []string `json:"citations"`
	Status       string   `json:"status"`
	FirstSeen    string   `json:"first_seen"`
	LastSeen     string   `json:"last_seen"`
	EvidenceRows int      `json:"evidence_rows"`
}

// Control is the status of one standard or implementation specification.
type Control struct {
	Citation    string `json:"citation"`
	Title       string `json:"title"`
	Kind        string `json:"kind"`
	Requirement string `json:"requirement"`
	Family      string `json:"family"`
	Parent      string `json:"parent"`
	// State is in place, partly in place, not in place, unknown, not yet
	// answered, not applicable or disproved by evidence; a standard with
	// specifications is rolled up from them.
	State string `json:"state"`
	// Scored is true when the control counts in the score on its own.
	Scored  bool        `json:"scored"`
	Value   float64     `json:"value"`
	Weight  float64     `json:"weight"`
	Answers []AnswerRef `json:"answers"`
	Risks   int         `json:"open_risks"`
}

// AnswerRef is one answer behind a control's status.
type AnswerRef struct {
	QuestionID string `json:"question_id"`
	Question   string `json:"question"`
	Answer     string `json:"answer"`
	Note       string `json:"note"`
}

// Changes is what changed since the previous assessment.
type Changes struct {
	PreviousID    string         `json:"previous_id"`
	PreviousTitle string         `json:"previous_title"`
	PreviousDate  string         `json:"previous_date"`
	ScoreBefore   int            `json:"score_before"`
	ScoreAfter    int            `json:"score_after"`
	Answers       []AnswerChange `json:"answers"`
	Risks         []RiskChange   `json:"risks"`
}

// AnswerChange is a question answered differently this time.
type AnswerChange struct {
	QuestionID string `json:"question_id"`
	Question   string `json:"question"`
	Before     string `json:"before"`
	After      string `json:"after"`
}

// RiskChange is a risk that is new, gone, or at another level this time.
type RiskChange struct {
	Title  string `json:"title"`
	Change string `json:"change"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Penalties is the civil money penalty context shown in the executive summary.
type Penalties struct {
	Label       string        `json:"label"`
	Basis       string        `json:"basis"`
	AdjustedFor string        `json:"adjusted_for"`
	Tiers       []PenaltyTier `json:"tiers"`
	Notes       []string      `json:"notes"`
}

// PenaltyTier is one culpability tier with its per-violation range and yearly cap, in US dollars.
type PenaltyTier struct {
	Tier          int    `json:"tier"`
	Culpability   string `json:"culpability"`
	MinPerViolate int    `json:"min_per_violation"`
	MaxPerViolate int    `json:"max_per_violation"`
	YearlyCap     int    `json:"calendar_year_cap"`
	DiscretionCap int    `json:"enforcement_discretion_cap"`
}
