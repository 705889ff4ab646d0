package accesslog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
)

// recordReader splits a delimited text file (CSV, TSV, pipe) into records.
// It follows RFC 4180 quoting — a field in double quotes may hold the
// delimiter, doubled quotes and line breaks — and is lenient about quotes
// inside unquoted fields. Lines without quotes take a fast path that only
// looks for delimiters. The fields it returns point into its buffer and are
// valid until the next call.
type recordReader struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	delim    byte

	line    int64 // line where the next record starts, 1-based
	recLine int64 // line where the current record starts

	fields  [][]byte
	scratch []byte
	offs    []int

	// noFill makes next return errFill instead of refilling the buffer, so
	// that the fields of records already returned stay valid (batches).
	noFill bool
	// quoted is set when the last record came through the slow path: its
	// fields live in scratch and the next record overwrites them.
	quoted bool
}

// errFill tells a caller in noFill mode that the next record needs a refill.
var errFill = errors.New("buffer needs a refill")

// errNeedMore tells the slow path to refill the buffer and start the record again.
var errNeedMore = errors.New("need more data")

// errUnterminated is a quoted field that never closes.
type quoteError struct{ line int64 }

func (e *quoteError) Error() string { return "a quoted field is never closed" }

func newRecordReader(r io.Reader, delim byte) *recordReader {
	return &recordReader{r: r, buf: make([]byte, 1<<20), delim: delim, line: 1}
}

