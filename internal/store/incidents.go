package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/incident"
)

const incidentColumns = `id, title, category, discovered_on, occurred_on, reported_by, description, phi_involved, status, actions,
	outcome, assessment, notices, closed_on, created_at, updated_at`

func scanIncident(row interface{ Scan(...any) error }) (*incident.Incident, error) {
	var in incident.Incident
	var raw json.RawMessage
	var created, updated timeCol
	in.Notices = []incident.Notice{}
	if err := row.Scan(&in.ID, &in.Title, &in.Category, &in.DiscoveredOn, &in.OccurredOn, &in.ReportedBy, &in.Description,
		&in.PHIInvolved, &in.Status, &in.Actions, &in.Outcome, jsonCol{&raw}, jsonCol{&in.Notices}, &in.ClosedOn, &created, &updated); err != nil {
		return nil, err
	}
	if len(raw) > 0 && string(raw) != "{}" && string(raw) != "null" {
		var a incident.Assessment
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		in.Assessment = &a
	}
	in.CreatedAt, in.UpdatedAt = created.t, updated.t
	return &in, nil
}

// assessmentArg binds an incident's breach assessment as JSON, "{}" when none.
func assessmentArg(a *incident.Assessment) (string, error) {
	if a == nil {
		return "{}", nil
	}
	b, err := json.Marshal(a)
	return string(b), err
}

// PutIncident saves an incident: a new one (empty ID) is logged, an existing
// one updated. Validate the incident first.
func (s *Scope) PutIncident(ctx context.Context, in *incident.Incident) error {
	d := s.db.dialect
	now := s.db.Now()
	in.UpdatedAt = now
	asm, err := assessmentArg(in.Assessment)
	if err != nil {
		return hipaa.WrapError(hipaa.EInternal, err, "encode the breach assessment")
	}
	if in.ID == "" {
		in.ID, in.CreatedAt = hipaa.NewID("inc"), now
		_, err = s.exec(ctx, `INSERT INTO incidents (practice_id, id, title, category, discovered_on, occurred_on, reported_by, description,
			phi_involved, status, actions, outcome, assessment, notices, closed_on, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.ID, in.Title, in.Category, in.DiscoveredOn, in.OccurredOn, in.ReportedBy, in.Description, in.PHIInvolved, in.Status,
			in.Actions, in.Outcome, asm, jsonCol{in.Notices}, in.ClosedOn, d.timeArg(now), d.timeArg(now))
		return s.fail(err, "log the incident")
	}
	res, err := s.exec(ctx, `UPDATE incidents SET title = ?, category = ?, discovered_on = ?, occurred_on = ?, reported_by = ?,
		description = ?, phi_involved = ?, status = ?, actions = ?, outcome = ?, assessment = ?, notices = ?, closed_on = ?, updated_at = ?
		WHERE practice_id = ? AND id = ?`,
		in.Title, in.Category, in.DiscoveredOn, in.OccurredOn, in.ReportedBy, in.Description, in.PHIInvolved, in.Status, in.Actions,
		in.Outcome, asm, jsonCol{in.Notices}, in.ClosedOn, d.timeArg(now), in.ID)
	if err != nil {
		return s.fail(err, "update the incident")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "incident %s not found: see `safeguard incidents list`", in.ID)
	}
	return nil
}

// Incidents lists the incident log, most recently discovered first.
func (s *Scope) Incidents(ctx context.Context) ([]*incident.Incident, error) {
	rows, err := s.query(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE practice_id = ? ORDER BY discovered_on DESC, id DESC`)
	if err != nil {
		return nil, s.fail(err, "list incidents")
	}
	defer rows.Close()
	var out []*incident.Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, s.fail(err, "read incidents")
		}
		out = append(out, in)
	}
	return out, s.fail(rows.Err(), "read incidents")
}

// Incident returns one incident by ID.
func (s *Scope) Incident(ctx context.Context, id string) (*incident.Incident, error) {
	in, err := scanIncident(s.queryRow(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE practice_id = ? AND id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "incident %s not found: see `safeguard incidents list`", id)
	}
	if err != nil {
		return nil, s.fail(err, "read the incident")
	}
	return in, nil
}
