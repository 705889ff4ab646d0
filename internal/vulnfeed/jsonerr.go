package vulnfeed

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// jsonError reports a JSON problem with the line it is on.
func jsonError(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON") {
		return hipaa.Errorf(hipaa.EInvalid, "%s:%d: the JSON stops in the middle (an interrupted download?): get a fresh copy; nothing was loaded", name, bytes.Count(data, []byte("\n"))+1)
	}
	line := 1
	if off >= 0 && off <= int64(len(data)) {
		line = bytes.Count(data[:off], []byte("\n")) + 1
	}
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if len(msg) > 100 {
		msg = msg[:100] + "…"
	}
	return hipaa.Errorf(hipaa.EInvalid, "%s:%d: the JSON is not valid (%s): get a fresh copy; nothing was loaded", name, line, msg)
}
