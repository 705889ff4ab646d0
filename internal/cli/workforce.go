package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/workforce"
)

func (e *env) workforceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workforce",
		Short: "The roster, security official, training, reminders, sanctions and access removal",
		Long: `Records about the people who work for the practice:

  roster and the named security official   164.308(a)(2)
  security training, reminders              164.308(a)(5)   (TRN-01 when training is overdue)
  sanctions                                 164.308(a)(1)(ii)(C)
  access-termination checklists             164.308(a)(3)(ii)(C)   (TRM-01 open items, TRM-02 slower than one hour)

Training is due within 30 days of getting access and every 12 months after, and access is to be
removed within one hour of leaving: both are the proposed rule's timing (90 FR 898, not final),
used as the yardstick because the current rule sets no numbers.`,
	}
	cmd.AddCommand(e.wfAddCmd(), e.wfListCmd(), e.wfShowCmd(), e.wfUpdateCmd(), e.wfOfficialCmd(), e.wfTrainCmd(), e.wfTrainingCmd(),
		e.wfRemindCmd(), e.wfRemindersCmd(), e.wfSanctionCmd(), e.wfSanctionsCmd(), e.wfLeaveCmd(), e.wfRevokeCmd(), e.wfCheckCmd())
	return cmd
}

func (e *env) wfAddCmd() *cobra.Command {
	var m workforce.Member
	var official bool
	cmd := &cobra.Command{
		Use:     "add --name NAME [flags]",
		Short:   "Add a person to the roster",
		Example: `  safeguard workforce add --name "Ana Lopez" --role nurse --access-granted 2026-09-01`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := m.Validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			res, err := svc.Record(ctx, func(tx *store.Scope) error {
				if err := tx.PutMember(ctx, &m); err != nil {
					return err
				}
				if official {
					_, err := tx.SetSecurityOfficial(ctx, m.ID)
					m.SecurityOfficial = err == nil
					return err
				}
				return nil
			})
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"member": m, "findings": govFindingsOf(res, workforce.Source)})
			}
			fmt.Fprintf(e.stdout, "Added %s to the roster (id %s).\n", m.Name, m.ID)
			if official {
				fmt.Fprintf(e.stdout, "%s is now the security official (164.308(a)(2)).\n", m.Name)
			}
			e.govPrintFindings(res, workforce.Source)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&m.Name, "name", "", "full name (required)")
	f.StringVar(&m.Role, "role", "", "job role, e.g. nurse, front desk, billing, physician")
	f.StringVar(&m.Email, "email", "", "work e-mail")
	f.StringVar(&m.AccessGrantedOn, "access-granted", "", "date the person first got access to ePHI (YYYY-MM-DD)")
	f.BoolVar(&official, "official", false, "name this person the security official")
	return cmd
}

func (e *env) wfUpdateCmd() *cobra.Command {
	var name, role, email, granted string
	cmd := &cobra.Command{
		Use:   "update PERSON [flags]",
		Short: "Change a person's roster entry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			m, err := svc.Scope.Member(ctx, args[0])
			if err != nil {
				return err
			}
			f := cmd.Flags()
			if f.Changed("name") {
				m.Name = name
			}
			if f.Changed("role") {
				m.Role = role
			}
			if f.Changed("email") {
				m.Email = email
			}
			if f.Changed("access-granted") {
				m.AccessGrantedOn = granted
			}
			if err := m.Validate(); err != nil {
				return err
			}
			res, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.PutMember(ctx, m) })
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"member": m, "findings": govFindingsOf(res, workforce.Source)})
			}
			fmt.Fprintf(e.stdout, "Updated %s.\n", m.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "full name")
	f.StringVar(&role, "role", "", "job role")
	f.StringVar(&email, "email", "", "work e-mail")
	f.StringVar(&granted, "access-granted", "", "date the person first got access to ePHI (YYYY-MM-DD)")
	return cmd
}

