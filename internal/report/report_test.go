package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/defenseunicorns/go-oscal/src/pkg/validation"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/johnfercher/go-tree/node"
	"github.com/johnfercher/maroto/v2/pkg/core"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixture loads the small model in testdata/model.json.
func fixture(t testing.TB) *Model {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking):\n%s", name, cmp.Diff(string(want), string(got)))
	}
}

func render(t testing.TB, m *Model, f Format, k Kind) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, m, f, k); err != nil {
		t.Fatalf("render %s %s: %v", f, k, err)
	}
	return buf.Bytes()
}

func TestGoldenHTML(t *testing.T) {
	m := fixture(t)
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) {
			golden(t, "report-"+string(k)+".html", render(t, m, FormatHTML, k))
		})
	}
}

func TestGoldenJSONAndOSCAL(t *testing.T) {
	m := fixture(t)
	golden(t, "report.json", render(t, m, FormatJSON, KindAll))
	golden(t, "report.oscal.json", render(t, m, FormatOSCAL, KindAll))
}

// xlsxDump writes every sheet of a workbook as text: its frozen panes,
// filter range and cells, one row a line.
func xlsxDump(t testing.TB, data []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()
	var b strings.Builder
	for _, s := range f.GetSheetList() {
		panes, err := f.GetPanes(s)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "== %s (frozen=%v rows=%d)\n", s, panes.Freeze, panes.YSplit)
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestGoldenXLSX(t *testing.T) {
	m := fixture(t)
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) {
			golden(t, "report-"+string(k)+".xlsx.txt", []byte(xlsxDump(t, render(t, m, FormatXLSX, k))))
		})
	}
}

// pdfText lists the text of a PDF layout in order, one item a line.
func pdfTexts(m core.Maroto) string {
	var b strings.Builder
	var walk func(n *node.Node[core.Structure])
	walk = func(n *node.Node[core.Structure]) {
		d := n.GetData()
		if d.Type == "text" {
			s, _ := charmap.Windows1252.NewDecoder().String(fmt.Sprint(d.Value))
			b.WriteString(s + "\n")
		}
		for _, c := range n.GetNexts() {
			walk(c)
		}
	}
	walk(m.GetStructure())
	return b.String()
}

func TestGoldenPDFLayout(t *testing.T) {
	m := fixture(t)
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) {
			mt, err := buildPDF(m, k)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "report-"+string(k)+".pdf.txt", []byte(pdfTexts(mt)))
		})
	}
}

func TestPDFIsAPDF(t *testing.T) {
	m := fixture(t)
	for _, k := range Kinds {
		out := render(t, m, FormatPDF, k)
		if !bytes.HasPrefix(out, []byte("%PDF-")) || !bytes.Contains(out[len(out)-64:], []byte("%%EOF")) {
			t.Errorf("%s: not a complete PDF", k)
		}
	}
}

// TestPDFTextHoldsRiskTable extracts the PDF's text with pdftotext, as an
// auditor's tools would, and looks for the risk register.
func TestPDFTextHoldsRiskTable(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext is not installed (apt-get install poppler-utils)")
	}
	m := fixture(t)
	dir := t.TempDir()
	pdf := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(pdf, render(t, m, FormatPDF, KindAnalysis), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"3. Results: the risk register", "Weakness (vulnerability)", "Threat", "Citations",
		m.Risks[0].ID, m.Risks[len(m.Risks)-1].ID, "Keep until", m.Document.RetainUntil, "164.308(a)(1)(ii)(A)", "—"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}
}

func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSONSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateJSON(t testing.TB, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

func TestJSONMatchesSchema(t *testing.T) {
	s := compileSchema(t)
	for name, m := range map[string]*Model{"fixture": fixture(t), "500 assets, 300 risks": syntheticModel(500, 300)} {
		if err := validateJSON(t, s, render(t, m, FormatJSON, KindAll)); err != nil {
			t.Errorf("%s: JSON report does not match its schema: %v", name, err)
		}
	}
	// The schema is strict: an unknown field or a missing one is an error.
	var doc map[string]any
	json.Unmarshal(render(t, fixture(t), FormatJSON, KindAll), &doc)
	doc["extra"] = 1
	bad, _ := json.Marshal(doc)
	if validateJSON(t, s, bad) == nil {
		t.Error("schema accepts an unknown field")
	}
	delete(doc, "extra")
	delete(doc, "document")
	bad, _ = json.Marshal(doc)
	if validateJSON(t, s, bad) == nil {
		t.Error("schema accepts a report without its document record")
	}
}

func validateOSCAL(t testing.TB, data []byte) {
	t.Helper()
	v, err := validation.NewValidator(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(); err != nil {
		res, _ := v.GetValidationResult()
		msg, _ := json.MarshalIndent(res.Errors, "", " ")
		if len(msg) > 4000 {
			msg = msg[:4000]
		}
		t.Fatalf("OSCAL output does not validate against the OSCAL %s schema: %v\n%s", v.GetSchemaVersion(), err, msg)
	}
	if v.GetModelType() != "assessment-results" {
		t.Errorf("model type %q", v.GetModelType())
	}
}

func TestOSCALValidates(t *testing.T) {
	validateOSCAL(t, render(t, fixture(t), FormatOSCAL, KindAll))
	validateOSCAL(t, render(t, syntheticModel(20, 60), FormatOSCAL, KindAll))
}

func TestControlToken(t *testing.T) {
	tests := map[string]string{
		"164.308(a)(1)(ii)(A)": "hipaa_164.308.a.1.ii.A",
		"164.312(b)":           "hipaa_164.312.b",
		"164.316(b)(2)(i)":     "hipaa_164.316.b.2.i",
	}
	token := regexp.MustCompile(`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`)
	for in, want := range tests {
		if got := ControlToken(in); got != want || !token.MatchString(got) {
			t.Errorf("ControlToken(%q) = %q, want %q", in, got, want)
		}
	}
	if a, b := uuid5("x"), uuid5("x"); a != b || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a) {
		t.Errorf("uuid5 = %q, %q", a, b)
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	m := fixture(t)
	for _, k := range Kinds {
		out := string(render(t, m, FormatHTML, k))
		for _, bad := range []string{"<script", "src=\"http", "href=\"http", "@import", "url(http"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: HTML holds %q: it must not load anything", k, bad)
			}
		}
		for _, want := range []string{"Version", m.Document.Version, "Prepared by", m.Document.Preparer, "Approved by", m.Document.Approver,
			"Keep until", m.Document.RetainUntil, "164.316(b)(2)(i)", "@media print"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: HTML lacks %q", k, want)
			}
		}
	}
}

