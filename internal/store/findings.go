package store

import (
	"context"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

const findingColumns = `id, source, rule, severity, title, subject, citations, evidence, status, fingerprint, first_seen, last_seen`

// FindingFilter narrows a findings listing.
type FindingFilter struct {
	Source string
	// Status keeps findings in this status; empty keeps all.
	Status hipaa.FindingStatus
	// MinSeverity keeps findings at or above this severity.
	MinSeverity hipaa.Severity
}

// PutFindings records what an analyzer found, all in one transaction. A
// finding whose fingerprint is already known keeps its ID, first-seen date and
// review status, and has its details and last-seen date refreshed.
func (s *Scope) PutFindings(ctx context.Context, fs []*hipaa.Finding) error {
	if len(fs) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Scope) error {
		now := tx.db.Now()
		d := tx.db.dialect
		stmt, err := tx.prepare(ctx, putFindingSQL, make([]any, 12)...)
		if err != nil {
			return tx.fail(err, "save findings")
		}
		defer stmt.Close()
		for _, f := range fs {
			if f.Fingerprint == "" {
				f.Fingerprint = f.Source + "|" + f.Rule + "|" + f.Subject
			}
			if f.Severity.Rank() < 0 {
				return hipaa.Errorf(hipaa.EInvalid, "finding %s: unknown severity %q", f.Rule, f.Severity)
			}
			if f.FirstSeen.IsZero() {
				f.FirstSeen = now
			}
			if f.LastSeen.IsZero() {
				f.LastSeen = now
			}
			if f.Status == "" {
				f.Status = hipaa.FindingOpen
			}
			if f.Evidence == nil {
				f.Evidence = []map[string]any{}
			}
			id := hipaa.NewID("fnd")
			row := stmt.queryRow(ctx, id, f.Source, f.Rule, f.Severity, f.Title, f.Subject, jsonCol{f.Citations}, jsonCol{f.Evidence}, f.Status,
				f.Fingerprint, d.timeArg(f.FirstSeen), d.timeArg(f.LastSeen))
			var first timeCol
			if err := row.Scan(&f.ID, &f.Status, &first); err != nil {
				return tx.fail(err, "save finding "+f.Rule)
			}
			f.FirstSeen = first.t
		}
		return nil
	})
}

// putFindingSQL saves one finding, keeping the ID, first-seen date and
// review status of one already known by its fingerprint.
const putFindingSQL = `INSERT INTO findings (practice_id, id, source, rule, severity, title, subject, citations,
	evidence, status, fingerprint, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (practice_id, fingerprint) DO UPDATE SET severity = excluded.severity, title = excluded.title,
	subject = excluded.subject, citations = excluded.citations, evidence = excluded.evidence,
	last_seen = excluded.last_seen,
	status = CASE WHEN findings.status = 'resolved' THEN 'open' ELSE findings.status END
	RETURNING id, status, first_seen`

// ResolveMissing marks as resolved the open findings of a source that a fresh
// run did not report again (their fingerprints are not in seen).
func (s *Scope) ResolveMissing(ctx context.Context, source string, seen map[string]bool) (int, error) {
	all, err := s.Findings(ctx, FindingFilter{Source: source})
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.InTx(ctx, func(tx *Scope) error {
		for _, f := range all {
			if seen[f.Fingerprint] || f.Status == hipaa.FindingResolved || f.Status == hipaa.FindingDismissed {
				continue
			}
			if _, err := tx.exec(ctx, `UPDATE findings SET status = 'resolved' WHERE practice_id = ? AND id = ?`, f.ID); err != nil {
				return tx.fail(err, "resolve finding "+f.ID)
			}
			n++
		}
		return nil
	})
	return n, err
}

// SetFindingStatus changes a finding's review status.
func (s *Scope) SetFindingStatus(ctx context.Context, id string, status hipaa.FindingStatus) error {
	res, err := s.exec(ctx, `UPDATE findings SET status = ? WHERE practice_id = ? AND id = ?`, status, id)
	if err != nil {
		return s.fail(err, "update the finding")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "finding %s not found for this practice", id)
	}
	return nil
}

// Findings lists the practice's findings, most severe first.
func (s *Scope) Findings(ctx context.Context, f FindingFilter) ([]*hipaa.Finding, error) {
	q := `SELECT ` + findingColumns + ` FROM findings WHERE practice_id = ?`
	var args []any
	if f.Source != "" {
		q += ` AND source = ?`
		args = append(args, f.Source)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	q += ` ORDER BY CASE severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'moderate' THEN 2 WHEN 'low' THEN 1 ELSE 0 END DESC, rule, subject`
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.fail(err, "list findings")
	}
	defer rows.Close()
	var out []*hipaa.Finding
	for rows.Next() {
		var x hipaa.Finding
		var first, last timeCol
		x.Citations, x.Evidence = []string{}, []map[string]any{}
		if err := rows.Scan(&x.ID, &x.Source, &x.Rule, &x.Severity, &x.Title, &x.Subject, jsonCol{&x.Citations},
			jsonCol{&x.Evidence}, &x.Status, &x.Fingerprint, &first, &last); err != nil {
			return nil, s.fail(err, "read findings")
		}
		x.FirstSeen, x.LastSeen = first.t, last.t
		if f.MinSeverity != "" && x.Severity.Rank() < f.MinSeverity.Rank() {
			continue
		}
		out = append(out, &x)
	}
	return out, s.fail(rows.Err(), "read findings")
}
