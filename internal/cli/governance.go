package cli

import (
	"fmt"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// govPrintFindings prints, after a change to the vendor register, roster,
// policies or incident log, the open findings of the given sources, so the
// person sees at once what the change means for the risk analysis.
func (e *env) govPrintFindings(res *app.GovernanceResult, sources ...string) {
	if res == nil {
		return
	}
	want := map[string]bool{}
	for _, s := range sources {
		want[s] = true
	}
	var lines []string
	for _, f := range res.Findings {
		if len(want) > 0 && !want[f.Source] {
			continue
		}
		lines = append(lines, fmt.Sprintf("  %-8s %-7s %s", f.Severity, f.Rule, f.Title))
	}
	if len(lines) == 0 {
		fmt.Fprintln(e.stdout, "No open findings here.")
	} else {
		fmt.Fprintf(e.stdout, "%d open finding(s):\n%s\n", len(lines), strings.Join(lines, "\n"))
	}
	if res.Reassessed != "" {
		fmt.Fprintf(e.stdout, "Risks of draft assessment %s re-evaluated; see `safeguard risks list`.\n", res.Reassessed)
	}
}

// govFailOn returns a foundError when an open finding of the given sources is
// at or above the --fail-on severity.
func govFailOn(res *app.GovernanceResult, failOn string, sources ...string) error {
	if failOn == "" || res == nil {
		return nil
	}
	sev, err := hipaa.ParseSeverity(failOn)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, s := range sources {
		want[s] = true
	}
	n := 0
	for _, f := range res.Findings {
		if (len(want) == 0 || want[f.Source]) && f.Severity.Rank() >= sev.Rank() {
			n++
		}
	}
	if n > 0 {
		return &foundError{msg: fmt.Sprintf("safeguard: %d open finding(s) at or above %s", n, sev)}
	}
	return nil
}

// govCheckFailOn validates a --fail-on value before anything runs.
func govCheckFailOn(failOn string) error {
	if failOn == "" {
		return nil
	}
	_, err := hipaa.ParseSeverity(failOn)
	return err
}

// govFindingsOf returns the findings of the given sources.
func govFindingsOf(res *app.GovernanceResult, sources ...string) []*hipaa.Finding {
	out := []*hipaa.Finding{}
	want := map[string]bool{}
	for _, s := range sources {
		want[s] = true
	}
	for _, f := range res.Findings {
		if want[f.Source] {
			out = append(out, f)
		}
	}
	return out
}

// orDash returns s, or "-" when s is empty, for table cells.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