func TestKindsHoldTheirParts(t *testing.T) {
	m := fixture(t)
	parts := map[Kind]string{KindSummary: `id="summary"`, KindAnalysis: `id="analysis"`, KindPlan: `id="plan"`}
	for _, k := range Kinds {
		out := string(render(t, m, FormatHTML, k))
		for p, marker := range parts {
			if has := strings.Contains(out, marker); has != k.Has(p) {
				t.Errorf("%s document: holds %s = %v", k, p, has)
			}
		}
	}
	summary := string(render(t, m, FormatHTML, KindSummary))
	for _, want := range []string{"Penalty context", "Context, not legal advice", "$73,011", "$2,190,294", "The next five actions", "Top risks, in plain words"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}

func TestXLSXRegisters(t *testing.T) {
	m := syntheticModel(500, 300)
	f, err := excelize.OpenReader(bytes.NewReader(render(t, m, FormatXLSX, KindAll)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]int{"Risk register": 300, "Plan": len(m.Plan), "Assets": 500, "Controls": len(m.Controls), "Findings": 1, "Contradictions": 1}
	for sheet, n := range want {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatalf("sheet %s: %v", sheet, err)
		}
		if len(rows)-1 != n {
			t.Errorf("sheet %s has %d data rows, want %d", sheet, len(rows)-1, n)
		}
		panes, _ := f.GetPanes(sheet)
		if !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("sheet %s: header row not frozen: %+v", sheet, panes)
		}
		if !hasFilter(f.GetDefinedName(), sheet) {
			t.Errorf("sheet %s has no filter", sheet)
		}
	}
	// Text that a spreadsheet would run as a formula is neutralized.
	v, _ := f.GetCellValue("Scope", "D2")
	if !strings.HasPrefix(v, "'=") {
		t.Errorf("formula-like text is not escaped: %q", v)
	}
}

func hasFilter(names []excelize.DefinedName, sheet string) bool {
	for _, n := range names {
		if n.Name == "_xlnm._FilterDatabase" && strings.Contains(n.RefersTo, sheet) {
			return true
		}
	}
	return false
}

// TestXLSXOpensInLibreOffice converts the workbook with LibreOffice when it is installed.
func TestXLSXOpensInLibreOffice(t *testing.T) {
	bin, err := exec.LookPath("libreoffice")
	if err != nil {
		if bin, err = exec.LookPath("soffice"); err != nil {
			t.Skip("LibreOffice is not installed; the excelize round trip in TestXLSXRegisters checks the workbook")
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "plan.xlsx")
	os.WriteFile(in, render(t, fixture(t), FormatXLSX, KindPlan), 0o644)
	cmd := exec.Command(bin, "--headless", "--convert-to", "csv", "--outdir", dir, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "plan.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// The first sheet is the document record.
	if !strings.Contains(string(csv), "Risk Management Plan") || !strings.Contains(string(csv), fixture(t).Document.RetainUntil) {
		t.Errorf("LibreOffice read:\n%s", csv)
	}
}

func TestPDFText(t *testing.T) {
	tests := map[string]string{
		"plain":          "plain",
		"em — dash":      "em \x97 dash",
		"5×5":            "5\xd75",
		"a → b":          "a -> b",
		"§ 164 · ½":      "\xa7 164 \xb7 \xbd",
		"unknown 漢 sign": "unknown ? sign",
	}
	for in, want := range tests {
		if got := pdfText(in); got != want {
			t.Errorf("pdfText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, s := range []string{"html", "PDF", " xlsx ", "json", "oscal"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("ParseFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseFormat("docx"); err == nil {
		t.Error("docx accepted")
	}
	files := map[string]Format{"a.html": FormatHTML, "b.PDF": FormatPDF, "c.xlsx": FormatXLSX, "d.json": FormatJSON, "e.oscal.json": FormatOSCAL}
	for name, want := range files {
		if got, ok := FormatOf(name); !ok || got != want {
			t.Errorf("FormatOf(%q) = %q, %v", name, got, ok)
		}
	}
	if _, ok := FormatOf("x.txt"); ok {
		t.Error("x.txt has a format")
	}
	if _, err := ParseKind("everything"); err == nil {
		t.Error("unknown kind accepted")
	}
}
