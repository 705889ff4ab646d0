package report

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Format names an output format.
type Format string

// The output formats.
const (
	FormatHTML  Format = "html"
	FormatPDF   Format = "pdf"
	FormatXLSX  Format = "xlsx"
	FormatJSON  Format = "json"
	FormatOSCAL Format = "oscal"
)

// Formats lists the formats in the order they are offered.
var Formats = []Format{FormatHTML, FormatPDF, FormatXLSX, FormatJSON, FormatOSCAL}

// ParseFormat parses a format name.
func ParseFormat(s string) (Format, error) {
	v := Format(strings.ToLower(strings.TrimSpace(s)))
	for _, f := range Formats {
		if f == v {
			return f, nil
		}
	}
	return "", hipaa.Errorf(hipaa.EInvalid, "report format %q is not known: use html, pdf, xlsx, json or oscal", s)
}

// ParseKind parses a document kind.
func ParseKind(s string) (Kind, error) {
	v := Kind(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Kinds {
		if k == v {
			return k, nil
		}
	}
	return "", hipaa.Errorf(hipaa.EInvalid, "report kind %q is not known: use analysis, plan, summary or all", s)
}

// FormatOf guesses the format from a file name: .html, .pdf, .xlsx, .json,
// and .oscal.json for OSCAL.
func FormatOf(path string) (Format, bool) {
	name := strings.ToLower(filepath.Base(path))
	switch {
	case strings.HasSuffix(name, ".oscal.json"):
		return FormatOSCAL, true
	case strings.HasSuffix(name, ".html"), strings.HasSuffix(name, ".htm"):
		return FormatHTML, true
	case strings.HasSuffix(name, ".pdf"):
		return FormatPDF, true
	case strings.HasSuffix(name, ".xlsx"):
		return FormatXLSX, true
	case strings.HasSuffix(name, ".json"):
		return FormatJSON, true
	}
	return "", false
}

// Extension returns the usual file name ending of a format.
func (f Format) Extension() string {
	if f == FormatOSCAL {
		return ".oscal.json"
	}
	return "." + string(f)
}

// MediaType returns the media type of a format.
func (f Format) MediaType() string {
	switch f {
	case FormatHTML:
		return "text/html; charset=utf-8"
	case FormatPDF:
		return "application/pdf"
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/json"
}

// Render writes the document of kind k in format f. JSON and OSCAL always
// hold the whole analysis; the kind selects the document for HTML, PDF and
// XLSX.
func Render(w io.Writer, m *Model, f Format, k Kind) error {
	switch f {
	case FormatHTML:
		return RenderHTML(w, m, k)
	case FormatPDF:
		return RenderPDF(w, m, k)
	case FormatXLSX:
		return RenderXLSX(w, m, k)
	case FormatJSON:
		return RenderJSON(w, m)
	case FormatOSCAL:
		return RenderOSCAL(w, m)
	}
	return hipaa.Errorf(hipaa.EInvalid, "report format %q is not known", f)
}

// RenderJSON writes the model as indented JSON, as schema/report.schema.json describes.
func RenderJSON(w io.Writer, m *Model) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}
