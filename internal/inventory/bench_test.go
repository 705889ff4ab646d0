package inventory

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// generateNmapXML writes an nmap XML run of n hosts in the layout nmap
// -sS -sV -O produces: addresses with MAC vendor, a PTR name, a few open
// ports with service detection, extraports, and an OS match with classes.
func generateNmapXML(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/share/nmap/nmap.xsl" type="text/xsl"?>
<nmaprun scanner="nmap" args="nmap -sS -sV -O -oX big.xml 10.0.0.0/18" start="1794906724" startstr="Tue Nov 17 09:12:04 2026" version="7.94SVN" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="1000" services="1-1024,3389,5900,8080,9100,11112"/>
<verbose level="0"/>
<debugging level="0"/>
`)
	oses := []struct{ name, family, gen, cpe, typ string }{
		{"Microsoft Windows 10 1809 - 21H2", "Windows", "10", "cpe:/o:microsoft:windows_10", "general purpose"},
		{"Microsoft Windows 7 SP1", "Windows", "7", "cpe:/o:microsoft:windows_7::sp1", "general purpose"},
		{"Linux 4.15 - 5.8", "Linux", "4.X", "cpe:/o:linux:linux_kernel:4", "general purpose"},
		{"HP LaserJet printer", "embedded", "", "cpe:/h:hp:laserjet", "printer"},
	}
	services := []struct {
		port          int
		name, product string
	}{{22, "ssh", "OpenSSH"}, {80, "http", "nginx"}, {104, "dicom", "DCMTK dcmqrscp"}, {135, "msrpc", "Microsoft Windows RPC"},
		{443, "https", "Microsoft IIS httpd"}, {445, "microsoft-ds", ""}, {3389, "ms-wbt-server", "Microsoft Terminal Services"}, {9100, "jetdirect", ""}}
	for i := 0; i < n; i++ {
		ip := fmt.Sprintf("10.0.%d.%d", i/250, i%250+1)
		os := oses[i%len(oses)]
		fmt.Fprintf(&b, `<host starttime="1794906730" endtime="1794906790"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="%s" addrtype="ipv4"/>
<address addr="00:1A:%02X:%02X:%02X:%02X" addrtype="mac" vendor="Dell"/>
<hostnames>
<hostname name="host-%05d.clinic.local" type="PTR"/>
</hostnames>
<ports><extraports state="closed" count="996">
<extrareasons reason="reset" count="996" proto="tcp" ports="1-21,23-79"/>
</extraports>
`, ip, (i>>24)&0xff, (i>>16)&0xff, (i>>8)&0xff, i&0xff, i)
		for j := 0; j < 4; j++ {
			s := services[(i+j*3)%len(services)]
			fmt.Fprintf(&b, `<port protocol="tcp" portid="%d"><state state="open" reason="syn-ack" reason_ttl="128"/><service name="%s" product="%s" method="probed" conf="10"/></port>
`, s.port, s.name, s.product)
		}
		fmt.Fprintf(&b, `</ports>
<os><portused state="open" proto="tcp" portid="135"/>
<osmatch name="%s" accuracy="96" line="70001">
<osclass type="%s" vendor="Microsoft" osfamily="%s" osgen="%s" accuracy="96"><cpe>%s</cpe></osclass>
</osmatch>
</os>
<distance value="1"/>
<times srtt="412" rttvar="107" to="100000"/>
</host>
`, os.name, os.typ, os.family, os.gen, os.cpe)
	}
	b.WriteString(`<runstats><finished time="1794907724" timestr="Tue Nov 17 09:28:44 2026" summary="done" elapsed="1000.00" exit="success"/><hosts up="10000" down="6384" total="16384"/>
</runstats>
</nmaprun>
`)
	return b.Bytes()
}

// BenchmarkImport10000Hosts measures the import of a 10,000-host scan:
// parsing alone; parsing, classifying and merging into an empty inventory;
// and the same scan merged again into the inventory it built (a re-scan).
func BenchmarkImport10000Hosts(b *testing.B) {
	data := generateNmapXML(10000)
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if _, err := ParseNmap(bytes.NewReader(data), "big.xml"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first-import", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			scan, err := ParseNmap(bytes.NewReader(data), "big.xml")
			if err != nil {
				b.Fatal(err)
			}
			res, err := Merge(nil, scan.Hosts, MergeOptions{Source: "nmap:big.xml", Now: now, NewID: seqID()})
			if err != nil || res.Created != 10000 {
				b.Fatalf("created %d: %v", res.Created, err)
			}
		}
	})
	scan, _ := ParseNmap(bytes.NewReader(data), "big.xml")
	first, _ := Merge(nil, scan.Hosts, MergeOptions{Source: "nmap:big.xml", Now: now, NewID: seqID()})
	b.Run("re-import", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			again, err := ParseNmap(bytes.NewReader(data), "big.xml")
			if err != nil {
				b.Fatal(err)
			}
			res, err := Merge(first.Assets, again.Hosts, MergeOptions{Source: "nmap:big.xml", Now: now.Add(time.Hour), NewID: seqID()})
			if err != nil || res.Created != 0 || len(res.Drift) != 0 {
				b.Fatalf("re-import: created %d drift %d: %v", res.Created, len(res.Drift), err)
			}
		}
	})
}

func TestGeneratedScanParses(t *testing.T) {
	scan, err := ParseNmap(bytes.NewReader(generateNmapXML(300)), "gen.xml")
	if err != nil || scan.HostsUp != 300 || len(scan.Hosts[0].OpenPorts()) != 4 {
		t.Fatalf("generated scan: %v", err)
	}
}
