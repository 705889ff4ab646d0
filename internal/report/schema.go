package report

import _ "embed"

// JSONSchema is the JSON Schema (draft 2020-12) of the JSON report written
// by RenderJSON. It ships with every JSON report in an evidence package.
//
//go:embed schema/report.schema.json
var JSONSchema []byte
