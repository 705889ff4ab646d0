package policy

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
)

// Control is one row of a document's control block: a label and a value.
type Control struct {
	Label string
	Value string
}

// ControlBlock returns the document-control rows shown at the top of an
// exported policy: practice, version, status, review and retention dates,
// and what it covers.
func ControlBlock(v *Version, practice string) []Control {
	status := ""
	switch v.Status {
	case StatusDraft:
		status = "Draft, not yet approved: not in effect"
	case StatusApproved:
		status = fmt.Sprintf("Approved by %s; in effect from %s", v.ApprovedBy, v.EffectiveOn)
	case StatusSuperseded:
		status = fmt.Sprintf("Superseded on %s (approved by %s, in effect from %s)", v.EndedOn, v.ApprovedBy, v.EffectiveOn)
	}
	keep := "Six years after it is replaced (164.316(b)(2)(i))"
	if v.RetainUntil != "" {
		keep = v.RetainUntil + " (six years after it was replaced, 164.316(b)(2)(i))"
	}
	review := "12 months after approval"
	if v.ReviewDue != "" {
		review = v.ReviewDue
	}
	return []Control{
		{"Practice", practice},
		{"Version", fmt.Sprintf("%d (generated %s)", v.Version, v.GeneratedAt.Format("2006-01-02"))},
		{"Status", status},
		{"Next review due", review},
		{"Keep until", keep},
		{"Standards covered", strings.Join(v.Standards, ", ")},
	}
}

// splitTitle separates the body's first-level heading from the rest.
func splitTitle(blocks []Block) (string, []Block) {
	if len(blocks) > 0 && blocks[0].Kind == BlockHeading && blocks[0].Level == 1 {
		return Plain(blocks[0].Text), blocks[1:]
	}
	return "", blocks
}

// RenderMarkdown returns a version as a Markdown file: its title, the
// document-control table, then the body.
func RenderMarkdown(v *Version, practice string) []byte {
	var b bytes.Buffer
	body := v.Body
	title := "# " + v.Title
	if rest, ok := strings.CutPrefix(body, title+"\n"); ok {
		body = rest
	}
	fmt.Fprintf(&b, "%s\n\n| Document control | |\n|---|---|\n", title)
	for _, c := range ControlBlock(v, practice) {
		fmt.Fprintf(&b, "| %s | %s |\n", c.Label, strings.ReplaceAll(c.Value, "|", "/"))
	}
	b.WriteString("\n")
	b.WriteString(strings.TrimLeft(body, "\n"))
	return b.Bytes()
}

// htmlDoc is one document as the HTML template sees it.
type htmlDoc struct {
	Anchor   string
	Title    string
	Draft    bool
	Controls []Control
	Blocks   []Block
}

