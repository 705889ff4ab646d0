package accesslog

import (
	"fmt"
	"strings"
	"time"
)

// timeLayout is a compiled strftime-style pattern. Parsing is hand-written
// (no time.Parse) because it runs once per event: a few nanoseconds per
// value instead of about a hundred.
type timeLayout struct {
	pattern string
	ops     []timeOp
}

type timeOp struct {
	kind byte // 'Y' 'y' 'm' 'd' 'H' 'I' 'M' 'S' 'p' 'b' 'z' 's' 'f' 'j' literal=0 space=' '
	lit  byte
}

// compileLayout compiles a strftime pattern. Supported: %Y %y %m %d %e %H %I
// %M %S (seconds, with an optional fraction) %f %p %b %B %z %s (Unix seconds
// or milliseconds) %T %F %D %R and %%. A space matches one or more spaces.
func compileLayout(p string) (*timeLayout, error) {
	l := &timeLayout{pattern: p}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == ' ' {
			l.ops = append(l.ops, timeOp{kind: ' '})
			for i+1 < len(p) && p[i+1] == ' ' {
				i++
			}
			continue
		}
		if c != '%' {
			l.ops = append(l.ops, timeOp{lit: c})
			continue
		}
		i++
		if i >= len(p) {
			return nil, fmt.Errorf("time format %q ends with a lone %%", p)
		}
		switch d := p[i]; d {
		case 'Y', 'y', 'm', 'd', 'H', 'I', 'M', 'S', 'p', 'b', 'z', 's', 'f', 'j':
			l.ops = append(l.ops, timeOp{kind: d})
		case 'e':
			l.ops = append(l.ops, timeOp{kind: 'd'})
		case 'B', 'h':
			l.ops = append(l.ops, timeOp{kind: 'b'})
		case 'T':
			l.ops = append(l.ops, timeOp{kind: 'H'}, timeOp{lit: ':'}, timeOp{kind: 'M'}, timeOp{lit: ':'}, timeOp{kind: 'S'})
		case 'R':
			l.ops = append(l.ops, timeOp{kind: 'H'}, timeOp{lit: ':'}, timeOp{kind: 'M'})
		case 'F':
			l.ops = append(l.ops, timeOp{kind: 'Y'}, timeOp{lit: '-'}, timeOp{kind: 'm'}, timeOp{lit: '-'}, timeOp{kind: 'd'})
		case 'D':
			l.ops = append(l.ops, timeOp{kind: 'm'}, timeOp{lit: '/'}, timeOp{kind: 'd'}, timeOp{lit: '/'}, timeOp{kind: 'y'})
		case '%':
			l.ops = append(l.ops, timeOp{lit: '%'})
		default:
			return nil, fmt.Errorf("time format %q uses %%%c, which is not supported (use %%Y %%m %%d %%H %%I %%M %%S %%f %%p %%b %%z %%s)", p, d)
		}
	}
	if len(l.ops) == 0 {
		return nil, fmt.Errorf("time format is empty")
	}
	return l, nil
}

var monthAbbr = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// parsed is a parsed time: either an absolute instant (abs) or a wall-clock
// time in seconds since 1970-01-01 00:00 of an unnamed zone, with the zone
// offset when the value carried one.
type parsed struct {
	secs   int64 // wall seconds, or Unix seconds when abs
	abs    bool
	hasOff bool
	off    int64
}

