package netseg

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/inventory"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func zones(t testing.TB) *Zones {
	t.Helper()
	z, err := ParseZones(bytes.NewReader(read(t, "zones.yaml")), "zones.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func policy(t testing.TB, name string) *Policy {
	t.Helper()
	p, err := ParsePolicy(read(t, name), name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseZones(t *testing.T) {
	z := zones(t)
	if len(z.Zones) != 6 || len(z.Flows) != 3 {
		t.Fatalf("zones %d flows %d", len(z.Zones), len(z.Flows))
	}
	for _, tt := range []struct{ ip, zone string }{
		{"10.0.20.15", "imaging"}, {"10.0.50.7", "guest-wifi"}, {"8.8.8.8", "internet"}, {"192.168.1.5", ""},
	} {
		got := ""
		if zz := z.ZoneOf(mustAddr(tt.ip)); zz != nil {
			got = zz.Name
		}
		if got != tt.zone {
			t.Errorf("ZoneOf(%s) = %q, want %q", tt.ip, got, tt.zone)
		}
	}
	if d := z.Documented("office", "imaging"); !d.Has("tcp", 104) || d.Has("tcp", 3389) {
		t.Errorf("documented office→imaging = %s", d)
	}
}

func TestParseZonesBadInput(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"zones-overlap.yaml", "", `zones-overlap.yaml:5: 10.0.20.0/24 in zone "imaging" overlaps 10.0.0.0/16 in zone "office" (line 2)`},
		{"kind.yaml", "zones:\n  - name: a\n    kind: lobby\n    cidrs: [10.0.0.0/24]\n", `kind.yaml:2: zone "a" has kind "lobby"`},
		{"key.yaml", "zones:\n  - name: a\n    kind: guest\n    cidr: [10.0.0.0/24]\n", `key.yaml:4: unknown key "cidr" under zones`},
		{"cidr.yaml", "zones:\n  - name: a\n    kind: guest\n    cidrs: [10.0.0.0/33]\n", `cidr.yaml:2: zone "a": "10.0.0.0/33" is not an address range`},
		{"flow.yaml", "zones:\n  - name: a\n    kind: guest\n    cidrs: [10.0.0.0/24]\nflows:\n  - from: a\n    to: b\n    ports: [tcp/1]\n", `flow.yaml:6: flow names zone "b"`},
		{"yaml.yaml", "zones: [\n", "yaml.yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			if tt.data == "" {
				data = read(t, tt.name)
			}
			_, err := ParseZones(bytes.NewReader(data), tt.name)
			if err == nil || !strings.Contains(err.Error(), tt.want) || hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParsePolicyBadInput(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"iptables-broken.rules", "", "iptables-broken.rules:6: \"10.0.20.999\" is not an address"},
		{"script.rules", "*filter\n:FORWARD DROP [0:0]\niptables -A FORWARD -j ACCEPT\nCOMMIT\n", "script.rules:3: \"iptables -A FORWARD -j ACCEPT\" is not a rule line"},
		{"quote.rules", "*filter\n-A FORWARD -m comment --comment \"open -j ACCEPT\nCOMMIT\n", "quote.rules:2: a quote is not closed"},
		{"notable.rules", "-A FORWARD -j ACCEPT\n", "notable.rules:1: a rule outside any table"},
		{"pf.xml", "<pfsense>\n<filter>\n<rule><type>pass</type>\n", "pf.xml:"},
		{"pf2.xml", "<pfsense><filter>\n<rule><type>allow</type><interface>lan</interface></rule></filter></pfsense>", "pf2.xml:2: rule type \"allow\""},
		{"rules.yaml", "default: deny\nrules:\n  - from: a\n    to: b\n    action: permit\n", "rules.yaml:3: action \"permit\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			if tt.data == "" {
				data = read(t, tt.name)
			}
			_, err := ParsePolicy(data, tt.name)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func cellText(m *Matrix, from, to string) string {
	c := m.Cell(from, to)
	if c == nil {
		return "nothing"
	}
	s := c.Allowed.String()
	if c.Partial {
		s += " (partial)"
	}
	return s
}

func TestReachabilityIptables(t *testing.T) {
	z := zones(t)
	open := Reachability(z, policy(t, "iptables-guest-open.rules"))
	fixed := Reachability(z, policy(t, "iptables-fixed.rules"))
	tests := []struct {
		from, to  string
		open, fix string
	}{
		{"guest-wifi", "imaging", "tcp 3389", "nothing"},
		{"guest-wifi", "internet", "everything", "everything"},
		{"guest-wifi", "office", "nothing", "nothing"},
		{"office", "imaging", "tcp 104,11112", "tcp 104,11112"},
		{"office", "internet", "everything", "everything"},
		{"imaging", "servers", "tcp 104", "tcp 104"},
		{"imaging", "internet", "nothing", "nothing"},
		{"mgmt", "imaging", "everything", "everything"},
		{"internet", "imaging", "nothing", "nothing"},
	}
	for _, tt := range tests {
		if got := cellText(open, tt.from, tt.to); got != tt.open {
			t.Errorf("open %s→%s = %s, want %s", tt.from, tt.to, got, tt.open)
		}
		if got := cellText(fixed, tt.from, tt.to); got != tt.fix {
			t.Errorf("fixed %s→%s = %s, want %s", tt.from, tt.to, got, tt.fix)
		}
	}
	if c := open.Cell("guest-wifi", "imaging"); len(c.Rules) != 1 || !strings.Contains(c.Rules[0], "GUEST #2") {
		t.Errorf("rules = %v", c.Rules)
	}
	if len(open.Warnings) != 0 {
		t.Errorf("warnings: %v", open.Warnings)
	}
}

func TestReachabilityOpenPolicy(t *testing.T) {
	z := zones(t)
	m := Reachability(z, policy(t, "iptables-open.rules"))
	// Default ACCEPT: everything not dropped passes; guests are dropped to 10/8 first.
	for _, tt := range []struct{ from, to, want string }{
		{"guest-wifi", "imaging", "nothing"},
		{"guest-wifi", "internet", "everything"},
		{"internet", "imaging", "everything"},
		{"servers", "imaging", "everything"},
	} {
		if got := cellText(m, tt.from, tt.to); got != tt.want {
			t.Errorf("%s→%s = %s, want %s", tt.from, tt.to, got, tt.want)
		}
	}
	if !m.Cell("internet", "imaging").ByDefault {
		t.Errorf("default policy not reported")
	}
}

func TestReachabilityPfSense(t *testing.T) {
	z := zones(t)
	p := policy(t, "pfsense-config.xml")
	if p.Format != "pfsense" || len(p.NAT) != 1 || len(p.Chains["opt2"]) != 1 {
		t.Fatalf("parsed: format %s nat %d opt2 rules %d", p.Format, len(p.NAT), len(p.Chains["opt2"]))
	}
	m := Reachability(z, p)
	for _, tt := range []struct{ from, to, want string }{
		{"guest-wifi", "imaging", "nothing"},
		{"guest-wifi", "internet", "everything"},
		{"office", "imaging", "everything"},
		{"imaging", "internet", "tcp 443"},
		{"imaging", "office", "tcp 443"},
		{"internet", "imaging", "nothing"},
	} {
		if got := cellText(m, tt.from, tt.to); got != tt.want {
			t.Errorf("%s→%s = %s, want %s", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestReachabilityRuleList(t *testing.T) {
	z := zones(t)
	m := Reachability(z, policy(t, "rules.yaml"))
	for _, tt := range []struct{ from, to, want string }{
		{"guest-wifi", "imaging", "nothing"},
		{"guest-wifi", "internet", "everything"},
		{"office", "imaging", "tcp 104,11112"},
		{"imaging", "internet", "everything"},
		{"office", "internet", "nothing"},
	} {
		if got := cellText(m, tt.from, tt.to); got != tt.want {
			t.Errorf("%s→%s = %s, want %s", tt.from, tt.to, got, tt.want)
		}
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func imagingAssets() []*inventory.Asset {
	return []*inventory.Asset{
		{ID: "ws", Name: "img-ws01", Kind: inventory.KindMedicalDevice, IPs: []string{"10.0.20.15"},
			Ports: []inventory.Port{{Protocol: "tcp", Number: 3389, State: "open", Service: "ms-wbt-server"}, {Protocol: "tcp", Number: 104, State: "open", Service: "dicom"}}},
		{ID: "pc", Name: "front-desk-1", Kind: inventory.KindWorkstation, IPs: []string{"10.0.10.21"}},
		{ID: "stray", Name: "nas", Kind: inventory.KindServer, IPs: []string{"192.168.1.20"}},
		{ID: "pump", Name: "infusion-7", Kind: inventory.KindMedicalDevice, IPs: []string{"10.0.10.77"}, SSID: "Clinic-Staff"},
	}
}

func findingsByRule(fs []*hipaa.Finding) map[string][]*hipaa.Finding {
	m := map[string][]*hipaa.Finding{}
	for _, f := range fs {
		m[f.Rule] = append(m[f.Rule], f)
	}
	return m
}

func TestCheckGuestReachesMedical(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	in := CheckInput{Zones: zones(t), Policy: policy(t, "iptables-guest-open.rules"), Assets: imagingAssets(),
		Unsupported: map[string]string{"ws": "Windows 7 SP1 ended 2020-01-14"}, FirstCheck: true, Now: now}
	rep, fs := Check(in)
	by := findingsByRule(fs)
	seg03 := by["SEG-03"]
	if len(seg03) != 1 || seg03[0].Subject != "guest-wifi → imaging" || seg03[0].Severity != hipaa.SeverityCritical {
		t.Fatalf("SEG-03 = %+v", seg03)
	}
	ev := seg03[0].Evidence[0]
	if ev["reachable"] != "tcp 3389" || !strings.Contains(ev["allowed_by"].(string), "iptables-guest-open.rules:27") || !strings.Contains(ev["devices_in_target_zone"].(string), "img-ws01") {
		t.Errorf("evidence %v", ev)
	}
	if len(seg03[0].Citations) == 0 || seg03[0].Citations[0] != "164.312(a)(1)" {
		t.Errorf("citations %v", seg03[0].Citations)
	}
	for rule, want := range map[string]int{"SEG-01": 1, "SEG-02": 1, "SEG-13": 1, "SEG-14": 1, "SEG-15": 1, "SEG-12": 1} {
		if len(by[rule]) != want {
			t.Errorf("%s: %d finding(s), want %d: %+v", rule, len(by[rule]), want, by[rule])
		}
	}
	if len(by["SEG-10"]) != 0 || len(by["SEG-07"]) != 0 {
		t.Errorf("unexpected: SEG-10 %v SEG-07 %v", by["SEG-10"], by["SEG-07"])
	}
	status := map[string]string{}
	for _, c := range rep.Checks {
		status[c.ID] = c.Status
	}
	if status["SEG-03"] != "fail" || status["SEG-10"] != "pass" || status["SEG-16"] != "not_checked" {
		t.Errorf("statuses %v", status)
	}
	// The fixed policy: the guest path is gone.
	in.Policy = policy(t, "iptables-fixed.rules")
	in.Assets = imagingAssets()
	_, fs = Check(in)
	if got := findingsByRule(fs)["SEG-03"]; len(got) != 0 {
		t.Errorf("fixed policy still reports SEG-03: %+v", got)
	}
}

func TestCheckActiveEvidence(t *testing.T) {
	scan := ScanEvidence{File: "scan-guest.xml", SourceZone: "guest-wifi", Start: time.Date(2026, 11, 18, 17, 40, 0, 0, time.UTC),
		Scanned: map[string]string{"tcp": "1-1024,2575,3389,5900,11112"},
		Results: []inventory.HostResult{{IP: "10.0.20.15", Open: []string{"tcp/3389"}, Rest: "filtered"}, {IP: "10.0.50.23", Open: []string{"tcp/135", "tcp/445"}}}}
	in := CheckInput{Zones: zones(t), Policy: policy(t, "iptables-fixed.rules"), Assets: imagingAssets(), Scans: []ScanEvidence{scan},
		FirstCheck: true, Now: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	rep, fs := Check(in)
	by := findingsByRule(fs)
	if len(by["SEG-03"]) != 1 || !strings.Contains(by["SEG-03"][0].Title, "although the firewall policy on file blocks it") {
		t.Fatalf("SEG-03 from scan: %+v", by["SEG-03"])
	}
	obs := by["SEG-03"][0].Evidence[1]
	if obs["reached_although_policy_blocks"] != "tcp 3389" {
		t.Errorf("observed evidence %v", obs)
	}
	if len(by["SEG-04"]) != 1 || by["SEG-04"][0].Severity != hipaa.SeverityHigh {
		t.Errorf("SEG-04 = %+v", by["SEG-04"])
	}
	if len(by["SEG-15"]) != 0 {
		t.Errorf("a recent scan from the guest zone is a test: %+v", by["SEG-15"])
	}
	if len(rep.Observed) == 0 {
		t.Errorf("no observed flows in report")
	}
}

func TestCheckPfSense(t *testing.T) {
	in := CheckInput{Zones: zones(t), Policy: policy(t, "pfsense-config.xml"), Assets: imagingAssets(), FirstCheck: true, Now: time.Now()}
	_, fs := Check(in)
	by := findingsByRule(fs)
	var got []string
	for _, r := range []string{"SEG-05", "SEG-06", "SEG-07", "SEG-08", "SEG-09", "SEG-10", "SEG-11"} {
		got = append(got, fmt.Sprintf("%s:%d", r, len(by[r])))
	}
	if s := strings.Join(got, " "); s != "SEG-05:1 SEG-06:1 SEG-07:1 SEG-08:1 SEG-09:1 SEG-10:1 SEG-11:1" {
		t.Errorf("counts %s", s)
	}
	if f := by["SEG-07"][0]; f.Severity != hipaa.SeverityCritical || !strings.Contains(f.Title, "forwards tcp 3389") {
		t.Errorf("SEG-07 %+v", f)
	}
	if rows := by["SEG-11"][0].Evidence; !strings.Contains(fmt.Sprint(rows), "GUEST rule 3") {
		t.Errorf("shadowed rule not found: %v", rows)
	}
}

func TestCheckDrift(t *testing.T) {
	z := zones(t)
	added, removed := Changes(policy(t, "iptables-guest-open.rules"), policy(t, "iptables-fixed.rules"))
	if len(added) != 0 || len(removed) != 1 || !strings.Contains(removed[0], "3389") {
		t.Fatalf("added %v removed %v", added, removed)
	}
	in := CheckInput{Zones: z, Assets: imagingAssets(), Now: time.Now(), Changes: []Change{
		{At: time.Now(), SubjectID: "policy", Subject: "firewall policy", Kind: "rule_removed", Detail: removed[0]},
		{At: time.Now(), SubjectID: "ws", Subject: "img-ws01", Kind: "new_port", Detail: "new open port tcp/5900"},
	}}
	rep, fs := Check(in)
	by := findingsByRule(fs)
	if len(by["SEG-16"]) != 2 {
		t.Errorf("SEG-16 = %+v", by["SEG-16"])
	}
	for _, c := range rep.Checks {
		if c.ID == "SEG-03" && c.Status != "not_checked" {
			t.Errorf("SEG-03 without policy or scans should be not_checked: %+v", c)
		}
	}
}

func TestNetworkMap(t *testing.T) {
	z := zones(t)
	var assets []*inventory.Asset
	kinds := inventory.Kinds
	for i := 0; i < 200; i++ {
		net := []string{"10.0.10", "10.0.20", "10.0.30", "10.0.50", "10.0.99"}[i%5]
		assets = append(assets, &inventory.Asset{ID: fmt.Sprintf("a%d", i), Name: fmt.Sprintf("device-%03d", i), Kind: kinds[i%len(kinds)],
			IPs: []string{fmt.Sprintf("%s.%d", net, 10+i/5)}})
	}
	AssignZones(z, assets)
	in := MapInput{Title: "Network map <Clinic & Co>", Zones: z, Assets: assets, Matrix: Reachability(z, policy(t, "iptables-guest-open.rules")),
		Unsupported: map[string]string{"a1": "Windows 7"}, Generated: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	var svg bytes.Buffer
	if err := WriteSVG(&svg, in); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(svg.Bytes()))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("SVG is not well-formed: %v", err)
		}
	}
	s := svg.String()
	for _, want := range []string{`data-zone="imaging"`, `data-from="guest-wifi" data-to="imaging"`, "device-199", "&lt;Clinic &amp; Co&gt;", "stroke=\"#c0392b\""} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	var dot bytes.Buffer
	if err := WriteDOT(&dot, in); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dot.String(), "digraph network {") || !strings.Contains(dot.String(), `"zone:guest-wifi" -> "zone:imaging"`) || strings.Count(dot.String(), "subgraph") != 6 {
		t.Errorf("DOT:\n%s", dot.String())
	}
}

func TestCheckPolicyVersusScan(t *testing.T) {
	// The policy lets guests reach RDP on the imaging network, but the scan
	// from the guest network got no answer there at all: the rule may be
	// stale, or another device blocks the path.
	scan := ScanEvidence{File: "scan-guest.xml", SourceZone: "guest-wifi", Start: time.Now(), Scanned: map[string]string{"tcp": "1-1024,3389"},
		Results: []inventory.HostResult{{IP: "10.0.20.15", Open: []string{"tcp/104"}, Rest: "filtered"}}}
	in := CheckInput{Zones: zones(t), Policy: policy(t, "iptables-guest-open.rules"), Assets: imagingAssets(), Scans: []ScanEvidence{scan}, FirstCheck: true, Now: time.Now()}
	_, fs := Check(in)
	var info *hipaa.Finding
	for _, f := range fs {
		if f.Rule == "SEG-11" && f.Severity == hipaa.SeverityInfo {
			info = f
		}
	}
	if info == nil || info.Evidence[0]["allowed_but_unanswered"] != "tcp 3389" {
		t.Errorf("allowed-but-unanswered finding: %+v", info)
	}
}

func TestCheckRuleListDefaults(t *testing.T) {
	p, err := ParsePolicy([]byte("default: allow\nrules:\n  - from: guest-wifi\n    to: internet\n    action: allow\n"), "open.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, fs := Check(CheckInput{Zones: zones(t), Policy: p, FirstCheck: true, Now: time.Now()})
	by := findingsByRule(fs)
	if len(by["SEG-10"]) != 1 || len(by["SEG-03"]) == 0 || len(by["SEG-07"]) == 0 {
		t.Errorf("default allow: SEG-10 %d SEG-03 %d SEG-07 %d", len(by["SEG-10"]), len(by["SEG-03"]), len(by["SEG-07"]))
	}
	// A rule naming an unknown zone is reported, not silently ignored.
	p, _ = ParsePolicy([]byte("rules:\n  - from: lobby\n    to: any\n    action: allow\n"), "r.yaml")
	if m := Reachability(zones(t), p); len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], `zone "lobby"`) {
		t.Errorf("warnings %v", m.Warnings)
	}
}

func TestParseOPNsense(t *testing.T) {
	data := bytes.ReplaceAll(read(t, "pfsense-config.xml"), []byte("pfsense>"), []byte("opnsense>"))
	p, err := ParsePolicy(data, "config.xml")
	if err != nil || p.Format != "opnsense" || len(p.Rules()) != 6 {
		t.Fatalf("opnsense: %v %+v", err, p)
	}
	if got := cellText(Reachability(zones(t), p), "guest-wifi", "imaging"); got != "nothing" {
		t.Errorf("guest→imaging = %s", got)
	}
}
