package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

func newPractice(t *testing.T, db *store.DB, name string) *hipaa.Practice {
	t.Helper()
	p := &hipaa.Practice{Name: name, Locations: []string{"1 Main St"}, WorkforceSize: 7, TimeZone: "America/Chicago"}
	if err := db.CreatePractice(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func code(err error) hipaa.ErrorCode { return hipaa.ErrorCodeOf(err) }

func TestPractices(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPractice(t, db, "Lakeside Pediatrics")
		if p.Slug != "lakeside-pediatrics" || p.ID == "" {
			t.Fatalf("slug %q id %q", p.Slug, p.ID)
		}
		got, err := db.FindPractice(ctx, "lakeside-pediatrics")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != p.ID || got.TimeZone != "America/Chicago" || len(got.Locations) != 1 || got.WorkforceSize != 7 {
			t.Fatalf("read back %+v", got)
		}
		if !got.CreatedAt.Equal(p.CreatedAt) {
			t.Errorf("created_at %v, want %v", got.CreatedAt, p.CreatedAt)
		}
		dup := &hipaa.Practice{Name: "Lakeside Pediatrics"}
		if err := db.CreatePractice(ctx, dup); code(err) != hipaa.EConflict {
			t.Errorf("duplicate slug: got %v, want a conflict", err)
		}
		if _, err := db.FindPractice(ctx, "nope"); code(err) != hipaa.ENotFound {
			t.Errorf("missing practice: got %v", err)
		}
		bad := &hipaa.Practice{Name: "X", TimeZone: "Mars/Olympus"}
		if err := db.CreatePractice(ctx, bad); code(err) != hipaa.EInvalid {
			t.Errorf("bad time zone: got %v", err)
		}
		got.Name, got.EHRSystem = "Lakeside Pediatrics LLC", "Epic"
		if err := db.UpdatePractice(ctx, got); err != nil {
			t.Fatal(err)
		}
		list, err := db.Practices(ctx)
		if err != nil || len(list) != 1 || list[0].EHRSystem != "Epic" {
			t.Fatalf("list %v %v", list, err)
		}
	})
}

func TestPracticesAreIsolated(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := newPractice(t, db, "Alpha Clinic"), newPractice(t, db, "Beta Clinic")
		sa, sb := db.For(a.ID), db.For(b.ID)
		asmA := &hipaa.Assessment{Title: "A", BankVersion: "t"}
		if err := sa.CreateAssessment(ctx, asmA); err != nil {
			t.Fatal(err)
		}
		if err := sa.SaveAnswers(ctx, asmA.ID, []hipaa.Answer{{QuestionID: "SM-01", Value: hipaa.AnswerNo}}); err != nil {
			t.Fatal(err)
		}
		if err := sa.PutFindings(ctx, []*hipaa.Finding{{Source: "netseg", Rule: "SEG-03", Severity: hipaa.SeverityHigh, Title: "guest reaches medical", Subject: "guest→medical"}}); err != nil {
			t.Fatal(err)
		}
		// Practice B sees none of A's records and cannot write into A's assessment.
		if _, err := sb.Assessment(ctx, asmA.ID); code(err) != hipaa.ENotFound {
			t.Errorf("B read A's assessment: %v", err)
		}
		if list, _ := sb.Assessments(ctx); len(list) != 0 {
			t.Errorf("B lists %d assessments", len(list))
		}
		if ans, _ := sb.Answers(ctx, asmA.ID); len(ans) != 0 {
			t.Errorf("B read %d of A's answers", len(ans))
		}
		if fs, _ := sb.Findings(ctx, store.FindingFilter{}); len(fs) != 0 {
			t.Errorf("B read %d of A's findings", len(fs))
		}
		if err := sb.SaveAnswers(ctx, asmA.ID, []hipaa.Answer{{QuestionID: "SM-01", Value: hipaa.AnswerYes}}); code(err) != hipaa.ENotFound {
			t.Errorf("B wrote into A's assessment: %v", err)
		}
		if ans, _ := sa.Answers(ctx, asmA.ID); ans["SM-01"].Value != hipaa.AnswerNo {
			t.Errorf("A's answer changed to %q", ans["SM-01"].Value)
		}
		fs, _ := sa.Findings(ctx, store.FindingFilter{})
		if err := sb.SetFindingStatus(ctx, fs[0].ID, hipaa.FindingDismissed); code(err) != hipaa.ENotFound {
			t.Errorf("B changed A's finding: %v", err)
		}
	})
}

