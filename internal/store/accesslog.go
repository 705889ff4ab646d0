package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/accesslog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// SaveAccessRun records an audit-log analysis and the review details of its
// findings. The findings must have been saved (PutFindings) in the same
// transaction, so that their IDs are known.
func (s *Scope) SaveAccessRun(ctx context.Context, run *accesslog.Run, findings []*hipaa.Finding, details []*accesslog.Detail) error {
	return s.InTx(ctx, func(tx *Scope) error {
		d := tx.db.dialect
		if _, err := tx.exec(ctx, `INSERT INTO access_runs (practice_id, id, started_at, actor, files, events, bad_rows, period_start,
			period_end, findings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, run.ID, d.timeArg(run.StartedAt), run.Actor, jsonCol{run.Files},
			run.Events, run.BadRows, d.optTime(run.PeriodStart), d.optTime(run.PeriodEnd), run.Findings); err != nil {
			return tx.fail(err, "record the audit-log analysis")
		}
		ids := make(map[string]string, len(findings))
		for _, f := range findings {
			ids[f.Fingerprint] = f.ID
		}
		now := tx.db.Now()
		for _, det := range details {
			id := ids[det.Fingerprint]
			if id == "" {
				continue
			}
			det.FindingID = id
			if _, err := tx.exec(ctx, `DELETE FROM access_findings WHERE practice_id = ? AND finding_id = ?`, id); err != nil {
				return tx.fail(err, "save audit-log finding details")
			}
			if _, err := tx.exec(ctx, `INSERT INTO access_findings (practice_id, finding_id, run_id, user_login, patient, event_count,
				suggested_action, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, det.RunID, det.User, det.Patient, det.Count, det.Action,
				d.timeArg(now)); err != nil {
				return tx.fail(err, "save audit-log finding details")
			}
		}
		return nil
	})
}

// AccessRuns lists the practice's audit-log analyses, newest first.
func (s *Scope) AccessRuns(ctx context.Context) ([]*accesslog.Run, error) {
	rows, err := s.query(ctx, `SELECT id, started_at, actor, files, events, bad_rows, period_start, period_end, findings
		FROM access_runs WHERE practice_id = ? ORDER BY started_at DESC`)
	if err != nil {
		return nil, s.fail(err, "list audit-log analyses")
	}
	defer rows.Close()
	var out []*accesslog.Run
	for rows.Next() {
		var r accesslog.Run
		var at, ps, pe timeCol
		r.Files = []accesslog.FileStats{}
		if err := rows.Scan(&r.ID, &at, &r.Actor, jsonCol{&r.Files}, &r.Events, &r.BadRows, &ps, &pe, &r.Findings); err != nil {
			return nil, s.fail(err, "read audit-log analyses")
		}
		r.StartedAt, r.PeriodStart, r.PeriodEnd = at.t, ps.ptr(), pe.ptr()
		out = append(out, &r)
	}
	return out, s.fail(rows.Err(), "read audit-log analyses")
}

// AccessItem is one entry of the audit-log review queue.
type AccessItem struct {
	Finding *hipaa.Finding    `json:"finding"`
	Detail  *accesslog.Detail `json:"detail"`
}

// AccessQueue lists audit-log findings with their review details, most
// severe first; status and rule narrow the list when not empty.
func (s *Scope) AccessQueue(ctx context.Context, status hipaa.FindingStatus, rule string) ([]*AccessItem, error) {
	q := `SELECT f.id, f.source, f.rule, f.severity, f.title, f.subject, f.citations, f.evidence, f.status, f.fingerprint,
		f.first_seen, f.last_seen, COALESCE(a.run_id, ''), COALESCE(a.user_login, ''), COALESCE(a.patient, ''), COALESCE(a.event_count, 0),
		COALESCE(a.suggested_action, '')
		FROM findings f LEFT JOIN access_findings a ON a.finding_id = f.id
		WHERE f.practice_id = ? AND f.source = 'accesslog'`
	var args []any
	if status != "" {
		q += ` AND f.status = ?`
		args = append(args, status)
	}
	if rule != "" {
		q += ` AND f.rule = ?`
		args = append(args, strings.ToUpper(rule))
	}
	q += ` ORDER BY CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'moderate' THEN 2 WHEN 'low' THEN 1 ELSE 0 END DESC,
		f.rule, f.subject`
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.fail(err, "list the audit-log review queue")
	}
	defer rows.Close()
	var out []*AccessItem
	for rows.Next() {
		var f hipaa.Finding
		var d accesslog.Detail
		var first, last timeCol
		f.Citations, f.Evidence = []string{}, []map[string]any{}
		if err := rows.Scan(&f.ID, &f.Source, &f.Rule, &f.Severity, &f.Title, &f.Subject, jsonCol{&f.Citations}, jsonCol{&f.Evidence},
			&f.Status, &f.Fingerprint, &first, &last, &d.RunID, &d.User, &d.Patient, &d.Count, &d.Action); err != nil {
			return nil, s.fail(err, "read the audit-log review queue")
		}
		f.FirstSeen, f.LastSeen = first.t, last.t
		d.FindingID = f.ID
		out = append(out, &AccessItem{Finding: &f, Detail: &d})
	}
	return out, s.fail(rows.Err(), "read the audit-log review queue")
}

