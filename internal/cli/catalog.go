package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func (e *env) catalogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Browse the HIPAA Security Rule controls (45 CFR 164.308–164.316)",
	}
	var family string
	list := &cobra.Command{
		Use:   "list",
		Short: "List standards and implementation specifications",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := e.catalog()
			if err != nil {
				return err
			}
			var out []hipaa.Control
			if family != "" {
				ok := false
				for _, f := range hipaa.Families {
					ok = ok || string(f) == family
				}
				if !ok {
					return hipaa.Errorf(hipaa.EInvalid, "unknown family %q: use administrative, physical, technical, organizational or documentation", family)
				}
			}
			for _, c := range cat.Controls {
				if family == "" || string(c.Family) == family {
					out = append(out, c)
				}
			}
			if e.format == "json" {
				return e.json(out)
			}
			tw := e.table()
			fmt.Fprintln(tw, "CITATION\tKIND\tREQUIREMENT\tTITLE")
			for _, c := range out {
				kind, title := "standard", c.Title
				if c.Kind == hipaa.KindSpecification {
					kind, title = "spec", "  "+c.Title
				}
				req := string(c.Requirement)
				if req == "" {
					req = "(by specs)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Citation, kind, req, title)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&family, "family", "", "only this family: administrative, physical, technical, organizational, documentation")
	show := &cobra.Command{
		Use:     "show CITATION",
		Short:   "Show one control with its plain-language summary and what the proposed rule would change",
		Example: `  safeguard catalog show "164.312(a)(2)(i)"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := e.catalog()
			if err != nil {
				return err
			}
			c, ok := cat.Control(args[0])
			if !ok {
				return hipaa.Errorf(hipaa.EInvalid, "no control %q in the catalog; closest: %s", args[0], strings.Join(cat.Suggest(args[0], 4), ", "))
			}
			if e.format == "json" {
				return e.json(c)
			}
			w := e.stdout
			fmt.Fprintf(w, "45 CFR %s — %s\n", c.Citation, c.Title)
			req := string(c.Requirement)
			if req == "" {
				req = "met through its implementation specifications"
			}
			fmt.Fprintf(w, "Kind: %s · Family: %s · Requirement: %s\n", strings.ReplaceAll(string(c.Kind), "_", " "), c.Family, req)
			if c.Parent != "" {
				if p, ok := cat.Control(c.Parent); ok {
					fmt.Fprintf(w, "Standard: %s %s\n", p.Citation, p.Title)
				}
			}
			var specs []string
			for _, s := range cat.Controls {
				if s.Parent == c.Citation {
					specs = append(specs, fmt.Sprintf("%s %s (%s)", s.Citation, s.Title, s.Requirement))
				}
			}
			if len(specs) > 0 {
				fmt.Fprintf(w, "Specifications:\n  %s\n", strings.Join(specs, "\n  "))
			}
			fmt.Fprintf(w, "\n%s\n\nProposed rule (90 FR 898, January 2025 — not final):\n%s\n", wrap(c.Summary, 100), wrap(c.ProposedChange, 100))
			if len(c.Crosswalk.NISTCSF)+len(c.Crosswalk.SP80053) > 0 {
				fmt.Fprintf(w, "\nNIST CSF 1.1: %s\nNIST SP 800-53 Rev. 5: %s\n", strings.Join(c.Crosswalk.NISTCSF, ", "), strings.Join(c.Crosswalk.SP80053, ", "))
			}
			var qs []string
			for _, q := range cat.Questions {
				for _, cit := range q.Citations {
					if cit == c.Citation {
						qs = append(qs, q.ID)
						break
					}
				}
			}
			if len(qs) > 0 {
				fmt.Fprintf(w, "Questions: %s\n", strings.Join(qs, ", "))
			}
			return nil
		},
	}
	cmd.AddCommand(list, show)
	return cmd
}

// wrap folds text at about n columns.
func wrap(s string, n int) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(s) {
		if col > 0 && col+1+len(word) > n {
			b.WriteByte('\n')
			col = 0
		} else if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}
