package catalog

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// securityRule lists every standard and implementation specification of 45 CFR
// 164.308–164.316 with its Required/Addressable label (Appendix A to Subpart C
// and the section text; a standard whose duties sit in its specifications has
// no label of its own).
var securityRule = []struct {
	citation string
	kind     hipaa.ControlKind
	req      hipaa.Requirement
}{
	{"164.308(a)(1)(i)", hipaa.KindStandard, ""},
	{"164.308(a)(1)(ii)(A)", hipaa.KindSpecification, hipaa.Required},
	{"164.308(a)(1)(ii)(B)", hipaa.KindSpecification, hipaa.Required},
	{"164.308(a)(1)(ii)(C)", hipaa.KindSpecification, hipaa.Required},
	{"164.308(a)(1)(ii)(D)", hipaa.KindSpecification, hipaa.Required},
	{"164.308(a)(2)", hipaa.KindStandard, hipaa.Required},
	{"164.308(a)(3)(i)", hipaa.KindStandard, ""},
	{"164.308(a)(3)(ii)(A)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(3)(ii)(B)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(3)(ii)(C)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(4)(i)", hipaa.KindStandard, ""},
	{"164.308(a)(4)(ii)(A)", hipaa.KindSpecification, hipaa.Required},
	{"164.308(a)(4)(ii)(B)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(4)(ii)(C)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(5)(i)", hipaa.KindStandard, ""},
	{"164.308(a)(5)(ii)(A)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(5)(ii)(B)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(5)(ii)(C)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(5)(ii)(D)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(6)(i)", hipaa.KindStandard, ""},
	{"164.308(a)(6)(ii)", hipaa.KindSpecification, hipaa.Required},
	{"164.308(a)(7)(i)", hipaa.KindStandard, ""},
	{"164.308(a)(7)(ii)(A)", hipaa.KindSpecification, hipaa.Required},
	{"164.308(a)(7)(ii)(B)", hipaa.KindSpecification, hipaa.Required},
	{"164.308(a)(7)(ii)(C)", hipaa.KindSpecification, hipaa.Required},
	{"164.308(a)(7)(ii)(D)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(7)(ii)(E)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.308(a)(8)", hipaa.KindStandard, hipaa.Required},
	{"164.308(b)(1)", hipaa.KindStandard, ""},
	{"164.308(b)(3)", hipaa.KindSpecification, hipaa.Required},
	{"164.310(a)(1)", hipaa.KindStandard, ""},
	{"164.310(a)(2)(i)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.310(a)(2)(ii)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.310(a)(2)(iii)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.310(a)(2)(iv)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.310(b)", hipaa.KindStandard, hipaa.Required},
	{"164.310(c)", hipaa.KindStandard, hipaa.Required},
	{"164.310(d)(1)", hipaa.KindStandard, ""},
	{"164.310(d)(2)(i)", hipaa.KindSpecification, hipaa.Required},
	{"164.310(d)(2)(ii)", hipaa.KindSpecification, hipaa.Required},
	{"164.310(d)(2)(iii)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.310(d)(2)(iv)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.312(a)(1)", hipaa.KindStandard, ""},
	{"164.312(a)(2)(i)", hipaa.KindSpecification, hipaa.Required},
	{"164.312(a)(2)(ii)", hipaa.KindSpecification, hipaa.Required},
	{"164.312(a)(2)(iii)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.312(a)(2)(iv)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.312(b)", hipaa.KindStandard, hipaa.Required},
	{"164.312(c)(1)", hipaa.KindStandard, ""},
	{"164.312(c)(2)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.312(d)", hipaa.KindStandard, hipaa.Required},
	{"164.312(e)(1)", hipaa.KindStandard, ""},
	{"164.312(e)(2)(i)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.312(e)(2)(ii)", hipaa.KindSpecification, hipaa.Addressable},
	{"164.314(a)(1)", hipaa.KindStandard, ""},
	{"164.314(a)(2)(i)", hipaa.KindSpecification, hipaa.Required},
	{"164.314(a)(2)(ii)", hipaa.KindSpecification, hipaa.Required},
	{"164.314(a)(2)(iii)", hipaa.KindSpecification, hipaa.Required},
	{"164.314(b)(1)", hipaa.KindStandard, ""},
	{"164.314(b)(2)(i)", hipaa.KindSpecification, hipaa.Required},
	{"164.314(b)(2)(ii)", hipaa.KindSpecification, hipaa.Required},
	{"164.314(b)(2)(iii)", hipaa.KindSpecification, hipaa.Required},
	{"164.314(b)(2)(iv)", hipaa.KindSpecification, hipaa.Required},
	{"164.316(a)", hipaa.KindStandard, ""},
	{"164.316(b)(1)", hipaa.KindStandard, ""},
	{"164.316(b)(2)(i)", hipaa.KindSpecification, hipaa.Required},
	{"164.316(b)(2)(ii)", hipaa.KindSpecification, hipaa.Required},
	{"164.316(b)(2)(iii)", hipaa.KindSpecification, hipaa.Required},
}

