package store

import (
	"context"
	"fmt"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// RiskBrief is the little of a risk that a dashboard draws: its place on the
// heat map and whether its action is overdue.
type RiskBrief struct {
	ID         string
	Title      string
	Owner      string
	Due        string
	Likelihood int
	Impact     int
	Level      hipaa.Level
	Status     hipaa.RiskStatus
}

// RiskBriefs lists the active risks of an assessment in brief, without
// their long text and lists, for summaries over many risks.
func (s *Scope) RiskBriefs(ctx context.Context, assessmentID string) ([]RiskBrief, error) {
	rows, err := s.query(ctx, `SELECT id, title, owner, due, likelihood, impact, level, status FROM risks
		WHERE practice_id = ? AND assessment_id = ? AND active = ?`, assessmentID, true)
	if err != nil {
		return nil, s.fail(err, "list risks")
	}
	defer rows.Close()
	var out []RiskBrief
	for rows.Next() {
		var r RiskBrief
		if err := rows.Scan(&r.ID, &r.Title, &r.Owner, &r.Due, &r.Likelihood, &r.Impact, &r.Level, &r.Status); err != nil {
			return nil, s.fail(err, "read risks")
		}
		out = append(out, r)
	}
	return out, s.fail(rows.Err(), "read risks")
}

// ChangeMark returns a short text that changes whenever anything an
// assessment's summary is computed from changes: its answers, its risks,
// the practice's findings and assessments. Summaries cached under a mark
// stay right for as long as the mark is the same, even with several app
// instances sharing the database.
func (s *Scope) ChangeMark(ctx context.Context, assessmentID string) (string, error) {
	var nAns, nRisk, nFind, nOpen, nAssess int64
	var ansAt, riskAt, findAt timeCol
	err := s.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM answers WHERE practice_id = ? AND assessment_id = ?),
		(SELECT MAX(answered_at) FROM answers WHERE practice_id = ? AND assessment_id = ?),
		(SELECT COUNT(*) FROM risks WHERE practice_id = ? AND assessment_id = ?),
		(SELECT MAX(updated_at) FROM risks WHERE practice_id = ? AND assessment_id = ?),
		(SELECT COUNT(*) FROM findings WHERE practice_id = ?),
		(SELECT COUNT(*) FROM findings WHERE practice_id = ? AND status = 'open'),
		(SELECT MAX(last_seen) FROM findings WHERE practice_id = ?),
		(SELECT COUNT(*) FROM assessments WHERE practice_id = ?)`,
		assessmentID, assessmentID, assessmentID, assessmentID).Scan(&nAns, &ansAt, &nRisk, &riskAt, &nFind, &nOpen, &findAt, &nAssess)
	if err != nil {
		return "", s.fail(err, "read the change mark")
	}
	return fmt.Sprintf("%d/%d/%d/%d/%d/%d/%d/%d/%d", nAns, ansAt.t.UnixMicro(), nRisk, riskAt.t.UnixMicro(), nFind, nOpen,
		findAt.t.UnixMicro(), nAssess, len(assessmentID)), nil
}
