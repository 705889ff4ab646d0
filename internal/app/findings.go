package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// findingInput is one finding in an import file: Safeguard's own JSON shape,
// for scanners and tools that Safeguard has no importer for.
type findingInput struct {
	Source    string           `json:"source"`
	Rule      string           `json:"rule"`
	Severity  string           `json:"severity"`
	Title     string           `json:"title"`
	Subject   string           `json:"subject"`
	Citations []string         `json:"citations"`
	Evidence  []map[string]any `json:"evidence"`
}

// ReadFindings reads and checks a findings file: a JSON array of objects with
// source, rule, severity, title, subject, citations and evidence. Errors name
// the file, the line and the entry.
func (s *Service) ReadFindings(path string) ([]*hipaa.Finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "cannot read findings file %s: %s", path, firstLine(err.Error()))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	// lineAt gives the line where the next value after off starts.
	lineAt := func(off int64) int {
		i := min(int(off), len(data))
		for i < len(data) && strings.ContainsRune(" \t\r\n,", rune(data[i])) {
			i++
		}
		return 1 + bytes.Count(data[:i], []byte("\n"))
	}
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('[') {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: a findings file is a JSON array of findings: [{\"source\": …, \"rule\": …}]", path)
	}
	var out []*hipaa.Finding
	for i := 0; dec.More(); i++ {
		start := dec.InputOffset()
		var in findingInput
		if err := dec.Decode(&in); err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: finding %d: %s", path, lineAt(start), i+1, strings.TrimPrefix(err.Error(), "json: "))
		}
		where := fmt.Sprintf("%s:%d: finding %d", path, lineAt(start), i+1)
		sev, err := hipaa.ParseSeverity(in.Severity)
		if err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: %s", where, hipaa.ErrorMessage(err))
		}
		if in.Source == "" || in.Rule == "" || in.Title == "" {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: source, rule and title are required", where)
		}
		for _, c := range in.Citations {
			if _, ok := s.Cat.Control(c); !ok {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s: citation %q is not in the catalog (closest: %s)", where, c, strings.Join(s.Cat.Suggest(c, 3), ", "))
			}
		}
		if in.Citations == nil {
			in.Citations = []string{}
			if r, ok := s.Cat.FindingRule(in.Rule); ok {
				in.Citations = r.Citations
			}
		}
		out = append(out, &hipaa.Finding{Source: in.Source, Rule: in.Rule, Severity: sev, Title: in.Title, Subject: in.Subject,
			Citations: in.Citations, Evidence: in.Evidence})
	}
	return out, nil
}

// ImportFindings saves findings and re-evaluates the current draft
// assessment, in one transaction.
func (s *Service) ImportFindings(ctx context.Context, fs []*hipaa.Finding) error {
	return s.Scope.InTx(ctx, func(tx *store.Scope) error {
		if err := tx.PutFindings(ctx, fs); err != nil {
			return err
		}
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}
		cur, err := svc.Current(ctx, "")
		if hipaa.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return svc.reassess(ctx, cur.ID, "")
	})
}

func init() {
	RegisterWatchImporter("findings", func(ctx context.Context, s *Service, _ store.WatchSource, path string) (string, error) {
		fs, err := s.ReadFindings(path)
		if err != nil {
			return "", err
		}
		if err := s.ImportFindings(ctx, fs); err != nil {
			return "", err
		}
		return fmt.Sprintf("%d finding(s)", len(fs)), nil
	})
}
