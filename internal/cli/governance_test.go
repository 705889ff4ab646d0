package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The acceptance figures, through the command line, with no database.
func TestBreachDeadlines(t *testing.T) {
	db := tempDB(t)
	tests := []struct {
		args []string
		want map[string]string // recipient → due ("" = not required)
	}{
		{[]string{"--discovered", "2026-03-01", "--affected", "620", "--state-residents", "620"},
			map[string]string{"individuals": "2026-04-30", "hhs": "2026-04-30", "media": "2026-04-30"}},
		{[]string{"--discovered", "2026-03-01", "--affected", "120"},
			map[string]string{"individuals": "2026-04-30", "hhs": "2027-03-01", "media": ""}},
	}
	for _, tt := range tests {
		out := mustRun(t, db, append([]string{"breach", "deadlines", "--format", "json"}, tt.args...)...)
		var got struct {
			Deadlines []struct {
				Recipient   string `json:"recipient"`
				Requirement string `json:"requirement"`
				Due         string `json:"due"`
			} `json:"deadlines"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		for _, d := range got.Deadlines {
			want, ok := tt.want[d.Recipient]
			if !ok {
				t.Errorf("unexpected recipient %s", d.Recipient)
				continue
			}
			if (want == "" && d.Requirement != "not_required") || (want != "" && d.Due != want) {
				t.Errorf("%v: %s due %q (%s), want %q", tt.args, d.Recipient, d.Due, d.Requirement, want)
			}
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("breach deadlines created a database")
	}
	r := run(t, db, "", "breach", "deadlines", "--discovered", "03/01/2026", "--affected", "5")
	if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "is not a date") {
		t.Errorf("bad date: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestVendorsCommands(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Riverside Family Medicine", "--ehr", "athenaOne")
	mustRun(t, db, "assess", "start")
	// Bad input: one clear line, exit 2, nothing saved.
	for _, args := range [][]string{
		{"vendors", "add", "--name", "Acme", "--baa", "signed", "--signed", "2025-05-01", "--expires", "2024-05-01"},
		{"vendors", "add", "--name", "Acme", "--baa", "signed", "--signed", "May 1"},
		{"vendors", "add", "--name", "Acme", "--agreement", filepath.Join(t.TempDir(), "missing.pdf")},
	} {
		r := run(t, db, "", args...)
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d stderr %q", args, r.code, r.stderr)
		}
	}
	var list []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "vendors", "list", "--format", "json")), &list)
	if len(list) != 0 {
		t.Fatalf("bad input saved vendors: %v", list)
	}
	baa := filepath.Join(t.TempDir(), "acme-baa.pdf")
	os.WriteFile(baa, []byte("%PDF-1.4 signed"), 0o600)
	mustRun(t, db, "vendors", "add", "--name", "Acme Billing", "--ephi", "receive,maintain", "--baa", "signed",
		"--signed", "2023-01-10", "--expires", "2025-01-10", "--reviewed", "2026-10-01", "--verified", "2026-10-01", "--agreement", baa)
	r := run(t, db, "", "vendors", "check", "--fail-on", "high", "--format", "json")
	if r.code != 1 {
		t.Fatalf("check: exit %d %s", r.code, r.stderr)
	}
	var fs []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &fs); err != nil || len(fs) != 1 || fs[0]["rule"] != "BAA-02" {
		t.Fatalf("findings %v %s", err, r.stdout)
	}
	cites, _ := json.Marshal(fs[0]["citations"])
	if !strings.Contains(string(cites), "164.308(b)(1)") || !strings.Contains(string(cites), "164.314(a)") {
		t.Errorf("citations %s", cites)
	}
	out := filepath.Join(t.TempDir(), "back.pdf")
	mustRun(t, db, "vendors", "show", "acme billing", "--save-agreement", out)
	if b, _ := os.ReadFile(out); string(b) != "%PDF-1.4 signed" {
		t.Errorf("agreement round trip: %q", b)
	}
	mustRun(t, db, "vendors", "update", "Acme Billing", "--expires", "2028-01-10")
	if r := run(t, db, "", "vendors", "check", "--fail-on", "high"); r.code != 0 {
		t.Errorf("after renewal: exit %d %s", r.code, r.stdout)
	}
}

func TestPoliciesAndWorkforceCommands(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Riverside Family Medicine", "--ehr", "athenaOne")
	mustRun(t, db, "workforce", "add", "--name", "Dana Ortiz", "--role", "practice manager", "--official", "--access-granted", "2020-01-06")
	mustRun(t, db, "workforce", "train", "Dana Ortiz", "--topic", "Annual security awareness", "--on", "2026-02-01")
	mustRun(t, db, "policies", "generate", "--set", "logoff_minutes=10")
	r := run(t, db, "", "policies", "approve", "workstations")
	if r.code != 2 || !strings.Contains(r.stderr, "--by") {
		t.Errorf("approve without a name: exit %d %q", r.code, r.stderr)
	}
	var vs []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "policies", "list", "--format", "json")), &vs)
	if len(vs) != 16 {
		t.Fatalf("%d policies", len(vs))
	}
	for _, v := range vs {
		if v["status"] != "draft" {
			t.Errorf("%v is %v after a refused approval", v["key"], v["status"])
		}
	}
	mustRun(t, db, "policies", "approve", "workstations", "--by", "Dana Ortiz", "--effective", "2026-11-01")
	mustRun(t, db, "policies", "acknowledge", "workstations", "--member", "dana ortiz")
	md := mustRun(t, db, "policies", "show", "workstations")
	for _, want := range []string{"Approved by Dana Ortiz", "no more than 10 minutes", "164.310(b)"} {
		if !strings.Contains(md, want) {
			t.Errorf("policy lacks %q", want)
		}
	}
	dir := t.TempDir()
	mustRun(t, db, "policies", "export", "workstations", "--as", "pdf,html,md", "--out", dir)
	for _, name := range []string{"workstations-v1.pdf", "workstations-v1.html", "workstations-v1.md"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	mustRun(t, db, "workforce", "add", "--name", "Ben Cho", "--access-granted", "2024-05-01")
	mustRun(t, db, "workforce", "add", "--name", "Ana Lopez", "--access-granted", "2026-01-05")
	mustRun(t, db, "workforce", "leave", "Ben Cho", "--at", "2026-11-20 17:00")
	mustRun(t, db, "workforce", "revoke", "Ben Cho", "--item", "ehr", "--at", "2026-11-20 17:30")
	if r := run(t, db, "", "workforce", "leave", "Dana Ortiz", "--at", "yesterday"); r.code != 2 {
		t.Errorf("bad time: exit %d", r.code)
	}
	var fs []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "workforce", "check", "--format", "json")), &fs)
	rules := map[string]bool{}
	for _, f := range fs {
		rules[f["rule"].(string)] = true
	}
	if !rules["TRM-01"] || !rules["CP-01"] || !rules["TRN-01"] {
		t.Errorf("workforce findings %v", rules)
	}
	mustRun(t, db, "contingency", "test", "add", "--on", "2026-10-15", "--kind", "tabletop", "--result", "passed")
	if out := mustRun(t, db, "contingency", "test", "list"); !strings.Contains(out, "tabletop") {
		t.Errorf("tests: %s", out)
	}
}

func TestIncidentCommands(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Riverside Family Medicine")
	var added struct {
		Incident struct {
			ID string `json:"id"`
		} `json:"incident"`
	}
	json.Unmarshal([]byte(mustRun(t, db, "incidents", "add", "--title", "Laptop stolen", "--category", "lost_device", "--discovered", "2026-03-01", "--phi", "yes", "--format", "json")), &added)
	id := added.Incident.ID
	if id == "" {
		t.Fatal("no incident ID")
	}
	// The guided form, answered from standard input.
	answers := "n\n\nnames,diagnoses\nhigh\nspreadsheet\nhigh\nthief\nunknown\nnot recovered\nmoderate\nremote wipe\n120\n\nn\nDana Ortiz\n"
	r := run(t, db, answers, "incidents", "assess", id)
	if r.code != 0 || !strings.Contains(r.stdout, "Breach: notices required") || !strings.Contains(r.stdout, "2027-03-01") {
		t.Fatalf("assess: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// Stopping half-way saves nothing.
	r = run(t, db, "n\n", "incidents", "assess", id)
	if r.code != 2 || !strings.Contains(r.stderr, "nothing was saved") {
		t.Errorf("stopped: exit %d %q", r.code, r.stderr)
	}
	mustRun(t, db, "incidents", "notify", id, "--to", "individuals", "--on", "2026-04-20")
	if r := run(t, db, "", "incidents", "notify", id, "--to", "hhs", "--on", "2026-02-01"); r.code != 2 {
		t.Errorf("notice before discovery: exit %d", r.code)
	}
	out := mustRun(t, db, "incidents", "show", id)
	for _, want := range []string{"2026-04-30    2026-04-20  164.404(b)", "2027-03-01    -           164.408(c)"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
}

func TestWorkforceReminderAndSanctionLists(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Aspen Clinic")
	if out := mustRun(t, db, "workforce", "sanctions", "--format", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("no sanctions should list as [], got %q", out)
	}
	mustRun(t, db, "workforce", "add", "--name", "Ben Cho", "--role", "billing")
	mustRun(t, db, "workforce", "sanction", "Ben Cho", "--on", "2026-04-01", "--violation", "shared his EHR password",
		"--action", "written warning", "--decided-by", "Dana Ortiz")
	mustRun(t, db, "workforce", "remind", "--topic", "Phishing season", "--on", "2026-04-02", "--channel", "e-mail")
	if out := mustRun(t, db, "workforce", "sanctions"); !strings.Contains(out, "Ben Cho") || !strings.Contains(out, "DECIDED BY") {
		t.Errorf("sanctions table:\n%s", out)
	}
	var rems []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, db, "workforce", "reminders", "--format", "json")), &rems); err != nil || len(rems) != 1 {
		t.Errorf("reminders JSON: %v %v", rems, err)
	}
}
