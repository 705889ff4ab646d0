package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func parseScan(t *testing.T, name string) *Scan {
	t.Helper()
	s, err := ParseNmap(open(t, name), name)
	if err != nil {
		t.Fatalf("ParseNmap(%s): %v", name, err)
	}
	return s
}

func byIP(list []*Asset, ip string) *Asset {
	for _, a := range list {
		for _, x := range a.IPs {
			if x == ip {
				return a
			}
		}
	}
	return nil
}

func TestParseNmap(t *testing.T) {
	s := parseScan(t, "scan-mgmt.xml")
	if s.HostsUp != 4 || len(s.Hosts) != 4 {
		t.Fatalf("hosts up = %d, want 4", s.HostsUp)
	}
	if !strings.Contains(s.Args, "-O") || s.Start.IsZero() || s.Scanned["tcp"] == "" {
		t.Errorf("run metadata not read: %+v", s)
	}
	tests := []struct {
		ip, os, name string
		open         []string
		mac          string
	}{
		{"10.0.20.15", "Microsoft Windows 7 SP1", "img-ws01.clinic.local", []string{"tcp/104", "tcp/135", "tcp/139", "tcp/445", "tcp/3389"}, "F0:1F:AF:12:34:56"},
		{"10.0.20.31", "Linux 2.6.32", "", []string{"tcp/23", "tcp/80"}, "00:09:FB:4A:21:07"},
		{"10.0.10.50", "Brother HL-L2350DW printer", "printer-front.clinic.local", []string{"tcp/80", "tcp/631", "tcp/9100"}, "3C:2A:F4:0B:19:E2"},
	}
	for _, tt := range tests {
		a := byIP(s.Hosts, tt.ip)
		if a == nil {
			t.Fatalf("host %s missing", tt.ip)
		}
		if a.OS.Name != tt.os || a.Name != tt.name || len(a.MACs) != 1 || a.MACs[0] != tt.mac {
			t.Errorf("%s: os %q name %q macs %v", tt.ip, a.OS.Name, a.Name, a.MACs)
		}
		var got []string
		for _, p := range a.OpenPorts() {
			got = append(got, p.Key())
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.open) {
			t.Errorf("%s: open ports %v, want %v", tt.ip, got, tt.open)
		}
	}
	ws := byIP(s.Hosts, "10.0.20.15")
	if p, _ := ws.Port("tcp", 445); !hasNote(p, NoteSMBv1) {
		t.Errorf("SMBv1 note missing on 445: %+v", p)
	}
	if len(ws.OS.CPE) == 0 || ws.OS.CPE[0] != "cpe:/o:microsoft:windows_7::sp1" {
		t.Errorf("OS CPE = %v", ws.OS.CPE)
	}
}

func TestParseNmapWithoutOSDetection(t *testing.T) {
	s := parseScan(t, "scan-sv.xml")
	ws := byIP(s.Hosts, "10.0.20.15")
	if ws.OS.Name != "Windows 7 Professional 7601 Service Pack 1" {
		t.Errorf("smb-os-discovery OS not used: %+v", ws.OS)
	}
	if _, ok := ws.Port("tcp", 3389); ok {
		t.Errorf("a closed port was kept as an asset port")
	}
	if got := s.Results[0].Closed; len(got) != 1 || got[0] != "tcp/3389" {
		t.Errorf("closed ports in results = %v", got)
	}
}

func TestParseNmapBadInput(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"scan-truncated.xml", "", "scan-truncated.xml:62: the XML stops in the middle"},
		{"scan-interrupted.xml", "", "scan-interrupted.xml:"},
		{"notnmap.xml", `<?xml version="1.0"?><report><host/></report>`, "not an nmap XML file"},
		{"empty.xml", ``, "empty or not XML"},
		{"nostats.xml", `<nmaprun args="nmap x"><host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/></host></nmaprun>`, "no <runstats> summary"},
		{"badaddr.xml", "<nmaprun>\n<host><status state=\"up\"/><address addr=\"10.0.0.300\" addrtype=\"ipv4\"/></host><runstats><finished exit=\"success\"/></runstats></nmaprun>", "badaddr.xml:2: address \"10.0.0.300\""},
		{"failed.xml", `<nmaprun><runstats><finished exit="error" errormsg="Failed to open device eth9"/></runstats></nmaprun>`, "nmap reported that the scan failed (Failed to open device eth9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.data == "" && strings.HasPrefix(tt.name, "scan-") {
				_, err = ParseNmap(open(t, tt.name), tt.name)
			} else {
				_, err = ParseNmap(strings.NewReader(tt.data), tt.name)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if hipaa.ErrorCodeOf(err) != hipaa.EInvalid || strings.Contains(err.Error(), "\n") {
				t.Errorf("want one-line EInvalid, got %v", err)
			}
		})
	}
	_, err := ParseNmap(open(t, "scan-interrupted.xml"), "scan-interrupted.xml")
	if !strings.Contains(err.Error(), "interrupted") && !strings.Contains(err.Error(), "stopped before it finished") {
		t.Errorf("interrupted scan message: %v", err)
	}
}

