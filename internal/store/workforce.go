package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/workforce"
)

const memberColumns = `id, name, role, email, access_granted_on, security_official, left_at, created_at, updated_at`

func scanMember(row interface{ Scan(...any) error }) (*workforce.Member, error) {
	var m workforce.Member
	var left, created, updated timeCol
	if err := row.Scan(&m.ID, &m.Name, &m.Role, &m.Email, &m.AccessGrantedOn, &m.SecurityOfficial, &left, &created, &updated); err != nil {
		return nil, err
	}
	m.LeftAt, m.CreatedAt, m.UpdatedAt = left.ptr(), created.t, updated.t
	return &m, nil
}

// PutMember saves a workforce member: a new one (empty ID) is added, an
// existing one updated. Validate the member first.
func (s *Scope) PutMember(ctx context.Context, m *workforce.Member) error {
	d := s.db.dialect
	now := s.db.Now()
	var same int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM workforce_members WHERE practice_id = ? AND LOWER(name) = LOWER(?) AND id <> ?`,
		m.Name, m.ID).Scan(&same); err != nil {
		return s.fail(err, "check the roster")
	}
	if same > 0 {
		return hipaa.Errorf(hipaa.EConflict, "%q is already on the roster: change the entry with `safeguard workforce update`", m.Name)
	}
	m.UpdatedAt = now
	var err error
	if m.ID == "" {
		m.ID, m.CreatedAt = hipaa.NewID("mbr"), now
		_, err = s.exec(ctx, `INSERT INTO workforce_members (practice_id, id, name, role, email, access_granted_on, security_official,
			left_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.Name, m.Role, m.Email, m.AccessGrantedOn, m.SecurityOfficial, d.optTime(m.LeftAt), d.timeArg(now), d.timeArg(now))
	} else {
		var res sql.Result
		res, err = s.exec(ctx, `UPDATE workforce_members SET name = ?, role = ?, email = ?, access_granted_on = ?, left_at = ?, updated_at = ?
			WHERE practice_id = ? AND id = ?`, m.Name, m.Role, m.Email, m.AccessGrantedOn, d.optTime(m.LeftAt), d.timeArg(now), m.ID)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return hipaa.Errorf(hipaa.ENotFound, "workforce member %s not found: see `safeguard workforce list`", m.ID)
			}
		}
	}
	if d.isUniqueViolation(err) {
		return hipaa.Errorf(hipaa.EConflict, "%q is already on the roster: change the entry with `safeguard workforce update`", m.Name)
	}
	return s.fail(err, "save workforce member")
}

// Members lists the roster: people still working first, then by name.
func (s *Scope) Members(ctx context.Context) ([]*workforce.Member, error) {
	rows, err := s.query(ctx, `SELECT `+memberColumns+` FROM workforce_members WHERE practice_id = ?
		ORDER BY CASE WHEN left_at IS NULL THEN 0 ELSE 1 END, LOWER(name)`)
	if err != nil {
		return nil, s.fail(err, "list the workforce")
	}
	defer rows.Close()
	var out []*workforce.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, s.fail(err, "read the workforce")
		}
		out = append(out, m)
	}
	return out, s.fail(rows.Err(), "read the workforce")
}

// Member returns the roster entry whose ID or name (in any case) is ref.
func (s *Scope) Member(ctx context.Context, ref string) (*workforce.Member, error) {
	m, err := scanMember(s.queryRow(ctx, `SELECT `+memberColumns+` FROM workforce_members WHERE practice_id = ? AND (id = ? OR LOWER(name) = LOWER(?))`, ref, strings.TrimSpace(ref)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "no one called %q on the roster: see `safeguard workforce list`", ref)
	}
	if err != nil {
		return nil, s.fail(err, "read the workforce member")
	}
	return m, nil
}

