package calendar

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestNextAndFinish(t *testing.T) {
	scan, _ := CadenceOf(KindVulnScan)
	if got := Next(scan, "2026-03-31", "2026-11-22"); got != "2026-10-01" && got != "2026-09-30" {
		t.Errorf("six months after 2026-03-31: %s", got)
	}
	if got := Next(scan, "", "2026-11-22"); got != "2026-11-22" {
		t.Errorf("never done: due %s, want today", got)
	}
	duties := []Duty{
		{Key: "b", Due: "2026-12-20"}, {Key: "a", Due: "2026-11-17"}, {Key: "c", Due: "2026-11-25"}, {Key: "d", Due: "2027-06-01"},
	}
	got := Finish(duties, "2026-11-22", 30)
	if len(got) != 3 || got[0].Key != "a" || got[0].State != StateOverdue || got[0].DaysLeft != -5 ||
		got[1].State != StateDue || got[2].State != StateUpcoming || got[2].DaysLeft != 28 {
		t.Errorf("finish: %+v", got)
	}
	if all := Finish(duties, "2026-11-22", -1); len(all) != 4 {
		t.Errorf("no window keeps all: %d", len(all))
	}
}

func TestParseWithin(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{{"90d", 90, true}, {"30", 30, true}, {"2w", 14, true}, {"6m", 180, true}, {"1y", 365, true}, {"soon", 0, false}, {"5q", 0, false}, {"-3d", 0, false}}
	for _, tt := range tests {
		got, err := ParseWithin(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseWithin(%q) = %d, %v", tt.in, got, err)
		}
	}
}

func TestICS(t *testing.T) {
	d := []Duty{
		{Key: "baa-expiry:vnd_1", Kind: KindBAAExpiry, Title: "BAA with Acme Shredding, Inc. expires; renew it", Due: "2026-12-12", Citation: "164.308(b)(1)", Owner: "Dana"},
		{Key: "vulnerability-scan", Kind: KindVulnScan, Title: strings.Repeat("Scan ", 30), Due: "2026-12-01", Citation: "164.308(a)(1)(ii)(B)", Proposed: true},
	}
	out := string(ICS("Riverside Family Medicine", d, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)))
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "UID:baa-expiry:vnd_1@safeguard\r\n", "DTSTART;VALUE=DATE:20261212\r\n",
		`Acme Shredding\, Inc.`, "(proposed rule)", "END:VCALENDAR\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("ICS lacks %q", want)
		}
	}
	if strings.Count(out, "BEGIN:VEVENT") != 2 {
		t.Error("want two events")
	}
	for _, l := range strings.Split(out, "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Errorf("line not folded: %q", l)
		}
	}
	if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Error("bare LF in ICS")
	}
}
