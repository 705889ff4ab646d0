package accesslog

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"time"
)

// atnaCode is a coded value of an audit message: RFC 3881 writes the code in
// "code", DICOM PS3.15 in "csd-code".
type atnaCode struct {
	Code         string `xml:"code,attr"`
	CSDCode      string `xml:"csd-code,attr"`
	DisplayName  string `xml:"displayName,attr"`
	OriginalText string `xml:"originalText,attr"`
}

func (c atnaCode) code() string {
	if c.CSDCode != "" {
		return c.CSDCode
	}
	return c.Code
}

func (c atnaCode) text() string {
	return strings.TrimSpace(c.code() + " " + c.OriginalText + " " + c.DisplayName)
}

// atnaMessage is an IHE ATNA / RFC 3881 / DICOM audit message.
type atnaMessage struct {
	Event struct {
		ActionCode   string     `xml:"EventActionCode,attr"`
		DateTime     string     `xml:"EventDateTime,attr"`
		Outcome      string     `xml:"EventOutcomeIndicator,attr"`
		EventID      atnaCode   `xml:"EventID"`
		TypeCodes    []atnaCode `xml:"EventTypeCode"`
		PurposeOfUse []atnaCode `xml:"PurposeOfUse"`
	} `xml:"EventIdentification"`
	Participants []struct {
		UserID        string     `xml:"UserID,attr"`
		AltUserID     string     `xml:"AlternativeUserID,attr"`
		UserName      string     `xml:"UserName,attr"`
		IsRequestor   string     `xml:"UserIsRequestor,attr"`
		NetworkID     string     `xml:"NetworkAccessPointID,attr"`
		NetworkIDType string     `xml:"NetworkAccessPointTypeCode,attr"`
		Roles         []atnaCode `xml:"RoleIDCode"`
	} `xml:"ActiveParticipant"`
	Objects []struct {
		ID        string   `xml:"ParticipantObjectID,attr"`
		TypeCode  string   `xml:"ParticipantObjectTypeCode,attr"`
		Role      string   `xml:"ParticipantObjectTypeCodeRole,attr"`
		LifeCycle string   `xml:"ParticipantObjectDataLifeCycle,attr"`
		IDType    atnaCode `xml:"ParticipantObjectIDTypeCode"`
		Name      string   `xml:"ParticipantObjectName"`
	} `xml:"ParticipantObjectIdentification"`
}

func decodeATNA(dec *xml.Decoder, st *xml.StartElement, line, col int64) (auditRecord, error) {
	var m atnaMessage
	if err := dec.DecodeElement(&m, st); err != nil {
		return auditRecord{}, err
	}
	return fromATNA(&m, line, col), nil
}

