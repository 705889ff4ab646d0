package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sheet is one worksheet: a register with a header row, or a two-column record.
type sheet struct {
	name   string
	header []string
	widths []float64
	rows   [][]any
	// wrap lists the 0-based columns whose text wraps.
	wrap []int
	// record is a label/value sheet without filters.
	record bool
}

// Sheets returns the worksheets of a workbook of kind k, in order: the
// document record first, then one sheet per register.
func sheets(m *Model, k Kind) []sheet {
	out := []sheet{documentSheet(m, k)}
	if k.Has(KindSummary) {
		out = append(out, scoreSheet(m), penaltySheet(m))
	}
	if k.Has(KindAnalysis) {
		out = append(out, riskSheet(m), matrixSheet(m), controlSheet(m), contradictionSheet(m), findingSheet(m),
			scopeSheet(m), assetSheet(m), changeSheet(m))
	}
	if k.Has(KindPlan) {
		out = append(out, planSheet(m))
	}
	return out
}

// RenderXLSX writes an Excel workbook: one sheet per register, each with a
// frozen header row and filters, after the document record.
func RenderXLSX(w io.Writer, m *Model, k Kind) error {
	f := excelize.NewFile()
	defer f.Close()
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Color: []string{"1F3A8A"}, Pattern: 1},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	label, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return err
	}
	for i, s := range sheets(m, k) {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			return err
		}
		if err := writeSheet(f, s, header, wrap, label); err != nil {
			return fmt.Errorf("sheet %s: %w", s.name, err)
		}
	}
	f.SetActiveSheet(0)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: k.Title() + " — " + m.Practice.Name, Subject: m.Assessment.Title, Creator: m.Generator,
		Created: m.GeneratedAt.Format("2006-01-02T15:04:05Z"), Modified: m.GeneratedAt.Format("2006-01-02T15:04:05Z"),
		Version: m.Document.Version, Description: "Keep until " + m.Document.RetainUntil + " (164.316(b)(2)(i)).",
	}); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

func writeSheet(f *excelize.File, s sheet, header, wrap, label int) error {
	for i, wd := range s.widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(s.name, col, col, wd); err != nil {
			return err
		}
	}
	row := 1
	if len(s.header) > 0 {
		vals := make([]any, len(s.header))
		for i, h := range s.header {
			vals[i] = h
		}
		if err := f.SetSheetRow(s.name, "A1", &vals); err != nil {
			return err
		}
		last, _ := excelize.ColumnNumberToName(len(s.header))
		if err := f.SetCellStyle(s.name, "A1", last+"1", header); err != nil {
			return err
		}
		row = 2
	}
	for _, r := range s.rows {
		for i, v := range r {
			if str, ok := v.(string); ok {
				r[i] = cellText(str)
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := f.SetSheetRow(s.name, cell, &r); err != nil {
			return err
		}
		row++
	}
	lastRow := row - 1
	for _, c := range s.wrap {
		col, _ := excelize.ColumnNumberToName(c + 1)
		if lastRow >= 2 {
			if err := f.SetCellStyle(s.name, col+"2", col+strconv.Itoa(lastRow), wrap); err != nil {
				return err
			}
		}
	}
	if s.record {
		return f.SetCellStyle(s.name, "A1", "A"+strconv.Itoa(max(lastRow, 1)), label)
	}
	if err := f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(s.header))
	return f.AutoFilter(s.name, fmt.Sprintf("A1:%s%d", last, max(lastRow, 2)), nil)
}

// cellText guards against formula injection: text that a spreadsheet would
// read as a formula gets a leading apostrophe.
func cellText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func documentSheet(m *Model, k Kind) sheet {
	d := m.Document
	approver := d.Approver
	if approver == "" {
		approver = "not yet approved (draft)"
	}
	s := sheet{name: "Document", record: true, widths: []float64{26, 100}, wrap: []int{1}}
	add := func(l string, v any) { s.rows = append(s.rows, []any{l, v}) }
	add("Document", k.Title())
	add("Practice", m.Practice.Name)
	add("Assessment", m.Assessment.Title+" ("+m.Assessment.ID+")")
	add("Version", d.Version)
	add("Status", map[bool]string{true: "approved", false: "draft"}[d.Final])
	add("Prepared by", d.Preparer)
	add("Approved by", approver)
	add("Approved on", d.ApprovedOn)
	add("Assessment started", m.Assessment.StartedOn)
	add("Document date", d.Created)
	add("In effect from", d.Effective)
	add("Replaced on", d.SupersededOn)
	add("Keep until (164.316(b)(2)(i))", d.RetainUntil)
	add("Retention", d.RetentionNote)
	add("Question bank", d.QuestionBank)
	add("Score (0–100)", m.Score.Overall)
	add("Risks", fmt.Sprintf("%d: %d critical, %d high, %d moderate, %d low", m.RiskCounts.Total, m.RiskCounts.Critical,
		m.RiskCounts.High, m.RiskCounts.Moderate, m.RiskCounts.Low))
	add("Made by", m.Generator)
	for _, w := range m.Warnings {
		add("Needs attention", w)
	}
	return s
}

