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

// scoped fills in the practice ID and rebinds a practice-owned query for the
// engine. The caller never passes the practice ID: it goes wherever the query
// says "practice_id = ?", and into the first value of an INSERT whose column
// list starts with practice_id. A query with neither is refused, so a
// practice-owned query cannot forget its scope.
func (s *Scope) scoped(q string, args []any) (string, []any) {
	out := make([]any, 0, len(args)+2)
	insertFirst := strings.HasPrefix(strings.TrimSpace(q), "INSERT") && strings.Contains(q, "(practice_id,") && strings.Contains(q, "VALUES (?")
	injected, next := 0, 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			continue
		}
		before := strings.TrimRight(q[:i], " ")
		if strings.HasSuffix(before, "practice_id =") || (insertFirst && injected == 0 && next == 0 && strings.HasSuffix(before, "VALUES (")) {
			out = append(out, s.practiceID)
			injected++
			continue
		}
		if next >= len(args) {
			panic("store: too few arguments for query: " + q)
		}
		out = append(out, args[next])
		next++
	}
	if injected == 0 {
		panic("store: practice-owned query without a practice_id = ? filter: " + q)
	}
	if next != len(args) {
		panic("store: too many arguments for query: " + q)
	}
	return s.db.dialect.rebind(q), out
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