// fromATNA reduces an audit message to the canonical fields.
func fromATNA(m *atnaMessage, line, col int64) auditRecord {
	r := auditRecord{line: line, col: col, time: m.Event.DateTime, outcome: m.Event.Outcome}
	// The user is the requesting participant that is not a process; failing
	// that, the first participant.
	pick := -1
	for i, p := range m.Participants {
		if strings.EqualFold(p.IsRequestor, "true") && !isProcessID(p.UserID) {
			pick = i
			break
		}
	}
	if pick < 0 {
		for i, p := range m.Participants {
			if strings.EqualFold(p.IsRequestor, "true") {
				pick = i
				break
			}
		}
	}
	if pick < 0 && len(m.Participants) > 0 {
		pick = 0
	}
	if pick >= 0 {
		p := m.Participants[pick]
		r.user = p.UserID
		r.userName = p.UserName
		// The network access point of the requesting user is the workstation.
		switch p.NetworkIDType {
		case "2":
			r.ip = p.NetworkID
		case "1", "":
			r.workstation = p.NetworkID
		}
	}
	// A Source role participant with a network address names the workstation when the user has none.
	for _, p := range m.Participants {
		if r.workstation != "" || r.ip != "" {
			break
		}
		for _, c := range p.Roles {
			if c.code() == "110153" && p.NetworkID != "" {
				if p.NetworkIDType == "2" {
					r.ip = p.NetworkID
				} else {
					r.workstation = p.NetworkID
				}
			}
		}
	}
	for _, o := range m.Objects {
		if o.TypeCode == "1" && (o.Role == "1" || o.Role == "") {
			r.patient = cxID(o.ID)
			r.patientName = o.Name
			if o.LifeCycle == "11" || o.LifeCycle == "10" {
				r.action = "export (disclosure)"
			}
			break
		}
	}
	var types []string
	for _, c := range m.Event.TypeCodes {
		types = append(types, c.text())
	}
	id := m.Event.EventID.code()
	all := m.Event.EventID.text() + " " + strings.Join(types, " ")
	lower := strings.ToLower(all)
	switch {
	case strings.Contains(all, "110122") || strings.Contains(lower, "login"):
		r.action = "login"
	case strings.Contains(all, "110123") || strings.Contains(lower, "logout"):
		r.action = "logout"
	case id == "110106" || strings.Contains(lower, "export"):
		r.action = "export"
	case id == "110101" && (strings.Contains(lower, "delete") || m.Event.ActionCode == "D"):
		r.action = "audit log deleted"
	case r.action != "":
	case id == "110114":
		r.action = "login"
	default:
		verb := map[string]string{"C": "create", "R": "read", "U": "update", "D": "delete", "E": "execute"}[m.Event.ActionCode]
		r.action = strings.TrimSpace(verb + " " + all)
	}
	for _, c := range m.Event.PurposeOfUse {
		if isBreakGlassCode(c.code()) {
			r.breakGlass = c.code()
		}
	}
	return r
}

// isProcessID reports whether a participant ID names a process (RFC 3881 uses "application|process" forms).
func isProcessID(id string) bool { return strings.Contains(id, "|") }

// cxID takes the ID number out of an HL7 CX value such as "PID1^^^Site&1.2.3&ISO".
func cxID(s string) string {
	if i := strings.IndexByte(s, '^'); i >= 0 {
		return s[:i]
	}
	return s
}

// syslogSource reads ATNA messages sent over syslog, one per line, each with
// its syslog header before the XML.
type syslogSource struct {
	structSource
	rr *recordReader
}

func newSyslogSource(in *input, m *Mapping, zone *time.Location) *syslogSource {
	return &syslogSource{structSource: newStructSource(in, m, zone, "AuditMessage"), rr: newRecordReader(in.r, 0)}
}

func (s *syslogSource) next(ev *Event) error {
	for len(s.recs) == 0 {
		// Lines are read whole: the delimiter 0 never splits them.
		f, err := s.rr.nextLine()
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return s.in.readErr(err)
		}
		i := bytes.Index(f, []byte("<AuditMessage"))
		if i < 0 {
			continue
		}
		dec := xml.NewDecoder(bytes.NewReader(f[i:]))
		dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) { return input, nil }
		var m atnaMessage
		if err := dec.Decode(&m); err != nil {
			return &RowError{File: s.in.name, Line: s.rr.recLine, Column: i + 1, Msg: "the audit message is not well-formed XML"}
		}
		s.recs = append(s.recs, fromATNA(&m, s.rr.recLine, int64(i+1)))
	}
	return s.emit(ev)
}

// nextLine returns the next non-blank line whole, ignoring quotes.
func (rr *recordReader) nextLine() ([]byte, error) {
	for {
		nl := bytes.IndexByte(rr.buf[rr.pos:rr.end], '\n')
		if nl < 0 && !rr.eof {
			if err := rr.fill(); err != nil {
				return nil, err
			}
			continue
		}
		var line []byte
		if nl < 0 {
			if rr.pos == rr.end {
				return nil, io.EOF
			}
			line = rr.buf[rr.pos:rr.end]
			rr.pos = rr.end
		} else {
			line = rr.buf[rr.pos : rr.pos+nl]
			rr.pos += nl + 1
		}
		rr.recLine = rr.line
		rr.line++
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		return line, nil
	}
}
