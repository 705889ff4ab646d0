package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/assess"
)

//go:embed templates/report.html.tmpl
var htmlSource string

//go:embed templates/report.css
var cssSource string

// htmlTemplate is parsed when the package loads, so a broken template fails
// the tests rather than a user's report.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"words":      Words,
	"levelWords": func(l string) string { return levelWords[l] },
	"join":       strings.Join,
	"dollars":    dollars,
	"inc":        func(i int) int { return i + 1 },
	"sub":        func(a, b int) int { return a - b },
	"stateClass": stateClass,
	"upper":      strings.ToUpper,
	"title":      titleCase,
	"signed":     signed,
	"heatmap":    svgHeatMap,
	"gauge":      svgGauge,
	"trend":      svgTrend,
	"families":   svgFamilies,
	"scale":      func(n int) string { return scaleWord(n) },
	"reqLabel":   reqLabel,
	"familyOf":   familyControls,
	"topRisks":   topRisks,
	"nextActions": func(m *Model) []Action {
		return nextActions(m, 5)
	},
	"accepted":   acceptedActions,
	"cites":      cites,
	"matrixRows": matrixRows,
}).Parse(htmlSource))

// cites renders citations so that none is broken across lines.
func cites(list []string) template.HTML {
	var b strings.Builder
	for i, c := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`<span class="c">`)
		b.WriteString(template.HTMLEscapeString(c))
		b.WriteString(`</span>`)
	}
	return template.HTML(b.String())
}

// matrixRow is one row of the printed risk matrix.
type matrixRow struct {
	Likelihood int
	Word       string
	Levels     [5]string
}

// matrixRows lists the matrix from very high likelihood down, as the heat map shows it.
func matrixRows(m *Model) []matrixRow {
	var out []matrixRow
	for l := 5; l >= 1; l-- {
		out = append(out, matrixRow{Likelihood: l, Word: scaleWord(l), Levels: m.Method.Matrix[l-1]})
	}
	return out
}

// htmlData is what the template sees.
type htmlData struct {
	M     *Model
	Kind  Kind
	Title string
	CSS   template.CSS
}

// Has reports whether the document holds part p ("analysis", "plan", "summary").
func (d htmlData) Has(p string) bool { return d.Kind.Has(Kind(p)) }

// RenderHTML writes a self-contained HTML document: inline CSS and SVG, no
// scripts, no external resources, laid out to print on Letter paper.
func RenderHTML(w io.Writer, m *Model, k Kind) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	d := htmlData{M: m, Kind: k, Title: k.Title(), CSS: template.CSS(cssSource)}
	if err := htmlTemplate.Execute(bw, d); err != nil {
		return err
	}
	return bw.Flush()
}

func dollars(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return "$" + b.String()
}

