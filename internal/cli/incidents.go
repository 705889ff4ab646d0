package cli

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/incident"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

func (e *env) breachCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "breach",
		Short: "Breach notification deadlines (164.404–164.410)",
	}
	var discovered string
	var affected, state int
	var ba bool
	dl := &cobra.Command{
		Use:   "deadlines --discovered DATE --affected N [--state-residents N]",
		Short: "The latest dates for each breach notice, from the discovery date (no database needed)",
		Long: `Compute the outer limits for the notices a breach of unsecured PHI requires, counted from the day
it was discovered:

  individuals          within 60 calendar days                                   164.404(b)
  HHS, 500 or more     at the same time as the individuals                       164.408(b)
  HHS, fewer than 500  within 60 days after the end of the calendar year         164.408(c)
  media                when more than 500 residents of one State are affected    164.406
  covered entity       from its business associate, within 60 days               164.410

Every notice is due without unreasonable delay; these are the latest permitted dates. State
laws may set shorter ones.`,
		Example: `  safeguard breach deadlines --discovered 2026-03-01 --affected 620 --state-residents 620
  safeguard breach deadlines --discovered 2026-03-01 --affected 120 --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := hipaa.ParseDate("--discovered", discovered)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("affected") {
				return hipaa.Errorf(hipaa.EInvalid, "--affected is required: the number of individuals whose unsecured PHI was involved")
			}
			if !cmd.Flags().Changed("state-residents") {
				state = -1
			} else if state < 0 {
				return hipaa.Errorf(hipaa.EInvalid, "--state-residents %d: give 0 or more", state)
			}
			facts := incident.BreachFacts{Discovered: d, Affected: affected, StateResidents: state, BusinessAssociate: ba}
			ds, err := incident.Deadlines(facts)
			if err != nil {
				return err
			}
			if e.format == "json" {
				out := map[string]any{"discovered": d.Format(hipaa.DateLayout), "affected": affected, "deadlines": ds}
				if state >= 0 {
					out["state_residents"] = state
				}
				return e.json(out)
			}
			fmt.Fprintf(e.stdout, "Breach discovered %s, %d individual(s) affected.\n\n", d.Format(hipaa.DateLayout), affected)
			e.printDeadlines(ds, nil)
			fmt.Fprintln(e.stdout, "\nThese are outer limits: give every notice without unreasonable delay. Check State law for shorter deadlines.")
			return nil
		},
	}
	f := dl.Flags()
	f.StringVar(&discovered, "discovered", "", "the day the breach was discovered (YYYY-MM-DD)")
	f.IntVar(&affected, "affected", 0, "number of individuals affected")
	f.IntVar(&state, "state-residents", 0, "the largest number of affected residents of any one State or jurisdiction")
	f.BoolVar(&ba, "business-associate", false, "the breach was discovered by a business associate, who must tell its covered entity")
	cmd.AddCommand(dl)
	return cmd
}

// printDeadlines prints a deadline table; sent, if given, adds when each notice was given.
func (e *env) printDeadlines(ds []incident.Deadline, sent map[incident.Recipient]string) {
	tw := e.table()
	head := "NOTICE TO\tBY\tRULE\tWHY"
	if sent != nil {
		head = "NOTICE TO\tBY\tSENT\tRULE\tWHY"
	}
	fmt.Fprintln(tw, head)
	for _, d := range ds {
		by := d.Due
		switch d.Requirement {
		case incident.NotRequired:
			by = "not required"
		case incident.Conditional:
			by = d.Due + " if required"
		}
		if sent != nil {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Recipient.Label(), by, orDash(sent[d.Recipient]), d.Citation, d.Explanation)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Recipient.Label(), by, d.Citation, d.Explanation)
		}
	}
	tw.Flush()
}

func (e *env) incidentsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "incidents",
		Short: "The security incident log, breach risk assessments and notices",
		Long: `The incident log of 164.308(a)(6): every suspected or actual security incident, what was done
and how it ended. For an incident that involved PHI, "incidents assess" walks through the
four-factor breach risk assessment of 164.402(2) and documents the outcome; for a breach it shows
the notice deadlines, and "incidents notify" records each notice given. INC-01 is raised when a
breach decision or a required notice is late. Never write patient names in the log.`,
	}
	cmd.AddCommand(e.incAddCmd(), e.incListCmd(), e.incShowCmd(), e.incUpdateCmd(), e.incAssessCmd(), e.incNotifyCmd())
	return cmd
}

func (e *env) incAddCmd() *cobra.Command {
	var in incident.Incident
	var phi string
	cmd := &cobra.Command{
		Use:     "add --title TEXT --discovered DATE [flags]",
		Short:   "Log a security incident",
		Example: `  safeguard incidents add --title "Laptop stolen from a car" --category lost_device --discovered 2026-03-01 --phi yes`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in.PHIInvolved = incident.Involvement(phi)
			if err := in.Validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			res, err := svc.Record(ctx, func(tx *store.Scope) error {
				if err := tx.PutIncident(ctx, &in); err != nil {
					return err
				}
				if in.PHIInvolved == incident.PHINo {
					return nil
				}
				// An incident that may have touched ePHI calls for a look at the risk analysis.
				return e.govChangeEvent(ctx, tx, hipaa.ChangeIncident, "incident "+in.ID+" ("+in.Category+")", in.DiscoveredOn)
			})
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"incident": in, "findings": govFindingsOf(res, incident.Source)})
			}
			fmt.Fprintf(e.stdout, "Logged incident %s, discovered %s.\n", in.ID, in.DiscoveredOn)
			if in.PHIInvolved != incident.PHINo {
				fmt.Fprintf(e.stdout, "PHI may be involved: document the breach decision with `safeguard incidents assess %s` well before %s (60 days after discovery).\n",
					in.ID, govDate(in.DiscoveredOn).AddDate(0, 0, incident.NoticeDays).Format(hipaa.DateLayout))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Title, "title", "", "what happened, in a few words (no patient names)")
	f.StringVar(&in.Category, "category", "", "kind: "+strings.Join(incidentCategories(), ", "))
	f.StringVar(&in.DiscoveredOn, "discovered", "", "the day anyone in the practice first knew of it (YYYY-MM-DD)")
	f.StringVar(&in.OccurredOn, "occurred", "", "the day it happened, if known (YYYY-MM-DD)")
	f.StringVar(&phi, "phi", "unknown", "was PHI involved: yes, no or unknown")
	f.StringVar(&in.ReportedBy, "reported-by", "", "who reported it")
	f.StringVar(&in.Description, "description", "", "what happened and what was done first (no patient names)")
	return cmd
}

func incidentCategories() []string {
	var out []string
	for k := range incident.Categories {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (e *env) incListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the incident log, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			list, err := scope.Incidents(cmd.Context())
			if err != nil {
				return err
			}
			for _, in := range list {
				in.Deadlines = in.Schedule()
			}
			if e.format == "json" {
				if list == nil {
					list = []*incident.Incident{}
				}
				return e.json(list)
			}
			if len(list) == 0 {
				fmt.Fprintln(e.stdout, "The incident log is empty.")
				return nil
			}
			tw := e.table()
			fmt.Fprintln(tw, "ID\tDISCOVERED\tCATEGORY\tSTATUS\tPHI\tBREACH DECISION\tNEXT NOTICE DUE\tTITLE")
			for _, in := range list {
				decision := "-"
				if in.Assessment != nil {
					decision = string(in.Assessment.Outcome)
				} else if in.PHIInvolved != incident.PHINo {
					decision = "PENDING"
				}
				next := "-"
				for _, d := range in.Deadlines {
					if d.Requirement == incident.Required && d.SentOn == "" && (next == "-" || d.Due < next) {
						next = d.Due
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.DiscoveredOn, in.Category, in.Status, in.PHIInvolved, decision, next, truncate(in.Title, 40))
			}
			return tw.Flush()
		},
	}
}

func (e *env) incShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show an incident with its breach assessment and notice deadlines",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			in, err := scope.Incident(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			in.Deadlines = in.Schedule()
			if e.format == "json" {
				return e.json(in)
			}
			w := e.stdout
			fmt.Fprintf(w, "%s  %s\nCategory: %s   status: %s   PHI involved: %s\n", in.ID, in.Title, in.Category, in.Status, in.PHIInvolved)
			fmt.Fprintf(w, "Discovered %s", in.DiscoveredOn)
			if in.OccurredOn != "" {
				fmt.Fprintf(w, ", occurred %s", in.OccurredOn)
			}
			if in.ReportedBy != "" {
				fmt.Fprintf(w, ", reported by %s", in.ReportedBy)
			}
			fmt.Fprintln(w)
			for _, f := range []struct{ label, text string }{{"Description", in.Description}, {"Actions", in.Actions}, {"Outcome", in.Outcome}} {
				if f.text != "" {
					fmt.Fprintf(w, "%s: %s\n", f.label, indent(wrap(f.text, 96), "  "))
				}
			}
			if in.ClosedOn != "" {
				fmt.Fprintf(w, "Closed %s\n", in.ClosedOn)
			}
			a := in.Assessment
			if a == nil {
				if in.PHIInvolved != incident.PHINo {
					fmt.Fprintf(w, "\nNo breach decision yet: run `safeguard incidents assess %s`.\n", in.ID)
				}
				return nil
			}
			fmt.Fprintf(w, "\nBreach risk assessment (164.402), decided by %s on %s:\n", a.DecidedBy, a.DecidedOn)
			switch {
			case a.Secured:
				fmt.Fprintf(w, "  Secured: %s\n", a.SecuredNote)
			case a.Exception != incident.ExceptionNone:
				fmt.Fprintf(w, "  Exception %s: %s\n", a.Exception, a.ExceptionNote)
			default:
				for _, g := range incident.FactorGuide {
					f := factorOf(a, g.Key)
					fmt.Fprintf(w, "  %-50s %-9s %s\n", g.Title+" ("+g.Citation+")", f.Rating, f.Note)
				}
				if len(a.Identifiers) > 0 {
					fmt.Fprintf(w, "  Kinds of information: %s\n", strings.Join(a.Identifiers, ", "))
				}
			}
			fmt.Fprintf(w, "Outcome: %s\n  %s\n", a.Outcome.Label(), indent(wrap(a.Rationale, 96), "  "))
			if len(in.Deadlines) > 0 {
				sent := map[incident.Recipient]string{}
				var ds []incident.Deadline
				for _, d := range in.Deadlines {
					sent[d.Recipient] = d.SentOn
					ds = append(ds, d.Deadline)
				}
				fmt.Fprintf(w, "\nNotices (%d affected):\n", a.Affected)
				e.printDeadlines(ds, sent)
			}
			return nil
		},
	}
}

func factorOf(a *incident.Assessment, key string) incident.Factor {
	switch key {
	case "nature":
		return a.Nature
	case "recipient":
		return a.Recipient
	case "acquired":
		return a.Acquired
	}
	return a.Mitigation
}

func (e *env) incUpdateCmd() *cobra.Command {
	var status, actions, outcome, closed, description, phi string
	cmd := &cobra.Command{
		Use:   "update ID [flags]",
		Short: "Update an incident: status, actions taken, outcome",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			in, err := svc.Scope.Incident(ctx, args[0])
			if err != nil {
				return err
			}
			f := cmd.Flags()
			if f.Changed("status") {
				st, err := incident.ParseStatus(status)
				if err != nil {
					return err
				}
				in.Status = st
				if st == incident.StatusClosed && !f.Changed("closed") && in.ClosedOn == "" {
					in.ClosedOn = app.Today(p, svc.Scope.DB().Now())
				}
			}
			if f.Changed("actions") {
				in.Actions = actions
			}
			if f.Changed("outcome") {
				in.Outcome = outcome
			}
			if f.Changed("description") {
				in.Description = description
			}
			if f.Changed("closed") {
				in.ClosedOn = closed
			}
			if f.Changed("phi") {
				in.PHIInvolved = incident.Involvement(phi)
			}
			if err := in.Validate(); err != nil {
				return err
			}
			if in.Status == incident.StatusClosed && in.PHIInvolved != incident.PHINo && in.Assessment == nil {
				return hipaa.Errorf(hipaa.EInvalid, "incident %s may involve PHI and has no breach decision: document it with `safeguard incidents assess %s` before closing", in.ID, in.ID)
			}
			res, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.PutIncident(ctx, in) })
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"incident": in, "findings": govFindingsOf(res, incident.Source)})
			}
			fmt.Fprintf(e.stdout, "Updated incident %s (%s).\n", in.ID, in.Status)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", "", "open, contained or closed")
	f.StringVar(&actions, "actions", "", "what was done to contain and fix it")
	f.StringVar(&outcome, "outcome", "", "how it ended and the lessons learned")
	f.StringVar(&description, "description", "", "what happened (no patient names)")
	f.StringVar(&closed, "closed", "", "date it was closed (YYYY-MM-DD; default today when --status closed)")
	f.StringVar(&phi, "phi", "", "was PHI involved: yes, no or unknown")
	return cmd
}

func (e *env) incAssessCmd() *cobra.Command {
	var from string
	var template bool
	cmd := &cobra.Command{
		Use:   "assess ID [--from FORM.yaml | --template]",
		Short: "The four-factor breach risk assessment (164.402(2)), guided or from a YAML form",
		Long: `Decide whether an incident is a breach that must be notified, and document why.

Without --from, asks the questions one by one: was the PHI secured (encrypted), does one of the
three exceptions apply, then the four factors of 164.402(2) each rated low, moderate, high or
unknown with the facts behind the rating. Only four low ratings show a low probability of
compromise; anything else is a breach. --template prints a YAML form to fill in and pass back
with --from. The decision, its reasons, who decided and when are saved with the incident.`,
		Example: `  safeguard incidents assess inc_01jx… 
  safeguard incidents assess inc_01jx… --template > breach-form.yaml
  safeguard incidents assess inc_01jx… --from breach-form.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			in, err := svc.Scope.Incident(ctx, args[0])
			if err != nil {
				return err
			}
			if template {
				fmt.Fprint(e.stdout, incident.FormTemplate(in))
				return nil
			}
			var a *incident.Assessment
			if from != "" {
				data, err := os.ReadFile(from)
				if err != nil {
					return hipaa.Errorf(hipaa.EInvalid, "cannot read form %s: %s", from, firstLine(unwrapPathError(err)))
				}
				if a, err = incident.ReadForm(from, data, in.DiscoveredOn); err != nil {
					return err
				}
			} else {
				if a, err = e.askBreach(in, app.Today(p, svc.Scope.DB().Now())); err != nil {
					return err
				}
			}
			in.Assessment = a
			if err := in.Validate(); err != nil {
				return err
			}
			res, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.PutIncident(ctx, in) })
			if err != nil {
				return err
			}
			in.Deadlines = in.Schedule()
			if e.format == "json" {
				return e.json(map[string]any{"incident": in, "findings": govFindingsOf(res, incident.Source)})
			}
			fmt.Fprintf(e.stdout, "\nOutcome: %s\n%s\n", a.Outcome.Label(), wrap(a.Rationale, 100))
			if len(in.Deadlines) > 0 {
				var ds []incident.Deadline
				for _, d := range in.Deadlines {
					ds = append(ds, d.Deadline)
				}
				fmt.Fprintln(e.stdout)
				e.printDeadlines(ds, nil)
				fmt.Fprintf(e.stdout, "\nRecord each notice as it goes out: `safeguard incidents notify %s --to individuals --on DATE`.\n", in.ID)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "read the assessment from this YAML form")
	cmd.Flags().BoolVar(&template, "template", false, "print a YAML form for this incident, to fill in")
	return cmd
}