// ReviewAccessFinding records a reviewer's decision on an audit-log finding
// and sets the finding's status; an escalation also opens an incident.
func (s *Scope) ReviewAccessFinding(ctx context.Context, r *accesslog.Review, inc *accesslog.Incident) error {
	if err := r.Check(); err != nil {
		return err
	}
	return s.InTx(ctx, func(tx *Scope) error {
		var source, rule, subject, title string
		err := tx.queryRow(ctx, `SELECT source, rule, subject, title FROM findings WHERE practice_id = ? AND id = ?`, r.FindingID).
			Scan(&source, &rule, &subject, &title)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return hipaa.Errorf(hipaa.ENotFound, "finding %s not found for this practice: see `safeguard access review list`", r.FindingID)
			}
			return tx.fail(err, "read the finding")
		}
		if source != accesslog.Source {
			return hipaa.Errorf(hipaa.EInvalid, "finding %s comes from %s, not from the audit-log review: review it with `safeguard findings`", r.FindingID, source)
		}
		d := tx.db.dialect
		now := tx.db.Now()
		r.ID, r.DecidedAt = hipaa.NewID("arv"), now
		status := hipaa.FindingConfirmed
		switch r.Decision {
		case accesslog.Dismissed:
			status = hipaa.FindingDismissed
		case accesslog.Escalated:
			if inc == nil {
				inc = &accesslog.Incident{}
			}
			inc.ID, inc.FindingID, inc.Rule, inc.Subject, inc.Status = hipaa.NewID("ain"), r.FindingID, rule, subject, "open"
			inc.OpenedBy, inc.OpenedAt = r.DecidedBy, now
			if inc.Summary == "" {
				inc.Summary = title
			}
			if _, err := tx.exec(ctx, `INSERT INTO access_incidents (practice_id, id, finding_id, rule, subject, summary, status, opened_by,
				opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, inc.ID, inc.FindingID, inc.Rule, inc.Subject, inc.Summary, inc.Status,
				inc.OpenedBy, d.timeArg(now)); err != nil {
				return tx.fail(err, "open the incident")
			}
			r.IncidentID = inc.ID
		}
		if _, err := tx.exec(ctx, `INSERT INTO access_reviews (practice_id, id, finding_id, decision, reason, sanction, incident_id,
			decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.FindingID, r.Decision, r.Reason, r.Sanction, r.IncidentID,
			r.DecidedBy, d.timeArg(now)); err != nil {
			return tx.fail(err, "record the review")
		}
		return tx.SetFindingStatus(ctx, r.FindingID, status)
	})
}

// AccessReviews lists review decisions, newest first; a finding ID narrows them to one finding.
func (s *Scope) AccessReviews(ctx context.Context, findingID string) ([]*accesslog.Review, error) {
	q := `SELECT id, finding_id, decision, reason, sanction, incident_id, decided_by, decided_at FROM access_reviews WHERE practice_id = ?`
	var args []any
	if findingID != "" {
		q += ` AND finding_id = ?`
		args = append(args, findingID)
	}
	rows, err := s.query(ctx, q+` ORDER BY decided_at DESC`, args...)
	if err != nil {
		return nil, s.fail(err, "list reviews")
	}
	defer rows.Close()
	var out []*accesslog.Review
	for rows.Next() {
		var r accesslog.Review
		var at timeCol
		if err := rows.Scan(&r.ID, &r.FindingID, &r.Decision, &r.Reason, &r.Sanction, &r.IncidentID, &r.DecidedBy, &at); err != nil {
			return nil, s.fail(err, "read reviews")
		}
		r.DecidedAt = at.t
		out = append(out, &r)
	}
	return out, s.fail(rows.Err(), "read reviews")
}

