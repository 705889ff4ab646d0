package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"golang.org/x/text/encoding/charmap"
)

// pdfFont is the built-in font the PDF uses. Spelled with a capital so
// maroto leaves the text alone (see pdfText); the PDF library ignores case.
const pdfFont = "Helvetica"

// grid is the number of columns in a PDF row: widths are percentages.
const grid = 100

// RenderPDF writes a PDF made in pure Go: the same content as the HTML
// document, laid out as tables on Letter paper, with the heat map and score
// bars drawn as coloured cells.
func RenderPDF(w io.Writer, m *Model, k Kind) error {
	mt, err := buildPDF(m, k)
	if err != nil {
		return err
	}
	doc, err := mt.Generate()
	if err != nil {
		return err
	}
	_, err = w.Write(doc.GetBytes())
	return err
}

// buildPDF lays out the document; RenderPDF generates it and tests inspect its structure.
func buildPDF(m *Model, k Kind) (core.Maroto, error) {
	title := k.Title()
	cfg := config.NewBuilder().
		WithPageSize(pagesize.Letter).
		WithLeftMargin(14).WithRightMargin(14).WithTopMargin(12).WithBottomMargin(10).
		WithMaxGridSize(grid).
		WithDefaultFont(&props.Font{Family: pdfFont, Size: 9, Color: &props.Color{Red: 31, Green: 41, Blue: 55}}).
		WithPageNumber(props.PageNumber{Pattern: "Page {current} of {total}", Place: props.RightBottom, Size: 7, Family: pdfFont,
			Color: &props.Color{Red: 107, Green: 114, Blue: 128}}).
		WithTitle(title+" — "+m.Practice.Name, true).
		WithAuthor(m.Document.Preparer, true).
		WithSubject(m.Assessment.Title+", version "+m.Document.Version, true).
		WithCreator(m.Generator, true).
		WithKeywords("HIPAA Security Rule; risk analysis; keep until "+m.Document.RetainUntil, true).
		WithCreationDate(m.GeneratedAt).
		WithSequentialMode().
		Build()
	d := &pdfDoc{m: maroto.New(cfg), model: m}
	footer := fmt.Sprintf("%s · %s · version %s · made %s · keep until %s (164.316(b)(2)(i))",
		m.Practice.Name, title, m.Document.Version, m.Document.Created, m.Document.RetainUntil)
	if err := d.m.RegisterFooter(row.New(8).Add(text.NewCol(grid, pdfText(footer),
		props.Text{Size: 7, Top: 4, Color: &grey})).WithStyle(&props.Cell{BorderType: border.Top, BorderColor: &lineGrey})); err != nil {
		return nil, err
	}
	d.cover(title)
	if k.Has(KindSummary) {
		d.summary()
	}
	if k.Has(KindAnalysis) {
		d.analysis()
	}
	if k.Has(KindPlan) {
		d.plan()
	}
	return d.m, nil
}

var (
	grey      = props.Color{Red: 75, Green: 85, Blue: 99}
	lineGrey  = props.Color{Red: 209, Green: 213, Blue: 219}
	softGrey  = props.Color{Red: 243, Green: 244, Blue: 246}
	headGrey  = props.Color{Red: 229, Green: 231, Blue: 235}
	accent    = props.Color{Red: 29, Green: 78, Blue: 216}
	white     = props.Color{Red: 255, Green: 255, Blue: 255}
	darkInk   = props.Color{Red: 31, Green: 41, Blue: 55}
	amberSoft = props.Color{Red: 254, Green: 243, Blue: 199}
)

func colour(c [3]uint8) *props.Color {
	return &props.Color{Red: int(c[0]), Green: int(c[1]), Blue: int(c[2])}
}

// pdfDoc lays out one PDF document.
type pdfDoc struct {
	m     core.Maroto
	model *Model
}

// cell is one table cell: text and how it looks.
type cell struct {
	text string
	bg   *props.Color
	fg   *props.Color
	bold bool
}

func plain(s string) cell { return cell{text: s} }

func levelCell(l string) cell {
	c, ok := levelColour[l]
	if !ok {
		return cell{text: l}
	}
	fg := &white
	if l == "moderate" {
		fg = &darkInk
	}
	return cell{text: strings.ToUpper(l), bg: colour(c), fg: fg, bold: true}
}

