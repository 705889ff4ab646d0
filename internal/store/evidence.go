package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Evidence is a file attached to an answer: a policy, a screenshot, a
// signed form that shows the safeguard is in place (164.316(b)(1)).
type Evidence struct {
	ID           string    `json:"id"`
	AssessmentID string    `json:"assessment_id"`
	QuestionID   string    `json:"question_id"`
	Filename     string    `json:"filename"`
	ContentType  string    `json:"content_type"`
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"`
	UploadedBy   string    `json:"uploaded_by"`
	UploadedAt   time.Time `json:"uploaded_at"`
	Data         []byte    `json:"-"`
}

const evidenceColumns = `id, assessment_id, question_id, filename, content_type, size, sha256, uploaded_by, uploaded_at`

// AddEvidence stores a file for an answer, giving it an ID and a checksum.
func (s *Scope) AddEvidence(ctx context.Context, e *Evidence) error {
	e.ID = hipaa.NewID("evd")
	e.UploadedAt = s.db.Now()
	e.Size = int64(len(e.Data))
	sum := sha256.Sum256(e.Data)
	e.SHA256 = hex.EncodeToString(sum[:])
	_, err := s.exec(ctx, `INSERT INTO evidence (practice_id, `+evidenceColumns+`, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.AssessmentID, e.QuestionID, e.Filename, e.ContentType, e.Size, e.SHA256, e.UploadedBy, s.db.dialect.timeArg(e.UploadedAt), e.Data)
	return s.fail(err, "save the evidence file")
}

// EvidenceList lists the files of an assessment, without their contents,
// by question and upload time.
func (s *Scope) EvidenceList(ctx context.Context, assessmentID string) ([]*Evidence, error) {
	rows, err := s.query(ctx, `SELECT `+evidenceColumns+` FROM evidence WHERE practice_id = ? AND assessment_id = ?
		ORDER BY question_id, uploaded_at, id`, assessmentID)
	if err != nil {
		return nil, s.fail(err, "list evidence files")
	}
	defer rows.Close()
	var out []*Evidence
	for rows.Next() {
		e, err := scanEvidence(rows)
		if err != nil {
			return nil, s.fail(err, "read evidence files")
		}
		out = append(out, e)
	}
	return out, s.fail(rows.Err(), "read evidence files")
}

func scanEvidence(row interface{ Scan(...any) error }, extra ...any) (*Evidence, error) {
	var e Evidence
	var at timeCol
	err := row.Scan(append([]any{&e.ID, &e.AssessmentID, &e.QuestionID, &e.Filename, &e.ContentType, &e.Size, &e.SHA256, &e.UploadedBy, &at}, extra...)...)
	e.UploadedAt = at.t
	return &e, err
}

// EvidenceFile returns one file of the practice with its contents.
func (s *Scope) EvidenceFile(ctx context.Context, id string) (*Evidence, error) {
	var data []byte
	e, err := scanEvidence(s.queryRow(ctx, `SELECT `+evidenceColumns+`, data FROM evidence WHERE practice_id = ? AND id = ?`, id), &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "evidence file %s not found for this practice", id)
	}
	if err != nil {
		return nil, s.fail(err, "read the evidence file")
	}
	e.Data = data
	return e, nil
}

// DeleteEvidence removes one file of the practice.
func (s *Scope) DeleteEvidence(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `DELETE FROM evidence WHERE practice_id = ? AND id = ?`, id)
	if err != nil {
		return s.fail(err, "delete the evidence file")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "evidence file %s not found for this practice", id)
	}
	return nil
}
