package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"io"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/vulnfeed"
)

// The vulnerability and lifecycle feeds are public data, shared by every
// practice in the database, so they live in the database itself rather
// than in a cache directory: a PostgreSQL deployment with several app
// instances then shares one copy, a SQLite file carries its feeds with it
// in backups, and a feed is replaced in one transaction, never half-written.
// Payloads are stored gzip-compressed (the KEV catalog shrinks about five-fold).

// PutFeeds stores feeds, replacing earlier copies of the same feeds, in one transaction.
func (db *DB) PutFeeds(ctx context.Context, feeds []*vulnfeed.Feed) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, f := range feeds {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			if _, err := zw.Write(f.Payload); err != nil {
				return err
			}
			if err := zw.Close(); err != nil {
				return err
			}
			var released any
			if !f.Released.IsZero() {
				released = db.dialect.timeArg(f.Released)
			}
			_, err := tx.ExecContext(ctx, db.dialect.rebind(`INSERT INTO feeds (name, version, released_at, fetched_at, source, items, payload)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET version = excluded.version, released_at = excluded.released_at,
				fetched_at = excluded.fetched_at, source = excluded.source, items = excluded.items, payload = excluded.payload`),
				f.Name, f.Version, released, db.dialect.timeArg(f.Fetched), f.Source, f.Items, buf.Bytes())
			if err != nil {
				return db.fail(err, "save feed "+f.Name)
			}
		}
		return nil
	})
}

// Feeds returns the stored feeds; with payload set, their content too.
func (db *DB) Feeds(ctx context.Context, payload bool) ([]*vulnfeed.Feed, error) {
	cols := `name, version, released_at, fetched_at, source, items`
	if payload {
		cols += `, payload`
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+cols+` FROM feeds ORDER BY name`)
	if err != nil {
		return nil, db.fail(err, "read the feeds")
	}
	defer rows.Close()
	var out []*vulnfeed.Feed
	for rows.Next() {
		f := &vulnfeed.Feed{}
		var released, fetched timeCol
		dest := []any{&f.Name, &f.Version, &released, &fetched, &f.Source, &f.Items}
		var blob []byte
		if payload {
			dest = append(dest, &blob)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, db.fail(err, "read the feeds")
		}
		f.Released, f.Fetched = released.t, fetched.t
		if payload {
			zr, err := gzip.NewReader(bytes.NewReader(blob))
			if err != nil {
				return nil, hipaa.WrapError(hipaa.EUnavailable, err, "database %s: stored feed %s is damaged: run `safeguard feeds update` again", db.where, f.Name)
			}
			if f.Payload, err = io.ReadAll(zr); err != nil {
				return nil, hipaa.WrapError(hipaa.EUnavailable, err, "database %s: stored feed %s is damaged: run `safeguard feeds update` again", db.where, f.Name)
			}
		}
		out = append(out, f)
	}
	return out, db.fail(rows.Err(), "read the feeds")
}
