// Package app holds Safeguard's use cases — start an assessment, answer
// questions, re-evaluate risks, update the plan, finalize — each as one
// transaction over the store, shared by the command line and the web app so
// that neither holds business rules of its own.
package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// Service runs use cases for one practice.
type Service struct {
	Cat   *catalog.Catalog
	Scope *store.Scope
	// Actor names who is acting, for history and sign-offs.
	Actor string
}

// New returns a service for one practice.
func New(cat *catalog.Catalog, scope *store.Scope, actor string) *Service {
	return &Service{Cat: cat, Scope: scope, Actor: actor}
}

// StartAssessment begins a new draft assessment. Unless fresh is set, it
// starts from the answers of the practice's latest assessment. A practice has
// at most one draft at a time.
func (s *Service) StartAssessment(ctx context.Context, title string, fresh bool) (*hipaa.Assessment, error) {
	list, err := s.Scope.Assessments(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a.Status == hipaa.StatusDraft {
			return nil, hipaa.Errorf(hipaa.EConflict, "assessment %s (%q) is still a draft: finish it with `safeguard assess finalize`, or answer its questions", a.ID, a.Title)
		}
	}
	now := s.Scope.DB().Now()
	if title == "" {
		title = fmt.Sprintf("Security risk analysis %d", now.Year())
	}
	a := &hipaa.Assessment{Title: title, BankVersion: s.Cat.Version, StartedBy: s.Actor}
	if len(list) > 0 && !fresh {
		a.PreviousID = list[0].ID
	}
	var out *hipaa.Assessment
	err = s.Scope.InTx(ctx, func(tx *store.Scope) error {
		if err := tx.CreateAssessment(ctx, a); err != nil {
			return err
		}
		out = a
		if a.PreviousID != "" {
			return (&Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}).reassess(ctx, a.ID, a.PreviousID)
		}
		return nil
	})
	return out, err
}

// Current returns the assessment commands work on by default: the draft if
// there is one, else the latest finalized assessment.
func (s *Service) Current(ctx context.Context, id string) (*hipaa.Assessment, error) {
	if id != "" {
		return s.Scope.Assessment(ctx, id)
	}
	list, err := s.Scope.Assessments(ctx)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, hipaa.Errorf(hipaa.ENotFound, "this practice has no assessment yet: start one with `safeguard assess start`")
	}
	for _, a := range list {
		if a.Status == hipaa.StatusDraft {
			return a, nil
		}
	}
	return list[0], nil
}

// AnswerInput is one answer as a person or file gives it.
type AnswerInput struct {
	QuestionID    string
	Value         string
	Note          string
	Justification string
	// Where names the answer's origin (file:line) for error messages.
	Where string
}

// Answer checks answers against the question bank and saves them with the
// re-evaluated risks, all in one transaction. Nothing is saved if any answer
// is wrong.
func (s *Service) Answer(ctx context.Context, assessmentID string, in []AnswerInput) error {
	var answers []hipaa.Answer
	for _, a := range in {
		ans, err := s.checkAnswer(a)
		if err != nil {
			return err
		}
		answers = append(answers, ans)
	}
	return s.Scope.InTx(ctx, func(tx *store.Scope) error {
		if err := tx.SaveAnswers(ctx, assessmentID, answers); err != nil {
			return err
		}
		return (&Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}).reassess(ctx, assessmentID, "")
	})
}

// CheckAnswer checks one answer against the question bank without saving
// it, so that a form can show every problem beside its field.
func (s *Service) CheckAnswer(in AnswerInput) error {
	_, err := s.checkAnswer(in)
	return err
}

func (s *Service) checkAnswer(in AnswerInput) (hipaa.Answer, error) {
	where := in.Where
	if where != "" {
		where += ": "
	}
	q, ok := s.Cat.Question(in.QuestionID)
	if !ok {
		return hipaa.Answer{}, hipaa.Errorf(hipaa.EInvalid, "%sunknown question %q: see `safeguard questions list` for the IDs", where, in.QuestionID)
	}
	v, ok := hipaa.ParseAnswer(in.Value)
	var choices []string
	for _, o := range q.Options {
		choices = append(choices, string(o.Value))
	}
	if _, offered := q.Option(v); !ok || !offered {
		return hipaa.Answer{}, hipaa.Errorf(hipaa.EInvalid, "%squestion %s: %q is not a valid answer: choose one of %s", where, q.ID, in.Value, strings.Join(choices, ", "))
	}
	if v == hipaa.AnswerNA && strings.TrimSpace(in.Justification) == "" {
		return hipaa.Answer{}, hipaa.Errorf(hipaa.EInvalid, "%squestion %s: Not applicable needs a written justification (%s)", where, q.ID, strings.TrimSpace(q.NA))
	}
	return hipaa.Answer{QuestionID: q.ID, Value: v, Note: strings.TrimSpace(in.Note), Justification: strings.TrimSpace(in.Justification), AnsweredBy: s.Actor}, nil
}