func riskSheet(m *Model) sheet {
	s := sheet{name: "Risk register", header: []string{"Rank", "Risk ID", "Level", "Likelihood", "Impact", "Weakness (vulnerability)",
		"Threat", "Threat source", "Citations", "Assets", "ePHI", "Evidence contradicts an answer", "Treatment", "Status", "Owner",
		"Due", "Overdue", "Planned controls", "Effort", "Residual likelihood", "Residual impact", "Residual level",
		"Rating changed because", "Approver", "Acceptance rationale"},
		widths: []float64{6, 12, 10, 10, 8, 44, 32, 13, 26, 22, 22, 12, 11, 12, 24, 11, 9, 60, 8, 10, 9, 10, 30, 20, 30},
		wrap:   []int{5, 6, 8, 17}}
	for _, r := range m.Risks {
		s.rows = append(s.rows, []any{r.Rank, r.ID, r.Level, r.Likelihood, r.Impact, r.Vulnerability, r.Threat, r.ThreatSource,
			strings.Join(r.Citations, ", "), strings.Join(r.Assets, ", "), strings.Join(r.EPHI, ", "), yesNo(r.Contradicted),
			Words(r.Treatment), Words(r.Status), r.Owner, r.Due, yesNo(r.Overdue), r.PlannedControls, r.Effort,
			r.ResidualLikelihood, r.ResidualImpact, r.ResidualLevel, r.OverrideRationale, r.Approver, r.AcceptanceRationale})
	}
	return s
}

func planSheet(m *Model) sheet {
	s := sheet{name: "Plan", header: []string{"Priority", "Level", "Action", "Weakness", "Threats", "Risks", "Risk IDs",
		"Treatment", "Status", "Owner", "Due", "Overdue", "Effort", "Level left after", "Citations", "Approver", "Acceptance rationale"},
		widths: []float64{8, 10, 60, 40, 36, 7, 24, 11, 12, 24, 11, 9, 8, 12, 28, 20, 30},
		wrap:   []int{2, 3, 4, 6, 14}}
	for _, a := range m.Plan {
		s.rows = append(s.rows, []any{a.Priority, a.Level, a.Action, a.Weakness, strings.Join(a.Threats, "; "), len(a.RiskIDs),
			strings.Join(a.RiskIDs, ", "), Words(a.Treatment), Words(a.Status), a.Owner, a.Due, yesNo(a.Overdue), a.Effort,
			a.ResidualLevel, strings.Join(a.Citations, ", "), a.Approver, a.Rationale})
	}
	return s
}

func controlSheet(m *Model) sheet {
	s := sheet{name: "Controls", header: []string{"Citation", "Standard or specification", "Family", "Type", "Status",
		"Value (0–1)", "Weight", "Answers behind it", "Open risks"},
		widths: []float64{22, 44, 16, 13, 20, 10, 8, 70, 10}, wrap: []int{1, 7}}
	for _, c := range m.Controls {
		var ans []string
		for _, a := range c.Answers {
			x := a.QuestionID + " " + a.Answer
			if a.Note != "" {
				x += " (" + a.Note + ")"
			}
			ans = append(ans, x)
		}
		s.rows = append(s.rows, []any{c.Citation, c.Title, c.Family, reqLabel(c.Requirement), c.State, c.Value, c.Weight,
			strings.Join(ans, "; "), c.Risks})
	}
	return s
}

func contradictionSheet(m *Model) sheet {
	s := sheet{name: "Contradictions", header: []string{"Question", "Question text", "Answer given", "Finding", "Rule",
		"Severity", "Subject", "Finding ID", "Citations"},
		widths: []float64{10, 60, 12, 44, 10, 10, 24, 32, 26}, wrap: []int{1, 3}}
	for _, c := range m.Contradictions {
		s.rows = append(s.rows, []any{c.QuestionID, c.Question, c.Answer, c.Finding, c.Rule, c.Severity, c.Subject, c.FindingID,
			strings.Join(c.Citations, ", ")})
	}
	return s
}