// SetSecurityOfficial names one roster member as the security official
// (164.308(a)(2)), clears the mark from anyone else, and records the name in
// the practice profile, all in one transaction.
func (s *Scope) SetSecurityOfficial(ctx context.Context, memberID string) (*workforce.Member, error) {
	var out *workforce.Member
	err := s.InTx(ctx, func(tx *Scope) error {
		m, err := tx.Member(ctx, memberID)
		if err != nil {
			return err
		}
		if !m.Active() {
			return hipaa.Errorf(hipaa.EInvalid, "%s has left the practice and cannot be the security official", m.Name)
		}
		now := tx.db.Now()
		if _, err := tx.exec(ctx, `UPDATE workforce_members SET security_official = (id = ?), updated_at = ? WHERE practice_id = ?`,
			m.ID, tx.db.dialect.timeArg(now)); err != nil {
			return tx.fail(err, "name the security official")
		}
		// The practices table is keyed by its own ID; this is the scope's practice.
		q := tx.db.dialect.rebind(`UPDATE practices SET security_official = ?, updated_at = ? WHERE id = ?`)
		if _, err := tx.writer().ExecContext(ctx, q, m.Name, tx.db.dialect.timeArg(now), tx.practiceID); err != nil {
			return tx.fail(err, "record the security official in the practice profile")
		}
		m.SecurityOfficial = true
		out = m
		return nil
	})
	return out, err
}

