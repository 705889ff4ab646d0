package netseg

import (
	"fmt"
	"html"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/inventory"
)

// MapInput is what the network map shows.
type MapInput struct {
	Title       string
	Zones       *Zones
	Assets      []*inventory.Asset
	Matrix      *Matrix
	Observed    []*ObservedFlow
	Unsupported map[string]string
	Generated   time.Time
}

// flowKind classifies a drawn flow.
type flowKind int

const (
	flowDocumented flowKind = iota
	flowPartial
	flowRisky
)

type drawnFlow struct {
	from, to string
	label    string
	kind     flowKind
	observed bool
}

// flows lists the zone-to-zone flows to draw, riskiest last so they are on top.
func (in *MapInput) flows() []drawnFlow {
	var out []drawnFlow
	seen := map[string]int{}
	z := in.Zones
	add := func(from, to string, acc Access, observed bool) {
		a, b := z.Zone(from), z.Zone(to)
		if a == nil || b == nil {
			return
		}
		k := flowDocumented
		undoc := acc.Minus(z.Documented(from, to))
		switch {
		case !undoc.Empty() && (a.Kind == KindGuest || a.Kind == KindInternet || b.Kind == KindMedical):
			k = flowRisky
		case !undoc.Empty():
			k = flowPartial
		}
		if a.Kind == KindManagement || (b.Kind == KindInternet && a.Kind != KindMedical && undoc.Empty()) {
			k = min(k, flowPartial)
		}
		key := pairKey(from, to)
		if i, ok := seen[key]; ok {
			out[i].observed = out[i].observed || observed
			out[i].kind = max(out[i].kind, k)
			return
		}
		seen[key] = len(out)
		out = append(out, drawnFlow{from: from, to: to, label: shorten(acc.String(), 30), kind: k, observed: observed})
	}
	if in.Matrix != nil {
		for _, c := range in.Matrix.List() {
			add(c.From, c.To, c.Allowed, false)
		}
	}
	for _, o := range in.Observed {
		add(o.From, o.To, o.Access, true)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].kind < out[j].kind })
	return out
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Layout constants for the SVG map.
const (
	boxW     = 330
	colW     = 158
	rowH     = 15
	headH    = 46
	gapX     = 70
	gapY     = 110
	margin   = 30
	maxCols  = 4
	legendH  = 70
	titleH   = 40
	maxNames = 30
)

var kindColor = map[inventory.Kind]string{
	inventory.KindMedicalDevice: "#c0392b", inventory.KindWorkstation: "#2e86c1", inventory.KindServer: "#6c3483",
	inventory.KindNetworkDevice: "#117a65", inventory.KindPrinter: "#7d6608", inventory.KindIoT: "#af601a",
	inventory.KindMobile: "#1f618d", inventory.KindCloudService: "#566573", inventory.KindUnknown: "#909497",
}

var zoneFill = map[ZoneKind]string{
	KindInternet: "#f4f6f7", KindGuest: "#fdf2e9", KindWorkstation: "#ebf5fb", KindClinical: "#e8f8f5", KindMedical: "#fdedec",
	KindServer: "#f5eef8", KindIoT: "#fef9e7", KindManagement: "#eaeded",
}

type box struct {
	x, y, w, h int
	row        int
	zone       *Zone
	assets     []*inventory.Asset
}

func (b box) cx() float64 { return float64(b.x) + float64(b.w)/2 }
func (b box) cy() float64 { return float64(b.y) + float64(b.h)/2 }

// shortName drops the domain from a host name, for the map's small print.
func shortName(a *inventory.Asset) string {
	l := a.Label()
	if i := strings.IndexByte(l, '.'); i > 0 && len(a.IPs) > 0 && l != a.IPs[0] && len(a.Hostnames) > 0 && l == a.Hostnames[0] {
		return l[:i]
	}
	return l
}

