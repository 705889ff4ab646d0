package accesslog

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randomDelimited writes rows of random fields drawn from an alphabet rich in
// the bytes the scanner looks for and their neighbours ('-' and '#' differ
// from ',' and '"' in one bit), with optional quoting, CRLF line ends and
// blank lines. It returns the text and the records a reader must see.
func randomDelimited(r *rand.Rand, delim byte, quotes bool) (string, [][]string) {
	alpha := []byte("ab-#+\x0b\x01 9" + string(delim))
	var sb strings.Builder
	var want [][]string
	rows := 1 + r.IntN(60)
	for i := 0; i < rows; i++ {
		if r.IntN(8) == 0 {
			sb.WriteString("\n") // a blank line is skipped
		}
		nf := 1 + r.IntN(12)
		var rec []string
		for k := 0; k < nf; k++ {
			if k > 0 {
				sb.WriteByte(delim)
			}
			var f []byte
			for n := r.IntN(20); n > 0; n-- {
				f = append(f, alpha[r.IntN(len(alpha))])
			}
			if bytes.IndexByte(f, delim) >= 0 || (quotes && r.IntN(4) == 0) {
				if !quotes {
					f = bytes.ReplaceAll(f, []byte{delim}, []byte("x"))
				} else {
					if r.IntN(3) == 0 {
						f = append(f, '"', '\n', 'q')
					}
					sb.WriteByte('"')
					sb.Write(bytes.ReplaceAll(f, []byte(`"`), []byte(`""`)))
					sb.WriteByte('"')
					rec = append(rec, string(f))
					continue
				}
			}
			sb.Write(f)
			rec = append(rec, string(f))
		}
		if nf == 1 && rec[0] == "" {
			rec[0] = "z" // a row of one empty field would be a blank line
			sb.WriteString("z")
		}
		want = append(want, rec)
		switch {
		case i == rows-1 && r.IntN(2) == 0: // no newline at the end
		case r.IntN(4) == 0:
			sb.WriteString("\r\n")
		default:
			sb.WriteString("\n")
		}
	}
	return sb.String(), want
}

func readRecords(t *testing.T, rr *recordReader) [][]string {
	t.Helper()
	var got [][]string
	for {
		f, err := rr.next()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		var rec []string
		for _, x := range f {
			rec = append(rec, string(x))
		}
		got = append(got, rec)
	}
}

func TestRecordReaderRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for it := 0; it < 500; it++ {
		delim := []byte{',', '\t', '|', ';'}[it%4]
		quotes := it%3 == 0
		in, want := randomDelimited(r, delim, quotes)
		for _, size := range []int{8, 13, 64, 1 << 20} {
			rr := newRecordReader(strings.NewReader(in), delim)
			rr.buf = make([]byte, size)
			got := readRecords(t, rr)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("input %q, buffer %d: records (-want +got):\n%s", in, size, diff)
			}
		}
		if quotes || delim != ',' {
			continue
		}
		// Unquoted comma-separated text reads as encoding/csv reads it.
		cr := csv.NewReader(strings.NewReader(in))
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		ref, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		rr := newRecordReader(strings.NewReader(in), delim)
		if diff := cmp.Diff(ref, readRecords(t, rr)); diff != "" {
			t.Fatalf("input %q: records against encoding/csv (-csv +got):\n%s", in, diff)
		}
	}
}

// TestDelimBatches reads an event log in batches with a small buffer, so
// that batches end at refills and at quoted rows, and checks every event
// against reading the same log one event at a time.
func TestDelimBatches(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("ACCESS_TIME,USER_ID,PAT_ID,METRIC_NAME,WORKSTATION_ID\n")
	r := rand.New(rand.NewPCG(3, 4))
	const rows = 3000
	for i := 0; i < rows; i++ {
		user := []string{"ann", "bob", `"c,d"`, "eve"}[r.IntN(4)]
		sb.WriteString("2025-01-02 10:" + string(rune('0'+i/60%6)) + string(rune('0'+i%10)) + ":0" + string(rune('0'+i%10)) + "," + user + ",P" + strings.Repeat("1", r.IntN(9)) + ",Chart Opened,WS1\n")
	}
	read := func(batch bool) []Event {
		// Short reads make the buffer end in the middle of records.
		in := &input{name: "log.csv", r: bufio.NewReader(&shortReader{s: sb.String()})}
		src, err := newDelimSource(in, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []Event
		evs := make([]Event, 7)
		for {
			var n int
			var err error
			if batch {
				n, err = src.nextBatch(evs)
			} else if err = src.next(&evs[0]); err == nil {
				n = 1
			}
			for _, ev := range evs[:n] {
				for f := range ev.Fields {
					ev.Fields[f] = append([]byte(nil), ev.Fields[f]...)
				}
				out = append(out, ev)
			}
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	one, many := read(false), read(true)
	if len(one) != rows {
		t.Fatalf("read %d events one at a time, want %d", len(one), rows)
	}
	if diff := cmp.Diff(one, many); diff != "" {
		t.Errorf("batches differ from single events (-one +batch):\n%s", diff)
	}
}

// shortReader hands its text over at most 37 bytes at a time.
type shortReader struct{ s string }

func (r *shortReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 37)], r.s)
	r.s = r.s[n:]
	return n, nil
}
