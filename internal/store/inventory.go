package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/inventory"
)

// Assets returns the practice's whole inventory, sorted by name.
func (s *Scope) Assets(ctx context.Context) ([]*inventory.Asset, error) {
	rows, err := s.query(ctx, `SELECT data FROM assets WHERE practice_id = ? ORDER BY name, id`)
	if err != nil {
		return nil, s.fail(err, "list assets")
	}
	defer rows.Close()
	var out []*inventory.Asset
	for rows.Next() {
		a := &inventory.Asset{}
		if err := rows.Scan(jsonCol{a}); err != nil {
			return nil, s.fail(err, "read assets")
		}
		out = append(out, a)
	}
	return out, s.fail(rows.Err(), "read assets")
}

// Asset finds one asset by ID, name, host name or IP address. A name that
// several assets share is refused with the IDs to choose from.
func (s *Scope) Asset(ctx context.Context, ref string) (*inventory.Asset, error) {
	ref = strings.TrimSpace(ref)
	all, err := s.Assets(ctx)
	if err != nil {
		return nil, err
	}
	var hits []*inventory.Asset
	for _, a := range all {
		if a.ID == ref {
			return a, nil
		}
		match := strings.EqualFold(a.Name, ref)
		for _, h := range a.Hostnames {
			match = match || strings.EqualFold(h, ref)
		}
		for _, ip := range a.IPs {
			match = match || ip == ref
		}
		if match {
			hits = append(hits, a)
		}
	}
	switch len(hits) {
	case 0:
		return nil, hipaa.Errorf(hipaa.ENotFound, "no asset %q: see `safeguard assets list` for IDs and names", ref)
	case 1:
		return hits[0], nil
	}
	var ids []string
	for _, a := range hits {
		ids = append(ids, a.ID)
	}
	return nil, hipaa.Errorf(hipaa.EInvalid, "%d assets match %q: give one of their IDs (%s)", len(hits), ref, strings.Join(ids, ", "))
}

// PutAssets saves assets, new or changed, in one transaction.
func (s *Scope) PutAssets(ctx context.Context, list []*inventory.Asset) error {
	if len(list) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Scope) error {
		d := tx.db.dialect
		now := tx.db.Now()
		stmt, err := tx.prepare(ctx, putAssetSQL, make([]any, 8)...)
		if err != nil {
			return tx.fail(err, "save assets")
		}
		defer stmt.Close()
		for _, a := range list {
			if a.ID == "" {
				return hipaa.Errorf(hipaa.EInternal, "asset without an ID")
			}
			if a.FirstSeen.IsZero() {
				a.FirstSeen = now
			}
			if a.LastSeen.IsZero() {
				a.LastSeen = now
			}
			_, err := stmt.exec(ctx, a.ID, a.Label(), string(a.Kind), a.Zone, jsonCol{a}, d.timeArg(a.FirstSeen), d.timeArg(a.LastSeen), d.timeArg(now))
			if err != nil {
				return tx.fail(err, "save asset "+a.ID)
			}
		}
		return nil
	})
}

const putAssetSQL = `INSERT INTO assets (practice_id, id, name, kind, zone, data, first_seen, last_seen, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, zone = excluded.zone, data = excluded.data,
	last_seen = excluded.last_seen, updated_at = excluded.updated_at
	WHERE assets.practice_id = excluded.practice_id`

// AssetImport records one import of an asset list or scan, with the scan's
// results kept as evidence of what its source zone could reach.
type AssetImport struct {
	ID         string         `json:"id"`
	Kind       string         `json:"kind"` // nmap, csv, sbom
	File       string         `json:"file"`
	SHA256     string         `json:"sha256"`
	SourceZone string         `json:"source_zone,omitempty"`
	ScannedAt  *time.Time     `json:"scanned_at,omitempty"`
	ImportedAt time.Time      `json:"imported_at"`
	ImportedBy string         `json:"imported_by"`
	Summary    map[string]any `json:"summary"`
	// Scan holds the nmap run's results (nmap imports only).
	Scan *inventory.Scan `json:"scan,omitempty"`
}