func TestClassify(t *testing.T) {
	s := parseScan(t, "scan-mgmt.xml")
	res, err := Merge(nil, s.Hosts, MergeOptions{Source: "nmap:scan-mgmt.xml", NewID: seqID()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ip   string
		kind Kind
		why  string
	}{
		{"10.0.20.15", KindMedicalDevice, "DICOM"},
		{"10.0.20.31", KindMedicalDevice, "Philips Medical Systems"},
		{"10.0.10.50", KindPrinter, "printer"},
		{"10.0.10.21", KindWorkstation, "desktop"},
	}
	for _, tt := range tests {
		a := byIP(res.Assets, tt.ip)
		if a.Kind != tt.kind || !strings.Contains(a.KindReason, tt.why) || a.KindSource != KindByDetection {
			t.Errorf("%s: kind %s (%s, %s), want %s mentioning %q", tt.ip, a.Kind, a.KindReason, a.KindSource, tt.kind, tt.why)
		}
	}
	// A person's correction survives detection.
	a := byIP(res.Assets, "10.0.10.21")
	a.Kind, a.KindSource = KindServer, KindByUser
	again, _ := Merge(res.Assets, parseScan(t, "scan-mgmt.xml").Hosts, MergeOptions{Source: "nmap:again", NewID: seqID()})
	if b := byIP(again.Assets, "10.0.10.21"); b.Kind != KindServer {
		t.Errorf("user classification overwritten: %s", b.Kind)
	}
}

func seqID() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("ast_%04d", n) }
}