func TestCatalogHoldsTheWholeSecurityRule(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Controls) != len(securityRule) {
		t.Fatalf("catalog has %d controls, want %d", len(c.Controls), len(securityRule))
	}
	standards, specs := 0, 0
	for _, want := range securityRule {
		got, ok := c.Control(want.citation)
		if !ok {
			t.Errorf("%s missing", want.citation)
			continue
		}
		if got.Kind != want.kind {
			t.Errorf("%s: kind %s, want %s", want.citation, got.Kind, want.kind)
		}
		wantReq := want.req
		// 164.316(a) is a standard with no specifications: it must be met itself.
		if want.citation == "164.316(a)" {
			wantReq = hipaa.Required
		}
		if got.Requirement != wantReq {
			t.Errorf("%s: requirement %q, want %q", want.citation, got.Requirement, wantReq)
		}
		if got.Kind == hipaa.KindStandard {
			standards++
		} else {
			specs++
		}
	}
	if standards != 22 || specs != 46 {
		t.Errorf("got %d standards and %d specifications, want 22 and 46", standards, specs)
	}
}

func TestAppendixASpecificationCounts(t *testing.T) {
	c := MustDefault()
	req, addr := 0, 0
	for _, ctl := range c.Controls {
		if ctl.Kind != hipaa.KindSpecification {
			continue
		}
		sec := ctl.Citation[:7]
		if sec != "164.308" && sec != "164.310" && sec != "164.312" {
			continue
		}
		switch ctl.Requirement {
		case hipaa.Required:
			req++
		case hipaa.Addressable:
			addr++
		}
	}
	// Appendix A lists 36 titled specifications: 14 Required, 22 Addressable.
	if req != 14 || addr != 22 {
		t.Errorf("Appendix A specifications: %d required and %d addressable, want 14 and 22", req, addr)
	}
}

func TestEveryControlIsCoveredByAQuestion(t *testing.T) {
	c := MustDefault()
	if u := c.Uncovered(); len(u) > 0 {
		t.Errorf("no question covers: %s", strings.Join(u, ", "))
	}
	if n := len(c.Questions); n < 125 {
		t.Errorf("question bank has %d questions, fewer than the HHS SRA Tool's 125", n)
	}
}

func TestRequiredControlsRaiseACitingVulnerability(t *testing.T) {
	// Answering No to a question that cites a Required control must flag a
	// vulnerability that itself cites that control, so the risk register shows it.
	c := MustDefault()
	for _, q := range c.Questions {
		if q.Scope {
			continue
		}
		for _, cit := range q.Citations {
			ctl, _ := c.Control(cit)
			if ctl.Requirement != hipaa.Required {
				continue
			}
			found := false
			for _, vid := range q.Flags {
				v, _ := c.Vulnerability(vid)
				for _, vc := range v.Citations {
					found = found || vc == ctl.Citation
				}
			}
			if !found {
				t.Errorf("question %s cites Required %s but none of its vulnerabilities does", q.ID, cit)
			}
		}
	}
}