// AccessIncidents lists incidents opened from audit-log findings, newest first.
func (s *Scope) AccessIncidents(ctx context.Context) ([]*accesslog.Incident, error) {
	rows, err := s.query(ctx, `SELECT id, finding_id, rule, subject, summary, status, opened_by, opened_at FROM access_incidents
		WHERE practice_id = ? ORDER BY opened_at DESC`)
	if err != nil {
		return nil, s.fail(err, "list audit-log incidents")
	}
	defer rows.Close()
	var out []*accesslog.Incident
	for rows.Next() {
		var in accesslog.Incident
		var at timeCol
		if err := rows.Scan(&in.ID, &in.FindingID, &in.Rule, &in.Subject, &in.Summary, &in.Status, &in.OpenedBy, &at); err != nil {
			return nil, s.fail(err, "read audit-log incidents")
		}
		in.OpenedAt = at.t
		out = append(out, &in)
	}
	return out, s.fail(rows.Err(), "read audit-log incidents")
}

// SignOffAccessReview records that signedBy reviewed the audit logs of the
// days from..to (YYYY-MM-DD, in loc), with the counts that show what the
// review covered: analyses, events, findings and decisions in the period.
func (s *Scope) SignOffAccessReview(ctx context.Context, from, to string, loc *time.Location, signedBy, note string) (*accesslog.Signoff, error) {
	signedBy = strings.TrimSpace(signedBy)
	if signedBy == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "a sign-off needs the reviewer's name: pass --by \"Full Name\"")
	}
	start, err1 := time.ParseInLocation("2006-01-02", from, loc)
	end, err2 := time.ParseInLocation("2006-01-02", to, loc)
	if err1 != nil || err2 != nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "the review period needs dates written as YYYY-MM-DD: --from %q --to %q", from, to)
	}
	if end.Before(start) {
		return nil, hipaa.Errorf(hipaa.EInvalid, "the review period ends (%s) before it starts (%s)", to, from)
	}
	end = end.AddDate(0, 0, 1)
	so := &accesslog.Signoff{ID: hipaa.NewID("aso"), PeriodStart: from, PeriodEnd: to, SignedBy: signedBy, Note: strings.TrimSpace(note)}
	err := s.InTx(ctx, func(tx *Scope) error {
		runs, err := tx.AccessRuns(ctx)
		if err != nil {
			return err
		}
		for _, r := range runs {
			if r.PeriodStart != nil && r.PeriodEnd != nil && r.PeriodStart.Before(end) && !r.PeriodEnd.Before(start) {
				so.Runs++
				so.Events += r.Events
			}
		}
		if so.Runs == 0 {
			return hipaa.Errorf(hipaa.EInvalid, "no audit-log analysis covers %s to %s: run `safeguard access analyze` on that period's logs first", from, to)
		}
		findings, err := tx.Findings(ctx, FindingFilter{Source: accesslog.Source})
		if err != nil {
			return err
		}
		inPeriod := map[string]bool{}
		for _, f := range findings {
			if f.FirstSeen.After(end) || f.LastSeen.Before(start) {
				continue
			}
			inPeriod[f.ID] = true
			so.Findings++
			if f.Status == hipaa.FindingOpen {
				so.Open++
			}
		}
		reviews, err := tx.AccessReviews(ctx, "")
		if err != nil {
			return err
		}
		decided := map[string]bool{}
		for _, r := range reviews { // newest first: the latest decision counts
			if !inPeriod[r.FindingID] || decided[r.FindingID] {
				continue
			}
			decided[r.FindingID] = true
			switch r.Decision {
			case accesslog.Confirmed:
				so.Confirmed++
			case accesslog.Dismissed:
				so.Dismissed++
			case accesslog.Escalated:
				so.Escalated++
			}
		}
		so.SignedAt = tx.db.Now()
		_, err = tx.exec(ctx, `INSERT INTO access_signoffs (practice_id, id, period_start, period_end, signed_by, signed_at, runs, events,
			findings, open_findings, confirmed, dismissed, escalated, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			so.ID, so.PeriodStart, so.PeriodEnd, so.SignedBy, tx.db.dialect.timeArg(so.SignedAt), so.Runs, so.Events, so.Findings, so.Open,
			so.Confirmed, so.Dismissed, so.Escalated, so.Note)
		return tx.fail(err, "record the sign-off")
	})
	if err != nil {
		return nil, err
	}
	return so, nil
}

// AccessSignoffs lists review sign-offs, newest first.
func (s *Scope) AccessSignoffs(ctx context.Context) ([]*accesslog.Signoff, error) {
	rows, err := s.query(ctx, `SELECT id, period_start, period_end, signed_by, signed_at, runs, events, findings, open_findings, confirmed,
		dismissed, escalated, note FROM access_signoffs WHERE practice_id = ? ORDER BY signed_at DESC`)
	if err != nil {
		return nil, s.fail(err, "list sign-offs")
	}
	defer rows.Close()
	var out []*accesslog.Signoff
	for rows.Next() {
		var so accesslog.Signoff
		var at timeCol
		if err := rows.Scan(&so.ID, &so.PeriodStart, &so.PeriodEnd, &so.SignedBy, &at, &so.Runs, &so.Events, &so.Findings, &so.Open,
			&so.Confirmed, &so.Dismissed, &so.Escalated, &so.Note); err != nil {
			return nil, s.fail(err, "read sign-offs")
		}
		so.SignedAt = at.t
		out = append(out, &so)
	}
	return out, s.fail(rows.Err(), "read sign-offs")
}

// StartRecert opens an access recertification campaign over the given
// accounts. Only one campaign may be open at a time.
func (s *Scope) StartRecert(ctx context.Context, c *accesslog.Campaign, items []*accesslog.RecertItem) error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return hipaa.Errorf(hipaa.EInvalid, "a recertification campaign needs a name: add --name \"Q3 access review\"")
	}
	if strings.TrimSpace(c.StartedBy) == "" {
		return hipaa.Errorf(hipaa.EInvalid, "a recertification campaign needs the name of who starts it: pass --actor \"Full Name\"")
	}
	return s.InTx(ctx, func(tx *Scope) error {
		var open int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM access_recert_campaigns WHERE practice_id = ? AND status = 'open'`).Scan(&open); err != nil {
			return tx.fail(err, "check open campaigns")
		}
		if open > 0 {
			return hipaa.Errorf(hipaa.EConflict, "a recertification campaign is still open: finish it (`safeguard access recertify status`) before starting another")
		}
		d := tx.db.dialect
		c.ID, c.StartedAt, c.Status = hipaa.NewID("arc"), tx.db.Now(), "open"
		if _, err := tx.exec(ctx, `INSERT INTO access_recert_campaigns (practice_id, id, name, started_at, started_by, due_on, status)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Name, d.timeArg(c.StartedAt), c.StartedBy, c.Due, c.Status); err != nil {
			return tx.fail(err, "start the campaign")
		}
		for _, it := range items {
			it.CampaignID, it.Decision = c.ID, "pending"
			if _, err := tx.exec(ctx, `INSERT INTO access_recert_items (practice_id, campaign_id, user_login, user_name, role, department,
				manager, decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, it.Login, it.Name, it.Role, it.Department, it.Manager, it.Decision); err != nil {
				return tx.fail(err, "add account "+it.Login)
			}
		}
		c.Total, c.Pending = len(items), len(items)
		return nil
	})
}

