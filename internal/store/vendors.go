package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/vendors"
)

const vendorColumns = `v.id, v.name, v.service, v.contact, v.ephi, v.systems, v.active, v.baa_status, v.baa_signed_on,
	v.baa_expires_on, v.reviewed_on, v.verified_on, v.terms, v.due_diligence, v.agreement_sha256, v.notes, v.created_at,
	v.updated_at, f.name, f.media_type, f.size, f.added_at, f.added_by`

const vendorFrom = ` FROM vendors v LEFT JOIN agreement_files f ON f.practice_id = v.practice_id AND f.sha256 = v.agreement_sha256`

func scanVendor(row interface{ Scan(...any) error }) (*vendors.Vendor, error) {
	var v vendors.Vendor
	var uses []string
	var sha string
	var created, updated, added timeCol
	var fname, ftype, fby sql.NullString
	var fsize sql.NullInt64
	v.Systems, v.Terms, v.DueDiligence = []string{}, map[string]bool{}, map[string]vendors.DDAnswer{}
	if err := row.Scan(&v.ID, &v.Name, &v.Service, &v.Contact, jsonCol{&uses}, jsonCol{&v.Systems}, &v.Active, &v.BAA,
		&v.SignedOn, &v.ExpiresOn, &v.ReviewedOn, &v.VerifiedOn, jsonCol{&v.Terms}, jsonCol{&v.DueDiligence}, &sha, &v.Notes,
		&created, &updated, &fname, &ftype, &fsize, &added, &fby); err != nil {
		return nil, err
	}
	v.EPHI = make([]vendors.Use, 0, len(uses))
	for _, u := range uses {
		v.EPHI = append(v.EPHI, vendors.Use(u))
	}
	v.CreatedAt, v.UpdatedAt = created.t, updated.t
	if sha != "" {
		v.Agreement = &vendors.FileRef{SHA256: sha, Name: fname.String, MediaType: ftype.String, Size: fsize.Int64, AddedAt: added.t, AddedBy: fby.String}
	}
	return &v, nil
}

