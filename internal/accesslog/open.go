package accesslog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// input is an opened log or roster file: gzip is undone transparently, and
// the bytes read from disk are counted for progress reports.
type input struct {
	path  string
	name  string // base name, for messages and evidence
	f     *os.File
	size  int64
	count *countingReader
	r     *bufio.Reader
	gz    *gzip.Reader
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// openInput opens a file, unzipping it when it starts with the gzip magic number.
func openInput(path string) (*input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInvalid, err, "cannot open %s: %s", path, errText(err))
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s is not a readable file", path)
	}
	in := &input{path: path, name: filepath.Base(path), f: f, size: st.Size()}
	in.count = &countingReader{r: f}
	br := bufio.NewReaderSize(in.count, 256<<10)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, hipaa.WrapError(hipaa.EInvalid, err, "%s looks gzip-compressed but cannot be read: %s", path, err)
		}
		in.gz = gz
		in.r = bufio.NewReaderSize(gz, 256<<10)
	} else {
		in.r = br
	}
	return in, nil
}

// Close closes the file.
func (in *input) Close() error {
	if in.gz != nil {
		in.gz.Close()
	}
	return in.f.Close()
}

// readErr turns an I/O error in the middle of a file into a user-facing error.
func (in *input) readErr(err error) error {
	var he *hipaa.Error
	if errors.As(err, &he) {
		return err
	}
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
		return hipaa.WrapError(hipaa.EInvalid, err, "%s is truncated or damaged (%s): export it again", in.name, err)
	}
	return hipaa.WrapError(hipaa.EUnavailable, err, "cannot read %s: %s", in.name, errText(err))
}

// Format is the kind of an event file.
type Format string

// The event file formats.
const (
	FormatDelimited Format = "delimited"
	FormatFHIRJSON  Format = "fhir-json"
	FormatFHIRXML   Format = "fhir-xml"
	FormatATNA      Format = "atna"
	FormatSyslog    Format = "atna-syslog"
)

// sniff decides a file's format from its first bytes.
func sniff(head []byte) Format {
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	switch {
	case len(h) == 0:
		return FormatDelimited
	case h[0] == '{' || h[0] == '[':
		return FormatFHIRJSON
	case h[0] == '<' && len(h) > 1 && h[1] >= '0' && h[1] <= '9':
		return FormatSyslog
	case h[0] == '<':
		s := string(h)
		switch {
		case strings.Contains(s, "AuditMessage"):
			return FormatATNA
		case strings.Contains(s, "hl7.org/fhir"), strings.Contains(s, "<AuditEvent"), strings.Contains(s, "<Bundle"):
			return FormatFHIRXML
		}
		return FormatATNA
	}
	return FormatDelimited
}
