package policy

import (
	"strconv"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontfamily"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// The PDF is laid out on a 24-column grid of a US Letter page.
const grid = 24

var (
	colInk    = &props.Color{Red: 29, Green: 39, Blue: 51}
	colMuted  = &props.Color{Red: 91, Green: 103, Blue: 117}
	colAccent = &props.Color{Red: 31, Green: 95, Blue: 139}
	colRule   = &props.Color{Red: 213, Green: 221, Blue: 229}
	colShade  = &props.Color{Red: 238, Green: 242, Blue: 246}
	colNote   = &props.Color{Red: 255, Green: 246, Blue: 220}
	colDraft  = &props.Color{Red: 192, Green: 57, Blue: 43}
)

// RenderPDF returns one or more versions as a PDF: US Letter, page numbers,
// each policy starting on a new page after a cover and contents page when
// there are several. It is pure Go and needs nothing installed.
func RenderPDF(vs []*Version, practice string, now time.Time) ([]byte, error) {
	title := "Security policies and procedures"
	if len(vs) == 1 {
		title = vs[0].Title
	}
	cfg := config.NewBuilder().
		WithPageSize(pagesize.Letter).
		WithMaxGridSize(grid).
		WithLeftMargin(22).WithRightMargin(22).WithTopMargin(18).WithBottomMargin(18).
		WithDefaultFont(&props.Font{Family: fontfamily.Helvetica, Size: 10, Color: colInk}).
		WithPageNumber(props.PageNumber{Pattern: practice + "   |   " + pdfText(title) + "   |   Page {current} of {total}", Place: props.Bottom, Size: 7.5, Color: colMuted}).
		WithTitle(title+" | "+practice, true).
		WithCreator("Safeguard", true).
		WithCreationDate(now).
		Build()
	m := maroto.New(cfg)
	if len(vs) > 1 {
		pdfCover(m, vs, practice)
	}
	for i, v := range vs {
		if i > 0 || len(vs) > 1 {
			m.AddPages(newPage())
		}
		pdfDoc(m, v, practice)
	}
	doc, err := m.Generate()
	if err != nil {
		return nil, err
	}
	return doc.GetBytes(), nil
}

// newPage returns an empty page: adding it makes the next rows start on a fresh page.
func newPage() core.Page { return page.New() }

func pdfCover(m core.Maroto, vs []*Version, practice string) {
	m.AddAutoRow(text.NewCol(grid, strings.ToUpper(practice), props.Text{Size: 9, Color: colMuted, Top: 40}))
	m.AddAutoRow(text.NewCol(grid, "Security policies and procedures", props.Text{Size: 24, Style: fontstyle.Bold, Color: colAccent, Top: 4, Bottom: 6}))
	m.AddAutoRow(text.NewCol(grid, pdfText("These policies put the HIPAA Security Rule (45 CFR Part 164, Subpart C) into practice at "+practice+". Each one names the controls it covers and where we stand on them today."), props.Text{Size: 11, Bottom: 10}))
	m.AddAutoRow(text.NewCol(grid, "Contents", props.Text{Size: 12, Style: fontstyle.Bold, Bottom: 3}))
	for i, v := range vs {
		status := ""
		if v.Status == StatusDraft {
			status = "draft"
		} else if v.EffectiveOn != "" {
			status = "in effect from " + v.EffectiveOn
		}
		m.AddAutoRow(
			text.NewCol(2, strconv.Itoa(i+1)+".", props.Text{Size: 10, Align: align.Right, Right: 2, Top: 1.5}),
			text.NewCol(15, pdfText(v.Title), props.Text{Size: 10, Top: 1.5}),
			text.NewCol(7, status, props.Text{Size: 9, Color: colMuted, Top: 1.8}),
		)
	}
}

func pdfDoc(m core.Maroto, v *Version, practice string) {
	title, blocks := splitTitle(Parse(v.Body))
	if title == "" {
		title = v.Title
	}
	if v.Status == StatusDraft {
		m.AddAutoRow(text.NewCol(grid, "DRAFT: NOT YET APPROVED", props.Text{Size: 10, Style: fontstyle.Bold, Color: colDraft, Align: align.Center, Top: 1.5, Bottom: 1.5})).
			WithStyle(&props.Cell{BorderType: border.Full, BorderColor: colDraft, BorderThickness: 0.4})
		m.AddRow(3)
	}
	m.AddAutoRow(text.NewCol(grid, strings.ToUpper(practice), props.Text{Size: 8, Color: colMuted}))
	m.AddAutoRow(text.NewCol(grid, pdfText(title), props.Text{Size: 18, Style: fontstyle.Bold, Color: colAccent, Top: 1, Bottom: 4}))
	for _, c := range ControlBlock(v, practice) {
		m.AddAutoRow(
			text.NewCol(6, c.Label, props.Text{Size: 8.5, Style: fontstyle.Bold, Left: 1.5, Top: 1.2, Bottom: 1.2}),
			text.NewCol(18, pdfText(c.Value), props.Text{Size: 8.5, Left: 1.5, Top: 1.2, Bottom: 1.2, Right: 1.5}),
		).WithStyle(&props.Cell{BorderType: border.Bottom, BorderColor: colRule, BorderThickness: 0.2, BackgroundColor: &props.Color{Red: 247, Green: 249, Blue: 251}})
	}
	m.AddRow(4)
	for _, b := range blocks {
		pdfBlock(m, b)
	}
}

func pdfBlock(m core.Maroto, b Block) {
	switch b.Kind {
	case BlockHeading:
		// Keep a heading with the start of what follows it.
		if !m.FitlnCurrentPage(28) {
			m.AddPages(newPage())
		}
		if b.Level <= 2 {
			m.AddAutoRow(text.NewCol(grid, pdfText(Plain(b.Text)), props.Text{Size: 12.5, Style: fontstyle.Bold, Top: 5, Bottom: 1}))
			m.AddRow(2, line.NewCol(grid, props.Line{Color: colRule, Thickness: 0.5, SizePercent: 100}))
		} else {
			m.AddAutoRow(text.NewCol(grid, pdfText(Plain(b.Text)), props.Text{Size: 10.5, Style: fontstyle.Bold, Color: colAccent, Top: 3, Bottom: 1}))
		}
	case BlockParagraph:
		style := fontstyle.Normal
		if len(b.Text) > 0 && b.Text[0].Bold && len(Plain(b.Text)) < 200 {
			style = fontstyle.Bold
		}
		m.AddAutoRow(text.NewCol(grid, pdfText(Plain(b.Text)), props.Text{Size: 10, Style: style, Top: 1, Bottom: 1.5}))
	case BlockBullets, BlockNumbers:
		for i, item := range b.Items {
			marker := "\u2022"
			if b.Kind == BlockNumbers {
				marker = strconv.Itoa(i+1) + "."
			}
			lead, rest := "", Plain(item)
			if len(item) > 1 && item[0].Bold {
				lead, rest = strings.TrimSpace(item[0].Text), strings.TrimSpace(Plain(item[1:]))
			}
			if lead != "" {
				m.AddAutoRow(
					text.NewCol(1, marker, props.Text{Size: 10, Align: align.Right, Top: 0.8}),
					text.NewCol(23, pdfText(lead), props.Text{Size: 10, Style: fontstyle.Bold, Left: 2, Top: 0.8}),
				)
				m.AddAutoRow(col.New(1), text.NewCol(23, pdfText(rest), props.Text{Size: 10, Left: 2, Bottom: 0.8}))
				continue
			}
			m.AddAutoRow(
				text.NewCol(1, marker, props.Text{Size: 10, Align: align.Right, Top: 0.8}),
				text.NewCol(23, pdfText(rest), props.Text{Size: 10, Left: 2, Top: 0.8, Bottom: 0.8}),
			)
		}
		m.AddRow(1.5)
	case BlockNote:
		m.AddRow(1.5)
		m.AddAutoRow(text.NewCol(grid, pdfText(Plain(b.Text)), props.Text{Size: 9.5, Left: 3, Right: 3, Top: 2, Bottom: 2})).
			WithStyle(&props.Cell{BackgroundColor: colNote, BorderType: border.Left, BorderColor: &props.Color{Red: 224, Green: 181, Blue: 60}, BorderThickness: 1.2})
		m.AddRow(2)
	case BlockTable:
		widths := tableWidths(b)
		cells := func(vals []string, bold bool) []core.Col {
			var cols []core.Col
			for i, w := range widths {
				val := ""
				if i < len(vals) {
					val = vals[i]
				}
				st := fontstyle.Normal
				if bold {
					st = fontstyle.Bold
				}
				cols = append(cols, text.NewCol(w, pdfText(val), props.Text{Size: 8.5, Style: st, Left: 1.2, Right: 1.2, Top: 1.2, Bottom: 1.2}))
			}
			return cols
		}
		m.AddAutoRow(cells(b.Head, true)...).WithStyle(&props.Cell{BackgroundColor: colShade, BorderType: border.Full, BorderColor: colRule, BorderThickness: 0.2})
		for _, r := range b.Rows {
			m.AddAutoRow(cells(r, false)...).WithStyle(&props.Cell{BorderType: border.Full, BorderColor: colRule, BorderThickness: 0.2})
		}
		m.AddRow(3)
	}
}

// tableWidths shares the 24 grid columns among a table's columns in
// proportion to their longest cell, with a minimum of 3.
func tableWidths(b Block) []int {
	n := len(b.Head)
	if n == 0 {
		return nil
	}
	longest := make([]int, n)
	for i, h := range b.Head {
		longest[i] = len(h)
	}
	for _, r := range b.Rows {
		for i := 0; i < n && i < len(r); i++ {
			longest[i] = max(longest[i], min(len(r[i]), 90))
		}
	}
	total := 0
	for _, l := range longest {
		total += max(l, 1)
	}
	widths := make([]int, n)
	used := 0
	for i, l := range longest {
		widths[i] = max(3, grid*max(l, 1)/total)
		used += widths[i]
	}
	// Give or take the difference on the widest column.
	widest := 0
	for i := range widths {
		if widths[i] > widths[widest] {
			widest = i
		}
	}
	widths[widest] += grid - used
	return widths
}

// pdfText replaces the few characters the PDF's standard fonts cannot show.
func pdfText(s string) string {
	return pdfReplacer.Replace(s)
}

var pdfReplacer = strings.NewReplacer("\u2264", "<=", "\u2265", ">=", "\u2192", "->", "\u2190", "<-", "\u2212", "-", "\u00a0", " ")
