package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

// result is what one run of the command line produced.
type result struct {
	code           int
	stdout, stderr string
}

// run runs safeguard with args against db, with stdin as input.
func run(t *testing.T, db, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"SAFEGUARD_DB": db, "SAFEGUARD_ACTOR": "tester"}
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return result{code, out.String(), errb.String()}
}

func mustRun(t *testing.T, db string, args ...string) string {
	t.Helper()
	r := run(t, db, "", args...)
	if r.code != 0 {
		t.Fatalf("safeguard %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func tempDB(t *testing.T) string { return filepath.Join(t.TempDir(), "sg.db") }

func TestCatalogListJSON(t *testing.T) {
	var controls []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, tempDB(t), "catalog", "list", "--format", "json")), &controls); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, c := range controls {
		for _, f := range []string{"citation", "title", "kind", "requirement", "family", "summary", "proposed_change", "crosswalk"} {
			if _, ok := c[f]; !ok {
				t.Fatalf("control %v lacks field %s", c["citation"], f)
			}
		}
		counts[c["kind"].(string)]++
		counts[c["kind"].(string)+"/"+c["requirement"].(string)]++
	}
	if counts["standard"] != 22 || counts["implementation_specification"] != 46 {
		t.Errorf("counts %v", counts)
	}
	if counts["implementation_specification/required"]+counts["implementation_specification/addressable"] != 46 {
		t.Errorf("every specification needs a label: %v", counts)
	}
}

func TestCatalogShow(t *testing.T) {
	db := tempDB(t)
	out := mustRun(t, db, "catalog", "show", "164.312(a)(2)(i)")
	for _, want := range []string{"Unique user identification", "required", "Proposed rule", "not final"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	r := run(t, db, "", "catalog", "show", "164.312(a)(2)(ix)")
	if r.code != 2 || !strings.Contains(r.stderr, "closest: 164.312(a)(2)(i)") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("unknown citation: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("browsing the catalog created a database")
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	db := tempDB(t)
	for _, args := range [][]string{{"frobnicate"}, {"catalog", "list", "--family", "magic"}, {"risks", "list", "--bogus"}, {"version", "--format", "xml"}} {
		r := run(t, db, "", args...)
		if r.code != 2 || r.stderr == "" || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("%v: exit %d stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestEnvironmentErrorsExit3(t *testing.T) {
	r := run(t, "postgres://bob:hunter2@127.0.0.1:1/x?connect_timeout=2", "", "practice", "list")
	if r.code != 3 || strings.Contains(r.stderr, "hunter2") || !strings.Contains(r.stderr, "postgres://bob@127.0.0.1:1/x") {
		t.Errorf("exit %d stderr %q", r.code, r.stderr)
	}
	notDB := filepath.Join(t.TempDir(), "notes.db")
	os.WriteFile(notDB, []byte("not a database"), 0o600)
	r = run(t, notDB, "", "practice", "list")
	if r.code != 2 || !strings.Contains(r.stderr, "is not a SQLite database") {
		t.Errorf("foreign file: exit %d stderr %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(notDB); string(b) != "not a database" {
		t.Error("the foreign file was changed")
	}
}

func TestAssessmentFlow(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Maple Street Clinic", "--workforce", "9", "--security-official", "Pat Kim", "--time-zone", "America/Denver")
	if out := mustRun(t, db, "practice", "show"); !strings.Contains(out, "Pat Kim") || !strings.Contains(out, "America/Denver") {
		t.Errorf("practice show: %s", out)
	}
	mustRun(t, db, "assess", "start")
	if r := run(t, db, "", "assess", "start"); r.code != 2 || !strings.Contains(r.stderr, "still a draft") {
		t.Errorf("second draft: %+v", r)
	}

	// A bad answers file saves nothing and names file:line with the choices.
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("SM-01: no\nSM-02: maybe\n"), 0o600)
	r := run(t, db, "", "assess", "answer", "--from", bad)
	if r.code != 2 || !strings.Contains(r.stderr, "bad.yaml:2: question SM-02: \"maybe\" is not a valid answer: choose one of yes, partial, no, unknown") {
		t.Errorf("bad answer: exit %d %q", r.code, r.stderr)
	}
	os.WriteFile(bad, []byte("SM-01: no\nZZ-99: yes\n"), 0o600)
	if r := run(t, db, "", "assess", "answer", "--from", bad); r.code != 2 || !strings.Contains(r.stderr, "bad.yaml:2: unknown question \"ZZ-99\"") {
		t.Errorf("unknown question: exit %d %q", r.code, r.stderr)
	}
	var st map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "assess", "status", "--format", "json")), &st)
	if st["questions_answered"].(float64) != 0 {
		t.Fatalf("a rejected file saved answers: %v", st["questions_answered"])
	}
	// N/A needs a justification.
	if r := run(t, db, "", "assess", "answer", "WF-07", "na"); r.code != 2 || !strings.Contains(r.stderr, "justification") {
		t.Errorf("N/A without justification: %+v", r)
	}

	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("SM-01: no\nWF-07:\n  answer: na\n  justification: We are not a clearinghouse.\n"), 0o600)
	mustRun(t, db, "assess", "answer", "--from", good)
	var risks []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "risks", "list", "--format", "json")), &risks)
	if len(risks) == 0 {
		t.Fatal("No to the risk analysis raised no risk")
	}
	for _, f := range []string{"id", "title", "citations", "likelihood", "impact", "level", "treatment", "status", "owner", "due"} {
		if _, ok := risks[0][f]; !ok {
			t.Errorf("risk JSON lacks %s", f)
		}
	}
	if risks[0]["owner"] != "Pat Kim" {
		t.Errorf("risk owner defaults to the security official, got %v", risks[0]["owner"])
	}
	if r := run(t, db, "", "risks", "list", "--fail-on", "high"); r.code != 1 {
		t.Errorf("--fail-on high with high risks: exit %d", r.code)
	}
	id := risks[0]["id"].(string)
	if r := run(t, db, "", "risks", "update", id, "--impact", "2"); r.code != 2 || !strings.Contains(r.stderr, "rationale") {
		t.Errorf("override without rationale: %+v", r)
	}
	mustRun(t, db, "risks", "update", id, "--impact", "2", "--rationale", "cloud EHR keeps its own copy", "--owner", "Sam", "--due", "2027-01-15")
	if out := mustRun(t, db, "risks", "show", id); !strings.Contains(out, "cloud EHR keeps its own copy") || !strings.Contains(out, "owner") {
		t.Errorf("history missing:\n%s", out)
	}
	if out := mustRun(t, db, "plan"); !strings.Contains(out, "Sam") || !strings.Contains(out, "proposed") {
		t.Errorf("plan:\n%s", out)
	}

	// Finalizing with unanswered questions lists them.
	r = run(t, db, "", "assess", "finalize", "--by", "Pat Kim")
	if r.code != 2 || !strings.Contains(r.stderr, "unanswered") || !strings.Contains(r.stderr, "PF-01, PF-02") {
		t.Errorf("finalize with gaps: %+v", r)
	}
}