func (e *env) wfListCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the roster with each person's training status",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			tr, err := svc.Training(ctx)
			if err != nil {
				return err
			}
			members := tr.Members
			statuses := map[string]workforce.TrainingStatus{}
			for _, st := range tr.Statuses {
				statuses[st.Member.ID] = st
			}
			type row struct {
				*workforce.Member
				TrainingDue     string `json:"training_due,omitempty"`
				TrainingOverdue bool   `json:"training_overdue"`
			}
			out := []row{}
			for _, m := range members {
				if !all && !m.Active() {
					continue
				}
				st := statuses[m.ID]
				out = append(out, row{Member: m, TrainingDue: st.Due, TrainingOverdue: st.Overdue})
			}
			if e.format == "json" {
				return e.json(out)
			}
			if len(out) == 0 {
				fmt.Fprintln(e.stdout, "The roster is empty: add people with `safeguard workforce add --name NAME`.")
				return nil
			}
			tw := e.table()
			fmt.Fprintln(tw, "NAME\tROLE\tACCESS SINCE\tTRAINING DUE\tSTATUS")
			for _, r := range out {
				status := "active"
				switch {
				case !r.Active():
					status = "left " + r.LeftAt.In(practiceLoc(p)).Format("2006-01-02 15:04")
				case r.TrainingOverdue:
					status = "TRAINING OVERDUE"
				}
				name := r.Name
				if r.SecurityOfficial {
					name += " (security official)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, orDash(r.Role), orDash(r.AccessGrantedOn), orDash(r.TrainingDue), status)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include people who have left")
	return cmd
}

// practiceLoc returns the practice's time zone.
func practiceLoc(p *hipaa.Practice) *time.Location {
	l, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return time.UTC
	}
	return l
}

func (e *env) wfShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show PERSON",
		Short: "Show a person's record: training, sanctions and access-termination checklist",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			m, err := svc.Scope.Member(ctx, args[0])
			if err != nil {
				return err
			}
			trainings, err := svc.Scope.Trainings(ctx)
			if err != nil {
				return err
			}
			sanctions, err := svc.Scope.Sanctions(ctx)
			if err != nil {
				return err
			}
			terms, err := svc.Scope.Terminations(ctx)
			if err != nil {
				return err
			}
			mine := []*workforce.Training{}
			for _, t := range trainings {
				if t.MemberID == m.ID {
					mine = append(mine, t)
				}
			}
			myS := []*workforce.Sanction{}
			for _, s := range sanctions {
				if s.MemberID == m.ID {
					myS = append(myS, s)
				}
			}
			var term *workforce.Termination
			for _, t := range terms {
				if t.Member.ID == m.ID {
					term = t
				}
			}
			if e.format == "json" {
				return e.json(map[string]any{"member": m, "training": mine, "sanctions": myS, "termination": term})
			}
			w := e.stdout
			fmt.Fprintf(w, "%s (%s), id %s\n", m.Name, orDash(m.Role), m.ID)
			if m.SecurityOfficial {
				fmt.Fprintln(w, "Security official of the practice (164.308(a)(2)).")
			}
			fmt.Fprintf(w, "Access to ePHI since: %s\n", orDash(m.AccessGrantedOn))
			fmt.Fprintln(w, "\nTraining:")
			if len(mine) == 0 {
				fmt.Fprintln(w, "  none recorded")
			}
			for _, t := range mine {
				fmt.Fprintf(w, "  %s  %s (next due %s)\n", t.CompletedOn, t.Topic, t.NextDue)
			}
			if len(myS) > 0 {
				fmt.Fprintln(w, "\nSanctions:")
				for _, s := range myS {
					fmt.Fprintf(w, "  %s  %s -> %s (decided by %s)\n", s.OccurredOn, s.Violation, s.Action, s.DecidedBy)
				}
			}
			if term != nil {
				e.printTermination(p, term)
			}
			return nil
		},
	}
}

