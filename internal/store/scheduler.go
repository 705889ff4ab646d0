package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// TryLease takes the lease on a job until the given time, if the last lease
// has run out. Only the holder runs the job,
// so several app instances sharing one database never run it twice at once.
func (db *DB) TryLease(ctx context.Context, job, holder string, until time.Time) (bool, error) {
	d := db.dialect
	now := db.Now()
	if _, err := db.write.ExecContext(ctx, d.rebind(`INSERT INTO job_leases (job, holder, lease_until) VALUES (?, ?, ?) ON CONFLICT (job) DO NOTHING`),
		job, "", d.timeArg(now.Add(-time.Second))); err != nil {
		return false, db.fail(err, "prepare the job lease")
	}
	res, err := db.write.ExecContext(ctx, d.rebind(`UPDATE job_leases SET holder = ?, lease_until = ? WHERE job = ? AND lease_until <= ?`),
		holder, d.timeArg(until), job, d.timeArg(now))
	if err != nil {
		return false, db.fail(err, "take the job lease")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishJob records when a job last ran and how it ended.
func (db *DB) FinishJob(ctx context.Context, job string, runErr error) error {
	msg := ""
	if runErr != nil {
		msg = hipaa.ErrorMessage(runErr)
	}
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(`UPDATE job_leases SET last_run_at = ?, last_error = ? WHERE job = ?`),
		db.dialect.timeArg(db.Now()), msg, job)
	return db.fail(err, "record the job")
}

// JobStatus is when a scheduled job last ran and how it ended.
type JobStatus struct {
	Job       string     `json:"job"`
	LastRunAt *time.Time `json:"last_run_at,omitempty"`
	LastError string     `json:"last_error,omitempty"`
}

// Jobs lists the scheduled jobs' last runs, for the dashboard.
func (db *DB) Jobs(ctx context.Context) ([]JobStatus, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT job, last_run_at, last_error FROM job_leases ORDER BY job`)
	if err != nil {
		return nil, db.fail(err, "read jobs")
	}
	defer rows.Close()
	out := []JobStatus{}
	for rows.Next() {
		var j JobStatus
		var at timeCol
		if err := rows.Scan(&j.Job, &at, &j.LastError); err != nil {
			return nil, db.fail(err, "read jobs")
		}
		j.LastRunAt = at.ptr()
		out = append(out, j)
	}
	return out, db.fail(rows.Err(), "read jobs")
}

// WatchSource is a folder the scheduler watches for new files of one kind
// (an nmap scan, an EHR audit-log export…), with importer options.
type WatchSource struct {
	ID      string            `json:"id"`
	Kind    string            `json:"kind"`
	Path    string            `json:"path"`
	Options map[string]string `json:"options"`
}

// AddWatchSource adds a watched folder.
func (s *Scope) AddWatchSource(ctx context.Context, w *WatchSource) error {
	w.ID = hipaa.NewID("wch")
	if w.Options == nil {
		w.Options = map[string]string{}
	}
	opts, _ := json.Marshal(w.Options)
	_, err := s.exec(ctx, `INSERT INTO watch_sources (practice_id, id, kind, path, options, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		w.ID, w.Kind, w.Path, string(opts), s.db.dialect.timeArg(s.db.Now()))
	if s.db.dialect.isUniqueViolation(err) {
		return hipaa.Errorf(hipaa.EConflict, "%s is already watched for %s files", w.Path, w.Kind)
	}
	return s.fail(err, "save the watched folder")
}

// RemoveWatchSource stops watching a folder.
func (s *Scope) RemoveWatchSource(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `DELETE FROM watch_sources WHERE practice_id = ? AND id = ?`, id)
	if err != nil {
		return s.fail(err, "remove the watched folder")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "watched folder %s not found", id)
	}
	return nil
}

// WatchSources lists the practice's watched folders.
func (s *Scope) WatchSources(ctx context.Context) ([]WatchSource, error) {
	rows, err := s.query(ctx, `SELECT id, kind, path, options FROM watch_sources WHERE practice_id = ? ORDER BY kind, path`)
	if err != nil {
		return nil, s.fail(err, "read watched folders")
	}
	defer rows.Close()
	out := []WatchSource{}
	for rows.Next() {
		var w WatchSource
		w.Options = map[string]string{}
		if err := rows.Scan(&w.ID, &w.Kind, &w.Path, jsonCol{&w.Options}); err != nil {
			return nil, s.fail(err, "read watched folders")
		}
		out = append(out, w)
	}
	return out, s.fail(rows.Err(), "read watched folders")
}

// FileTaken reports whether a file (by name and content hash) was already taken from a watched folder.
func (s *Scope) FileTaken(ctx context.Context, sourceID, name, sha string) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM watch_files WHERE practice_id = ? AND source_id = ? AND name = ? AND sha256 = ?`, sourceID, name, sha).Scan(&n)
	return n > 0, s.fail(err, "read watched files")
}

// TakeFile records the outcome of importing a file from a watched folder.
func (s *Scope) TakeFile(ctx context.Context, sourceID, name, sha, status, message string) error {
	_, err := s.exec(ctx, `INSERT INTO watch_files (practice_id, source_id, name, sha256, status, message, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source_id, name, sha256) DO UPDATE SET status = excluded.status, message = excluded.message, taken_at = excluded.taken_at`,
		sourceID, name, sha, status, message, s.db.dialect.timeArg(s.db.Now()))
	return s.fail(err, "record the watched file")
}
