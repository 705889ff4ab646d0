package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

func newService(t *testing.T, db *store.DB) *Service {
	t.Helper()
	p := &hipaa.Practice{Name: "Willow Creek Clinic", SecurityOfficial: "Ana Ruiz"}
	if err := db.CreatePractice(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return New(catalog.MustDefault(), db.For(p.ID), "tester")
}

// writeOld writes a file and dates it a minute back, so the watcher takes it.
func writeOld(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	os.Chtimes(path, old, old)
}

func TestWatchedFolderEvidenceContradictsAnswers(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		a, err := svc.StartAssessment(ctx, "", true)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Answer(ctx, a.ID, []AnswerInput{{QuestionID: "PF-05", Value: "yes"}, {QuestionID: "AN-04", Value: "yes"}}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := svc.Scope.AddWatchSource(ctx, &store.WatchSource{Kind: "findings", Path: dir}); err != nil {
			t.Fatal(err)
		}
		writeOld(t, filepath.Join(dir, "scan.json"), `[{"source": "netseg", "rule": "SEG-03", "severity": "critical",
			"title": "Guest Wi-Fi reaches the X-ray workstation", "subject": "guest → medical",
			"evidence": [{"port": 3389, "host": "10.0.5.20"}]}]`)
		os.WriteFile(filepath.Join(dir, "still-writing.json"), []byte("[{"), 0o600) // too fresh to take
		writeOld(t, filepath.Join(dir, "broken.json"), `[{"source": "x", "rule": "R", "severity": "dire", "title": "t"}]`)

		res, err := svc.CheckWatched(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Imported) != 1 || len(res.Failed) != 1 || !strings.Contains(res.Failed[0], "broken.json:1: finding 1") || res.Review == "" {
			t.Fatalf("result %+v", res)
		}
		st, err := svc.Status(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Contradictions) != 1 || st.Contradictions[0].QuestionID != "AN-04" {
			t.Errorf("contradictions %+v", st.Contradictions)
		}
		if !st.Assessment.NeedsReview || !strings.Contains(st.Assessment.ReviewReason, "new evidence") {
			t.Errorf("assessment not marked for review: %+v", st.Assessment)
		}
		risks, _ := svc.Scope.Risks(ctx, a.ID, store.RiskFilter{})
		contradicted := 0
		for _, r := range risks {
			if r.Contradicted && r.Level == hipaa.LevelCritical {
				contradicted++
			}
		}
		if contradicted == 0 {
			t.Errorf("no critical risk from the evidence among %d", len(risks))
		}
		// The same files are not taken twice.
		res, err = svc.CheckWatched(ctx)
		if err != nil || len(res.Imported) != 0 {
			t.Errorf("second pass: %+v %v", res, err)
		}
	})
}

func TestCalendarDuties(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	svc := newService(t, db)
	db.SetClock(func() time.Time { return time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC) })
	duties, _, err := svc.Calendar(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, d := range duties {
		kinds[d.Kind] = d.Due
	}
	if kinds["risk_analysis"] != "2026-11-22" || kinds["vulnerability_scan"] != "2026-11-22" {
		t.Errorf("a new practice owes a risk analysis and (proposed) a scan today: %v", kinds)
	}
	if _, err := svc.RecordDuty(ctx, "vulnerability_scan", "2026-11-02", "by our IT provider"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecordDuty(ctx, "moon_landing", "2026-11-02", ""); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
		t.Errorf("unknown duty kind accepted: %v", err)
	}
	all, _, _ := svc.Calendar(ctx, -1)
	for _, d := range all {
		if d.Kind == "vulnerability_scan" && (d.Due != "2027-05-02" || !d.Proposed) {
			t.Errorf("scan due %s proposed %v, want 2027-05-02 (six months, proposed rule)", d.Due, d.Proposed)
		}
	}
}
