package accesslog

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// auditRecord is one structured audit entry (FHIR AuditEvent or ATNA
// message) reduced to the canonical fields, before the time is parsed.
type auditRecord struct {
	id, time, user, userName, patient, patientName, action, workstation, ip, outcome, breakGlass string
	line, col                                                                                    int64
}

// structSource is the shared half of the FHIR and ATNA readers: it turns
// auditRecords into Events.
type structSource struct {
	in   *input
	m    *Mapping
	tr   timeReader
	recs []auditRecord // decoded, not yet handed over
	buf  []byte
	what string // "AuditEvent" or "AuditMessage", for messages
}

func (s *structSource) mapping() *Mapping { return s.m }

func newStructSource(in *input, m *Mapping, zone *time.Location, what string) structSource {
	l, _ := compileLayout("%Y-%m-%dT%H:%M:%S")
	return structSource{in: in, m: m, tr: timeReader{layout: l, zone: newZoneCache(zone)}, what: what}
}

// emit fills ev from the first pending record.
func (s *structSource) emit(ev *Event) error {
	r := s.recs[0]
	s.recs = s.recs[1:]
	s.buf = s.buf[:0]
	put := func(f Field, v string) {
		start := len(s.buf)
		s.buf = append(s.buf, v...)
		ev.Fields[f] = s.buf[start:len(s.buf):len(s.buf)]
	}
	put(FRecordID, r.id)
	put(FTime, r.time)
	put(FUser, r.user)
	put(FUserName, r.userName)
	put(FPatient, r.patient)
	put(FPatientName, r.patientName)
	put(FAction, r.action)
	put(FWorkstation, r.workstation)
	put(FIP, r.ip)
	put(FOutcome, r.outcome)
	put(FBreakGlass, r.breakGlass)
	ev.Fields[FSession], ev.Fields[FDepartment] = nil, nil
	ev.Line = r.line
	if r.time == "" {
		return &RowError{File: s.in.name, Line: r.line, Column: int(r.col), Msg: s.what + " has no time"}
	}
	t, ok := s.tr.unix([]byte(r.time))
	if !ok {
		if len(r.time) >= 10 {
			// A date-time with a fraction or zone the fast parser did not take.
			if tt, err := time.Parse(time.RFC3339Nano, r.time); err == nil {
				t, ok = tt.Unix(), true
			}
		}
		if !ok {
			return &RowError{File: s.in.name, Line: r.line, Column: int(r.col), Msg: fmt.Sprintf("%s time %q is not an ISO 8601 date-time", s.what, clip(r.time, 40))}
		}
	}
	ev.Time = t
	if r.user == "" {
		return &RowError{File: s.in.name, Line: r.line, Column: int(r.col), Msg: s.what + " names no requesting user"}
	}
	return nil
}

// --- FHIR JSON ------------------------------------------------------------------------------------------------------

type fhirCoding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type fhirConcept struct {
	Coding []fhirCoding `json:"coding"`
	Text   string       `json:"text"`
}

type fhirIdentifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type fhirReference struct {
	Reference  string          `json:"reference"`
	Identifier *fhirIdentifier `json:"identifier"`
	Display    string          `json:"display"`
}

type fhirAgent struct {
	Type         *fhirConcept   `json:"type"`
	Role         []fhirConcept  `json:"role"`
	Who          *fhirReference `json:"who"`
	AltID        string         `json:"altId"`
	Name         string         `json:"name"`
	Requestor    bool           `json:"requestor"`
	PurposeOfUse []fhirConcept  `json:"purposeOfUse"`
	Network      *struct {
		Address string `json:"address"`
		Type    string `json:"type"`
	} `json:"network"`
}

type fhirEntity struct {
	What          *fhirReference `json:"what"`
	Type          *fhirCoding    `json:"type"`
	Role          *fhirCoding    `json:"role"`
	Lifecycle     *fhirCoding    `json:"lifecycle"`
	Name          string         `json:"name"`
	SecurityLabel []fhirCoding   `json:"securityLabel"`
}

type fhirAuditEvent struct {
	ResourceType   string                  `json:"resourceType"`
	ID             string                  `json:"id"`
	Type           *fhirCoding             `json:"type"`
	Subtype        []fhirCoding            `json:"subtype"`
	Action         string                  `json:"action"`
	Period         *struct{ Start string } `json:"period"`
	Recorded       string                  `json:"recorded"`
	Outcome        json.RawMessage         `json:"outcome"`
	PurposeOfEvent []fhirConcept           `json:"purposeOfEvent"`
	Agent          []fhirAgent             `json:"agent"`
	Entity         []fhirEntity            `json:"entity"`
}

