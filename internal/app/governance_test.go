package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/policy"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
	"github.com/safeguard-hipaa/safeguard/internal/vendors"
	"github.com/safeguard-hipaa/safeguard/internal/workforce"
)

// newService makes a practice with a draft assessment, on a fixed clock.
func newService(t *testing.T, db *store.DB) *app.Service {
	t.Helper()
	ctx := context.Background()
	db.SetClock(func() time.Time { return time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC) })
	p := &hipaa.Practice{Name: "Riverside Family Medicine", EHRSystem: "athenaOne", TimeZone: "America/Chicago", SecurityOfficial: "Dana Ortiz"}
	if err := db.CreatePractice(ctx, p); err != nil {
		t.Fatal(err)
	}
	svc := app.New(catalog.MustDefault(), db.For(p.ID), "tester")
	if _, err := svc.StartAssessment(ctx, "", false); err != nil {
		t.Fatal(err)
	}
	return svc
}

func findingsByRule(t *testing.T, svc *app.Service, status hipaa.FindingStatus) map[string]*hipaa.Finding {
	t.Helper()
	fs, err := svc.Scope.Findings(context.Background(), store.FindingFilter{Status: status})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*hipaa.Finding{}
	for _, f := range fs {
		out[f.Rule] = f
	}
	return out
}

// The acceptance case: an ePHI vendor with an expired BAA yields a finding
// citing 164.308(b)(1) and 164.314(a), which becomes a risk in the draft
// assessment; renewing the BAA resolves it.
func TestExpiredBAAFeedsTheRiskAnalysis(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		v := &vendors.Vendor{Name: "Acme Billing", Service: "billing", EPHI: []vendors.Use{vendors.UseMaintain}, Active: true,
			BAA: vendors.BAASigned, SignedOn: "2023-01-01", ExpiresOn: "2025-12-31", ReviewedOn: "2026-06-01", VerifiedOn: "2026-06-01"}
		if err := v.Validate(); err != nil {
			t.Fatal(err)
		}
		res, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.PutVendor(ctx, v, nil, svc.Actor) })
		if err != nil {
			t.Fatal(err)
		}
		if res.Reassessed == "" {
			t.Error("the draft assessment was not re-evaluated")
		}
		f := findingsByRule(t, svc, hipaa.FindingOpen)["BAA-02"]
		if f == nil {
			t.Fatalf("no BAA-02 finding: %+v", res.Findings)
		}
		cites := strings.Join(f.Citations, " ")
		if !strings.Contains(cites, "164.308(b)(1)") || !strings.Contains(cites, "164.314(a)") {
			t.Errorf("citations %v", f.Citations)
		}
		a, err := svc.Current(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		risks, err := svc.Scope.Risks(ctx, a.ID, store.RiskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range risks {
			if r.VulnerabilityID == "V-FND-BAA-EXPIRED" {
				found = true
			}
		}
		if !found {
			t.Error("the expired BAA raised no risk")
		}
		// Renewing resolves the finding and the risk.
		v.ExpiresOn = "2028-12-31"
		if _, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.PutVendor(ctx, v, nil, svc.Actor) }); err != nil {
			t.Fatal(err)
		}
		if findingsByRule(t, svc, hipaa.FindingResolved)["BAA-02"] == nil {
			t.Error("the BAA-02 finding was not resolved")
		}
		risks, _ = svc.Scope.Risks(ctx, a.ID, store.RiskFilter{})
		for _, r := range risks {
			if r.VulnerabilityID == "V-FND-BAA-EXPIRED" {
				t.Error("the risk is still active after renewal")
			}
		}
	})
}

