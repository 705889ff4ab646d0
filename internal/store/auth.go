package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// User is a person who signs in to the web app. Secrets are kept as hashes,
// except the TOTP seed, which the server needs to check codes.
type User struct {
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	PasswordHash  string     `json:"-"`
	TOTPSecret    string     `json:"-"`
	TOTPEnabled   bool       `json:"mfa_enabled"`
	TOTPLastStep  int64      `json:"-"`
	RecoveryCodes []string   `json:"-"` // hashes of the unused recovery codes
	Disabled      bool       `json:"disabled"`
	FailedLogins  int        `json:"-"`
	LockedUntil   *time.Time `json:"locked_until,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Membership gives a user a role in one practice.
type Membership struct {
	UserID     string    `json:"user_id"`
	PracticeID string    `json:"practice_id"`
	Role       string    `json:"role"`
	CreatedAt  time.Time `json:"created_at"`
}

// APIToken is a personal token for the JSON API, kept as a hash.
type APIToken struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Hash       string     `json:"-"`
	Practices  []string   `json:"practices"`
	CanWrite   bool       `json:"can_write"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Activity is one entry of the append-only activity log: who did what,
// when, and the record before and after.
type Activity struct {
	ID         string         `json:"id"`
	At         time.Time      `json:"at"`
	UserID     string         `json:"user_id"`
	Actor      string         `json:"actor"`
	PracticeID string         `json:"practice_id"`
	Action     string         `json:"action"`
	Subject    string         `json:"subject"`
	Before     map[string]any `json:"before"`
	After      map[string]any `json:"after"`
	RemoteAddr string         `json:"remote_addr"`
}

const userColumns = `id, email, name, password_hash, totp_secret, totp_enabled, totp_last_step, recovery_codes, disabled, failed_logins, locked_until, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var locked, created, updated timeCol
	u.RecoveryCodes = []string{}
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.TOTPSecret, &u.TOTPEnabled, &u.TOTPLastStep,
		jsonCol{&u.RecoveryCodes}, &u.Disabled, &u.FailedLogins, &locked, &created, &updated); err != nil {
		return nil, err
	}
	u.LockedUntil, u.CreatedAt, u.UpdatedAt = locked.ptr(), created.t, updated.t
	return &u, nil
}

// CreateUser stores a new account, giving it an ID. Email addresses are
// unique, compared in lower case.
func (db *DB) CreateUser(ctx context.Context, u *User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.ID = hipaa.NewID("usr")
	u.CreatedAt = db.Now()
	u.UpdatedAt = u.CreatedAt
	if u.RecoveryCodes == nil {
		u.RecoveryCodes = []string{}
	}
	q := db.dialect.rebind(`INSERT INTO users (` + userColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	_, err := db.write.ExecContext(ctx, q, u.ID, u.Email, u.Name, u.PasswordHash, u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep,
		jsonCol{u.RecoveryCodes}, u.Disabled, u.FailedLogins, db.dialect.optTime(u.LockedUntil), db.dialect.timeArg(u.CreatedAt), db.dialect.timeArg(u.UpdatedAt))
	if db.dialect.isUniqueViolation(err) {
		return hipaa.Errorf(hipaa.EConflict, "an account with email %s already exists: each person needs their own account", u.Email)
	}
	return db.fail(err, "save the account")
}

// UpdateUser saves every field of an account.
func (db *DB) UpdateUser(ctx context.Context, u *User) error {
	u.UpdatedAt = db.Now()
	if u.RecoveryCodes == nil {
		u.RecoveryCodes = []string{}
	}
	q := db.dialect.rebind(`UPDATE users SET email = ?, name = ?, password_hash = ?, totp_secret = ?, totp_enabled = ?, totp_last_step = ?,
		recovery_codes = ?, disabled = ?, failed_logins = ?, locked_until = ?, updated_at = ? WHERE id = ?`)
	res, err := db.write.ExecContext(ctx, q, strings.ToLower(strings.TrimSpace(u.Email)), u.Name, u.PasswordHash, u.TOTPSecret, u.TOTPEnabled,
		u.TOTPLastStep, jsonCol{u.RecoveryCodes}, u.Disabled, u.FailedLogins, db.dialect.optTime(u.LockedUntil), db.dialect.timeArg(u.UpdatedAt), u.ID)
	if db.dialect.isUniqueViolation(err) {
		return hipaa.Errorf(hipaa.EConflict, "an account with email %s already exists", u.Email)
	}
	if err != nil {
		return db.fail(err, "update the account")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "account %s not found", u.ID)
	}
	return nil
}

// AdvanceTOTPStep records the time step of an accepted one-time code, only
// if it is later than the last one accepted, so that a code cannot be used
// twice even by two app instances at once. It reports whether it advanced.
func (db *DB) AdvanceTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	q := db.dialect.rebind(`UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`)
	res, err := db.write.ExecContext(ctx, q, step, userID, step)
	if err != nil {
		return false, db.fail(err, "record the one-time code")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// User returns the account with an ID.
func (db *DB) User(ctx context.Context, id string) (*User, error) {
	return db.userWhere(ctx, "id = ?", id)
}

// UserByEmail returns the account with an email address.
func (db *DB) UserByEmail(ctx context.Context, email string) (*User, error) {
	return db.userWhere(ctx, "email = ?", strings.ToLower(strings.TrimSpace(email)))
}

func (db *DB) userWhere(ctx context.Context, where string, arg any) (*User, error) {
	q := db.dialect.rebind(`SELECT ` + userColumns + ` FROM users WHERE ` + where)
	u, err := scanUser(db.read.QueryRowContext(ctx, q, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "no such account")
	}
	if err != nil {
		return nil, db.fail(err, "read the account")
	}
	return u, nil
}

// Users lists every account by email.
func (db *DB) Users(ctx context.Context) ([]*User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, db.fail(err, "list accounts")
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, db.fail(err, "read accounts")
		}
		out = append(out, u)
	}
	return out, db.fail(rows.Err(), "read accounts")
}

// CountUsers returns how many accounts exist (0 before first-run setup).
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, db.fail(err, "count accounts")
	}
	return n, nil
}

// SetMembership gives a user a role in a practice, replacing any earlier role.
func (db *DB) SetMembership(ctx context.Context, userID, practiceID, role string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.dialect.rebind(`DELETE FROM memberships WHERE user_id = ? AND practice_id = ?`), userID, practiceID); err != nil {
			return db.fail(err, "change the membership")
		}
		_, err := tx.ExecContext(ctx, db.dialect.rebind(`INSERT INTO memberships (user_id, practice_id, role, created_at) VALUES (?, ?, ?, ?)`),
			userID, practiceID, role, db.dialect.timeArg(db.Now()))
		return db.fail(err, "save the membership")
	})
}

// RemoveMembership takes a user out of a practice.
func (db *DB) RemoveMembership(ctx context.Context, userID, practiceID string) error {
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(`DELETE FROM memberships WHERE user_id = ? AND practice_id = ?`), userID, practiceID)
	return db.fail(err, "remove the membership")
}

// Memberships lists the practices a user belongs to.
func (db *DB) Memberships(ctx context.Context, userID string) ([]Membership, error) {
	return db.memberships(ctx, `SELECT user_id, practice_id, role, created_at FROM memberships WHERE user_id = ? ORDER BY created_at`, userID)
}

// PracticeMembers lists the members of a practice.
func (db *DB) PracticeMembers(ctx context.Context, practiceID string) ([]Membership, error) {
	return db.memberships(ctx, `SELECT user_id, practice_id, role, created_at FROM memberships WHERE practice_id = ? ORDER BY created_at`, practiceID)
}

func (db *DB) memberships(ctx context.Context, q string, arg string) ([]Membership, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.rebind(q), arg)
	if err != nil {
		return nil, db.fail(err, "list memberships")
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		var m Membership
		var at timeCol
		if err := rows.Scan(&m.UserID, &m.PracticeID, &m.Role, &at); err != nil {
			return nil, db.fail(err, "read memberships")
		}
		m.CreatedAt = at.t
		out = append(out, m)
	}
	return out, db.fail(rows.Err(), "read memberships")
}

const tokenColumns = `id, user_id, name, token_hash, practices, can_write, created_at, last_used_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (*APIToken, error) {
	var t APIToken
	var created, used, revoked timeCol
	t.Practices = []string{}
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, jsonCol{&t.Practices}, &t.CanWrite, &created, &used, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = created.t, used.ptr(), revoked.ptr()
	return &t, nil
}

// CreateAPIToken stores a new token (its hash), giving it an ID.
func (db *DB) CreateAPIToken(ctx context.Context, t *APIToken) error {
	t.ID = hipaa.NewID("tok")
	t.CreatedAt = db.Now()
	q := db.dialect.rebind(`INSERT INTO api_tokens (` + tokenColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	_, err := db.write.ExecContext(ctx, q, t.ID, t.UserID, t.Name, t.Hash, jsonCol{t.Practices}, t.CanWrite,
		db.dialect.timeArg(t.CreatedAt), nil, nil)
	return db.fail(err, "save the API token")
}

// APITokenByHash returns the token with a hash, revoked or not.
func (db *DB) APITokenByHash(ctx context.Context, hash string) (*APIToken, error) {
	q := db.dialect.rebind(`SELECT ` + tokenColumns + ` FROM api_tokens WHERE token_hash = ?`)
	t, err := scanToken(db.read.QueryRowContext(ctx, q, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hipaa.Errorf(hipaa.ENotFound, "no such API token")
	}
	if err != nil {
		return nil, db.fail(err, "read the API token")
	}
	return t, nil
}

// APITokens lists a user's tokens, newest first.
func (db *DB) APITokens(ctx context.Context, userID string) ([]*APIToken, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.rebind(`SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC`), userID)
	if err != nil {
		return nil, db.fail(err, "list API tokens")
	}
	defer rows.Close()
	var out []*APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, db.fail(err, "read API tokens")
		}
		out = append(out, t)
	}
	return out, db.fail(rows.Err(), "read API tokens")
}

// RevokeAPIToken marks a user's token revoked.
func (db *DB) RevokeAPIToken(ctx context.Context, userID, id string) error {
	q := db.dialect.rebind(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`)
	res, err := db.write.ExecContext(ctx, q, db.dialect.timeArg(db.Now()), id, userID)
	if err != nil {
		return db.fail(err, "revoke the API token")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hipaa.Errorf(hipaa.ENotFound, "API token %s not found or already revoked", id)
	}
	return nil
}

// TouchAPIToken records when a token was last used.
func (db *DB) TouchAPIToken(ctx context.Context, id string) error {
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), db.dialect.timeArg(db.Now()), id)
	return db.fail(err, "record the API token's use")
}

// FindSession returns a web session's data, if the session exists and has
// not expired. tokenHash is a hash of the cookie value.
func (db *DB) FindSession(ctx context.Context, tokenHash string) ([]byte, bool, error) {
	var data []byte
	var expiry timeCol
	err := db.read.QueryRowContext(ctx, db.dialect.rebind(`SELECT data, expiry FROM web_sessions WHERE token_hash = ?`), tokenHash).Scan(&data, &expiry)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, db.fail(err, "read the session")
	}
	if !expiry.t.After(time.Now()) { // the session manager keeps real time
		return nil, false, nil
	}
	return data, true, nil
}

// CommitSession saves a web session's data and expiry.
func (db *DB) CommitSession(ctx context.Context, tokenHash string, data []byte, expiry time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.dialect.rebind(`DELETE FROM web_sessions WHERE token_hash = ?`), tokenHash); err != nil {
			return db.fail(err, "save the session")
		}
		_, err := tx.ExecContext(ctx, db.dialect.rebind(`INSERT INTO web_sessions (token_hash, data, expiry) VALUES (?, ?, ?)`),
			tokenHash, data, db.dialect.timeArg(expiry))
		return db.fail(err, "save the session")
	})
}

// DeleteSession removes a web session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(`DELETE FROM web_sessions WHERE token_hash = ?`), tokenHash)
	return db.fail(err, "delete the session")
}

// DeleteExpiredSessions removes sessions past their expiry.
func (db *DB) DeleteExpiredSessions(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(`DELETE FROM web_sessions WHERE expiry <= ?`), db.dialect.timeArg(time.Now()))
	return db.fail(err, "delete expired sessions")
}

const activityColumns = `id, at, user_id, actor, practice_id, action, subject, before, after, remote_addr`

// AddActivity appends an entry to the activity log. Entries are never
// changed or deleted: the database refuses it.
func (db *DB) AddActivity(ctx context.Context, a *Activity) error {
	a.ID = hipaa.NewID("act")
	a.At = db.Now()
	if a.Before == nil {
		a.Before = map[string]any{}
	}
	if a.After == nil {
		a.After = map[string]any{}
	}
	q := db.dialect.rebind(`INSERT INTO activity_log (` + activityColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	_, err := db.write.ExecContext(ctx, q, a.ID, db.dialect.timeArg(a.At), a.UserID, a.Actor, a.PracticeID, a.Action, a.Subject,
		objCol(a.Before), objCol(a.After), a.RemoteAddr)
	return db.fail(err, "record the activity")
}

// objCol binds a JSON object, writing {} for an empty one.
func objCol(m map[string]any) any {
	if len(m) == 0 {
		return "{}"
	}
	return jsonCol{m}
}

// ActivityFilter narrows the activity log.
type ActivityFilter struct {
	Since, Until time.Time // zero means unbounded
	Limit        int       // 0 means 1000
}

// Activity returns the practice's activity log, newest first.
func (s *Scope) Activity(ctx context.Context, f ActivityFilter) ([]*Activity, error) {
	q := `SELECT ` + activityColumns + ` FROM activity_log WHERE practice_id = ?`
	var args []any
	if !f.Since.IsZero() {
		q += ` AND at >= ?`
		args = append(args, s.db.dialect.timeArg(f.Since))
	}
	if !f.Until.IsZero() {
		q += ` AND at < ?`
		args = append(args, s.db.dialect.timeArg(f.Until))
	}
	limit := f.Limit
	if limit <= 0 || limit > 100000 {
		limit = 1000
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.fail(err, "read the activity log")
	}
	defer rows.Close()
	var out []*Activity
	for rows.Next() {
		var a Activity
		var at timeCol
		a.Before, a.After = map[string]any{}, map[string]any{}
		if err := rows.Scan(&a.ID, &at, &a.UserID, &a.Actor, &a.PracticeID, &a.Action, &a.Subject, jsonCol{&a.Before}, jsonCol{&a.After}, &a.RemoteAddr); err != nil {
			return nil, s.fail(err, "read the activity log")
		}
		a.At = at.t
		out = append(out, &a)
	}
	return out, s.fail(rows.Err(), "read the activity log")
}

// ExecForTest runs a raw statement on the writer. It exists for tests that
// prove the database itself refuses a change (such as editing the activity log).
func (db *DB) ExecForTest(ctx context.Context, q string) error {
	_, err := db.write.ExecContext(ctx, q)
	return err
}

// MemberPractice is a practice a user belongs to, with their role in it.
type MemberPractice struct {
	Practice *hipaa.Practice
	Role     string
}

// MemberPractices lists the practices a user belongs to, by name, in one query.
func (db *DB) MemberPractices(ctx context.Context, userID string) ([]MemberPractice, error) {
	cols := strings.ReplaceAll("p."+practiceColumns, ", ", ", p.")
	rows, err := db.read.QueryContext(ctx, db.dialect.rebind(`SELECT `+cols+`, m.role FROM memberships m
		JOIN practices p ON p.id = m.practice_id WHERE m.user_id = ? ORDER BY p.name, p.id`), userID)
	if err != nil {
		return nil, db.fail(err, "list the account's practices")
	}
	defer rows.Close()
	var out []MemberPractice
	for rows.Next() {
		var mp MemberPractice
		p, err := scanPractice(scanPlus{rows, &mp.Role})
		if err != nil {
			return nil, db.fail(err, "read the account's practices")
		}
		mp.Practice = p
		out = append(out, mp)
	}
	return out, db.fail(rows.Err(), "read the account's practices")
}

// scanPlus scans a row's leading columns into a scan function's targets and
// the last column into extra.
type scanPlus struct {
	rows  *sql.Rows
	extra any
}

// Scan implements the row scanner scanPractice expects.
func (s scanPlus) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra)...) }