func TestProposedChangesAreLabelled(t *testing.T) {
	for _, ctl := range MustDefault().Controls {
		if !strings.HasPrefix(ctl.ProposedChange, "Proposed, not final") {
			t.Errorf("%s: proposed_change must say it is proposed, not final: %q", ctl.Citation, ctl.ProposedChange)
		}
	}
}

func TestLookupAndSuggest(t *testing.T) {
	c := MustDefault()
	tests := []struct {
		in   string
		want string
	}{
		{"164.312(a)(2)(i)", "164.312(a)(2)(i)"},
		{"45 CFR § 164.312(a)(2)(i)", "164.312(a)(2)(i)"},
		{"164.308(b)(4)", "164.308(b)(3)"}, // the CFR's own cross-reference quirk
		{"164.310(a)", "164.310(a)(1)"},    // NIST's coarser ID
	}
	for _, tt := range tests {
		got, ok := c.Control(tt.in)
		if !ok || got.Citation != tt.want {
			t.Errorf("Control(%q) = %v, want %s", tt.in, got, tt.want)
		}
	}
	s := c.Suggest("164.312(a)(2)(v)", 3)
	if len(s) != 3 || !strings.HasPrefix(s[0], "164.312(a)(2)") {
		t.Errorf("Suggest gave %v, want 164.312(a)(2)… first", s)
	}
}

func TestMatrix(t *testing.T) {
	c := MustDefault()
	tests := []struct {
		l, i int
		want hipaa.Level
	}{
		{1, 1, hipaa.LevelLow}, {5, 5, hipaa.LevelCritical}, {4, 4, hipaa.LevelHigh},
		{4, 5, hipaa.LevelCritical}, {3, 3, hipaa.LevelModerate}, {2, 5, hipaa.LevelHigh},
	}
	for _, tt := range tests {
		if got := c.Level(tt.l, tt.i); got != tt.want {
			t.Errorf("Level(%d, %d) = %s, want %s", tt.l, tt.i, got, tt.want)
		}
	}
	// The matrix never ranks a risk lower when likelihood or impact grows.
	for l := 1; l <= 5; l++ {
		for i := 1; i <= 5; i++ {
			if l < 5 && c.Level(l+1, i).Rank() < c.Level(l, i).Rank() {
				t.Errorf("level falls from L%d to L%d at I%d", l, l+1, i)
			}
			if i < 5 && c.Level(l, i+1).Rank() < c.Level(l, i).Rank() {
				t.Errorf("level falls from I%d to I%d at L%d", i, i+1, l)
			}
		}
	}
}

func TestCrosswalkIDs(t *testing.T) {
	tests := []struct {
		id   string
		csf  bool
		sp53 bool
	}{
		{"ID.RA-1", true, false}, {"PR.IP-12", true, false}, {"PR.IP-13", false, false}, {"XX.AM-1", false, false},
		{"RA-3", false, true}, {"CP-2(8)", false, true}, {"AC-26", false, false}, {"ZZ-1", false, false},
	}
	for _, tt := range tests {
		if validCSF(tt.id) != tt.csf || validSP80053(tt.id) != tt.sp53 {
			t.Errorf("%s: csf %v sp53 %v, want %v %v", tt.id, validCSF(tt.id), validSP80053(tt.id), tt.csf, tt.sp53)
		}
	}
}