// WriteSVG draws the network map: zones as boxes holding their assets, and
// arrows for what each zone can open towards another (red where guest or
// internet traffic reaches inside or anything undocumented reaches medical
// devices, orange for undocumented or partial access, grey for documented
// connections; dashed where only a scan showed it). Up to ten zones sit in
// two rows with the flows running in the space between them, so no arrow
// crosses a zone; more zones are laid out in a grid.
func WriteSVG(w io.Writer, in MapInput) error {
	byZone := map[string][]*inventory.Asset{}
	for _, a := range in.Assets {
		byZone[a.Zone] = append(byZone[a.Zone], a)
	}
	var zones []*Zone
	zones = append(zones, in.Zones.Zones...)
	if len(byZone[""]) > 0 {
		zones = append(zones, &Zone{Name: "", Kind: "", Description: "not in any zone"})
	}
	flows := in.flows()
	twoRows := len(zones) <= 10
	cols := min(maxCols, max(1, int(math.Ceil(math.Sqrt(float64(len(zones)))))))
	if twoRows {
		cols = max(1, (len(zones)+1)/2)
	}
	var boxes []box
	var rowHeights []int
	for i, z := range zones {
		as := byZone[z.Name]
		inventory.SortAssets(as)
		shown := min(len(as), maxNames*2)
		rows := (shown + 1) / 2
		if len(as) > shown {
			rows++
		}
		h := max(headH+rows*rowH+14, 80)
		r := i / cols
		if r >= len(rowHeights) {
			rowHeights = append(rowHeights, 0)
		}
		rowHeights[r] = max(rowHeights[r], h)
		boxes = append(boxes, box{w: boxW, h: h, row: r, zone: z, assets: as})
	}
	gap := gapY
	if twoRows {
		gap = min(420, max(170, 70+16*len(flows)))
	}
	y := margin + titleH
	rowY := make([]int, len(rowHeights))
	for r, h := range rowHeights {
		rowY[r] = y
		y += h + gap
	}
	width := margin*2 + cols*boxW + (cols-1)*gapX
	height := y - gap + legendH + margin
	for i := range boxes {
		b := &boxes[i]
		b.x = margin + (i%cols)*(boxW+gapX)
		b.y = rowY[b.row]
		if twoRows && b.row == 0 {
			b.y += rowHeights[0] - b.h // the top row sits on the gap
		}
	}
	pos := map[string]int{}
	for i, b := range boxes {
		pos[b.zone.Name] = i
	}

	var sb strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&sb, format, args...) }
	esc := html.EscapeString
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="%s">`+"\n",
		width, height, width, height, esc(in.Title))
	p(`<defs>`)
	for _, m := range []struct{ name, color string }{{"red", "#c0392b"}, {"orange", "#d68910"}, {"grey", "#7f8c8d"}} {
		p(`<marker id="arrow-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`, m.name, m.color)
	}
	p("</defs>\n")
	p(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	title := in.Title
	if !in.Generated.IsZero() {
		title += " — " + in.Generated.Format("2006-01-02")
	}
	p(`<text x="%d" y="%d" font-size="18" font-weight="bold" fill="#1c2833">%s</text>`+"\n", margin, margin+16, esc(title))

	// Flow geometry: each box spreads its flows' ends along the edge that
	// faces the gap.
	type end struct{ x, y float64 }
	ends := map[int][]int{} // box → flow indexes touching it
	for fi, f := range flows {
		a, okA := pos[f.from]
		b, okB := pos[f.to]
		if okA && okB {
			ends[a] = append(ends[a], fi)
			ends[b] = append(ends[b], fi)
		}
	}
	anchor := func(bi, fi int) end {
		b := boxes[bi]
		list := ends[bi]
		k := 0
		for i, x := range list {
			if x == fi {
				k = i
			}
		}
		x := float64(b.x) + float64(b.w)*float64(k+1)/float64(len(list)+1)
		if b.row == 0 {
			return end{x, float64(b.y + b.h)}
		}
		return end{x, float64(b.y)}
	}
	type drawn struct {
		path, label, color, marker, dash string
		lx, ly                           float64
		from, to                         string
	}
	var paths []drawn
	for fi, f := range flows {
		ai, okA := pos[f.from]
		bi, okB := pos[f.to]
		if !okA || !okB {
			continue
		}
		color, marker := "#7f8c8d", "grey"
		switch f.kind {
		case flowRisky:
			color, marker = "#c0392b", "red"
		case flowPartial:
			color, marker = "#d68910", "orange"
		}
		dash := ""
		if f.observed {
			dash = ` stroke-dasharray="6,4"`
		}
		var path string
		var lx, ly float64
		if twoRows {
			a, b := anchor(ai, fi), anchor(bi, fi)
			var c1y, c2y float64
			if boxes[ai].row != boxes[bi].row {
				mid := (a.y + b.y) / 2
				c1y, c2y = mid, mid
			} else {
				depth := 36 + float64(fi%8)*16
				if boxes[ai].row == 0 {
					c1y, c2y = a.y+depth, b.y+depth
				} else {
					c1y, c2y = a.y-depth, b.y-depth
				}
			}
			path = fmt.Sprintf("M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", a.x, a.y, a.x, c1y, b.x, c2y, b.x, b.y)
			// The label sits a third of the way along, near its source,
			// so the labels of flows crossing the gap do not pile up.
			const t = 0.3
			u := 1 - t
			lx = u*u*u*a.x + 3*u*u*t*a.x + 3*u*t*t*b.x + t*t*t*b.x
			ly = u*u*u*a.y + 3*u*u*t*c1y + 3*u*t*t*c2y + t*t*t*b.y
		} else {
			a, b := boxes[ai], boxes[bi]
			x1, y1 := edgePoint(a, b.cx(), b.cy())
			x2, y2 := edgePoint(b, a.cx(), a.cy())
			path = fmt.Sprintf("M%.1f,%.1f L%.1f,%.1f", x1, y1, x2, y2)
			lx, ly = (x1+x2)/2, (y1+y2)/2
		}
		paths = append(paths, drawn{path, f.label, color, marker, dash, lx, ly, f.from, f.to})
	}
	if !twoRows { // in a grid, lines run under the boxes
		for _, d := range paths {
			p(`<path d="%s" fill="none" stroke="%s" stroke-width="2"%s marker-end="url(#arrow-%s)"/>`+"\n", d.path, d.color, d.dash, d.marker)
		}
	}
	// Zones and assets.
	for _, b := range boxes {
		fill := zoneFill[b.zone.Kind]
		if fill == "" {
			fill = "#fbfcfc"
		}
		stroke := "#5d6d7e"
		if b.zone.Kind == KindMedical {
			stroke = "#c0392b"
		}
		p(`<g class="zone" data-zone="%s">`, esc(b.zone.Name))
		p(`<rect x="%d" y="%d" width="%d" height="%d" rx="10" fill="%s" stroke="%s" stroke-width="1.5"/>`, b.x, b.y, b.w, b.h, fill, stroke)
		name := b.zone.Name
		if name == "" {
			name = "No zone"
		}
		p(`<text x="%d" y="%d" font-size="14" font-weight="bold" fill="#1c2833">%s <tspan font-weight="normal" font-size="11" fill="#566573">%s · %d asset(s)</tspan></text>`,
			b.x+10, b.y+18, esc(name), esc(string(b.zone.Kind)), len(b.assets))
		p(`<text x="%d" y="%d" font-size="10" fill="#566573">%s</text>`, b.x+10, b.y+33, esc(shorten(strings.TrimSpace(b.zone.Describe()+" "+b.zone.Description), 58)))
		shown := min(len(b.assets), maxNames*2)
		for i, a := range b.assets[:shown] {
			ax := b.x + 12 + (i%2)*colW
			ay := b.y + headH + (i/2)*rowH + 8
			color := kindColor[a.Kind]
			if color == "" {
				color = kindColor[inventory.KindUnknown]
			}
			p(`<circle cx="%d" cy="%d" r="4" fill="%s"><title>%s</title></circle>`, ax+3, ay-4, color, esc(string(a.Kind)))
			full := a.Label()
			if len(a.IPs) > 0 && a.IPs[0] != full {
				full += " " + a.IPs[0]
			}
			weight, mark := "normal", ""
			if why, ok := in.Unsupported[a.ID]; ok {
				weight, mark = "bold", "⚠ "
				full += " — " + why
			}
			p(`<text x="%d" y="%d" font-size="10" font-weight="%s" fill="#1c2833">%s%s<title>%s</title></text>`, ax+11, ay, weight, mark,
				esc(shorten(shortName(a), 24)), esc(full))
		}
		if len(b.assets) > shown {
			p(`<text x="%d" y="%d" font-size="10" font-style="italic" fill="#566573">and %d more</text>`, b.x+12, b.y+headH+((shown+1)/2)*rowH+8, len(b.assets)-shown)
		}
		p("</g>\n")
	}
	for _, d := range paths {
		p(`<g class="flow" data-from="%s" data-to="%s">`, esc(d.from), esc(d.to))
		if twoRows {
			p(`<path d="%s" fill="none" stroke="%s" stroke-width="2"%s marker-end="url(#arrow-%s)"/>`, d.path, d.color, d.dash, d.marker)
		}
		p(`<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="%s" stroke="#ffffff" stroke-width="3" paint-order="stroke">%s</text></g>`+"\n",
			d.lx, d.ly+3, d.color, esc(d.label))
	}
	// Legend.
	ly := height - legendH + 10
	p(`<g class="legend" font-size="11" fill="#1c2833">`)
	p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#c0392b" stroke-width="2"/><text x="%d" y="%d">guest or internet reaches inside, or undocumented access to medical devices</text>`, margin, ly, margin+30, ly, margin+36, ly+4)
	p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#d68910" stroke-width="2"/><text x="%d" y="%d">access no documented flow explains</text>`, margin, ly+18, margin+30, ly+18, margin+36, ly+22)
	p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#7f8c8d" stroke-width="2"/><text x="%d" y="%d">documented connection</text>`, margin, ly+36, margin+30, ly+36, margin+36, ly+40)
	lx := margin + 520
	p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#1c2833" stroke-width="2" stroke-dasharray="6,4"/><text x="%d" y="%d">seen in a scan from inside the zone</text>`, lx, ly, lx+30, ly, lx+36, ly+4)
	p(`<text x="%d" y="%d">⚠ past end of support · dots: red medical device, blue workstation, purple server, brown printer</text>`, lx, ly+22)
	p("</g>\n</svg>\n")
	_, err := io.WriteString(w, sb.String())
	return err
}