// AddAssetImport records an import.
func (s *Scope) AddAssetImport(ctx context.Context, im *AssetImport) error {
	if im.ID == "" {
		im.ID = hipaa.NewID("imp")
	}
	if im.ImportedAt.IsZero() {
		im.ImportedAt = s.db.Now()
	}
	if im.Summary == nil {
		im.Summary = map[string]any{}
	}
	ev := map[string]any{}
	if im.Scan != nil {
		ev["scan"] = im.Scan
	}
	d := s.db.dialect
	_, err := s.exec(ctx, `INSERT INTO asset_imports (practice_id, id, kind, file, sha256, source_zone, scanned_at, imported_at, imported_by, summary, evidence)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		im.ID, im.Kind, im.File, im.SHA256, im.SourceZone, d.optTime(im.ScannedAt), d.timeArg(im.ImportedAt), im.ImportedBy, jsonCol{im.Summary}, jsonCol{ev})
	return s.fail(err, "record the import")
}

// AssetImports lists imports, newest first; kind may be empty for all.
// Scan results are loaded only when withScan is set.
func (s *Scope) AssetImports(ctx context.Context, kind string, withScan bool) ([]*AssetImport, error) {
	cols := `id, kind, file, sha256, source_zone, scanned_at, imported_at, imported_by, summary`
	if withScan {
		cols += `, evidence`
	}
	q := `SELECT ` + cols + ` FROM asset_imports WHERE practice_id = ?`
	var args []any
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	q += ` ORDER BY imported_at DESC, id DESC`
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.fail(err, "list imports")
	}
	defer rows.Close()
	var out []*AssetImport
	for rows.Next() {
		im := &AssetImport{Summary: map[string]any{}}
		var scanned, imported timeCol
		dest := []any{&im.ID, &im.Kind, &im.File, &im.SHA256, &im.SourceZone, &scanned, &imported, &im.ImportedBy, jsonCol{&im.Summary}}
		var ev struct {
			Scan *inventory.Scan `json:"scan"`
		}
		if withScan {
			dest = append(dest, jsonCol{&ev})
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, s.fail(err, "read imports")
		}
		im.ScannedAt, im.ImportedAt, im.Scan = scanned.ptr(), imported.t, ev.Scan
		out = append(out, im)
	}
	return out, s.fail(rows.Err(), "read imports")
}

// NetworkConfig is an imported zones file or firewall policy, kept whole.
type NetworkConfig struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"` // zones, policy
	File       string    `json:"file"`
	Format     string    `json:"format"`
	SHA256     string    `json:"sha256"`
	Content    string    `json:"-"`
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy string    `json:"imported_by"`
}

// PutNetworkConfig records a new version of the zones or the policy.
func (s *Scope) PutNetworkConfig(ctx context.Context, c *NetworkConfig) error {
	if c.ID == "" {
		c.ID = hipaa.NewID("cfg")
	}
	if c.ImportedAt.IsZero() {
		c.ImportedAt = s.db.Now()
	}
	_, err := s.exec(ctx, `INSERT INTO network_configs (practice_id, id, kind, file, format, sha256, content, imported_at, imported_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Kind, c.File, c.Format, c.SHA256, c.Content, s.db.dialect.timeArg(c.ImportedAt), c.ImportedBy)
	return s.fail(err, "save the "+c.Kind)
}

// NetworkConfigs returns the versions of the zones or the policy, newest
// first, at most limit (0 for all).
func (s *Scope) NetworkConfigs(ctx context.Context, kind string, limit int) ([]*NetworkConfig, error) {
	rows, err := s.query(ctx, `SELECT id, kind, file, format, sha256, content, imported_at, imported_by FROM network_configs
		WHERE practice_id = ? AND kind = ? ORDER BY imported_at DESC, id DESC`, kind)
	if err != nil {
		return nil, s.fail(err, "read the "+kind)
	}
	defer rows.Close()
	var out []*NetworkConfig
	for rows.Next() {
		c := &NetworkConfig{}
		var at timeCol
		if err := rows.Scan(&c.ID, &c.Kind, &c.File, &c.Format, &c.SHA256, &c.Content, &at, &c.ImportedBy); err != nil {
			return nil, s.fail(err, "read the "+kind)
		}
		c.ImportedAt = at.t
		out = append(out, c)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, s.fail(rows.Err(), "read the "+kind)
}

// NetworkCheck records one run of the segmentation checks.
type NetworkCheck struct {
	ID        string         `json:"id"`
	CheckedAt time.Time      `json:"checked_at"`
	CheckedBy string         `json:"checked_by"`
	Summary   map[string]any `json:"summary"`
}

// AddNetworkCheck records a check run.
func (s *Scope) AddNetworkCheck(ctx context.Context, c *NetworkCheck) error {
	if c.ID == "" {
		c.ID = hipaa.NewID("chk")
	}
	if c.CheckedAt.IsZero() {
		c.CheckedAt = s.db.Now()
	}
	if c.Summary == nil {
		c.Summary = map[string]any{}
	}
	_, err := s.exec(ctx, `INSERT INTO network_checks (practice_id, id, checked_at, checked_by, summary) VALUES (?, ?, ?, ?, ?)`,
		c.ID, s.db.dialect.timeArg(c.CheckedAt), c.CheckedBy, jsonCol{c.Summary})
	return s.fail(err, "record the network check")
}

// LastNetworkCheck returns the latest check run, or nil if there was none.
func (s *Scope) LastNetworkCheck(ctx context.Context) (*NetworkCheck, error) {
	c := &NetworkCheck{Summary: map[string]any{}}
	var at timeCol
	err := s.queryRow(ctx, `SELECT id, checked_at, checked_by, summary FROM network_checks WHERE practice_id = ?
		ORDER BY checked_at DESC, id DESC LIMIT 1`).Scan(&c.ID, &at, &c.CheckedBy, jsonCol{&c.Summary})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail(err, "read the last network check")
	}
	c.CheckedAt = at.t
	return c, nil
}

// NetworkChange is one entry of the network history: an asset that
// appeared or changed, a firewall rule added or removed, a check run.
type NetworkChange struct {
	ID          string    `json:"id"`
	At          time.Time `json:"at"`
	SubjectKind string    `json:"subject_kind"` // asset, policy, zones, check
	SubjectID   string    `json:"subject_id"`
	Subject     string    `json:"subject"`
	Kind        string    `json:"change"`
	Detail      string    `json:"detail"`
	Source      string    `json:"source"`
}

// AddNetworkChanges records history entries.
func (s *Scope) AddNetworkChanges(ctx context.Context, list []NetworkChange) error {
	if len(list) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Scope) error {
		stmt, err := tx.prepare(ctx, `INSERT INTO network_changes (practice_id, id, at, subject_kind, subject_id, subject, kind, detail, source)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, make([]any, 8)...)
		if err != nil {
			return tx.fail(err, "record the network history")
		}
		defer stmt.Close()
		for i := range list {
			c := &list[i]
			if c.ID == "" {
				c.ID = hipaa.NewID("nch")
			}
			if c.At.IsZero() {
				c.At = tx.db.Now()
			}
			_, err := stmt.exec(ctx, c.ID, tx.db.dialect.timeArg(c.At), c.SubjectKind, c.SubjectID, c.Subject, c.Kind, c.Detail, c.Source)
			if err != nil {
				return tx.fail(err, "record the network history")
			}
		}
		return nil
	})
}

