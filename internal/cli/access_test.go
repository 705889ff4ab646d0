package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/accesslog/gen"
)

// accessFixture generates a small practice's audit log and rosters.
func accessFixture(t *testing.T) (*gen.Files, *gen.Truth) {
	t.Helper()
	files, truth, err := gen.Generate(gen.Config{Seed: 11, Users: 60, Patients: 3000, Days: 21, EventsPerUserDay: 25, Plant: 2,
		Zone: "America/Chicago", Start: time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return files, truth
}

func analyzeArgs(f *gen.Files) []string {
	return []string{"access", "analyze", "--events", f.Events, "--users", f.Users, "--workforce", f.Workforce,
		"--patients", f.Patients, "--encounters", f.Encounters}
}

func TestAccessAnalyzeAndReview(t *testing.T) {
	files, _ := accessFixture(t)
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Riverside Family Medicine", "--time-zone", "America/Chicago")
	mustRun(t, db, "assess", "start")

	out := mustRun(t, db, append(analyzeArgs(files), "--format", "json")...)
	var got struct {
		Run struct {
			ID     string `json:"id"`
			Events int64  `json:"events"`
		} `json:"run"`
		Findings []struct {
			Rule      string   `json:"rule"`
			Severity  string   `json:"severity"`
			User      string   `json:"user"`
			Patient   string   `json:"patient"`
			PatientID string   `json:"patient_id"`
			Count     int64    `json:"count"`
			Citations []string `json:"citations"`
			Action    string   `json:"suggested_action"`
			Evidence  []any    `json:"evidence"`
			FirstSeen string   `json:"first_seen"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("analyze JSON: %v\n%s", err, out)
	}
	if got.Run.Events == 0 || len(got.Findings) == 0 {
		t.Fatalf("analysis read %d events and found %d findings", got.Run.Events, len(got.Findings))
	}
	rules := map[string]bool{}
	for _, f := range got.Findings {
		rules[f.Rule] = true
		if len(f.Citations) == 0 || f.Action == "" || f.FirstSeen == "" || f.Count == 0 {
			t.Errorf("finding %s for %s lacks citations, action, first_seen or count", f.Rule, f.User)
		}
		if f.PatientID != "" {
			t.Errorf("finding %s shows a full patient ID without --unmask", f.Rule)
		}
		if f.Patient != "" && !strings.HasPrefix(f.Patient, "***") {
			t.Errorf("finding %s: patient %q is not masked", f.Rule, f.Patient)
		}
	}
	for _, r := range []string{"SH-01", "AC-01", "PA-02", "PA-03", "PA-06", "PA-10"} {
		if !rules[r] {
			t.Errorf("no %s finding in the analysis", r)
		}
	}

	// Findings reach the shared list and the risk register.
	var shared []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, db, "findings", "list", "--source", "accesslog", "--format", "json")), &shared); err != nil {
		t.Fatal(err)
	}
	if len(shared) != len(got.Findings) {
		t.Errorf("findings list has %d audit-log findings, analysis reported %d", len(shared), len(got.Findings))
	}
	if risks := mustRun(t, db, "risks", "list", "--format", "json"); !strings.Contains(risks, "PA-") && !strings.Contains(risks, "SH-") {
		t.Errorf("the risk register does not cite any audit-log finding")
	}

	// The review queue: confirm, dismiss, escalate.
	var queue []struct {
		ID   string `json:"id"`
		Rule string `json:"rule"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, db, "access", "review", "list", "--format", "json")), &queue); err != nil {
		t.Fatal(err)
	}
	if len(queue) < 3 {
		t.Fatalf("review queue has %d findings", len(queue))
	}
	r := run(t, db, "", "access", "review", "confirm", queue[0].ID)
	if r.code != 2 || !strings.Contains(r.stderr, "--sanction") {
		t.Errorf("confirm without a sanction: exit %d, %q", r.code, r.stderr)
	}
	mustRun(t, db, "access", "review", "confirm", queue[0].ID, "--sanction", "written warning", "--reason", "looked up a relative")
	r = run(t, db, "", "access", "review", "dismiss", queue[1].ID)
	if r.code != 2 || !strings.Contains(r.stderr, "--reason") {
		t.Errorf("dismiss without a reason: exit %d, %q", r.code, r.stderr)
	}
	mustRun(t, db, "access", "review", "dismiss", queue[1].ID, "--reason", "covering for a colleague on leave")
	esc := mustRun(t, db, "access", "review", "escalate", queue[2].ID, "--reason", "no work reason found")
	if !strings.Contains(esc, "incident") {
		t.Errorf("escalate output: %q", esc)
	}
	show := mustRun(t, db, "access", "review", "show", queue[0].ID)
	if !strings.Contains(show, "written warning") || !strings.Contains(show, "confirmed") {
		t.Errorf("show does not list the review: %s", show)
	}
	open := mustRun(t, db, "access", "review", "list")
	if strings.Contains(open, queue[0].ID) || strings.Contains(open, queue[1].ID) {
		t.Errorf("decided findings are still in the open queue")
	}
	r = run(t, db, "", "access", "review", "confirm", "fnd_nope", "--sanction", "x")
	if r.code != 2 {
		t.Errorf("unknown finding: exit %d", r.code)
	}

	// Sign-off of the period.
	so := mustRun(t, db, "access", "signoff", "--from", "2025-05-01", "--to", "2025-05-31", "--by", "Dana Ortiz", "--format", "json")
	var sign struct {
		Runs, Findings, Confirmed, Dismissed, Escalated int
	}
	if err := json.Unmarshal([]byte(so), &sign); err != nil {
		t.Fatal(err)
	}
	if sign.Runs != 1 || sign.Confirmed != 1 || sign.Dismissed != 1 || sign.Escalated != 1 || sign.Findings == 0 || sign.Findings > len(got.Findings) {
		t.Errorf("sign-off counts: %+v", sign)
	}
	if r := run(t, db, "", "access", "signoff", "--from", "2020-01-01", "--to", "2020-01-31", "--by", "Dana Ortiz"); r.code != 2 {
		t.Errorf("sign-off of a period no analysis covers: exit %d", r.code)
	}

	// Running the same logs again keeps decisions and adds no duplicates.
	mustRun(t, db, analyzeArgs(files)...)
	if err := json.Unmarshal([]byte(mustRun(t, db, "findings", "list", "--source", "accesslog", "--format", "json")), &shared); err != nil {
		t.Fatal(err)
	}
	if len(shared) != len(got.Findings) {
		t.Errorf("second run: %d findings, want %d", len(shared), len(got.Findings))
	}

	// --fail-on exits 1 when something serious is found.
	if r := run(t, db, "", append(analyzeArgs(files), "--fail-on", "high")...); r.code != 1 {
		t.Errorf("--fail-on high: exit %d", r.code)
	}
}

func TestAccessBadRows(t *testing.T) {
	files, _ := accessFixture(t)
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Riverside Family Medicine", "--time-zone", "America/Chicago")
	b, err := os.ReadFile(files.Events)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	lines[5] = strings.Replace(lines[5], "2025-05-", "2025/13/", 1) // an unreadable time
	lines[9] = "1,2,3"                                              // too few fields
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, db, "", "access", "analyze", "--events", bad, "--users", files.Users)
	if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "bad.csv:6:") ||
		!strings.Contains(r.stderr, "ACCESS_TIME") || !strings.Contains(r.stderr, "nothing was recorded") {
		t.Errorf("bad time: exit %d, stderr %q", r.code, r.stderr)
	}
	if out := mustRun(t, db, "findings", "list", "--source", "accesslog"); !strings.Contains(out, "0 finding(s)") {
		t.Errorf("a failed analysis recorded findings: %s", out)
	}
	out := mustRun(t, db, "access", "analyze", "--events", bad, "--users", files.Users, "--skip-bad-rows")
	if !strings.Contains(out, "Skipped 2 malformed row(s)") || !strings.Contains(out, "bad.csv:10:") {
		t.Errorf("--skip-bad-rows output: %s", out)
	}
	// An unknown mapping column lists the headers found.
	mapping := filepath.Join(t.TempDir(), "m.yaml")
	os.WriteFile(mapping, []byte("columns:\n  time: When\n  user: USER_ID\n"), 0o644)
	r = run(t, db, "", "access", "analyze", "--events", files.Events, "--mapping", mapping)
	if r.code != 2 || !strings.Contains(r.stderr, `"When"`) || !strings.Contains(r.stderr, "ACCESS_TIME, USER_ID") {
		t.Errorf("unknown mapping column: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestAccessRecertify(t *testing.T) {
	files, _ := accessFixture(t)
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Riverside Family Medicine")
	out := mustRun(t, db, "access", "recertify", "start", "--users", files.Users, "--name", "Q2 review", "--due", "2025-07-01", "--format", "json")
	var c struct {
		ID    string `json:"id"`
		Total int    `json:"total"`
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.Total == 0 {
		t.Fatalf("start: %v %s", err, out)
	}
	if r := run(t, db, "", "access", "recertify", "start", "--users", files.Users); r.code != 2 {
		t.Errorf("a second open campaign: exit %d", r.code)
	}
	var st struct {
		Accounts []struct {
			Login string `json:"login"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, db, "access", "recertify", "status", "--format", "json")), &st); err != nil {
		t.Fatal(err)
	}
	if r := run(t, db, "", "access", "recertify", "remove", st.Accounts[0].Login, "--by", "Dana Ortiz"); r.code != 2 {
		t.Errorf("remove without a note: exit %d", r.code)
	}
	mustRun(t, db, "access", "recertify", "remove", st.Accounts[0].Login, "--by", "Dana Ortiz", "--note", "left in May")
	var last string
	for _, a := range st.Accounts[1:] {
		last = mustRun(t, db, "access", "recertify", "confirm", a.Login, "--by", "Dana Ortiz")
	}
	if !strings.Contains(last, "campaign is closed") {
		t.Errorf("the campaign did not close when every account was decided: %s", last)
	}
	if r := run(t, db, "", "access", "recertify", "confirm", st.Accounts[1].Login, "--by", "Dana Ortiz"); r.code != 2 {
		t.Errorf("deciding in a closed campaign: exit %d", r.code)
	}
}
