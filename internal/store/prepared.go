package store

import (
	"context"
	"database/sql"
)

// scopedStmt is a practice-scoped statement prepared once and run for many
// rows, as bulk imports do: SQLite then parses the SQL once instead of once
// per row. The practice ID is injected exactly as Scope.exec does.
type scopedStmt struct {
	s    *Scope
	q    string
	stmt *sql.Stmt
}

// prepare readies q for repeated use; inside a transaction the statement
// belongs to it. Close it when done.
func (s *Scope) prepare(ctx context.Context, q string, sample ...any) (*scopedStmt, error) {
	rq, _ := s.scoped(q, sample)
	var st *sql.Stmt
	var err error
	if s.tx != nil {
		st, err = s.tx.PrepareContext(ctx, rq)
	} else {
		st, err = s.db.write.PrepareContext(ctx, rq)
	}
	if err != nil {
		return nil, err
	}
	return &scopedStmt{s: s, q: q, stmt: st}, nil
}

func (p *scopedStmt) exec(ctx context.Context, args ...any) (sql.Result, error) {
	_, out := p.s.scoped(p.q, args)
	return p.stmt.ExecContext(ctx, out...)
}

func (p *scopedStmt) queryRow(ctx context.Context, args ...any) *sql.Row {
	_, out := p.s.scoped(p.q, args)
	return p.stmt.QueryRowContext(ctx, out...)
}

func (p *scopedStmt) Close() error { return p.stmt.Close() }