// Reassess re-evaluates an assessment's risks from its answers and the
// practice's current findings, and saves the register.
func (s *Service) Reassess(ctx context.Context, assessmentID string) error {
	return s.Scope.InTx(ctx, func(tx *store.Scope) error {
		return (&Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}).reassess(ctx, assessmentID, "")
	})
}

// reassess does the work of Reassess inside a transaction. When carryFrom names
// an earlier assessment, risks new to this one inherit that assessment's plan
// for the same threat and vulnerability.
func (s *Service) reassess(ctx context.Context, assessmentID, carryFrom string) error {
	a, err := s.Scope.Assessment(ctx, assessmentID)
	if err != nil {
		return err
	}
	if a.Status == hipaa.StatusFinalized {
		return nil // a finalized register is a fixed record
	}
	ev, err := s.evaluate(ctx, assessmentID)
	if err != nil {
		return err
	}
	savedRows, err := s.Scope.AllRisks(ctx, assessmentID)
	if err != nil {
		return err
	}
	saved := make(map[string]assess.Saved, len(savedRows))
	for k, v := range savedRows {
		saved[k] = assess.Saved{Risk: v.Risk, Active: v.Active}
	}
	p, err := s.Scope.Practice(ctx)
	if err != nil {
		return err
	}
	now := s.Scope.DB().Now()
	writes := assess.Merge(s.Cat, ev.Risks, saved, p.SecurityOfficial, now, s.Actor)
	var carried map[string]store.SavedRisk
	if carryFrom != "" {
		if carried, err = s.Scope.AllRisks(ctx, carryFrom); err != nil {
			return err
		}
	}
	for _, w := range writes {
		if prev, ok := carried[w.Risk.Key]; ok && len(w.Changes) > 0 && w.Changes[0].Field == "created" {
			freshDue := w.Risk.Due
			carryPlan(w.Risk, prev.Risk)
			w.Risk.Level = s.Cat.Level(w.Risk.Likelihood, w.Risk.Impact)
			w.Changes[0].Rationale = "carried over from assessment " + carryFrom
			if w.Risk.Due != "" && w.Risk.Due < now.Format("2006-01-02") && w.Risk.Status != hipaa.RiskDone && w.Risk.Status != hipaa.RiskAccepted {
				// A new analysis starts a new plan cycle, but the missed date stays on record.
				w.Changes = append(w.Changes, hipaa.RiskChange{At: now, Actor: s.Actor, Field: "due", Before: w.Risk.Due, After: freshDue,
					Rationale: "the previous plan's due date passed while the risk was still open"})
				w.Risk.Due = freshDue
			}
		}
		if err := s.Scope.PutRisk(ctx, w.Risk, w.Active); err != nil {
			return err
		}
		if err := s.Scope.AddRiskChanges(ctx, w.Risk.ID, w.Changes); err != nil {
			return err
		}
	}
	return s.snapshot(ctx, a.ID, ev)
}

// snapshot records today's score and open risks of an assessment for the trend.
func (s *Service) snapshot(ctx context.Context, assessmentID string, ev *assess.Evaluation) error {
	answers, err := s.Scope.Answers(ctx, assessmentID)
	if err != nil {
		return err
	}
	risks, err := s.Scope.Risks(ctx, assessmentID, store.RiskFilter{})
	if err != nil {
		return err
	}
	var open []*hipaa.Risk
	for _, r := range risks {
		if r.Status != hipaa.RiskDone && r.Status != hipaa.RiskAccepted {
			open = append(open, r)
		}
	}
	n := store.CountByLevel(open)
	p, err := s.Scope.Practice(ctx)
	if err != nil {
		return err
	}
	return s.Scope.PutSnapshot(ctx, store.Snapshot{AssessmentID: assessmentID, Day: Today(p, s.Scope.DB().Now()),
		Score: assess.ComputeScore(s.Cat, ev, answers).Overall, Critical: n[hipaa.LevelCritical], High: n[hipaa.LevelHigh],
		Moderate: n[hipaa.LevelModerate], Low: n[hipaa.LevelLow]})
}

// Trend returns the practice's score and open-risk history, oldest first.
func (s *Service) Trend(ctx context.Context) ([]store.Snapshot, error) { return s.Scope.Snapshots(ctx) }