// brokenCatalog is a minimal valid catalog that tests break one way at a time.
func brokenCatalog(edit func(files map[string]string)) fstest.MapFS {
	files := map[string]string{
		"bank.yaml":   "version: \"t\"\nsections:\n  - id: s\n    title: S\n    intro: i\n",
		"matrix.yaml": "likelihood:\n  1: [low, low, low, moderate, moderate]\n  2: [low, low, moderate, moderate, high]\n  3: [low, moderate, moderate, high, high]\n  4: [moderate, moderate, high, high, critical]\n  5: [moderate, high, high, critical, critical]\n",
		"controls.yaml": `- citation: "164.312(b)"
  title: Audit controls
  kind: standard
  requirement: required
  family: technical
  summary: s
  proposed_change: p
  crosswalk:
    nist_csf: [PR.PT-1]
    sp800_53: [AU-2]
`,
		"threats.yaml": "- id: T-X\n  name: X\n  source: adversarial\n  description: d\n",
		"vulnerabilities/v.yaml": `- id: V-TST-ONE
  title: t
  description: d
  likelihood: 3
  impact: 3
  threats: [{threat: T-X}]
  ephi: [audit_logs]
  assets: [server]
  citations: ["164.312(b)"]
  mitigations: ["164.312(b)"]
  action: a
  effort: low
`,
		"questions/q.yaml": `- id: TS-01
  section: s
  text: t?
  guidance: {why: w, good: g, evidence: e}
  citations: ["164.312(b)"]
  flags: [V-TST-ONE]
`,
		"quickcheck.yaml":    "questions: [TS-01]\n",
		"finding_rules.yaml": "- rule: R-1\n  source: x\n  title: t\n  citations: [\"164.312(b)\"]\n  vulnerabilities: [V-TST-ONE]\n  contradicts: [TS-01]\n",
	}
	if edit != nil {
		edit(files)
	}
	fs := fstest.MapFS{}
	for k, v := range files {
		fs[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fs
}

func TestValidationRejectsBrokenData(t *testing.T) {
	if _, err := Load(brokenCatalog(nil)); err != nil {
		t.Fatalf("the minimal catalog should load: %v", err)
	}
	tests := []struct {
		name string
		edit func(map[string]string)
		want string
	}{
		{"dangling crosswalk", func(f map[string]string) {
			f["controls.yaml"] = strings.Replace(f["controls.yaml"], "AU-2", "AU-99", 1)
		}, "controls.yaml:1: control 164.312(b): crosswalk names \"AU-99\""},
		{"unknown citation in a question", func(f map[string]string) {
			f["questions/q.yaml"] = strings.Replace(f["questions/q.yaml"], "164.312(b)", "164.999(z)", 1)
		}, "questions/q.yaml:1: question TS-01 cites \"164.999(z)\""},
		{"unknown flag", func(f map[string]string) {
			f["questions/q.yaml"] = strings.Replace(f["questions/q.yaml"], "[V-TST-ONE]", "[V-TST-TWO]", 1)
		}, "flags \"V-TST-TWO\", which is not a known vulnerability"},
		{"duplicate question", func(f map[string]string) {
			f["questions/q.yaml"] += strings.Replace(f["questions/q.yaml"], "- id", "- id", 1)
		}, "question TS-01 is listed twice"},
		{"specification without standard", func(f map[string]string) {
			f["controls.yaml"] += "- citation: \"164.312(c)(2)\"\n  title: M\n  kind: implementation_specification\n  requirement: addressable\n  family: technical\n  parent: \"164.312(c)(1)\"\n  summary: s\n  proposed_change: p\n"
		}, "parent \"164.312(c)(1)\" is not in the catalog"},
		{"unknown field", func(f map[string]string) {
			f["threats.yaml"] += "  colour: red\n"
		}, "field colour not found"},
		{"bad likelihood", func(f map[string]string) {
			f["vulnerabilities/v.yaml"] = strings.Replace(f["vulnerabilities/v.yaml"], "likelihood: 3", "likelihood: 7", 1)
		}, "likelihood and impact must be 1–5"},
		{"unknown threat", func(f map[string]string) {
			f["vulnerabilities/v.yaml"] = strings.Replace(f["vulnerabilities/v.yaml"], "T-X}", "T-Y}", 1)
		}, "unknown threat \"T-Y\""},
		{"rule contradicts unknown question", func(f map[string]string) {
			f["finding_rules.yaml"] = strings.Replace(f["finding_rules.yaml"], "[TS-01]", "[TS-02]", 1)
		}, "contradicts \"TS-02\""},
		{"condition on a later question", func(f map[string]string) {
			f["questions/q.yaml"] = strings.Replace(f["questions/q.yaml"], "flags:", "when: {question: TS-09, is: [yes]}\n  flags:", 1)
		}, "depends on \"TS-09\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(brokenCatalog(tt.edit))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
