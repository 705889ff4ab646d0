package workforce

import (
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// TrainingStatus is a person's training position on a date.
type TrainingStatus struct {
	Member *Member `json:"member"`
	// Last is the latest training record, or nil.
	Last *Training `json:"last,omitempty"`
	// Due is when training is (or was) due.
	Due string `json:"due,omitempty"`
	// Overdue is set when Due has passed.
	Overdue bool `json:"overdue"`
	// Reason says why the date is due, in plain words.
	Reason string `json:"reason"`
}

// TrainingStatuses works out, for each active member, when training is due:
// the next due date of the latest training, or 30 days after access was
// granted for someone never trained (both the proposed rule's timing).
func TrainingStatuses(members []*Member, trainings []*Training, today time.Time) []TrainingStatus {
	t := today.Format(hipaa.DateLayout)
	last := map[string]*Training{}
	for _, tr := range trainings {
		if p, ok := last[tr.MemberID]; !ok || tr.CompletedOn > p.CompletedOn || (tr.CompletedOn == p.CompletedOn && tr.NextDue > p.NextDue) {
			last[tr.MemberID] = tr
		}
	}
	var out []TrainingStatus
	for _, m := range members {
		if !m.Active() {
			continue
		}
		st := TrainingStatus{Member: m, Last: last[m.ID]}
		switch {
		case st.Last != nil:
			st.Due = st.Last.NextDue
			st.Reason = fmt.Sprintf("refresher due 12 months after the last training on %s (proposed rule: at least every 12 months)", st.Last.CompletedOn)
		case m.AccessGrantedOn != "":
			granted, _ := time.Parse(hipaa.DateLayout, m.AccessGrantedOn)
			st.Due = granted.AddDate(0, 0, InitialTrainingDays).Format(hipaa.DateLayout)
			st.Reason = fmt.Sprintf("no training recorded; due within %d days of getting access on %s (proposed rule)", InitialTrainingDays, m.AccessGrantedOn)
		default:
			st.Due = m.CreatedAt.UTC().AddDate(0, 0, InitialTrainingDays).Format(hipaa.DateLayout)
			st.Reason = fmt.Sprintf("no training recorded and no access date; due within %d days of being added to the roster", InitialTrainingDays)
		}
		st.Overdue = st.Due < t
		out = append(out, st)
	}
	return out
}

// CheckTraining returns a TRN-01 finding for each active member whose
// training is overdue.
func CheckTraining(members []*Member, trainings []*Training, today time.Time) []*hipaa.Finding {
	var out []*hipaa.Finding
	for _, st := range TrainingStatuses(members, trainings, today) {
		if !st.Overdue {
			continue
		}
		ev := map[string]any{"member": st.Member.Name, "role": st.Member.Role, "due": st.Due, "reason": st.Reason}
		title := fmt.Sprintf("Security training for %s was due on %s", st.Member.Name, st.Due)
		if st.Last != nil {
			ev["last_training"] = st.Last.CompletedOn
			ev["last_topic"] = st.Last.Topic
		} else {
			title = fmt.Sprintf("%s has no security training on record (due %s)", st.Member.Name, st.Due)
		}
		out = append(out, &hipaa.Finding{Source: Source, Rule: "TRN-01", Severity: hipaa.SeverityModerate, Title: title,
			Subject: st.Member.Name, Citations: []string{"164.308(a)(5)(i)"}, Evidence: []map[string]any{ev},
			Fingerprint: Source + "|TRN-01|" + st.Member.ID})
	}
	return out
}

// CheckTerminations returns, for each departed member with a checklist,
// TRM-01 when steps are still open and TRM-02 when electronic access was
// removed more than an hour after the person left (proposed rule).
func CheckTerminations(ts []*Termination, now time.Time) []*hipaa.Finding {
	var out []*hipaa.Finding
	for _, t := range ts {
		m := t.Member
		if m.LeftAt == nil {
			continue
		}
		if open := t.Open(); len(open) > 0 {
			var items []string
			for _, s := range open {
				items = append(items, s.Item)
			}
			sev := hipaa.SeverityModerate
			hours := now.Sub(*m.LeftAt).Hours()
			if hours > 24 {
				sev = hipaa.SeverityHigh
			}
			out = append(out, &hipaa.Finding{Source: Source, Rule: "TRM-01", Severity: sev,
				Title:       fmt.Sprintf("%s left on %s and %d access item(s) are still open: %s", m.Name, m.LeftAt.UTC().Format(hipaa.DateLayout), len(open), strings.Join(items, "; ")),
				Subject:     m.Name,
				Citations:   []string{"164.308(a)(3)(ii)(C)", "164.308(a)(4)(ii)(C)"},
				Evidence:    []map[string]any{{"member": m.Name, "left_at": m.LeftAt.UTC().Format(time.RFC3339), "open_items": items, "hours_since_leaving": int(hours)}},
				Fingerprint: Source + "|TRM-01|" + m.ID})
		}
		if late := t.Late(); len(late) > 0 {
			var rows []map[string]any
			for _, s := range late {
				rows = append(rows, map[string]any{"item": s.Item, "done_at": s.DoneAt.UTC().Format(time.RFC3339),
					"minutes_after_leaving": int(s.DoneAt.Sub(*m.LeftAt).Minutes())})
			}
			out = append(out, &hipaa.Finding{Source: Source, Rule: "TRM-02", Severity: hipaa.SeverityLow,
				Title:     fmt.Sprintf("%s's access to %d system(s) was removed more than one hour after leaving (proposed rule: within one hour)", m.Name, len(late)),
				Subject:   m.Name,
				Citations: []string{"164.308(a)(3)(ii)(C)"},
				Evidence:  rows, Fingerprint: Source + "|TRM-02|" + m.ID})
		}
	}
	return out
}

// CheckContingency returns a CP-01 finding when no contingency plan test is
// recorded within the last ContingencyMonths.
func CheckContingency(tests []*ContingencyTest, today time.Time) []*hipaa.Finding {
	since := hipaa.AddMonths(today, -ContingencyMonths).Format(hipaa.DateLayout)
	var last *ContingencyTest
	for _, c := range tests {
		if last == nil || c.TestedOn > last.TestedOn {
			last = c
		}
	}
	if last != nil && last.TestedOn >= since {
		return nil
	}
	title := "The contingency plan has no recorded test"
	ev := map[string]any{"tests_recorded": len(tests), "window_start": since}
	if last != nil {
		title = fmt.Sprintf("The contingency plan was last tested on %s, more than 12 months ago", last.TestedOn)
		ev["last_test"] = last.TestedOn
		ev["last_kind"] = last.Kind
		ev["last_result"] = last.Result
	}
	return []*hipaa.Finding{{Source: ContingencySource, Rule: "CP-01", Severity: hipaa.SeverityModerate, Title: title,
		Subject: "contingency plan", Citations: []string{"164.308(a)(7)(ii)(D)", "164.308(a)(7)(i)"},
		Evidence: []map[string]any{ev}, Fingerprint: ContingencySource + "|CP-01|contingency-plan"}}
}
