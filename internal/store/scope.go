package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Scope is the database as seen by one practice. Every practice-owned query
// goes through it: its helpers put the practice ID first among the arguments
// and refuse SQL that does not filter by practice_id, so no method can read
// or change another practice's rows by mistake.
type Scope struct {
	db         *DB
	practiceID string
	tx         *sql.Tx // set inside InTx
}

// For returns the scope of one practice. The practice must exist; callers
// get its ID from FindPractice or CreatePractice.
func (db *DB) For(practiceID string) *Scope {
	if practiceID == "" {
		panic("store: For needs a practice ID")
	}
	return &Scope{db: db, practiceID: practiceID}
}

// PracticeID returns the practice this scope serves.
func (s *Scope) PracticeID() string { return s.practiceID }

// DB returns the database behind the scope.
func (s *Scope) DB() *DB { return s.db }

// InTx runs fn with a scope bound to one transaction: everything fn does is
// saved together or not at all.
func (s *Scope) InTx(ctx context.Context, fn func(tx *Scope) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		return fn(&Scope{db: s.db, practiceID: s.practiceID, tx: tx})
	})
}

func (s *Scope) reader() querier {
	if s.tx != nil {
		return s.tx
	}
	return s.db.read
}

func (s *Scope) writer() querier {
	if s.tx != nil {
		return s.tx
	}
	return s.db.write
}

// scoped checks that a practice-owned query filters or sets practice_id, with
// the practice ID as its first argument, and rebinds it for the engine.
func (s *Scope) scoped(q string, args []any) (string, []any) {
	if !strings.Contains(q, "practice_id") {
		panic("store: practice-owned query without practice_id: " + q)
	}
	return s.db.dialect.rebind(q), append([]any{s.practiceID}, args...)
}

func (s *Scope) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q, args = s.scoped(q, args)
	return s.writer().ExecContext(ctx, q, args...)
}

func (s *Scope) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q, args = s.scoped(q, args)
	return s.reader().QueryContext(ctx, q, args...)
}

func (s *Scope) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q, args = s.scoped(q, args)
	return s.reader().QueryRowContext(ctx, q, args...)
}

func (s *Scope) fail(err error, doing string) error { return s.db.fail(err, doing) }

// Practice returns the scope's practice.
func (s *Scope) Practice(ctx context.Context) (*hipaa.Practice, error) {
	return s.db.FindPractice(ctx, s.practiceID)
}