// ChangeFilter narrows the network history.
type ChangeFilter struct {
	SubjectID string
	// After keeps entries strictly after this time.
	After time.Time
	Limit int
}

// NetworkChanges lists history entries, newest first.
func (s *Scope) NetworkChanges(ctx context.Context, f ChangeFilter) ([]NetworkChange, error) {
	q := `SELECT id, at, subject_kind, subject_id, subject, kind, detail, source FROM network_changes WHERE practice_id = ?`
	var args []any
	if f.SubjectID != "" {
		q += ` AND subject_id = ?`
		args = append(args, f.SubjectID)
	}
	if !f.After.IsZero() {
		q += ` AND at > ?`
		args = append(args, s.db.dialect.timeArg(f.After))
	}
	q += ` ORDER BY at DESC, id DESC`
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.fail(err, "read the network history")
	}
	defer rows.Close()
	var out []NetworkChange
	for rows.Next() {
		var c NetworkChange
		var at timeCol
		if err := rows.Scan(&c.ID, &at, &c.SubjectKind, &c.SubjectID, &c.Subject, &c.Kind, &c.Detail, &c.Source); err != nil {
			return nil, s.fail(err, "read the network history")
		}
		c.At = at.t
		out = append(out, c)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out, s.fail(rows.Err(), "read the network history")
}

// TouchFindings records that findings were seen again unchanged, by ID,
// without rewriting their details: a re-import of a large scan then costs
// a primary-key update per finding instead of a full upsert.
func (s *Scope) TouchFindings(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Scope) error {
		stmt, err := tx.prepare(ctx, `UPDATE findings SET last_seen = ? WHERE id = ? AND practice_id = ?`, nil, nil)
		if err != nil {
			return tx.fail(err, "update findings")
		}
		defer stmt.Close()
		t := tx.db.dialect.timeArg(at)
		for _, id := range ids {
			if _, err := stmt.exec(ctx, t, id); err != nil {
				return tx.fail(err, "update findings")
			}
		}
		return nil
	})
}
