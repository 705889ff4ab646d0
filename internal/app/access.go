package app

import (
	"context"

	"github.com/safeguard-hipaa/safeguard/internal/accesslog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// SaveAccessAnalysis records an audit-log analysis in one transaction — its
// findings (through the shared findings list), the review details and the
// run itself — and re-evaluates the draft assessment, if there is one, so the
// risk register reflects the evidence. Findings of earlier runs that this
// run did not see again stay as they are: a log covers one period, and
// older findings are closed by review, not by absence.
func (s *Service) SaveAccessAnalysis(ctx context.Context, rep *accesslog.Report) (*accesslog.Run, []*hipaa.Finding, error) {
	run := accesslog.NewRun(rep, s.Actor, s.Scope.DB().Now())
	fs := make([]*hipaa.Finding, 0, len(rep.Findings))
	for _, r := range rep.Findings {
		fs = append(fs, r.Finding())
	}
	details := accesslog.Details(rep, run.ID)
	err := s.Scope.InTx(ctx, func(tx *store.Scope) error {
		if err := tx.PutFindings(ctx, fs); err != nil {
			return err
		}
		if err := tx.SaveAccessRun(ctx, run, fs, details); err != nil {
			return err
		}
		return (&Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}).reassessDraft(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	return run, fs, nil
}

// ReviewAccessFinding records a decision on an audit-log finding — a
// confirmation with its sanction, a dismissal with its reason, or an
// escalation that opens an incident — and re-evaluates the draft assessment.
func (s *Service) ReviewAccessFinding(ctx context.Context, r *accesslog.Review) (*accesslog.Incident, error) {
	r.DecidedBy = s.Actor
	var inc *accesslog.Incident
	if r.Decision == accesslog.Escalated {
		inc = &accesslog.Incident{Summary: r.Reason}
	}
	err := s.Scope.InTx(ctx, func(tx *store.Scope) error {
		if err := tx.ReviewAccessFinding(ctx, r, inc); err != nil {
			return err
		}
		return (&Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}).reassessDraft(ctx)
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}

// reassessDraft re-evaluates the practice's draft assessment, if any.
func (s *Service) reassessDraft(ctx context.Context) error {
	list, err := s.Scope.Assessments(ctx)
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.Status == hipaa.StatusDraft {
			return s.reassess(ctx, a.ID, "")
		}
	}
	return nil
}
