package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/calendar"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// DutySource adds duties from one part of the practice's records. Other
// packages (vendors, policies, workforce, access review) add theirs with
// RegisterDutySource.
type DutySource func(ctx context.Context, s *Service, p *hipaa.Practice, today string) ([]calendar.Duty, error)

var dutySources []DutySource

// RegisterDutySource adds a source of duties to every calendar.
func RegisterDutySource(src DutySource) { dutySources = append(dutySources, src) }

// Calendar returns the practice's duties due within the window (in days;
// negative for all), as of the practice's today. Overdue duties are always
// included.
func (s *Service) Calendar(ctx context.Context, within int) ([]calendar.Duty, *hipaa.Practice, error) {
	p, err := s.Scope.Practice(ctx)
	if err != nil {
		return nil, nil, err
	}
	today := Today(p, s.Scope.DB().Now())
	duties, err := s.coreDuties(ctx, p, today)
	if err != nil {
		return nil, nil, err
	}
	gov, err := governanceDuties(ctx, s, p, today)
	if err != nil {
		return nil, nil, err
	}
	duties = append(duties, gov...)
	for _, src := range dutySources {
		more, err := src(ctx, s, p, today)
		if err != nil {
			return nil, nil, err
		}
		duties = append(duties, more...)
	}
	return calendar.Finish(duties, today, within), p, nil
}

// coreDuties are the duties of the risk analysis itself: the yearly review
// (or a review after a change), the plan's actions, and the recurring
// activities recorded with RecordDuty.
func (s *Service) coreDuties(ctx context.Context, p *hipaa.Practice, today string) ([]calendar.Duty, error) {
	var out []calendar.Duty
	list, err := s.Scope.Assessments(ctx)
	if err != nil {
		return nil, err
	}
	var lastFinal *hipaa.Assessment
	for _, a := range list {
		if a.Status == hipaa.StatusFinalized {
			lastFinal = a
			break
		}
	}
	ra := calendar.Duty{Key: "risk-analysis", Kind: calendar.KindRiskAnalysis, Citation: "164.308(a)(1)(ii)(A)", Owner: p.SecurityOfficial,
		Title: "Review and update the risk analysis", Due: today, Detail: "No risk analysis has been finalized yet."}
	if lastFinal != nil {
		ra.Due = lastFinal.FinalizedAt.AddDate(1, 0, 0).Format(time.DateOnly)
		ra.Detail = "The last one was finalized on " + lastFinal.FinalizedAt.Format(time.DateOnly) + " by " + lastFinal.FinalizedBy + "; review it at least every 12 months."
	}
	if len(list) > 0 && list[0].NeedsReview {
		ra.Due, ra.Title = today, "Review the risk analysis after a change"
		ra.Detail = "Changed: " + list[0].ReviewReason + "."
	}
	out = append(out, ra)

	if cur, err := s.Current(ctx, ""); err == nil {
		actions, err := s.Plan(ctx, cur.ID)
		if err != nil {
			return nil, err
		}
		// One duty per due date, so a plan of fifty actions is a handful of dates.
		byDue := map[string][]assess.PlanAction{}
		var dues []string
		for _, a := range actions {
			if a.Due == "" || a.Status == hipaa.RiskDone || a.Status == hipaa.RiskAccepted {
				continue
			}
			if _, ok := byDue[a.Due]; !ok {
				dues = append(dues, a.Due)
			}
			byDue[a.Due] = append(byDue[a.Due], a)
		}
		for _, due := range dues {
			out = append(out, planDuty(due, byDue[due]))
		}
	} else if !hipaa.IsNotFound(err) {
		return nil, err
	}

	last, err := s.Scope.LastDutiesDone(ctx)
	if err != nil {
		return nil, err
	}
	// A contingency test recorded with its results counts as the duty done.
	tests, err := s.Scope.ContingencyTests(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tests {
		if t.TestedOn > last[calendar.KindContingencyTest] {
			last[calendar.KindContingencyTest] = t.TestedOn
		}
	}
	for _, c := range calendar.Cadences {
		done := last[c.Kind]
		if done == "" && c.Kind == calendar.KindEvaluation && lastFinal != nil {
			done = lastFinal.FinalizedAt.Format(time.DateOnly) // a finalized risk analysis is also an evaluation
		}
		d := calendar.Duty{Key: c.Kind, Kind: c.Kind, Title: c.Title, Detail: c.Why, Due: calendar.Next(c, done, today),
			Citation: c.Citation, Proposed: c.Proposed, Owner: p.SecurityOfficial}
		if done == "" {
			d.Detail = "Not recorded yet. " + c.Why
		} else {
			d.Detail = "Last done " + done + ". " + c.Why
		}
		out = append(out, d)
	}
	return out, nil
}

// planDuty makes one calendar duty of the plan actions due on one date.
func planDuty(due string, acts []assess.PlanAction) calendar.Duty {
	levels := map[hipaa.Level]int{}
	var owners, titles []string
	for _, a := range acts {
		levels[a.Level]++
		for _, o := range strings.Split(a.Owner, "; ") {
			if o != "" && !slices.Contains(owners, o) {
				owners = append(owners, o)
			}
		}
		if len(titles) < 5 {
			titles = append(titles, a.Title)
		}
	}
	var parts []string
	for i := len(hipaa.Levels) - 1; i >= 0; i-- {
		if n := levels[hipaa.Levels[i]]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, hipaa.Levels[i]))
		}
	}
	title := "Risk plan: " + acts[0].Title
	if len(acts) > 1 {
		title = fmt.Sprintf("Risk plan: %d actions due (%s)", len(acts), strings.Join(parts, ", "))
	}
	detail := strings.Join(titles, "; ")
	if len(acts) > len(titles) {
		detail += fmt.Sprintf("; and %d more (see safeguard plan)", len(acts)-len(titles))
	}
	return calendar.Duty{Key: "risk-plan:" + due, Kind: calendar.KindRiskAction, Title: title, Detail: detail, Due: due,
		Citation: "164.308(a)(1)(ii)(B)", Owner: strings.Join(owners, "; ")}
}

// RecordDuty records that a recurring duty was done, which moves its next due date.
func (s *Service) RecordDuty(ctx context.Context, kind, on, note string) (*store.DutyDone, error) {
	if _, ok := calendar.CadenceOf(kind); !ok {
		var kinds []string
		for _, c := range calendar.Cadences {
			kinds = append(kinds, c.Kind)
		}
		return nil, hipaa.Errorf(hipaa.EInvalid, "unknown duty %q: use one of %v", kind, kinds)
	}
	d := &store.DutyDone{Kind: kind, DoneOn: on, Note: note, RecordedBy: s.Actor}
	return d, s.Scope.RecordDuty(ctx, d)
}
