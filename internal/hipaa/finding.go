package hipaa

import "time"

// FindingStatus is where a finding stands in review.
type FindingStatus string

// The statuses of a finding.
const (
	FindingOpen      FindingStatus = "open"
	FindingConfirmed FindingStatus = "confirmed"
	FindingDismissed FindingStatus = "dismissed"
	FindingResolved  FindingStatus = "resolved"
)

// Finding is what an analyzer found: one shape for every analyzer.
type Finding struct {
	ID          string           `json:"id"`
	Source      string           `json:"source"`
	Rule        string           `json:"rule"`
	Severity    Severity         `json:"severity"`
	Title       string           `json:"title"`
	Subject     string           `json:"subject"`
	Citations   []string         `json:"citations"`
	Evidence    []map[string]any `json:"evidence"`
	Status      FindingStatus    `json:"status"`
	Fingerprint string           `json:"fingerprint"`
	FirstSeen   time.Time        `json:"first_seen"`
	LastSeen    time.Time        `json:"last_seen"`
}
