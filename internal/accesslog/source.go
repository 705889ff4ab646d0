package accesslog

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// source hands over the events of one file.
type source interface {
	// next fills ev with the next event. It returns io.EOF at the end, a
	// *RowError for a malformed entry (the caller may skip it and go on),
	// or another error that ends the file.
	next(ev *Event) error
	// mapping returns the mapping that says what actions and outcomes mean.
	mapping() *Mapping
}

// RowError is a malformed entry: where it is and what is wrong, never the
// entry's content (apart from an unreadable time value).
type RowError struct {
	File   string
	Line   int64
	Column int
	Msg    string
}

// Error implements error.
func (e *RowError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// delimSource reads a delimited export through a mapping.
type delimSource struct {
	in   *input
	rr   *recordReader
	lay  *layout
	m    *Mapping
	tr   timeReader
	join []byte

	// pending holds the first records, read ahead to detect the time format.
	pending []pendingRec
	// single lists the fields held in one column, multi those joined from several.
	single []fieldCol
	multi  []Field

	// batchErr is an error met in the middle of a batch, for the next call.
	batchErr error
}

type fieldCol struct {
	f   Field
	col int
}

type pendingRec struct {
	fields [][]byte
	line   int64
}

// sampleRows is how many rows are read ahead to detect the time format.
const sampleRows = 64

func newDelimSource(in *input, m *Mapping, defaultZone *time.Location) (*delimSource, error) {
	var delim byte
	if m != nil {
		delim, _ = parseDelimiter(m.Delimiter)
	}
	rr := newRecordReader(in.r, ',')
	if delim == 0 {
		head, err := rr.peek(64 << 10)
		if err != nil {
			return nil, in.readErr(err)
		}
		first := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			first = head[:i]
		}
		delim = sniffDelimiter(first)
	}
	rr.delim = delim
	hdr, err := rr.next()
	if err == io.EOF {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s is empty: an audit-log export needs a header line and one line per event", in.name)
	}
	if err != nil {
		return nil, readErr(in, err)
	}
	headers := make([]string, len(hdr))
	for i, h := range hdr {
		headers[i] = string(h)
	}
	lay, err := resolveColumns(in.name, headers, m)
	if err != nil {
		return nil, err
	}
	s := &delimSource{in: in, rr: rr, lay: lay, m: m}
	for f := Field(0); f < numFields; f++ {
		switch len(lay.cols[f]) {
		case 0:
		case 1:
			s.single = append(s.single, fieldCol{f, lay.cols[f][0]})
		default:
			s.multi = append(s.multi, f)
		}
	}
	zone := defaultZone
	if m != nil && m.TimeZone != "" {
		zone, _ = time.LoadLocation(m.TimeZone)
	}
	if lay.utcTime {
		zone = time.UTC
	}
	s.tr.zone = newZoneCache(zone)
	// Read ahead to learn the time format.
	var samples [][]byte
	for len(s.pending) < sampleRows {
		rec, err := rr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readErr(in, err)
		}
		p := pendingRec{line: rr.recLine}
		for _, f := range rec {
			p.fields = append(p.fields, append([]byte(nil), f...))
		}
		s.pending = append(s.pending, p)
		if len(rec) == len(headers) {
			if v := s.value(FTime, p.fields); len(bytes.TrimSpace(v)) > 0 {
				samples = append(samples, append([]byte(nil), bytes.TrimSpace(v)...))
			}
		}
	}
	if m != nil && m.TimeFormat != "" {
		s.tr.layout, _ = layoutFromYAML(m.TimeFormat)
	} else if len(samples) > 0 {
		l, ok := detectLayout(samples)
		if !ok {
			// Perhaps a few rows are bad: go by the first value alone.
			l, ok = detectLayout(samples[:1])
		}
		if !ok {
			p := s.pending[0]
			col := columnOf(p.fields, lay.cols[FTime][0])
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d:%d: column %q (time): cannot tell the time format from values such as %q: add time_format to the mapping file, e.g. time_format: \"%%m/%%d/%%Y %%H:%%M:%%S\"",
				in.name, p.line, col, headers[lay.cols[FTime][0]], clip(string(samples[0]), 40))
		}
		s.tr.layout = l
	} else {
		s.tr.layout, _ = compileLayout("%Y-%m-%d %H:%M:%S")
	}
	return s, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func readErr(in *input, err error) error {
	if qe, ok := err.(*quoteError); ok {
		return &RowError{File: in.name, Line: qe.line, Msg: "a quoted field is never closed: check the file's quoting"}
	}
	return in.readErr(err)
}