func (d *pdfDoc) newPage() {
	d.m.AddPages(page.New())
}

func (d *pdfDoc) h1(s string) {
	d.m.AddAutoRow(text.NewCol(grid, pdfText(s), props.Text{Size: 20, Style: fontstyle.Bold, Top: 2, Bottom: 1}))
}

func (d *pdfDoc) h2(s string) {
	d.m.AddRow(4)
	d.m.AddAutoRow(text.NewCol(grid, pdfText(s), props.Text{Size: 14, Style: fontstyle.Bold, Color: &accent, Bottom: 1.5})).
		WithStyle(&props.Cell{BorderType: border.Bottom, BorderColor: &accent, BorderThickness: 0.6})
	d.m.AddRow(2)
}

func (d *pdfDoc) h3(s string) {
	d.m.AddRow(3)
	d.m.AddAutoRow(text.NewCol(grid, pdfText(s), props.Text{Size: 11, Style: fontstyle.Bold, Bottom: 1}))
}

func (d *pdfDoc) h4(s string) {
	d.m.AddRow(1.5)
	d.m.AddAutoRow(text.NewCol(grid, pdfText(s), props.Text{Size: 9.5, Style: fontstyle.Bold, Bottom: 0.8}))
}

func (d *pdfDoc) para(s string) {
	d.m.AddAutoRow(text.NewCol(grid, pdfText(s), props.Text{Size: 9, Bottom: 1.6}))
}

func (d *pdfDoc) small(s string) {
	d.m.AddAutoRow(text.NewCol(grid, pdfText(s), props.Text{Size: 7.5, Bottom: 1.2, Color: &grey}))
}

func (d *pdfDoc) box(s string, bg props.Color, bold bool) {
	st := fontstyle.Normal
	if bold {
		st = fontstyle.Bold
	}
	d.m.AddAutoRow(text.NewCol(grid, pdfText(s), props.Text{Size: 9, Top: 1.5, Bottom: 1.5, Left: 2, Right: 2, Style: st})).
		WithStyle(&props.Cell{BackgroundColor: &bg})
	d.m.AddRow(1.5)
}

// table adds a header row and one auto-height row per data row.
func (d *pdfDoc) table(widths []int, header []string, rows [][]cell) {
	if strings.Join(header, "") != "" {
		hc := make([]core.Col, len(header))
		for i, h := range header {
			hc[i] = text.NewCol(widths[i], pdfText(h), props.Text{Size: 7.5, Style: fontstyle.Bold, Top: 1, Bottom: 1, Left: 1, Right: 1})
		}
		d.m.AddAutoRow(hc...).WithStyle(&props.Cell{BackgroundColor: &headGrey, BorderType: border.Bottom, BorderColor: &grey})
	}
	for _, r := range rows {
		cols := make([]core.Col, len(r))
		for i, c := range r {
			tp := props.Text{Size: 8, Top: 1, Bottom: 1, Left: 1, Right: 1}
			if c.bold {
				tp.Style = fontstyle.Bold
			}
			if c.fg != nil {
				tp.Color = c.fg
			}
			// Borders go on the cells: a row style would hide the cell colours.
			cols[i] = text.NewCol(widths[i], pdfText(c.text), tp).
				WithStyle(&props.Cell{BackgroundColor: c.bg, BorderType: border.Bottom, BorderColor: &lineGrey, BorderThickness: 0.2})
		}
		d.m.AddAutoRow(cols...)
	}
	d.m.AddRow(2)
}

// bar draws a labelled horizontal bar for a 0–100 value.
func (d *pdfDoc) bar(label string, value int, note string) {
	const labelW, barW, valueW = 42, 44, 14
	filled := value * barW / 100
	cols := []core.Col{text.NewCol(labelW, pdfText(label), props.Text{Size: 8, Top: 1})}
	c := scoreRGB(value)
	if filled > 0 {
		cols = append(cols, col.New(filled).WithStyle(&props.Cell{BackgroundColor: c}))
	}
	if barW-filled > 0 {
		cols = append(cols, col.New(barW-filled).WithStyle(&props.Cell{BackgroundColor: &headGrey}))
	}
	cols = append(cols, text.NewCol(valueW, pdfText(strconv.Itoa(value)+note), props.Text{Size: 8, Style: fontstyle.Bold, Top: 1, Left: 2}))
	d.m.AddRow(5.5, cols...)
	d.m.AddRow(1)
}