// parse reads b. It accepts, after the pattern, an optional fraction of a
// second and an optional zone ("Z", "+05:00", "-0500"), so ISO 8601 values
// work with or without them.
func (l *timeLayout) parse(b []byte) (parsed, bool) {
	var year, month, day, hour, minute, sec, yday int = 1970, 1, 1, 0, 0, 0, 0
	pm, hasPM, hour12 := false, false, false
	var out parsed
	i := 0
	num := func(min, max int) (int, bool) {
		start := i
		v := 0
		for i < len(b) && i-start < max && b[i] >= '0' && b[i] <= '9' {
			v = v*10 + int(b[i]-'0')
			i++
		}
		return v, i-start >= min
	}
	var ok bool
	for _, op := range l.ops {
		switch op.kind {
		case 0:
			if i >= len(b) || b[i] != op.lit {
				return out, false
			}
			i++
		case ' ':
			if i >= len(b) || (b[i] != ' ' && b[i] != 'T') {
				return out, false
			}
			for i < len(b) && b[i] == ' ' {
				i++
			}
			if i < len(b) && b[i] == 'T' {
				i++
			}
		case 'Y':
			if year, ok = num(4, 4); !ok {
				return out, false
			}
		case 'y':
			if year, ok = num(2, 2); !ok {
				return out, false
			}
			if year < 69 {
				year += 2000
			} else {
				year += 1900
			}
		case 'm':
			if month, ok = num(1, 2); !ok || month < 1 || month > 12 {
				return out, false
			}
		case 'd':
			for i < len(b) && b[i] == ' ' {
				i++
			}
			if day, ok = num(1, 2); !ok || day < 1 || day > 31 {
				return out, false
			}
		case 'j':
			if yday, ok = num(3, 3); !ok || yday < 1 || yday > 366 {
				return out, false
			}
		case 'H':
			if hour, ok = num(1, 2); !ok || hour > 23 {
				return out, false
			}
		case 'I':
			if hour, ok = num(1, 2); !ok || hour < 1 || hour > 12 {
				return out, false
			}
			hour12 = true
		case 'M':
			if minute, ok = num(2, 2); !ok || minute > 59 {
				return out, false
			}
		case 'S':
			if sec, ok = num(2, 2); !ok || sec > 60 {
				return out, false
			}
			if i+1 < len(b) && (b[i] == '.' || b[i] == ',') && b[i+1] >= '0' && b[i+1] <= '9' {
				i++
				num(1, 12)
			}
		case 'f':
			if _, ok = num(1, 12); !ok {
				return out, false
			}
		case 'p':
			if i+1 >= len(b) {
				return out, false
			}
			switch b[i] | 0x20 {
			case 'a':
			case 'p':
				pm = true
			default:
				return out, false
			}
			if b[i+1]|0x20 != 'm' {
				return out, false
			}
			hasPM = true
			i += 2
		case 'b':
			if i+3 > len(b) {
				return out, false
			}
			m := -1
			for k, name := range monthAbbr {
				if b[i]|0x20 == name[0] && b[i+1]|0x20 == name[1] && b[i+2]|0x20 == name[2] {
					m = k
					break
				}
			}
			if m < 0 {
				return out, false
			}
			month = m + 1
			i += 3
			for i < len(b) && (b[i]|0x20) >= 'a' && (b[i]|0x20) <= 'z' {
				i++ // the rest of a full month name
			}
		case 'z':
			off, n, ok := parseZone(b[i:])
			if !ok {
				return out, false
			}
			out.hasOff, out.off = true, off
			i += n
		case 's':
			start := i
			v, ok := num(9, 13)
			if !ok {
				return out, false
			}
			if i-start >= 13 {
				v /= 1000 // milliseconds
			}
			out.secs, out.abs = int64(v), true
		}
	}
	// Optional trailing fraction and zone.
	if i < len(b) && (b[i] == '.' || b[i] == ',') && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '9' {
		i++
		num(1, 12)
	}
	if i < len(b) && !out.hasOff {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		if i < len(b) {
			off, n, ok := parseZone(b[i:])
			if !ok {
				return out, false
			}
			out.hasOff, out.off = true, off
			i += n
		}
	}
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i != len(b) {
		return out, false
	}
	if out.abs {
		return out, true
	}
	if hour12 {
		if !hasPM {
			return out, false
		}
		hour %= 12
		if pm {
			hour += 12
		}
	} else if hasPM && hour <= 12 {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	var days int64
	if yday > 0 {
		days = daysFromCivil(year, 1, 1) + int64(yday-1)
	} else {
		if day > daysIn(year, month) {
			return out, false
		}
		days = daysFromCivil(year, month, day)
	}
	out.secs = days*86400 + int64(hour)*3600 + int64(minute)*60 + int64(sec)
	return out, true
}

// parseZone reads "Z", "UTC", "GMT", "+hh:mm", "+hhmm" or "+hh" and returns the offset in seconds east of UTC.
func parseZone(b []byte) (off int64, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	switch {
	case b[0] == 'Z':
		return 0, 1, true
	case len(b) >= 3 && (string(b[:3]) == "UTC" || string(b[:3]) == "GMT"):
		if len(b) == 3 {
			return 0, 3, true
		}
		off, n, ok := parseZone(b[3:])
		return off, n + 3, ok
	case b[0] != '+' && b[0] != '-':
		return 0, 0, false
	}
	d := func(k int) (int64, bool) {
		if k+1 >= len(b) || b[k] < '0' || b[k] > '9' || b[k+1] < '0' || b[k+1] > '9' {
			return 0, false
		}
		return int64(b[k]-'0')*10 + int64(b[k+1]-'0'), true
	}
	h, ok := d(1)
	if !ok {
		return 0, 0, false
	}
	n = 3
	var m int64
	if n < len(b) && b[n] == ':' {
		if m, ok = d(n + 1); !ok {
			return 0, 0, false
		}
		n += 3
	} else if mm, ok2 := d(n); ok2 {
		m = mm
		n += 2
	}
	off = h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, n, true
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// zoneCache turns wall-clock times of one time zone into Unix seconds, and
// Unix seconds into wall-clock times, looking the zone's rules up once per hour.
type zoneCache struct {
	loc              *time.Location
	utc              bool
	wallHour, wallOf int64 // cache for toUnix
	unixHour, unixOf int64 // cache for toWall
}

func newZoneCache(loc *time.Location) *zoneCache {
	if loc == nil {
		loc = time.UTC
	}
	return &zoneCache{loc: loc, utc: loc == time.UTC, wallHour: -1 << 62, unixHour: -1 << 62}
}

// toUnix converts wall seconds in the zone to Unix seconds.
func (z *zoneCache) toUnix(wall int64) int64 {
	if z.utc {
		return wall
	}
	h := floorDiv(wall, 3600)
	if h != z.wallHour {
		days := floorDiv(wall, 86400)
		y, m, d := civilFromDays(days)
		hh := int((wall - days*86400) / 3600)
		t := time.Date(y, time.Month(m), d, hh, 0, 0, 0, z.loc)
		z.wallHour, z.wallOf = h, h*3600-t.Unix()
	}
	return wall - z.wallOf
}

// toWall converts Unix seconds to wall seconds in the zone.
func (z *zoneCache) toWall(unix int64) int64 {
	if z.utc {
		return unix
	}
	h := floorDiv(unix, 3600)
	if h != z.unixHour {
		_, off := time.Unix(h*3600, 0).In(z.loc).Zone()
		z.unixHour, z.unixOf = h, int64(off)
	}
	return unix + z.unixOf
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

// timeReader parses one time column: a layout, the zone of values that carry
// no offset, and the conversion cache.
type timeReader struct {
	layout *timeLayout
	zone   *zoneCache
	// prev is the last value that ended in ":SS", and prevBase its time
	// less those seconds: a log in time order repeats the same minute many
	// times, and such values need only their last two digits read.
	prev     []byte
	prevBase int64
}

// unix parses b to Unix seconds.
func (r *timeReader) unix(b []byte) (int64, bool) {
	n := len(b)
	if n == len(r.prev) && n >= 3 && b[n-3] == ':' && string(b[:n-2]) == string(r.prev[:n-2]) {
		d0, d1 := b[n-2]-'0', b[n-1]-'0'
		if d0 < 6 && d1 < 10 {
			return r.prevBase + int64(d0)*10 + int64(d1), true
		}
	}
	p, ok := r.layout.parse(b)
	if !ok {
		return 0, false
	}
	var t int64
	switch {
	case p.abs:
		t = p.secs
	case p.hasOff:
		t = p.secs - p.off
	default:
		t = r.zone.toUnix(p.secs)
	}
	if last := len(r.layout.ops) - 1; n >= 3 && r.layout.ops[last].kind == 'S' && b[n-3] == ':' &&
		b[n-2] >= '0' && b[n-2] <= '5' && b[n-1] >= '0' && b[n-1] <= '9' {
		r.prev = append(r.prev[:0], b...)
		r.prevBase = t - int64(b[n-2]-'0')*10 - int64(b[n-1]-'0')
	} else {
		r.prev = r.prev[:0]
	}
	return t, true
}

// commonLayouts are tried in order when a mapping gives no time_format.
// Month-first dates come before day-first ones (the US convention); a log
// whose first values are ambiguous but day-first needs a time_format.
var commonLayouts = []string{
	"%Y-%m-%d %H:%M:%S",
	"%Y-%m-%d %H:%M",
	"%Y-%m-%dT%H:%M:%S",
	"%Y/%m/%d %H:%M:%S",
	"%m/%d/%Y %I:%M:%S %p",
	"%m/%d/%Y %I:%M %p",
	"%m/%d/%Y %H:%M:%S",
	"%m/%d/%Y %H:%M",
	"%m/%d/%y %I:%M:%S %p",
	"%m/%d/%y %I:%M %p",
	"%m/%d/%y %H:%M:%S",
	"%m/%d/%y %H:%M",
	"%d/%m/%Y %H:%M:%S",
	"%d/%m/%Y %H:%M",
	"%d.%m.%Y %H:%M:%S",
	"%d-%b-%Y %H:%M:%S",
	"%d-%b-%y %I.%M.%S %p",
	"%d %b %Y %H:%M:%S",
	"%b %d %Y %H:%M:%S",
	"%Y%m%d%H%M%S",
	"%Y%m%d %H%M%S",
	"%s",
	"%Y-%m-%d",
	"%m/%d/%Y",
	"%d/%m/%Y",
	"%Y%m%d",
}

// detectLayout returns the first common layout that reads every sample.
func detectLayout(samples [][]byte) (*timeLayout, bool) {
	for _, p := range commonLayouts {
		l, err := compileLayout(p)
		if err != nil {
			continue
		}
		all := len(samples) > 0
		for _, s := range samples {
			if _, ok := l.parse(s); !ok {
				all = false
				break
			}
		}
		if all {
			return l, true
		}
	}
	return nil, false
}

// layoutFromYAML compiles a time_format, accepting Go reference layouts too
// ("2006-01-02 15:04:05"), which some people will write.
func layoutFromYAML(s string) (*timeLayout, error) {
	if strings.Contains(s, "2006") && !strings.Contains(s, "%") {
		r := strings.NewReplacer("2006", "%Y", "01", "%m", "02", "%d", "15", "%H", "03", "%I", "04", "%M", "05", "%S", "PM", "%p", "Jan", "%b", "-0700", "%z", "Z07:00", "%z", "MST", "")
		s = strings.TrimSpace(r.Replace(s))
	}
	return compileLayout(s)
}
