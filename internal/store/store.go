// Package store keeps Safeguard's records in SQLite (the default: one file,
// nothing to set up) or PostgreSQL (for consultants with many practices, or
// several app instances). Both engines share one schema, ordered migrations
// embedded in the binary, and hand-written SQL in the portable subset; the
// few differences live in dialect.go.
//
// Every practice-owned query goes through a Scope, which always filters by
// practice_id, so one database can serve many practices without leaks.
package store

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver
	_ "modernc.org/sqlite"             // SQLite driver

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// DB is an open Safeguard database.
type DB struct {
	dialect dialect
	// read serves queries; write serves changes. On SQLite write has a
	// single connection, so writers queue instead of failing with "busy".
	// On PostgreSQL both are the same pool.
	read, write *sql.DB
	// where names the database for messages, without any password.
	where string
	// dsn is how the database was opened, for opening it again (tests, workers).
	dsn string
	now func() time.Time
}

// Open opens the database named by dsn — a SQLite file path, or a postgres://
// URL — and brings its schema up to date. A SQLite file that is not a
// Safeguard database is refused untouched.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if IsPostgresURL(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

// IsPostgresURL reports whether dsn names a PostgreSQL database.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Redact returns a postgres:// URL without its password, for messages.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	where := Redact(dsn)
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInvalid, err, "database URL %s is not valid: %s", where, firstLine(err))
	}
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(4)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot reach database %s: %s", where, firstLine(err))
	}
	db := &DB{dialect: postgres, read: pool, write: pool, where: where, dsn: dsn, now: time.Now}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "no database given: pass --db with a file path or postgres:// URL")
	}
	if strings.HasPrefix(path, "file:") || strings.ContainsAny(path, "?") {
		return nil, hipaa.Errorf(hipaa.EInvalid, "database path %q must be a plain file path", path)
	}
	if err := inspectSQLite(ctx, path); err != nil {
		return nil, err
	}
	// A new database file is readable by its owner only: it holds a practice's weaknesses.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot create database %s: %s", path, firstLine(err))
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	u := "file:" + url.PathEscape(path)
	write, err := sql.Open("sqlite", u+"?_txlock=immediate&"+pragmas)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot open database %s", path)
	}
	write.SetMaxOpenConns(1)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot open database %s: %s", path, firstLine(err))
	}
	read, err := sql.Open("sqlite", u+"?"+pragmas)
	if err != nil {
		write.Close()
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot open database %s", path)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8) // keep them: opening a SQLite connection re-reads the schema
	db := &DB{dialect: sqliteEngine, read: read, write: write, where: path, dsn: path, now: time.Now}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// inspectSQLite checks an existing file before anything writes to it: it must
// be a SQLite database, readable, and either empty or Safeguard's.
func inspectSQLite(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return hipaa.WrapError(hipaa.EUnavailable, err, "cannot read database file %s: %s", path, firstLine(err))
	}
	head := make([]byte, len(sqliteMagic))
	n, _ := f.Read(head)
	st, _ := f.Stat()
	f.Close()
	if st != nil && st.IsDir() {
		return hipaa.Errorf(hipaa.EInvalid, "database path %s is a directory: give a file name, e.g. %s/safeguard.db", path, path)
	}
	if n == 0 {
		return nil // an empty file becomes a new database
	}
	if string(head[:n]) != sqliteMagic {
		return hipaa.Errorf(hipaa.EInvalid, "%s is not a SQLite database (it may be another kind of file): left untouched; give another --db path", path)
	}
	ro, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?mode=ro")
	if err != nil {
		return hipaa.WrapError(hipaa.EUnavailable, err, "cannot open database %s", path)
	}
	defer ro.Close()
	rows, err := ro.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
	if err != nil {
		return hipaa.WrapError(hipaa.EInvalid, err, "%s is damaged or not a usable SQLite database (%s): left untouched; restore it from a backup or give another --db path", path, firstLine(err))
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return hipaa.WrapError(hipaa.EInvalid, err, "%s is damaged: %s", path, firstLine(err))
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		return hipaa.WrapError(hipaa.EInvalid, err, "%s is damaged or not a usable SQLite database (%s): left untouched", path, firstLine(err))
	}
	if len(tables) > 0 && !contains(tables, "schema_migrations") {
		return hipaa.Errorf(hipaa.EInvalid, "%s is a SQLite database of another program (it has tables such as %q but no Safeguard schema): left untouched; give another --db path", path, tables[0])
	}
	if contains(tables, "schema_migrations") {
		var v sql.NullInt64
		if err := ro.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
			return hipaa.WrapError(hipaa.EInvalid, err, "%s is damaged: cannot read its schema version", path)
		}
		if latest := latestVersion(); v.Int64 > int64(latest) {
			return newerError(path, int(v.Int64), latest)
		}
		// Versions this binary lacks below its latest are caught by migrate.
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func newerError(where string, have, know int) error {
	return hipaa.Errorf(hipaa.EInvalid, "database %s has schema version %d, newer than this safeguard knows (%d): upgrade safeguard; nothing was changed", where, have, know)
}

// firstLine keeps the first line of a driver error, which is all a user needs.
func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// Close closes the database.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Engine returns "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name() }

// Where names the database for messages (a file path, or a URL without password).
func (db *DB) Where() string { return db.where }

// URL returns what the database was opened with (a path or a URL that may hold
// a password): for opening it again, never for messages.
func (db *DB) URL() string { return db.dsn }

// SetClock replaces the clock, for tests.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Now returns the current time in UTC, truncated to microseconds (both engines keep that much).
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tx runs fn in one transaction on the writer, committing if fn returns nil.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return db.fail(err, "start a transaction")
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return db.fail(err, "commit")
	}
	return nil
}

// fail turns a driver error into a coded error: a constraint violation is the
// caller's conflict, anything else an environment failure.
func (db *DB) fail(err error, doing string) error {
	if err == nil {
		return nil
	}
	var he *hipaa.Error
	if errors.As(err, &he) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return hipaa.WrapError(hipaa.EUnavailable, err, "database %s: %s was interrupted", db.where, doing)
	}
	if db.dialect.isUniqueViolation(err) {
		return hipaa.WrapError(hipaa.EConflict, err, "database %s: %s: a record with the same key exists", db.where, doing)
	}
	return hipaa.WrapError(hipaa.EUnavailable, err, "database %s: cannot %s: %s", db.where, doing, firstLine(err))
}