func (s *delimSource) mapping() *Mapping { return s.m }

// value returns the raw value of a field in a record, joining several columns with a space.
func (s *delimSource) value(f Field, rec [][]byte) []byte {
	cols := s.lay.cols[f]
	switch len(cols) {
	case 0:
		return nil
	case 1:
		if cols[0] < len(rec) {
			return rec[cols[0]]
		}
		return nil
	}
	start := len(s.join)
	for k, c := range cols {
		if k > 0 {
			s.join = append(s.join, ' ')
		}
		if c < len(rec) {
			s.join = append(s.join, bytes.TrimSpace(rec[c])...)
		}
	}
	return s.join[start:len(s.join):len(s.join)]
}

func (s *delimSource) next(ev *Event) error {
	s.join = s.join[:0]
	return s.read(ev)
}

// nextBatch fills evs with the next events, as many as the reader's buffer
// holds (at least one unless there is an error): their fields all point
// into the buffer, which is refilled only at the start of a batch. Handing
// events over in batches lets the analyzer fetch the state of a batch's
// users and patients from memory at once (see Analyzer.prefetch). An error
// after some events is returned by the next call.
func (s *delimSource) nextBatch(evs []Event) (int, error) {
	if err := s.batchErr; err != nil {
		s.batchErr = nil
		return 0, err
	}
	s.join = s.join[:0]
	n := 0
	for n < len(evs) {
		// Only the batch's first record may refill the buffer; a record
		// read through the quoted path ends the batch, as the next one
		// would overwrite its fields.
		s.rr.noFill = n > 0
		err := s.read(&evs[n])
		s.rr.noFill = false
		if err == errFill {
			break
		}
		if err != nil {
			if n == 0 {
				return 0, err
			}
			s.batchErr = err
			break
		}
		n++
		if s.rr.quoted {
			break
		}
	}
	return n, nil
}

// read is next without resetting the joined-fields buffer.
func (s *delimSource) read(ev *Event) error {
	var rec [][]byte
	var line int64
	if len(s.pending) > 0 {
		p := s.pending[0]
		s.pending = s.pending[1:]
		rec, line = p.fields, p.line
	} else {
		var err error
		rec, err = s.rr.next()
		if err == io.EOF || err == errFill {
			return err
		}
		if err != nil {
			if qe, ok := err.(*quoteError); ok {
				return &fatalRowError{RowError{File: s.in.name, Line: qe.line, Msg: "a quoted field is never closed: check the file's quoting"}}
			}
			return s.in.readErr(err)
		}
		line = s.rr.recLine
	}
	if len(rec) != len(s.lay.headers) {
		return &RowError{File: s.in.name, Line: line, Msg: fmt.Sprintf("the row has %d fields but the header has %d: check the delimiter and quoting", len(rec), len(s.lay.headers))}
	}
	for _, c := range s.single {
		ev.Fields[c.f] = rec[c.col]
	}
	for _, f := range s.multi {
		ev.Fields[f] = s.value(f, rec)
	}
	ev.Line = line
	tv := trim(ev.Fields[FTime])
	if len(tv) == 0 {
		c := s.lay.cols[FTime][0]
		return &RowError{File: s.in.name, Line: line, Column: columnOf(rec, c), Msg: fmt.Sprintf("column %q (time) is empty", s.lay.headers[c])}
	}
	t, ok := s.tr.unix(tv)
	if !ok {
		c := s.lay.cols[FTime][0]
		return &RowError{File: s.in.name, Line: line, Column: columnOf(rec, c), Msg: fmt.Sprintf("column %q (time): %q does not match the time format %q: fix the row or set time_format in the mapping file", s.lay.headers[c], clip(string(tv), 40), s.tr.layout.pattern)}
	}
	ev.Time = t
	if len(trim(ev.Fields[FUser])) == 0 {
		c := s.lay.cols[FUser][0]
		return &RowError{File: s.in.name, Line: line, Column: columnOf(rec, c), Msg: fmt.Sprintf("column %q (user) is empty", s.lay.headers[c])}
	}
	return nil
}

// fatalRowError is a malformed entry after which the file cannot be read on
// (an unclosed quote swallows the rest of the file).
type fatalRowError struct{ RowError }
