package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"text/template"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Document is a generated policy: its Markdown body and what it covers.
type Document struct {
	Key       string   `json:"key"`
	Title     string   `json:"title"`
	Standards []string `json:"standards"`
	// Citations are every control the document covers, in catalog order.
	Citations []string `json:"citations"`
	Body      string   `json:"-"`
}

// SHA256 returns the hex SHA-256 of the body, which identifies its content.
func (d *Document) SHA256() string {
	sum := sha256.Sum256([]byte(d.Body))
	return hex.EncodeToString(sum[:])
}

// parse parses one document's template with the shared helpers.
func parse(key string, f *Facts) (*template.Template, error) {
	funcs := template.FuncMap{
		"yes": func(id string) bool { a, ok := f.Answers[id]; return ok && a.Value == hipaa.AnswerYes },
		"gap": func(id string) bool {
			a, ok := f.Answers[id]
			return ok && (a.Value == hipaa.AnswerNo || a.Value == hipaa.AnswerPartial || a.Value == hipaa.AnswerUnknown)
		},
		"na":     func(id string) bool { a, ok := f.Answers[id]; return ok && a.Value == hipaa.AnswerNA },
		"answer": f.answerLabel,
		"note": func(id string) string {
			return strings.Join(strings.Fields(f.Answers[id].Note), " ")
		},
		"list":   listPhrase,
		"plural": plural,
		"official": func() string {
			if f.Official == "" {
				return "the Security Official"
			}
			return f.Official + " (Security Official)"
		},
		"privacy": func() string {
			if f.Settings.PrivacyOfficial == "" {
				return "the Privacy Officer"
			}
			return f.Settings.PrivacyOfficial + " (Privacy Officer)"
		},
		"it": func() string {
			if f.Settings.ITSupport == "" {
				return "our IT support provider"
			}
			return f.Settings.ITSupport + " (IT support)"
		},
		"ehr": func() string {
			if f.EHR == "" {
				return "our electronic health record (EHR) system"
			}
			return f.EHR + ", our electronic health record (EHR) system"
		},
		"ehrname": func() string {
			if f.EHR == "" {
				return "the EHR"
			}
			return f.EHR
		},
		"practice": func() string { return f.Practice.Name },
	}
	return template.New(key).Funcs(funcs).Option("missingkey=error").ParseFS(templateFS, "templates/common.md.tmpl", "templates/"+key+".md.tmpl")
}

// Generate writes every policy document from the facts. The catalog gives
// the controls each document cites and the questions behind its status section.
func Generate(cat *catalog.Catalog, f *Facts) ([]*Document, error) {
	var out []*Document
	for _, d := range Docs {
		doc, err := GenerateOne(cat, f, d)
		if err != nil {
			return nil, err
		}
		out = append(out, doc)
	}
	return out, nil
}

// GenerateOne writes one policy document.
func GenerateOne(cat *catalog.Catalog, f *Facts, d Doc) (*Document, error) {
	t, err := parse(d.Key, f)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInternal, err, "policy template %s is broken", d.Key)
	}
	var body bytes.Buffer
	fmt.Fprintf(&body, "# %s\n\n", d.Title)
	if err := t.ExecuteTemplate(&body, d.Key+".md.tmpl", f); err != nil {
		return nil, hipaa.WrapError(hipaa.EInternal, err, "policy template %s failed", d.Key)
	}
	controls := d.Controls(cat)
	writeStatus(&body, cat, f, controls)
	writeControls(&body, controls)
	doc := &Document{Key: d.Key, Title: d.Title, Standards: append([]string{}, d.Standards...), Body: tidy(body.String())}
	for _, c := range controls {
		doc.Citations = append(doc.Citations, c.Citation)
	}
	return doc, nil
}

// writeStatus writes "Where we stand today": the risk analysis questions that
// bear on the document's controls, grouped by how they were answered.
func writeStatus(b *bytes.Buffer, cat *catalog.Catalog, f *Facts, controls []*hipaa.Control) {
	b.WriteString("\n## Where we stand today\n\n")
	if f.Assessment == "" || len(f.Answers) == 0 {
		b.WriteString("No risk analysis answers were available when this policy was written. Complete the risk analysis and generate the policy again to see which of these safeguards are in place.\n")
		return
	}
	cover := map[string]bool{}
	for _, c := range controls {
		cover[c.Citation] = true
	}
	values := map[string]hipaa.AnswerValue{}
	for id, a := range f.Answers {
		values[id] = a.Value
	}
	var inPlace int
	var gaps, open, na []string
	for i := range cat.Questions {
		q := &cat.Questions[i]
		if q.Scope || !q.Applies(values) || !citesAny(q, cover) {
			continue
		}
		text := strings.Join(strings.Fields(q.Text), " ")
		a, ok := f.Answers[q.ID]
		switch {
		case !ok:
			open = append(open, q.ID)
		case a.Value == hipaa.AnswerYes:
			inPlace++
		case a.Value == hipaa.AnswerNA:
			na = append(na, fmt.Sprintf("%s (%s) Reason: %s", text, q.ID, oneLine(a.Justification)))
		default:
			line := fmt.Sprintf("%s (%s, answered %s)", text, q.ID, a.Value.Label())
			if n := oneLine(a.Note); n != "" {
				line += " Note: " + n
			}
			gaps = append(gaps, line)
		}
	}
	total := inPlace + len(gaps) + len(open) + len(na)
	if total == 0 {
		fmt.Fprintf(b, "No question of the risk analysis \"%s\" applies to these controls for our practice, given its answers as of %s.\n", f.Assessment, f.Date)
		return
	}
	fmt.Fprintf(b, "From the risk analysis \"%s\" as of %s: %d of the %d related questions were answered Yes.", f.Assessment, f.Date, inPlace, total)
	if len(gaps) == 0 && len(open) == 0 {
		b.WriteString(" Everything this policy asks for is reported in place.\n")
	} else {
		b.WriteString(" Until the items below are done, this policy describes what we are putting in place; each gap is a risk in our risk management plan.\n")
	}
	section := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(b, "\n### %s\n\n", title)
		for _, it := range items {
			fmt.Fprintf(b, "- %s\n", it)
		}
	}
	section("Not yet fully in place", gaps)
	section("Not applicable to us", na)
	if len(open) > 0 {
		fmt.Fprintf(b, "\n%s not answered yet: %s.\n", plural(len(open), "related question is", "related questions are"), strings.Join(open, ", "))
	}
}

func citesAny(q *hipaa.Question, set map[string]bool) bool {
	for _, c := range q.Citations {
		if set[catalog.NormalizeCitation(c)] {
			return true
		}
	}
	return false
}

// writeControls writes the table of controls the document covers.
func writeControls(b *bytes.Buffer, controls []*hipaa.Control) {
	b.WriteString("\n## Security Rule controls this policy covers\n\n")
	b.WriteString("| Citation | Control | Type |\n|---|---|---|\n")
	for _, c := range controls {
		kind := "Standard"
		switch c.Requirement {
		case hipaa.Required:
			kind = "Required"
		case hipaa.Addressable:
			kind = "Addressable"
		}
		if c.Kind == hipaa.KindStandard && c.Requirement == hipaa.Required {
			kind = "Standard (required)"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", c.Citation, c.Title, kind)
	}
	b.WriteString("\nAn addressable specification must still be met where reasonable and appropriate; where we chose another measure, the risk analysis records why (164.306(d)(3)).\n")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// tidy collapses runs of blank lines left by template actions and trims trailing spaces.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}
