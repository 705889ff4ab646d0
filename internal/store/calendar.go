package store

import (
	"context"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// DutyDone is a dated record that a recurring duty was done: an evaluation,
// a vulnerability scan, a contingency test, an inventory review…
type DutyDone struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	DoneOn     string    `json:"done_on"`
	Note       string    `json:"note,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// RecordDuty records that a recurring duty was done.
func (s *Scope) RecordDuty(ctx context.Context, a *DutyDone) error {
	if _, err := time.Parse(time.DateOnly, a.DoneOn); err != nil {
		return hipaa.Errorf(hipaa.EInvalid, "date %q is not a date: use YYYY-MM-DD", a.DoneOn)
	}
	a.ID = hipaa.NewID("dd")
	a.RecordedAt = s.db.Now()
	_, err := s.exec(ctx, `INSERT INTO duties_done (practice_id, id, kind, done_on, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Kind, a.DoneOn, a.Note, a.RecordedBy, s.db.dialect.timeArg(a.RecordedAt))
	return s.fail(err, "record the activity")
}

// LastDutiesDone returns the latest done_on date of each kind of activity.
func (s *Scope) LastDutiesDone(ctx context.Context) (map[string]string, error) {
	rows, err := s.query(ctx, `SELECT kind, MAX(done_on) FROM duties_done WHERE practice_id = ? GROUP BY kind`)
	if err != nil {
		return nil, s.fail(err, "read duties_done")
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, d string
		if err := rows.Scan(&k, &d); err != nil {
			return nil, s.fail(err, "read duties_done")
		}
		out[k] = d
	}
	return out, s.fail(rows.Err(), "read duties_done")
}

// Channel is where reminders go: an e-mail address or a webhook URL.
type Channel struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`   // email or webhook
	Target string `json:"target"` // address or URL
	// Style shapes webhook bodies: "" (plain JSON), "slack" or "teams".
	Style string `json:"style,omitempty"`
	Label string `json:"label,omitempty"`
}

// AddChannel adds a reminder channel.
func (s *Scope) AddChannel(ctx context.Context, c *Channel) error {
	c.ID = hipaa.NewID("chn")
	_, err := s.exec(ctx, `INSERT INTO notify_channels (practice_id, id, kind, target, style, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Kind, c.Target, c.Style, c.Label, s.db.dialect.timeArg(s.db.Now()))
	if s.db.dialect.isUniqueViolation(err) {
		return hipaa.Errorf(hipaa.EConflict, "reminders already go to %s", c.Target)
	}
	return s.fail(err, "save the channel")
}

// RemoveChannel removes a reminder channel.
func (s *Scope) RemoveChannel(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `DELETE FROM notify_channels WHERE practice_id = ? AND id = ?`, id)
	if err != nil {
		return s.fail(err, "remove the channel")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "channel %s not found", id)
	}
	return nil
}

// Channels lists the practice's reminder channels.
func (s *Scope) Channels(ctx context.Context) ([]Channel, error) {
	rows, err := s.query(ctx, `SELECT id, kind, target, style, label FROM notify_channels WHERE practice_id = ? ORDER BY kind, target`)
	if err != nil {
		return nil, s.fail(err, "read channels")
	}
	defer rows.Close()
	out := []Channel{}
	for rows.Next() {
		var c Channel
		if err := rows.Scan(&c.ID, &c.Kind, &c.Target, &c.Style, &c.Label); err != nil {
			return nil, s.fail(err, "read channels")
		}
		out = append(out, c)
	}
	return out, s.fail(rows.Err(), "read channels")
}

// Reminder is one message to one channel, as the ledger holds it.
type Reminder struct {
	Key       string
	ChannelID string
	Status    string
	Attempts  int
	LastError string
	Subject   string
	Body      string
}