// AddTraining records completed training.
func (s *Scope) AddTraining(ctx context.Context, t *workforce.Training) error {
	t.ID, t.RecordedAt = hipaa.NewID("trn"), s.db.Now()
	_, err := s.exec(ctx, `INSERT INTO training_records (practice_id, id, member_id, topic, completed_on, next_due, notes, recorded_at, recorded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.MemberID, t.Topic, t.CompletedOn, t.NextDue, t.Notes, s.db.dialect.timeArg(t.RecordedAt), t.RecordedBy)
	return s.fail(err, "save the training record")
}

// Trainings lists training records, newest first, with the member's name.
func (s *Scope) Trainings(ctx context.Context) ([]*workforce.Training, error) {
	rows, err := s.query(ctx, `SELECT t.id, t.member_id, m.name, t.topic, t.completed_on, t.next_due, t.notes, t.recorded_at, t.recorded_by
		FROM training_records t JOIN workforce_members m ON m.id = t.member_id
		WHERE t.practice_id = ? ORDER BY t.completed_on DESC, LOWER(m.name)`)
	if err != nil {
		return nil, s.fail(err, "list training records")
	}
	defer rows.Close()
	var out []*workforce.Training
	for rows.Next() {
		var t workforce.Training
		var at timeCol
		if err := rows.Scan(&t.ID, &t.MemberID, &t.MemberName, &t.Topic, &t.CompletedOn, &t.NextDue, &t.Notes, &at, &t.RecordedBy); err != nil {
			return nil, s.fail(err, "read training records")
		}
		t.RecordedAt = at.t
		out = append(out, &t)
	}
	return out, s.fail(rows.Err(), "read training records")
}

// AddReminder records a security reminder.
func (s *Scope) AddReminder(ctx context.Context, r *workforce.Reminder) error {
	r.ID, r.RecordedAt = hipaa.NewID("rmd"), s.db.Now()
	_, err := s.exec(ctx, `INSERT INTO security_reminders (practice_id, id, sent_on, topic, channel, audience, recorded_at, recorded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.SentOn, r.Topic, r.Channel, r.Audience, s.db.dialect.timeArg(r.RecordedAt), r.RecordedBy)
	return s.fail(err, "save the reminder")
}

// Reminders lists security reminders, newest first.
func (s *Scope) Reminders(ctx context.Context) ([]*workforce.Reminder, error) {
	rows, err := s.query(ctx, `SELECT id, sent_on, topic, channel, audience, recorded_at, recorded_by FROM security_reminders
		WHERE practice_id = ? ORDER BY sent_on DESC, id DESC`)
	if err != nil {
		return nil, s.fail(err, "list reminders")
	}
	defer rows.Close()
	var out []*workforce.Reminder
	for rows.Next() {
		var r workforce.Reminder
		var at timeCol
		if err := rows.Scan(&r.ID, &r.SentOn, &r.Topic, &r.Channel, &r.Audience, &at, &r.RecordedBy); err != nil {
			return nil, s.fail(err, "read reminders")
		}
		r.RecordedAt = at.t
		out = append(out, &r)
	}
	return out, s.fail(rows.Err(), "read reminders")
}

// AddSanction records a sanction.
func (s *Scope) AddSanction(ctx context.Context, x *workforce.Sanction) error {
	x.ID, x.RecordedAt = hipaa.NewID("snc"), s.db.Now()
	_, err := s.exec(ctx, `INSERT INTO sanctions (practice_id, id, member_id, occurred_on, violation, action, decided_by, recorded_at, recorded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, x.ID, x.MemberID, x.OccurredOn, x.Violation, x.Action, x.DecidedBy, s.db.dialect.timeArg(x.RecordedAt), x.RecordedBy)
	return s.fail(err, "save the sanction")
}

// Sanctions lists sanctions, newest first, with the member's name.
func (s *Scope) Sanctions(ctx context.Context) ([]*workforce.Sanction, error) {
	rows, err := s.query(ctx, `SELECT x.id, x.member_id, m.name, x.occurred_on, x.violation, x.action, x.decided_by, x.recorded_at, x.recorded_by
		FROM sanctions x JOIN workforce_members m ON m.id = x.member_id WHERE x.practice_id = ? ORDER BY x.occurred_on DESC, x.id DESC`)
	if err != nil {
		return nil, s.fail(err, "list sanctions")
	}
	defer rows.Close()
	var out []*workforce.Sanction
	for rows.Next() {
		var x workforce.Sanction
		var at timeCol
		if err := rows.Scan(&x.ID, &x.MemberID, &x.MemberName, &x.OccurredOn, &x.Violation, &x.Action, &x.DecidedBy, &at, &x.RecordedBy); err != nil {
			return nil, s.fail(err, "read sanctions")
		}
		x.RecordedAt = at.t
		out = append(out, &x)
	}
	return out, s.fail(rows.Err(), "read sanctions")
}

// StartTermination records that a member left at leftAt and opens their
// access-termination checklist with the given steps (steps already on the
// list are kept as they are). Steps with DoneAt set are recorded as done.
func (s *Scope) StartTermination(ctx context.Context, memberID string, leftAt time.Time, steps []workforce.Step) (*workforce.Termination, error) {
	var out *workforce.Termination
	err := s.InTx(ctx, func(tx *Scope) error {
		m, err := tx.Member(ctx, memberID)
		if err != nil {
			return err
		}
		m.LeftAt = &leftAt
		if err := m.Validate(); err != nil {
			return err
		}
		if err := tx.PutMember(ctx, m); err != nil {
			return err
		}
		if m.SecurityOfficial {
			// A person who left is no longer the security official: the role is vacant until someone is named.
			if _, err := tx.exec(ctx, `UPDATE workforce_members SET security_official = ? WHERE practice_id = ? AND id = ?`, false, m.ID); err != nil {
				return tx.fail(err, "clear the security official")
			}
			q := tx.db.dialect.rebind(`UPDATE practices SET security_official = '' WHERE id = ? AND security_official = ?`)
			if _, err := tx.writer().ExecContext(ctx, q, tx.practiceID, m.Name); err != nil {
				return tx.fail(err, "clear the security official in the practice profile")
			}
			m.SecurityOfficial = false
		}
		var next int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM termination_steps WHERE practice_id = ? AND member_id = ?`, m.ID).Scan(&next); err != nil {
			return tx.fail(err, "read the termination checklist")
		}
		for i, st := range steps {
			if _, err := tx.exec(ctx, `INSERT INTO termination_steps (practice_id, id, member_id, position, item, electronic, done_at, done_by)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, item) DO NOTHING`,
				hipaa.NewID("stp"), m.ID, next+i, st.Item, st.Electronic, tx.db.dialect.optTime(st.DoneAt), st.DoneBy); err != nil {
				return tx.fail(err, "save the termination checklist")
			}
		}
		out, err = tx.termination(ctx, m)
		return err
	})
	return out, err
}

