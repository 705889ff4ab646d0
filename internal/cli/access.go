package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/accesslog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func (e *env) accessCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "access",
		Short: "Review EHR access: audit-log analysis, review queue, sign-off, account recertification",
		Long: `Review who looked at what in your EHR, as the Security Rule asks: regular review of system activity
(164.308(a)(1)(ii)(D)), one login per person (164.312(a)(2)(i)) and closing the accounts of people
who leave (164.308(a)(3)(ii)(C)).

"access analyze" reads your EHR's audit-log export with your account and staff lists and finds shared
logins, accounts used after someone left, staff opening the charts of family, neighbours, co-workers
or VIPs, after-hours browsing, bulk printing and gaps in the log. The findings go to a review queue
("access review"); a periodic "access signoff" records that the review was done; "access recertify"
asks managers to confirm or remove every account.`,
	}
	cmd.AddCommand(e.accessAnalyzeCmd(), e.accessReviewCmd(), e.accessSignoffCmd(), e.accessRecertifyCmd())
	return cmd
}

func (e *env) accessAnalyzeCmd() *cobra.Command {
	var events []string
	var mappingFile, profile, failOn string
	var rosters accesslog.Rosters
	var skipBad, unmask bool
	cmd := &cobra.Command{
		Use:   "analyze --events FILE...",
		Short: "Analyze EHR audit logs and record the findings for review",
		Long: `Reads audit-log exports in one pass and records what it finds for review. Raw events are never
stored: only findings and the few events each one cites.

Formats (recognized from the file's content; .gz files are read as they are):
  - delimited exports (CSV, tab- or pipe-separated) with a header line. Epic ACCESS_LOG-style
    extracts and generic exports are recognized; for others, write a mapping file.
  - FHIR R4 AuditEvent: a resource, a Bundle, a JSON array, NDJSON, or XML.
  - IHE ATNA / RFC 3881 / DICOM audit messages (XML), also one per line after a syslog header.

Rosters make most checks possible; give as many as you have:
  --users       EHR accounts: user_id, name, role, department, status, created, last_login, person_id, manager
  --workforce   HR list: person_id, name, job_title, department, hire_date, termination_date, address
  --patients    patient_id, last_name, first_name, address, dob, date_of_death, vip, employee_person_id
  --encounters  visits or appointments that explain an access: patient_id, user_id, date, department

A mapping file (YAML) names the columns when the headers differ, and may change thresholds:
  profile: generic              # or epic
  delimiter: tab                # comma, tab, pipe, semicolon (detected when omitted)
  time_format: "%m/%d/%Y %I:%M:%S %p"   # detected when omitted
  timezone: America/Chicago     # for times written without an offset (default: the practice's)
  columns: {time: Event Time, user: Login, patient: MRN, action: Event, workstation: Computer}
  actions: {"Chart Printed": print}
  rosters: {users: {columns: {user_id: Login ID}, date_format: "%m/%d/%Y"}}
  thresholds: {dormant_days: 60, workday_start: "08:00", workday_end: "18:00"}

A malformed row stops the run with its file, line and column and nothing is recorded, unless
--skip-bad-rows. Patient names are masked in summaries; evidence keeps the patient's record number
so the privacy officer can follow up.`,
		Example: `  safeguard access analyze --events access_log_2025-03.csv --users users.csv --workforce hr.csv \
    --patients patients.csv --encounters visits.csv
  safeguard access analyze --events audit.ndjson.gz --mapping ehr.yaml --format json --fail-on high`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			events = append(events, args...)
			if len(events) == 0 {
				return hipaa.Errorf(hipaa.EInvalid, "--events is required: give one or more audit-log files, e.g. --events access_log.csv")
			}
			var fail hipaa.Severity
			if failOn != "" {
				s, err := hipaa.ParseSeverity(failOn)
				if err != nil {
					return err
				}
				fail = s
			}
			var m *accesslog.Mapping
			if mappingFile != "" {
				var err error
				if m, err = accesslog.LoadMapping(mappingFile); err != nil {
					return err
				}
			}
			if profile != "" {
				pm, err := accesslog.ParseMapping("--profile", []byte("profile: "+profile))
				if err != nil {
					return err
				}
				if m == nil {
					m = pm
				} else {
					m.Profile = pm.Profile
				}
			}
			svc, p, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			loc, err := time.LoadLocation(p.TimeZone)
			if err != nil {
				loc = time.UTC
			}
			cat := svc.Cat
			opt := accesslog.Options{Mapping: m, Rosters: rosters, TimeZone: loc, AsOf: svc.Scope.DB().Now(), SkipBadRows: skipBad,
				RuleInfo: func(rule string) []string {
					if r, ok := cat.FindingRule(rule); ok {
						return append([]string(nil), r.Citations...)
					}
					return nil
				}}
			if isTerminal(e.stderr) && e.format != "json" {
				bar := newAccessProgress(e.stderr, "Reading audit logs")
				opt.Progress = bar.update
				defer bar.done()
			}
			rep, err := accesslog.Analyze(cmd.Context(), events, opt)
			if err != nil {
				return err
			}
			run, _, err := svc.SaveAccessAnalysis(cmd.Context(), rep)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if err := e.json(accessAnalyzeJSON(run, rep, unmask)); err != nil {
					return err
				}
			} else {
				e.printAnalysis(run, rep, unmask)
			}
			if fail != "" {
				n := 0
				for _, f := range rep.Findings {
					if f.Severity.Rank() >= fail.Rank() {
						n++
					}
				}
				if n > 0 {
					return &foundError{msg: fmt.Sprintf("safeguard: %d audit-log finding(s) at or above %s", n, fail)}
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&events, "events", nil, "audit-log file (repeat for several; .gz is read as is)")
	f.StringVar(&mappingFile, "mapping", "", "mapping file (YAML) for delimited exports, rosters and thresholds")
	f.StringVar(&profile, "profile", "", "built-in column profile for delimited exports: epic or generic (default: detected)")
	f.StringVar(&rosters.Users, "users", "", "EHR account list (CSV)")
	f.StringVar(&rosters.Workforce, "workforce", "", "HR staff list (CSV)")
	f.StringVar(&rosters.Patients, "patients", "", "patient list (CSV), for family, household, co-worker, VIP and deceased checks")
	f.StringVar(&rosters.Encounters, "encounters", "", "encounters or appointments (CSV) that explain accesses")
	f.BoolVar(&skipBad, "skip-bad-rows", false, "skip malformed rows (their count and first examples are reported) instead of stopping")
	f.StringVar(&failOn, "fail-on", "", "exit 1 if a finding is at or above this severity")
	f.BoolVar(&unmask, "unmask", false, "show full patient record numbers in the summary (for the privacy officer)")
	return cmd
}

// accessAnalyzeOutput is the JSON shape of `access analyze`.
type accessAnalyzeOutput struct {
	Run      *accesslog.Run          `json:"run"`
	Stats    accesslog.Stats         `json:"stats"`
	Findings []accessAnalyzedFinding `json:"findings"`
	Summary  map[string]int          `json:"findings_by_rule"`
	Severity map[string]int          `json:"findings_by_severity"`
}

type accessAnalyzedFinding struct {
	*accesslog.Result
	PatientID string `json:"patient_id,omitempty"`
}

func accessAnalyzeJSON(run *accesslog.Run, rep *accesslog.Report, unmask bool) *accessAnalyzeOutput {
	out := &accessAnalyzeOutput{Run: run, Stats: rep.Stats, Findings: []accessAnalyzedFinding{}, Summary: map[string]int{}, Severity: map[string]int{}}
	for _, f := range rep.Findings {
		af := accessAnalyzedFinding{Result: f}
		if unmask {
			af.PatientID = f.PatientID
		} else {
			masked := *f
			masked.Evidence = accessMaskEvidence(f.Evidence)
			af.Result = &masked
		}
		out.Findings = append(out.Findings, af)
		out.Summary[f.Rule]++
		out.Severity[string(f.Severity)]++
	}
	return out
}

func (e *env) printAnalysis(run *accesslog.Run, rep *accesslog.Report, unmask bool) {
	st := rep.Stats
	period := "no events"
	if st.PeriodStart != nil {
		period = st.PeriodStart.Format("2006-01-02") + " to " + st.PeriodEnd.Format("2006-01-02")
	}
	fmt.Fprintf(e.stdout, "Read %d events from %d file(s), %s: %d users, %d patients, in %.1f s.\n",
		st.Events, len(st.Files), period, st.Users, st.Patients, st.Seconds)
	if st.BadRows > 0 {
		fmt.Fprintf(e.stdout, "Skipped %d malformed row(s), for example:\n", st.BadRows)
		for _, x := range st.BadRowExamples {
			fmt.Fprintf(e.stdout, "  %s\n", x)
		}
	}
	if st.OutOfOrder > 0 {
		fmt.Fprintf(e.stdout, "Note: %d event(s) were out of time order; the time-window checks are most reliable on logs sorted by time.\n", st.OutOfOrder)
	}
	if len(rep.Findings) == 0 {
		fmt.Fprintln(e.stdout, "No findings. The analysis is recorded as evidence of activity review (164.308(a)(1)(ii)(D)).")
		return
	}
	tw := e.table()
	fmt.Fprintln(tw, "SEVERITY\tRULE\tUSER\tPATIENT\tCOUNT\tFIRST\tLAST\tTITLE")
	for _, f := range rep.Findings {
		patient := f.Patient
		if unmask && f.PatientID != "" {
			patient = f.PatientID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", f.Severity, f.Rule, truncate(f.User, 20), patient, f.Count,
			date(f.FirstSeen), date(f.LastSeen), truncate(f.Title, 70))
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d finding(s) recorded (analysis %s). Review them with `safeguard access review list`.\n", len(rep.Findings), run.ID)
}

func (e *env) accessReviewCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "review",
		Short: "The review queue of audit-log findings: list, show, confirm, dismiss, escalate",
		Long: `Each audit-log finding is reviewed once: confirmed as a violation (with the sanction applied,
164.308(a)(1)(ii)(C)), dismissed with the work reason, or escalated to an incident for investigation
(164.308(a)(6)(ii)). Decisions are kept with who made them and when.`,
	}
	var status, rule string
	var unmask bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List audit-log findings to review (open ones by default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			st := hipaa.FindingStatus(status)
			if status == "all" {
				st = ""
			}
			items, err := scope.AccessQueue(cmd.Context(), st, rule)
			if err != nil {
				return err
			}
			if e.format == "json" {
				type item struct {
					ID        string           `json:"id"`
					Rule      string           `json:"rule"`
					Severity  hipaa.Severity   `json:"severity"`
					Status    string           `json:"status"`
					Title     string           `json:"title"`
					User      string           `json:"user"`
					Patient   string           `json:"patient"`
					Count     int64            `json:"count"`
					FirstSeen time.Time        `json:"first_seen"`
					LastSeen  time.Time        `json:"last_seen"`
					Citations []string         `json:"citations"`
					Action    string           `json:"suggested_action"`
					Evidence  []map[string]any `json:"evidence"`
				}
				out := []item{}
				for _, it := range items {
					f, d := it.Finding, it.Detail
					ev := f.Evidence
					if !unmask {
						ev = accessMaskEvidence(ev)
					}
					out = append(out, item{ID: f.ID, Rule: f.Rule, Severity: f.Severity, Status: string(f.Status), Title: f.Title, User: d.User,
						Patient: d.Patient, Count: d.Count, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen, Citations: f.Citations, Action: d.Action, Evidence: ev})
				}
				return e.json(out)
			}
			tw := e.table()
			fmt.Fprintln(tw, "ID\tSEVERITY\tRULE\tSTATUS\tUSER\tPATIENT\tCOUNT\tLAST\tTITLE")
			for _, it := range items {
				f, d := it.Finding, it.Detail
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", f.ID, f.Severity, f.Rule, f.Status, truncate(d.User, 20), d.Patient, d.Count,
					date(f.LastSeen), truncate(f.Title, 60))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%d finding(s). Decide each with `safeguard access review confirm|dismiss|escalate ID`.\n", len(items))
			return nil
		},
	}
	list.Flags().StringVar(&status, "status", "open", "only this status: open, confirmed, dismissed, resolved, or all")
	list.Flags().StringVar(&rule, "rule", "", "only this rule, e.g. PA-02")
	list.Flags().BoolVar(&unmask, "unmask", false, "keep patient record numbers in the JSON evidence (for the privacy officer)")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one finding with its evidence and review history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			items, err := scope.AccessQueue(cmd.Context(), "", "")
			if err != nil {
				return err
			}
			var it *accessItem
			for _, x := range items {
				if x.Finding.ID == args[0] {
					it = &accessItem{x.Finding, x.Detail}
				}
			}
			if it == nil {
				return hipaa.Errorf(hipaa.ENotFound, "audit-log finding %s not found: see `safeguard access review list --status all`", args[0])
			}
			reviews, err := scope.AccessReviews(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"finding": it.f, "detail": it.d, "reviews": accessNonNil(reviews)})
			}
			f, d := it.f, it.d
			fmt.Fprintf(e.stdout, "%s  %s  %s  %s\n%s\n", f.ID, f.Severity, f.Rule, f.Status, f.Title)
			fmt.Fprintf(e.stdout, "User: %s   Patient: %s   Count: %d   Seen: %s to %s\n", d.User, d.Patient, d.Count, date(f.FirstSeen), date(f.LastSeen))
			fmt.Fprintf(e.stdout, "Cites: %s\nWhat to do: %s\nEvidence:\n", strings.Join(f.Citations, ", "), d.Action)
			for _, ev := range accessMaskEvidence(f.Evidence) {
				fmt.Fprintf(e.stdout, "  %s\n", accessEvidenceLine(ev))
			}
			for _, r := range reviews {
				fmt.Fprintf(e.stdout, "Review: %s by %s on %s: %s%s\n", r.Decision, r.DecidedBy, date(r.DecidedAt), r.Reason, accessSuffix(" — sanction: ", r.Sanction))
			}
			return nil
		},
	}
	cmd.AddCommand(list, show, e.accessDecideCmd(accesslog.Confirmed), e.accessDecideCmd(accesslog.Dismissed), e.accessDecideCmd(accesslog.Escalated))
	return cmd
}