func TestAssessmentLifecycle(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := db.For(newPractice(t, db, "Gamma Dental").ID)
		first := &hipaa.Assessment{Title: "2025", BankVersion: "t", StartedBy: "dana"}
		if err := s.CreateAssessment(ctx, first); err != nil {
			t.Fatal(err)
		}
		answers := []hipaa.Answer{
			{QuestionID: "SM-01", Value: hipaa.AnswerPartial, Note: "old"},
			{QuestionID: "WF-07", Value: hipaa.AnswerNA, Justification: "not a clearinghouse"},
		}
		if err := s.SaveAnswers(ctx, first.ID, answers); err != nil {
			t.Fatal(err)
		}
		// Saving again replaces the answer.
		if err := s.SaveAnswers(ctx, first.ID, []hipaa.Answer{{QuestionID: "SM-01", Value: hipaa.AnswerYes}}); err != nil {
			t.Fatal(err)
		}
		fin, err := s.FinalizeAssessment(ctx, first.ID, "Dr. Chen")
		if err != nil || fin.FinalizedBy != "Dr. Chen" || fin.FinalizedAt == nil {
			t.Fatalf("finalize: %+v %v", fin, err)
		}
		if err := s.SaveAnswers(ctx, first.ID, answers); code(err) != hipaa.EConflict {
			t.Errorf("a finalized assessment accepted answers: %v", err)
		}
		if _, err := s.FinalizeAssessment(ctx, first.ID, "x"); code(err) != hipaa.EConflict {
			t.Errorf("finalized twice: %v", err)
		}
		second := &hipaa.Assessment{Title: "2026", BankVersion: "t", PreviousID: first.ID}
		if err := s.CreateAssessment(ctx, second); err != nil {
			t.Fatal(err)
		}
		got, err := s.Answers(ctx, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["SM-01"].Value != hipaa.AnswerYes || got["WF-07"].Justification != "not a clearinghouse" {
			t.Errorf("copied answers: %+v", got)
		}
		if err := s.AddChangeEvent(ctx, &hipaa.ChangeEvent{Kind: hipaa.ChangeNewEHR, OccurredOn: "2026-05-01", Description: "moved to a cloud EHR"}); err != nil {
			t.Fatal(err)
		}
		list, _ := s.Assessments(ctx)
		if len(list) != 2 || list[0].ID != second.ID || !list[0].NeedsReview || list[1].NeedsReview {
			t.Errorf("needs review should mark only the latest: %+v %+v", list[0], list[1])
		}
		if !strings.Contains(list[0].ReviewReason, "moved to a cloud EHR") {
			t.Errorf("reason %q", list[0].ReviewReason)
		}
		if err := s.AddChangeEvent(ctx, &hipaa.ChangeEvent{Kind: hipaa.ChangeNewEHR, OccurredOn: "May 1"}); code(err) != hipaa.EInvalid {
			t.Errorf("bad date accepted: %v", err)
		}
	})
}

func TestTransactionRollsBack(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := db.For(newPractice(t, db, "Delta Eye Care").ID)
		a := &hipaa.Assessment{Title: "x", BankVersion: "t"}
		if err := s.CreateAssessment(ctx, a); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *store.Scope) error {
			if err := tx.SaveAnswers(ctx, a.ID, []hipaa.Answer{{QuestionID: "SM-01", Value: hipaa.AnswerNo}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		if ans, _ := s.Answers(ctx, a.ID); len(ans) != 0 {
			t.Errorf("rolled-back answer was kept: %v", ans)
		}
	})
}

