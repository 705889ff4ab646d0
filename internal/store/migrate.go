package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

//go:embed migrations
var migrationFS embed.FS

// migration is one numbered schema change, applied in its own transaction.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the migrations of an engine in order. Both engines have
// the same file names (a test checks it), so versions mean the same schema.
func migrations(engine string) ([]migration, error) {
	dir := path.Join("migrations", engine)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s must start with a number and an underscore", name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// latestVersion is the newest schema this binary knows.
func latestVersion() int {
	ms, err := migrations("sqlite")
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// advisoryLockKey serializes migrations among app instances sharing one PostgreSQL database.
const advisoryLockKey = 0x5afe9a4d

// migrate applies the migrations the database lacks, each in a transaction,
// and refuses a database whose schema is newer than this binary.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations(db.dialect.name())
	if err != nil {
		return hipaa.WrapError(hipaa.EInternal, err, "reading embedded migrations")
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return db.fail(err, "connect")
	}
	defer conn.Close()
	if db.dialect == postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", advisoryLockKey); err != nil {
			return db.fail(err, "lock the schema for migration")
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", advisoryLockKey) //nolint:errcheck
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return db.fail(err, "create the schema_migrations table")
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return db.fail(err, "read the schema version")
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return db.fail(err, "read the schema version")
		}
		applied[v] = true
	}
	rows.Close()
	known := map[int]bool{}
	latest := 0
	for _, m := range ms {
		known[m.version] = true
		latest = max(latest, m.version)
	}
	for v := range applied {
		if !known[v] {
			return newerError(db.where, v, latest)
		}
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return db.fail(err, "start migration "+m.name)
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			_ = tx.Rollback()
			return hipaa.WrapError(hipaa.EUnavailable, err, "database %s: migration %s failed: %s", db.where, m.name, firstLine(err))
		}
		ins := db.dialect.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
		if _, err := tx.ExecContext(ctx, ins, m.version, m.name, db.Now().Format("2006-01-02T15:04:05Z")); err != nil {
			_ = tx.Rollback()
			return db.fail(err, "record migration "+m.name)
		}
		if err := tx.Commit(); err != nil {
			return db.fail(err, "commit migration "+m.name)
		}
	}
	return nil
}

// SchemaVersion returns the schema version the database is at.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := db.read.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, db.fail(err, "read the schema version")
	}
	return int(v.Int64), nil
}

// LatestSchemaVersion is the newest schema version this binary knows.
func LatestSchemaVersion() int { return latestVersion() }