// carryPlan copies the plan of last year's risk onto this year's.
func carryPlan(r, prev *hipaa.Risk) {
	r.Treatment, r.Status, r.Owner, r.Due = prev.Treatment, prev.Status, prev.Owner, prev.Due
	r.PlannedControls, r.Effort, r.Approver, r.AcceptanceRationale = prev.PlannedControls, prev.Effort, prev.Approver, prev.AcceptanceRationale
	if prev.OverrideRationale != "" {
		r.Likelihood, r.Impact, r.OverrideRationale = prev.Likelihood, prev.Impact, prev.OverrideRationale
	}
	if prev.ResidualLikelihood > 0 {
		r.ResidualLikelihood, r.ResidualImpact, r.ResidualLevel = prev.ResidualLikelihood, prev.ResidualImpact, prev.ResidualLevel
	}
	if r.Status == hipaa.RiskDone {
		// It was fixed last time, yet it is raised again: reopen it.
		r.Status = hipaa.RiskOpen
	}
}

// evaluate loads an assessment's answers and the practice's findings and runs the engine.
func (s *Service) evaluate(ctx context.Context, assessmentID string) (*assess.Evaluation, error) {
	answers, err := s.Scope.Answers(ctx, assessmentID)
	if err != nil {
		return nil, err
	}
	findings, err := s.Scope.Findings(ctx, store.FindingFilter{})
	if err != nil {
		return nil, err
	}
	return assess.Evaluate(s.Cat, assessmentID, answers, findings), nil
}

// Status is a summary of an assessment: progress, score, risks by level,
// contradictions and warnings.
type Status struct {
	Assessment     *hipaa.Assessment      `json:"assessment"`
	Applicable     int                    `json:"questions_applicable"`
	Answered       int                    `json:"questions_answered"`
	Unanswered     []string               `json:"unanswered"`
	Score          *assess.Score          `json:"score"`
	RisksByLevel   map[hipaa.Level]int    `json:"risks_by_level"`
	Contradictions []assess.Contradiction `json:"contradictions"`
	Warnings       []string               `json:"warnings"`
}

// Status summarizes an assessment.
func (s *Service) Status(ctx context.Context, assessmentID string) (*Status, error) {
	a, err := s.Scope.Assessment(ctx, assessmentID)
	if err != nil {
		return nil, err
	}
	answers, err := s.Scope.Answers(ctx, assessmentID)
	if err != nil {
		return nil, err
	}
	ev, err := s.evaluate(ctx, assessmentID)
	if err != nil {
		return nil, err
	}
	risks, err := s.Scope.Risks(ctx, assessmentID, store.RiskFilter{})
	if err != nil {
		return nil, err
	}
	st := &Status{Assessment: a, Applicable: len(ev.Applicable), Answered: len(ev.Applicable) - len(ev.Unanswered),
		Unanswered: []string{}, Score: assess.ComputeScore(s.Cat, ev, answers), RisksByLevel: map[hipaa.Level]int{},
		Contradictions: ev.Contradictions, Warnings: []string{}}
	if st.Contradictions == nil {
		st.Contradictions = []assess.Contradiction{}
	}
	for _, q := range ev.Unanswered {
		st.Unanswered = append(st.Unanswered, q.ID)
	}
	for _, l := range hipaa.Levels {
		st.RisksByLevel[l] = 0
	}
	for _, r := range risks {
		st.RisksByLevel[r.Level]++
	}
	w, err := s.Warnings(ctx)
	if err != nil {
		return nil, err
	}
	st.Warnings = append(st.Warnings, w...)
	if a.NeedsReview {
		st.Warnings = append(st.Warnings, "This assessment needs review after a change: "+a.ReviewReason+".")
	}
	if a.BankVersion != s.Cat.Version {
		st.Warnings = append(st.Warnings, fmt.Sprintf("This assessment was answered against question bank %s; this version of Safeguard has %s. Start a new assessment to pick up the new questions.", a.BankVersion, s.Cat.Version))
	}
	return st, nil
}