type accessItem struct {
	f *hipaa.Finding
	d *accesslog.Detail
}

func accessNonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func accessSuffix(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// accessMaskEvidence hides patient record numbers in evidence rows for summaries.
func accessMaskEvidence(rows []map[string]any) []map[string]any {
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		c := make(map[string]any, len(r))
		for k, v := range r {
			if k == "patient" {
				if s, ok := v.(string); ok {
					v = accessMaskPatient(s)
				}
			}
			c[k] = v
		}
		out = append(out, c)
	}
	return out
}

func accessMaskPatient(id string) string {
	r := []rune(id)
	if len(r) <= 4 {
		return "***"
	}
	return "***" + string(r[len(r)-3:])
}

func accessEvidenceLine(ev map[string]any) string {
	var parts []string
	for _, k := range []string{"date", "time", "from", "to", "user", "patient", "action", "workstation", "ip", "source", "note"} {
		if v, ok := ev[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	for k, v := range ev {
		switch k {
		case "date", "time", "from", "to", "user", "patient", "action", "workstation", "ip", "source", "note":
		default:
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, " ")
}

func (e *env) accessDecideCmd(d accesslog.Decision) *cobra.Command {
	var reason, sanction string
	use := map[accesslog.Decision]string{accesslog.Confirmed: "confirm", accesslog.Dismissed: "dismiss", accesslog.Escalated: "escalate"}[d]
	short := map[accesslog.Decision]string{
		accesslog.Confirmed: "Confirm a finding as a violation and record the sanction applied (164.308(a)(1)(ii)(C))",
		accesslog.Dismissed: "Dismiss a finding, recording the work reason that explains it",
		accesslog.Escalated: "Escalate a finding to a security incident for investigation (164.308(a)(6)(ii))",
	}[d]
	cmd := &cobra.Command{
		Use:   use + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			r := &accesslog.Review{FindingID: args[0], Decision: d, Reason: reason, Sanction: sanction}
			inc, err := svc.ReviewAccessFinding(cmd.Context(), r)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"review": r, "incident": inc})
			}
			switch d {
			case accesslog.Confirmed:
				fmt.Fprintf(e.stdout, "Finding %s confirmed; sanction recorded: %s.\n", r.FindingID, r.Sanction)
			case accesslog.Dismissed:
				fmt.Fprintf(e.stdout, "Finding %s dismissed: %s.\n", r.FindingID, r.Reason)
			default:
				fmt.Fprintf(e.stdout, "Finding %s escalated: incident %s opened. Assess whether it is a reportable breach (164.402).\n", r.FindingID, inc.ID)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why: the work reason (dismiss), what happened (confirm, escalate)")
	if d == accesslog.Confirmed {
		cmd.Flags().StringVar(&sanction, "sanction", "", "the sanction applied, e.g. \"written warning\" (required)")
	}
	return cmd
}

func (e *env) accessSignoffCmd() *cobra.Command {
	var from, to, by, note string
	cmd := &cobra.Command{
		Use:   "signoff --from DATE --to DATE --by NAME",
		Short: "Record that the audit logs of a period were reviewed (164.308(a)(1)(ii)(D))",
		Long: `Records a periodic review of information-system activity: who reviewed the audit logs of which
days, with the analyses, events, findings and decisions that the review covered. Findings still
open are counted, so the record shows what was left to do.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			if from == "" || to == "" {
				return hipaa.Errorf(hipaa.EInvalid, "--from and --to are required: the first and last day reviewed, e.g. --from 2025-03-01 --to 2025-03-31")
			}
			if by == "" {
				by = e.actor
			}
			loc, err := time.LoadLocation(p.TimeZone)
			if err != nil {
				loc = time.UTC
			}
			so, err := scope.SignOffAccessReview(cmd.Context(), from, to, loc, by, note)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(so)
			}
			fmt.Fprintf(e.stdout, "Review of %s to %s signed off by %s: %d analysis run(s), %d events, %d finding(s) (%d open, %d confirmed, %d dismissed, %d escalated).\n",
				so.PeriodStart, so.PeriodEnd, so.SignedBy, so.Runs, so.Events, so.Findings, so.Open, so.Confirmed, so.Dismissed, so.Escalated)
			if so.Open > 0 {
				fmt.Fprintln(e.stdout, "Some findings are still open: decide them with `safeguard access review`.")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "first day reviewed (YYYY-MM-DD)")
	cmd.Flags().StringVar(&to, "to", "", "last day reviewed (YYYY-MM-DD)")
	cmd.Flags().StringVar(&by, "by", "", "who reviewed (default: --actor)")
	cmd.Flags().StringVar(&note, "note", "", "a note for the record")
	list := &cobra.Command{
		Use:   "list",
		Short: "List review sign-offs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			list, err := scope.AccessSignoffs(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(accessNonNil(list))
			}
			tw := e.table()
			fmt.Fprintln(tw, "ID\tFROM\tTO\tSIGNED BY\tSIGNED\tRUNS\tEVENTS\tFINDINGS\tOPEN")
			for _, so := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", so.ID, so.PeriodStart, so.PeriodEnd, so.SignedBy, date(so.SignedAt), so.Runs, so.Events, so.Findings, so.Open)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(list)
	return cmd
}

func (e *env) accessRecertifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recertify",
		Short: "Access recertification: each account confirmed or removed by its manager (164.308(a)(4)(ii)(C))",
	}
	var campaign string
	cmd.PersistentFlags().StringVar(&campaign, "campaign", "", "campaign ID (default: the newest)")

	var users, mappingFile, name, due string
	start := &cobra.Command{
		Use:   "start --users FILE",
		Short: "Start a campaign over the enabled accounts of an EHR user list",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if users == "" {
				return hipaa.Errorf(hipaa.EInvalid, "--users is required: the EHR account list to recertify")
			}
			if due != "" {
				if _, err := time.Parse("2006-01-02", due); err != nil {
					return hipaa.Errorf(hipaa.EInvalid, "--due %q is not a date: write YYYY-MM-DD", due)
				}
			}
			var m *accesslog.Mapping
			if mappingFile != "" {
				var err error
				if m, err = accesslog.LoadMapping(mappingFile); err != nil {
					return err
				}
			}
			items, err := accesslog.Accounts(users, m)
			if err != nil {
				return err
			}
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			if name == "" {
				name = "Access recertification " + time.Now().Format("2006-01")
			}
			c := &accesslog.Campaign{Name: name, StartedBy: e.actor, Due: due}
			if err := scope.StartRecert(cmd.Context(), c, items); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(c)
			}
			fmt.Fprintf(e.stdout, "Started campaign %s (%q) over %d account(s). Managers confirm or remove each with `safeguard access recertify confirm|remove LOGIN --by NAME`.\n", c.ID, c.Name, c.Total)
			return nil
		},
	}
	start.Flags().StringVar(&users, "users", "", "EHR account list (CSV)")
	start.Flags().StringVar(&mappingFile, "mapping", "", "mapping file whose rosters.users section names the columns")
	start.Flags().StringVar(&name, "name", "", "campaign name (default: \"Access recertification YYYY-MM\")")
	start.Flags().StringVar(&due, "due", "", "due date (YYYY-MM-DD)")

	decide := func(decision, use, short string) *cobra.Command {
		var by, note string
		c := &cobra.Command{
			Use:   use + " LOGIN",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				_, scope, err := e.practice(cmd.Context())
				if err != nil {
					return err
				}
				if by == "" {
					by = e.actor
				}
				c, err := scope.DecideRecert(cmd.Context(), campaign, args[0], decision, by, note)
				if err != nil {
					return err
				}
				if e.format == "json" {
					return e.json(c)
				}
				fmt.Fprintf(e.stdout, "Account %s %s by %s. Campaign %s: %d confirmed, %d removed, %d pending.\n", args[0], decision, by, c.ID, c.Confirmed, c.Removed, c.Pending)
				if c.Status == "closed" {
					fmt.Fprintln(e.stdout, "Every account is decided: the campaign is closed.")
				}
				return nil
			},
		}
		c.Flags().StringVar(&by, "by", "", "the manager deciding (default: --actor)")
		c.Flags().StringVar(&note, "note", "", "a note (required when removing)")
		return c
	}

	status := &cobra.Command{
		Use:   "status",
		Short: "Show a campaign's progress and its accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			c, err := scope.RecertCampaign(cmd.Context(), campaign)
			if err != nil {
				return err
			}
			items, err := scope.RecertItems(cmd.Context(), c.ID)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"campaign": c, "accounts": accessNonNil(items)})
			}
			fmt.Fprintf(e.stdout, "Campaign %s (%q), %s, started %s by %s%s: %d account(s), %d confirmed, %d removed, %d pending.\n",
				c.ID, c.Name, c.Status, date(c.StartedAt), c.StartedBy, accessSuffix(", due ", c.Due), c.Total, c.Confirmed, c.Removed, c.Pending)
			tw := e.table()
			fmt.Fprintln(tw, "LOGIN\tNAME\tROLE\tMANAGER\tDECISION\tBY\tNOTE")
			for _, it := range items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.Login, truncate(it.Name, 24), truncate(it.Role, 20), truncate(it.Manager, 20),
					it.Decision, it.DecidedBy, truncate(it.Note, 30))
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(start, decide("confirmed", "confirm", "Confirm that an account is still needed as it is"),
		decide("removed", "remove", "Record that an account is removed (disable it in the EHR too)"), status)
	return cmd
}

// accessProgress draws a one-line progress bar on a terminal.
type accessProgress struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	last  time.Time
	shown bool
}

func newAccessProgress(w io.Writer, label string) *accessProgress {
	return &accessProgress{w: w, label: label}
}

func (p *accessProgress) update(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 200*time.Millisecond || total <= 0 {
		return
	}
	p.last = time.Now()
	frac := min(1, float64(done)/float64(total))
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %s/%s", p.label, strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, accessSize(done), accessSize(total))
	p.shown = true
}

func (p *accessProgress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func accessSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d kB", n>>10)
}