func scoreRGB(s int) *props.Color {
	switch {
	case s >= 85:
		return colour(levelColour["low"])
	case s >= 70:
		return &props.Color{Red: 202, Green: 138, Blue: 4}
	case s >= 50:
		return colour(levelColour["high"])
	}
	return colour(levelColour["critical"])
}

func (d *pdfDoc) cover(title string) {
	m := d.model
	doc := m.Document
	d.m.AddAutoRow(text.NewCol(grid, pdfText("HIPAA SECURITY RULE · 45 CFR PART 164, SUBPART C"), props.Text{Size: 7.5, Color: &grey}))
	d.h1(title)
	d.m.AddAutoRow(text.NewCol(grid, pdfText(m.Practice.Name+" — "+m.Assessment.Title), props.Text{Size: 11, Color: &grey, Bottom: 3}))
	if !doc.Final {
		d.box("Draft — not yet approved. Finalize the assessment to make this the practice's record.", amberSoft, true)
	}
	approver, approved := doc.Approver, doc.ApprovedOn
	if approver == "" {
		approver, approved = "not yet approved", "—"
	}
	status := "draft"
	if doc.Final {
		status = "approved"
	}
	effective := doc.Effective
	if doc.SupersededOn != "" {
		effective += ", replaced on " + doc.SupersededOn
	}
	rows := [][4]string{
		{"Version", doc.Version + " (" + status + ") · question bank " + doc.QuestionBank, "Document date", doc.Created},
		{"Prepared by", doc.Preparer, "Assessment started", m.Assessment.StartedOn},
		{"Approved by", approver, "Approved on", approved},
		{"In effect from", effective, "Keep until", doc.RetainUntil + "  (164.316(b)(2)(i))"},
	}
	for _, r := range rows {
		d.m.AddAutoRow(
			text.NewCol(16, pdfText(r[0]), props.Text{Size: 8, Style: fontstyle.Bold, Color: &grey, Top: 1.2, Left: 1.5}),
			text.NewCol(38, pdfText(r[1]), props.Text{Size: 8.5, Top: 1.2, Bottom: 1}),
			text.NewCol(18, pdfText(r[2]), props.Text{Size: 8, Style: fontstyle.Bold, Color: &grey, Top: 1.2}),
			text.NewCol(28, pdfText(r[3]), props.Text{Size: 8.5, Top: 1.2, Bottom: 1, Style: fontstyle.Normal}),
		).WithStyle(&props.Cell{BackgroundColor: &softGrey})
	}
	d.m.AddAutoRow(text.NewCol(grid, pdfText(doc.RetentionNote+" Assessment "+m.Assessment.ID+"."),
		props.Text{Size: 7.5, Color: &grey, Top: 1, Bottom: 1.5, Left: 1.5})).WithStyle(&props.Cell{BackgroundColor: &softGrey})
	d.m.AddRow(2)
	if m.Assessment.NeedsReview {
		d.box("This assessment needs review after a change: "+m.Assessment.ReviewReason+". (164.308(a)(8))", amberSoft, false)
	}
}

