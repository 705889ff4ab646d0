package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeScan writes an nmap XML run of n hosts, each with a MAC, a PTR
// name, four open ports and an OS match.
func writeScan(b *testing.B, path string, n int) {
	var x bytes.Buffer
	x.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap -sS -sV -O -oX big.xml 10.0.0.0/18" start="1794906724" version="7.94SVN" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="1000" services="1-1024,3389,9100"/>
`)
	oses := []string{"Microsoft Windows 10 1809 - 21H2", "Microsoft Windows 7 SP1", "Linux 4.15 - 5.8", "Microsoft Windows Server 2016"}
	ports := []string{"22/ssh", "80/http", "135/msrpc", "443/https", "445/microsoft-ds", "3389/ms-wbt-server", "9100/jetdirect"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&x, `<host><status state="up" reason="arp-response"/><address addr="10.0.%d.%d" addrtype="ipv4"/><address addr="00:1A:00:%02X:%02X:%02X" addrtype="mac" vendor="Dell"/>
<hostnames><hostname name="host-%05d.clinic.local" type="PTR"/></hostnames><ports><extraports state="closed" count="996"/>
`, i/250, i%250+1, (i>>16)&0xff, (i>>8)&0xff, i&0xff, i)
		for j := 0; j < 4; j++ {
			num, name, _ := strings.Cut(ports[(i+j*2)%len(ports)], "/")
			fmt.Fprintf(&x, `<port protocol="tcp" portid="%s"><state state="open" reason="syn-ack"/><service name="%s" method="probed" conf="10"/></port>
`, num, name)
		}
		fmt.Fprintf(&x, `</ports><os><osmatch name="%s" accuracy="96"><osclass type="general purpose" vendor="Microsoft" osfamily="Windows" accuracy="96"/></osmatch></os></host>
`, oses[i%len(oses)])
	}
	x.WriteString(`<runstats><finished time="1794907724" exit="success"/><hosts up="10000" down="0" total="10000"/></runstats></nmaprun>
`)
	if err := os.WriteFile(path, x.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCLIImport10000Hosts runs `safeguard assets import` on a
// 10,000-host scan against a SQLite database with zones and feeds loaded:
// parsing, merging, saving the assets, the history and the findings, and
// the segmentation checks, in one transaction. "first" imports into an
// empty inventory; "again" imports the same scan once more (a re-scan).
func BenchmarkCLIImport10000Hosts(b *testing.B) {
	dir := b.TempDir()
	scan := filepath.Join(dir, "big.xml")
	writeScan(b, scan, 10000)
	zones := filepath.Join(dir, "zones.yaml")
	os.WriteFile(zones, []byte("zones:\n  - name: lan\n    kind: workstation\n    cidrs: [10.0.0.0/18]\n"), 0o600)
	n := 0
	fresh := func(b *testing.B) func(args ...string) {
		n++
		db := filepath.Join(dir, fmt.Sprintf("sg%d.db", n))
		env := map[string]string{"SAFEGUARD_DB": db, "SAFEGUARD_ACTOR": "bench"}
		runOK := func(args ...string) {
			var out, errb bytes.Buffer
			if code := Run(context.Background(), args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] }); code != 0 {
				b.Fatalf("%v: exit %d: %s", args, code, errb.String())
			}
		}
		runOK("init", "--name", "Bench Clinic")
		runOK("feeds", "update", "--from", filepath.Join("testdata", "devices", "feeds"))
		runOK("network", "zones", "import", zones)
		return runOK
	}
	b.Run("first", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			runOK := fresh(b)
			b.StartTimer()
			runOK("assets", "import", scan)
		}
	})
	b.Run("again", func(b *testing.B) {
		b.StopTimer()
		runOK := fresh(b)
		runOK("assets", "import", scan)
		b.StartTimer()
		for i := 0; i < b.N; i++ {
			runOK("assets", "import", scan)
		}
	})
}
