package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/report"
)

func (e *env) reportCmd() *cobra.Command {
	var assessmentID, format, kind, out string
	cmd := &cobra.Command{
		Use:   "report --out FILE [--format html|pdf|xlsx|json|oscal] [--kind analysis|plan|summary|all]",
		Short: "Write the Risk Analysis Report, Risk Management Plan and Executive summary",
		Long: `Write the documents an auditor asks for, for one assessment:

  --kind analysis   Risk Analysis Report: scope, method, the risk register with heat map,
                    contradictions, findings, the status of every standard and specification,
                    and what changed since the last analysis (164.308(a)(1)(ii)(A))
  --kind plan       Risk Management Plan: actions by priority with owners, due dates and
                    status (164.308(a)(1)(ii)(B))
  --kind summary    Executive summary: score and trend, top risks in plain words, the next
                    five actions and the penalty context
  --kind all        all three in one document (the default)

Formats: html (self-contained, prints well), pdf (made without a browser), xlsx (one sheet
per register), json (described by a JSON Schema) and oscal (OSCAL assessment results).
For this command --format picks the report format and replaces the global table|json
choice; without it the format comes from the --out file name (.html, .pdf, .xlsx, .json,
.oscal.json). json and oscal always hold the whole analysis, whatever --kind says.

Every document states its version, dates, preparer and approver, and the date until which
it must be kept (six years, 164.316(b)(2)(i)). The file is written whole or not at all.`,
		Example: `  safeguard report --out risk-analysis.pdf
  safeguard report --kind plan --format xlsx --out plan.xlsx
  safeguard report --assessment asm_… --format oscal --out results.oscal.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := report.ParseKind(kind)
			if err != nil {
				return err
			}
			f, err := reportFormat(format, out)
			if err != nil {
				return err
			}
			// Check the output can be written before any work is done.
			w, err := createOutput(out, e.stdout)
			if err != nil {
				return err
			}
			defer w.Abort()
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			m, err := report.Build(cmd.Context(), svc, report.Options{AssessmentID: assessmentID, Generator: "safeguard " + Version})
			if err != nil {
				return err
			}
			if err := report.Render(w, m, f, k); err != nil {
				return hipaa.WrapError(hipaa.EInternal, err, "cannot render the %s report", f)
			}
			if err := w.Commit(); err != nil {
				return err
			}
			if out != "-" {
				fmt.Fprintf(e.stdout, "Wrote %s (%s, version %s) for %s to %s.\n", k.Title(), f, m.Document.Version, m.Practice.Name, out)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&assessmentID, "assessment", "", "assessment ID (default: the current draft, else the latest)")
	fl.StringVar(&format, "format", "", "report format: html, pdf, xlsx, json or oscal (default: from the --out file name)")
	fl.StringVar(&kind, "kind", "all", "document: analysis, plan, summary or all")
	fl.StringVarP(&out, "out", "o", "", "file to write; - writes to standard output")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// reportFormat picks the report format from --format, else from the file name.
func reportFormat(format, out string) (report.Format, error) {
	if format != "" {
		f, err := report.ParseFormat(format)
		if err != nil {
			return "", err
		}
		// OSCAL is JSON too: a .json name suits it.
		if g, ok := report.FormatOf(out); ok && g != f && out != "-" && !(f == report.FormatOSCAL && g == report.FormatJSON) {
			return "", hipaa.Errorf(hipaa.EInvalid, "--format %s does not match the file name %s (a %s file): change one of them", f, filepath.Base(out), g)
		}
		return f, nil
	}
	if f, ok := report.FormatOf(out); ok {
		return f, nil
	}
	return "", hipaa.Errorf(hipaa.EInvalid, "cannot tell the report format from %q: add --format html, pdf, xlsx, json or oscal", out)
}

// output is a file being written: everything goes to a temporary file in the
// same directory, renamed into place by Commit, so a failure never leaves a
// partial file behind.
type output struct {
	// Mode is the file's permission once committed (default 0640).
	Mode os.FileMode
	path string
	tmp  *os.File
	buf  *bufio.Writer
	dst  io.Writer
	done bool
}

// createOutput opens path for writing, or stdout for "-". It fails at once,
// with a clear message, when the directory cannot be written.
func createOutput(path string, stdout io.Writer) (*output, error) {
	if path == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "no output file: add --out FILE")
	}
	if path == "-" {
		return &output{path: path, dst: stdout}, nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, hipaa.Errorf(hipaa.EInvalid, "output %s is a directory: give a file name inside it", path)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, outputError(path, err)
	}
	return &output{path: path, tmp: tmp, buf: bufio.NewWriterSize(tmp, 256<<10)}, nil
}

func outputError(path string, err error) error {
	dir := filepath.Dir(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return hipaa.WrapError(hipaa.EInvalid, err, "cannot write %s: folder %s does not exist; create it or choose another --out", path, dir)
	case errors.Is(err, fs.ErrPermission):
		return hipaa.WrapError(hipaa.EInvalid, err, "cannot write %s: no permission to write in %s; choose another --out", path, dir)
	case errors.Is(err, syscall.ENOTDIR):
		return hipaa.WrapError(hipaa.EInvalid, err, "cannot write %s: %s is not a folder; choose another --out", path, dir)
	}
	return hipaa.WrapError(hipaa.EUnavailable, err, "cannot write %s: %s", path, firstLine(unwrapPathError(err)))
}

func unwrapPathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Write implements io.Writer.
func (o *output) Write(p []byte) (int, error) {
	if o.tmp == nil {
		return o.dst.Write(p)
	}
	return o.buf.Write(p)
}

// Commit flushes the file and moves it into place.
func (o *output) Commit() error {
	if o.tmp == nil {
		o.done = true
		return nil
	}
	err := o.buf.Flush()
	if err == nil {
		err = o.tmp.Sync()
	}
	if cerr := o.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		mode := o.Mode
		if mode == 0 {
			mode = 0o640
		}
		err = os.Chmod(o.tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(o.tmp.Name(), o.path)
	}
	if err != nil {
		os.Remove(o.tmp.Name())
		return outputError(o.path, err)
	}
	o.done = true
	return nil
}

// Abort removes the temporary file unless Commit succeeded.
func (o *output) Abort() {
	if o.done || o.tmp == nil {
		return
	}
	o.tmp.Close()
	os.Remove(o.tmp.Name())
}
