package auth

import (
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Role is what a person may do in one practice.
type Role string

// The roles, from most to least powerful.
const (
	// RoleOwner runs the practice's account: everything an admin can, and
	// naming other admins and owners.
	RoleOwner Role = "owner"
	// RoleAdmin manages members and reads the activity log, and can do all an assessor can.
	RoleAdmin Role = "admin"
	// RoleAssessor answers the questionnaire and edits the risk register and plan.
	RoleAssessor Role = "assessor"
	// RoleViewer reads everything of the practice and changes nothing.
	RoleViewer Role = "viewer"
)

// Roles lists the roles from most to least powerful.
var Roles = []Role{RoleOwner, RoleAdmin, RoleAssessor, RoleViewer}

// Permission is a kind of action.
type Permission int

// The permissions, each including the ones before it.
const (
	// PermRead is reading the practice's records.
	PermRead Permission = iota + 1
	// PermWrite is changing assessments, answers, risks and the plan.
	PermWrite
	// PermManage is managing members and reading the activity log.
	PermManage
	// PermOwn is naming admins and owners.
	PermOwn
)

func (r Role) rank() Permission {
	switch r {
	case RoleOwner:
		return PermOwn
	case RoleAdmin:
		return PermManage
	case RoleAssessor:
		return PermWrite
	case RoleViewer:
		return PermRead
	}
	return 0
}

// Allows reports whether the role grants a permission.
func (r Role) Allows(p Permission) bool { return r.rank() >= p }

// NeedsMFA reports whether the role requires multi-factor sign-in.
func (r Role) NeedsMFA() bool { return r == RoleOwner || r == RoleAdmin }

// Label is the role as a person reads it.
func (r Role) Label() string {
	switch r {
	case RoleOwner:
		return "Owner"
	case RoleAdmin:
		return "Administrator"
	case RoleAssessor:
		return "Assessor"
	case RoleViewer:
		return "Viewer (read only)"
	}
	return string(r)
}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	v := Role(strings.ToLower(strings.TrimSpace(s)))
	if v.rank() == 0 {
		return "", hipaa.Errorf(hipaa.EInvalid, "unknown role %q: use owner, admin, assessor or viewer", s)
	}
	return v, nil
}