// printTermination prints an access-termination checklist with how long
// after leaving each item was done.
func (e *env) printTermination(p *hipaa.Practice, t *workforce.Termination) {
	w := e.stdout
	l := practiceLoc(p)
	fmt.Fprintf(w, "\nAccess termination: left %s\n", t.Member.LeftAt.In(l).Format("2006-01-02 15:04 MST"))
	tw := e.table()
	fmt.Fprintln(tw, "  ITEM\tDONE\tAFTER LEAVING\tWITHIN 1 HOUR (PROPOSED)")
	for _, s := range t.Steps {
		done, after, hour := "OPEN", "-", "-"
		if s.DoneAt != nil {
			done = s.DoneAt.In(l).Format("2006-01-02 15:04")
			d := s.DoneAt.Sub(*t.Member.LeftAt)
			after = govDuration(d)
			hour = "yes"
			if d > workforce.TerminationWindow {
				hour = "no"
			}
			if !s.Electronic {
				hour = "n/a"
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s.Item, done, after, hour)
	}
	tw.Flush()
	if c := t.CompletedAt(); c != nil {
		fmt.Fprintf(w, "Checklist complete at %s.\n", c.In(l).Format("2006-01-02 15:04"))
	} else {
		fmt.Fprintf(w, "%d item(s) open: mark each with `safeguard workforce revoke %q --item TEXT`.\n", len(t.Open()), t.Member.Name)
	}
}

// govDuration writes a duration as a person reads it: "20 min", "2 h 05 min", "3 days 4 h".
func govDuration(d time.Duration) string {
	m := int(d.Round(time.Minute).Minutes())
	switch {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m < 48*60:
		return fmt.Sprintf("%d h %02d min", m/60, m%60)
	}
	return fmt.Sprintf("%d days %d h", m/(24*60), (m%(24*60))/60)
}

func (e *env) wfOfficialCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "official PERSON",
		Short: "Name the security official (164.308(a)(2)); also updates the practice profile",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			var m *workforce.Member
			if _, err := svc.Record(ctx, func(tx *store.Scope) error {
				var err error
				m, err = tx.SetSecurityOfficial(ctx, args[0])
				return err
			}); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(m)
			}
			fmt.Fprintf(e.stdout, "%s is now the security official. Generate the policies again (`safeguard policies generate`) so they name them.\n", m.Name)
			return nil
		},
	}
}

func (e *env) wfTrainCmd() *cobra.Command {
	var t workforce.Training
	cmd := &cobra.Command{
		Use:     "train PERSON... --topic TOPIC --on DATE",
		Short:   "Record completed security training for one or more people",
		Example: `  safeguard workforce train "Ana Lopez" "Ben Cho" --topic "Annual security awareness" --on 2026-11-20`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := t.Validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			var recs []*workforce.Training
			res, err := svc.Record(ctx, func(tx *store.Scope) error {
				for _, ref := range args {
					m, err := tx.Member(ctx, ref)
					if err != nil {
						return err
					}
					rec := t
					rec.MemberID, rec.MemberName, rec.RecordedBy = m.ID, m.Name, svc.Actor
					if err := tx.AddTraining(ctx, &rec); err != nil {
						return err
					}
					recs = append(recs, &rec)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"training": recs, "findings": govFindingsOf(res, workforce.Source)})
			}
			fmt.Fprintf(e.stdout, "Recorded %q on %s for %d person(s); next due %s.\n", t.Topic, t.CompletedOn, len(recs), t.NextDue)
			e.govPrintFindings(res, workforce.Source)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&t.Topic, "topic", "", "what the training covered")
	f.StringVar(&t.CompletedOn, "on", "", "date completed (YYYY-MM-DD)")
	f.StringVar(&t.NextDue, "next-due", "", "date the next training is due (default: 12 months later)")
	f.StringVar(&t.Notes, "notes", "", "notes, e.g. the course or material used")
	return cmd
}

