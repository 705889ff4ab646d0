package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

func (e *env) risksCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "risks",
		Short: "The risk register: list, show and update risks",
	}
	var assessmentID string
	cmd.PersistentFlags().StringVar(&assessmentID, "assessment", "", "assessment ID (default: the current draft, else the latest)")
	var minLevel, failOn string
	var all bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the risks, most serious first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := store.RiskFilter{IncludeInactive: all}
			if minLevel != "" {
				l, err := hipaa.ParseLevel(minLevel)
				if err != nil {
					return err
				}
				f.MinLevel = l
			}
			var fail hipaa.Level
			if failOn != "" {
				l, err := hipaa.ParseLevel(failOn)
				if err != nil {
					return err
				}
				fail = l
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			a, err := svc.Current(cmd.Context(), assessmentID)
			if err != nil {
				return err
			}
			risks, err := svc.Scope.Risks(cmd.Context(), a.ID, f)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if risks == nil {
					risks = []*hipaa.Risk{}
				}
				if err := e.json(risks); err != nil {
					return err
				}
			} else {
				tw := e.table()
				fmt.Fprintln(tw, "ID\tLEVEL\tL×I\tTREATMENT\tSTATUS\tOWNER\tDUE\tTITLE")
				for _, r := range risks {
					flag := ""
					if r.Contradicted {
						flag = " [evidence]"
					}
					fmt.Fprintf(tw, "%s\t%s\t%d×%d\t%s\t%s\t%s\t%s\t%s%s\n", r.ID, r.Level, r.Likelihood, r.Impact, r.Treatment, r.Status, truncate(r.Owner, 20), r.Due, truncate(r.Title, 80), flag)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%d risk(s) in %s.\n", len(risks), a.ID)
			}
			if fail != "" {
				n := 0
				for _, r := range risks {
					if r.Level.Rank() >= fail.Rank() && r.Status != hipaa.RiskDone && r.Status != hipaa.RiskAccepted {
						n++
					}
				}
				if n > 0 {
					return &foundError{msg: fmt.Sprintf("safeguard: %d open risk(s) at or above %s", n, fail)}
				}
			}
			return nil
		},
	}
	list.Flags().StringVar(&minLevel, "min-level", "", "only risks at or above this level: low, moderate, high, critical")
	list.Flags().StringVar(&failOn, "fail-on", "", "exit 1 if an open risk is at or above this level")
	list.Flags().BoolVar(&all, "all", false, "include risks that the current answers no longer raise")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a risk: where it comes from, its rating, plan and history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			r, active, err := svc.Scope.Risk(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			hist, err := svc.Scope.RiskHistory(cmd.Context(), r.ID)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if hist == nil {
					hist = []hipaa.RiskChange{}
				}
				return e.json(map[string]any{"risk": r, "active": active, "history": hist})
			}
			w := e.stdout
			fmt.Fprintf(w, "%s  %s\n", r.ID, r.Title)
			if v, ok := svc.Cat.Vulnerability(r.VulnerabilityID); ok {
				fmt.Fprintf(w, "Vulnerability: %s\n", indent(wrap(v.Description, 96), "  "))
			}
			if t, ok := svc.Cat.Threat(r.ThreatID); ok {
				fmt.Fprintf(w, "Threat (%s): %s\n", t.Source, indent(wrap(t.Description, 96), "  "))
			}
			fmt.Fprintf(w, "Level: %s — likelihood %d (%s) × impact %d (%s)", r.Level, r.Likelihood, hipaa.ScaleWords[r.Likelihood], r.Impact, hipaa.ScaleWords[r.Impact])
			if r.OverrideRationale != "" {
				fmt.Fprintf(w, ", set by the assessor (computed %d×%d): %s", r.ComputedLikelihood, r.ComputedImpact, r.OverrideRationale)
			}
			fmt.Fprintln(w)
			if r.ResidualLevel != "" {
				fmt.Fprintf(w, "Residual after planned controls: %s (%d×%d)\n", r.ResidualLevel, r.ResidualLikelihood, r.ResidualImpact)
			}
			fmt.Fprintf(w, "Citations: %s\n", strings.Join(r.Citations, ", "))
			if len(r.Assets) > 0 {
				fmt.Fprintf(w, "Affects: %s\n", strings.Join(r.Assets, ", "))
			}
			if v, ok := svc.Cat.Vulnerability(r.VulnerabilityID); ok {
				fmt.Fprintf(w, "Kinds of ePHI: %s · kinds of asset: %s\n", strings.ReplaceAll(strings.Join(v.EPHI, ", "), "_", " "), strings.ReplaceAll(strings.Join(v.Assets, ", "), "_", " "))
			}
			if r.Contradicted {
				fmt.Fprintln(w, "Evidence contradicts an answer that said this safeguard is in place.")
			}
			fmt.Fprintln(w, "Raised by:")
			for _, s := range r.Sources {
				fmt.Fprintf(w, "  %s %s — %s\n", s.Kind, s.Ref, s.Note)
			}
			if !active {
				fmt.Fprintln(w, "No longer raised by the current answers and findings.")
			}
			fmt.Fprintf(w, "Plan: %s · status %s · owner %s · due %s · effort %s\n", r.Treatment, r.Status, dash(r.Owner), dash(r.Due), dash(r.Effort))
			fmt.Fprintf(w, "Planned controls: %s\n", indent(wrap(r.PlannedControls, 96), "  "))
			if r.Treatment == hipaa.TreatAccept {
				fmt.Fprintf(w, "Accepted by %s: %s\n", r.Approver, r.AcceptanceRationale)
			}
			if len(hist) > 0 {
				fmt.Fprintln(w, "History:")
				for _, h := range hist {
					line := fmt.Sprintf("  %s %s: %s", h.At.Format("2006-01-02 15:04"), h.Actor, h.Field)
					if h.Before != "" || h.After != "" {
						line += fmt.Sprintf(" %s → %s", dash(h.Before), dash(h.After))
					}
					if h.Rationale != "" {
						line += " (" + h.Rationale + ")"
					}
					fmt.Fprintln(w, line)
				}
			}
			return nil
		},
	}
	cmd.AddCommand(list, show, e.risksUpdateCmd())
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (e *env) risksUpdateCmd() *cobra.Command {
	var likelihood, impact, resL, resI int
	var rationale, treatment, status, owner, due, planned, effort, approver, acceptRationale string
	var clear bool
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a risk's rating (with a rationale) or its plan",
		Example: `  safeguard risks update R-1a2b3c4d --owner "Dana Ortiz" --due 2026-12-31 --status in_progress
  safeguard risks update R-1a2b3c4d --likelihood 2 --rationale "Server closet is badge-only since June"
  safeguard risks update R-1a2b3c4d --treatment accept --approver "Dr. Lee" --acceptance-rationale "Legacy imaging PC is isolated; replaced in Q2"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			var u assess.Update
			intp := func(name string, v int) *int {
				if f.Changed(name) {
					x := v
					return &x
				}
				return nil
			}
			strp := func(name, v string) *string {
				if f.Changed(name) {
					x := v
					return &x
				}
				return nil
			}
			u.Likelihood, u.Impact = intp("likelihood", likelihood), intp("impact", impact)
			u.ResidualLikelihood, u.ResidualImpact = intp("residual-likelihood", resL), intp("residual-impact", resI)
			u.Rationale, u.ClearOverride = rationale, clear
			u.Owner, u.Due, u.PlannedControls = strp("owner", owner), strp("due", due), strp("planned", planned)
			u.Effort, u.Approver, u.AcceptanceRationale = strp("effort", effort), strp("approver", approver), strp("acceptance-rationale", acceptRationale)
			if f.Changed("treatment") {
				t, err := hipaa.ParseTreatment(treatment)
				if err != nil {
					return err
				}
				u.Treatment = &t
			}
			if f.Changed("status") {
				s, err := hipaa.ParseRiskStatus(status)
				if err != nil {
					return err
				}
				u.Status = &s
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			r, err := svc.UpdateRisk(cmd.Context(), args[0], u)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(r)
			}
			fmt.Fprintf(e.stdout, "Updated %s: %s, %s, owner %s, due %s.\n", r.ID, r.Level, r.Status, dash(r.Owner), dash(r.Due))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&likelihood, "likelihood", 0, "likelihood 1–5 (needs --rationale)")
	f.IntVar(&impact, "impact", 0, "impact 1–5 (needs --rationale)")
	f.StringVar(&rationale, "rationale", "", "why the rating differs from the computed one")
	f.BoolVar(&clear, "clear-override", false, "go back to the computed likelihood and impact")
	f.IntVar(&resL, "residual-likelihood", 0, "expected likelihood once planned controls are in place")
	f.IntVar(&resI, "residual-impact", 0, "expected impact once planned controls are in place")
	f.StringVar(&treatment, "treatment", "", "mitigate, accept, transfer or avoid")
	f.StringVar(&status, "status", "", "open, in_progress, done or accepted")
	f.StringVar(&owner, "owner", "", "who is responsible")
	f.StringVar(&due, "due", "", "due date, YYYY-MM-DD")
	f.StringVar(&planned, "planned", "", "the planned controls")
	f.StringVar(&effort, "effort", "", "low, medium or high")
	f.StringVar(&approver, "approver", "", "who approved accepting the risk")
	f.StringVar(&acceptRationale, "acceptance-rationale", "", "why the risk is acceptable")
	return cmd
}

func (e *env) planCmd() *cobra.Command {
	var assessmentID string
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "The risk management plan: every open risk with its treatment, owner and due date",
		Long:  "The risk management plan (164.308(a)(1)(ii)(B)), by priority.\n" + assess.DueNote,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, p, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			a, err := svc.Current(cmd.Context(), assessmentID)
			if err != nil {
				return err
			}
			actions, err := svc.Plan(cmd.Context(), a.ID)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if actions == nil {
					actions = []assess.PlanAction{}
				}
				return e.json(map[string]any{"assessment": a.ID, "note": assess.DueNote, "actions": actions})
			}
			today := svc.Scope.DB().Now().Format("2006-01-02")
			fmt.Fprintf(e.stdout, "Risk management plan — %s — %s\n%d actions cover the open risks; each names the risks it treats.\n", p.Name, a.Title, len(actions))
			for i, x := range actions {
				due := x.Due
				if due != "" && due < today && x.Status != hipaa.RiskDone && x.Status != hipaa.RiskAccepted {
					due += " (OVERDUE)"
				}
				fmt.Fprintf(e.stdout, "\n%d. [%s] %s\n   %s\n   Owner: %s · due %s · %s · effort %s · 45 CFR %s\n   Treats: %s (%s)\n",
					i+1, x.Level, x.Title, indent(wrap(x.Action, 94), "   "), dash(x.Owner), dash(due), strings.ReplaceAll(string(x.Status), "_", " "),
					dash(x.Effort), strings.Join(x.Citations, ", "), strings.Join(x.Threats, "; "), strings.Join(x.Risks, " "))
			}
			fmt.Fprintf(e.stdout, "\n%s\n", wrap(assess.DueNote, 100))
			return nil
		},
	}
	cmd.Flags().StringVar(&assessmentID, "assessment", "", "assessment ID (default: the current draft, else the latest)")
	return cmd
}
