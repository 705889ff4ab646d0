package accesslog

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Options describe one analysis.
type Options struct {
	// Mapping says how to read delimited files; nil detects a built-in profile.
	Mapping *Mapping
	// Rosters are the roster files, any of which may be empty.
	Rosters Rosters
	// Config holds the thresholds; nil means DefaultConfig with the
	// mapping's thresholds section applied.
	Config *Config
	// TimeZone is the practice's zone: working hours and days are counted
	// in it, and times written without an offset are read in it unless the
	// mapping names another.
	TimeZone *time.Location
	// AsOf is the date the rosters describe, for dormant and not-yet-removed accounts.
	AsOf time.Time
	// SkipBadRows skips malformed entries instead of stopping.
	SkipBadRows bool
	// Progress, if set, is called now and then with the bytes read so far and the total.
	Progress func(done, total int64)
	// RuleInfo gives each rule's citations.
	RuleInfo RuleInfo
}

// Report is the outcome of an analysis.
type Report struct {
	Findings []*Result `json:"findings"`
	Stats    Stats     `json:"stats"`
}

// Stats describe what was read.
type Stats struct {
	Files           []FileStats `json:"files"`
	Events          int64       `json:"events"`
	BadRows         int64       `json:"bad_rows"`
	BadRowExamples  []string    `json:"bad_row_examples"`
	Users           int         `json:"users"`
	Patients        int         `json:"patients"`
	PeriodStart     *time.Time  `json:"period_start"`
	PeriodEnd       *time.Time  `json:"period_end"`
	OutOfOrder      int64       `json:"out_of_order_events"`
	Seconds         float64     `json:"seconds"`
	EventsPerSecond float64     `json:"events_per_second"`
}

// FileStats describe one event file.
type FileStats struct {
	Name    string `json:"name"`
	Format  Format `json:"format"`
	Profile string `json:"profile,omitempty"`
	Events  int64  `json:"events"`
	BadRows int64  `json:"bad_rows"`
}

// maxBadExamples is how many skipped rows a report names.
const maxBadExamples = 5

