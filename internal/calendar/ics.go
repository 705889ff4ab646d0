package calendar

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// ICS renders duties as an iCalendar (RFC 5545) feed: one all-day event per
// duty, with a stable UID so calendar clients update events in place.
func ICS(practiceName string, duties []Duty, now time.Time) []byte {
	var b bytes.Buffer
	line := func(s string) { b.WriteString(fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Safeguard//HIPAA compliance calendar//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + escape("Safeguard — "+practiceName))
	stamp := now.UTC().Format("20060102T150405Z")
	for _, d := range duties {
		due, err := time.Parse(time.DateOnly, d.Due)
		if err != nil {
			continue
		}
		summary := d.Title
		if d.Proposed {
			summary += " (proposed rule)"
		}
		desc := d.Detail
		if desc != "" {
			desc += "\n"
		}
		desc += "45 CFR " + d.Citation
		if d.Proposed {
			desc += " — required only if the January 2025 proposed rule (90 FR 898) becomes final"
		}
		if d.Owner != "" {
			desc += "\nOwner: " + d.Owner
		}
		line("BEGIN:VEVENT")
		line("UID:" + escape(d.Key) + "@safeguard")
		line("DTSTAMP:" + stamp)
		line("DTSTART;VALUE=DATE:" + due.Format("20060102"))
		line("DTEND;VALUE=DATE:" + due.AddDate(0, 0, 1).Format("20060102"))
		line("SUMMARY:" + escape(summary))
		line("DESCRIPTION:" + escape(desc))
		line("CATEGORIES:" + escape(strings.ReplaceAll(d.Kind, "_", " ")))
		line("TRANSP:TRANSPARENT")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.Bytes()
}

// escape escapes text values (RFC 5545 §3.3.11).
func escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`)
	return r.Replace(s)
}

// fold ends a content line with CRLF, folding it at 75 octets without
// splitting a UTF-8 character (RFC 5545 §3.1).
func fold(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		w := len(string(r))
		if n+w > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += w
	}
	b.WriteString("\r\n")
	return fmt.Sprint(b.String())
}