// edgePoint is where the line from a box's centre towards (tx, ty) leaves the box.
func edgePoint(b box, tx, ty float64) (float64, float64) {
	cx, cy := b.cx(), b.cy()
	dx, dy := tx-cx, ty-cy
	if dx == 0 && dy == 0 {
		return cx, cy
	}
	hw, hh := float64(b.w)/2, float64(b.h)/2
	s := math.Min(math.Abs(hw/dx), math.Abs(hh/dy))
	if math.IsInf(s, 0) {
		s = math.Max(hw, hh)
	}
	return cx + dx*s, cy + dy*s
}

// WriteDOT writes the network map in Graphviz DOT: one cluster per zone
// holding its assets, and an edge per zone-to-zone flow.
func WriteDOT(w io.Writer, in MapInput) error {
	q := func(s string) string {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
	}
	var sb strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&sb, format, args...) }
	p("digraph network {\n")
	p("  graph [compound=true, rankdir=LR, fontname=\"Helvetica\", label=%s, labelloc=t];\n", q(in.Title))
	p("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n")
	p("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	byZone := map[string][]*inventory.Asset{}
	for _, a := range in.Assets {
		byZone[a.Zone] = append(byZone[a.Zone], a)
	}
	for i, z := range in.Zones.Zones {
		p("  subgraph %s {\n", q(fmt.Sprintf("cluster_%d", i)))
		p("    label=%s; style=\"rounded,filled\"; fillcolor=%s;\n", q(z.Name+" ("+string(z.Kind)+")\n"+z.Describe()), q(zoneFill[z.Kind]))
		p("    %s [shape=point, style=invis, width=0.01];\n", q("zone:"+z.Name))
		as := byZone[z.Name]
		inventory.SortAssets(as)
		for _, a := range as {
			label := a.Label()
			if len(a.IPs) > 0 && a.IPs[0] != label {
				label += "\n" + a.IPs[0]
			}
			label += "\n" + string(a.Kind)
			extra := ""
			if why, ok := in.Unsupported[a.ID]; ok {
				label += "\nunsupported: " + why
				extra = ", color=\"#c0392b\", penwidth=2"
			}
			p("    %s [label=%s%s];\n", q("asset:"+a.ID), q(label), extra)
		}
		p("  }\n")
	}
	cluster := map[string]string{}
	for i, z := range in.Zones.Zones {
		cluster[z.Name] = fmt.Sprintf("cluster_%d", i)
	}
	for _, f := range in.flows() {
		color := "#7f8c8d"
		switch f.kind {
		case flowRisky:
			color = "#c0392b"
		case flowPartial:
			color = "#d68910"
		}
		style := "solid"
		if f.observed {
			style = "dashed"
		}
		p("  %s -> %s [ltail=%s, lhead=%s, label=%s, color=%s, fontcolor=%s, style=%s];\n", q("zone:"+f.from), q("zone:"+f.to),
			q(cluster[f.from]), q(cluster[f.to]), q(f.label), q(color), q(color), style)
	}
	p("}\n")
	_, err := io.WriteString(w, sb.String())
	return err
}
