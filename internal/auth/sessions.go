package auth

import (
	"context"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// SessionStore keeps web sessions in Safeguard's database (SQLite or
// PostgreSQL), so that several app instances can share them. It implements
// scs.Store and scs.CtxStore; the session manager should hash tokens before
// they reach it (HashTokenInStore).
type SessionStore struct{ DB *store.DB }

// Find returns a session's data.
func (s SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit saves a session.
func (s SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session.
func (s SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// FindCtx returns a session's data.
func (s SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.DB.FindSession(ctx, token)
}

// CommitCtx saves a session.
func (s SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.DB.CommitSession(ctx, token, b, expiry)
}

// DeleteCtx removes a session.
func (s SessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.DB.DeleteSession(ctx, token)
}
