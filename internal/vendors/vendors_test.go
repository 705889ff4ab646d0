package vendors

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

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		v      Vendor
		errHas string
	}{
		{"ok", Vendor{Name: "Acme Billing", BAA: BAASigned, SignedOn: "2025-01-10", ExpiresOn: "2027-01-10"}, ""},
		{"no name", Vendor{}, "--name is empty"},
		{"bad date", Vendor{Name: "A", BAA: BAASigned, SignedOn: "10/01/2025"}, `--signed: "10/01/2025" is not a date`},
		{"expiry before signing", Vendor{Name: "A", BAA: BAASigned, SignedOn: "2025-01-10", ExpiresOn: "2024-01-10"}, "--expires 2024-01-10 is not after --signed 2025-01-10"},
		{"signed without date", Vendor{Name: "A", BAA: BAASigned}, "needs its signature date"},
		{"dates without a BAA", Vendor{Name: "A", BAA: BAANone, SignedOn: "2025-01-10"}, `status is "none"`},
		{"unknown status", Vendor{Name: "A", BAA: "maybe"}, "is not a BAA status"},
		{"unknown term", Vendor{Name: "A", Terms: map[string]bool{"nice": true}}, `unknown BAA term "nice"`},
		{"unknown dd item", Vendor{Name: "A", DueDiligence: map[string]DDAnswer{"x": {Answer: "yes"}}}, "unknown due-diligence item"},
		{"bad dd answer", Vendor{Name: "A", DueDiligence: map[string]DDAnswer{"mfa": {Answer: "sure"}}}, `"sure" is not an answer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Validate()
			if tt.errHas == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(hipaa.ErrorMessage(err), tt.errHas) {
				t.Fatalf("got %v, want %q", err, tt.errHas)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	ephi := []Use{UseReceive, UseMaintain}
	verified := "2026-06-01"
	added := day("2026-01-05")
	tests := []struct {
		name string
		v    Vendor
		want []string // rule|key
	}{
		{"signed, current, verified", Vendor{BAA: BAASigned, SignedOn: "2026-02-01", ExpiresOn: "2028-02-01", VerifiedOn: verified}, nil},
		{"no BAA", Vendor{BAA: BAANone, VerifiedOn: verified}, []string{"BAA-01"}},
		{"requested", Vendor{BAA: BAARequested, VerifiedOn: verified}, []string{"BAA-01"}},
		{"terminated", Vendor{BAA: BAATerminated, SignedOn: "2024-01-01", ReviewedOn: "2026-05-01", VerifiedOn: verified}, []string{"BAA-01"}},
		{"marked expired", Vendor{BAA: BAAExpired, SignedOn: "2024-01-01", ReviewedOn: "2026-05-01", VerifiedOn: verified}, []string{"BAA-02"}},
		{"expiry passed", Vendor{BAA: BAASigned, SignedOn: "2024-01-01", ExpiresOn: "2026-10-01", ReviewedOn: "2026-05-01", VerifiedOn: verified}, []string{"BAA-02"}},
		{"expires in 40 days", Vendor{BAA: BAASigned, SignedOn: "2026-01-01", ExpiresOn: "2027-01-01", VerifiedOn: verified}, []string{"BAA-03"}},
		{"expires in 61 days", Vendor{BAA: BAASigned, SignedOn: "2026-01-01", ExpiresOn: "2027-01-22", VerifiedOn: verified}, nil},
		{"review overdue", Vendor{BAA: BAASigned, SignedOn: "2025-03-01", VerifiedOn: verified}, []string{"BAA-04|review"}},
		{"reviewed recently", Vendor{BAA: BAASigned, SignedOn: "2025-03-01", ReviewedOn: "2026-03-01", VerifiedOn: verified}, nil},
		{"no verification", Vendor{BAA: BAASigned, SignedOn: "2026-02-01"}, []string{"BAA-09|verification"}},
		{"old verification", Vendor{BAA: BAASigned, SignedOn: "2026-02-01", VerifiedOn: "2025-11-01"}, []string{"BAA-09|verification"}},
		{"checked terms missing", Vendor{BAA: BAASigned, SignedOn: "2026-02-01", VerifiedOn: verified,
			Terms: map[string]bool{"comply": true, "subcontractors": false, "report_incidents": true, "contingency_notice": false}}, []string{"BAA-06", "BAA-08"}},
		{"inactive vendor", Vendor{BAA: BAANone, Active: false}, nil},
		{"no ePHI", Vendor{BAA: BAANone, EPHI: []Use{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.v
			v.ID, v.Name, v.CreatedAt = "vnd_1", "Acme Billing", added
			if v.EPHI == nil {
				v.EPHI = ephi
			}
			v.Active = tt.name != "inactive vendor"
			fs := Check([]*Vendor{&v}, day("2026-11-22"))
			var got []string
			for _, f := range fs {
				key := strings.TrimPrefix(f.Fingerprint, "vendors|")
				key = strings.Replace(key, "|vnd_1", "", 1)
				got = append(got, key)
				if f.Subject != "Acme Billing" || len(f.Citations) == 0 || len(f.Evidence) != 1 || f.Source != Source {
					t.Errorf("malformed finding %+v", f)
				}
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// The acceptance case: an ePHI vendor with an expired BAA yields a finding
// citing 164.308(b)(1) and 164.314(a).
func TestExpiredBAACitations(t *testing.T) {
	v := &Vendor{ID: "vnd_1", Name: "Acme", Active: true, EPHI: []Use{UseMaintain}, BAA: BAAExpired, SignedOn: "2023-01-01", ExpiresOn: "2025-01-01", ReviewedOn: "2026-06-01", VerifiedOn: "2026-06-01"}
	fs := Check([]*Vendor{v}, day("2026-11-22"))
	if len(fs) != 1 || fs[0].Rule != "BAA-02" {
		t.Fatalf("got %+v", fs)
	}
	cites := strings.Join(fs[0].Citations, " ")
	if !strings.Contains(cites, "164.308(b)(1)") || !strings.Contains(cites, "164.314(a)(1)") {
		t.Errorf("citations %v lack 164.308(b)(1) or 164.314(a)", fs[0].Citations)
	}
}

// Every rule the package emits is known to the catalog, with a source of
// "vendors", and every questionnaire item comes from a catalog question.
func TestCatalogAgreement(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	rules := []string{"BAA-01", "BAA-02", "BAA-03", "BAA-04", "BAA-09"}
	for _, term := range Terms {
		rules = append(rules, term.Rule)
	}
	for _, r := range rules {
		fr, ok := cat.FindingRule(r)
		if !ok || fr.Source != Source {
			t.Errorf("rule %s missing from the catalog or not a vendors rule", r)
		}
	}
	items, err := Items(cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if len(it.Citations) == 0 {
			t.Errorf("item %s has no citations", it.Key)
		}
	}
}

func TestParseTerms(t *testing.T) {
	got, err := ParseTerms([]string{"comply,report_incidents"}, []string{"subcontractors"})
	if err != nil {
		t.Fatal(err)
	}
	if !got["comply"] || !got["report_incidents"] || got["subcontractors"] {
		t.Errorf("got %v", got)
	}
	if _, ok := got["contingency_notice"]; ok {
		t.Errorf("unchecked term recorded: %v", got)
	}
	if _, err := ParseTerms([]string{"comply"}, []string{"comply"}); err == nil {
		t.Error("a term in both lists was accepted")
	}
}

func TestNewFile(t *testing.T) {
	f, err := NewFile("/tmp/x/baa.pdf", []byte("%PDF-1.4 test"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "baa.pdf" || f.MediaType != "application/pdf" || len(f.SHA256) != 64 || !f.Verify() {
		t.Errorf("got %+v", f.FileRef)
	}
	if _, err := NewFile("empty.pdf", nil); err == nil {
		t.Error("empty file accepted")
	}
}
