package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

func devices(name string) string { return filepath.Join("testdata", "devices", name) }

func findingsJSON(t *testing.T, db string, args ...string) []map[string]any {
	t.Helper()
	var fs []map[string]any
	out := mustRun(t, db, append([]string{"findings", "list", "--format", "json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &fs); err != nil {
		t.Fatalf("findings JSON: %v\n%s", err, out)
	}
	return fs
}

func findRule(fs []map[string]any, rule, subject string) map[string]any {
	for _, f := range fs {
		if f["rule"] == rule && (subject == "" || f["subject"] == subject) {
			return f
		}
	}
	return nil
}

func hasCitation(f map[string]any, c string) bool {
	for _, x := range f["citations"].([]any) {
		if x == c {
			return true
		}
	}
	return false
}

// TestDevicesAcceptance reproduces issue 6's acceptance: a scan with a
// Windows 7 imaging workstation listening on 3389, zones and an iptables
// policy under which the guest Wi-Fi reaches it, give an end-of-life
// finding, CVE-2019-0708 from KEV and guest → medical reachability, each
// citing controls; a fixed policy makes the reachability finding resolve
// on the next check, and the drift shows in the history.
func TestDevicesAcceptance(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Lakeside Imaging", "--security-official", "Pat Kim")
	mustRun(t, db, "assess", "start")
	mustRun(t, db, "assess", "answer", "PF-05", "yes")
	mustRun(t, db, "assess", "answer", "AN-04", "yes") // "the guest Wi-Fi is kept separate"

	out := mustRun(t, db, "feeds", "update", "--from", devices("feeds"))
	if !strings.Contains(out, "Known Exploited Vulnerabilities: 2 item(s)") || !strings.Contains(out, "End-of-life dates") {
		t.Errorf("feeds update:\n%s", out)
	}
	mustRun(t, db, "network", "zones", "import", devices("zones.yaml"))
	out = mustRun(t, db, "assets", "import", devices("scan-mgmt.xml"), "--source-zone", "mgmt")
	if !strings.Contains(out, "4 asset(s) read, 4 new") {
		t.Errorf("import:\n%s", out)
	}
	mustRun(t, db, "network", "policy", "import", devices("iptables-guest-open.rules"))

	var check map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, db, "network", "check", "--format", "json")), &check); err != nil {
		t.Fatal(err)
	}
	fs := findingsJSON(t, db)
	eol := findRule(fs, "EOL-01", "img-ws01.clinic.local")
	kev := findRule(fs, "KEV-01", "img-ws01.clinic.local")
	seg := findRule(fs, "SEG-03", "guest-wifi → imaging")
	if eol == nil || kev == nil || seg == nil {
		t.Fatalf("missing findings: EOL-01 %v KEV-01 %v SEG-03 %v\n%v", eol != nil, kev != nil, seg != nil, fs)
	}
	if !strings.Contains(eol["title"].(string), "Windows 7 SP1") || !hasCitation(eol, "164.308(a)(1)(ii)(B)") || eol["severity"] != "high" {
		t.Errorf("EOL-01: %v", eol)
	}
	if !strings.Contains(kev["title"].(string), "CVE-2019-0708") || !hasCitation(kev, "164.308(a)(5)(ii)(B)") || kev["severity"] != "critical" {
		t.Errorf("KEV-01: %v", kev)
	}
	if seg["severity"] != "critical" || !hasCitation(seg, "164.312(a)(1)") || seg["status"] != "open" {
		t.Errorf("SEG-03: %v", seg)
	}
	ev := seg["evidence"].([]any)[0].(map[string]any)
	if ev["reachable"] != "tcp 3389" || !strings.Contains(ev["allowed_by"].(string), "GUEST #2") {
		t.Errorf("SEG-03 evidence: %v", ev)
	}
	for _, f := range []string{"id", "source", "rule", "severity", "title", "subject", "citations", "evidence", "status"} {
		if _, ok := seg[f]; !ok {
			t.Errorf("finding JSON lacks %s", f)
		}
	}
	// The evidence contradicts the answer that the guest Wi-Fi is separate.
	var st map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "assess", "status", "--format", "json")), &st)
	contradicted := false
	for _, c := range st["contradictions"].([]any) {
		m := c.(map[string]any)
		if m["question_id"] == "AN-04" && m["rule"] == "SEG-03" {
			contradicted = true
		}
	}
	if !contradicted {
		t.Errorf("AN-04 not contradicted by SEG-03: %v", st["contradictions"])
	}
	if r := run(t, db, "", "network", "check", "--fail-on", "critical"); r.code != 1 || !strings.Contains(r.stderr, "at or above critical") {
		t.Errorf("--fail-on critical: exit %d %q", r.code, r.stderr)
	}

	// Fix the policy: the guest rule to the imaging network is gone.
	mustRun(t, db, "network", "policy", "import", devices("iptables-fixed.rules"))
	out = mustRun(t, db, "network", "check")
	if !regexp.MustCompile(`SEG-03\s+PASS`).MatchString(out) || !regexp.MustCompile(`SEG-16\s+FAIL`).MatchString(out) {
		t.Errorf("check after fix:\n%s", out)
	}
	fs = findingsJSON(t, db, "--source", "netseg")
	if seg := findRule(fs, "SEG-03", "guest-wifi → imaging"); seg == nil || seg["status"] != "resolved" {
		t.Errorf("SEG-03 after the fix: %v", seg)
	}
	if f := findRule(fs, "SEG-16", "firewall policy"); f == nil || !strings.Contains(jsonString(f["evidence"]), "3389") {
		t.Errorf("policy drift not reported: %v", f)
	}
	st = nil
	json.Unmarshal([]byte(mustRun(t, db, "assess", "status", "--format", "json")), &st)
	for _, c := range st["contradictions"].([]any) {
		if c.(map[string]any)["rule"] == "SEG-03" {
			t.Errorf("contradiction survives the fix: %v", c)
		}
	}

	// A later scan: VNC opened, RDP closed. The drift shows in the history.
	mustRun(t, db, "assets", "import", devices("scan-sv.xml"))
	var hist []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "network", "history", "--format", "json")), &hist)
	var kinds []string
	for _, h := range hist {
		kinds = append(kinds, h["change"].(string)+" "+h["detail"].(string))
	}
	joined := strings.Join(kinds, "\n")
	for _, want := range []string{"rule_removed", "port 3389 (temporary: vendor support", "new_port new open port tcp/5900", "port_closed port tcp/3389", "new_asset", "checked"} {
		if !strings.Contains(joined, want) {
			t.Errorf("history lacks %q:\n%s", want, joined)
		}
	}
	out = mustRun(t, db, "assets", "history", "img-ws01.clinic.local")
	if !strings.Contains(out, "new_port") || strings.Contains(out, "rule_removed") {
		t.Errorf("asset history:\n%s", out)
	}
	// The next check reports the drift since the last one.
	mustRun(t, db, "network", "check")
	fs = findingsJSON(t, db, "--source", "netseg")
	if f := findRule(fs, "SEG-16", "img-ws01.clinic.local"); f == nil || f["status"] != "open" {
		t.Errorf("SEG-16 for the workstation: %v", f)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestAssetsCommands(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Lakeside Imaging")
	mustRun(t, db, "feeds", "update", "--from", devices("feeds"))
	mustRun(t, db, "assets", "import", devices("scan-mgmt.xml"))

	var list []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, db, "assets", "list", "--format", "json", "--medical")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("medical devices: %d", len(list))
	}
	var ws map[string]any
	for _, a := range list {
		if a["name"] == "img-ws01.clinic.local" {
			ws = a
		}
	}
	if ws == nil || ws["kind"] != "medical_device" || ws["support"].(map[string]any)["eol"] != "2020-01-14" {
		t.Errorf("workstation row: %v", ws)
	}
	out := mustRun(t, db, "assets", "show", "10.0.20.15")
	for _, want := range []string{"Windows 7 SP1", "security updates ended 2020-01-14", "KEV-01", "tcp/3389", "DICOM"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	// A person corrects the printer's classification; a re-import keeps it.
	mustRun(t, db, "assets", "classify", "printer-front.clinic.local", "--kind", "iot", "--owner", "Front desk", "--stores-ephi", "no")
	mustRun(t, db, "assets", "import", devices("scan-mgmt.xml"))
	var printer map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "assets", "show", "printer-front.clinic.local", "--format", "json")), &printer)
	a := printer["asset"].(map[string]any)
	if a["kind"] != "iot" || a["kind_source"] != "user" || a["owner"] != "Front desk" || a["confirmed"] != true {
		t.Errorf("classification lost: %v", a)
	}
	if r := run(t, db, "", "assets", "classify", "printer-front.clinic.local", "--kind", "toaster"); r.code != 2 {
		t.Errorf("bad kind: %+v", r)
	}
	// No zones yet: one INV-02 finding says so.
	if f := findRule(findingsJSON(t, db, "--source", "inventory"), "INV-02", "network zones"); f == nil {
		t.Errorf("INV-02 for missing zones not reported")
	}
	// Map needs zones.
	if r := run(t, db, "", "network", "map"); r.code != 2 || !strings.Contains(r.stderr, "zones import") {
		t.Errorf("map without zones: %+v", r)
	}
	mustRun(t, db, "network", "zones", "import", devices("zones.yaml"))
	svg := mustRun(t, db, "network", "map")
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "img-ws01") {
		t.Errorf("map: %.200s", svg)
	}
	if dot := mustRun(t, db, "network", "map", "--type", "dot"); !strings.HasPrefix(dot, "digraph") {
		t.Errorf("dot: %.200s", dot)
	}
	out = mustRun(t, db, "feeds", "status")
	if !strings.Contains(out, "OUT OF DATE") || !strings.Contains(out, "not loaded (optional)") {
		t.Errorf("feeds status:\n%s", out)
	}
}

