package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/accesslog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

func TestAccessReviewStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := db.For(newPractice(t, db, "Access Clinic").ID)
		other := db.For(newPractice(t, db, "Other Clinic").ID)
		start := time.Date(2025, 3, 3, 14, 0, 0, 0, time.UTC)
		end := start.AddDate(0, 0, 20)
		findings := []*hipaa.Finding{
			{Source: accesslog.Source, Rule: "PA-02", Severity: hipaa.SeverityHigh, Title: "family", Subject: "user a, patient ***123",
				Fingerprint: "accesslog|PA-02|a|p:1", FirstSeen: start, LastSeen: start, Citations: []string{"164.312(b)"},
				Evidence: []map[string]any{{"patient": "P00123", "time": "2025-03-03T08:00:00-06:00"}}},
			{Source: accesslog.Source, Rule: "SH-01", Severity: hipaa.SeverityHigh, Title: "shared", Subject: "user b",
				Fingerprint: "accesslog|SH-01|b", FirstSeen: start, LastSeen: end},
			{Source: accesslog.Source, Rule: "AC-01", Severity: hipaa.SeverityCritical, Title: "after leaving", Subject: "user c",
				Fingerprint: "accesslog|AC-01|c", FirstSeen: end, LastSeen: end},
		}
		details := []*accesslog.Detail{{RunID: "", User: "a", Patient: "***123 (J. D.)", Count: 2, Action: "ask", Fingerprint: "accesslog|PA-02|a|p:1"},
			{User: "b", Count: 3, Action: "ask", Fingerprint: "accesslog|SH-01|b"}, {User: "c", Count: 9, Action: "disable", Fingerprint: "accesslog|AC-01|c"}}
		run := &accesslog.Run{ID: hipaa.NewID("alr"), StartedAt: end, Actor: "tester", Files: []accesslog.FileStats{{Name: "log.csv", Events: 100}},
			Events: 100, PeriodStart: &start, PeriodEnd: &end, Findings: 3}
		err := s.InTx(ctx, func(tx *store.Scope) error {
			if err := tx.PutFindings(ctx, findings); err != nil {
				return err
			}
			return tx.SaveAccessRun(ctx, run, findings, details)
		})
		if err != nil {
			t.Fatal(err)
		}
		runs, err := s.AccessRuns(ctx)
		if err != nil || len(runs) != 1 || runs[0].Events != 100 || len(runs[0].Files) != 1 || runs[0].PeriodStart == nil {
			t.Fatalf("runs: %v %+v", err, runs)
		}
		queue, err := s.AccessQueue(ctx, hipaa.FindingOpen, "")
		if err != nil || len(queue) != 3 || queue[0].Finding.Rule != "AC-01" || queue[0].Detail.Count != 9 {
			t.Fatalf("queue: %v %d", err, len(queue))
		}
		if q, _ := other.AccessQueue(ctx, "", ""); len(q) != 0 {
			t.Errorf("another practice sees %d findings", len(q))
		}
		ids := map[string]string{}
		for _, it := range queue {
			ids[it.Finding.Rule] = it.Finding.ID
		}
		// Decisions.
		if err := s.ReviewAccessFinding(ctx, &accesslog.Review{FindingID: ids["PA-02"], Decision: accesslog.Confirmed, DecidedBy: "x"}, nil); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
			t.Errorf("confirm without sanction: %v", err)
		}
		if err := s.ReviewAccessFinding(ctx, &accesslog.Review{FindingID: ids["PA-02"], Decision: accesslog.Confirmed, Sanction: "written warning", DecidedBy: "Dana"}, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.ReviewAccessFinding(ctx, &accesslog.Review{FindingID: ids["SH-01"], Decision: accesslog.Dismissed, Reason: "roaming profile", DecidedBy: "Dana"}, nil); err != nil {
			t.Fatal(err)
		}
		inc := &accesslog.Incident{}
		if err := s.ReviewAccessFinding(ctx, &accesslog.Review{FindingID: ids["AC-01"], Decision: accesslog.Escalated, DecidedBy: "Dana"}, inc); err != nil {
			t.Fatal(err)
		}
		if err := other.ReviewAccessFinding(ctx, &accesslog.Review{FindingID: ids["AC-01"], Decision: accesslog.Escalated, DecidedBy: "Eve"}, nil); !hipaa.IsNotFound(err) {
			t.Errorf("another practice reviewed a finding: %v", err)
		}
		if incs, _ := s.AccessIncidents(ctx); len(incs) != 1 || incs[0].ID != inc.ID || incs[0].Rule != "AC-01" {
			t.Errorf("incidents: %+v", incs)
		}
		if open, _ := s.AccessQueue(ctx, hipaa.FindingOpen, ""); len(open) != 0 {
			t.Errorf("%d findings still open", len(open))
		}
		// Sign-off.
		chicago, _ := time.LoadLocation("America/Chicago")
		so, err := s.SignOffAccessReview(ctx, "2025-03-01", "2025-03-31", chicago, "Dana Ortiz", "monthly review")
		if err != nil {
			t.Fatal(err)
		}
		if so.Runs != 1 || so.Events != 100 || so.Findings != 3 || so.Open != 0 || so.Confirmed != 1 || so.Dismissed != 1 || so.Escalated != 1 {
			t.Errorf("sign-off: %+v", so)
		}
		if list, _ := s.AccessSignoffs(ctx); len(list) != 1 || list[0].Note != "monthly review" {
			t.Errorf("sign-offs: %+v", list)
		}
		if _, err := s.SignOffAccessReview(ctx, "2024-01-01", "2024-01-31", chicago, "Dana Ortiz", ""); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
			t.Errorf("sign-off of an uncovered period: %v", err)
		}
		// Recertification.
		c := &accesslog.Campaign{Name: "Q1", StartedBy: "Dana", Due: "2025-04-15"}
		items := []*accesslog.RecertItem{{Login: "a", Name: "A A", Manager: "M"}, {Login: "b"}}
		if err := s.StartRecert(ctx, c, items); err != nil {
			t.Fatal(err)
		}
		if err := s.StartRecert(ctx, &accesslog.Campaign{Name: "again", StartedBy: "Dana"}, items); hipaa.ErrorCodeOf(err) != hipaa.EConflict {
			t.Errorf("second open campaign: %v", err)
		}
		if _, err := s.DecideRecert(ctx, "", "A", "confirmed", "M", ""); err != nil {
			t.Fatal(err)
		}
		got, err := s.DecideRecert(ctx, c.ID, "b", "removed", "M", "left")
		if err != nil || got.Status != "closed" || got.Confirmed != 1 || got.Removed != 1 || got.ClosedAt == nil {
			t.Fatalf("campaign: %v %+v", err, got)
		}
		if its, _ := s.RecertItems(ctx, c.ID); len(its) != 2 || its[1].Decision != "removed" || its[1].DecidedAt == nil {
			t.Errorf("items: %+v", its)
		}
	})
}