func TestWorkforceAndContingencyFindings(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		m := &workforce.Member{Name: "Ana Lopez", Role: "nurse", AccessGrantedOn: "2026-09-01"}
		if _, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.PutMember(ctx, m) }); err != nil {
			t.Fatal(err)
		}
		open := findingsByRule(t, svc, hipaa.FindingOpen)
		if open["TRN-01"] == nil || open["CP-01"] == nil {
			t.Fatalf("want TRN-01 and CP-01, got %v", open)
		}
		tr := &workforce.Training{MemberID: m.ID, Topic: "Security awareness", CompletedOn: "2026-11-01"}
		c := &workforce.ContingencyTest{TestedOn: "2026-10-15", Kind: "restore", Result: "passed"}
		if err := tr.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Record(ctx, func(tx *store.Scope) error {
			if err := tx.AddTraining(ctx, tr); err != nil {
				return err
			}
			return tx.AddContingencyTest(ctx, c)
		}); err != nil {
			t.Fatal(err)
		}
		open = findingsByRule(t, svc, hipaa.FindingOpen)
		if open["TRN-01"] != nil || open["CP-01"] != nil {
			t.Errorf("still open: %v", open)
		}
	})
}

func TestPolicyLifecycle(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		changes, err := svc.GeneratePolicies(ctx, nil, map[string]string{"logoff_minutes": "10", "it_support": "BrightIT"})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != len(policy.Docs) || changes[0].Action != "created" {
			t.Fatalf("changes %+v", changes)
		}
		// Regenerating with nothing changed rewrites nothing.
		again, err := svc.GeneratePolicies(ctx, []string{"workstations"}, nil)
		if err != nil || again[0].Action != "unchanged" {
			t.Fatalf("again %v %+v", err, again)
		}
		ws, _, err := svc.FindPolicy(ctx, "workstations", 0)
		if err != nil || !strings.Contains(ws.Body, "no more than 10 minutes") || !strings.Contains(ws.Body, "BrightIT") {
			t.Fatalf("workstations %v", err)
		}
		// Approving without a name saves nothing.
		if _, err := svc.ApprovePolicy(ctx, "workstations", " ", ""); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
			t.Errorf("no approver: %v", err)
		}
		if _, err := svc.ApprovePolicy(ctx, "workstations", "Dana Ortiz", "22/11/2026"); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
			t.Errorf("bad date: %v", err)
		}
		if v, _, _ := svc.FindPolicy(ctx, "workstations", 0); v.Status != policy.StatusDraft {
			t.Errorf("a refused approval changed the status to %s", v.Status)
		}
		v1, err := svc.ApprovePolicy(ctx, "workstations", "Dana Ortiz", "2025-10-01")
		if err != nil {
			t.Fatal(err)
		}
		if v1.ReviewDue != "2026-10-01" {
			t.Errorf("review due %s", v1.ReviewDue)
		}
		if findingsByRule(t, svc, hipaa.FindingOpen)["POL-01"] == nil {
			t.Error("no POL-01 for a policy past its review date")
		}
		m := &workforce.Member{Name: "Ana Lopez"}
		if _, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.PutMember(ctx, m) }); err != nil {
			t.Fatal(err)
		}
		if _, acks, err := svc.AcknowledgePolicy(ctx, "workstations", 0, []string{"ana lopez"}, "2025-10-05"); err != nil || len(acks) != 1 {
			t.Fatalf("acknowledge %v", err)
		}
		// A new setting makes a new draft; approving it supersedes version 1.
		if _, err := svc.GeneratePolicies(ctx, []string{"workstations"}, map[string]string{"logoff_minutes": "8"}); err != nil {
			t.Fatal(err)
		}
		v2, err := svc.ApprovePolicy(ctx, "workstations", "Dana Ortiz", "")
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.EffectiveOn != "2026-11-22" {
			t.Errorf("v2 %+v", v2)
		}
		old, hist, err := svc.FindPolicy(ctx, "workstations", 1)
		if err != nil || len(hist) != 2 || old.Status != policy.StatusSuperseded || old.EndedOn != "2026-11-22" || old.RetainUntil != "2032-11-22" || old.Acknowledgements != 1 {
			t.Errorf("v1 after supersession %v %+v", err, old)
		}
		if findingsByRule(t, svc, hipaa.FindingResolved)["POL-01"] == nil {
			t.Error("POL-01 was not resolved by the new approval")
		}
	})
}
