// Package vulnfeed matches the practice's assets against public security
// data: CISA's Known Exploited Vulnerabilities catalog (KEV), end-of-life
// dates from endoflife.date plus Safeguard's own supplement for device
// operating systems that site lacks, CISA's ICS medical advisories (CSAF
// 2.0) and, optionally, NVD CVE records for CPE matching. It reads the
// feeds from files or downloads them, and reports findings EOL-01, EOL-02,
// KEV-01 and ADV-01. It knows nothing of storage.
package vulnfeed

import (
	"strconv"
	"strings"
	"unicode"
)

// versionParts splits "12.2.8.410" or "A.01.09" into comparable pieces:
// runs of digits and runs of letters, ignoring separators.
func versionParts(v string) []string {
	var parts []string
	cur := []rune{}
	kind := 0 // 1 digit, 2 letter
	flush := func() {
		if len(cur) > 0 {
			parts = append(parts, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(strings.TrimSpace(v)) {
		k := 0
		switch {
		case unicode.IsDigit(r):
			k = 1
		case unicode.IsLetter(r):
			k = 2
		}
		if k == 0 || k != kind {
			flush()
		}
		kind = k
		if k != 0 {
			cur = append(cur, r)
		}
	}
	flush()
	return parts
}

// CompareVersions orders two version strings the way people read them:
// numbers compare as numbers, letters as letters, and a missing trailing
// part counts as zero (so 1.0 equals 1.0.0 and is less than 1.0.1).
func CompareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y string
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if c := comparePart(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func comparePart(x, y string) int {
	nx, ex := strconv.ParseUint(x, 10, 64)
	ny, ey := strconv.ParseUint(y, 10, 64)
	switch {
	case x == "" && y == "":
		return 0
	case x == "":
		if ey == nil && ny == 0 {
			return 0
		}
		return -1
	case y == "":
		if ex == nil && nx == 0 {
			return 0
		}
		return 1
	case ex == nil && ey == nil:
		switch {
		case nx < ny:
			return -1
		case nx > ny:
			return 1
		}
		return 0
	case ex == nil: // a number sorts after letters, as a release after its betas
		return 1
	case ey == nil:
		return -1
	}
	return strings.Compare(x, y)
}
