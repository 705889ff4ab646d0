package app_test

import (
	"context"
	"testing"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/demo"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

// TestSetFindingStatus checks that a reviewed finding stops or starts
// feeding the draft risk register, and that bad requests change nothing.
func TestSetFindingStatus(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	cat := catalog.MustDefault()
	res, err := demo.Build(ctx, db, cat)
	if err != nil {
		t.Fatal(err)
	}
	sc := db.For(res.Practice.ID)
	svc := app.New(cat, sc, "test")
	fs, err := sc.Findings(ctx, store.FindingFilter{MinSeverity: hipaa.SeverityModerate})
	if err != nil || len(fs) == 0 {
		t.Fatalf("the demo practice has no findings: %v", err)
	}
	target := fs[0]
	feeds := func() bool {
		risks, err := sc.Risks(ctx, res.Current.ID, store.RiskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range risks {
			for _, src := range r.Sources {
				if src.Kind == "finding" && src.Ref == target.ID {
					return true
				}
			}
		}
		return false
	}
	if !feeds() {
		t.Fatalf("finding %s feeds no risk before the review", target.Rule)
	}
	for _, tc := range []struct {
		name, id string
		status   hipaa.FindingStatus
		code     hipaa.ErrorCode
		feeds    bool
	}{
		{"resolved cannot be set by hand", target.ID, hipaa.FindingResolved, hipaa.EInvalid, true},
		{"unknown status", target.ID, "maybe", hipaa.EInvalid, true},
		{"unknown finding", "fnd_none", hipaa.FindingDismissed, hipaa.ENotFound, true},
		{"dismissed", target.ID, hipaa.FindingDismissed, "", false},
		{"reopened", target.ID, hipaa.FindingOpen, "", true},
		{"confirmed", target.ID, hipaa.FindingConfirmed, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := svc.SetFindingStatus(ctx, tc.id, tc.status)
			if got := hipaa.ErrorCodeOf(err); (tc.code == "" && err != nil) || (tc.code != "" && got != tc.code) {
				t.Fatalf("error %v (%s), want %q", err, got, tc.code)
			}
			if feeds() != tc.feeds {
				t.Errorf("finding feeds the register: %v, want %v", !tc.feeds, tc.feeds)
			}
		})
	}
}
