package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

const riskColumns = `id, assessment_id, risk_key, vulnerability_id, threat_id, title, citations, assets, sources, contradicted,
	computed_likelihood, computed_impact, likelihood, impact, level, override_rationale, residual_likelihood,
	residual_impact, residual_level, treatment, status, owner, due, planned_controls, effort, approver,
	acceptance_rationale, updated_at, active`

func scanRisk(row interface{ Scan(...any) error }) (*hipaa.Risk, bool, error) {
	var r hipaa.Risk
	var updated timeCol
	var active bool
	r.Citations, r.Assets, r.Sources = []string{}, []string{}, []hipaa.RiskSource{}
	err := row.Scan(&r.ID, &r.AssessmentID, &r.Key, &r.VulnerabilityID, &r.ThreatID, &r.Title, jsonCol{&r.Citations},
		jsonCol{&r.Assets}, jsonCol{&r.Sources}, &r.Contradicted, &r.ComputedLikelihood, &r.ComputedImpact, &r.Likelihood,
		&r.Impact, &r.Level, &r.OverrideRationale, &r.ResidualLikelihood, &r.ResidualImpact, &r.ResidualLevel,
		&r.Treatment, &r.Status, &r.Owner, &r.Due, &r.PlannedControls, &r.Effort, &r.Approver, &r.AcceptanceRationale,
		&updated, &active)
	r.UpdatedAt = updated.t
	return &r, active, err
}

// RiskFilter narrows a risk listing.
type RiskFilter struct {
	// IncludeInactive also returns risks that the current answers no longer raise.
	IncludeInactive bool
	// MinLevel keeps risks at or above this level.
	MinLevel hipaa.Level
}

// Risks lists the risks of an assessment, most serious first.
func (s *Scope) Risks(ctx context.Context, assessmentID string, f RiskFilter) ([]*hipaa.Risk, error) {
	q := `SELECT ` + riskColumns + ` FROM risks WHERE practice_id = ? AND assessment_id = ?`
	args := []any{assessmentID}
	if !f.IncludeInactive {
		q += ` AND active = ?`
		args = append(args, true)
	}
	if f.MinLevel != "" {
		q += ` AND level_rank >= ?`
		args = append(args, f.MinLevel.Rank())
	}
	q += ` ORDER BY level_rank DESC, likelihood * impact DESC, title, id`
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.fail(err, "list risks")
	}
	defer rows.Close()
	var out []*hipaa.Risk
	for rows.Next() {
		r, _, err := scanRisk(rows)
		if err != nil {
			return nil, s.fail(err, "read risks")
		}
		out = append(out, r)
	}
	return out, s.fail(rows.Err(), "read risks")
}

