package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/calendar"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/notify"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

func (e *env) calendarCmd() *cobra.Command {
	var within string
	cmd := &cobra.Command{
		Use:   "calendar",
		Short: "Every recurring compliance duty with its due date (table, JSON or iCalendar)",
		Long: `List the practice's recurring duties with their due dates, computed from its records: the yearly
risk analysis and reviews after changes, the risk plan's actions, evaluations, contingency tests,
activity reviews, access recertification, and — labelled as proposed — the scans, tests and reviews
the January 2025 proposed rule would add. Overdue duties are always shown.

Use --format ics for an iCalendar file to import into Outlook or Google Calendar; the web app also
serves a feed to subscribe to. Record that a duty was done with "safeguard calendar done".`,
		Example: `  safeguard calendar --within 30d
  safeguard calendar --within 1y --format ics > safeguard.ics
  safeguard calendar done vulnerability_scan --date 2026-11-02 --note "quarterly scan by our IT provider"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			days := -1
			if within != "" {
				n, err := calendar.ParseWithin(within)
				if err != nil {
					return err
				}
				days = n
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			duties, p, err := svc.Calendar(cmd.Context(), days)
			if err != nil {
				return err
			}
			switch e.format {
			case "json":
				return e.json(duties)
			case "ics":
				_, err := e.stdout.Write(calendar.ICS(p.Name, duties, svc.Scope.DB().Now()))
				return err
			}
			tw := e.table()
			fmt.Fprintln(tw, "DUE\tSTATE\tDUTY\tCITATION\tOWNER")
			for _, d := range duties {
				title := d.Title
				if d.Proposed {
					title += " (proposed rule)"
				}
				state := d.State
				if d.State == calendar.StateOverdue {
					state = fmt.Sprintf("overdue %dd", -d.DaysLeft)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Due, state, truncate(title, 80), d.Citation, truncate(d.Owner, 24))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%d duties.\n", len(duties))
			return nil
		},
	}
	cmd.Flags().StringVar(&within, "within", "", "only duties due within this range, e.g. 30d, 12w, 6m, 1y (overdue ones always show)")
	var on, note string
	done := &cobra.Command{
		Use:   "done KIND",
		Short: "Record that a recurring duty was done (moves its next due date)",
		Long:  "Record that a recurring duty was done. KIND is one of: " + cadenceKinds() + ".",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, p, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			if on == "" {
				on = app.Today(p, svc.Scope.DB().Now())
			}
			d, err := svc.RecordDuty(cmd.Context(), args[0], on, note)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(d)
			}
			c, _ := calendar.CadenceOf(d.Kind)
			fmt.Fprintf(e.stdout, "Recorded %s on %s. Next due %s.\n", strings.ReplaceAll(d.Kind, "_", " "), d.DoneOn, calendar.Next(c, d.DoneOn, d.DoneOn))
			return nil
		},
	}
	done.Flags().StringVar(&on, "date", "", "when it was done, YYYY-MM-DD (default: today)")
	done.Flags().StringVar(&note, "note", "", "what was done, by whom, where the evidence is")
	cmd.AddCommand(done)
	return cmd
}

func cadenceKinds() string {
	var k []string
	for _, c := range calendar.Cadences {
		k = append(k, c.Kind)
	}
	return strings.Join(k, ", ")
}

// smtpFlags are the SMTP settings shared by `reminders send` and `serve`.
type smtpFlags struct {
	host, user, passwordFile, from, caFile string
	port                                   int
	insecure                               bool
}

func (e *env) addSMTPFlags(cmd *cobra.Command, f *smtpFlags) {
	port, _ := strconv.Atoi(e.envOr("SAFEGUARD_SMTP_PORT", "587"))
	fl := cmd.Flags()
	fl.StringVar(&f.host, "smtp-host", e.getenv("SAFEGUARD_SMTP_HOST"), "SMTP server for e-mail reminders (env SAFEGUARD_SMTP_HOST)")
	fl.IntVar(&f.port, "smtp-port", port, "SMTP port; STARTTLS is required (env SAFEGUARD_SMTP_PORT)")
	fl.StringVar(&f.user, "smtp-user", e.getenv("SAFEGUARD_SMTP_USER"), "SMTP user name (env SAFEGUARD_SMTP_USER)")
	fl.StringVar(&f.passwordFile, "smtp-password-file", "", "file holding the SMTP password (or env SAFEGUARD_SMTP_PASSWORD)")
	fl.StringVar(&f.from, "smtp-from", e.getenv("SAFEGUARD_SMTP_FROM"), "sender address of reminders (env SAFEGUARD_SMTP_FROM)")
	fl.BoolVar(&f.insecure, "smtp-insecure", false, "allow a server without STARTTLS (only for a relay on this machine)")
	fl.StringVar(&f.caFile, "smtp-ca-file", e.getenv("SAFEGUARD_SMTP_CA_FILE"), "PEM file of the certificate authority a private SMTP relay uses (env SAFEGUARD_SMTP_CA_FILE)")
}

func (e *env) mailer(f *smtpFlags) (*notify.Mailer, error) {
	if f.host == "" {
		return nil, nil
	}
	pw := e.getenv("SAFEGUARD_SMTP_PASSWORD")
	if f.passwordFile != "" {
		b, err := os.ReadFile(f.passwordFile)
		if err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "cannot read --smtp-password-file %s: %s", f.passwordFile, firstLine(err.Error()))
		}
		pw = strings.TrimSpace(string(b))
	}
	if f.from == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "--smtp-from is needed with --smtp-host: the address reminders come from")
	}
	m := &notify.Mailer{Host: f.host, Port: f.port, Username: f.user, Password: pw, From: f.from, Insecure: f.insecure}
	if f.caFile != "" {
		pemData, err := os.ReadFile(f.caFile)
		if err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "cannot read --smtp-ca-file %s: %s", f.caFile, firstLine(err.Error()))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemData) {
			return nil, hipaa.Errorf(hipaa.EInvalid, "--smtp-ca-file %s holds no PEM certificate", f.caFile)
		}
		m.TLS = &tls.Config{RootCAs: pool, ServerName: f.host, MinVersion: tls.VersionTLS12}
	}
	return m, nil
}

func (e *env) remindersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reminders",
		Short: "Where reminders go (e-mail, webhooks), and sending them",
		Long: `Reminders go out before a duty comes due (within 30 days), on the day, and once when it is
overdue — each once, even with several app instances. "safeguard serve" sends them on a schedule;
"safeguard reminders send" sends them now (for cron).`,
	}
	var style, label string
	add := &cobra.Command{
		Use:     "add email ADDRESS | webhook URL",
		Short:   "Send reminders to an e-mail address or a webhook (Slack, Teams or plain JSON)",
		Example: "  safeguard reminders add email dana@riverside.example\n  safeguard reminders add webhook https://hooks.slack.com/services/… --style slack",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, target := args[0], strings.TrimSpace(args[1])
			switch kind {
			case "email":
				if !strings.Contains(target, "@") || strings.ContainsAny(target, " \r\n<>") {
					return hipaa.Errorf(hipaa.EInvalid, "%q is not an e-mail address", target)
				}
			case "webhook":
				if !strings.HasPrefix(target, "https://") && !strings.HasPrefix(target, "http://") {
					return hipaa.Errorf(hipaa.EInvalid, "webhook %q must be an http(s) URL", target)
				}
				if style != "" && style != "slack" && style != "teams" {
					return hipaa.Errorf(hipaa.EInvalid, "--style %q is not known: use slack, teams, or leave it out for plain JSON", style)
				}
			default:
				return hipaa.Errorf(hipaa.EInvalid, "unknown channel %q: use email or webhook", kind)
			}
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			c := &store.Channel{Kind: kind, Target: target, Style: style, Label: label}
			if err := scope.AddChannel(cmd.Context(), c); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(c)
			}
			fmt.Fprintf(e.stdout, "Reminders will go to %s (%s).\n", target, c.ID)
			return nil
		},
	}
	add.Flags().StringVar(&style, "style", "", "webhook body: slack, teams, or plain JSON when left out")
	add.Flags().StringVar(&label, "label", "", "a name for this channel")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the reminder channels and the last messages",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			chans, err := scope.Channels(cmd.Context())
			if err != nil {
				return err
			}
			ledger, err := scope.ReminderLedger(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"channels": chans, "messages": ledger})
			}
			tw := e.table()
			fmt.Fprintln(tw, "ID\tKIND\tTARGET\tSTYLE")
			for _, c := range chans {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Kind, c.Target, c.Style)
			}
			tw.Flush()
			failed := 0
			for _, r := range ledger {
				if r.Status == "failed" {
					failed++
				}
			}
			fmt.Fprintf(e.stdout, "%d message(s) in the ledger, %d failed and waiting for a retry.\n", len(ledger), failed)
			return nil
		},
	}
	remove := &cobra.Command{
		Use:   "remove ID",
		Short: "Stop sending reminders to a channel",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			return scope.RemoveChannel(cmd.Context(), args[0])
		},
	}
	var sf smtpFlags
	send := &cobra.Command{
		Use:   "send",
		Short: "Send the reminders that are due now, and retry failed ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := e.mailer(&sf)
			if err != nil {
				return err
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			duties, p, err := svc.Calendar(cmd.Context(), notify.UpcomingDays)
			if err != nil {
				return err
			}
			host, _ := os.Hostname()
			d := &notify.Dispatcher{Mailer: m, Webhook: &notify.Webhook{}, Instance: host + "/cli"}
			rep, err := d.Run(cmd.Context(), svc.Scope, p, duties)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(rep)
			}
			fmt.Fprintf(e.stdout, "Sent %d reminder(s); %d failed (retried later); %d already sent earlier.\n", rep.Sent, rep.Failed, rep.Skipped)
			for _, msg := range rep.Errors {
				fmt.Fprintf(e.stdout, "  failed: %s\n", msg)
			}
			return nil
		},
	}
	e.addSMTPFlags(send, &sf)
	cmd.AddCommand(add, list, remove, send)
	return cmd
}
