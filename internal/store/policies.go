package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/policy"
)

const policyColumns = `p.id, p.doc_key, p.version, p.title, p.status, p.standards, p.citations, p.body, p.body_sha256, p.assessment_id,
	p.generated_at, p.generated_by, p.approved_by, p.approved_at, p.effective_on, p.review_due, p.ended_on, p.retain_until,
	(SELECT COUNT(*) FROM policy_acknowledgements a WHERE a.policy_version_id = p.id)`

func scanPolicy(row interface{ Scan(...any) error }) (*policy.Version, error) {
	var v policy.Version
	var gen, appr timeCol
	v.Standards, v.Citations = []string{}, []string{}
	if err := row.Scan(&v.ID, &v.Key, &v.Version, &v.Title, &v.Status, jsonCol{&v.Standards}, jsonCol{&v.Citations}, &v.Body,
		&v.BodySHA256, &v.AssessmentID, &gen, &v.GeneratedBy, &v.ApprovedBy, &appr, &v.EffectiveOn, &v.ReviewDue, &v.EndedOn,
		&v.RetainUntil, &v.Acknowledgements); err != nil {
		return nil, err
	}
	v.GeneratedAt, v.ApprovedAt = gen.t, appr.ptr()
	return &v, nil
}

// PolicyVersions lists every version of every policy of the practice, by
// document key and version.
func (s *Scope) PolicyVersions(ctx context.Context) ([]*policy.Version, error) {
	rows, err := s.query(ctx, `SELECT `+policyColumns+` FROM policy_versions p WHERE p.practice_id = ? ORDER BY p.doc_key, p.version`)
	if err != nil {
		return nil, s.fail(err, "list policies")
	}
	defer rows.Close()
	var out []*policy.Version
	for rows.Next() {
		v, err := scanPolicy(rows)
		if err != nil {
			return nil, s.fail(err, "read policies")
		}
		out = append(out, v)
	}
	return out, s.fail(rows.Err(), "read policies")
}

// PolicyVersion returns one policy version by ID.
func (s *Scope) PolicyVersion(ctx context.Context, id string) (*policy.Version, error) {
	v, err := scanPolicy(s.queryRow(ctx, `SELECT `+policyColumns+` FROM policy_versions p WHERE p.practice_id = ? AND p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "policy version %s not found: see `safeguard policies list`", id)
	}
	if err != nil {
		return nil, s.fail(err, "read the policy")
	}
	return v, nil
}

// PutPolicyVersion saves a policy version: a new one (empty ID) is added; an
// existing one has its body (drafts only) and its status fields updated.
func (s *Scope) PutPolicyVersion(ctx context.Context, v *policy.Version) error {
	d := s.db.dialect
	if v.ID == "" {
		v.ID = hipaa.NewID("pol")
		_, err := s.exec(ctx, `INSERT INTO policy_versions (practice_id, id, doc_key, version, title, status, standards, citations, body,
			body_sha256, assessment_id, generated_at, generated_by, approved_by, approved_at, effective_on, review_due, ended_on, retain_until)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.ID, v.Key, v.Version, v.Title, v.Status, jsonCol{v.Standards}, jsonCol{v.Citations}, v.Body, v.BodySHA256, v.AssessmentID,
			d.timeArg(v.GeneratedAt), v.GeneratedBy, v.ApprovedBy, d.optTime(v.ApprovedAt), v.EffectiveOn, v.ReviewDue, v.EndedOn, v.RetainUntil)
		if d.isUniqueViolation(err) {
			return hipaa.Errorf(hipaa.EConflict, "policy %s version %d already exists", v.Key, v.Version)
		}
		return s.fail(err, "save policy "+v.Key)
	}
	res, err := s.exec(ctx, `UPDATE policy_versions SET title = ?, status = ?, standards = ?, citations = ?,
		body = CASE WHEN status = 'draft' THEN ? ELSE body END, body_sha256 = CASE WHEN status = 'draft' THEN ? ELSE body_sha256 END,
		assessment_id = ?, generated_at = ?, generated_by = ?, approved_by = ?, approved_at = ?, effective_on = ?, review_due = ?,
		ended_on = ?, retain_until = ? WHERE practice_id = ? AND id = ?`,
		v.Title, v.Status, jsonCol{v.Standards}, jsonCol{v.Citations}, v.Body, v.BodySHA256, v.AssessmentID, d.timeArg(v.GeneratedAt),
		v.GeneratedBy, v.ApprovedBy, d.optTime(v.ApprovedAt), v.EffectiveOn, v.ReviewDue, v.EndedOn, v.RetainUntil, v.ID)
	if err != nil {
		return s.fail(err, "update policy "+v.Key)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "policy version %s not found", v.ID)
	}
	return nil
}

// AddAcknowledgement records that a member read a policy version. A second
// acknowledgement of the same version by the same person is refused.
func (s *Scope) AddAcknowledgement(ctx context.Context, a *policy.Acknowledgement) error {
	a.ID, a.RecordedAt = hipaa.NewID("ack"), s.db.Now()
	_, err := s.exec(ctx, `INSERT INTO policy_acknowledgements (practice_id, id, policy_version_id, member_id, acknowledged_on, recorded_at, recorded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, a.ID, a.VersionID, a.MemberID, a.AcknowledgedOn, s.db.dialect.timeArg(a.RecordedAt), a.RecordedBy)
	if s.db.dialect.isUniqueViolation(err) {
		return hipaa.Errorf(hipaa.EConflict, "%s has already acknowledged this version", a.MemberName)
	}
	return s.fail(err, "save the acknowledgement")
}

// Acknowledgements lists who acknowledged a policy version, by name.
func (s *Scope) Acknowledgements(ctx context.Context, versionID string) ([]*policy.Acknowledgement, error) {
	rows, err := s.query(ctx, `SELECT a.id, a.policy_version_id, a.member_id, m.name, a.acknowledged_on, a.recorded_at, a.recorded_by
		FROM policy_acknowledgements a JOIN workforce_members m ON m.id = a.member_id
		WHERE a.practice_id = ? AND a.policy_version_id = ? ORDER BY LOWER(m.name)`, versionID)
	if err != nil {
		return nil, s.fail(err, "list acknowledgements")
	}
	defer rows.Close()
	var out []*policy.Acknowledgement
	for rows.Next() {
		var a policy.Acknowledgement
		var at timeCol
		if err := rows.Scan(&a.ID, &a.VersionID, &a.MemberID, &a.MemberName, &a.AcknowledgedOn, &at, &a.RecordedBy); err != nil {
			return nil, s.fail(err, "read acknowledgements")
		}
		a.RecordedAt = at.t
		out = append(out, &a)
	}
	return out, s.fail(rows.Err(), "read acknowledgements")
}

// PolicySettings returns the practice's saved policy settings (empty fields
// mean "use the default").
func (s *Scope) PolicySettings(ctx context.Context) (policy.Settings, error) {
	var out policy.Settings
	err := s.queryRow(ctx, `SELECT settings FROM policy_settings WHERE practice_id = ?`).Scan(jsonCol{&out})
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	return out, s.fail(err, "read the policy settings")
}

// SavePolicySettings replaces the practice's policy settings.
func (s *Scope) SavePolicySettings(ctx context.Context, set policy.Settings, by string) error {
	_, err := s.exec(ctx, `INSERT INTO policy_settings (practice_id, settings, updated_at, updated_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (practice_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		jsonCol{set}, s.db.dialect.timeArg(s.db.Now()), by)
	return s.fail(err, "save the policy settings")
}
