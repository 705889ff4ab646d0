package catalog

import (
	"regexp"
	"strconv"
)

// csfCategories gives the number of subcategories in each NIST Cybersecurity
// Framework v1.1 category (108 in all). A crosswalk ID outside these is dangling.
var csfCategories = map[string]int{
	"ID.AM": 6, "ID.BE": 5, "ID.GV": 4, "ID.RA": 6, "ID.RM": 3, "ID.SC": 5,
	"PR.AC": 7, "PR.AT": 5, "PR.DS": 8, "PR.IP": 12, "PR.MA": 2, "PR.PT": 5,
	"DE.AE": 5, "DE.CM": 8, "DE.DP": 5,
	"RS.RP": 1, "RS.CO": 5, "RS.AN": 5, "RS.MI": 3, "RS.IM": 2,
	"RC.RP": 1, "RC.IM": 2, "RC.CO": 3,
}

// sp80053Families gives the number of base controls in each NIST SP 800-53
// Rev. 5 family. A crosswalk ID outside these is dangling.
var sp80053Families = map[string]int{
	"AC": 25, "AT": 6, "AU": 16, "CA": 9, "CM": 14, "CP": 13, "IA": 13, "IR": 10,
	"MA": 7, "MP": 8, "PE": 23, "PL": 11, "PM": 32, "PS": 9, "PT": 8, "RA": 10,
	"SA": 23, "SC": 51, "SI": 23, "SR": 12,
}

var (
	csfPattern  = regexp.MustCompile(`^((?:ID|PR|DE|RS|RC)\.[A-Z]{2})-(\d+)$`)
	sp53Pattern = regexp.MustCompile(`^([A-Z]{2})-(\d+)(?:\((\d+)\))?$`)
)

// validCSF reports whether id names a CSF v1.1 subcategory.
func validCSF(id string) bool {
	m := csfPattern.FindStringSubmatch(id)
	if m == nil {
		return false
	}
	n, _ := strconv.Atoi(m[2])
	return n >= 1 && n <= csfCategories[m[1]]
}

// validSP80053 reports whether id names an SP 800-53 Rev. 5 control or enhancement.
func validSP80053(id string) bool {
	m := sp53Pattern.FindStringSubmatch(id)
	if m == nil {
		return false
	}
	n, _ := strconv.Atoi(m[2])
	return n >= 1 && n <= sp80053Families[m[1]]
}
