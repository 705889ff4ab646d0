package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// Defaults for throttling sign-in.
const (
	DefaultMaxFailures = 5
	DefaultLockout     = 15 * time.Minute
)

// Service runs account, sign-in, token and activity use cases over the database.
type Service struct {
	DB *store.DB
	// MaxFailures is how many failed sign-ins in a row lock an account.
	MaxFailures int
	// Lockout is how long a locked account stays locked.
	Lockout time.Duration
}

// New returns a service with the default throttling.
func New(db *store.DB) *Service {
	return &Service{DB: db, MaxFailures: DefaultMaxFailures, Lockout: DefaultLockout}
}

func (s *Service) now() time.Time { return s.DB.Now() }

// ErrBadCredentials is the one message for a wrong email or password, so that
// sign-in does not reveal which accounts exist.
var ErrBadCredentials = hipaa.Errorf(hipaa.EInvalid, "the email or password is not right: check them and try again")

// ErrBadCode is returned for a wrong one-time or recovery code.
var ErrBadCode = hipaa.Errorf(hipaa.EInvalid, "that code is not right or was already used: enter the current 6-digit code from your authenticator app, or a recovery code")

// CheckEmail normalizes and checks an email address.
func CheckEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || !strings.Contains(e, "@") || len(e) > 254 {
		return "", hipaa.Errorf(hipaa.EInvalid, "email %q is not a valid address: give one like name@example.org", email)
	}
	return e, nil
}

// CreateUser checks and stores a new account.
func (s *Service) CreateUser(ctx context.Context, email, name, password string) (*store.User, error) {
	e, err := CheckEmail(email)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "name is empty: give the person's full name, as it will appear in the activity log")
	}
	if len(name) > 200 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "name is longer than 200 characters")
	}
	if err := CheckPassword(password, e, name); err != nil {
		return nil, err
	}
	if _, err := s.DB.UserByEmail(ctx, e); err == nil {
		return nil, hipaa.Errorf(hipaa.EConflict, "an account with email %s already exists: each person needs their own account", e)
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInternal, err, "cannot hash the password")
	}
	u := &store.User{Email: e, Name: name, PasswordHash: h}
	if err := s.DB.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// SetPassword checks and sets a new password.
func (s *Service) SetPassword(ctx context.Context, u *store.User, password string) error {
	if err := CheckPassword(password, u.Email, u.Name); err != nil {
		return err
	}
	h, err := HashPassword(password)
	if err != nil {
		return hipaa.WrapError(hipaa.EInternal, err, "cannot hash the password")
	}
	u.PasswordHash = h
	return s.DB.UpdateUser(ctx, u)
}

// Locked returns the time until which an account is locked, if it is.
func (s *Service) Locked(u *store.User) (time.Time, bool) {
	if u.LockedUntil != nil && u.LockedUntil.After(s.now()) {
		return *u.LockedUntil, true
	}
	return time.Time{}, false
}

// LockedError is the message for a locked account.
func LockedError(until time.Time) error {
	return hipaa.Errorf(hipaa.EConflict, "this account is locked after too many failed sign-ins: try again after %s UTC, or ask an administrator", until.UTC().Format("15:04"))
}

// Authenticate checks an email and password (the first factor). A disabled
// or locked account is refused even with the right password; each failure
// counts towards a temporary lockout.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*store.User, error) {
	u, err := s.DB.UserByEmail(ctx, email)
	if hipaa.IsNotFound(err) {
		VerifyPassword(dummyHash(), password)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, err
	}
	if until, locked := s.Locked(u); locked {
		return nil, LockedError(until)
	}
	if !VerifyPassword(u.PasswordHash, password) {
		return nil, s.fail(ctx, u, ErrBadCredentials)
	}
	if u.Disabled {
		return nil, hipaa.Errorf(hipaa.EConflict, "this account is disabled: ask an administrator of your practice")
	}
	return u, nil
}

// fail counts a failed attempt and locks the account when there are too many.
func (s *Service) fail(ctx context.Context, u *store.User, cause error) error {
	u.FailedLogins++
	max := s.MaxFailures
	if max <= 0 {
		max = DefaultMaxFailures
	}
	if u.FailedLogins >= max {
		until := s.now().Add(s.Lockout)
		u.LockedUntil, u.FailedLogins = &until, 0
		if err := s.DB.UpdateUser(ctx, u); err != nil {
			return err
		}
		_ = s.Record(ctx, Event{User: u, Action: "account.locked", Subject: u.Email, After: map[string]any{"locked_until": until}})
		return LockedError(until)
	}
	if err := s.DB.UpdateUser(ctx, u); err != nil {
		return err
	}
	return cause
}

// succeed clears the failure count after a full sign-in.
func (s *Service) succeed(ctx context.Context, u *store.User) error {
	if u.FailedLogins == 0 && u.LockedUntil == nil {
		return nil
	}
	u.FailedLogins, u.LockedUntil = 0, nil
	return s.DB.UpdateUser(ctx, u)
}