// PutVendor saves a vendor: a new one (empty ID) is created, an existing one
// updated. When file is given it is stored by its SHA-256 (once, however many
// vendors share it) and becomes the vendor's agreement. Validate the vendor
// first; this checks only what the database knows (a duplicate name).
func (s *Scope) PutVendor(ctx context.Context, v *vendors.Vendor, file *vendors.File, by string) error {
	return s.InTx(ctx, func(tx *Scope) error {
		now := tx.db.Now()
		d := tx.db.dialect
		if file != nil {
			if _, err := tx.exec(ctx, `INSERT INTO agreement_files (practice_id, sha256, name, media_type, size, content, added_at, added_by)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (practice_id, sha256) DO NOTHING`,
				file.SHA256, file.Name, file.MediaType, file.Size, file.Content, d.timeArg(now), by); err != nil {
				return tx.fail(err, "store the agreement file")
			}
			ref := file.FileRef
			ref.AddedAt, ref.AddedBy = now, by
			v.Agreement = &ref
		}
		var same int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM vendors WHERE practice_id = ? AND LOWER(name) = LOWER(?) AND id <> ?`,
			v.Name, v.ID).Scan(&same); err != nil {
			return tx.fail(err, "check the vendor register")
		}
		if same > 0 {
			return hipaa.Errorf(hipaa.EConflict, "a vendor named %q is already in the register: change it with `safeguard vendors update %q`", v.Name, v.Name)
		}
		sha := ""
		if v.Agreement != nil {
			sha = v.Agreement.SHA256
		}
		uses := make([]string, 0, len(v.EPHI))
		for _, u := range v.EPHI {
			uses = append(uses, string(u))
		}
		v.UpdatedAt = now
		var err error
		if v.ID == "" {
			v.ID, v.CreatedAt = hipaa.NewID("vnd"), now
			_, err = tx.exec(ctx, `INSERT INTO vendors (practice_id, id, name, service, contact, ephi, systems, active, baa_status,
				baa_signed_on, baa_expires_on, reviewed_on, verified_on, terms, due_diligence, agreement_sha256, notes, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				v.ID, v.Name, v.Service, v.Contact, jsonCol{uses}, jsonCol{v.Systems}, v.Active, v.BAA, v.SignedOn, v.ExpiresOn,
				v.ReviewedOn, v.VerifiedOn, jsonCol{v.Terms}, jsonCol{v.DueDiligence}, sha, v.Notes, d.timeArg(v.CreatedAt), d.timeArg(now))
		} else {
			var res sql.Result
			res, err = tx.exec(ctx, `UPDATE vendors SET name = ?, service = ?, contact = ?, ephi = ?, systems = ?, active = ?,
				baa_status = ?, baa_signed_on = ?, baa_expires_on = ?, reviewed_on = ?, verified_on = ?, terms = ?, due_diligence = ?,
				agreement_sha256 = ?, notes = ?, updated_at = ? WHERE practice_id = ? AND id = ?`,
				v.Name, v.Service, v.Contact, jsonCol{uses}, jsonCol{v.Systems}, v.Active, v.BAA, v.SignedOn, v.ExpiresOn,
				v.ReviewedOn, v.VerifiedOn, jsonCol{v.Terms}, jsonCol{v.DueDiligence}, sha, v.Notes, d.timeArg(now), v.ID)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					return hipaa.Errorf(hipaa.ENotFound, "vendor %s not found for this practice: see `safeguard vendors list`", v.ID)
				}
			}
		}
		if d.isUniqueViolation(err) {
			return hipaa.Errorf(hipaa.EConflict, "a vendor named %q is already in the register: change it with `safeguard vendors update %q`", v.Name, v.Name)
		}
		return tx.fail(err, "save vendor "+v.Name)
	})
}

// Vendors lists the practice's vendors by name.
func (s *Scope) Vendors(ctx context.Context) ([]*vendors.Vendor, error) {
	rows, err := s.query(ctx, `SELECT `+vendorColumns+vendorFrom+` WHERE v.practice_id = ? ORDER BY LOWER(v.name)`)
	if err != nil {
		return nil, s.fail(err, "list vendors")
	}
	defer rows.Close()
	var out []*vendors.Vendor
	for rows.Next() {
		v, err := scanVendor(rows)
		if err != nil {
			return nil, s.fail(err, "read vendors")
		}
		out = append(out, v)
	}
	return out, s.fail(rows.Err(), "read vendors")
}

// Vendor returns the vendor whose ID or name (in any case) is ref.
func (s *Scope) Vendor(ctx context.Context, ref string) (*vendors.Vendor, error) {
	v, err := scanVendor(s.queryRow(ctx, `SELECT `+vendorColumns+vendorFrom+` WHERE v.practice_id = ? AND (v.id = ? OR LOWER(v.name) = LOWER(?))`, ref, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "no vendor %q in the register: see `safeguard vendors list`", ref)
	}
	if err != nil {
		return nil, s.fail(err, "read the vendor")
	}
	return v, nil
}

// AgreementFile returns a stored agreement file with its bytes.
func (s *Scope) AgreementFile(ctx context.Context, sha string) (*vendors.File, error) {
	var f vendors.File
	var added timeCol
	err := s.queryRow(ctx, `SELECT sha256, name, media_type, size, content, added_at, added_by FROM agreement_files
		WHERE practice_id = ? AND sha256 = ?`, sha).Scan(&f.SHA256, &f.Name, &f.MediaType, &f.Size, &f.Content, &added, &f.AddedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "no stored agreement file with SHA-256 %s", sha)
	}
	if err != nil {
		return nil, s.fail(err, "read the agreement file")
	}
	f.AddedAt = added.t
	return &f, nil
}