// askBreach walks a person through the breach risk assessment on the terminal.
func (e *env) askBreach(in *incident.Incident, today string) (*incident.Assessment, error) {
	ask := e.lineReader()
	w := e.stdout
	quit := hipaa.Errorf(hipaa.EInvalid, "breach assessment stopped before the end: nothing was saved")
	yesNo := func(prompt string) (bool, error) {
		for {
			line, ok := ask(prompt + " [y/n] > ")
			if !ok {
				return false, quit
			}
			switch strings.ToLower(line) {
			case "y", "yes":
				return true, nil
			case "n", "no":
				return false, nil
			}
			fmt.Fprintln(w, "  Please answer y or n.")
		}
	}
	text := func(prompt string) (string, error) {
		for {
			line, ok := ask(prompt + " > ")
			if !ok {
				return "", quit
			}
			if line != "" {
				return line, nil
			}
			fmt.Fprintln(w, "  This needs an answer: it documents the decision.")
		}
	}
	number := func(prompt string, allowBlank bool) (int, error) {
		for {
			line, ok := ask(prompt + " > ")
			if !ok {
				return 0, quit
			}
			if line == "" && allowBlank {
				return -1, nil
			}
			n, err := strconv.Atoi(line)
			if err == nil && n >= 0 {
				return n, nil
			}
			fmt.Fprintln(w, "  Please give a whole number, 0 or more.")
		}
	}
	a := &incident.Assessment{Exception: incident.ExceptionNone, StateResidents: -1, Identifiers: []string{}}
	fmt.Fprintf(w, "Breach risk assessment for incident %s: %s (discovered %s)\nDo not type patient names. Ctrl-D stops without saving.\n\n", in.ID, in.Title, in.DiscoveredOn)
	var err error
	if a.Secured, err = yesNo("1. Was the information encrypted (or destroyed) as HHS guidance describes, with the key or password not exposed?"); err != nil {
		return nil, err
	}
	if a.Secured {
		if a.SecuredNote, err = text("   How was it secured?"); err != nil {
			return nil, err
		}
	} else {
		fmt.Fprintln(w, "\n2. Does one of these exceptions (164.402(1)) apply?")
		for i, x := range incident.Exceptions {
			fmt.Fprintf(w, "   %d. %s\n", i+1, indent(wrap(x.Text, 92), "      "))
		}
		for {
			line, ok := ask("   Number, or Enter for none > ")
			if !ok {
				return nil, quit
			}
			if line == "" {
				break
			}
			if x, perr := incident.ParseException(line); perr == nil {
				a.Exception = x
				break
			}
			fmt.Fprintln(w, "  Please give 1, 2, 3 or press Enter.")
		}
		if a.Exception != incident.ExceptionNone {
			if a.ExceptionNote, err = text("   Why does it apply?"); err != nil {
				return nil, err
			}
		} else {
			fmt.Fprintln(w, "\n3. The four factors. Rate each low, moderate, high or unknown: how far it points to the information having been compromised.")
			for i, g := range incident.FactorGuide {
				fmt.Fprintf(w, "\n   %c. %s (%s)\n   %s\n     low:  %s\n     high: %s\n", 'a'+i, g.Title, g.Citation,
					indent(wrap(g.Ask, 92), "   "), indent(wrap(g.Low, 86), "           "), indent(wrap(g.High, 86), "           "))
				if g.Key == "nature" {
					fmt.Fprintf(w, "   Kinds of information (comma-separated): %s\n", strings.Join(identifierKeys(), ", "))
					for {
						line, ok := ask("   Kinds involved > ")
						if !ok {
							return nil, quit
						}
						var ids []string
						bad := ""
						for _, s := range strings.Split(line, ",") {
							if s = strings.TrimSpace(strings.ToLower(s)); s == "" {
								continue
							}
							if _, ok := incident.Identifiers[s]; !ok {
								bad = s
							}
							ids = append(ids, s)
						}
						if bad == "" {
							a.Identifiers = ids
							break
						}
						fmt.Fprintf(w, "  %q is not one of the kinds listed.\n", bad)
					}
				}
				f := factorPtr(a, g.Key)
				for {
					line, ok := ask("   Rating [low/moderate/high/unknown] > ")
					if !ok {
						return nil, quit
					}
					if r, ok := incident.ParseRating(line); ok {
						f.Rating = r
						break
					}
					fmt.Fprintln(w, "  Please answer low, moderate, high or unknown.")
				}
				if f.Note, err = text("   The facts behind this rating"); err != nil {
					return nil, err
				}
			}
		}
	}
	fmt.Fprintln(w, "\n4. Numbers for the notice deadlines.")
	if a.Affected, err = number("   How many individuals' information was involved?", false); err != nil {
		return nil, err
	}
	if a.StateResidents, err = number("   The most of them living in any one State (Enter if not counted)?", true); err != nil {
		return nil, err
	}
	if a.BusinessAssociate, err = yesNo("   Did you handle this PHI as a business associate of another covered entity?"); err != nil {
		return nil, err
	}
	if a.DecidedBy, err = text("\n5. Your full name, as the person making this decision"); err != nil {
		return nil, err
	}
	a.DecidedOn = today
	return a, nil
}