// fhirJSONSource streams FHIR AuditEvents from a resource, a Bundle (its
// entries are decoded one at a time), an array, or NDJSON.
type fhirJSONSource struct {
	structSource
	dec      *json.Decoder
	stack    []byte // open containers: '{' object being walked for "entry", '[' entry array, 'a' top-level array
	obj      map[string]json.RawMessage
	objStart int64
	done     bool
	lines    *lineTracker
}

func newFHIRJSONSource(in *input, m *Mapping, zone *time.Location) *fhirJSONSource {
	s := &fhirJSONSource{structSource: newStructSource(in, m, zone, "AuditEvent"), dec: json.NewDecoder(in.r), lines: newLineTracker(in.path)}
	s.dec.UseNumber()
	return s
}

func (s *fhirJSONSource) next(ev *Event) error {
	for len(s.recs) == 0 {
		if s.done {
			return io.EOF
		}
		if err := s.step(); err != nil {
			if err == io.EOF {
				s.done = true
				s.lines.close()
				continue
			}
			return err
		}
	}
	return s.emit(ev)
}

// step advances the decoder by one resource or one structural token.
func (s *fhirJSONSource) step() error {
	top := byte(0)
	if n := len(s.stack); n > 0 {
		top = s.stack[n-1]
	}
	switch top {
	case 0:
		start := s.dec.InputOffset()
		tok, err := s.dec.Token()
		if err != nil {
			return s.jsonErr(err)
		}
		switch tok {
		case json.Delim('{'):
			s.objStart = start
			s.stack = append(s.stack, '{')
			s.obj = map[string]json.RawMessage{}
		case json.Delim('['):
			s.stack = append(s.stack, 'a')
		default:
			return s.fail("the file is not a FHIR AuditEvent, Bundle or NDJSON of AuditEvents")
		}
	case 'a', '[':
		if !s.dec.More() {
			if _, err := s.dec.Token(); err != nil {
				return s.jsonErr(err)
			}
			s.stack = s.stack[:len(s.stack)-1]
			return nil
		}
		off := s.dec.InputOffset()
		var raw json.RawMessage
		if err := s.dec.Decode(&raw); err != nil {
			return s.jsonErr(err)
		}
		if top == '[' {
			var entry struct {
				Resource json.RawMessage `json:"resource"`
			}
			if err := json.Unmarshal(raw, &entry); err != nil {
				return s.failAt(off, "a Bundle entry is not an object")
			}
			raw = entry.Resource
		}
		return s.resource(raw, off)
	case '{':
		if !s.dec.More() {
			if _, err := s.dec.Token(); err != nil {
				return s.jsonErr(err)
			}
			s.stack = s.stack[:len(s.stack)-1]
			obj := s.obj
			s.obj = nil
			var rt string
			_ = json.Unmarshal(obj["resourceType"], &rt)
			if rt == "AuditEvent" {
				b, _ := json.Marshal(obj)
				return s.resource(b, s.objStart)
			}
			if rt != "Bundle" {
				return s.fail(fmt.Sprintf("the file holds a %q resource, not an AuditEvent or a Bundle of them", clip(rt, 30)))
			}
			return nil
		}
		tok, err := s.dec.Token()
		if err != nil {
			return s.jsonErr(err)
		}
		key, _ := tok.(string)
		if key == "entry" {
			t, err := s.dec.Token()
			if err != nil {
				return s.jsonErr(err)
			}
			if t != json.Delim('[') {
				return s.fail("a Bundle's entry is not a list")
			}
			s.stack = append(s.stack, '[')
			return nil
		}
		var raw json.RawMessage
		if err := s.dec.Decode(&raw); err != nil {
			return s.jsonErr(err)
		}
		s.obj[key] = raw
	}
	return nil
}

// resource decodes one resource; anything but an AuditEvent is skipped.
func (s *fhirJSONSource) resource(raw json.RawMessage, off int64) error {
	if len(raw) == 0 {
		return nil
	}
	var ae fhirAuditEvent
	if err := json.Unmarshal(raw, &ae); err != nil {
		return s.failAt(off, "an AuditEvent does not follow the FHIR R4 structure ("+jsonTypeErr(err)+")")
	}
	if ae.ResourceType != "AuditEvent" {
		return nil
	}
	line, col := s.lines.at(off)
	s.recs = append(s.recs, fromFHIR(&ae, line, col))
	return nil
}

func jsonTypeErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "field " + te.Field + " has the wrong type"
	}
	return "not valid JSON"
}