// Analyze reads the rosters and then every event file once, and returns the findings.
func Analyze(ctx context.Context, files []string, opt Options) (*Report, error) {
	start := time.Now()
	if len(files) == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "no event files given: pass --events with one or more audit-log exports")
	}
	cfg := opt.Config
	if cfg == nil {
		c := DefaultConfig()
		cfg = &c
		if opt.Mapping != nil && opt.Mapping.Thresholds.Kind != 0 {
			if err := cfg.ApplyYAML(opt.Mapping.where, &opt.Mapping.Thresholds); err != nil {
				return nil, err
			}
		}
	}
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	zone := opt.TimeZone
	if zone == nil {
		zone = time.UTC
	}
	asOf := opt.AsOf
	if asOf.IsZero() {
		asOf = time.Now()
	}
	a := NewAnalyzer(cfg, zone, asOf)
	a.m = opt.Mapping
	if err := a.LoadRosters(opt.Rosters, opt.Mapping); err != nil {
		return nil, err
	}
	var total int64
	var inputs []*input
	defer func() {
		for _, in := range inputs {
			in.Close()
		}
	}()
	for _, f := range files {
		in, err := openInput(f)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, in)
		total += in.size
	}
	rep := &Report{Stats: Stats{BadRowExamples: []string{}}}
	var before int64
	for i, in := range inputs {
		a.files = append(a.files, in.name)
		a.file = int32(i)
		src, format, profile, err := openSource(in, opt.Mapping, zone)
		if err != nil {
			var re *RowError
			if errors.As(err, &re) {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s; nothing was recorded", re.Error())
			}
			return nil, err
		}
		fs := FileStats{Name: in.name, Format: format, Profile: profile}
		bs, ok := src.(batchSource)
		if !ok {
			bs = oneByOne{src}
		}
		evs := make([]Event, batchSize) // fields a format does not fill stay empty
		var n int64
		for {
			k, err := bs.nextBatch(evs)
			if k > 0 {
				if k > 1 {
					a.prefetch(evs[:k])
				}
				for j := range evs[:k] {
					a.Add(&evs[j])
				}
				was := n
				n += int64(k)
				if n>>16 != was>>16 {
					if err := ctx.Err(); err != nil {
						return nil, hipaa.WrapError(hipaa.EUnavailable, err, "the analysis was interrupted; nothing was recorded")
					}
					if opt.Progress != nil {
						opt.Progress(before+in.count.n.Load(), total)
					}
				}
			}
			if err == nil {
				continue
			}
			if err == io.EOF {
				break
			}
			var fatal *fatalRowError
			var re *RowError
			switch {
			case errors.As(err, &fatal):
				if !opt.SkipBadRows {
					return nil, hipaa.Errorf(hipaa.EInvalid, "%s: nothing was recorded", fatal.Error())
				}
				rep.Stats.BadRows++
				fs.BadRows++
				if len(rep.Stats.BadRowExamples) < maxBadExamples {
					rep.Stats.BadRowExamples = append(rep.Stats.BadRowExamples, fatal.Error()+" (the rest of the file was not read)")
				}
			case errors.As(err, &re):
				if !opt.SkipBadRows {
					return nil, hipaa.Errorf(hipaa.EInvalid, "%s; nothing was recorded (fix the row, or pass --skip-bad-rows to skip malformed rows)", re.Error())
				}
				rep.Stats.BadRows++
				fs.BadRows++
				if len(rep.Stats.BadRowExamples) < maxBadExamples {
					rep.Stats.BadRowExamples = append(rep.Stats.BadRowExamples, re.Error())
				}
				continue
			default:
				return nil, err
			}
			break
		}
		a.endFile()
		before += in.size
		fs.Events = n
		rep.Stats.Files = append(rep.Stats.Files, fs)
		if opt.Progress != nil {
			opt.Progress(before, total)
		}
	}
	a.finish()
	rep.Findings = a.results(opt.RuleInfo)
	st := &rep.Stats
	st.Events = a.events
	st.Users = a.users.Len()
	st.Patients = a.patients.Len()
	st.OutOfOrder = a.outOfOrder
	if a.events > 0 {
		s, e := time.Unix(a.firstT, 0).In(zone), time.Unix(a.lastT, 0).In(zone)
		st.PeriodStart, st.PeriodEnd = &s, &e
	}
	st.Seconds = time.Since(start).Seconds()
	if st.Seconds > 0 {
		st.EventsPerSecond = float64(a.events) / st.Seconds
	}
	return rep, nil
}

// batchSize is how many events a source hands over at a time at most.
const batchSize = 64

// batchSource is a source that can hand over several events at a time.
type batchSource interface {
	// nextBatch fills the start of evs and returns how many events it
	// filled; an error comes with no events, as next's would.
	nextBatch(evs []Event) (int, error)
}

// oneByOne hands over a source's events one at a time.
type oneByOne struct{ source }

func (o oneByOne) nextBatch(evs []Event) (int, error) {
	if err := o.next(&evs[0]); err != nil {
		return 0, err
	}
	return 1, nil
}

// openSource picks the reader for a file from its first bytes.
func openSource(in *input, m *Mapping, zone *time.Location) (source, Format, string, error) {
	head, _ := in.r.Peek(4096)
	format := sniff(head)
	if format == FormatDelimited && containsAuditMessage(head) {
		format = FormatSyslog
	}
	switch format {
	case FormatFHIRJSON:
		return newFHIRJSONSource(in, m, zone), format, "", nil
	case FormatFHIRXML:
		return newXMLSource(in, m, zone, "AuditEvent", decodeFHIRXML), format, "", nil
	case FormatATNA:
		return newXMLSource(in, m, zone, "AuditMessage", decodeATNA), format, "", nil
	case FormatSyslog:
		return newSyslogSource(in, m, zone), format, "", nil
	}
	s, err := newDelimSource(in, m, zone)
	if err != nil {
		return nil, format, "", err
	}
	return s, format, s.lay.profile, nil
}

func containsAuditMessage(b []byte) bool {
	for i := 0; i+13 <= len(b); i++ {
		if b[i] == '<' && string(b[i:i+13]) == "<AuditMessage" {
			return true
		}
	}
	return false
}