func (e *env) wfTrainingCmd() *cobra.Command {
	var dueOnly bool
	cmd := &cobra.Command{
		Use:   "training",
		Short: "Who is due for training, and the training records",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			tr, err := svc.Training(ctx)
			if err != nil {
				return err
			}
			trainings, sts := tr.Records, tr.Statuses
			if e.format == "json" {
				if trainings == nil {
					trainings = []*workforce.Training{}
				}
				if sts == nil {
					sts = []workforce.TrainingStatus{}
				}
				return e.json(map[string]any{"status": sts, "records": trainings})
			}
			tw := e.table()
			fmt.Fprintln(tw, "PERSON\tDUE\tSTATUS\tWHY")
			for _, st := range sts {
				if dueOnly && !st.Overdue {
					continue
				}
				status := "ok"
				if st.Overdue {
					status = "OVERDUE"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", st.Member.Name, st.Due, status, st.Reason)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if dueOnly {
				return nil
			}
			fmt.Fprintln(e.stdout, "\nRecords:")
			tw = e.table()
			fmt.Fprintln(tw, "DATE\tPERSON\tTOPIC\tNEXT DUE")
			for _, t := range trainings {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.CompletedOn, t.MemberName, truncate(t.Topic, 50), t.NextDue)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&dueOnly, "overdue", false, "only people whose training is overdue")
	return cmd
}

func (e *env) wfRemindCmd() *cobra.Command {
	var r workforce.Reminder
	cmd := &cobra.Command{
		Use:     "remind --topic TOPIC --on DATE",
		Short:   "Record a security reminder sent to staff (164.308(a)(5)(ii)(A))",
		Example: `  safeguard workforce remind --topic "Tax-season phishing e-mails" --on 2026-02-10 --channel "staff meeting"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := r.Validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			r.RecordedBy = svc.Actor
			if _, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.AddReminder(ctx, &r) }); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(r)
			}
			fmt.Fprintf(e.stdout, "Recorded reminder %q sent %s to %s.\n", r.Topic, r.SentOn, r.Audience)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&r.Topic, "topic", "", "what the reminder was about")
	f.StringVar(&r.SentOn, "on", "", "date sent (YYYY-MM-DD)")
	f.StringVar(&r.Channel, "channel", "", "how: e-mail, staff meeting, poster, practice phishing test…")
	f.StringVar(&r.Audience, "audience", "", "who received it (default: all staff)")
	return cmd
}

func (e *env) wfRemindersCmd() *cobra.Command {
	return practiceListCmd(e, "reminders", "List the security reminders sent",
		func(ctx context.Context, s *store.Scope) ([]*workforce.Reminder, error) { return s.Reminders(ctx) },
		"SENT\tTOPIC\tCHANNEL\tAUDIENCE",
		func(r *workforce.Reminder) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s", r.SentOn, truncate(r.Topic, 50), orDash(r.Channel), r.Audience)
		})
}

func (e *env) wfSanctionCmd() *cobra.Command {
	var x workforce.Sanction
	cmd := &cobra.Command{
		Use:     "sanction PERSON --on DATE --violation TEXT --action TEXT --decided-by NAME",
		Short:   "Record a sanction for a security violation (164.308(a)(1)(ii)(C))",
		Example: `  safeguard workforce sanction "Ben Cho" --on 2026-04-01 --violation "shared his EHR password" --action "written warning and retraining" --decided-by "Dana Ortiz"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := x.Validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			if _, err := svc.Record(ctx, func(tx *store.Scope) error {
				m, err := tx.Member(ctx, args[0])
				if err != nil {
					return err
				}
				x.MemberID, x.MemberName, x.RecordedBy = m.ID, m.Name, svc.Actor
				return tx.AddSanction(ctx, &x)
			}); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(x)
			}
			fmt.Fprintf(e.stdout, "Recorded the sanction for %s on %s.\n", x.MemberName, x.OccurredOn)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&x.OccurredOn, "on", "", "date of the violation (YYYY-MM-DD)")
	f.StringVar(&x.Violation, "violation", "", "which policy was broken and how (no patient details)")
	f.StringVar(&x.Action, "action", "", "the sanction applied")
	f.StringVar(&x.DecidedBy, "decided-by", "", "who decided the sanction")
	return cmd
}