func (s *fhirJSONSource) jsonErr(err error) error {
	if err == io.EOF {
		if len(s.stack) > 0 {
			return s.fail("the file ends in the middle of a JSON value")
		}
		return io.EOF
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return s.failAt(se.Offset, "not valid JSON")
	}
	return s.in.readErr(err)
}

func (s *fhirJSONSource) fail(msg string) error { return s.failAt(s.dec.InputOffset(), msg) }

func (s *fhirJSONSource) failAt(off int64, msg string) error {
	line, col := s.lines.at(off)
	return &fatalRowError{RowError{File: s.in.name, Line: line, Column: int(col), Msg: msg}}
}

// lineTracker finds the line and column of byte offsets in a file by
// reading a second copy of it forward, for offsets that only grow (the
// places of successive resources). It serves error messages and evidence.
type lineTracker struct {
	path      string
	in        *input
	pos       int64
	line, col int64
	failed    bool
	buf       []byte
}

func newLineTracker(path string) *lineTracker { return &lineTracker{path: path, line: 1, col: 1} }

// at returns the line and column of the first non-blank byte at or after off.
func (t *lineTracker) at(off int64) (int64, int64) {
	if t.failed {
		return 0, 0
	}
	if t.in == nil || off < t.pos {
		if t.in != nil {
			t.in.Close()
		}
		in, err := openInput(t.path)
		if err != nil {
			t.failed = true
			return 0, 0
		}
		t.in, t.pos, t.line, t.col = in, 0, 1, 1
		t.buf = make([]byte, 64<<10)
	}
	for t.pos < off {
		n, err := t.in.r.Read(t.buf[:min(int64(len(t.buf)), off-t.pos)])
		for _, c := range t.buf[:n] {
			if c == '\n' {
				t.line++
				t.col = 1
			} else {
				t.col++
			}
		}
		t.pos += int64(n)
		if err != nil || n == 0 {
			break
		}
	}
	// Skip the blanks and commas between the previous value and this one.
	for {
		b, err := t.in.r.Peek(1)
		if err != nil || len(b) == 0 {
			break
		}
		switch b[0] {
		case '\n':
			t.line++
			t.col = 1
		case ' ', '\t', '\r', ',':
			t.col++
		default:
			return t.line, t.col
		}
		_, _ = t.in.r.ReadByte()
		t.pos++
	}
	return t.line, t.col
}

// close releases the second copy of the file.
func (t *lineTracker) close() {
	if t.in != nil {
		t.in.Close()
		t.in = nil
	}
}

// fromFHIR reduces an AuditEvent to the canonical fields.
func fromFHIR(ae *fhirAuditEvent, line, col int64) auditRecord {
	r := auditRecord{id: ae.ID, line: line, col: col}
	r.time = ae.Recorded
	if ae.Period != nil && ae.Period.Start != "" {
		r.time = ae.Period.Start
	}
	// The requesting agent is the user; a client agent's network address is the workstation.
	var user *fhirAgent
	for i := range ae.Agent {
		if ae.Agent[i].Requestor {
			user = &ae.Agent[i]
			break
		}
	}
	purpose := append([]fhirConcept(nil), ae.PurposeOfEvent...)
	if user != nil {
		r.user = refID(user.Who, "")
		if r.user == "" {
			r.user = user.AltID
		}
		if r.user == "" {
			r.user = user.Name
		}
		r.userName = user.Name
		if r.userName == "" && user.Who != nil {
			r.userName = user.Who.Display
		}
		purpose = append(purpose, user.PurposeOfUse...)
	}
	for _, a := range append([]*fhirAgent{user}, agentsPtr(ae.Agent)...) {
		if a == nil || a.Network == nil || a.Network.Address == "" {
			continue
		}
		switch a.Network.Type {
		case "2":
			if r.ip == "" {
				r.ip = a.Network.Address
			}
		default:
			if r.workstation == "" {
				r.workstation = a.Network.Address
			}
		}
	}
	for _, e := range ae.Entity {
		isPatient := (e.Role != nil && e.Role.Code == "1" && (e.Type == nil || e.Type.Code == "1")) ||
			(e.What != nil && strings.HasPrefix(e.What.Reference, "Patient/"))
		if !isPatient {
			continue
		}
		r.patient = refID(e.What, "Patient/")
		r.patientName = e.Name
		if r.patientName == "" && e.What != nil {
			r.patientName = e.What.Display
		}
		if e.Lifecycle != nil && (e.Lifecycle.Code == "11" || e.Lifecycle.Code == "10") && r.action == "" {
			r.action = "export (disclosure)"
		}
		break
	}
	codes := func(c *fhirCoding) string {
		if c == nil {
			return ""
		}
		return c.Code + " " + c.Display
	}
	var subs []string
	for _, st := range ae.Subtype {
		subs = append(subs, st.Code+" "+st.Display)
	}
	r.action = fhirAction(ae.Action, codes(ae.Type), strings.Join(subs, " "), r.action)
	r.outcome = fhirOutcome(ae.Outcome)
	for _, p := range purpose {
		for _, c := range p.Coding {
			if isBreakGlassCode(c.Code) {
				r.breakGlass = c.Code
			}
		}
	}
	return r
}