func (d *pdfDoc) summary() {
	m := d.model
	d.h2("Executive summary")
	lead := fmt.Sprintf("%s scores %d out of 100 for the safeguards of the HIPAA Security Rule", m.Practice.Name, m.Score.Overall)
	if c := m.Changes; c != nil {
		switch {
		case c.ScoreAfter > c.ScoreBefore:
			lead += fmt.Sprintf(", up from %d at the last analysis (%s)", c.ScoreBefore, c.PreviousDate)
		case c.ScoreAfter < c.ScoreBefore:
			lead += fmt.Sprintf(", down from %d at the last analysis (%s)", c.ScoreBefore, c.PreviousDate)
		default:
			lead += fmt.Sprintf(", unchanged since the last analysis (%s)", c.PreviousDate)
		}
	}
	lead += fmt.Sprintf(". The analysis found %d risks: %d critical and %d high need action first; %d moderate and %d low follow.",
		m.RiskCounts.Total, m.RiskCounts.Critical, m.RiskCounts.High, m.RiskCounts.Moderate, m.RiskCounts.Low)
	if n := len(m.Contradictions); n > 0 {
		lead += fmt.Sprintf(" In %d place(s) the evidence shows that a safeguard the practice believed was in place is not.", n)
	}
	d.m.AddAutoRow(text.NewCol(grid, pdfText(lead), props.Text{Size: 10, Bottom: 2}))
	if m.Score.Capped {
		d.box("The score is held at 69 or below because at least one Required safeguard is not in place at all.", amberSoft, false)
	}
	// Score and counts.
	counts := []struct {
		l string
		n int
	}{{"critical", m.RiskCounts.Critical}, {"high", m.RiskCounts.High}, {"moderate", m.RiskCounts.Moderate}, {"low", m.RiskCounts.Low}}
	cols := []core.Col{
		text.NewCol(20, strconv.Itoa(m.Score.Overall), props.Text{Size: 26, Style: fontstyle.Bold, Align: align.Center, Top: 1, Color: scoreRGB(m.Score.Overall)}),
		text.NewCol(12, "out of 100", props.Text{Size: 8, Top: 9, Color: &grey}),
		col.New(4),
	}
	for _, c := range counts {
		lc := levelCell(c.l)
		cols = append(cols, col.New(15).Add(
			text.New(strconv.Itoa(c.n), props.Text{Size: 16, Style: fontstyle.Bold, Align: align.Center, Top: 1, Color: lc.fg}),
			text.New(strings.ToUpper(c.l), props.Text{Size: 7, Style: fontstyle.Bold, Align: align.Center, Top: 9, Color: lc.fg}),
		).WithStyle(&props.Cell{BackgroundColor: lc.bg}))
		cols = append(cols, col.New(1))
	}
	cols = cols[:len(cols)-1]
	cols = append(cols, col.New(5))
	d.m.AddRow(14, cols...)
	d.m.AddRow(3)
	d.h4("Score by family of safeguards")
	for _, f := range m.Score.Families {
		note := ""
		if f.Capped {
			note = " *"
		}
		d.bar(f.Label+" ("+f.Citation+")", f.Score, note)
	}
	if len(m.Trend) > 1 {
		d.h4("Score over time")
		for _, t := range m.Trend {
			st := "approved"
			if t.Status != "finalized" {
				st = "draft"
			}
			d.bar(t.Date+" "+t.Title+" ("+st+")", t.Score, "")
		}
	}

	d.h3("Top risks, in plain words")
	top := topRisks(m, 5)
	if len(top) == 0 {
		d.para("No open risks.")
	}
	for _, t := range top {
		if !d.m.FitlnCurrentPage(30) {
			d.newPage()
		}
		lc := levelCell(t.Level)
		d.m.AddAutoRow(
			col.New(1).WithStyle(&props.Cell{BackgroundColor: lc.bg}),
			text.NewCol(99, pdfText(strings.ToUpper(t.Level)+":  "+t.Weakness+"   ["+strings.Join(t.Citations, ", ")+"]"),
				props.Text{Size: 9.5, Style: fontstyle.Bold, Left: 2, Top: 1}),
		)
		due := t.Owner + ", due " + t.Due
		if t.Overdue {
			due += " (OVERDUE)"
		}
		for _, line := range [][2]string{
			{"Why it matters: ", t.Why},
			{"What could happen: ", strings.Join(t.Threats, "; ") + ". " + t.WhatHappens},
			{"What to do: ", t.Action + " — " + due},
		} {
			d.m.AddAutoRow(
				col.New(1).WithStyle(&props.Cell{BackgroundColor: lc.bg}),
				text.NewCol(99, pdfText(line[0]+line[1]), props.Text{Size: 8.5, Left: 2, Top: 0.6}),
			)
		}
		d.m.AddRow(3)
	}

	d.h3("The next five actions")
	next := nextActions(m, 5)
	if len(next) == 0 {
		d.para("Nothing is waiting: every risk is treated or accepted.")
	} else {
		var rows [][]cell
		for _, a := range next {
			due := a.Due
			if a.Overdue {
				due += " OVERDUE"
			}
			rows = append(rows, []cell{plain(strconv.Itoa(a.Priority)), levelCell(a.Level),
				plain(a.Action + " (removes: " + a.Weakness + "; " + strings.Join(a.Citations, ", ") + ")"),
				plain(a.Owner), plain(due), plain(Words(a.Status))})
		}
		d.table([]int{5, 11, 50, 14, 11, 9}, []string{"#", "Level", "What to do", "Who", "By", "Status"}, rows)
	}
	if len(m.Warnings) > 0 {
		d.h3("Needs attention")
		for _, w := range m.Warnings {
			d.para("• " + w)
		}
	}

	p := m.Penalties
	if !d.m.FitlnCurrentPage(95) {
		d.newPage()
	}
	d.h3("Penalty context — " + strings.ToUpper(p.Label))
	d.para(fmt.Sprintf("OCR can impose civil money penalties in four tiers, set by how much the practice knew and how fast it acted (%s; amounts for %s).", p.Basis, p.AdjustedFor))
	var rows [][]cell
	for _, t := range p.Tiers {
		rows = append(rows, []cell{plain(strconv.Itoa(t.Tier)), plain(t.Culpability),
			plain(dollars(t.MinPerViolate) + " – " + dollars(t.MaxPerViolate)), plain(dollars(t.YearlyCap)), plain(dollars(t.DiscretionCap))})
	}
	d.table([]int{6, 42, 22, 14, 16}, []string{"Tier", "Culpability", "Per violation", "Yearly cap", "Cap OCR applies (2019 notice)"}, rows)
	for _, n := range p.Notes {
		d.small("• " + n)
	}
}