func TestMergeAndDrift(t *testing.T) {
	t0 := time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)
	first, err := Merge(nil, parseScan(t, "scan-mgmt.xml").Hosts, MergeOptions{Source: "nmap:scan-mgmt.xml", Now: t0, NewID: seqID()})
	if err != nil {
		t.Fatal(err)
	}
	if first.Created != 4 || len(first.Drift) != 4 {
		t.Fatalf("first import: created %d, drift %d", first.Created, len(first.Drift))
	}
	for _, d := range first.Drift {
		if d.Change != DriftNewAsset {
			t.Errorf("first import drift %+v", d)
		}
	}
	// The same scan again: no duplicates, no drift.
	same, _ := Merge(first.Assets, parseScan(t, "scan-mgmt.xml").Hosts, MergeOptions{Source: "nmap:scan-mgmt.xml", Now: t0.Add(time.Hour), NewID: seqID()})
	if same.Created != 0 || len(same.Assets) != 4 || len(same.Drift) != 0 {
		t.Fatalf("re-import: created %d, assets %d, drift %+v", same.Created, len(same.Assets), same.Drift)
	}
	// A guest-zone scan sees the workstation by IP only: it merges, and adds nothing.
	guest, _ := Merge(same.Assets, parseScan(t, "scan-guest.xml").Hosts, MergeOptions{Source: "nmap:scan-guest.xml", Now: t0.Add(2 * time.Hour), NewID: seqID()})
	if guest.Created != 1 || len(guest.Assets) != 5 {
		t.Fatalf("guest scan: created %d (want 1: the guest laptop), assets %d", guest.Created, len(guest.Assets))
	}
	// A later scan: VNC appeared, RDP closed.
	later, _ := Merge(guest.Assets, parseScan(t, "scan-sv.xml").Hosts, MergeOptions{Source: "nmap:scan-sv.xml", Now: t0.Add(72 * time.Hour), NewID: seqID()})
	var changes []string
	for _, d := range later.Drift {
		changes = append(changes, d.Change+":"+d.Detail)
	}
	joined := strings.Join(changes, "\n")
	for _, want := range []string{"new_port:new open port tcp/5900", "port_closed:port tcp/3389", "new_asset:"} {
		if !strings.Contains(joined, want) {
			t.Errorf("drift lacks %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "os_change") {
		t.Errorf("the same OS named differently was reported as a change:\n%s", joined)
	}
	ws := byIP(later.Assets, "10.0.20.15")
	if _, ok := ws.Port("tcp", 3389); ok {
		t.Errorf("closed port kept")
	}
	if _, ok := ws.Port("tcp", 445); !ok {
		t.Errorf("445 lost although the later scan saw it open")
	}
}

func TestMergeOSChange(t *testing.T) {
	old := &Asset{ID: "a1", MACs: []string{"AA:BB:CC:00:00:01"}, IPs: []string{"10.0.0.5"}, OS: OS{Name: "Microsoft Windows 7 SP1", Family: "Windows", Gen: "7", Source: "nmap"}}
	in := &Asset{MACs: []string{"AA:BB:CC:00:00:01"}, IPs: []string{"10.0.0.9"}, OS: OS{Name: "Microsoft Windows 10 1809", Family: "Windows", Gen: "10", Source: "nmap"}}
	res, _ := Merge([]*Asset{old}, []*Asset{in}, MergeOptions{Source: "nmap:x", NewID: seqID()})
	var kinds []string
	for _, d := range res.Drift {
		kinds = append(kinds, d.Change)
	}
	if fmt.Sprint(kinds) != "[address_change os_change]" || res.Created != 0 {
		t.Errorf("drift %v created %d", kinds, res.Created)
	}
}

func TestMergeKeys(t *testing.T) {
	base := []*Asset{
		{ID: "mac", MACs: []string{"00:11:22:33:44:55"}, IPs: []string{"10.0.0.1"}},
		{ID: "serial", Serial: "SN-1", IPs: []string{"10.0.0.2"}},
		{ID: "iphost", IPs: []string{"10.0.0.3"}, Hostnames: []string{"pc3"}},
	}
	tests := []struct {
		name string
		in   *Asset
		want string
	}{
		{"same MAC, new IP", &Asset{MACs: []string{"00:11:22:33:44:55"}, IPs: []string{"10.0.0.99"}}, "mac"},
		{"same serial", &Asset{Serial: " sn-1 "}, "serial"},
		{"same IP and host name", &Asset{IPs: []string{"10.0.0.3"}, Hostnames: []string{"pc3"}}, "iphost"},
		{"same IP, no host name", &Asset{IPs: []string{"10.0.0.3"}}, "iphost"},
		{"same IP, other host name", &Asset{IPs: []string{"10.0.0.3"}, Hostnames: []string{"laptop7"}}, ""},
		{"same IP, other MAC", &Asset{IPs: []string{"10.0.0.1"}, MACs: []string{"66:77:88:99:AA:BB"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list []*Asset
			for _, a := range base {
				c := *a
				list = append(list, &c)
			}
			res, _ := Merge(list, []*Asset{tt.in}, MergeOptions{Source: "t", NewID: func() string { return "new" }})
			got := res.Touched[0].ID
			if tt.want == "" && got != "new" || tt.want != "" && got != tt.want {
				t.Errorf("merged into %s, want %q", got, tt.want)
			}
		})
	}
}

func TestParseCSV(t *testing.T) {
	list, err := ParseCSV(open(t, "assets.csv"), "assets.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 5 {
		t.Fatalf("%d rows", len(list))
	}
	ws := list[0]
	if ws.Kind != KindMedicalDevice || ws.KindSource != KindByImport || !ws.StoresEPHI || ws.OS.Text() != "Windows 7 Professional SP1" || ws.Criticality != "high" {
		t.Errorf("row 1: %+v", ws)
	}
	if list[4].EndOfSupport != "2019-12-31" || list[4].VendorRemoteAccess != RemoteAlwaysOn {
		t.Errorf("row 5: %+v", list[4])
	}
	// Merging the list with a scan: no duplicates, and the assets become confirmed.
	scan, _ := Merge(nil, parseScan(t, "scan-mgmt.xml").Hosts, MergeOptions{Source: "nmap", NewID: seqID()})
	res, _ := Merge(scan.Assets, list, MergeOptions{Source: "csv:assets.csv", Authoritative: true, NewID: seqID()})
	if len(res.Assets) != 6 { // 4 scanned, of which 3 are in the list, plus the EHR and the spirometer
		t.Errorf("assets after CSV merge = %d, want 6", len(res.Assets))
	}
	ws2 := byIP(res.Assets, "10.0.20.15")
	if !ws2.Confirmed || ws2.Owner != "Dr. Patel" || ws2.OS.Source != "csv" {
		t.Errorf("merged workstation: %+v", ws2)
	}
}

func TestParseCSVMapping(t *testing.T) {
	m, err := ParseMapping(open(t, "cmms-mapping.yaml"), "cmms-mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	list, err := ParseCSV(open(t, "cmms-export.csv"), "cmms-export.csv", m)
	if err != nil {
		t.Fatal(err)
	}
	a := list[0]
	if a.Name != "Ultrasound cart" || a.AssetTag != "BM-0042" || a.Location != "Exam 1" || a.Serial != "US-88231" || a.MACs[0] != "00:1D:4A:08:33:90" {
		t.Errorf("mapped row: %+v", a)
	}
	Classify(a)
	if a.Kind != KindMedicalDevice || !strings.Contains(a.KindReason, "Carestream") {
		t.Errorf("Carestream OUI not recognised: %s %s", a.Kind, a.KindReason)
	}
}

func TestParseCSVBadInput(t *testing.T) {
	tests := []struct {
		file, data, want string
	}{
		{"bad-column.csv", "", `bad-column.csv:1: unknown column "warranty"`},
		{"bad-ip.csv", "", `bad-ip.csv:3: column "ip": "10.0.10.300" is not an IP address`},
		{"kind.csv", "name,kind\nX,toaster\n", `kind.csv:2: column "kind": "toaster" is not a kind of asset`},
		{"nokey.csv", "location,owner\nRoom 1,Ann\n", "kind.csv"},
		{"emptyrow.csv", "name,ip\n,\n\nPC1,10.0.0.1\n", ""},
		{"quote.csv", "name,ip\n\"PC1,10.0.0.1\n", "quote.csv:2"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var err error
			if tt.data == "" && strings.HasPrefix(tt.file, "bad-") {
				_, err = ParseCSV(open(t, tt.file), tt.file, nil)
			} else {
				_, err = ParseCSV(strings.NewReader(tt.data), tt.file, nil)
			}
			switch tt.file {
			case "nokey.csv":
				if err == nil || !strings.Contains(err.Error(), "no column identifies the assets") {
					t.Errorf("err = %v", err)
				}
				return
			case "emptyrow.csv":
				if err != nil {
					t.Errorf("blank rows should be skipped: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "nothing was imported") {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	_, err := ParseMapping(strings.NewReader("columns:\n  \"Room\": room_number\n"), "m.yaml")
	if err == nil || !strings.Contains(err.Error(), "m.yaml:2:") {
		t.Errorf("mapping error = %v", err)
	}
}

func TestParseCycloneDX(t *testing.T) {
	a, err := ParseCycloneDX(open(t, "monitor-sbom.json"), "monitor-sbom.json")
	if err != nil {
		t.Fatal(err)
	}
	if a.Manufacturer != "Philips" || a.Model != "IntelliVue MX450" || a.Firmware != "L.01.32" || a.Serial != "DE61234567" {
		t.Errorf("device: %+v", a)
	}
	if a.OS.Name != "VxWorks" || len(a.Software) != 3 || len(a.NotAffected) != 1 || a.NotAffected[0] != "CVE-2016-2107" {
		t.Errorf("components: os %+v software %d vex %v", a.OS, len(a.Software), a.NotAffected)
	}
	// It merges into the monitor found by the scan, by MAC.
	scan, _ := Merge(nil, parseScan(t, "scan-mgmt.xml").Hosts, MergeOptions{Source: "nmap", NewID: seqID()})
	res, _ := Merge(scan.Assets, []*Asset{a}, MergeOptions{Source: "sbom:monitor-sbom.json", Authoritative: true, NewID: seqID()})
	if res.Created != 0 {
		t.Errorf("SBOM created a duplicate")
	}
	for _, bad := range []struct{ data, want string }{
		{`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}`, "no metadata.component"},
		{`{"bomFormat":"SPDX"}`, "not a CycloneDX SBOM"},
		{"{\n\"bomFormat\": \"CycloneDX\",\n\"metadata\": {", "stops in the middle"},
		{"{\n\"bomFormat\": \"CycloneDX\",\n\"metadata\": [}", "sbom.json:3"},
	} {
		_, err := ParseCycloneDX(strings.NewReader(bad.data), "sbom.json")
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("err = %v, want %q", err, bad.want)
		}
	}
}

func TestFindings(t *testing.T) {
	scan, _ := Merge(nil, parseScan(t, "scan-mgmt.xml").Hosts, MergeOptions{Source: "nmap", NewID: seqID()})
	fs := Findings(scan.Assets, FindingOptions{})
	count := map[string]int{}
	var svc []string
	for _, f := range fs {
		count[f.Rule]++
		if f.Source != Source || len(f.Citations) == 0 || f.Fingerprint == "" {
			t.Errorf("malformed finding %+v", f)
		}
		if f.Rule == "SVC-01" {
			svc = append(svc, f.Subject+" "+f.Evidence[0]["port"].(string)+" "+string(f.Severity))
		}
	}
	if count["INV-01"] != 4 || count["INV-02"] != 1 {
		t.Errorf("counts %v", count)
	}
	joined := strings.Join(svc, "\n")
	for _, want := range []string{"img-ws01.clinic.local tcp/445 high", "img-ws01.clinic.local tcp/3389 moderate", "10.0.20.31 tcp/23 high", "10.0.20.31 tcp/80 moderate", "printer-front.clinic.local tcp/80 moderate"} {
		if !strings.Contains(joined, want) {
			t.Errorf("SVC-01 lacks %q:\n%s", want, joined)
		}
	}
}
