package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/demo"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

func (e *env) demoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Create a sample practice with a complete risk analysis, and show what to look at",
		Long: `Create "Riverside Family Medicine", a sample 23-person practice, in the database (by default
./safeguard.db): last year's finalized risk analysis and this year's, fully answered, with its
risk register and plan. Running it again replaces the sample and leaves other practices alone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cat, err := e.catalog()
			if err != nil {
				return err
			}
			db, err := e.open(ctx)
			if err != nil {
				return err
			}
			res, err := demo.Build(ctx, db, cat)
			if err != nil {
				return err
			}
			e.practiceRef = demo.Slug
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			st, err := svc.Status(ctx, res.Current.ID)
			if err != nil {
				return err
			}
			risks, err := svc.Scope.Risks(ctx, res.Current.ID, store.RiskFilter{})
			if err != nil {
				return err
			}
			d, err := svc.Diff(ctx, res.Previous.ID, res.Current.ID)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"practice": p, "previous": res.Previous, "current": res.Current, "status": st, "risks": len(risks), "changes": d})
			}
			w := e.stdout
			if res.Replaced {
				fmt.Fprintln(w, "Replaced the earlier sample practice.")
			}
			fmt.Fprintf(w, "Sample practice %q is in %s.\n\n", p.Name, db.Where())
			fmt.Fprintf(w, "Last year's risk analysis %s was finalized on %s by %s.\n", res.Previous.ID, date(*res.Previous.FinalizedAt), res.Previous.FinalizedBy)
			fmt.Fprintf(w, "This year's %s started from it: %d of %d questions answered, %d answers changed.\n\n",
				res.Current.ID, st.Answered, st.Applicable, len(d.Answers))
			fmt.Fprintf(w, "Score: %d/100", st.Score.Overall)
			if st.Score.Capped {
				fmt.Fprint(w, " (capped while a Required safeguard is missing)")
			}
			fmt.Fprintf(w, "\nRisks: %d critical, %d high, %d moderate, %d low\n\nTop risks:\n", st.RisksByLevel[hipaa.LevelCritical],
				st.RisksByLevel[hipaa.LevelHigh], st.RisksByLevel[hipaa.LevelModerate], st.RisksByLevel[hipaa.LevelLow])
			for i, r := range risks {
				if i == 5 {
					break
				}
				fmt.Fprintf(w, "  %-8s %s  %s (due %s)\n", r.Level, r.ID, truncate(r.Title, 80), r.Due)
			}
			if n := len(st.Contradictions); n > 0 {
				c := st.Contradictions[0]
				fmt.Fprintf(w, "\nEvidence contradicts %d answer(s). For example, %s was answered %s, but %s:\n  %s\n",
					n, c.QuestionID, c.Answer.Label(), c.Rule, truncate(c.Finding, 110))
			}
			fmt.Fprintf(w, `
What to look at next (add --db %s if you used another database):
  safeguard assess status --explain     how the score is made, control by control
  safeguard risks list                  the risk register
  safeguard risks show %s        one risk: where it comes from, its plan and history
  safeguard plan                        the risk management plan, by priority
  safeguard assess diff %s %s
                                        what changed since last year
  safeguard findings list               what the scan, firewall, vendor and staff checks found
  safeguard network map > map.svg       the network map (zones, devices, allowed flows)
  safeguard calendar --within 90d       every compliance duty with its due date
  safeguard report --out report.html    the Risk Analysis Report for an auditor (also .pdf, .xlsx)
  safeguard --practice %s user add you@example.org --name "Your Name" --role assessor
  safeguard serve                       then sign in at http://127.0.0.1:8080/ with the printed password
  safeguard catalog show "164.308(a)(1)(ii)(A)"
                                        a control in plain words
Set up your own practice with: safeguard init --name "Your Practice"
`, db.Where(), firstRiskID(risks), res.Previous.ID, res.Current.ID, demo.Slug)
			return nil
		},
	}
}

func firstRiskID(rs []*hipaa.Risk) string {
	if len(rs) == 0 {
		return "ID"
	}
	return rs[0].ID
}