func (d *pdfDoc) analysis() {
	m := d.model
	d.newPage()
	d.h2("Risk analysis  (164.308(a)(1)(ii)(A))")
	d.h3("1. Scope: where ePHI is")
	locs := strings.Join(m.Scope.Locations, "; ")
	if locs == "" {
		locs = "none recorded"
	}
	official := m.Practice.SecurityOfficial
	if official == "" {
		official = "not named — one must be (164.308(a)(2))"
	}
	practice := m.Practice.Name
	if m.Practice.Specialty != "" {
		practice += ", " + m.Practice.Specialty
	}
	var kv [][]cell
	for _, r := range [][2]string{{"Practice", practice}, {"Locations", locs}, {"Workforce", strconv.Itoa(m.Scope.Workforce) + " people"},
		{"EHR", m.Scope.EHRSystem}, {"Security official", official}} {
		kv = append(kv, []cell{{text: r[0], bold: true}, plain(r[1])})
	}
	d.table([]int{22, 78}, []string{"", ""}, kv) // a record, without a header row
	if len(m.Scope.Systems) > 0 {
		d.h4("Systems and ways of working in scope")
		var rows [][]cell
		for _, s := range m.Scope.Systems {
			rows = append(rows, []cell{plain(s.Question + " (" + s.QuestionID + ")"), plain(s.Answer), plain(s.Note)})
		}
		d.table([]int{50, 10, 40}, []string{"Question", "Answer", "Details given"}, rows)
	}
	if len(m.Scope.EPHI) > 0 {
		d.h4("Kinds of ePHI at risk")
		var parts []string
		for _, e := range m.Scope.EPHI {
			parts = append(parts, fmt.Sprintf("%s (%d risks)", e.Label, e.Risks))
		}
		d.para(strings.Join(parts, " · "))
	}
	d.h4("Technology inventory")
	if len(m.Assets) == 0 {
		d.para("No technology inventory is recorded in Safeguard yet. The systems above come from the practice's answers. A full inventory of hardware, software and ePHI locations makes the analysis stronger.")
	} else {
		var rows [][]cell
		for _, a := range m.Assets {
			rows = append(rows, []cell{plain(a.Name), plain(a.Kind), plain(a.Location), plain(a.Zone), plain(a.Address), plain(a.OS),
				plain(yesNo(a.HoldsEPHI)), plain(a.Owner)})
		}
		d.table([]int{20, 11, 15, 11, 11, 14, 6, 12}, []string{"Asset", "Kind", "Where", "Zone", "Address", "System", "ePHI", "Owner"}, rows)
		d.small(fmt.Sprintf("%d assets.", len(m.Assets)))
	}

	d.h3("2. Method")
	for _, p := range m.Method.Paragraphs {
		d.para(p)
	}
	if !d.m.FitlnCurrentPage(92) {
		d.newPage()
	}
	d.h4("Risk matrix and heat map: level by likelihood (rows) and impact (columns), with the number of risks in each cell")
	d.heatMap()
	d.small(m.Method.DueNote)

	d.h3("3. Results: the risk register")
	d.para(fmt.Sprintf("%d risks: %d critical, %d high, %d moderate, %d low. Each risk is one threat that could use one weakness; L is likelihood and I impact, each from 1 to 5.",
		m.RiskCounts.Total, m.RiskCounts.Critical, m.RiskCounts.High, m.RiskCounts.Moderate, m.RiskCounts.Low))
	var rows [][]cell
	for _, r := range m.Risks {
		weak := r.Vulnerability + " [" + r.ID + "]"
		if r.Contradicted {
			weak += " — evidence contradicts an answer"
		}
		if r.OverrideRationale != "" {
			weak += " — rating changed: " + r.OverrideRationale
		}
		plan := Words(r.Treatment) + ", " + strings.ToLower(Words(r.Status)) + ". " + r.Owner + "; due " + r.Due
		if r.Overdue {
			plan += " OVERDUE"
		}
		rows = append(rows, []cell{plain(strconv.Itoa(r.Rank)), levelCell(r.Level), plain(strconv.Itoa(r.Likelihood)),
			plain(strconv.Itoa(r.Impact)), plain(weak), plain(r.Threat), plain(strings.Join(r.Citations, ", ")), plain(plan)})
	}
	if len(rows) == 0 {
		d.para("No risks are raised by the answers and evidence.")
	} else {
		d.table([]int{5, 10, 4, 4, 29, 16, 15, 17}, []string{"#", "Level", "L", "I", "Weakness (vulnerability)", "Threat", "Citations", "Plan"}, rows)
	}

	d.h3("4. Where the evidence contradicts the answers")
	if len(m.Contradictions) == 0 {
		s := "No answer is contradicted by the evidence Safeguard holds."
		if len(m.Findings) == 0 {
			s += " No automated checks have been run yet, so the answers stand on their own."
		}
		d.para(s)
	} else {
		rows = nil
		for _, c := range m.Contradictions {
			what := c.Finding
			if c.Subject != "" {
				what += ": " + c.Subject
			}
			rows = append(rows, []cell{plain(c.Question + " (" + c.QuestionID + ")"), plain(c.Answer), plain(what + " (" + c.Rule + ")"),
				plain(c.Severity), plain(strings.Join(c.Citations, ", "))})
		}
		d.table([]int{34, 10, 30, 10, 16}, []string{"Question", "Answer given", "What the evidence shows", "Severity", "Citations"}, rows)
	}

	d.h3("5. Findings from automated checks")
	if len(m.Findings) == 0 {
		d.para("No findings are recorded.")
	} else {
		rows = nil
		for _, f := range m.Findings {
			rows = append(rows, []cell{plain(f.Severity), plain(f.Title), plain(f.Subject), plain(f.Rule), plain(f.Status), plain(f.LastSeen),
				plain(strings.Join(f.Citations, ", "))})
		}
		d.table([]int{9, 30, 17, 8, 9, 11, 16}, []string{"Severity", "Finding", "Subject", "Rule", "Status", "Last seen", "Citations"}, rows)
	}

	d.h3("6. Status of every standard and implementation specification")
	d.small("Required specifications must be in place. Addressable ones must be in place where reasonable and appropriate, or the practice must document why not and what it does instead (164.306(d)(3)).")
	for _, g := range familyControls(m) {
		h := fmt.Sprintf("%s (%s) — score %d", g.Score.Label, g.Score.Citation, g.Score.Score)
		if g.Score.Capped {
			h += " (held down by a missing Required safeguard)"
		}
		d.h4(h)
		rows = nil
		for _, c := range g.Controls {
			var ans []string
			for _, a := range c.Answers {
				ans = append(ans, a.QuestionID+" "+a.Answer)
			}
			if c.Kind == "standard" && len(ans) == 0 {
				ans = []string{"from its specifications"}
			}
			risks := ""
			if c.Risks > 0 {
				risks = strconv.Itoa(c.Risks)
			}
			row := []cell{plain(c.Citation), plain(c.Title), plain(reqLabel(c.Requirement)), stateCell(c.State), plain(strings.Join(ans, "; ")), plain(risks)}
			if c.Kind == "standard" {
				row[1].bold, row[0].bold = true, true
			}
			rows = append(rows, row)
		}
		d.table([]int{17, 29, 11, 15, 21, 7}, []string{"Citation", "Standard or specification", "Type", "Status", "Answers behind it", "Open risks"}, rows)
	}
	for _, e := range m.Score.Explanation {
		d.small(e)
	}

	d.h3("7. What changed since the last analysis")
	c := m.Changes
	if c == nil {
		d.para("This is the practice's first risk analysis in Safeguard, so there is nothing to compare with.")
		return
	}
	d.para(fmt.Sprintf("Compared with %s (%s): score %d -> %d (%s); %d answer(s) changed; %d risk(s) new, gone or at another level.",
		c.PreviousTitle, c.PreviousDate, c.ScoreBefore, c.ScoreAfter, signed(c.ScoreAfter-c.ScoreBefore), len(c.Answers), len(c.Risks)))
	if len(c.Answers) > 0 {
		rows = nil
		for _, a := range c.Answers {
			rows = append(rows, []cell{plain(a.Question + " (" + a.QuestionID + ")"), plain(a.Before), plain(a.After)})
		}
		d.table([]int{70, 15, 15}, []string{"Question", "Before", "Now"}, rows)
	}
	if len(c.Risks) > 0 {
		rows = nil
		for _, r := range c.Risks {
			rows = append(rows, []cell{plain(r.Title), plain(r.Change), plain(r.Before), plain(r.After)})
		}
		d.table([]int{64, 12, 12, 12}, []string{"Risk", "Change", "Before", "Now"}, rows)
	}
}

