package netseg

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// benchNetwork generates a zones file with n zones (each a /16 with a
// VLAN) and an iptables-save policy of about rules rules: a FORWARD chain
// that sends each zone to its own chain, and per-zone chains allowing and
// blocking subnets, single hosts and port ranges, ending in a drop.
func benchNetwork(tb testing.TB, n, rules int) (*Zones, *Policy) {
	kinds := []ZoneKind{KindGuest, KindWorkstation, KindClinical, KindMedical, KindServer, KindIoT, KindManagement}
	var zy strings.Builder
	zy.WriteString("zones:\n  - name: internet\n    kind: internet\n    interfaces: [wan0]\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&zy, "  - name: z%02d\n    kind: %s\n    cidrs: [10.%d.0.0/16]\n    vlan: %d\n", i, kinds[i%len(kinds)], i, 100+i)
	}
	z, err := ParseZones(strings.NewReader(zy.String()), "zones.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	var ip bytes.Buffer
	ip.WriteString("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&ip, ":Z%02d - [0:0]\n", i)
	}
	ip.WriteString("-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&ip, "-A FORWARD -i vlan%d -j Z%02d\n", 100+i, i)
	}
	per := (rules - n) / (n - 1)
	for i := 1; i < n; i++ {
		for j := 0; j < per-1; j++ {
			dst := 1 + r.Intn(n-1)
			target := []string{"ACCEPT", "ACCEPT", "DROP", "REJECT"}[r.Intn(4)]
			switch r.Intn(4) {
			case 0: // a whole zone, one port
				fmt.Fprintf(&ip, "-A Z%02d -d 10.%d.0.0/16 -p tcp -m tcp --dport %d -j %s\n", i, dst, 1+r.Intn(10000), target)
			case 1: // a subnet, a port range
				p := 1 + r.Intn(60000)
				fmt.Fprintf(&ip, "-A Z%02d -s 10.%d.%d.0/24 -d 10.%d.%d.0/24 -p udp -m udp --dport %d:%d -j %s\n", i, i, r.Intn(256), dst, r.Intn(256), p, p+r.Intn(100), target)
			case 2: // one host, several ports
				fmt.Fprintf(&ip, "-A Z%02d -d 10.%d.%d.%d/32 -p tcp -m multiport --dports 22,80,443,3389 -j %s\n", i, dst, r.Intn(256), r.Intn(256), target)
			default: // out to the internet on one port
				fmt.Fprintf(&ip, "-A Z%02d -o wan0 -p tcp -m tcp --dport %d -j ACCEPT\n", i, []int{80, 443, 53, 123}[r.Intn(4)])
			}
		}
		fmt.Fprintf(&ip, "-A Z%02d -j DROP\n", i)
	}
	ip.WriteString("COMMIT\n")
	p, err := ParseIptables(&ip, "bench.rules")
	if err != nil {
		tb.Fatal(err)
	}
	return z, p
}

// BenchmarkReachability50Zones2000Rules computes the full zone-to-zone
// matrix (50 × 49 pairs) for a policy of about 2,000 rules.
func BenchmarkReachability50Zones2000Rules(b *testing.B) {
	z, p := benchNetwork(b, 50, 2000)
	b.ReportMetric(float64(len(p.Rules())), "rules")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := Reachability(z, p)
		if len(m.Cells) == 0 {
			b.Fatal("nothing reachable")
		}
	}
}

func TestBenchNetwork(t *testing.T) {
	z, p := benchNetwork(t, 10, 200)
	m := Reachability(z, p)
	if len(z.Zones) != 10 || len(p.Rules()) < 190 || len(m.Cells) == 0 {
		t.Errorf("zones %d rules %d cells %d", len(z.Zones), len(p.Rules()), len(m.Cells))
	}
	if len(m.Warnings) != 0 {
		t.Errorf("warnings: %v", m.Warnings)
	}
}
