package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

const assessmentColumns = `id, practice_id, title, status, bank_version, previous_id, started_at, started_by,
	finalized_at, finalized_by, needs_review, review_reason`

func scanAssessment(row interface{ Scan(...any) error }) (*hipaa.Assessment, error) {
	var a hipaa.Assessment
	var prev sql.NullString
	var started, finalized timeCol
	if err := row.Scan(&a.ID, &a.PracticeID, &a.Title, &a.Status, &a.BankVersion, &prev, &started, &a.StartedBy,
		&finalized, &a.FinalizedBy, &a.NeedsReview, &a.ReviewReason); err != nil {
		return nil, err
	}
	a.PreviousID = prev.String
	a.StartedAt = started.t
	a.FinalizedAt = finalized.ptr()
	return &a, nil
}

// CreateAssessment starts a draft assessment. When a.PreviousID is set, the
// previous assessment's answers are copied in, so a yearly review starts from
// last year's work.
func (s *Scope) CreateAssessment(ctx context.Context, a *hipaa.Assessment) error {
	a.ID = hipaa.NewID("asm")
	a.PracticeID = s.practiceID
	a.Status = hipaa.StatusDraft
	a.StartedAt = s.db.Now()
	d := s.db.dialect
	var prev any
	if a.PreviousID != "" {
		prev = a.PreviousID
	}
	return s.InTx(ctx, func(tx *Scope) error {
		if a.PreviousID != "" {
			if _, err := tx.Assessment(ctx, a.PreviousID); err != nil {
				return err
			}
		}
		_, err := tx.exec(ctx, `INSERT INTO assessments (practice_id, id, title, status, bank_version, previous_id, started_at,
			started_by, needs_review, review_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.Title, a.Status, a.BankVersion, prev, d.timeArg(a.StartedAt), a.StartedBy, false, "")
		if err != nil {
			return tx.fail(err, "save the assessment")
		}
		if a.PreviousID == "" {
			return nil
		}
		_, err = tx.exec(ctx, `INSERT INTO answers (practice_id, assessment_id, question_id, value, note, justification, answered_by, answered_at)
			SELECT practice_id, ?, question_id, value, note, justification, answered_by, answered_at
			FROM answers WHERE practice_id = ? AND assessment_id = ?`, a.ID, a.PreviousID)
		return tx.fail(err, "copy the previous answers")
	})
}

// Assessment returns one assessment of the practice.
func (s *Scope) Assessment(ctx context.Context, id string) (*hipaa.Assessment, error) {
	a, err := scanAssessment(s.queryRow(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE practice_id = ? AND id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "assessment %s not found for this practice: see `safeguard assess list`", id)
	}
	if err != nil {
		return nil, s.fail(err, "read the assessment")
	}
	return a, nil
}

// Assessments lists the practice's assessments, newest first.
func (s *Scope) Assessments(ctx context.Context) ([]*hipaa.Assessment, error) {
	rows, err := s.query(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE practice_id = ? ORDER BY started_at DESC, id DESC`)
	if err != nil {
		return nil, s.fail(err, "list assessments")
	}
	defer rows.Close()
	var out []*hipaa.Assessment
	for rows.Next() {
		a, err := scanAssessment(rows)
		if err != nil {
			return nil, s.fail(err, "read assessments")
		}
		out = append(out, a)
	}
	return out, s.fail(rows.Err(), "read assessments")
}

// SaveAnswers stores answers in one assessment, all or none. A finalized
// assessment cannot change.
func (s *Scope) SaveAnswers(ctx context.Context, assessmentID string, answers []hipaa.Answer) error {
	return s.InTx(ctx, func(tx *Scope) error {
		a, err := tx.Assessment(ctx, assessmentID)
		if err != nil {
			return err
		}
		if a.Status == hipaa.StatusFinalized {
			return hipaa.Errorf(hipaa.EConflict, "assessment %s was finalized on %s and cannot change: start a new one with `safeguard assess start`",
				a.ID, a.FinalizedAt.Format("2006-01-02"))
		}
		now := tx.db.Now()
		for _, ans := range answers {
			if ans.AnsweredAt.IsZero() {
				ans.AnsweredAt = now
			}
			_, err := tx.exec(ctx, `INSERT INTO answers (practice_id, assessment_id, question_id, value, note, justification, answered_by, answered_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (assessment_id, question_id) DO UPDATE SET value = excluded.value, note = excluded.note,
				justification = excluded.justification, answered_by = excluded.answered_by, answered_at = excluded.answered_at`,
				assessmentID, ans.QuestionID, ans.Value, ans.Note, ans.Justification, ans.AnsweredBy, tx.db.dialect.timeArg(ans.AnsweredAt))
			if err != nil {
				return tx.fail(err, "save answer "+ans.QuestionID)
			}
		}
		return nil
	})
}

// Answers returns the answers of an assessment, keyed by question ID.
func (s *Scope) Answers(ctx context.Context, assessmentID string) (map[string]hipaa.Answer, error) {
	rows, err := s.query(ctx, `SELECT question_id, value, note, justification, answered_by, answered_at
		FROM answers WHERE practice_id = ? AND assessment_id = ?`, assessmentID)
	if err != nil {
		return nil, s.fail(err, "read answers")
	}
	defer rows.Close()
	out := map[string]hipaa.Answer{}
	for rows.Next() {
		var a hipaa.Answer
		var at timeCol
		if err := rows.Scan(&a.QuestionID, &a.Value, &a.Note, &a.Justification, &a.AnsweredBy, &at); err != nil {
			return nil, s.fail(err, "read answers")
		}
		a.AnsweredAt = at.t
		out[a.QuestionID] = a
	}
	return out, s.fail(rows.Err(), "read answers")
}

// FinalizeAssessment marks an assessment finalized by a named person. After
// this, its answers and risks are a fixed record.
func (s *Scope) FinalizeAssessment(ctx context.Context, id, by string) (*hipaa.Assessment, error) {
	var out *hipaa.Assessment
	err := s.InTx(ctx, func(tx *Scope) error {
		a, err := tx.Assessment(ctx, id)
		if err != nil {
			return err
		}
		if a.Status == hipaa.StatusFinalized {
			return hipaa.Errorf(hipaa.EConflict, "assessment %s is already finalized", id)
		}
		now := tx.db.Now()
		if _, err := tx.exec(ctx, `UPDATE assessments SET status = 'finalized', finalized_at = ?, finalized_by = ?
			WHERE practice_id = ? AND id = ?`, tx.db.dialect.timeArg(now), by, id); err != nil {
			return tx.fail(err, "finalize the assessment")
		}
		a.Status, a.FinalizedAt, a.FinalizedBy = hipaa.StatusFinalized, &now, by
		out = a
		return nil
	})
	return out, err
}

// MarkNeedsReview flags every assessment of the practice that is the latest
// (draft or finalized) as needing review, with a reason.
func (s *Scope) MarkNeedsReview(ctx context.Context, reason string) error {
	_, err := s.exec(ctx, `UPDATE assessments SET needs_review = ?, review_reason = ?
		WHERE practice_id = ? AND id = (SELECT id FROM assessments WHERE practice_id = ?
		ORDER BY started_at DESC, id DESC LIMIT 1)`, true, reason)
	return s.fail(err, "mark the assessment for review")
}

// AddChangeEvent records a change in the practice and marks the latest
// assessment as needing review, in one transaction.
func (s *Scope) AddChangeEvent(ctx context.Context, e *hipaa.ChangeEvent) error {
	if _, ok := hipaa.ChangeKinds[e.Kind]; !ok {
		return hipaa.Errorf(hipaa.EInvalid, "unknown change kind %q", e.Kind)
	}
	if _, err := time.Parse("2006-01-02", e.OccurredOn); err != nil {
		return hipaa.Errorf(hipaa.EInvalid, "date %q is not a date: use YYYY-MM-DD", e.OccurredOn)
	}
	e.ID = hipaa.NewID("chg")
	e.RecordedAt = s.db.Now()
	return s.InTx(ctx, func(tx *Scope) error {
		if _, err := tx.exec(ctx, `INSERT INTO change_events (practice_id, id, kind, description, occurred_on, recorded_at, recorded_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, e.ID, e.Kind, e.Description, e.OccurredOn, tx.db.dialect.timeArg(e.RecordedAt), e.RecordedBy); err != nil {
			return tx.fail(err, "save the change event")
		}
		reason := hipaa.ChangeKinds[e.Kind] + " (" + e.OccurredOn + ")"
		if e.Description != "" {
			reason += ": " + e.Description
		}
		return tx.MarkNeedsReview(ctx, reason)
	})
}

// ChangeEvents lists the practice's change events, newest first.
func (s *Scope) ChangeEvents(ctx context.Context) ([]hipaa.ChangeEvent, error) {
	rows, err := s.query(ctx, `SELECT id, kind, description, occurred_on, recorded_at, recorded_by
		FROM change_events WHERE practice_id = ? ORDER BY recorded_at DESC`)
	if err != nil {
		return nil, s.fail(err, "list change events")
	}
	defer rows.Close()
	var out []hipaa.ChangeEvent
	for rows.Next() {
		var e hipaa.ChangeEvent
		var at timeCol
		if err := rows.Scan(&e.ID, &e.Kind, &e.Description, &e.OccurredOn, &at, &e.RecordedBy); err != nil {
			return nil, s.fail(err, "read change events")
		}
		e.RecordedAt = at.t
		out = append(out, e)
	}
	return out, s.fail(rows.Err(), "read change events")
}