func TestFindingsUpsertAndResolve(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := db.For(newPractice(t, db, "Echo Ortho").ID)
		f := &hipaa.Finding{Source: "inventory", Rule: "EOL-01", Severity: hipaa.SeverityHigh, Title: "Windows 7", Subject: "xray-ws",
			Citations: []string{"164.308(a)(1)(ii)(B)"}, Evidence: []map[string]any{{"os": "Windows 7", "ip": "10.0.5.20"}}}
		if err := s.PutFindings(ctx, []*hipaa.Finding{f}); err != nil {
			t.Fatal(err)
		}
		first := f.ID
		if err := s.SetFindingStatus(ctx, first, hipaa.FindingConfirmed); err != nil {
			t.Fatal(err)
		}
		again := &hipaa.Finding{Source: "inventory", Rule: "EOL-01", Severity: hipaa.SeverityCritical, Title: "Windows 7", Subject: "xray-ws"}
		if err := s.PutFindings(ctx, []*hipaa.Finding{again}); err != nil {
			t.Fatal(err)
		}
		if again.ID != first || again.Status != hipaa.FindingConfirmed {
			t.Errorf("re-reported finding: id %s status %s, want %s confirmed", again.ID, again.Status, first)
		}
		list, _ := s.Findings(ctx, store.FindingFilter{})
		if len(list) != 1 || list[0].Severity != hipaa.SeverityCritical {
			t.Fatalf("findings %+v", list)
		}
		n, err := s.ResolveMissing(ctx, "inventory", map[string]bool{})
		if err != nil || n != 1 {
			t.Fatalf("resolved %d %v", n, err)
		}
		list, _ = s.Findings(ctx, store.FindingFilter{Status: hipaa.FindingOpen})
		if len(list) != 0 {
			t.Errorf("open after resolve: %d", len(list))
		}
		// Seen again: it reopens.
		if err := s.PutFindings(ctx, []*hipaa.Finding{{Source: "inventory", Rule: "EOL-01", Severity: hipaa.SeverityHigh, Title: "Windows 7", Subject: "xray-ws"}}); err != nil {
			t.Fatal(err)
		}
		list, _ = s.Findings(ctx, store.FindingFilter{Status: hipaa.FindingOpen})
		if len(list) != 1 {
			t.Errorf("a resolved finding seen again should reopen")
		}
	})
}

func TestRisksRoundTrip(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := db.For(newPractice(t, db, "Foxtrot Family").ID)
		a := &hipaa.Assessment{Title: "x", BankVersion: "t"}
		if err := s.CreateAssessment(ctx, a); err != nil {
			t.Fatal(err)
		}
		r := &hipaa.Risk{ID: "R-00000001", AssessmentID: a.ID, Key: "V|T", VulnerabilityID: "V", ThreatID: "T", Title: "t",
			Citations: []string{"164.308(a)(1)(ii)(A)"}, Assets: []string{}, Sources: []hipaa.RiskSource{{Kind: "answer", Ref: "SM-01"}},
			ComputedLikelihood: 4, ComputedImpact: 4, Likelihood: 4, Impact: 4, Level: hipaa.LevelHigh,
			Treatment: hipaa.TreatMitigate, Status: hipaa.RiskOpen, Due: "2026-12-01"}
		if err := s.PutRisk(ctx, r, true); err != nil {
			t.Fatal(err)
		}
		r.Owner = "Dana"
		if err := s.PutRisk(ctx, r, true); err != nil {
			t.Fatal(err)
		}
		if err := s.AddRiskChanges(ctx, r.ID, []hipaa.RiskChange{{Field: "owner", After: "Dana", Actor: "t"}}); err != nil {
			t.Fatal(err)
		}
		got, active, err := s.Risk(ctx, r.ID)
		if err != nil || !active || got.Owner != "Dana" || got.Sources[0].Ref != "SM-01" || got.Citations[0] != "164.308(a)(1)(ii)(A)" {
			t.Fatalf("risk %+v %v %v", got, active, err)
		}
		if err := s.PutRisk(ctx, r, false); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.Risks(ctx, a.ID, store.RiskFilter{}); len(list) != 0 {
			t.Errorf("inactive risk listed")
		}
		if list, _ := s.Risks(ctx, a.ID, store.RiskFilter{IncludeInactive: true, MinLevel: hipaa.LevelHigh}); len(list) != 1 {
			t.Errorf("inactive risk missing from --all")
		}
		h, _ := s.RiskHistory(ctx, r.ID)
		if len(h) != 1 || h[0].Field != "owner" {
			t.Errorf("history %+v", h)
		}
	})
}

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	names := func(dir string) []string {
		var out []string
		entries, err := os.ReadDir(filepath.Join("migrations", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	a, b := names("sqlite"), names("postgres")
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("migration files differ:\n sqlite   %v\n postgres %v", a, b)
	}
}

func TestNewFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "private.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("new database has mode %v, want 0600", st.Mode().Perm())
	}
}

func TestReopenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	for i := 0; i < 2; i++ {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil || v != store.LatestSchemaVersion() {
			t.Errorf("schema version %d %v", v, err)
		}
		db.Close()
	}
}

func TestRefusesFilesThatAreNotOurs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("patient list, do not lose\n"), 0o600)

	foreign := filepath.Join(dir, "other.db")
	raw, _ := sql.Open("sqlite", foreign)
	raw.Exec("CREATE TABLE contacts (name TEXT)")
	raw.Close()

	corrupt := filepath.Join(dir, "corrupt.db")
	raw, _ = sql.Open("sqlite", corrupt)
	raw.Exec("CREATE TABLE schema_migrations (version INTEGER)")
	raw.Close()
	b, _ := os.ReadFile(corrupt)
	for i := 100; i < len(b); i++ {
		b[i] = 0xAB
	}
	os.WriteFile(corrupt, b, 0o600)

	newer := filepath.Join(dir, "newer.db")
	db, err := store.Open(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, _ = sql.Open("sqlite", newer)
	if _, err := raw.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future.sql', 'x')"); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	tests := []struct {
		path, want string
	}{
		{text, "is not a SQLite database"},
		{foreign, "of another program"},
		{corrupt, "damaged"},
		{newer, "newer than this safeguard knows"},
		{dir, "is a directory"},
	}
	for _, tt := range tests {
		before := snapshot(t, filepath.Dir(tt.path))
		_, err := store.Open(ctx, tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", filepath.Base(tt.path), err, tt.want)
		}
		if code(err) != hipaa.EInvalid {
			t.Errorf("%s: code %s, want invalid", filepath.Base(tt.path), code(err))
		}
		if after := snapshot(t, filepath.Dir(tt.path)); after != before {
			t.Errorf("%s: files changed although the database was refused", filepath.Base(tt.path))
		}
	}
}

// snapshot returns the names and contents of the files in dir, to check that nothing was touched.
func snapshot(t *testing.T, dir string) string {
	var b bytes.Buffer
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		// A reader of a WAL database (ours, refused as newer) creates its empty
		// -wal and -shm side files; they hold no data, so they do not count.
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, "-shm") && !strings.HasSuffix(p, "-wal") {
			data, _ := os.ReadFile(p)
			b.WriteString(p)
			b.Write(data)
		}
		return nil
	})
	return b.String()
}

func TestUnreachablePostgres(t *testing.T) {
	ctx := context.Background()
	_, err := store.Open(ctx, "postgres://alice:s3cret@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=2")
	if code(err) != hipaa.EUnavailable {
		t.Fatalf("got %v, want unavailable", err)
	}
	msg := hipaa.ErrorMessage(err)
	if strings.Contains(msg, "s3cret") || !strings.Contains(msg, "postgres://alice@127.0.0.1:1/nowhere") {
		t.Errorf("message %q must name the URL without its password", msg)
	}
}

func TestTimesCompareInSQL(t *testing.T) {
	// Reminders and sessions compare stored times in SQL; on SQLite the text
	// must sort like the times it holds, whole seconds or not.
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPractice(t, db, "Clock Clinic")
		s := db.For(p.ID)
		base := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return base })
		if _, err := s.ClaimReminder(ctx, "k", "c", "i", "s", "b"); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishReminder(ctx, "k", "c", errors.New("down"), base.Add(500*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		db.SetClock(func() time.Time { return base.Add(200 * time.Millisecond) })
		if due, _ := s.DueRetries(ctx); len(due) != 0 {
			t.Errorf("retry due 300 ms early")
		}
		db.SetClock(func() time.Time { return base.Add(time.Second) })
		if due, _ := s.DueRetries(ctx); len(due) != 1 {
			t.Errorf("retry not due after its time")
		}
		// A whole-second time against a fractional one.
		if err := s.FinishReminder(ctx, "k", "c", errors.New("down"), base.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		db.SetClock(func() time.Time { return base.Add(2*time.Second + 300*time.Millisecond) })
		if due, _ := s.DueRetries(ctx); len(due) != 1 {
			t.Errorf("retry at a whole second not due 300 ms later")
		}
	})
}
