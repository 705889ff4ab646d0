package hipaa

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an error for callers: the command line maps it to an
// exit code, the web app to an HTTP status.
type ErrorCode string

// The error codes used across Safeguard.
const (
	// EInvalid means the input was wrong: bad usage, a malformed file, an unknown ID.
	EInvalid ErrorCode = "invalid"
	// ENotFound means a named thing does not exist.
	ENotFound ErrorCode = "not_found"
	// EConflict means the request clashes with the current state (a duplicate slug, a finalized assessment).
	EConflict ErrorCode = "conflict"
	// EUnavailable means the environment failed: database unreachable, disk full.
	EUnavailable ErrorCode = "unavailable"
	// EInternal means a bug or an unexpected failure; its message is not shown to users.
	EInternal ErrorCode = "internal"
)

// Error is an error whose Message is safe to show a user: it names what is
// wrong, where, and what to do, and never holds PHI. Err, if set, is the
// underlying cause, which may be logged but is not shown.
type Error struct {
	Code    ErrorCode
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted user-facing message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the given code and message that wraps cause.
func WrapError(code ErrorCode, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, or EInternal.
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain; for any other error it returns a generic message, since its text may
// hold details that must not reach a user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsNotFound reports whether err is an ENotFound error.
func IsNotFound(err error) bool { return ErrorCodeOf(err) == ENotFound }