// ClaimReminder records that this instance will send the reminder key to a
// channel. It returns false when the reminder was already claimed (by this or
// another instance), which is what makes each reminder go out once.
func (s *Scope) ClaimReminder(ctx context.Context, key, channelID, instance, subject, body string) (bool, error) {
	now := s.db.dialect.timeArg(s.db.Now())
	res, err := s.exec(ctx, `INSERT INTO reminders (practice_id, reminder_key, channel_id, status, attempts, next_attempt, claimed_by, claimed_at, subject, body)
		VALUES (?, ?, ?, 'sending', 0, ?, ?, ?, ?, ?) ON CONFLICT (practice_id, reminder_key, channel_id) DO NOTHING`,
		key, channelID, now, instance, now, subject, body)
	if err != nil {
		return false, s.fail(err, "claim the reminder")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ClaimRetry takes over a failed reminder whose next attempt is due, so that
// one instance retries it. It returns false when another instance took it.
func (s *Scope) ClaimRetry(ctx context.Context, key, channelID, instance string) (bool, error) {
	now := s.db.dialect.timeArg(s.db.Now())
	res, err := s.exec(ctx, `UPDATE reminders SET status = 'sending', claimed_by = ?, claimed_at = ?
		WHERE practice_id = ? AND reminder_key = ? AND channel_id = ?
		AND ((status = 'failed' AND next_attempt <= ?) OR (status = 'sending' AND claimed_at < ?))`,
		instance, now, key, channelID, now, s.db.dialect.timeArg(s.db.Now().Add(-staleClaim)))
	if err != nil {
		return false, s.fail(err, "claim the retry")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishReminder records the outcome of a send: sent, or failed with the next
// attempt at retryAt.
func (s *Scope) FinishReminder(ctx context.Context, key, channelID string, sendErr error, retryAt time.Time) error {
	d := s.db.dialect
	if sendErr == nil {
		_, err := s.exec(ctx, `UPDATE reminders SET status = 'sent', attempts = attempts + 1, last_error = '', sent_at = ?
			WHERE practice_id = ? AND reminder_key = ? AND channel_id = ?`, d.timeArg(s.db.Now()), key, channelID)
		return s.fail(err, "record the reminder")
	}
	msg := sendErr.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	_, err := s.exec(ctx, `UPDATE reminders SET status = 'failed', attempts = attempts + 1, last_error = ?, next_attempt = ?
		WHERE practice_id = ? AND reminder_key = ? AND channel_id = ?`, msg, d.timeArg(retryAt), key, channelID)
	return s.fail(err, "record the failed reminder")
}

// staleClaim is how long a claimed reminder may stay unsent before another
// instance takes it over (its sender probably stopped mid-way).
const staleClaim = time.Hour

// DueRetries lists failed reminders whose next attempt has come, and claims
// left unsent for over an hour.
func (s *Scope) DueRetries(ctx context.Context) ([]Reminder, error) {
	rows, err := s.query(ctx, `SELECT reminder_key, channel_id, status, attempts, last_error, subject, body FROM reminders
		WHERE practice_id = ? AND ((status = 'failed' AND next_attempt <= ?) OR (status = 'sending' AND claimed_at < ?)) ORDER BY claimed_at`,
		s.db.dialect.timeArg(s.db.Now()), s.db.dialect.timeArg(s.db.Now().Add(-staleClaim)))
	if err != nil {
		return nil, s.fail(err, "read reminders")
	}
	defer rows.Close()
	var out []Reminder
	for rows.Next() {
		var r Reminder
		if err := rows.Scan(&r.Key, &r.ChannelID, &r.Status, &r.Attempts, &r.LastError, &r.Subject, &r.Body); err != nil {
			return nil, s.fail(err, "read reminders")
		}
		out = append(out, r)
	}
	return out, s.fail(rows.Err(), "read reminders")
}

// ReminderLedger lists the ledger, newest first, for the dashboard and tests.
func (s *Scope) ReminderLedger(ctx context.Context) ([]Reminder, error) {
	rows, err := s.query(ctx, `SELECT reminder_key, channel_id, status, attempts, last_error, subject, body FROM reminders
		WHERE practice_id = ? ORDER BY claimed_at DESC`)
	if err != nil {
		return nil, s.fail(err, "read reminders")
	}
	defer rows.Close()
	out := []Reminder{}
	for rows.Next() {
		var r Reminder
		if err := rows.Scan(&r.Key, &r.ChannelID, &r.Status, &r.Attempts, &r.LastError, &r.Subject, &r.Body); err != nil {
			return nil, s.fail(err, "read reminders")
		}
		out = append(out, r)
	}
	return out, s.fail(rows.Err(), "read reminders")
}
