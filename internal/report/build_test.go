package report

import (
	"context"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/demo"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

// demoService builds the demo practice in a fresh SQLite database.
func demoService(t testing.TB) (*app.Service, *demo.Result) {
	t.Helper()
	return demoIn(t, storetest.SQLite(t))
}

// demoIn builds the demo practice in db.
func demoIn(t testing.TB, db *store.DB) (*app.Service, *demo.Result) {
	t.Helper()
	ctx := context.Background()
	cat := catalog.MustDefault()
	res, err := demo.Build(ctx, db, cat)
	if err != nil {
		t.Fatal(err)
	}
	return app.New(cat, db.For(res.Practice.ID), "tester"), res
}

// TestBuildFromDemo builds the demo practice's reports on every database engine.
func TestBuildFromDemo(t *testing.T) {
	storetest.Engines(t, testBuildFromDemo)
}

func testBuildFromDemo(t *testing.T, db *store.DB) {
	ctx := context.Background()
	svc, res := demoIn(t, db)
	now := time.Now().UTC()
	m, err := Build(ctx, svc, Options{Now: now, Generator: "safeguard test"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Assessment.ID != res.Current.ID {
		t.Fatalf("default assessment = %s, want the draft %s", m.Assessment.ID, res.Current.ID)
	}
	d := m.Document
	if d.Version != "2.0-draft" || d.Final || d.Approver != "" || d.Preparer != "Dana Ortiz" {
		t.Errorf("document record of the draft: %+v", d)
	}
	loc, _ := time.LoadLocation(res.Practice.TimeZone)
	if want := now.In(loc).AddDate(6, 0, 0).Format(time.DateOnly); d.RetainUntil != want {
		t.Errorf("retain until %s, want %s (six years)", d.RetainUntil, want)
	}
	st, err := svc.Status(ctx, res.Current.ID)
	if err != nil {
		t.Fatal(err)
	}
	risks, err := svc.Scope.Risks(ctx, res.Current.ID, store.RiskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Score.Overall != st.Score.Overall || len(m.Risks) != len(risks) || m.RiskCounts.Total != len(risks) {
		t.Errorf("score %d (want %d), risks %d/%d (want %d)", m.Score.Overall, st.Score.Overall, len(m.Risks), m.RiskCounts.Total, len(risks))
	}
	if len(m.Controls) != len(svc.Cat.Controls) {
		t.Errorf("%d controls, want every one of the catalog's %d", len(m.Controls), len(svc.Cat.Controls))
	}
	for _, c := range m.Controls {
		if c.State == "" || c.Citation == "" {
			t.Errorf("control without a state or citation: %+v", c)
		}
	}
	// Every risk is in exactly one plan action.
	seen := map[string]int{}
	for i, a := range m.Plan {
		if a.Priority != i+1 {
			t.Errorf("action %d has priority %d", i, a.Priority)
		}
		for _, id := range a.RiskIDs {
			seen[id]++
		}
	}
	for _, r := range m.Risks {
		if seen[r.ID] != 1 {
			t.Errorf("risk %s is in %d plan actions", r.ID, seen[r.ID])
		}
	}
	heat := 0
	for _, row := range m.Method.Counts {
		for _, n := range row {
			heat += n
		}
	}
	if heat != len(m.Risks) {
		t.Errorf("heat map holds %d risks, register %d", heat, len(m.Risks))
	}
	if m.Changes == nil || m.Changes.PreviousID != res.Previous.ID || len(m.Changes.Answers) == 0 {
		t.Errorf("changes since last year: %+v", m.Changes)
	}
	if len(m.Trend) != 2 || m.Trend[1].AssessmentID != res.Current.ID {
		t.Errorf("trend: %+v", m.Trend)
	}
	if len(m.Scope.Systems) == 0 || len(m.Scope.EPHI) == 0 {
		t.Errorf("scope: %+v", m.Scope)
	}
	for _, f := range Formats {
		for _, k := range []Kind{KindAll, KindSummary} {
			render(t, m, f, k)
		}
	}
	if err := validateJSON(t, compileSchema(t), render(t, m, FormatJSON, KindAll)); err != nil {
		t.Errorf("demo JSON report does not match its schema: %v", err)
	}
	validateOSCAL(t, render(t, m, FormatOSCAL, KindAll))

	// Last year's finalized analysis: approved, and still in effect.
	prev, err := Build(ctx, svc, Options{AssessmentID: res.Previous.ID, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	pd := prev.Document
	fin := res.Previous.FinalizedAt.In(loc)
	if !pd.Final || pd.Version != "1.0" || pd.Approver != "Dr. Maria Chen, owner" || pd.ApprovedOn != fin.Format(time.DateOnly) ||
		pd.RetainUntil != fin.AddDate(6, 0, 0).Format(time.DateOnly) {
		t.Errorf("document record of the finalized analysis: %+v", pd)
	}
	if prev.Changes != nil {
		t.Errorf("the first analysis has nothing to compare with, got %+v", prev.Changes)
	}

	recs, err := Records(ctx, svc, m)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range recs {
		names[r.Name] = len(r.Data) > 2
	}
	for _, n := range []string{"answers.json", "risk-history.json", "change-events.json"} {
		if _, ok := names[n]; !ok {
			t.Errorf("evidence records lack %s: %v", n, names)
		}
	}

	_, err = Build(ctx, svc, Options{AssessmentID: "asm_missing"})
	if !hipaa.IsNotFound(err) {
		t.Errorf("unknown assessment: %v", err)
	}
}
