package store

import (
	"context"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Snapshot is the score and open risks of an assessment on one day.
type Snapshot struct {
	AssessmentID string `json:"assessment_id"`
	Day          string `json:"day"`
	Score        int    `json:"score"`
	Critical     int    `json:"critical"`
	High         int    `json:"high"`
	Moderate     int    `json:"moderate"`
	Low          int    `json:"low"`
}

// PutSnapshot records (or replaces) the day's snapshot of an assessment.
func (s *Scope) PutSnapshot(ctx context.Context, sn Snapshot) error {
	_, err := s.exec(ctx, `INSERT INTO score_snapshots (practice_id, assessment_id, day, score, critical, high, moderate, low, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (assessment_id, day) DO UPDATE SET score = excluded.score, critical = excluded.critical,
		high = excluded.high, moderate = excluded.moderate, low = excluded.low, recorded_at = excluded.recorded_at`,
		sn.AssessmentID, sn.Day, sn.Score, sn.Critical, sn.High, sn.Moderate, sn.Low, s.db.dialect.timeArg(s.db.Now()))
	return s.fail(err, "record the score")
}

// Snapshots returns the practice's score history, oldest first.
func (s *Scope) Snapshots(ctx context.Context) ([]Snapshot, error) {
	rows, err := s.query(ctx, `SELECT assessment_id, day, score, critical, high, moderate, low FROM score_snapshots
		WHERE practice_id = ? ORDER BY day, recorded_at`)
	if err != nil {
		return nil, s.fail(err, "read the score history")
	}
	defer rows.Close()
	out := []Snapshot{}
	for rows.Next() {
		var sn Snapshot
		if err := rows.Scan(&sn.AssessmentID, &sn.Day, &sn.Score, &sn.Critical, &sn.High, &sn.Moderate, &sn.Low); err != nil {
			return nil, s.fail(err, "read the score history")
		}
		out = append(out, sn)
	}
	return out, s.fail(rows.Err(), "read the score history")
}

// CountByLevel counts risks by level.
func CountByLevel(risks []*hipaa.Risk) map[hipaa.Level]int {
	out := map[hipaa.Level]int{}
	for _, r := range risks {
		out[r.Level]++
	}
	return out
}