func stateCell(s string) cell {
	switch stateClass(s) {
	case "ok":
		return cell{text: s, bg: &props.Color{Red: 220, Green: 252, Blue: 231}}
	case "part":
		return cell{text: s, bg: &props.Color{Red: 254, Green: 249, Blue: 195}}
	case "na":
		return cell{text: s, bg: &softGrey}
	case "todo":
		return cell{text: s, bg: &props.Color{Red: 224, Green: 231, Blue: 255}}
	}
	return cell{text: s, bg: &props.Color{Red: 254, Green: 226, Blue: 226}, bold: s == "disproved by evidence"}
}

// heatMap draws the matrix: each cell coloured by its level, holding the
// number of risks that sit there.
func (d *pdfDoc) heatMap() {
	m := d.model
	const labelW, cellW = 16, 11
	rest := grid - labelW - 5*cellW
	for l := 5; l >= 1; l-- {
		cols := []core.Col{text.NewCol(labelW, fmt.Sprintf("%d %s", l, scaleWord(l)), props.Text{Size: 7.5, Top: 4, Align: align.Right, Right: 2})}
		for i := 1; i <= 5; i++ {
			lvl := m.Method.Matrix[l-1][i-1]
			n := m.Method.Counts[l-1][i-1]
			bg := colour(levelTint[lvl])
			fg := &darkInk
			label := lvl
			if n > 0 {
				bg = colour(levelColour[lvl])
				if lvl != "moderate" {
					fg = &white
				}
				label = strconv.Itoa(n)
			}
			size, top := 12.0, 2.5
			if n == 0 {
				size, top = 6.5, 4.5
			}
			cols = append(cols, text.NewCol(cellW, label, props.Text{Size: size, Style: fontstyle.Bold, Align: align.Center, Top: top, Color: fg}).
				WithStyle(&props.Cell{BackgroundColor: bg, BorderType: border.Full, BorderColor: &white, BorderThickness: 0.8}))
		}
		if l == 3 {
			cols = append(cols, text.NewCol(rest, "<- likelihood", props.Text{Size: 7.5, Top: 4, Left: 2, Color: &grey}))
		} else {
			cols = append(cols, col.New(rest))
		}
		d.m.AddRow(11, cols...)
	}
	cols := []core.Col{col.New(labelW)}
	for i := 1; i <= 5; i++ {
		cols = append(cols, text.NewCol(cellW, fmt.Sprintf("%d %s", i, scaleWord(i)), props.Text{Size: 7.5, Align: align.Center, Top: 1}))
	}
	cols = append(cols, col.New(rest))
	d.m.AddRow(5, cols...)
	d.m.AddRow(5, col.New(labelW), text.NewCol(5*cellW, "impact ->", props.Text{Size: 7.5, Align: align.Center, Color: &grey}), col.New(rest))
	d.small("Cells with a number hold that many risks; empty cells show the level a risk there would have. Critical: act now · high: fix within weeks · moderate: plan a fix · low: watch.")
}