// CompleteWithoutMFA finishes a sign-in for an account that has no second factor.
func (s *Service) CompleteWithoutMFA(ctx context.Context, u *store.User) error {
	return s.succeed(ctx, u)
}

// VerifySecondFactor checks a TOTP code or an unused recovery code, which
// is then spent. Failures count towards the lockout; a TOTP code is accepted
// once only.
func (s *Service) VerifySecondFactor(ctx context.Context, userID, code string) error {
	u, err := s.DB.User(ctx, userID)
	if err != nil {
		return err
	}
	if until, locked := s.Locked(u); locked {
		return LockedError(until)
	}
	if u.Disabled {
		return hipaa.Errorf(hipaa.EConflict, "this account is disabled: ask an administrator of your practice")
	}
	if !u.TOTPEnabled {
		return hipaa.Errorf(hipaa.EConflict, "this account has no authenticator set up")
	}
	if step := checkTOTP(u.TOTPSecret, code, s.now()); step > 0 {
		ok, err := s.DB.AdvanceTOTPStep(ctx, u.ID, step)
		if err != nil {
			return err
		}
		if ok {
			u.TOTPLastStep = step
			return s.succeed(ctx, u)
		}
		return s.fail(ctx, u, ErrBadCode)
	}
	h := hashRecovery(code)
	if i := slices.Index(u.RecoveryCodes, h); i >= 0 && len(strings.TrimSpace(code)) >= 10 {
		u.RecoveryCodes = slices.Delete(u.RecoveryCodes, i, i+1)
		u.FailedLogins, u.LockedUntil = 0, nil
		if err := s.DB.UpdateUser(ctx, u); err != nil {
			return err
		}
		return s.Record(ctx, Event{User: u, Action: "mfa.recovery_code_used", Subject: u.Email, After: map[string]any{"codes_left": len(u.RecoveryCodes)}})
	}
	return s.fail(ctx, u, ErrBadCode)
}

// BeginMFA makes a TOTP secret for an account that has none enabled, or
// returns the one already begun. It is saved but not in force until ConfirmMFA.
func (s *Service) BeginMFA(ctx context.Context, u *store.User) (secret, url string, err error) {
	if u.TOTPEnabled {
		return "", "", hipaa.Errorf(hipaa.EConflict, "this account already has an authenticator: ask an administrator to reset it first")
	}
	if u.TOTPSecret != "" {
		// Set-up was begun and not finished: keep the same secret, so that a
		// reloaded page still matches what the app has scanned.
		return u.TOTPSecret, KeyURL(u.Email, u.TOTPSecret), nil
	}
	secret, url, err = NewTOTPKey(u.Email)
	if err != nil {
		return "", "", hipaa.WrapError(hipaa.EInternal, err, "cannot make an authenticator secret")
	}
	u.TOTPSecret = secret
	return secret, url, s.DB.UpdateUser(ctx, u)
}

// ConfirmMFA turns on TOTP once the person proves their app shows the right
// code, and returns fresh recovery codes to show once.
func (s *Service) ConfirmMFA(ctx context.Context, u *store.User, code string) ([]string, error) {
	if u.TOTPEnabled || u.TOTPSecret == "" {
		return nil, hipaa.Errorf(hipaa.EConflict, "start setting up the authenticator again")
	}
	step := checkTOTP(u.TOTPSecret, code, s.now())
	if step == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "that code does not match: check the time on your phone and enter the 6-digit code your app shows now")
	}
	codes, hashes, err := NewRecoveryCodes()
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInternal, err, "cannot make recovery codes")
	}
	u.TOTPEnabled, u.TOTPLastStep, u.RecoveryCodes = true, step, hashes
	if err := s.DB.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return codes, s.Record(ctx, Event{User: u, Action: "mfa.enabled", Subject: u.Email})
}

// ResetMFA removes an account's authenticator and recovery codes; the person
// sets up a new one at next sign-in.
func (s *Service) ResetMFA(ctx context.Context, u *store.User, by Event) error {
	u.TOTPEnabled, u.TOTPSecret, u.TOTPLastStep, u.RecoveryCodes = false, "", 0, []string{}
	u.FailedLogins, u.LockedUntil = 0, nil
	if err := s.DB.UpdateUser(ctx, u); err != nil {
		return err
	}
	by.Action, by.Subject = "mfa.reset", u.Email
	return s.Record(ctx, by)
}

// SetDisabled disables or re-enables an account. A disabled account cannot
// sign in and its API tokens stop working.
func (s *Service) SetDisabled(ctx context.Context, u *store.User, disabled bool, by Event) error {
	before := u.Disabled
	u.Disabled = disabled
	if err := s.DB.UpdateUser(ctx, u); err != nil {
		return err
	}
	by.Action, by.Subject = "user.disabled", u.Email
	if !disabled {
		by.Action = "user.enabled"
	}
	by.Before, by.After = map[string]any{"disabled": before}, map[string]any{"disabled": disabled}
	return s.Record(ctx, by)
}