// Warnings returns the practice-wide warnings: no finalized assessment, or
// the last one over 12 months old.
func (s *Service) Warnings(ctx context.Context) ([]string, error) {
	list, err := s.Scope.Assessments(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Scope.DB().Now()
	for _, a := range list {
		if a.Status != hipaa.StatusFinalized {
			continue
		}
		if a.FinalizedAt.Before(now.AddDate(-1, 0, 0)) {
			return []string{fmt.Sprintf("The last finalized risk analysis is from %s, more than 12 months ago. Review it now: OCR expects it to be kept current (164.308(a)(1)(ii)(A), 164.316(b)(2)(iii)).",
				a.FinalizedAt.Format("2006-01-02"))}, nil
		}
		return nil, nil
	}
	return []string{"This practice has no finalized risk analysis yet. It is the first document OCR asks for (164.308(a)(1)(ii)(A))."}, nil
}

// Finalize makes an assessment a fixed record, signed off by a named person.
// Every applicable question must be answered first.
func (s *Service) Finalize(ctx context.Context, assessmentID, by string) (*hipaa.Assessment, error) {
	by = strings.TrimSpace(by)
	if by == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "finalizing needs the name of the person signing off: add --by \"Full Name\"")
	}
	var out *hipaa.Assessment
	err := s.Scope.InTx(ctx, func(tx *store.Scope) error {
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: by}
		if err := svc.reassess(ctx, assessmentID, ""); err != nil {
			return err
		}
		ev, err := svc.evaluate(ctx, assessmentID)
		if err != nil {
			return err
		}
		if n := len(ev.Unanswered); n > 0 {
			var ids []string
			for _, q := range ev.Unanswered {
				ids = append(ids, q.ID)
			}
			list := strings.Join(ids, ", ")
			if n > 20 {
				list = strings.Join(ids[:20], ", ") + fmt.Sprintf(" and %d more", n-20)
			}
			return hipaa.Errorf(hipaa.EInvalid, "cannot finalize: %d question(s) unanswered: %s (answer them with `safeguard assess run`)", n, list)
		}
		a, err := tx.FinalizeAssessment(ctx, assessmentID, by)
		out = a
		return err
	})
	return out, err
}

// UpdateRisk applies an assessor's change to one risk and records it in the
// risk's history, in one transaction. Risks of a finalized assessment are
// fixed.
func (s *Service) UpdateRisk(ctx context.Context, riskID string, u assess.Update) (*hipaa.Risk, error) {
	var out *hipaa.Risk
	err := s.Scope.InTx(ctx, func(tx *store.Scope) error {
		r, active, err := tx.Risk(ctx, riskID)
		if err != nil {
			return err
		}
		a, err := tx.Assessment(ctx, r.AssessmentID)
		if err != nil {
			return err
		}
		if a.Status == hipaa.StatusFinalized {
			return hipaa.Errorf(hipaa.EConflict, "risk %s belongs to finalized assessment %s and cannot change: start a new assessment to update the plan", riskID, a.ID)
		}
		changes, err := assess.ApplyUpdate(s.Cat, r, u, tx.DB().Now(), s.Actor)
		if err != nil {
			return err
		}
		if err := tx.PutRisk(ctx, r, active); err != nil {
			return err
		}
		out = r
		if err := tx.AddRiskChanges(ctx, r.ID, changes); err != nil {
			return err
		}
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}
		ev, err := svc.evaluate(ctx, a.ID)
		if err != nil {
			return err
		}
		return svc.snapshot(ctx, a.ID, ev)
	})
	return out, err
}

// Plan returns the risk management plan of an assessment: one action per
// vulnerability, covering all the risks it raises, by priority.
func (s *Service) Plan(ctx context.Context, assessmentID string) ([]assess.PlanAction, error) {
	risks, err := s.Scope.Risks(ctx, assessmentID, store.RiskFilter{})
	if err != nil {
		return nil, err
	}
	return assess.BuildPlan(s.Cat, risks), nil
}

// Diff compares two assessments of the practice.
func (s *Service) Diff(ctx context.Context, fromID, toID string) (*assess.Diff, error) {
	a, err := s.Scope.Assessment(ctx, fromID)
	if err != nil {
		return nil, err
	}
	b, err := s.Scope.Assessment(ctx, toID)
	if err != nil {
		return nil, err
	}
	if b.StartedAt.Before(a.StartedAt) {
		a, b = b, a
	}
	aAns, err := s.Scope.Answers(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	bAns, err := s.Scope.Answers(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	aR, err := s.Scope.Risks(ctx, a.ID, store.RiskFilter{})
	if err != nil {
		return nil, err
	}
	bR, err := s.Scope.Risks(ctx, b.ID, store.RiskFilter{})
	if err != nil {
		return nil, err
	}
	return assess.Compare(s.Cat, a.ID, aAns, aR, b.ID, bAns, bR), nil
}

// Today returns the date in the practice's time zone.
func Today(p *hipaa.Practice, now time.Time) string {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return now.In(loc).Format("2006-01-02")
}