func agentsPtr(as []fhirAgent) []*fhirAgent {
	out := make([]*fhirAgent, len(as))
	for i := range as {
		out[i] = &as[i]
	}
	return out
}

// refID returns the ID a reference points to: its identifier value, or the
// last part of its reference (without a version).
func refID(r *fhirReference, prefix string) string {
	if r == nil {
		return ""
	}
	if r.Identifier != nil && r.Identifier.Value != "" {
		return r.Identifier.Value
	}
	ref := r.Reference
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	if prefix != "" {
		if i := strings.LastIndex(ref, prefix); i >= 0 {
			return ref[i+len(prefix):]
		}
	}
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

// fhirAction turns an AuditEvent's action code, type and subtypes into an action text the classifier understands.
func fhirAction(action, typ, sub, hint string) string {
	all := typ + " " + sub
	switch {
	case strings.Contains(all, "110122") || strings.Contains(strings.ToLower(all), "login"):
		return "login"
	case strings.Contains(all, "110123") || strings.Contains(strings.ToLower(all), "logout"):
		return "logout"
	case strings.Contains(all, "110106") || strings.Contains(strings.ToLower(all), "export"):
		return "export"
	case hint != "":
		return hint
	case strings.Contains(all, "110114"):
		return "login"
	}
	s := strings.TrimSpace(strings.ToLower(sub))
	switch action {
	case "C":
		return "create " + s
	case "R":
		return "read " + s
	case "U":
		return "update " + s
	case "D":
		return "delete " + s
	case "E":
		return "execute " + s
	}
	return strings.TrimSpace("access " + s)
}

// fhirOutcome reads an R4 outcome code, or the code of an R5 outcome object.
func fhirOutcome(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var code string
	if json.Unmarshal(raw, &code) == nil {
		return code
	}
	var o struct {
		Code fhirConcept `json:"code"`
	}
	if json.Unmarshal(raw, &o) == nil && len(o.Code.Coding) > 0 {
		c := o.Code.Coding[0].Code
		if c == "success" {
			return "0"
		}
		return c
	}
	return ""
}

// isBreakGlassCode reports whether a purpose-of-use code means an emergency override.
func isBreakGlassCode(c string) bool {
	switch strings.ToUpper(c) {
	case "BTG", "ETREAT", "ERTREAT", "EMERGENCY":
		return true
	}
	return false
}

// --- FHIR XML -------------------------------------------------------------------------------------------------------

type xv struct {
	Value string `xml:"value,attr"`
}

type xCoding struct {
	System  xv `xml:"system"`
	Code    xv `xml:"code"`
	Display xv `xml:"display"`
}

type xConcept struct {
	Coding []xCoding `xml:"coding"`
}

type xRef struct {
	Reference  xv `xml:"reference"`
	Identifier struct {
		Value xv `xml:"value"`
	} `xml:"identifier"`
	Display xv `xml:"display"`
}

type xAuditEvent struct {
	ID      xv        `xml:"id"`
	Type    xCoding   `xml:"type"`
	Subtype []xCoding `xml:"subtype"`
	Action  xv        `xml:"action"`
	Period  struct {
		Start xv `xml:"start"`
	} `xml:"period"`
	Recorded       xv         `xml:"recorded"`
	Outcome        xv         `xml:"outcome"`
	PurposeOfEvent []xConcept `xml:"purposeOfEvent"`
	Agent          []struct {
		Type         xConcept   `xml:"type"`
		Who          *xRef      `xml:"who"`
		AltID        xv         `xml:"altId"`
		Name         xv         `xml:"name"`
		Requestor    xv         `xml:"requestor"`
		PurposeOfUse []xConcept `xml:"purposeOfUse"`
		Network      *struct {
			Address xv `xml:"address"`
			Type    xv `xml:"type"`
		} `xml:"network"`
	} `xml:"agent"`
	Entity []struct {
		What      *xRef    `xml:"what"`
		Type      *xCoding `xml:"type"`
		Role      *xCoding `xml:"role"`
		Lifecycle *xCoding `xml:"lifecycle"`
		Name      xv       `xml:"name"`
	} `xml:"entity"`
}

// toJSONShape converts the XML form to the JSON form, so both share fromFHIR.
func (x *xAuditEvent) toJSONShape() *fhirAuditEvent {
	coding := func(c *xCoding) *fhirCoding {
		if c == nil {
			return nil
		}
		return &fhirCoding{System: c.System.Value, Code: c.Code.Value, Display: c.Display.Value}
	}
	concepts := func(cs []xConcept) []fhirConcept {
		var out []fhirConcept
		for _, c := range cs {
			var fc fhirConcept
			for i := range c.Coding {
				fc.Coding = append(fc.Coding, *coding(&c.Coding[i]))
			}
			out = append(out, fc)
		}
		return out
	}
	ref := func(r *xRef) *fhirReference {
		if r == nil {
			return nil
		}
		out := &fhirReference{Reference: r.Reference.Value, Display: r.Display.Value}
		if r.Identifier.Value.Value != "" {
			out.Identifier = &fhirIdentifier{Value: r.Identifier.Value.Value}
		}
		return out
	}
	ae := &fhirAuditEvent{ResourceType: "AuditEvent", ID: x.ID.Value, Type: coding(&x.Type), Action: x.Action.Value,
		Recorded: x.Recorded.Value, PurposeOfEvent: concepts(x.PurposeOfEvent)}
	if x.Period.Start.Value != "" {
		ae.Period = &struct{ Start string }{Start: x.Period.Start.Value}
	}
	if x.Outcome.Value != "" {
		ae.Outcome, _ = json.Marshal(x.Outcome.Value)
	}
	for i := range x.Subtype {
		ae.Subtype = append(ae.Subtype, *coding(&x.Subtype[i]))
	}
	for _, a := range x.Agent {
		fa := fhirAgent{Who: ref(a.Who), AltID: a.AltID.Value, Name: a.Name.Value, Requestor: a.Requestor.Value == "true",
			PurposeOfUse: concepts(a.PurposeOfUse)}
		if a.Network != nil {
			fa.Network = &struct {
				Address string `json:"address"`
				Type    string `json:"type"`
			}{Address: a.Network.Address.Value, Type: a.Network.Type.Value}
		}
		ae.Agent = append(ae.Agent, fa)
	}
	for _, e := range x.Entity {
		ae.Entity = append(ae.Entity, fhirEntity{What: ref(e.What), Type: coding(e.Type), Role: coding(e.Role), Lifecycle: coding(e.Lifecycle), Name: e.Name.Value})
	}
	return ae
}

// xmlSource streams elements of one name (AuditEvent or AuditMessage) from an XML file.
type xmlSource struct {
	structSource
	dec    *xml.Decoder
	decode func(dec *xml.Decoder, start *xml.StartElement, line, col int64) (auditRecord, error)
	elem   string
	done   bool
}

func newXMLSource(in *input, m *Mapping, zone *time.Location, elem string, decode func(*xml.Decoder, *xml.StartElement, int64, int64) (auditRecord, error)) *xmlSource {
	dec := xml.NewDecoder(in.r)
	dec.Strict = true
	dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) { return input, nil }
	return &xmlSource{structSource: newStructSource(in, m, zone, elem), dec: dec, decode: decode, elem: elem}
}

