package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

const practiceColumns = `id, slug, name, locations, workforce_size, ehr_system, specialty, time_zone, security_official, created_at, updated_at`

func scanPractice(row interface{ Scan(...any) error }) (*hipaa.Practice, error) {
	var p hipaa.Practice
	var created, updated timeCol
	p.Locations = []string{}
	if err := row.Scan(&p.ID, &p.Slug, &p.Name, jsonCol{&p.Locations}, &p.WorkforceSize, &p.EHRSystem, &p.Specialty,
		&p.TimeZone, &p.SecurityOfficial, &created, &updated); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = created.t, updated.t
	return &p, nil
}

// CreatePractice validates and stores a new practice, giving it an ID.
func (db *DB) CreatePractice(ctx context.Context, p *hipaa.Practice) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p.ID = hipaa.NewID("prc")
	p.CreatedAt = db.Now()
	p.UpdatedAt = p.CreatedAt
	q := db.dialect.rebind(`INSERT INTO practices (` + practiceColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	_, err := db.write.ExecContext(ctx, q, p.ID, p.Slug, p.Name, jsonCol{p.Locations}, p.WorkforceSize, p.EHRSystem,
		p.Specialty, p.TimeZone, p.SecurityOfficial, db.dialect.timeArg(p.CreatedAt), db.dialect.timeArg(p.UpdatedAt))
	if db.dialect.isUniqueViolation(err) {
		return hipaa.Errorf(hipaa.EConflict, "a practice with slug %q already exists: choose another --slug", p.Slug)
	}
	return db.fail(err, "save the practice")
}

// UpdatePractice saves changes to a practice's profile.
func (db *DB) UpdatePractice(ctx context.Context, p *hipaa.Practice) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p.UpdatedAt = db.Now()
	q := db.dialect.rebind(`UPDATE practices SET slug = ?, name = ?, locations = ?, workforce_size = ?, ehr_system = ?,
		specialty = ?, time_zone = ?, security_official = ?, updated_at = ? WHERE id = ?`)
	res, err := db.write.ExecContext(ctx, q, p.Slug, p.Name, jsonCol{p.Locations}, p.WorkforceSize, p.EHRSystem,
		p.Specialty, p.TimeZone, p.SecurityOfficial, db.dialect.timeArg(p.UpdatedAt), p.ID)
	if db.dialect.isUniqueViolation(err) {
		return hipaa.Errorf(hipaa.EConflict, "a practice with slug %q already exists", p.Slug)
	}
	if err != nil {
		return db.fail(err, "update the practice")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "practice %s not found", p.ID)
	}
	return nil
}

// DeletePractice removes a practice and everything it owns.
func (db *DB) DeletePractice(ctx context.Context, id string) error {
	res, err := db.write.ExecContext(ctx, db.dialect.rebind(`DELETE FROM practices WHERE id = ?`), id)
	if err != nil {
		return db.fail(err, "delete the practice")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "practice %s not found", id)
	}
	return nil
}

// Practices lists every practice in the database, by name. This is one of the
// few queries that is not scoped to one practice.
func (db *DB) Practices(ctx context.Context) ([]*hipaa.Practice, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+practiceColumns+` FROM practices ORDER BY name, slug`)
	if err != nil {
		return nil, db.fail(err, "list practices")
	}
	defer rows.Close()
	var out []*hipaa.Practice
	for rows.Next() {
		p, err := scanPractice(rows)
		if err != nil {
			return nil, db.fail(err, "read practices")
		}
		out = append(out, p)
	}
	return out, db.fail(rows.Err(), "read practices")
}

// FindPractice returns the practice whose ID or slug is ref.
func (db *DB) FindPractice(ctx context.Context, ref string) (*hipaa.Practice, error) {
	ref = strings.TrimSpace(ref)
	q := db.dialect.rebind(`SELECT ` + practiceColumns + ` FROM practices WHERE id = ? OR slug = ?`)
	p, err := scanPractice(db.read.QueryRowContext(ctx, q, ref, strings.ToLower(ref)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "no practice %q in %s: see `safeguard practice list`", ref, db.where)
	}
	if err != nil {
		return nil, db.fail(err, "read the practice")
	}
	return p, nil
}