func TestAssetsBadInput(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Lakeside Imaging")
	mustRun(t, db, "assets", "import", devices("scan-mgmt.xml"))
	before := mustRun(t, db, "assets", "list", "--format", "json")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"assets", "import", devices("scan-truncated.xml")}, "scan-truncated.xml:62: the XML stops in the middle"},
		{[]string{"assets", "import", devices("scan-mgmt.xml"), "--source-zone", "guest"}, "no zones are defined yet"},
		{[]string{"network", "zones", "import", devices("iptables-fixed.rules")}, "iptables-fixed.rules:1"},
		{[]string{"network", "policy", "import", devices("zones.yaml")}, "zones.yaml"},
	}
	for _, tt := range tests {
		r := run(t, db, "", tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	csv := filepath.Join(t.TempDir(), "list.csv")
	os.WriteFile(csv, []byte("name,ip,warranty\nPC1,10.0.10.5,2027\n"), 0o600)
	if r := run(t, db, "", "assets", "import", csv); r.code != 2 || !strings.Contains(r.stderr, `list.csv:1: unknown column "warranty"`) {
		t.Errorf("unknown CSV column: %+v", r)
	}
	if after := mustRun(t, db, "assets", "list", "--format", "json"); after != before {
		t.Errorf("a refused import changed the inventory")
	}
}

// TestRealKEV runs the acceptance's feed step on the real KEV catalog and
// endoflife.date copies, when they are beside the repository.
func TestRealKEV(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "data"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kev", "known_exploited_vulnerabilities.json")); err != nil {
		t.Skip("../shared/data/kev is not present beside the repository: the real-KEV test is skipped")
	}
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Lakeside Imaging")
	out := mustRun(t, db, "feeds", "update", "--from", dir)
	if !strings.Contains(out, "1404 item(s)") || !strings.Contains(out, "144 item(s)") {
		t.Errorf("feeds update:\n%s", out)
	}
	mustRun(t, db, "assets", "import", devices("scan-mgmt.xml"))
	kev := findRule(findingsJSON(t, db, "--source", "vulnfeed"), "KEV-01", "img-ws01.clinic.local")
	if kev == nil || !strings.Contains(jsonString(kev["evidence"]), "CVE-2019-0708") {
		t.Errorf("real KEV: %v", kev)
	}
}

// TestDevicesOnPostgres runs the import, policy and check flow on PostgreSQL.
func TestDevicesOnPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	mustRun(t, url, "init", "--name", "Lakeside Imaging")
	mustRun(t, url, "feeds", "update", "--from", devices("feeds"))
	mustRun(t, url, "network", "zones", "import", devices("zones.yaml"))
	mustRun(t, url, "assets", "import", devices("scan-mgmt.xml"), "--source-zone", "mgmt")
	mustRun(t, url, "network", "policy", "import", devices("iptables-guest-open.rules"))
	mustRun(t, url, "network", "check")
	mustRun(t, url, "network", "policy", "import", devices("iptables-fixed.rules"))
	mustRun(t, url, "network", "check")
	fs := findingsJSON(t, url)
	if f := findRule(fs, "SEG-03", "guest-wifi → imaging"); f == nil || f["status"] != "resolved" {
		t.Errorf("SEG-03 on postgres: %v", f)
	}
	if f := findRule(fs, "KEV-01", "img-ws01.clinic.local"); f == nil || f["status"] != "open" {
		t.Errorf("KEV-01 on postgres: %v", f)
	}
}