// CompleteStep marks one checklist item of a departed member done at the
// given time. item matches an item's text, in any case, or its start.
func (s *Scope) CompleteStep(ctx context.Context, memberID, item string, at time.Time, by string) (*workforce.Termination, error) {
	var out *workforce.Termination
	err := s.InTx(ctx, func(tx *Scope) error {
		m, err := tx.Member(ctx, memberID)
		if err != nil {
			return err
		}
		t, err := tx.termination(ctx, m)
		if err != nil {
			return err
		}
		if m.LeftAt == nil {
			return hipaa.Errorf(hipaa.EInvalid, "%s has not left: start the checklist with `safeguard workforce leave %q --at TIME`", m.Name, m.Name)
		}
		var match []workforce.Step
		want := strings.ToLower(strings.TrimSpace(item))
		for _, st := range t.Steps {
			name := strings.ToLower(st.Item)
			if name == want {
				match = []workforce.Step{st}
				break
			}
			if want != "" && strings.HasPrefix(name, want) {
				match = append(match, st)
			}
		}
		if len(match) != 1 {
			var items []string
			for _, st := range t.Open() {
				items = append(items, "\""+st.Item+"\"")
			}
			what := "matches no"
			if len(match) > 1 {
				what = "matches more than one"
			}
			return hipaa.Errorf(hipaa.EInvalid, "--item %q %s checklist item of %s: open items are %s", item, what, m.Name, strings.Join(items, ", "))
		}
		if at.Before(*m.LeftAt) {
			at = *m.LeftAt // access removed before the leaving time counts as removed on leaving
		}
		if _, err := tx.exec(ctx, `UPDATE termination_steps SET done_at = ?, done_by = ? WHERE practice_id = ? AND id = ?`,
			tx.db.dialect.timeArg(at), by, match[0].ID); err != nil {
			return tx.fail(err, "update the checklist")
		}
		out, err = tx.termination(ctx, m)
		return err
	})
	return out, err
}

func (s *Scope) termination(ctx context.Context, m *workforce.Member) (*workforce.Termination, error) {
	rows, err := s.query(ctx, `SELECT id, member_id, item, electronic, done_at, done_by FROM termination_steps
		WHERE practice_id = ? AND member_id = ? ORDER BY position, id`, m.ID)
	if err != nil {
		return nil, s.fail(err, "read the termination checklist")
	}
	defer rows.Close()
	t := &workforce.Termination{Member: m, Steps: []workforce.Step{}}
	for rows.Next() {
		var st workforce.Step
		var at timeCol
		if err := rows.Scan(&st.ID, &st.MemberID, &st.Item, &st.Electronic, &at, &st.DoneBy); err != nil {
			return nil, s.fail(err, "read the termination checklist")
		}
		st.DoneAt = at.ptr()
		t.Steps = append(t.Steps, st)
	}
	return t, s.fail(rows.Err(), "read the termination checklist")
}

// Terminations returns the checklists of every member who has left.
func (s *Scope) Terminations(ctx context.Context) ([]*workforce.Termination, error) {
	members, err := s.Members(ctx)
	if err != nil {
		return nil, err
	}
	var out []*workforce.Termination
	for _, m := range members {
		if m.LeftAt == nil {
			continue
		}
		t, err := s.termination(ctx, m)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// AddContingencyTest records a contingency plan test.
func (s *Scope) AddContingencyTest(ctx context.Context, c *workforce.ContingencyTest) error {
	c.ID, c.RecordedAt = hipaa.NewID("cpt"), s.db.Now()
	_, err := s.exec(ctx, `INSERT INTO contingency_tests (practice_id, id, tested_on, kind, scope, result, restore_hours, lessons,
		performed_by, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.TestedOn, c.Kind, c.Scope, c.Result,
		c.RestoreHours, c.Lessons, c.PerformedBy, s.db.dialect.timeArg(c.RecordedAt), c.RecordedBy)
	return s.fail(err, "save the contingency test")
}

// ContingencyTests lists contingency plan tests, newest first.
func (s *Scope) ContingencyTests(ctx context.Context) ([]*workforce.ContingencyTest, error) {
	rows, err := s.query(ctx, `SELECT id, tested_on, kind, scope, result, restore_hours, lessons, performed_by, recorded_at, recorded_by
		FROM contingency_tests WHERE practice_id = ? ORDER BY tested_on DESC, id DESC`)
	if err != nil {
		return nil, s.fail(err, "list contingency tests")
	}
	defer rows.Close()
	var out []*workforce.ContingencyTest
	for rows.Next() {
		var c workforce.ContingencyTest
		var at timeCol
		if err := rows.Scan(&c.ID, &c.TestedOn, &c.Kind, &c.Scope, &c.Result, &c.RestoreHours, &c.Lessons, &c.PerformedBy, &at, &c.RecordedBy); err != nil {
			return nil, s.fail(err, "read contingency tests")
		}
		c.RecordedAt = at.t
		out = append(out, &c)
	}
	return out, s.fail(rows.Err(), "read contingency tests")
}