// NeedsMFA reports whether an account must use a second factor: it has one
// set up, or it is an owner or admin of any practice.
func (s *Service) NeedsMFA(ctx context.Context, u *store.User) (bool, error) {
	if u.TOTPEnabled {
		return true, nil
	}
	ms, err := s.DB.Memberships(ctx, u.ID)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if Role(m.Role).NeedsMFA() {
			return true, nil
		}
	}
	return false, nil
}

// Role returns the user's role in a practice, or "" when they are not a member.
func (s *Service) Role(ctx context.Context, userID, practiceID string) (Role, error) {
	ms, err := s.DB.Memberships(ctx, userID)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.PracticeID == practiceID {
			return Role(m.Role), nil
		}
	}
	return "", nil
}

// TokenPrefix starts every personal API token, so leaked tokens are easy to find.
const TokenPrefix = "sgp_"

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a personal API token for a user, limited to practices
// they belong to, read-only unless write is set (and their role allows
// writing). The token is returned once; only its hash is kept.
func (s *Service) CreateToken(ctx context.Context, u *store.User, name string, practices []string, write bool) (string, *store.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", nil, hipaa.Errorf(hipaa.EInvalid, "token name must be 1–100 characters: say what it is for, e.g. \"backup script\"")
	}
	if len(practices) == 0 {
		return "", nil, hipaa.Errorf(hipaa.EInvalid, "choose at least one practice the token may use")
	}
	for _, p := range practices {
		r, err := s.Role(ctx, u.ID, p)
		if err != nil {
			return "", nil, err
		}
		if r == "" {
			return "", nil, hipaa.Errorf(hipaa.EInvalid, "you are not a member of practice %s", p)
		}
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, hipaa.WrapError(hipaa.EInternal, err, "cannot make a token")
	}
	tok := TokenPrefix + strings.ToLower(tokenEncoding.EncodeToString(b))
	t := &store.APIToken{UserID: u.ID, Name: name, Hash: hashToken(tok), Practices: practices, CanWrite: write}
	if err := s.DB.CreateAPIToken(ctx, t); err != nil {
		return "", nil, err
	}
	return tok, t, s.Record(ctx, Event{User: u, Action: "token.created", Subject: t.ID, After: map[string]any{"name": name, "practices": practices, "write": write}})
}

// ErrBadToken is the one message for an unknown, revoked or disabled token.
var ErrBadToken = hipaa.Errorf(hipaa.EInvalid, "the API token is not valid, was revoked, or its account is disabled: create a new token")

// AuthenticateToken returns the token and its user for a bearer token.
func (s *Service) AuthenticateToken(ctx context.Context, tok string) (*store.APIToken, *store.User, error) {
	if !strings.HasPrefix(tok, TokenPrefix) || len(tok) > 100 {
		return nil, nil, ErrBadToken
	}
	t, err := s.DB.APITokenByHash(ctx, hashToken(tok))
	if hipaa.IsNotFound(err) {
		return nil, nil, ErrBadToken
	}
	if err != nil {
		return nil, nil, err
	}
	if t.RevokedAt != nil {
		return nil, nil, ErrBadToken
	}
	u, err := s.DB.User(ctx, t.UserID)
	if err != nil || u.Disabled {
		return nil, nil, ErrBadToken
	}
	if t.LastUsedAt == nil || s.now().Sub(*t.LastUsedAt) > time.Minute {
		_ = s.DB.TouchAPIToken(ctx, t.ID)
	}
	return t, u, nil
}

// RevokeToken revokes one of a user's tokens.
func (s *Service) RevokeToken(ctx context.Context, u *store.User, id string) error {
	if err := s.DB.RevokeAPIToken(ctx, u.ID, id); err != nil {
		return err
	}
	return s.Record(ctx, Event{User: u, Action: "token.revoked", Subject: id})
}

// Event is an entry for the activity log.
type Event struct {
	User       *store.User // who acted; nil for the system or the command line
	Actor      string      // who acted, when User is nil
	PracticeID string
	Action     string // e.g. "answer.saved", "risk.updated"
	Subject    string // what was acted on: an ID or email
	Before     map[string]any
	After      map[string]any
	RemoteAddr string
}

// Record appends an event to the activity log.
func (s *Service) Record(ctx context.Context, e Event) error {
	a := &store.Activity{Actor: e.Actor, PracticeID: e.PracticeID, Action: e.Action, Subject: e.Subject,
		Before: e.Before, After: e.After, RemoteAddr: e.RemoteAddr}
	if e.User != nil {
		a.UserID, a.Actor = e.User.ID, e.User.Email
	}
	if a.Actor == "" {
		a.Actor = "system"
	}
	return s.DB.AddActivity(ctx, a)
}
