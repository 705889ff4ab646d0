package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/calendar"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// UpcomingDays is how far ahead a duty gets its "coming up" reminder.
const UpcomingDays = 30

// Dispatcher sends the reminders a practice's duties call for.
type Dispatcher struct {
	Mailer  *Mailer
	Webhook *Webhook
	// Instance names this app instance in the ledger.
	Instance string
	// Backoff gives the wait before retry number n (1, 2, …).
	Backoff func(n int) time.Duration
}

// Report says what one run did.
type Report struct {
	Sent    int      `json:"sent"`
	Failed  int      `json:"failed"`
	Skipped int      `json:"already_sent"`
	Errors  []string `json:"errors"`
}

// stage says which reminder a duty needs today: one when it comes within
// UpcomingDays, one on the day, one when overdue; each is sent once.
func stage(d calendar.Duty) string {
	switch {
	case d.DaysLeft < 0:
		return "overdue"
	case d.DaysLeft == 0:
		return "due-today"
	case d.DaysLeft <= UpcomingDays:
		return "upcoming"
	}
	return ""
}

// Message returns the subject and body of a duty's reminder.
func Message(p *hipaa.Practice, d calendar.Duty) (string, string) {
	var when string
	switch {
	case d.DaysLeft < 0:
		when = fmt.Sprintf("overdue since %s (%d days)", d.Due, -d.DaysLeft)
	case d.DaysLeft == 0:
		when = "due today"
	default:
		when = fmt.Sprintf("due %s (in %d days)", d.Due, d.DaysLeft)
	}
	subject := fmt.Sprintf("[%s] %s — %s", p.Name, d.Title, when)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s: %s.\n", p.Name, d.Title, when)
	if d.Detail != "" {
		fmt.Fprintf(&b, "%s\n", d.Detail)
	}
	fmt.Fprintf(&b, "Rule: 45 CFR %s", d.Citation)
	if d.Proposed {
		b.WriteString(" (a requirement of the January 2025 proposed rule, not final)")
	}
	b.WriteString(".\n")
	if d.Owner != "" {
		fmt.Fprintf(&b, "Owner: %s\n", d.Owner)
	}
	b.WriteString("\nSee it in Safeguard: safeguard calendar\n")
	return subject, b.String()
}

// Run sends the reminders due for a practice's duties to every channel, then
// retries earlier failures whose time has come. Each message is claimed in the
// ledger before it is sent, so two instances never send the same one.
func (d *Dispatcher) Run(ctx context.Context, s *store.Scope, p *hipaa.Practice, duties []calendar.Duty) (*Report, error) {
	rep := &Report{Errors: []string{}}
	channels, err := s.Channels(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]store.Channel{}
	for _, c := range channels {
		byID[c.ID] = c
	}
	for _, duty := range duties {
		st := stage(duty)
		if st == "" {
			continue
		}
		key := duty.Key + "|" + duty.Due + "|" + st
		subject, body := Message(p, duty)
		for _, c := range channels {
			ok, err := s.ClaimReminder(ctx, key, c.ID, d.Instance, subject, body)
			if err != nil {
				return rep, err
			}
			if !ok {
				rep.Skipped++
				continue
			}
			if err := d.deliver(ctx, s, c, key, subject, body, duty, 1, rep); err != nil {
				return rep, err
			}
		}
	}
	retries, err := s.DueRetries(ctx)
	if err != nil {
		return rep, err
	}
	for _, r := range retries {
		c, ok := byID[r.ChannelID]
		if !ok {
			continue
		}
		claimed, err := s.ClaimRetry(ctx, r.Key, r.ChannelID, d.Instance)
		if err != nil {
			return rep, err
		}
		if !claimed {
			continue
		}
		if err := d.deliver(ctx, s, c, r.Key, r.Subject, r.Body, nil, r.Attempts+1, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// deliver sends one message, records the outcome in the ledger and counts it
// in rep. Only a database failure is returned: a failed send is retried later.
func (d *Dispatcher) deliver(ctx context.Context, s *store.Scope, c store.Channel, key, subject, body string, payload any, attempt int, rep *Report) error {
	var sendErr error
	switch c.Kind {
	case "email":
		sendErr = d.Mailer.Send(ctx, c.Target, subject, body)
	case "webhook":
		wh := d.Webhook
		if wh == nil {
			wh = &Webhook{}
		}
		sendErr = wh.Send(ctx, c.Target, c.Style, subject, body, payload)
	default:
		sendErr = fmt.Errorf("unknown channel kind %q", c.Kind)
	}
	backoff := d.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	if sendErr == nil {
		rep.Sent++
	} else {
		rep.Failed++
		rep.Errors = append(rep.Errors, sendErr.Error())
	}
	return s.FinishReminder(ctx, key, c.ID, sendErr, s.DB().Now().Add(backoff(attempt)))
}

// DefaultBackoff waits 1, 2, 4 … minutes between retries, at most 6 hours.
func DefaultBackoff(n int) time.Duration {
	wait := time.Minute << min(n-1, 9)
	return min(wait, 6*time.Hour)
}

// Digest sends each channel one summary a week of what is overdue and what
// comes due in the next 30 days. It is keyed by ISO week, so it goes out once
// a week whichever instance runs it.
func (d *Dispatcher) Digest(ctx context.Context, s *store.Scope, p *hipaa.Practice, duties []calendar.Duty, now time.Time) (*Report, error) {
	rep := &Report{Errors: []string{}}
	var overdue, soon []calendar.Duty
	for _, x := range duties {
		switch {
		case x.DaysLeft < 0:
			overdue = append(overdue, x)
		case x.DaysLeft <= UpcomingDays:
			soon = append(soon, x)
		}
	}
	if len(overdue)+len(soon) == 0 {
		return rep, nil
	}
	year, week := now.ISOWeek()
	key := fmt.Sprintf("digest|%d-W%02d", year, week)
	subject := fmt.Sprintf("[%s] Weekly compliance digest: %d overdue, %d due in 30 days", p.Name, len(overdue), len(soon))
	var b strings.Builder
	fmt.Fprintf(&b, "%s — week %d of %d\n", p.Name, week, year)
	list := func(title string, ds []calendar.Duty) {
		if len(ds) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s:\n", title)
		for _, x := range ds {
			tag := ""
			if x.Proposed {
				tag = " (proposed rule)"
			}
			fmt.Fprintf(&b, "- %s  %s%s (45 CFR %s)\n", x.Due, x.Title, tag, x.Citation)
		}
	}
	list("Overdue", overdue)
	list("Due in the next 30 days", soon)
	b.WriteString("\nSee them all: safeguard calendar\n")
	channels, err := s.Channels(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range channels {
		ok, err := s.ClaimReminder(ctx, key, c.ID, d.Instance, subject, b.String())
		if err != nil {
			return rep, err
		}
		if !ok {
			rep.Skipped++
			continue
		}
		if err := d.deliver(ctx, s, c, key, subject, b.String(), map[string]any{"overdue": overdue, "upcoming": soon}, 1, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}