func factorPtr(a *incident.Assessment, key string) *incident.Factor {
	switch key {
	case "nature":
		return &a.Nature
	case "recipient":
		return &a.Recipient
	case "acquired":
		return &a.Acquired
	}
	return &a.Mitigation
}

func identifierKeys() []string {
	var out []string
	for k := range incident.Identifiers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (e *env) incNotifyCmd() *cobra.Command {
	var to, on, note string
	cmd := &cobra.Command{
		Use:     "notify ID --to RECIPIENT --on DATE",
		Short:   "Record a breach notice given: individuals, hhs, media or covered_entity",
		Example: `  safeguard incidents notify inc_01jx… --to individuals --on 2026-04-20 --note "first-class mail, 120 letters"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := incident.ParseRecipient(to)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			in, err := svc.Scope.Incident(ctx, args[0])
			if err != nil {
				return err
			}
			if in.Sent(r) != "" {
				return hipaa.Errorf(hipaa.EConflict, "the notice to %s was already recorded as given on %s", r.Label(), in.Sent(r))
			}
			in.Notices = append(in.Notices, incident.Notice{Recipient: r, SentOn: on, Note: note})
			if err := in.Validate(); err != nil {
				return err
			}
			res, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.PutIncident(ctx, in) })
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"incident": in, "findings": govFindingsOf(res, incident.Source)})
			}
			n := in.Notices[len(in.Notices)-1]
			fmt.Fprintf(e.stdout, "Recorded the notice to %s on %s.\n", r.Label(), n.SentOn)
			for _, d := range in.Schedule() {
				if d.Recipient == r && d.Requirement == incident.Required && n.SentOn > d.Due {
					fmt.Fprintf(e.stdout, "It was due by %s (%s): record the reason for the delay in the incident's outcome.\n", d.Due, d.Citation)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "who was told: individuals, hhs, media or covered_entity")
	f.StringVar(&on, "on", "", "the date the notice was given (YYYY-MM-DD)")
	f.StringVar(&note, "note", "", "how it was given (mail, portal, press release…)")
	return cmd
}