// RenderHTML returns one or more versions as a single self-contained HTML
// page, printable as a binder: a cover with a table of contents when there
// are several, then each policy starting on a new page.
func RenderHTML(vs []*Version, practice string) ([]byte, error) {
	var docs []htmlDoc
	for _, v := range vs {
		title, blocks := splitTitle(Parse(v.Body))
		if title == "" {
			title = v.Title
		}
		docs = append(docs, htmlDoc{Anchor: v.Key, Title: title, Draft: v.Status == StatusDraft, Controls: ControlBlock(v, practice), Blocks: blocks})
	}
	page := struct {
		Practice string
		Title    string
		Docs     []htmlDoc
	}{Practice: practice, Docs: docs}
	if len(docs) == 1 {
		page.Title = docs[0].Title + " | " + practice
	} else {
		page.Title = "Security policies and procedures | " + practice
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, page); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var htmlTemplate = template.Must(template.New("policy").Funcs(template.FuncMap{
	"spans": func(spans []Span) template.HTML {
		var b strings.Builder
		for _, s := range spans {
			t := template.HTMLEscapeString(s.Text)
			if s.Bold {
				t = "<strong>" + t + "</strong>"
			}
			b.WriteString(t)
		}
		return template.HTML(b.String())
	},
	"cite": func(s string) template.HTML { return template.HTML(citeHTML(s)) },
	"isKind": func(b Block, k string) bool {
		return map[string]BlockKind{"h": BlockHeading, "p": BlockParagraph, "ul": BlockBullets, "ol": BlockNumbers, "note": BlockNote, "table": BlockTable}[k] == b.Kind
	},
	"inc": func(i int) int { return i + 1 },
}).Parse(htmlSource))

// citeHTML escapes a table cell, setting a citation in a <code> tag.
func citeHTML(s string) string {
	t := template.HTMLEscapeString(s)
	if strings.HasPrefix(s, "164.") && !strings.Contains(s, " ") {
		return "<code>" + t + "</code>"
	}
	return t
}

const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
  :root { --ink: #1d2733; --muted: #5b6775; --accent: #1f5f8b; --rule: #d5dde5; --note: #fff6dc; --noteb: #e0b53c; }
  * { box-sizing: border-box; }
  body { margin: 0; color: var(--ink); font: 11pt/1.55 Georgia, "Times New Roman", serif; background: #f4f6f8; }
  main { max-width: 46rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
  article, .cover { background: #fff; padding: 2.5rem 3rem; margin-bottom: 2rem; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
  h1, h2, h3, .practice, table.control, th { font-family: "Helvetica Neue", Arial, sans-serif; }
  .practice { color: var(--muted); font-size: .85rem; letter-spacing: .06em; text-transform: uppercase; margin: 0 0 .4rem; }
  h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 1.2rem; color: var(--accent); }
  h2 { font-size: 1.15rem; margin: 2rem 0 .6rem; padding-bottom: .25rem; border-bottom: 2px solid var(--rule); }
  h3 { font-size: 1rem; margin: 1.4rem 0 .4rem; color: var(--accent); }
  p { margin: .5rem 0; }
  ul, ol { margin: .4rem 0 .8rem; padding-left: 1.4rem; }
  li { margin: .3rem 0; }
  .note { background: var(--note); border-left: 4px solid var(--noteb); padding: .6rem .9rem; margin: .9rem 0; font-size: .95rem; }
  table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .9rem; }
  th, td { border: 1px solid var(--rule); padding: .35rem .55rem; text-align: left; vertical-align: top; }
  th { background: #eef2f6; font-size: .85rem; }
  table.control { font-size: .85rem; margin-bottom: 1.6rem; }
  table.control th { width: 11rem; background: #f7f9fb; font-weight: 600; }
  code { font-family: "SFMono-Regular", Consolas, monospace; font-size: .85em; white-space: nowrap; }
  .draft { border: 2px dashed #c0392b; color: #c0392b; font-family: Arial, sans-serif; font-weight: 700; text-align: center; padding: .4rem; margin-bottom: 1rem; letter-spacing: .08em; }
  .toc ol { columns: 1; }
  .toc a { color: var(--accent); text-decoration: none; }
  @media print {
    body { background: #fff; font-size: 10.5pt; }
    main { max-width: none; padding: 0; }
    article, .cover { box-shadow: none; padding: 0; margin: 0; }
    article { break-before: page; }
    h2, h3 { break-after: avoid; }
    table, .note, li { break-inside: avoid; }
  }
</style>
</head>
<body>
<main>
{{- if gt (len .Docs) 1}}
<section class="cover">
  <p class="practice">{{.Practice}}</p>
  <h1>Security policies and procedures</h1>
  <p>These policies put the HIPAA Security Rule (45 CFR Part 164, Subpart C) into practice at {{.Practice}}. Each one names the controls it covers and where we stand on them today.</p>
  <nav class="toc"><ol>{{range .Docs}}<li><a href="#{{.Anchor}}">{{.Title}}</a>{{if .Draft}} (draft){{end}}</li>{{end}}</ol></nav>
</section>
{{- end}}
{{- range .Docs}}
<article id="{{.Anchor}}">
  {{if .Draft}}<div class="draft">DRAFT: NOT YET APPROVED</div>{{end}}
  <p class="practice">{{$.Practice}}</p>
  <h1>{{.Title}}</h1>
  <table class="control">{{range .Controls}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>{{end}}</table>
  {{- range .Blocks}}
  {{- if isKind . "h"}}{{if eq .Level 2}}<h2>{{spans .Text}}</h2>{{else}}<h3>{{spans .Text}}</h3>{{end}}
  {{- else if isKind . "p"}}<p>{{spans .Text}}</p>
  {{- else if isKind . "ul"}}<ul>{{range .Items}}<li>{{spans .}}</li>{{end}}</ul>
  {{- else if isKind . "ol"}}<ol>{{range .Items}}<li>{{spans .}}</li>{{end}}</ol>
  {{- else if isKind . "note"}}<div class="note">{{spans .Text}}</div>
  {{- else if isKind . "table"}}<table><thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead><tbody>{{range .Rows}}<tr>{{range .}}<td>{{cite .}}</td>{{end}}</tr>{{end}}</tbody></table>
  {{- end}}
  {{- end}}
</article>
{{- end}}
</main>
</body>
</html>
`
