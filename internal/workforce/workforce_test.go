package workforce

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func day(s string) time.Time {
	t, err := time.Parse(hipaa.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestTrainingValidate(t *testing.T) {
	tests := []struct {
		name    string
		tr      Training
		nextDue string
		errHas  string
	}{
		{"default yearly", Training{Topic: "Annual security awareness", CompletedOn: "2026-03-15"}, "2027-03-15", ""},
		{"leap day", Training{Topic: "Phishing", CompletedOn: "2028-02-29"}, "2029-02-28", ""},
		{"given next due", Training{Topic: "Phishing", CompletedOn: "2026-03-15", NextDue: "2026-09-15"}, "2026-09-15", ""},
		{"no topic", Training{CompletedOn: "2026-03-15"}, "", "--topic is empty"},
		{"bad date", Training{Topic: "x", CompletedOn: "15 March"}, "", `--on: "15 March" is not a date`},
		{"next due before", Training{Topic: "x", CompletedOn: "2026-03-15", NextDue: "2026-01-01"}, "", "is not after the training date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tr.Validate()
			if tt.errHas != "" {
				if err == nil || !strings.Contains(hipaa.ErrorMessage(err), tt.errHas) {
					t.Fatalf("got %v, want %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.tr.NextDue != tt.nextDue {
				t.Errorf("next due %s, want %s", tt.tr.NextDue, tt.nextDue)
			}
		})
	}
}

func TestCheckTraining(t *testing.T) {
	members := []*Member{
		{ID: "m1", Name: "Ana Lopez", AccessGrantedOn: "2026-10-01"},                                     // new, never trained, 52 days
		{ID: "m2", Name: "Ben Cho", AccessGrantedOn: "2026-11-01"},                                       // new, 21 days: not yet due
		{ID: "m3", Name: "Cara Diaz", AccessGrantedOn: "2020-01-01"},                                     // trained yearly, current
		{ID: "m4", Name: "Dev Patel", AccessGrantedOn: "2020-01-01"},                                     // last trained 2025-09
		{ID: "m5", Name: "Eve Stone", AccessGrantedOn: "2020-01-01", LeftAt: at("2026-06-30T17:00:00Z")}, // left: ignored
	}
	trainings := []*Training{
		{MemberID: "m3", Topic: "Annual", CompletedOn: "2026-02-01", NextDue: "2027-02-01"},
		{MemberID: "m4", Topic: "Annual", CompletedOn: "2024-09-01", NextDue: "2025-09-01"},
		{MemberID: "m4", Topic: "Annual", CompletedOn: "2025-09-01", NextDue: "2026-09-01"},
	}
	fs := CheckTraining(members, trainings, day("2026-11-22"))
	var got []string
	for _, f := range fs {
		got = append(got, f.Subject)
		if f.Rule != "TRN-01" || f.Citations[0] != "164.308(a)(5)(i)" {
			t.Errorf("malformed %+v", f)
		}
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "Ana Lopez,Dev Patel" {
		t.Errorf("got %v", got)
	}
}

func TestCheckTerminations(t *testing.T) {
	left := at("2026-11-20T17:00:00Z")
	quick, slow := at("2026-11-20T17:40:00Z"), at("2026-11-20T19:30:00Z")
	tests := []struct {
		name  string
		steps []Step
		want  string
	}{
		{"all within the hour", []Step{{Item: "EHR", Electronic: true, DoneAt: quick}, {Item: "Keys", DoneAt: slow}}, ""},
		{"one slow", []Step{{Item: "EHR", Electronic: true, DoneAt: quick}, {Item: "E-mail", Electronic: true, DoneAt: slow}}, "TRM-02"},
		{"one open", []Step{{Item: "EHR", Electronic: true, DoneAt: quick}, {Item: "VPN", Electronic: true}}, "TRM-01"},
		{"open and slow", []Step{{Item: "EHR", Electronic: true, DoneAt: slow}, {Item: "VPN", Electronic: true}}, "TRM-01,TRM-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := &Termination{Member: &Member{ID: "m1", Name: "Ana Lopez", LeftAt: left}, Steps: tt.steps}
			var got []string
			for _, f := range CheckTerminations([]*Termination{term}, day("2026-11-22")) {
				got = append(got, f.Rule)
			}
			if strings.Join(got, ",") != tt.want {
				t.Errorf("got %v, want %s", got, tt.want)
			}
		})
	}
}

func TestCheckContingency(t *testing.T) {
	tests := []struct {
		name  string
		tests []*ContingencyTest
		want  int
	}{
		{"none", nil, 1},
		{"recent", []*ContingencyTest{{TestedOn: "2026-02-01", Kind: "restore", Result: "passed"}}, 0},
		{"exactly 12 months", []*ContingencyTest{{TestedOn: "2025-11-22", Kind: "tabletop", Result: "passed"}}, 0},
		{"too old", []*ContingencyTest{{TestedOn: "2025-11-21", Kind: "tabletop", Result: "passed"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := CheckContingency(tt.tests, day("2026-11-22"))
			if len(fs) != tt.want {
				t.Fatalf("got %d findings, want %d", len(fs), tt.want)
			}
			if len(fs) == 1 && (fs[0].Rule != "CP-01" || fs[0].Source != ContingencySource) {
				t.Errorf("got %+v", fs[0])
			}
		})
	}
}

func TestContingencyValidate(t *testing.T) {
	ok := ContingencyTest{TestedOn: "2026-05-01", Kind: "restore", Result: "passed"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	failed := ContingencyTest{TestedOn: "2026-05-01", Kind: "restore", Result: "failed"}
	if err := failed.Validate(); err == nil || !strings.Contains(hipaa.ErrorMessage(err), "needs --lessons") {
		t.Errorf("got %v", err)
	}
	bad := ContingencyTest{TestedOn: "2026-05-01", Kind: "guess", Result: "passed"}
	if err := bad.Validate(); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestParseTime(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	now := day("2026-11-22")
	tests := []struct {
		in, want string
	}{
		{"2026-03-01 17:30", "2026-03-01T22:30:00Z"},
		{"2026-07-01T09:00", "2026-07-01T13:00:00Z"},
		{"2026-03-01T17:30:00-06:00", "2026-03-01T23:30:00Z"},
		{"now", "2026-11-22T00:00:00Z"},
	}
	for _, tt := range tests {
		got, err := ParseTime("--at", tt.in, ny, now)
		if err != nil {
			t.Fatal(err)
		}
		if got.Format(time.RFC3339) != tt.want {
			t.Errorf("%s: got %s, want %s", tt.in, got.Format(time.RFC3339), tt.want)
		}
	}
	if _, err := ParseTime("--at", "yesterday", ny, now); err == nil {
		t.Error("bad time accepted")
	}
}

func TestRulesInCatalog(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for rule, source := range map[string]string{"TRN-01": Source, "TRM-01": Source, "TRM-02": Source, "CP-01": ContingencySource} {
		fr, ok := cat.FindingRule(rule)
		if !ok || fr.Source != source {
			t.Errorf("rule %s missing from the catalog or its source is not %s", rule, source)
		}
	}
}