func findingSheet(m *Model) sheet {
	s := sheet{name: "Findings", header: []string{"Finding ID", "Source", "Rule", "Severity", "Title", "Subject", "Status",
		"First seen", "Last seen", "Evidence rows", "Citations"},
		widths: []float64{32, 12, 10, 10, 50, 28, 11, 11, 11, 9, 28}, wrap: []int{4}}
	for _, x := range m.Findings {
		s.rows = append(s.rows, []any{x.ID, x.Source, x.Rule, x.Severity, x.Title, x.Subject, x.Status, x.FirstSeen, x.LastSeen,
			x.EvidenceRows, strings.Join(x.Citations, ", ")})
	}
	return s
}

func scopeSheet(m *Model) sheet {
	s := sheet{name: "Scope", header: []string{"Question", "Question text", "Answer", "Details given"},
		widths: []float64{10, 70, 14, 70}, wrap: []int{1, 3}}
	for _, x := range m.Scope.Systems {
		s.rows = append(s.rows, []any{x.QuestionID, x.Question, x.Answer, x.Note})
	}
	return s
}

func assetSheet(m *Model) sheet {
	s := sheet{name: "Assets", header: []string{"Asset ID", "Name", "Kind", "Location", "Network zone", "Address", "System",
		"Holds ePHI", "Owner", "Notes"},
		widths: []float64{14, 30, 16, 24, 16, 16, 24, 10, 22, 40}, wrap: []int{9}}
	for _, a := range m.Assets {
		s.rows = append(s.rows, []any{a.ID, a.Name, a.Kind, a.Location, a.Zone, a.Address, a.OS, yesNo(a.HoldsEPHI), a.Owner, a.Notes})
	}
	return s
}

func changeSheet(m *Model) sheet {
	s := sheet{name: "Changes", header: []string{"What", "Item", "Change", "Before", "Now"},
		widths: []float64{10, 80, 10, 14, 14}, wrap: []int{1}}
	if c := m.Changes; c != nil {
		s.rows = append(s.rows, []any{"score", "Overall score, compared with " + c.PreviousTitle + " (" + c.PreviousDate + ")",
			"score", strconv.Itoa(c.ScoreBefore), strconv.Itoa(c.ScoreAfter)})
		for _, a := range c.Answers {
			s.rows = append(s.rows, []any{"answer", a.QuestionID + " " + a.Question, "changed", a.Before, a.After})
		}
		for _, r := range c.Risks {
			s.rows = append(s.rows, []any{"risk", r.Title, r.Change, r.Before, r.After})
		}
	}
	return s
}

func matrixSheet(m *Model) sheet {
	s := sheet{name: "Matrix", header: []string{"Likelihood", "Impact", "Level", "Risks"}, widths: []float64{22, 22, 12, 8}}
	for l := 5; l >= 1; l-- {
		for i := 1; i <= 5; i++ {
			s.rows = append(s.rows, []any{fmt.Sprintf("%d %s", l, scaleWord(l)), fmt.Sprintf("%d %s", i, scaleWord(i)),
				m.Method.Matrix[l-1][i-1], m.Method.Counts[l-1][i-1]})
		}
	}
	return s
}

func scoreSheet(m *Model) sheet {
	s := sheet{name: "Scores", header: []string{"What", "Name", "Citation", "Score", "Date", "Note"},
		widths: []float64{14, 44, 10, 8, 12, 40}}
	s.rows = append(s.rows, []any{"overall", "Overall score", "", m.Score.Overall, m.Document.Created,
		map[bool]string{true: "held down by a missing Required safeguard", false: ""}[m.Score.Capped]})
	for _, f := range m.Score.Families {
		s.rows = append(s.rows, []any{"family", f.Label, f.Citation, f.Score, m.Document.Created,
			map[bool]string{true: "held down by a missing Required safeguard", false: ""}[f.Capped]})
	}
	for _, t := range m.Trend {
		s.rows = append(s.rows, []any{"trend", t.Title, "", t.Score, t.Date, t.Status})
	}
	return s
}

func penaltySheet(m *Model) sheet {
	s := sheet{name: "Penalty context", header: []string{"Tier", "Culpability", "Minimum per violation ($)",
		"Maximum per violation ($)", "Calendar-year cap ($)", "Cap OCR applies, 2019 notice ($)", "Note"},
		widths: []float64{6, 60, 14, 14, 14, 16, 44}, wrap: []int{1, 6}}
	note := m.Penalties.Label + ". " + m.Penalties.Basis + ", amounts for " + m.Penalties.AdjustedFor + "."
	for _, t := range m.Penalties.Tiers {
		s.rows = append(s.rows, []any{t.Tier, t.Culpability, t.MinPerViolate, t.MaxPerViolate, t.YearlyCap, t.DiscretionCap, note})
	}
	return s
}