func signed(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func scaleWord(n int) string {
	words := [6]string{"", "very low", "low", "moderate", "high", "very high"}
	if n < 1 || n > 5 {
		return ""
	}
	return words[n]
}

func reqLabel(r string) string {
	switch r {
	case "required":
		return "Required"
	case "addressable":
		return "Addressable"
	}
	return "Standard"
}

// stateClass maps a control state to a CSS class.
func stateClass(s string) string {
	switch s {
	case assess.StateInPlace:
		return "ok"
	case assess.StatePartial:
		return "part"
	case assess.StateNA:
		return "na"
	case assess.StateContradicts:
		return "bad ev"
	case assess.StateUnanswered:
		return "todo"
	}
	return "bad"
}

// familyGroup is the controls of one family, with the family's score.
type familyGroup struct {
	Score    FamilyScore
	Controls []Control
}

func familyControls(m *Model) []familyGroup {
	var out []familyGroup
	for _, f := range m.Score.Families {
		g := familyGroup{Score: f}
		for _, c := range m.Controls {
			if c.Family == f.Family {
				g.Controls = append(g.Controls, c)
			}
		}
		out = append(out, g)
	}
	return out
}

// TopRisk is one weakness among the most serious, told in plain words.
type TopRisk struct {
	Level       string
	Weakness    string
	Why         string
	Threats     []string
	WhatHappens string
	Action      string
	Owner       string
	Due         string
	Overdue     bool
	Citations   []string
	Risks       int
}

// topRisks returns the n most serious weaknesses: the risks grouped by
// vulnerability, in register order, so that one weakness with several
// threats is told once.
func topRisks(m *Model, n int) []TopRisk {
	idx := map[string]int{}
	var out []TopRisk
	for _, r := range m.Risks {
		if r.Status == "done" || r.Status == "accepted" {
			continue
		}
		i, ok := idx[r.VulnerabilityID]
		if !ok {
			if len(out) == n {
				continue
			}
			i = len(out)
			idx[r.VulnerabilityID] = i
			out = append(out, TopRisk{Level: r.Level, Weakness: r.Vulnerability, Why: r.VulnerabilityDescription,
				WhatHappens: r.ThreatDescription, Action: r.PlannedControls, Owner: r.Owner, Due: r.Due, Overdue: r.Overdue})
		}
		t := &out[i]
		t.Threats = appendNew(t.Threats, r.Threat)
		for _, c := range r.Citations {
			t.Citations = appendNew(t.Citations, c)
		}
		t.Risks++
	}
	return out
}

// nextActions returns the first n actions still to do.
func nextActions(m *Model, n int) []Action {
	var out []Action
	for _, a := range m.Plan {
		if a.Status != "open" && a.Status != "in_progress" {
			continue
		}
		out = append(out, a)
		if len(out) == n {
			break
		}
	}
	return out
}

func acceptedActions(m *Model) []Action {
	var out []Action
	for _, a := range m.Plan {
		if a.Status == "accepted" || a.Treatment == "accept" {
			out = append(out, a)
		}
	}
	return out
}

// Colours of the risk levels, shared by the HTML, SVG and PDF renderers.
var levelColour = map[string][3]uint8{
	"critical": {153, 27, 27},
	"high":     {234, 88, 12},
	"moderate": {234, 179, 8},
	"low":      {22, 163, 74},
}

// levelTint is a light version of each level colour, for matrix cells.
var levelTint = map[string][3]uint8{
	"critical": {248, 196, 196},
	"high":     {253, 215, 178},
	"moderate": {253, 240, 170},
	"low":      {200, 236, 208},
}

func rgb(c [3]uint8) string { return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]) }

// svgHeatMap draws the 5×5 matrix with the number of risks in each cell.
func svgHeatMap(m *Model) template.HTML {
	const cell, left, top = 62, 92, 14
	var b strings.Builder
	w, h := left+5*cell+10, top+5*cell+52
	fmt.Fprintf(&b, `<svg class="heatmap" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="hm-t">`, w, h, w, h)
	b.WriteString(`<title id="hm-t">Heat map: number of risks by likelihood (rows) and impact (columns)</title>`)
	for l := 5; l >= 1; l-- {
		y := top + (5-l)*cell
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="ax" text-anchor="end">%d %s</text>`, left-6, y+cell/2+4, l, scaleWord(l))
		for i := 1; i <= 5; i++ {
			x := left + (i-1)*cell
			lvl := m.Method.Matrix[l-1][i-1]
			n := m.Method.Counts[l-1][i-1]
			fill := rgb(levelTint[lvl])
			if n > 0 {
				fill = rgb(levelColour[lvl])
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#fff" stroke-width="2"><title>likelihood %d × impact %d: %s, %d risk(s)</title></rect>`,
				x, y, cell, cell, fill, l, i, lvl, n)
			if n > 0 {
				colour := "#fff"
				if lvl == "moderate" {
					colour = "#1f2937"
				}
				fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="n" fill="%s">%d</text>`, x+cell/2, y+cell/2+7, colour, n)
			}
		}
	}
	for i := 1; i <= 5; i++ {
		x := left + (i-1)*cell + cell/2
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="ax" text-anchor="middle">%d</text>`, x, top+5*cell+16, i)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="ax sm" text-anchor="middle">%s</text>`, x, top+5*cell+29, scaleWord(i))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="ax b" text-anchor="middle">Impact →</text>`, left+5*cell/2, top+5*cell+47)
	fmt.Fprintf(&b, `<text x="12" y="%d" class="ax b" transform="rotate(-90 12 %d)" text-anchor="middle">Likelihood →</text>`, top+5*cell/2, top+5*cell/2)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// scoreColour picks a colour for a 0–100 score.