// RecertCampaigns lists campaigns with their progress, newest first.
func (s *Scope) RecertCampaigns(ctx context.Context) ([]*accesslog.Campaign, error) {
	rows, err := s.query(ctx, `SELECT c.id, c.name, c.started_at, c.started_by, c.due_on, c.status, c.closed_at,
		(SELECT COUNT(*) FROM access_recert_items i WHERE i.campaign_id = c.id),
		(SELECT COUNT(*) FROM access_recert_items i WHERE i.campaign_id = c.id AND i.decision = 'confirmed'),
		(SELECT COUNT(*) FROM access_recert_items i WHERE i.campaign_id = c.id AND i.decision = 'removed')
		FROM access_recert_campaigns c WHERE c.practice_id = ? ORDER BY c.started_at DESC`)
	if err != nil {
		return nil, s.fail(err, "list recertification campaigns")
	}
	defer rows.Close()
	var out []*accesslog.Campaign
	for rows.Next() {
		var c accesslog.Campaign
		var at, closed timeCol
		if err := rows.Scan(&c.ID, &c.Name, &at, &c.StartedBy, &c.Due, &c.Status, &closed, &c.Total, &c.Confirmed, &c.Removed); err != nil {
			return nil, s.fail(err, "read recertification campaigns")
		}
		c.StartedAt, c.ClosedAt = at.t, closed.ptr()
		c.Pending = c.Total - c.Confirmed - c.Removed
		out = append(out, &c)
	}
	return out, s.fail(rows.Err(), "read recertification campaigns")
}

