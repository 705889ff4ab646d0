package web

import (
	"context"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/calendar"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// continuous is the dashboard's continuous-compliance part: the quick-check
// nudge, the next duties, and reminders or scheduled jobs that failed.
type continuous struct {
	// QuickAnswered and QuickTotal count the quick-check questions answered;
	// ShowQuick is set while some are not.
	ShowQuick                 bool
	QuickAnswered, QuickTotal int
	Duties                    []calendar.Duty
	Reminders                 *reminderTrouble
	Jobs                      []jobTrouble
}

// reminderTrouble sums up reminders that could not be delivered.
type reminderTrouble struct {
	Failed  int
	Latest  string // the latest error, in plain words
	Channel string // where the latest failed reminder was going
}

// jobTrouble is a scheduled job whose last run failed.
type jobTrouble struct {
	Name, What string
	At         *time.Time
	Detail     string // the raw error, for administrators only
}

// continuousPart gathers the dashboard's continuous-compliance part. answers
// are the current assessment's (nil when there is none).
func (s *Server) continuousPart(ctx context.Context, svc *app.Service, role auth.Role, answers map[string]hipaa.Answer) (*continuous, error) {
	c := &continuous{}
	res := assess.QuickCheck(s.cat, answers)
	c.QuickAnswered, c.QuickTotal = res.Answered, res.Total
	c.ShowQuick = res.Answered < res.Total
	duties, _, err := svc.Calendar(ctx, 366)
	if err != nil {
		return nil, err
	}
	if len(duties) > 5 {
		duties = duties[:5]
	}
	c.Duties = duties
	ledger, err := svc.Scope.ReminderLedger(ctx)
	if err != nil {
		return nil, err
	}
	for _, rm := range ledger {
		if rm.Status != "failed" {
			continue
		}
		if c.Reminders == nil {
			c.Reminders = &reminderTrouble{Latest: plainSendError(rm.LastError)}
			if chs, err := svc.Scope.Channels(ctx); err == nil {
				for _, ch := range chs {
					if ch.ID == rm.ChannelID {
						c.Reminders.Channel = channelName(ch.Kind, ch.Target, ch.Label)
					}
				}
			}
		}
		c.Reminders.Failed++
	}
	jobs, err := s.db.Jobs(ctx)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if j.LastError == "" {
			continue
		}
		jt := jobTrouble{Name: j.Job, What: jobWhat(j.Job), At: j.LastRunAt}
		// Jobs run for every practice in the database, so their raw errors
		// may concern other practices: only administrators see them.
		if role.Allows(auth.PermManage) {
			jt.Detail = j.LastError
		}
		c.Jobs = append(c.Jobs, jt)
	}
	return c, nil
}

// channelName names a reminder channel for people: its label, an e-mail
// address, or a webhook's host (never its secret path).
func channelName(kind, target, label string) string {
	if label != "" {
		return label
	}
	if kind == "webhook" {
		host := target
		if _, rest, ok := strings.Cut(host, "://"); ok {
			host = rest
		}
		host, _, _ = strings.Cut(host, "/")
		return "the webhook at " + host
	}
	return target
}

// jobWhat says in plain words what a scheduled job does.
func jobWhat(name string) string {
	switch name {
	case "reminders":
		return "Sending reminders of duties coming due"
	case "weekly-digest":
		return "Sending the weekly digest"
	case "watched-folders":
		return "Re-checking the watched folders for new scans and audit exports"
	}
	return "Scheduled job “" + name + "”"
}

// plainSendError says in plain words why a reminder could not be delivered.
func plainSendError(raw string) string {
	m := strings.ToLower(raw)
	switch {
	case raw == "":
		return "The message could not be delivered."
	case strings.Contains(m, "no smtp server configured"):
		return "No mail server is set up for Safeguard: whoever runs Safeguard needs to configure one."
	case strings.Contains(m, "does not offer starttls"):
		return "The mail server does not offer encryption (STARTTLS), so Safeguard refused to send in the clear."
	case strings.Contains(m, "smtp authentication"):
		return "The mail server did not accept Safeguard's user name or password."
	case strings.Contains(m, "rcpt to"):
		return "The mail server refused the recipient's address."
	case strings.Contains(m, "connection refused"):
		return "The mail server or webhook refused the connection: it may be down, or its address or port is wrong."
	case strings.Contains(m, "no such host"):
		return "The mail server or webhook address could not be found: check its spelling."
	case strings.Contains(m, "timeout") || strings.Contains(m, "deadline exceeded"):
		return "The mail server or webhook did not answer in time."
	case strings.Contains(m, "certificate") || strings.Contains(m, "tls"):
		return "A secure connection to the mail server or webhook could not be made (a certificate or encryption problem)."
	case strings.HasPrefix(m, "webhook") && strings.Contains(m, " answered "):
		_, status, _ := strings.Cut(raw, " answered ")
		return "The webhook answered with an error (" + status + ")."
	}
	return "The message could not be delivered."
}
