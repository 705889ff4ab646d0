// Package vendors keeps a practice's register of vendors and business
// associates (164.308(b)): what each does with ePHI and which systems it
// touches, the state of its business associate agreement (BAA) and the terms
// 164.314(a)(2)(i) requires in it, the signed agreement file, a due-diligence
// questionnaire drawn from the catalog, and review dates. Check turns the
// register into BAA-01…BAA-04 findings. It knows nothing of storage.
package vendors

import (
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Source is the analyzer name on this package's findings.
const Source = "vendors"

// BAAStatus is where a vendor's business associate agreement stands.
type BAAStatus string

// The states of a BAA.
const (
	BAANone       BAAStatus = "none"
	BAARequested  BAAStatus = "requested"
	BAASigned     BAAStatus = "signed"
	BAAExpired    BAAStatus = "expired"
	BAATerminated BAAStatus = "terminated"
)

// BAAStatuses lists the states in order.
var BAAStatuses = []BAAStatus{BAANone, BAARequested, BAASigned, BAAExpired, BAATerminated}

// ParseBAAStatus reads a BAA status.
func ParseBAAStatus(s string) (BAAStatus, error) {
	v := BAAStatus(strings.ToLower(strings.TrimSpace(s)))
	for _, x := range BAAStatuses {
		if x == v {
			return v, nil
		}
	}
	return "", hipaa.Errorf(hipaa.EInvalid, "--baa %q is not a BAA status: use none, requested, signed, expired or terminated", s)
}

// Use is one of the four things a business associate can do with ePHI on the
// practice's behalf (the definition of business associate in 160.103).
type Use string

// The four uses.
const (
	UseCreate   Use = "create"
	UseReceive  Use = "receive"
	UseMaintain Use = "maintain"
	UseTransmit Use = "transmit"
)

// Uses lists the uses in the rule's order.
var Uses = []Use{UseCreate, UseReceive, UseMaintain, UseTransmit}

// ParseUses reads a list of uses such as "receive,maintain"; "none" is the empty list.
func ParseUses(list []string) ([]Use, error) {
	out := []Use{}
	seen := map[Use]bool{}
	for _, item := range list {
		for _, s := range strings.Split(item, ",") {
			s = strings.ToLower(strings.TrimSpace(s))
			if s == "" || s == "none" {
				continue
			}
			u := Use(s)
			ok := false
			for _, x := range Uses {
				ok = ok || x == u
			}
			if !ok {
				return nil, hipaa.Errorf(hipaa.EInvalid, "--ephi %q: use create, receive, maintain, transmit (comma-separated) or none", s)
			}
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// Vendor is one entry of the vendor register.
type Vendor struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Service string `json:"service"`
	Contact string `json:"contact,omitempty"`
	// EPHI lists what the vendor does with ePHI for the practice; empty means
	// it never handles ePHI (or only passes it through as a conduit) and needs no BAA.
	EPHI []Use `json:"ephi"`
	// Systems names the practice's systems the vendor touches.
	Systems []string `json:"systems"`
	// Active is false once the practice stops using the vendor; its record is kept.
	Active bool      `json:"active"`
	BAA    BAAStatus `json:"baa_status"`
	// The BAA's dates and the vendor's review dates, YYYY-MM-DD or empty.
	SignedOn  string `json:"baa_signed_on,omitempty"`
	ExpiresOn string `json:"baa_expires_on,omitempty"`
	// ReviewedOn is the last time someone checked the BAA and the vendor's safeguards.
	ReviewedOn string `json:"reviewed_on,omitempty"`
	// VerifiedOn is the date of the vendor's last written verification of its
	// technical safeguards, which the proposed rule would require every 12 months.
	VerifiedOn string `json:"verified_on,omitempty"`
	// Terms records, for each BAA term checked (see Terms), whether the
	// agreement contains it; a term not checked yet is absent from the map.
	Terms map[string]bool `json:"terms"`
	// DueDiligence holds the questionnaire's answers by item key (see Questionnaire).
	DueDiligence map[string]DDAnswer `json:"due_diligence"`
	// Agreement is the stored agreement file, if one was attached.
	Agreement *FileRef  `json:"agreement,omitempty"`
	Notes     string    `json:"notes,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DDAnswer is the answer to one due-diligence item.
type DDAnswer struct {
	Answer hipaa.AnswerValue `json:"answer"`
	Note   string            `json:"note,omitempty"`
	On     string            `json:"on"`
}

// HandlesEPHI reports whether the vendor creates, receives, maintains or
// transmits ePHI for the practice, and so needs a BAA.
func (v *Vendor) HandlesEPHI() bool { return len(v.EPHI) > 0 }

// Validate checks the vendor's fields, puts dates in canonical form and
// returns a user-facing error naming the first wrong field.
func (v *Vendor) Validate() error {
	v.Name = strings.TrimSpace(v.Name)
	if v.Name == "" {
		return hipaa.Errorf(hipaa.EInvalid, "--name is empty: give the vendor's company name")
	}
	if len(v.Name) > 200 {
		return hipaa.Errorf(hipaa.EInvalid, "--name is longer than 200 characters")
	}
	v.Service = strings.TrimSpace(v.Service)
	if v.BAA == "" {
		v.BAA = BAANone
	}
	if _, err := ParseBAAStatus(string(v.BAA)); err != nil {
		return err
	}
	if v.EPHI == nil {
		v.EPHI = []Use{}
	}
	var systems []string
	for _, s := range v.Systems {
		if s = strings.TrimSpace(s); s != "" {
			systems = append(systems, s)
		}
	}
	if systems == nil {
		systems = []string{}
	}
	v.Systems = systems
	var err error
	for _, f := range []struct {
		flag string
		val  *string
	}{{"--signed", &v.SignedOn}, {"--expires", &v.ExpiresOn}, {"--reviewed", &v.ReviewedOn}, {"--verified", &v.VerifiedOn}} {
		if *f.val, err = hipaa.CheckDate(f.flag, *f.val); err != nil {
			return err
		}
	}
	if v.SignedOn != "" && v.ExpiresOn != "" && v.ExpiresOn <= v.SignedOn {
		return hipaa.Errorf(hipaa.EInvalid, "--expires %s is not after --signed %s: an agreement expires after it is signed; check the dates", v.ExpiresOn, v.SignedOn)
	}
	if v.BAA == BAASigned && v.SignedOn == "" {
		return hipaa.Errorf(hipaa.EInvalid, "a signed BAA needs its signature date: add --signed YYYY-MM-DD")
	}
	if (v.BAA == BAANone || v.BAA == BAARequested) && (v.SignedOn != "" || v.ExpiresOn != "") {
		return hipaa.Errorf(hipaa.EInvalid, "the BAA status is %q but signature or expiry dates are given: set --baa signed (or expired, terminated), or leave the dates out", v.BAA)
	}
	if v.Terms == nil {
		v.Terms = map[string]bool{}
	}
	for k := range v.Terms {
		if _, ok := TermByKey(k); !ok {
			return hipaa.Errorf(hipaa.EInvalid, "unknown BAA term %q: use %s", k, strings.Join(TermKeys(), ", "))
		}
	}
	if v.DueDiligence == nil {
		v.DueDiligence = map[string]DDAnswer{}
	}
	for k, a := range v.DueDiligence {
		if _, ok := ItemByKey(k); !ok {
			return hipaa.Errorf(hipaa.EInvalid, "unknown due-diligence item %q: see `safeguard vendors show NAME` for the questionnaire", k)
		}
		if _, ok := hipaa.ParseAnswer(string(a.Answer)); !ok {
			return hipaa.Errorf(hipaa.EInvalid, "due-diligence item %s: %q is not an answer: use yes, partial, no, unknown or na", k, a.Answer)
		}
		if a.On, err = hipaa.CheckDate("due-diligence item "+k+" date", a.On); err != nil {
			return err
		}
		v.DueDiligence[k] = a
	}
	return nil
}

// TermsMissing returns the terms that were checked and found missing from the agreement.
func (v *Vendor) TermsMissing() []Term {
	var out []Term
	for _, t := range Terms {
		if has, checked := v.Terms[t.Key]; checked && !has {
			out = append(out, t)
		}
	}
	return out
}
