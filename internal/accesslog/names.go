package accesslog

import (
	"strings"
	"unicode"
)

// personName is a name split into a first name and a surname, upper-case,
// letters only; a hyphenated or double surname keeps each part.
type personName struct {
	first    string
	surnames []string
}

// parseName reads "Last, First", "LAST^FIRST" (HL7) or "First [Middle] Last".
func parseName(s string) personName {
	s = strings.TrimSpace(s)
	if s == "" {
		return personName{}
	}
	var first, last string
	switch {
	case strings.Contains(s, "^"):
		parts := strings.Split(s, "^")
		last = parts[0]
		if len(parts) > 1 {
			first = parts[1]
		}
	case strings.Contains(s, ","):
		last, first, _ = strings.Cut(s, ",")
	default:
		f := strings.Fields(s)
		// Drop suffixes such as Jr, III, MD.
		for len(f) > 1 && isSuffix(f[len(f)-1]) {
			f = f[:len(f)-1]
		}
		if len(f) == 1 {
			last = f[0]
		} else {
			first, last = f[0], f[len(f)-1]
		}
	}
	pf := strings.Fields(normLetters(first))
	n := personName{}
	if len(pf) > 0 {
		n.first = pf[0]
	}
	n.surnames = surnameParts(last)
	return n
}

func namePair(first, last string) personName {
	n := personName{surnames: surnameParts(last)}
	if f := strings.Fields(normLetters(first)); len(f) > 0 {
		n.first = f[0]
	}
	return n
}

// surnameParts splits a surname at hyphens and spaces into its parts.
func surnameParts(last string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(normLetters(last), func(r rune) bool { return r == ' ' || r == '-' }) {
		if !isSuffix(p) {
			out = append(out, p)
		}
	}
	return out
}

func isSuffix(s string) bool {
	switch strings.Trim(strings.ToUpper(s), ".") {
	case "JR", "SR", "II", "III", "IV", "MD", "DO", "RN", "NP", "PA", "PHD", "LPN", "MA", "DDS", "PA-C":
		return true
	}
	return false
}

// normLetters upper-cases letters and keeps hyphens and single spaces; other
// characters (apostrophes, dots) are dropped.
func normLetters(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToUpper(r))
		case r == '-':
			b.WriteByte('-')
			space = false
		case r == ' ' || r == '\t':
			space = true
		}
	}
	return b.String()
}

var streetWords = map[string]string{
	"STREET": "ST", "STR": "ST", "AVENUE": "AVE", "AV": "AVE", "ROAD": "RD", "DRIVE": "DR", "LANE": "LN", "BOULEVARD": "BLVD",
	"COURT": "CT", "PLACE": "PL", "TERRACE": "TER", "CIRCLE": "CIR", "PARKWAY": "PKWY", "HIGHWAY": "HWY", "SQUARE": "SQ",
	"TRAIL": "TRL", "WAY": "WAY", "APARTMENT": "APT", "SUITE": "STE", "UNIT": "APT", "#": "APT", "NUMBER": "APT", "NO": "APT",
	"NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
	"FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD",
}

// normAddressBytes is normAddress for ASCII input, written into dst without
// allocating; ok is false for other input, which normAddress handles.
func normAddressBytes(dst, src []byte) (out []byte, ok bool) {
	out = dst[:0]
	prevAPT := false
	emit := func(tok []byte) {
		if a, ok := streetWords[string(tok)]; ok {
			tok = append(tok[:0:0], a...)
		}
		isAPT := string(tok) == "APT"
		if isAPT && prevAPT {
			return
		}
		prevAPT = isAPT
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = append(out, tok...)
	}
	var tok [64]byte
	n := 0
	flush := func() {
		if n > 0 {
			emit(tok[:n])
			n = 0
		}
	}
	for _, c := range src {
		switch {
		case c >= 0x80:
			return nil, false
		case c >= 'a' && c <= 'z':
			c -= 32
			fallthrough
		case (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'):
			if n == len(tok) {
				return nil, false
			}
			tok[n] = c
			n++
		case c == '#':
			flush()
			emit([]byte{'#'})
		default:
			flush()
		}
	}
	flush()
	return out, true
}

// normAddress makes street addresses comparable in the spirit of USPS
// standardization: upper case, punctuation dropped, common street words
// abbreviated, apartment designators unified ("Apt 4", "Unit 4", "#4").
func normAddress(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '#':
			b.WriteString(" # ")
		default:
			b.WriteByte(' ')
		}
	}
	f := strings.Fields(b.String())
	for i, w := range f {
		if a, ok := streetWords[w]; ok {
			f[i] = a
		}
	}
	// "APT APT 4" from "Apt #4".
	out := f[:0]
	for i, w := range f {
		if w == "APT" && i > 0 && f[i-1] == "APT" {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// maskID shows the last three characters of an identifier: "10023481" → "***481".
func maskID(id string) string {
	r := []rune(id)
	if len(r) <= 4 {
		return "***"
	}
	return "***" + string(r[len(r)-3:])
}
