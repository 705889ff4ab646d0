package accesslog

import (
	"bytes"
	"strings"
)

// Field is one canonical field of an audit event.
type Field uint8

// The canonical fields every reader fills in, as far as its format knows them.
const (
	FTime Field = iota
	FUser
	FUserName
	FPatient
	FPatientName
	FAction
	FWorkstation
	FIP
	FOutcome
	FSession
	FDepartment
	FBreakGlass
	FRecordID
	numFields
)

// fieldNames are the canonical field names used in mapping files.
var fieldNames = [numFields]string{"time", "user", "user_name", "patient", "patient_name", "action", "workstation", "ip",
	"outcome", "session", "department", "break_glass", "record_id"}

// String returns the canonical name of the field.
func (f Field) String() string {
	if f < numFields {
		return fieldNames[f]
	}
	return "unknown"
}

// FieldNames lists the canonical field names in order.
func FieldNames() []string { return append([]string(nil), fieldNames[:]...) }

// fieldByName returns the field with a canonical name.
func fieldByName(name string) (Field, bool) {
	for i, n := range fieldNames {
		if n == name {
			return Field(i), true
		}
	}
	return 0, false
}

// Event is one audit-log entry as a reader hands it over. The byte slices
// point into the reader's buffers and stay valid only until the next call to
// Next, so an event is looked at and dropped, never kept.
type Event struct {
	// Time is when the event happened, in Unix seconds (UTC).
	Time int64
	// Fields holds the raw value of each canonical field; a field the source
	// does not have is empty.
	Fields [numFields][]byte
	// Line is the line of the source file the event starts on (1-based), or
	// 0 when the format has no lines.
	Line int64
}

// Category is what an action amounts to, for the detectors.
type Category uint8

// Action categories. Access covers every look at or change to a record that
// is not one of the more specific kinds.
const (
	CatAccess Category = iota
	CatLogin
	CatLogout
	CatPrint
	CatExport
	CatCopy
	CatAuditOff
	numCategories
)

var categoryNames = [numCategories]string{"access", "login", "logout", "print", "export", "copy", "audit_off"}

// String returns the category's name, as used in mapping files.
func (c Category) String() string {
	if c < numCategories {
		return categoryNames[c]
	}
	return "unknown"
}

// parseCategory reads a category name from a mapping file.
func parseCategory(s string) (Category, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "view", "read", "create", "update", "delete", "query", "search":
		return CatAccess, true
	}
	for i, n := range categoryNames {
		if n == s {
			return Category(i), true
		}
	}
	return 0, false
}

// actionInfo is what an action string means: its category, and whether the
// action itself says it failed or was a break-the-glass override.
type actionInfo struct {
	cat        Category
	failed     bool
	breakGlass bool
}

// classifyAction guesses what a vendor's action text means from common words.
// A mapping file's actions table overrides it for exact values.
func classifyAction(raw []byte) actionInfo {
	s := strings.NewReplacer("-", " ", "_", " ").Replace(strings.ToLower(string(raw)))
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	var a actionInfo
	a.breakGlass = has("break the glass", "breakglass", "break glass", "btg", "emergency access", "emergency override")
	switch {
	case has("audit") && has("disable", "clear", "purge", "stop", "delet", " off", "suspend", "paus"),
		has("log cleared", "logging disabled", "logging stopped", "1102"):
		a.cat = CatAuditOff
	case has("logout", "logoff", "log out", "log off", "sign out", "signout", "sign off", "110123", "session end", "session timeout"):
		a.cat = CatLogout
	case has("login", "logon", "log in", "log on", "sign in", "signin", "sign on", "authenticat", "110122", "110114", "password", "lockout", "locked out"):
		a.cat = CatLogin
		a.failed = has("fail", "invalid", "denied", "reject", "wrong", "bad password", "lockout", "locked out", "unsuccessful", "error")
	case has("print", "fax"):
		a.cat = CatPrint
	case has("export", "download", "extract", "disclos", "110106", "release of information", "send to", "transmit", "save as", "pdf"):
		a.cat = CatExport
	case has("copy", "clipboard"):
		a.cat = CatCopy
	default:
		a.cat = CatAccess
	}
	return a
}

// outcomeFailed reports whether an outcome value says the action failed.
// An empty outcome counts as success: most exports list only what happened.
func outcomeFailed(raw []byte) bool {
	v := bytes.TrimSpace(raw)
	if len(v) == 0 {
		return false
	}
	s := strings.ToLower(string(v))
	switch s {
	case "0", "s", "success", "successful", "succeeded", "ok", "true", "t", "y", "yes", "allowed", "allow", "granted", "pass", "passed", "permit", "permitted", "1", "complete", "completed":
		return false
	case "4", "8", "12", "f", "fail", "failed", "failure", "false", "n", "no", "denied", "deny", "error", "e", "invalid", "locked", "rejected", "blocked", "unauthorized":
		return true
	}
	for _, w := range []string{"fail", "denied", "error", "invalid", "lock", "reject", "block", "unauthori"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// truthy reports whether a flag value (a break-the-glass column, a VIP
// column) is set. Any text that is not a clear "no" counts as set, so a
// column holding a break-the-glass reason works as well as a Y/N column.
func truthy(raw []byte) bool {
	v := bytes.TrimSpace(raw)
	if len(v) == 0 {
		return false
	}
	switch strings.ToLower(string(v)) {
	case "0", "n", "no", "false", "f", "none", "null", "nil", "-", "na", "n/a", "off":
		return false
	}
	return true
}

// trim is bytes.TrimSpace with a fast exit for the usual value that has no
// blanks at either end; it runs several times per event.
func trim(b []byte) []byte {
	if n := len(b); n == 0 || (b[0] > ' ' && b[n-1] > ' ') {
		return b
	}
	return bytes.TrimSpace(b)
}
