package policy

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

var outDir = flag.String("out", "", "write the sample policies (Markdown, HTML, PDF) to this directory, to look at them")

// sampleFacts builds the facts of a small practice from testdata/answers.yaml.
func sampleFacts(t *testing.T) *Facts {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "answers.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]struct {
		Answer        string `yaml:"answer"`
		Note          string `yaml:"note"`
		Justification string `yaml:"justification"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	answers := map[string]hipaa.Answer{}
	for id, a := range raw {
		answers[id] = hipaa.Answer{QuestionID: id, Value: hipaa.AnswerValue(a.Answer), Note: a.Note, Justification: a.Justification}
	}
	f := &Facts{
		Practice: hipaa.Practice{Name: "Riverside Family Medicine", Locations: []string{"12 Main St, Springfield"}, WorkforceSize: 14,
			EHRSystem: "athenaOne", SecurityOfficial: "Dana Ortiz", TimeZone: "America/Chicago"},
		Official: "Dana Ortiz",
		Vendors: []VendorFact{
			{Name: "athenahealth", Service: "EHR and practice management (cloud)", Systems: []string{"athenaOne"}, BAA: "Signed 2025-02-01, expires 2027-02-01"},
			{Name: "BrightIT", Service: "IT support and backups", Systems: []string{"Microsoft 365", "Datto backup"}, BAA: "Signed 2024-06-15"},
			{Name: "ShredRight", Service: "Paper and media shredding", BAA: "Requested, not signed"},
		},
		Roles:      []string{"physician", "nurse", "front desk", "billing"},
		Staff:      14,
		Answers:    answers,
		Assessment: "Security risk analysis 2026",
		Date:       "2026-11-20",
	}
	f.Derive(Settings{ITSupport: "BrightIT", PrivacyOfficial: "Dana Ortiz", ReportContact: "555-0142, or text 555-0199 after hours"})
	return f
}

func TestEveryStandardIsCovered(t *testing.T) {
	cat := catalog.MustDefault()
	if err := CheckCoverage(cat); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cat.Controls {
		if c.Kind == hipaa.KindStandard {
			n++
		}
	}
	if n != 22 {
		t.Errorf("the catalog has %d standards, the tests expect 22", n)
	}
}

func TestGenerate(t *testing.T) {
	cat := catalog.MustDefault()
	f := sampleFacts(t)
	docs, err := Generate(cat, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != len(Docs) {
		t.Fatalf("%d documents, want %d", len(docs), len(Docs))
	}
	covered := map[string]bool{}
	for _, d := range docs {
		for _, c := range d.Citations {
			covered[c] = true
		}
		// Each document names the practice and cites its controls.
		if !strings.Contains(d.Body, "Riverside Family Medicine") && d.Key != "security-official" {
			t.Errorf("%s does not name the practice", d.Key)
		}
		for _, s := range d.Standards {
			if !strings.Contains(d.Body, s) {
				t.Errorf("%s does not cite its standard %s", d.Key, s)
			}
		}
		if strings.Contains(d.Body, "<no value>") || strings.Contains(d.Body, "{{") {
			t.Errorf("%s has an unfilled template value", d.Key)
		}
		for _, r := range d.Body {
			if r == '\u2264' || r == '\u2265' {
				t.Errorf("%s uses a character the PDF fonts cannot show: %q", d.Key, r)
			}
		}
	}
	// Every control of the catalog is cited by some document.
	for _, c := range cat.Controls {
		if !covered[c.Citation] {
			t.Errorf("no policy cites %s (%s)", c.Citation, c.Title)
		}
	}
	byKey := map[string]*Document{}
	for _, d := range docs {
		byKey[d.Key] = d
	}
	// The practice's own people, systems and choices appear.
	for key, want := range map[string][]string{
		"security-official":   {"**Dana Ortiz** is the Security Official"},
		"workstations":        {"no more than 10 minutes", "no more than 5 minutes in exam rooms"},
		"business-associates": {"| ShredRight | Paper and media shredding | Requested, not signed |"},
		"contingency":         {"athenaOne, Microsoft 365 and Datto backup", "Nightly image backup to the cloud at 11 pm"},
		"incident-response":   {"555-0142", "Within 60 days after the end of the calendar year"},
		"group-health-plan":   {"does not sponsor a self-funded group health plan"},
		"security-management": {"answered Partially", "Not yet fully in place"},
		"workforce-access":    {"does not act as a health care clearinghouse"},
	} {
		for _, w := range want {
			if !strings.Contains(byKey[key].Body, w) {
				t.Errorf("%s lacks %q", key, w)
			}
		}
	}
}

func TestGenerateWithoutAnswers(t *testing.T) {
	cat := catalog.MustDefault()
	f := &Facts{Practice: hipaa.Practice{Name: "Solo Clinic"}}
	f.Derive(Settings{})
	docs, err := Generate(cat, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if !strings.Contains(d.Body, "No risk analysis answers were available") {
			t.Errorf("%s does not say the answers are missing", d.Key)
		}
	}
	so := docs[1]
	if so.Key != "security-official" || !strings.Contains(so.Body, "No Security Official has been named yet") {
		t.Errorf("the unnamed security official is not flagged:\n%s", so.Body)
	}
}

func TestRender(t *testing.T) {
	cat := catalog.MustDefault()
	docs, err := Generate(cat, sampleFacts(t))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	var vs []*Version
	for i, d := range docs {
		v := NewVersion(d, 1, "asm_1", "tester", now)
		if i%2 == 0 {
			if err := Approve(v, nil, "Dana Ortiz", now, now); err != nil {
				t.Fatal(err)
			}
		}
		vs = append(vs, v)
	}
	html, err := RenderHTML(vs, "Riverside Family Medicine")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h1>Security policies and procedures</h1>", `<article id="contingency">`, "DRAFT: NOT YET APPROVED", "<code>164.312(a)(2)(iii)</code>"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	pdf, err := RenderPDF(vs, "Riverside Family Medicine", now)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 20000 {
		t.Errorf("PDF looks wrong: %d bytes", len(pdf))
	}
	md := RenderMarkdown(vs[0], "Riverside Family Medicine")
	if !bytes.HasPrefix(md, []byte("# Security Management and Risk Analysis\n\n| Document control | |")) {
		t.Errorf("Markdown starts %q", md[:80])
	}
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(*outDir, "policies.html"), html, 0o644)
		os.WriteFile(filepath.Join(*outDir, "policies.pdf"), pdf, 0o644)
		for _, v := range vs {
			os.WriteFile(filepath.Join(*outDir, v.Key+".md"), RenderMarkdown(v, "Riverside Family Medicine"), 0o644)
			one, err := RenderHTML([]*Version{v}, "Riverside Family Medicine")
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(*outDir, v.Key+".html"), one, 0o644)
		}
	}
}

func TestParse(t *testing.T) {
	md := "# Title\n\nA paragraph\ncontinued.\n\n- one\n- **two** more\n  wrapped\n\n1. first\n2. second\n\n> a note\n\n| A | B |\n|---|---|\n| x | y |\n"
	bs := Parse(md)
	kinds := []BlockKind{BlockHeading, BlockParagraph, BlockBullets, BlockNumbers, BlockNote, BlockTable}
	if len(bs) != len(kinds) {
		t.Fatalf("got %d blocks: %+v", len(bs), bs)
	}
	for i, k := range kinds {
		if bs[i].Kind != k {
			t.Errorf("block %d is %d, want %d", i, bs[i].Kind, k)
		}
	}
	if Plain(bs[1].Text) != "A paragraph continued." || len(bs[2].Items) != 2 || Plain(bs[2].Items[1]) != "two more wrapped" || !bs[2].Items[1][0].Bold {
		t.Errorf("got %+v", bs)
	}
	if len(bs[5].Rows) != 1 || bs[5].Rows[0][1] != "y" {
		t.Errorf("table %+v", bs[5])
	}
}

func TestApprove(t *testing.T) {
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	d := &Document{Key: "training", Title: "Security Awareness and Training", Body: "# x\n"}
	v1 := NewVersion(d, 1, "", "t", now)
	if err := Approve(v1, nil, "  ", now, now); err == nil || !strings.Contains(hipaa.ErrorMessage(err), "needs the name") {
		t.Fatalf("approval without a name: %v", err)
	}
	if v1.Status != StatusDraft {
		t.Fatal("a refused approval changed the draft")
	}
	eff := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	if err := Approve(v1, nil, "Dana Ortiz", eff, now); err != nil {
		t.Fatal(err)
	}
	if v1.ReviewDue != "2026-02-01" || v1.RetainUntil != "" {
		t.Errorf("v1 %+v", v1)
	}
	v2 := NewVersion(d, 2, "", "t", now)
	if err := Approve(v2, v1, "Dana Ortiz", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), now); err == nil {
		t.Error("a version taking effect before the current one was approved")
	}
	if err := Approve(v2, v1, "Dana Ortiz", now, now); err != nil {
		t.Fatal(err)
	}
	if v1.Status != StatusSuperseded || v1.EndedOn != "2026-11-22" || v1.RetainUntil != "2032-11-22" {
		t.Errorf("superseded v1 %+v", v1)
	}
	if err := Approve(v2, v1, "Dana Ortiz", now, now); hipaa.ErrorCodeOf(err) != hipaa.EConflict {
		t.Errorf("approving twice: %v", err)
	}
	// POL-01: v1 was overdue before it was superseded; v2 is current.
	if fs := Check([]*Version{v1, v2}, now); len(fs) != 0 {
		t.Errorf("findings %+v", fs)
	}
	if fs := Check([]*Version{v2}, time.Date(2027, 11, 23, 0, 0, 0, 0, time.UTC)); len(fs) != 1 || fs[0].Rule != "POL-01" {
		t.Errorf("overdue review: %+v", fs)
	}
}

func TestSettings(t *testing.T) {
	var s Settings
	if err := s.Set("logoff-minutes", "10"); err != nil || s.LogoffMinutes != 10 {
		t.Fatalf("%v %+v", err, s)
	}
	if err := s.Set("logoff_minutes", "ten"); err == nil {
		t.Error("a non-number was accepted")
	}
	if err := s.Set("colour", "blue"); err == nil || !strings.Contains(hipaa.ErrorMessage(err), "unknown setting") {
		t.Errorf("unknown key: %v", err)
	}
	m := s.Merge(DefaultSettings())
	if m.LogoffMinutes != 10 || m.BackupSchedule != "every night" {
		t.Errorf("merged %+v", m)
	}
}

// Every question a template reads must be in the question bank, so a change
// to the bank cannot silently empty a policy's own-words notes.
func TestTemplateQuestionsExist(t *testing.T) {
	cat := catalog.MustDefault()
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"([A-Z]{2}-\d{2})"`)
	for _, e := range entries {
		data, _ := templateFS.ReadFile("templates/" + e.Name())
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			if _, ok := cat.Question(m[1]); !ok {
				t.Errorf("%s reads question %s, which is not in the question bank", e.Name(), m[1])
			}
		}
	}
}
