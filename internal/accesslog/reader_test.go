package accesslog

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// got is an event as the detectors see it, for comparison.
type got struct {
	Time, User, Patient, Category, Workstation, IP string
	Failed, BreakGlass                             bool
}

func readAll(t *testing.T, path string, m *Mapping) ([]got, Format) {
	t.Helper()
	in, err := openInput(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	chicago, _ := time.LoadLocation("America/Chicago")
	src, format, _, err := openSource(in, m, chicago)
	if err != nil {
		t.Fatal(err)
	}
	var out []got
	var ev Event
	for {
		err := src.next(&ev)
		if err == io.EOF {
			return out, format
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		ai := src.mapping().classify(ev.Fields[FAction])
		out = append(out, got{Time: time.Unix(ev.Time, 0).UTC().Format(time.RFC3339), User: string(ev.Fields[FUser]),
			Patient: string(ev.Fields[FPatient]), Category: ai.cat.String(), Workstation: string(ev.Fields[FWorkstation]),
			IP: string(ev.Fields[FIP]), Failed: ai.failed || src.mapping().failed(ev.Fields[FOutcome]),
			BreakGlass: ai.breakGlass || truthyBytes(ev.Fields[FBreakGlass])})
	}
}

func TestReaders(t *testing.T) {
	exportMap, err := LoadMapping("testdata/export-mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file   string
		m      *Mapping
		format Format
		want   []got
	}{
		{"fhir-bundle.json", nil, FormatFHIRJSON, []got{
			{Time: "2025-03-04T14:01:02Z", User: "JNurse", Category: "login", IP: "10.1.2.3"},
			{Time: "2025-03-04T23:15:00Z", User: "dr-lee", Patient: "MRN1001", Category: "access", Workstation: "CLINIC-WS07", BreakGlass: true},
			{Time: "2025-03-05T16:00:00Z", User: "dlee", Patient: "MRN1002", Category: "export", Failed: true},
		}},
		{"fhir.ndjson", nil, FormatFHIRJSON, []got{
			{Time: "2025-03-06T13:59:00Z", User: "mma", Category: "login", Workstation: "FD-PC1", Failed: true},
			{Time: "2025-03-06T14:10:00Z", User: "mma", Patient: "MRN1003", Category: "access"},
		}},
		{"fhir-event.xml", nil, FormatFHIRXML, []got{
			{Time: "2025-03-07T20:30:00Z", User: "rnurse", Patient: "MRN1004", Category: "access", IP: "192.168.5.20"},
		}},
		{"atna.xml", nil, FormatATNA, []got{
			{Time: "2025-03-08T15:00:00Z", User: "admin", Category: "login", IP: "10.0.0.9", Failed: true},
			{Time: "2025-03-08T15:05:00Z", User: "kdoc", Patient: "MRN1005", Category: "access", Workstation: "EXAM-3"},
		}},
		{"atna-syslog.log", nil, FormatSyslog, []got{
			{Time: "2025-03-08T16:00:00Z", User: "kdoc", Patient: "MRN1006", Category: "access", Workstation: "EXAM-3"},
			{Time: "2025-03-08T16:01:00Z", User: "kdoc", Patient: "MRN1006", Category: "export"},
		}},
		{"export.tsv", exportMap, FormatDelimited, []got{
			{Time: "2025-03-10T13:05:09Z", User: "AMiller", Patient: "1007", Category: "access", Workstation: "FRONT-1"},
			{Time: "2025-03-11T04:59:59Z", User: "amiller", Patient: "1008", Category: "print", Workstation: "FRONT-1"},
			{Time: "2025-03-11T12:00:00Z", User: "bsmith", Category: "login", Workstation: "FRONT-2", Failed: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			events, format := readAll(t, filepath.Join("testdata", tt.file), tt.m)
			if format != tt.format {
				t.Errorf("format %s, want %s", format, tt.format)
			}
			if diff := cmp.Diff(tt.want, events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			// The same file gzip-compressed reads the same.
			gz := filepath.Join(t.TempDir(), tt.file+".gz")
			f, _ := os.Create(gz)
			w := gzip.NewWriter(f)
			b, _ := os.ReadFile(filepath.Join("testdata", tt.file))
			w.Write(b)
			w.Close()
			f.Close()
			if events2, _ := readAll(t, gz, tt.m); !cmp.Equal(events, events2) {
				t.Errorf("gzip-compressed copy reads differently")
			}
		})
	}
}

func TestTimeLayouts(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	tests := []struct {
		format, value, want string
	}{
		{"", "2025-03-09 01:59:59", "2025-03-09T07:59:59Z"},
		{"", "2025-03-09 03:00:00", "2025-03-09T08:00:00Z"}, // after the spring-forward gap
		{"", "2025-11-02T12:00:00.250Z", "2025-11-02T12:00:00Z"},
		{"", "2025-11-02T06:00:00+01:00", "2025-11-02T05:00:00Z"},
		{"", "3/7/2025 4:05:06 PM", "2025-03-07T22:05:06Z"},
		{"", "07-MAR-25 04.05.06 PM", "2025-03-07T22:05:06Z"},
		{"", "1741384800", "2025-03-07T22:00:00Z"},
		{"", "1741384800123", "2025-03-07T22:00:00Z"},
		{"%d/%m/%Y %H:%M", "07/03/2025 16:05", "2025-03-07T22:05:00Z"},
		{"2006-01-02 15:04:05", "2025-03-07 16:05:06", "2025-03-07T22:05:06Z"},
		{"%Y%m%d%H%M%S", "20250307160506", "2025-03-07T22:05:06Z"},
	}
	for _, tt := range tests {
		var l *timeLayout
		var err error
		if tt.format != "" {
			l, err = layoutFromYAML(tt.format)
			if err != nil {
				t.Fatalf("%s: %v", tt.format, err)
			}
		} else {
			var ok bool
			if l, ok = detectLayout([][]byte{[]byte(tt.value)}); !ok {
				t.Errorf("%s: no layout detected", tt.value)
				continue
			}
		}
		r := timeReader{layout: l, zone: newZoneCache(chicago)}
		got, ok := r.unix([]byte(tt.value))
		if !ok {
			t.Errorf("%s with %s: not parsed", tt.value, l.pattern)
			continue
		}
		if s := time.Unix(got, 0).UTC().Format(time.RFC3339); s != tt.want {
			t.Errorf("%s with %s = %s, want %s", tt.value, l.pattern, s, tt.want)
		}
		// A second value in the same minute takes the fast path.
		if strings.HasSuffix(l.pattern, "%S") && strings.Count(tt.value, ":") == 2 && !strings.ContainsAny(tt.value, "Z+.") {
			v := tt.value[:len(tt.value)-2] + "07"
			if g2, _ := r.unix([]byte(v)); g2-got != 7-int64((tt.value[len(tt.value)-2]-'0')*10+(tt.value[len(tt.value)-1]-'0')) {
				t.Errorf("%s: the same-minute shortcut is off", v)
			}
		}
	}
	if _, err := compileLayout("%Y-%Q"); err == nil {
		t.Error("an unknown directive was accepted")
	}
}

func TestRecordReaderQuoting(t *testing.T) {
	in := "a,b,c\r\n\"x, y\",\"he said \"\"hi\"\"\",\"two\nlines\"\n\nlast,,\n1,2,3"
	rr := newRecordReader(strings.NewReader(in), ',')
	rr.buf = make([]byte, 8) // force refills in the middle of records
	var rows [][]string
	var lines []int64
	for {
		f, err := rr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var r []string
		for _, x := range f {
			r = append(r, string(x))
		}
		rows = append(rows, r)
		lines = append(lines, rr.recLine)
	}
	want := [][]string{{"a", "b", "c"}, {"x, y", `he said "hi"`, "two\nlines"}, {"last", "", ""}, {"1", "2", "3"}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{1, 2, 5, 6}, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	rr = newRecordReader(strings.NewReader("a,\"open\n"), ',')
	if _, err := rr.next(); err == nil {
		t.Error("an unclosed quote was accepted")
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct{ in, first, last string }{
		{"Doe, Jane Q", "JANE", "DOE"}, {"DOE^JANE", "JANE", "DOE"}, {"Jane Smith-Jones MD", "JANE", "SMITH JONES"}, {"O'Brien", "", "OBRIEN"},
	} {
		n := parseName(tt.in)
		if n.first != tt.first || strings.Join(n.surnames, " ") != tt.last {
			t.Errorf("parseName(%q) = %q %q", tt.in, n.first, n.surnames)
		}
	}
	if a, b := normAddress("123 Oak Street Apt 4"), normAddress("123 OAK ST. #4"); a != b {
		t.Errorf("addresses differ: %q vs %q", a, b)
	}
	for _, in := range []string{"123 Oak Street Apt 4", "123 OAK ST. #4", "9 North Elm Avenue, Unit 7", "  1 Main  "} {
		if b, ok := normAddressBytes(nil, []byte(in)); !ok || string(b) != normAddress(in) {
			t.Errorf("normAddressBytes(%q) = %q, normAddress %q", in, b, normAddress(in))
		}
	}
	if maskID("10023481") != "***481" || maskID("12") != "***" {
		t.Error("maskID")
	}
}

func TestNamePairBytes(t *testing.T) {
	c := DefaultConfig()
	a := NewAnalyzer(&c, time.UTC, time.Now())
	for _, tt := range [][2]string{{"Jane", "Smith-Jones"}, {"mary ann", "O'Brien Jr"}, {"", "Lee"}, {"Al", "de la Cruz"}} {
		surn, first, in, ok := a.namePairBytes([]byte(tt[0]), []byte(tt[1]))
		n := namePair(tt[0], tt[1])
		if !ok || surn != a.surnames(n) || first != a.nameID(n.first) || in != initials(n) {
			t.Errorf("namePairBytes(%q, %q) = %v %v %q, namePair gives %v %v %q", tt[0], tt[1], surn, first, in, a.surnames(n), a.nameID(n.first), initials(n))
		}
	}
}