func TestInteractiveRunResumes(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Cedar Clinic")
	mustRun(t, db, "assess", "start")
	// Answer the first profile question No with a note, skip the second, then quit.
	r := run(t, db, "n no server on site\n\nq\n", "assess", "run")
	if r.code != 0 || !strings.Contains(r.stdout, "PF-01") || !strings.Contains(r.stdout, "Why it matters") || !strings.Contains(r.stdout, "Saved 1 answer") {
		t.Fatalf("run: %+v", r)
	}
	// The next run resumes at the first unanswered question.
	r = run(t, db, "y\nq\n", "assess", "run")
	if r.code != 0 || strings.Contains(r.stdout, "[1 of") || !strings.Contains(r.stdout, "PF-02") {
		t.Fatalf("resume: %s", r.stdout)
	}
	var st map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "assess", "status", "--format", "json")), &st)
	if st["questions_answered"].(float64) != 2 {
		t.Errorf("answered %v, want 2", st["questions_answered"])
	}
}

func TestDemo(t *testing.T) {
	db := tempDB(t)
	out := mustRun(t, db, "demo")
	for _, want := range []string{"Riverside Family Medicine", "Score:", "Top risks:", "safeguard risks list"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// Again: it replaces itself and leaves other practices alone.
	mustRun(t, db, "init", "--name", "Other Practice")
	if out := mustRun(t, db, "demo"); !strings.Contains(out, "Replaced") {
		t.Errorf("second demo: %s", out)
	}
	if out := mustRun(t, db, "practice", "list"); !strings.Contains(out, "other-practice") {
		t.Errorf("demo removed another practice:\n%s", out)
	}
	var list []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "--practice", "riverside-family-medicine", "assess", "list", "--format", "json")), &list)
	if len(list) != 2 || list[1]["status"] != "finalized" || list[0]["status"] != "draft" {
		t.Errorf("demo assessments %v", list)
	}
	var risks []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "--practice", "riverside-family-medicine", "risks", "list", "--format", "json")), &risks)
	today := time.Now().UTC().Format("2006-01-02")
	for _, rk := range risks {
		if due, _ := rk["due"].(string); due < today {
			t.Errorf("risk %v carried over with a past due date %s", rk["id"], due)
		}
	}
	var trend []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "--practice", "riverside-family-medicine", "assess", "trend", "--format", "json")), &trend)
	if len(trend) < 2 || trend[0]["day"].(string) >= trend[len(trend)-1]["day"].(string) || trend[0]["assessment_id"] == trend[len(trend)-1]["assessment_id"] {
		t.Errorf("trend should show last year's assessment first, then this year's: %v", trend)
	}
	r := run(t, db, "", "risks", "list")
	if r.code != 2 || !strings.Contains(r.stderr, "--practice") {
		t.Errorf("two practices without --practice: %+v", r)
	}
	diff := mustRun(t, db, "--practice", "riverside-family-medicine", "assess", "diff", list[1]["id"].(string), list[0]["id"].(string))
	if !strings.Contains(diff, "Changed answers") || !strings.Contains(diff, "TS-08") {
		t.Errorf("diff:\n%s", diff)
	}
}

func TestDemoOnPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	out := mustRun(t, url, "demo")
	if !strings.Contains(out, "Score:") {
		t.Errorf("demo on postgres:\n%s", out)
	}
	var risks []map[string]any
	json.Unmarshal([]byte(mustRun(t, url, "risks", "list", "--format", "json")), &risks)
	if len(risks) < 10 {
		t.Errorf("postgres demo has %d risks", len(risks))
	}
}

func TestQuickCheckCarriesIntoTheAssessment(t *testing.T) {
	db := tempDB(t)
	// Interactive, on an empty database: the practice's name comes first.
	r := run(t, db, "Birch Family Care\nn\ny\n", "quickcheck")
	if r.code != 0 || !strings.Contains(r.stdout, "Provisional score") || !strings.Contains(r.stdout, "not a risk analysis") {
		t.Fatalf("quickcheck: %+v", r)
	}
	if !strings.Contains(r.stdout, "No written risk analysis") {
		t.Errorf("the first gap should be the missing risk analysis:\n%s", r.stdout)
	}
	// Scripted, as JSON: a score and three gaps.
	answers := filepath.Join(t.TempDir(), "quick.yaml")
	os.WriteFile(answers, []byte("SM-01: no\nSM-13: no\nEA-01: partial\nEA-03: yes\nTS-21: no\nIC-07: yes\nIC-11: no\nAN-11: yes\nTS-08: yes\nWF-13: yes\nBA-02: yes\nIC-01: yes\n"), 0o600)
	var out struct {
		Assessment string `json:"assessment"`
		Result     struct {
			Score    int   `json:"provisional_score"`
			Answered int   `json:"answered"`
			Gaps     []any `json:"gaps"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, db, "quickcheck", "--from", answers, "--format", "json")), &out); err != nil {
		t.Fatal(err)
	}
	if out.Result.Answered != 12 || len(out.Result.Gaps) != 3 || out.Result.Score <= 0 || out.Result.Score >= 100 {
		t.Errorf("result %+v", out.Result)
	}
	// The full assessment starts with those answers.
	var st map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "assess", "status", "--format", "json")), &st)
	if st["assessment"].(map[string]any)["id"] != out.Assessment || st["questions_answered"].(float64) < 12 {
		t.Errorf("the quick check's answers did not reach the assessment: %v", st["questions_answered"])
	}
}

func TestWatchedFolderOfScans(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Elm Imaging")
	mustRun(t, db, "network", "zones", "import", filepath.Join("testdata", "devices", "zones.yaml"))
	dir := t.TempDir()
	if r := run(t, db, "", "watch", "add", "nmap", dir, "--option", "zone=office"); r.code != 2 || !strings.Contains(r.stderr, "source_zone") {
		t.Errorf("unknown option: %+v", r)
	}
	mustRun(t, db, "watch", "add", "nmap", dir, "--option", "source_zone=office")
	scan, err := os.ReadFile(filepath.Join("testdata", "devices", "scan-sv.xml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "scan.xml")
	os.WriteFile(path, scan, 0o600)
	old := time.Now().Add(-time.Minute)
	os.Chtimes(path, old, old)
	var res struct {
		Imported []string `json:"imported"`
		Failed   []string `json:"failed"`
	}
	json.Unmarshal([]byte(mustRun(t, db, "watch", "check", "--format", "json")), &res)
	if len(res.Imported) != 1 || len(res.Failed) != 0 {
		t.Fatalf("watch check: %+v", res)
	}
	var assets []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "assets", "list", "--format", "json")), &assets)
	if len(assets) != 2 {
		t.Errorf("%d assets after the watched scan, want 2", len(assets))
	}
	json.Unmarshal([]byte(mustRun(t, db, "watch", "check", "--format", "json")), &res)
	if len(res.Imported) != 0 {
		t.Errorf("the same scan was imported twice")
	}
}