// Risk returns one risk of the practice by ID, and whether the current
// answers still raise it.
func (s *Scope) Risk(ctx context.Context, id string) (*hipaa.Risk, bool, error) {
	r, active, err := scanRisk(s.queryRow(ctx, `SELECT `+riskColumns+` FROM risks WHERE practice_id = ? AND id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, hipaa.Errorf(hipaa.ENotFound, "risk %s not found for this practice: see `safeguard risks list`", id)
	}
	if err != nil {
		return nil, false, s.fail(err, "read the risk")
	}
	return r, active, nil
}

// PutRisk inserts or replaces a risk (matched by ID) and sets whether the
// current answers and findings raise it.
func (s *Scope) PutRisk(ctx context.Context, r *hipaa.Risk, active bool) error {
	r.UpdatedAt = s.db.Now()
	_, err := s.exec(ctx, `INSERT INTO risks (practice_id, id, assessment_id, risk_key, vulnerability_id, threat_id, title,
		citations, assets, sources, contradicted, computed_likelihood, computed_impact, likelihood, impact, level, level_rank,
		override_rationale, residual_likelihood, residual_impact, residual_level, treatment, status, owner, due,
		planned_controls, effort, approver, acceptance_rationale, updated_at, active)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, citations = excluded.citations, assets = excluded.assets,
		sources = excluded.sources, contradicted = excluded.contradicted, computed_likelihood = excluded.computed_likelihood,
		computed_impact = excluded.computed_impact, likelihood = excluded.likelihood, impact = excluded.impact,
		level = excluded.level, level_rank = excluded.level_rank, override_rationale = excluded.override_rationale,
		residual_likelihood = excluded.residual_likelihood, residual_impact = excluded.residual_impact,
		residual_level = excluded.residual_level, treatment = excluded.treatment, status = excluded.status,
		owner = excluded.owner, due = excluded.due, planned_controls = excluded.planned_controls, effort = excluded.effort,
		approver = excluded.approver, acceptance_rationale = excluded.acceptance_rationale, updated_at = excluded.updated_at,
		active = excluded.active`,
		r.ID, r.AssessmentID, r.Key, r.VulnerabilityID, r.ThreatID, r.Title, jsonCol{r.Citations}, jsonCol{r.Assets},
		jsonCol{r.Sources}, r.Contradicted, r.ComputedLikelihood, r.ComputedImpact, r.Likelihood, r.Impact, r.Level,
		r.Level.Rank(), r.OverrideRationale, r.ResidualLikelihood, r.ResidualImpact, r.ResidualLevel, r.Treatment, r.Status,
		r.Owner, r.Due, r.PlannedControls, r.Effort, r.Approver, r.AcceptanceRationale, s.db.dialect.timeArg(r.UpdatedAt), active)
	return s.fail(err, "save risk "+r.ID)
}

// SavedRisk is a risk row and whether the current answers and findings raise it.
type SavedRisk struct {
	Risk   *hipaa.Risk
	Active bool
}

// AllRisks returns every risk row of an assessment keyed by risk key, active or not.
func (s *Scope) AllRisks(ctx context.Context, assessmentID string) (map[string]SavedRisk, error) {
	rows, err := s.query(ctx, `SELECT `+riskColumns+` FROM risks WHERE practice_id = ? AND assessment_id = ?`, assessmentID)
	if err != nil {
		return nil, s.fail(err, "list risks")
	}
	defer rows.Close()
	out := map[string]SavedRisk{}
	for rows.Next() {
		r, active, err := scanRisk(rows)
		if err != nil {
			return nil, s.fail(err, "read risks")
		}
		out[r.Key] = SavedRisk{Risk: r, Active: active}
	}
	return out, s.fail(rows.Err(), "read risks")
}

// AddRiskChanges appends entries to a risk's history.
func (s *Scope) AddRiskChanges(ctx context.Context, riskID string, changes []hipaa.RiskChange) error {
	for i, c := range changes {
		if c.At.IsZero() {
			c.At = s.db.Now()
		}
		_, err := s.exec(ctx, `INSERT INTO risk_history (practice_id, id, risk_id, at, actor, field, before, after, rationale)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, hipaa.NewID("rh")+strconv.Itoa(i), riskID, s.db.dialect.timeArg(c.At), c.Actor,
			c.Field, c.Before, c.After, c.Rationale)
		if err != nil {
			return s.fail(err, "record the risk's history")
		}
	}
	return nil
}

// RiskHistory returns a risk's history, oldest first.
func (s *Scope) RiskHistory(ctx context.Context, riskID string) ([]hipaa.RiskChange, error) {
	rows, err := s.query(ctx, `SELECT at, actor, field, before, after, rationale FROM risk_history
		WHERE practice_id = ? AND risk_id = ? ORDER BY at, id`, riskID)
	if err != nil {
		return nil, s.fail(err, "read the risk's history")
	}
	defer rows.Close()
	var out []hipaa.RiskChange
	for rows.Next() {
		var c hipaa.RiskChange
		var at timeCol
		if err := rows.Scan(&at, &c.Actor, &c.Field, &c.Before, &c.After, &c.Rationale); err != nil {
			return nil, s.fail(err, "read the risk's history")
		}
		c.At = at.t
		out = append(out, c)
	}
	return out, s.fail(rows.Err(), "read the risk's history")
}