// fill moves unread bytes to the front of the buffer and reads more.
func (rr *recordReader) fill() error {
	if rr.eof {
		return nil
	}
	if rr.pos > 0 {
		copy(rr.buf, rr.buf[rr.pos:rr.end])
		rr.end -= rr.pos
		rr.pos = 0
	}
	if rr.end == len(rr.buf) {
		nb := make([]byte, len(rr.buf)*2)
		copy(nb, rr.buf[:rr.end])
		rr.buf = nb
	}
	for {
		n, err := rr.r.Read(rr.buf[rr.end:])
		rr.end += n
		if err == io.EOF {
			rr.eof = true
			return nil
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
}

// peek returns up to n bytes at the start of the unread input, for sniffing.
func (rr *recordReader) peek(n int) ([]byte, error) {
	for rr.end-rr.pos < n && !rr.eof {
		if err := rr.fill(); err != nil {
			return nil, err
		}
	}
	return rr.buf[rr.pos:min(rr.end, rr.pos+n)], nil
}

// next returns the next non-blank record, or io.EOF.
//
// The fast path reads eight bytes at a time and finds every delimiter,
// newline and quote in them at once with bit tricks (SWAR), so a line costs
// about one step per eight bytes plus one per field.
func (rr *recordReader) next() ([][]byte, error) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	dm, nm, qm := ones*uint64(rr.delim), ones*uint64('\n'), ones*uint64('"')
restart:
	buf := rr.buf[:rr.end]
	lineStart := rr.pos
	fieldStart := lineStart
	rr.fields = rr.fields[:0]
	rr.quoted = false
	i := lineStart
	for {
		var j int
		if i+8 <= len(buf) {
			x := binary.LittleEndian.Uint64(buf[i:])
			a, b, c := x^dm, x^nm, x^qm
			m := (((a - ones) &^ a) | ((b - ones) &^ b) | ((c - ones) &^ c)) & highs
			for m != 0 {
				j = i + bits.TrailingZeros64(m)>>3
				m &= m - 1
				switch buf[j] {
				case rr.delim:
					rr.fields = append(rr.fields, buf[fieldStart:j])
					fieldStart = j + 1
				case '\n':
					if f, ok := rr.endLine(buf, fieldStart, j); ok {
						return f, nil
					}
					goto restart
				case '"':
					goto quoted
				}
			}
			i += 8
			continue
		}
		// Fewer than eight bytes left in the buffer.
		if !rr.eof {
			if rr.noFill {
				return nil, errFill
			}
			if err := rr.fill(); err != nil {
				return nil, err
			}
			goto restart
		}
		for j = i; j < len(buf); j++ {
			switch buf[j] {
			case rr.delim:
				rr.fields = append(rr.fields, buf[fieldStart:j])
				fieldStart = j + 1
				continue
			case '\n':
			case '"':
				goto quoted
			default:
				continue
			}
			break
		}
		if j == len(buf) && lineStart == len(buf) {
			return nil, io.EOF
		}
		if f, ok := rr.endLine(buf, fieldStart, j); ok {
			return f, nil
		}
		goto restart
	}
quoted:
	f, err := rr.slow()
	if err == errNeedMore {
		if rr.noFill {
			return nil, errFill
		}
		if err := rr.fill(); err != nil {
			return nil, err
		}
		goto restart
	}
	rr.quoted = err == nil
	return f, err
}

// endLine finishes a record at the newline (or end of input) at j. It
// reports false for a blank line, which is skipped.
func (rr *recordReader) endLine(buf []byte, fieldStart, j int) ([][]byte, bool) {
	last := buf[fieldStart:j]
	if n := len(last); n > 0 && last[n-1] == '\r' {
		last = last[:n-1]
	}
	rr.recLine = rr.line
	rr.line++
	rr.pos = min(j+1, len(buf))
	if len(rr.fields) == 0 && len(last) == 0 {
		return nil, false
	}
	rr.fields = append(rr.fields, last)
	return rr.fields, true
}

// slow parses a record that contains quotes, possibly over several lines.
// It returns errNeedMore when the buffer ends inside the record.
func (rr *recordReader) slow() ([][]byte, error) {
	buf, end := rr.buf, rr.end
	j := rr.pos
	lines := int64(0)
	rr.scratch = rr.scratch[:0]
	rr.offs = rr.offs[:0]
	for {
		rr.offs = append(rr.offs, len(rr.scratch))
		if j < end && buf[j] == '"' {
			j++
			for {
				if j >= end {
					if rr.eof {
						return nil, &quoteError{line: rr.line}
					}
					return nil, errNeedMore
				}
				c := buf[j]
				if c == '"' {
					if j+1 >= end && !rr.eof {
						return nil, errNeedMore
					}
					if j+1 < end && buf[j+1] == '"' {
						rr.scratch = append(rr.scratch, '"')
						j += 2
						continue
					}
					j++
					break
				}
				if c == '\n' {
					lines++
				}
				rr.scratch = append(rr.scratch, c)
				j++
			}
		}
		// Unquoted text, or what follows a closing quote, up to the delimiter or the line end.
		for j < end && buf[j] != rr.delim && buf[j] != '\n' {
			rr.scratch = append(rr.scratch, buf[j])
			j++
		}
		if j >= end && !rr.eof {
			return nil, errNeedMore
		}
		if j < end && buf[j] == rr.delim {
			j++
			continue
		}
		// End of record.
		if n := len(rr.scratch); n > rr.offs[len(rr.offs)-1] && rr.scratch[n-1] == '\r' {
			rr.scratch = rr.scratch[:n-1]
		}
		rr.offs = append(rr.offs, len(rr.scratch))
		if j < end {
			j++ // the newline
		}
		break
	}
	rr.recLine = rr.line
	rr.line += lines + 1
	rr.pos = j
	rr.fields = rr.fields[:0]
	for k := 0; k+1 < len(rr.offs); k++ {
		rr.fields = append(rr.fields, rr.scratch[rr.offs[k]:rr.offs[k+1]])
	}
	return rr.fields, nil
}

// sniffDelimiter picks the delimiter that splits a header line into the most columns.
func sniffDelimiter(header []byte) byte {
	best, bestN := byte(','), 0
	for _, d := range []byte{',', '\t', '|', ';'} {
		if n := bytes.Count(header, []byte{d}); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

// columnOf returns the 1-based column where field i of a record starts,
// counting the fields before it and their delimiters (exact for lines
// without quotes, close for quoted ones). Error messages use it.
func columnOf(fields [][]byte, i int) int {
	col := 1
	for k := 0; k < i && k < len(fields); k++ {
		col += len(fields[k]) + 1
	}
	return col
}
