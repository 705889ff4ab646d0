package incident

import (
	"fmt"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Source is the analyzer name on this package's findings.
const Source = "incident"

// DecisionWarningDays is how many days before the 60-day notice limit an
// incident involving PHI with no documented breach decision is flagged.
const DecisionWarningDays = 30

// Check returns the INC-01 findings for the incident log as of today: a
// breach whose required notice is past its deadline and not recorded as
// given, and an incident that involved (or may have involved) PHI with no
// documented breach decision and 30 days or less left of the 60-day window.
func Check(incidents []*Incident, today time.Time) []*hipaa.Finding {
	t := day(today).Format(hipaa.DateLayout)
	var out []*hipaa.Finding
	for _, in := range incidents {
		if in.IsBreach() {
			for _, d := range in.Schedule() {
				if d.Requirement != Required || d.SentOn != "" || d.Due >= t {
					continue
				}
				out = append(out, &hipaa.Finding{
					Source: Source, Rule: "INC-01", Severity: hipaa.SeverityCritical,
					Title:     fmt.Sprintf("Breach notice to %s was due %s and is not recorded as given", d.Recipient.phrase(), d.Due),
					Subject:   in.ID,
					Citations: []string{"164.308(a)(6)(ii)"},
					Evidence: []map[string]any{{"incident": in.ID, "discovered_on": in.DiscoveredOn, "recipient": string(d.Recipient),
						"due": d.Due, "rule": d.Citation, "affected": in.Assessment.Affected}},
					Fingerprint: fmt.Sprintf("%s|INC-01|%s|%s", Source, in.ID, d.Recipient),
				})
			}
			continue
		}
		if in.Assessment != nil || in.PHIInvolved == PHINo {
			continue
		}
		disc, err := hipaa.ParseDate("discovered", in.DiscoveredOn)
		if err != nil {
			continue
		}
		limit := day(disc).AddDate(0, 0, NoticeDays)
		left := int(limit.Sub(day(today)).Hours() / 24)
		if left > DecisionWarningDays {
			continue
		}
		sev := hipaa.SeverityHigh
		title := fmt.Sprintf("No documented breach decision for an incident discovered %s: %d day(s) left of the 60-day notice window", in.DiscoveredOn, left)
		if left < 0 {
			sev = hipaa.SeverityCritical
			title = fmt.Sprintf("No documented breach decision for an incident discovered %s: the 60-day notice window closed on %s", in.DiscoveredOn, limit.Format(hipaa.DateLayout))
		}
		out = append(out, &hipaa.Finding{
			Source: Source, Rule: "INC-01", Severity: sev, Title: title, Subject: in.ID,
			Citations: []string{"164.308(a)(6)(ii)"},
			Evidence: []map[string]any{{"incident": in.ID, "discovered_on": in.DiscoveredOn, "phi_involved": string(in.PHIInvolved),
				"notice_limit": limit.Format(hipaa.DateLayout), "days_left": left}},
			Fingerprint: fmt.Sprintf("%s|INC-01|%s|decision", Source, in.ID),
		})
	}
	return out
}