func (s *xmlSource) next(ev *Event) error {
	for len(s.recs) == 0 {
		if s.done {
			return io.EOF
		}
		line, col := s.dec.InputPos()
		tok, err := s.dec.Token()
		if err == io.EOF {
			s.done = true
			continue
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return &fatalRowError{RowError{File: s.in.name, Line: int64(se.Line), Msg: "not well-formed XML"}}
			}
			return s.in.readErr(err)
		}
		st, ok := tok.(xml.StartElement)
		if !ok || st.Name.Local != s.elem {
			continue
		}
		r, err := s.decode(s.dec, &st, int64(line), int64(col))
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return &fatalRowError{RowError{File: s.in.name, Line: int64(se.Line), Msg: "not well-formed XML"}}
			}
			return &RowError{File: s.in.name, Line: int64(line), Column: col, Msg: "the " + s.elem + " element does not have the expected structure"}
		}
		s.recs = append(s.recs, r)
	}
	return s.emit(ev)
}

func decodeFHIRXML(dec *xml.Decoder, st *xml.StartElement, line, col int64) (auditRecord, error) {
	var x xAuditEvent
	if err := dec.DecodeElement(&x, st); err != nil {
		return auditRecord{}, err
	}
	return fromFHIR(x.toJSONShape(), line, col), nil
}