func scoreColour(s int) string {
	switch {
	case s >= 85:
		return rgb(levelColour["low"])
	case s >= 70:
		return "#ca8a04"
	case s >= 50:
		return rgb(levelColour["high"])
	}
	return rgb(levelColour["critical"])
}

// svgGauge draws the overall score as a ring.
func svgGauge(score int) template.HTML {
	const r = 52
	circ := 2 * 3.14159265 * r
	dash := circ * float64(score) / 100
	return template.HTML(fmt.Sprintf(`<svg class="gauge" viewBox="0 0 140 140" width="140" height="140" role="img" aria-label="Score %d out of 100">`+
		`<circle cx="70" cy="70" r="%d" fill="none" stroke="#e5e7eb" stroke-width="14"/>`+
		`<circle cx="70" cy="70" r="%d" fill="none" stroke="%s" stroke-width="14" stroke-dasharray="%.1f %.1f" transform="rotate(-90 70 70)" stroke-linecap="butt"/>`+
		`<text x="70" y="78" text-anchor="middle" class="big">%d</text><text x="70" y="98" text-anchor="middle" class="ax">of 100</text></svg>`,
		score, r, r, scoreColour(score), dash, circ-dash, score))
}

// svgTrend draws the score of recent assessments as columns.
func svgTrend(points []TrendPoint) template.HTML {
	if len(points) == 0 {
		return ""
	}
	const colW, gap, hgt, top = 56, 18, 100, 16
	w := len(points)*(colW+gap) + gap
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="tr-t"><title id="tr-t">Score of each assessment, oldest first</title>`, w, hgt+top+34, w, hgt+top+34)
	fmt.Fprintf(&b, `<line x1="0" y1="%d" x2="%d" y2="%d" stroke="#9ca3af"/>`, top+hgt, w, top+hgt)
	for i, p := range points {
		x := gap + i*(colW+gap)
		bh := p.Score * hgt / 100
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s: %d</title></rect>`, x, top+hgt-bh, colW, bh,
			scoreColour(p.Score), template.HTMLEscapeString(p.Title), p.Score)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="v">%d</text>`, x+colW/2, top+hgt-bh-4, p.Score)
		label := p.Date
		if len(label) >= 7 {
			label = label[:7]
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="ax">%s</text>`, x+colW/2, top+hgt+14, template.HTMLEscapeString(label))
		status := "approved"
		if p.Status != "finalized" {
			status = "draft"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" class="ax sm">%s</text>`, x+colW/2, top+hgt+27, status)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// svgFamilies draws one horizontal bar per family of safeguards.
func svgFamilies(fams []FamilyScore) template.HTML {
	const label, barW, rowH = 250, 260, 26
	h := len(fams)*rowH + 6
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="fams" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="fm-t"><title id="fm-t">Score of each family of safeguards</title>`, label+barW+50, h, label+barW+50, h)
	for i, f := range fams {
		y := i*rowH + 4
		fmt.Fprintf(&b, `<text x="0" y="%d" class="ax">%s (%s)</text>`, y+14, template.HTMLEscapeString(f.Label), f.Citation)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="16" fill="#e5e7eb"/>`, label, y+2, barW)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="16" fill="%s"/>`, label, y+2, f.Score*barW/100, scoreColour(f.Score))
		capped := ""
		if f.Capped {
			capped = "*"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="v">%d%s</text>`, label+barW+8, y+15, f.Score, capped)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