// RecertCampaign returns a campaign by ID, or the newest one when id is empty.
func (s *Scope) RecertCampaign(ctx context.Context, id string) (*accesslog.Campaign, error) {
	list, err := s.RecertCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if id == "" || c.ID == id {
			return c, nil
		}
	}
	if id == "" {
		return nil, hipaa.Errorf(hipaa.ENotFound, "no recertification campaign yet: start one with `safeguard access recertify start --users FILE`")
	}
	return nil, hipaa.Errorf(hipaa.ENotFound, "recertification campaign %s not found for this practice", id)
}

// RecertItems lists the accounts of a campaign.
func (s *Scope) RecertItems(ctx context.Context, campaignID string) ([]*accesslog.RecertItem, error) {
	rows, err := s.query(ctx, `SELECT campaign_id, user_login, user_name, role, department, manager, decision, decided_by, decided_at, note
		FROM access_recert_items WHERE practice_id = ? AND campaign_id = ? ORDER BY LOWER(user_login)`, campaignID)
	if err != nil {
		return nil, s.fail(err, "list campaign accounts")
	}
	defer rows.Close()
	var out []*accesslog.RecertItem
	for rows.Next() {
		var it accesslog.RecertItem
		var at timeCol
		if err := rows.Scan(&it.CampaignID, &it.Login, &it.Name, &it.Role, &it.Department, &it.Manager, &it.Decision, &it.DecidedBy, &at, &it.Note); err != nil {
			return nil, s.fail(err, "read campaign accounts")
		}
		it.DecidedAt = at.ptr()
		out = append(out, &it)
	}
	return out, s.fail(rows.Err(), "read campaign accounts")
}

// DecideRecert records a manager's decision on one account ("confirmed" or
// "removed"); the campaign closes when no account is left pending.
func (s *Scope) DecideRecert(ctx context.Context, campaignID, login, decision, by, note string) (*accesslog.Campaign, error) {
	if decision != "confirmed" && decision != "removed" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "unknown decision %q: use confirmed or removed", decision)
	}
	if strings.TrimSpace(by) == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "a recertification decision needs the manager's name: add --by \"Full Name\"")
	}
	if decision == "removed" && strings.TrimSpace(note) == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "removing access needs a note, e.g. --note \"left the practice; account disabled\"")
	}
	var out *accesslog.Campaign
	err := s.InTx(ctx, func(tx *Scope) error {
		c, err := tx.RecertCampaign(ctx, campaignID)
		if err != nil {
			return err
		}
		if c.Status != "open" {
			return hipaa.Errorf(hipaa.EConflict, "recertification campaign %s is closed", c.ID)
		}
		d := tx.db.dialect
		now := tx.db.Now()
		res, err := tx.exec(ctx, `UPDATE access_recert_items SET decision = ?, decided_by = ?, decided_at = ?, note = ?
			WHERE practice_id = ? AND campaign_id = ? AND LOWER(user_login) = LOWER(?)`, decision, strings.TrimSpace(by), d.timeArg(now),
			strings.TrimSpace(note), c.ID, login)
		if err != nil {
			return tx.fail(err, "record the decision")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return hipaa.Errorf(hipaa.ENotFound, "account %q is not in campaign %s: see `safeguard access recertify status`", login, c.ID)
		}
		var pending int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM access_recert_items WHERE practice_id = ? AND campaign_id = ? AND decision = 'pending'`,
			c.ID).Scan(&pending); err != nil {
			return tx.fail(err, "count pending accounts")
		}
		if pending == 0 {
			if _, err := tx.exec(ctx, `UPDATE access_recert_campaigns SET status = 'closed', closed_at = ? WHERE practice_id = ? AND id = ?`,
				d.timeArg(now), c.ID); err != nil {
				return tx.fail(err, "close the campaign")
			}
		}
		out, err = tx.RecertCampaign(ctx, c.ID)
		return err
	})
	return out, err
}
