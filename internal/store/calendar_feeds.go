package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// CalendarFeed is a person's secret calendar address for one practice, kept
// as the SHA-256 hash of its secret.
type CalendarFeed struct {
	ID         string     `json:"id"`
	PracticeID string     `json:"practice_id"`
	UserID     string     `json:"user_id"`
	Hash       string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

const feedColumns = `id, practice_id, user_id, token_hash, created_at, last_used_at, revoked_at`

func scanFeed(row interface{ Scan(...any) error }) (*CalendarFeed, error) {
	var f CalendarFeed
	var created, used, revoked timeCol
	if err := row.Scan(&f.ID, &f.PracticeID, &f.UserID, &f.Hash, &created, &used, &revoked); err != nil {
		return nil, err
	}
	f.CreatedAt, f.LastUsedAt, f.RevokedAt = created.t, used.ptr(), revoked.ptr()
	return &f, nil
}

// CreateCalendarFeed gives a person a new feed for the practice, revoking the
// one they had, in one transaction.
func (s *Scope) CreateCalendarFeed(ctx context.Context, userID, hash string) (*CalendarFeed, error) {
	f := &CalendarFeed{ID: hipaa.NewID("cal"), PracticeID: s.practiceID, UserID: userID, Hash: hash, CreatedAt: s.db.Now()}
	err := s.InTx(ctx, func(tx *Scope) error {
		now := tx.db.dialect.timeArg(f.CreatedAt)
		if _, err := tx.exec(ctx, `UPDATE calendar_feeds SET revoked_at = ? WHERE practice_id = ? AND user_id = ? AND revoked_at IS NULL`, now, userID); err != nil {
			return tx.fail(err, "revoke the old calendar feed")
		}
		_, err := tx.exec(ctx, `INSERT INTO calendar_feeds (practice_id, id, user_id, token_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			f.ID, userID, hash, now)
		return tx.fail(err, "save the calendar feed")
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// CalendarFeed returns a person's live feed for the practice.
func (s *Scope) CalendarFeed(ctx context.Context, userID string) (*CalendarFeed, error) {
	f, err := scanFeed(s.queryRow(ctx, `SELECT `+feedColumns+` FROM calendar_feeds WHERE practice_id = ? AND user_id = ? AND revoked_at IS NULL`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "no calendar feed yet: create one on the Calendar page")
	}
	if err != nil {
		return nil, s.fail(err, "read the calendar feed")
	}
	return f, nil
}

// RevokeCalendarFeed revokes a person's live feed for the practice.
func (s *Scope) RevokeCalendarFeed(ctx context.Context, userID string) error {
	res, err := s.exec(ctx, `UPDATE calendar_feeds SET revoked_at = ? WHERE practice_id = ? AND user_id = ? AND revoked_at IS NULL`,
		s.db.dialect.timeArg(s.db.Now()), userID)
	if err != nil {
		return s.fail(err, "revoke the calendar feed")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "there is no calendar feed to revoke")
	}
	return nil
}

// CalendarFeedByHash returns the feed with a hash, revoked or not, in
// whichever practice it belongs to: the feed address itself names no practice.
func (db *DB) CalendarFeedByHash(ctx context.Context, hash string) (*CalendarFeed, error) {
	f, err := scanFeed(db.read.QueryRowContext(ctx, db.dialect.rebind(`SELECT `+feedColumns+` FROM calendar_feeds WHERE token_hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "no such calendar feed")
	}
	if err != nil {
		return nil, db.fail(err, "read the calendar feed")
	}
	return f, nil
}

// TouchCalendarFeed records when a feed was last fetched.
func (db *DB) TouchCalendarFeed(ctx context.Context, id string) error {
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(`UPDATE calendar_feeds SET last_used_at = ? WHERE id = ?`), db.dialect.timeArg(db.Now()), id)
	return db.fail(err, "record the calendar feed's use")
}
