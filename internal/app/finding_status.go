package app

import (
	"context"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// SetFindingStatus records a person's review of a finding (confirmed or
// dismissed, or back to open) and re-evaluates the current draft
// assessment, in one transaction, so the risk register follows the review.
func (s *Service) SetFindingStatus(ctx context.Context, id string, status hipaa.FindingStatus) error {
	switch status {
	case hipaa.FindingOpen, hipaa.FindingConfirmed, hipaa.FindingDismissed:
	default:
		return hipaa.Errorf(hipaa.EInvalid, "status %q cannot be set by hand: choose open, confirmed or dismissed", status)
	}
	return s.Scope.InTx(ctx, func(tx *store.Scope) error {
		if err := tx.SetFindingStatus(ctx, id, status); err != nil {
			return err
		}
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}
		cur, err := svc.Current(ctx, "")
		if hipaa.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if cur.Status != hipaa.StatusDraft {
			return nil
		}
		return svc.reassess(ctx, cur.ID, "")
	})
}