func (d *pdfDoc) plan() {
	m := d.model
	d.newPage()
	d.h2("Risk management plan  (164.308(a)(1)(ii)(B))")
	d.para("The actions below bring the risks found in the analysis down to a reasonable and appropriate level (164.306(a), 164.308(a)(1)(ii)(B)). They are in order of priority: the most serious risks first, then the earliest due date. One action often treats several risks that share a weakness.")
	d.small(m.Method.DueNote)
	var rows [][]cell
	for _, a := range m.Plan {
		what := a.Action + " — Weakness: " + a.Weakness + ". Threats: " + strings.Join(a.Threats, ", ") +
			fmt.Sprintf(". %d risk(s); %s", len(a.RiskIDs), strings.Join(a.Citations, ", "))
		if a.Approver != "" {
			what += ". Accepted by " + a.Approver + ": " + a.Rationale
		}
		due := a.Due
		if a.Overdue {
			due += " OVERDUE"
		}
		left := cell{}
		if a.ResidualLevel != "" {
			left = levelCell(a.ResidualLevel)
		}
		rows = append(rows, []cell{plain(strconv.Itoa(a.Priority)), levelCell(a.Level), plain(what), plain(a.Owner), plain(due),
			plain(Words(a.Treatment) + ", " + strings.ToLower(Words(a.Status))), plain(a.Effort), left})
	}
	if len(rows) == 0 {
		d.para("No actions: no risks were raised.")
	} else {
		d.table([]int{5, 10, 41, 12, 10, 9, 6, 7}, []string{"#", "Level", "Action", "Owner", "Due", "Status", "Effort", "Left after"}, rows)
	}
	if acc := acceptedActions(m); len(acc) > 0 {
		d.h3("Accepted risks")
		rows = nil
		for _, a := range acc {
			rows = append(rows, []cell{plain(a.Weakness), levelCell(a.Level), plain(a.Approver), plain(a.Rationale)})
		}
		d.table([]int{35, 10, 20, 35}, []string{"Weakness", "Level", "Accepted by", "Reason"}, rows)
	}
	d.h3("Sign-off")
	doc := m.Document
	for _, r := range [][3]string{{"Prepared by", doc.Preparer, ""}, {"Approved by", doc.Approver, doc.ApprovedOn}} {
		date := "Date"
		if r[2] != "" {
			date += ": " + r[2]
		}
		d.m.AddRow(12,
			text.NewCol(16, r[0], props.Text{Size: 9, Style: fontstyle.Bold, Top: 6}),
			text.NewCol(32, pdfText(r[1]), props.Text{Size: 9, Top: 6}),
			col.New(2),
			text.NewCol(28, "Signature", props.Text{Size: 7, Top: 8.5, Color: &grey}).WithStyle(&props.Cell{BorderType: border.Bottom, BorderColor: &darkInk}),
			col.New(2),
			text.NewCol(20, date, props.Text{Size: 7, Top: 8.5, Color: &grey}).WithStyle(&props.Cell{BorderType: border.Bottom, BorderColor: &darkInk}),
		)
	}
}

// pdfText turns text into the Windows-1252 bytes the PDF's built-in
// fonts use, spelling out the few other characters the reports use. The
// renderer encodes text itself, once, and names the font "Helvetica" so
// that maroto does not translate every string again (which is slow).
func pdfText(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if c, ok := charmap.Windows1252.EncodeRune(r); ok {
			b = append(b, c)
			continue
		}
		switch r {
		case '→':
			b = append(b, "->"...)
		case '←':
			b = append(b, "<-"...)
		case '↓':
			b = append(b, 'v')
		case '≥':
			b = append(b, ">="...)
		case '≤':
			b = append(b, "<="...)
		case '✓':
			b = append(b, "yes"...)
		case '\u2009', '\u202f':
			b = append(b, ' ')
		default:
			b = append(b, '?')
		}
	}
	return string(b)
}