func (e *env) wfSanctionsCmd() *cobra.Command {
	return practiceListCmd(e, "sanctions", "List the sanctions recorded",
		func(ctx context.Context, s *store.Scope) ([]*workforce.Sanction, error) { return s.Sanctions(ctx) },
		"DATE\tPERSON\tVIOLATION\tSANCTION\tDECIDED BY",
		func(x *workforce.Sanction) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", x.OccurredOn, x.MemberName, truncate(x.Violation, 40), truncate(x.Action, 40), x.DecidedBy)
		})
}

func (e *env) wfLeaveCmd() *cobra.Command {
	var at string
	var items []string
	cmd := &cobra.Command{
		Use:   "leave PERSON --at TIME",
		Short: "Record that a person left and open their access-termination checklist",
		Long: `Record when a person's employment or engagement ended and open the checklist of access to
remove: the EHR, e-mail, computer login, remote access, each system the vendor register names,
shared passwords, keys and equipment. Mark each item done with "workforce revoke" as it happens;
the time of each step is kept, so you can show access was removed on time (the proposed rule asks
for one hour).`,
		Example: `  safeguard workforce leave "Ben Cho" --at "2026-11-20 17:00"
  safeguard workforce revoke "Ben Cho" --item ehr --at "2026-11-20 17:20"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			left, err := workforce.ParseTime("--at", at, practiceLoc(p), svc.Scope.DB().Now())
			if err != nil {
				return err
			}
			var term *workforce.Termination
			res, err := svc.Record(ctx, func(tx *store.Scope) error {
				vs, err := tx.Vendors(ctx)
				if err != nil {
					return err
				}
				var systems []string
				for _, v := range vs {
					if v.Active {
						systems = append(systems, v.Systems...)
					}
				}
				steps := workforce.DefaultSteps(p.EHRSystem, systems)
				for _, it := range items {
					steps = append(steps, workforce.Step{Item: strings.TrimSpace(it), Electronic: true})
				}
				term, err = tx.StartTermination(ctx, args[0], left, steps)
				return err
			})
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"termination": term, "findings": govFindingsOf(res, workforce.Source)})
			}
			e.printTermination(p, term)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "when the employment ended: \"YYYY-MM-DD HH:MM\" in the practice's time zone, RFC 3339, or now")
	cmd.Flags().StringArrayVar(&items, "item", nil, "an extra item for the checklist (repeat)")
	return cmd
}

func (e *env) wfRevokeCmd() *cobra.Command {
	var at, item string
	cmd := &cobra.Command{
		Use:   "revoke PERSON --item TEXT [--at TIME]",
		Short: "Mark an access-termination checklist item done, with its time",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(item) == "" {
				return hipaa.Errorf(hipaa.EInvalid, "--item is required: the checklist item (its first words are enough, e.g. --item ehr)")
			}
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			when, err := workforce.ParseTime("--at", at, practiceLoc(p), svc.Scope.DB().Now())
			if err != nil {
				return err
			}
			var term *workforce.Termination
			res, err := svc.Record(ctx, func(tx *store.Scope) error {
				var err error
				term, err = tx.CompleteStep(ctx, args[0], item, when, svc.Actor)
				return err
			})
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"termination": term, "findings": govFindingsOf(res, workforce.Source)})
			}
			e.printTermination(p, term)
			return nil
		},
	}
	cmd.Flags().StringVar(&item, "item", "", "the checklist item: its text or first words")
	cmd.Flags().StringVar(&at, "at", "now", "when it was done: \"YYYY-MM-DD HH:MM\" (practice time zone), RFC 3339, or now")
	return cmd
}

func (e *env) wfCheckCmd() *cobra.Command {
	var failOn string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Re-run the workforce and contingency checks as of today",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := govCheckFailOn(failOn); err != nil {
				return err
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			res, err := svc.RefreshGovernance(cmd.Context())
			if err != nil {
				return err
			}
			sources := []string{workforce.Source, workforce.ContingencySource}
			if e.format == "json" {
				if err := e.json(govFindingsOf(res, sources...)); err != nil {
					return err
				}
			} else {
				e.govPrintFindings(res, sources...)
			}
			return govFailOn(res, failOn, sources...)
		},
	}
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 if a finding is at or above this severity")
	return cmd
}

func (e *env) contingencyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contingency",
		Short: "Contingency plan tests: record and list (164.308(a)(7)(ii)(D))",
		Long: `Tests of the contingency plan: restores from backup, tabletop exercises, downtime drills. With no
test recorded in the last 12 months, finding CP-01 is raised and feeds the risk analysis.`,
	}
	test := &cobra.Command{Use: "test", Short: "Record or list contingency plan tests"}
	var c workforce.ContingencyTest
	add := &cobra.Command{
		Use:     "add --on DATE --kind KIND --result RESULT",
		Short:   "Record a contingency plan test and its result",
		Example: `  safeguard contingency test add --on 2026-10-15 --kind restore --result partial --restore-hours 30 --scope "EHR database to a test PC" --lessons "restore took 30 hours; buy faster disk" --by BrightIT`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.Validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			c.RecordedBy = svc.Actor
			res, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.AddContingencyTest(ctx, &c) })
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"test": c, "findings": govFindingsOf(res, workforce.ContingencySource)})
			}
			fmt.Fprintf(e.stdout, "Recorded the %s test of %s: %s.\n", c.Kind, c.TestedOn, c.Result)
			if c.RestoreHours > 72 {
				fmt.Fprintf(e.stdout, "The restore took %.0f hours, more than the 72 hours the proposed rule would allow.\n", c.RestoreHours)
			}
			e.govPrintFindings(res, workforce.ContingencySource)
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&c.TestedOn, "on", "", "date of the test (YYYY-MM-DD)")
	f.StringVar(&c.Kind, "kind", "", "tabletop, restore, downtime, failover or full")
	f.StringVar(&c.Result, "result", "", "passed, partial or failed")
	f.StringVar(&c.Scope, "scope", "", "what was tested")
	f.Float64Var(&c.RestoreHours, "restore-hours", 0, "how long a restore took, in hours")
	f.StringVar(&c.Lessons, "lessons", "", "what went wrong and what will change (needed unless passed)")
	f.StringVar(&c.PerformedBy, "by", "", "who ran the test")
	list := &cobra.Command{
		Use:   "list",
		Short: "List contingency plan tests, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			tests, err := scope.ContingencyTests(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				if tests == nil {
					tests = []*workforce.ContingencyTest{}
				}
				return e.json(tests)
			}
			if len(tests) == 0 {
				fmt.Fprintln(e.stdout, "No contingency plan tests recorded: record one with `safeguard contingency test add`.")
				return nil
			}
			tw := e.table()
			fmt.Fprintln(tw, "DATE\tKIND\tRESULT\tRESTORE HOURS\tSCOPE\tLESSONS\tBY")
			for _, c := range tests {
				hours := "-"
				if c.RestoreHours > 0 {
					hours = fmt.Sprintf("%g", c.RestoreHours)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.TestedOn, c.Kind, c.Result, hours, truncate(orDash(c.Scope), 30), truncate(orDash(c.Lessons), 40), orDash(c.PerformedBy))
			}
			return tw.Flush()
		},
	}
	test.AddCommand(add, list)
	cmd.AddCommand(test)
	return cmd
}
