package inventory

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Scan is one nmap run read from its XML output (nmap -oX).
type Scan struct {
	File    string    `json:"file"`
	Args    string    `json:"args"`
	Version string    `json:"nmap_version"`
	Start   time.Time `json:"start"`
	// SourceZone names the network zone the scanner sat in; the caller
	// sets it. A scan with a source zone is evidence of what that zone can
	// reach.
	SourceZone string `json:"source_zone,omitempty"`
	// Scanned lists, per protocol, the ports nmap probed ("tcp": "1-1000").
	Scanned   map[string]string `json:"scanned,omitempty"`
	HostsUp   int               `json:"hosts_up"`
	HostsDown int               `json:"hosts_down"`
	// Hosts are the hosts found up, as assets holding only what the scan saw.
	Hosts []*Asset `json:"-"`
	// Results are the per-host port states, kept as evidence.
	Results []HostResult `json:"results"`
}

// HostResult is what one scan saw of one host.
type HostResult struct {
	IP   string   `json:"ip"`
	Open []string `json:"open,omitempty"` // "tcp/3389"
	// Closed lists ports that answered "closed": reachable, nothing listening.
	Closed []string `json:"closed,omitempty"`
	// Rest is the state of the ports not listed (nmap's extraports), e.g. "filtered".
	Rest string `json:"rest,omitempty"`
}

// nmap XML, as described by the nmap DTD (the parts Safeguard uses).
type nmapRun struct {
	Scanner string `xml:"scanner,attr"`
	Args    string `xml:"args,attr"`
	Start   string `xml:"start,attr"`
	Version string `xml:"version,attr"`
}

type nmapScanInfo struct {
	Type     string `xml:"type,attr"`
	Protocol string `xml:"protocol,attr"`
	Services string `xml:"services,attr"`
}

type nmapHost struct {
	Status struct {
		State string `xml:"state,attr"`
	} `xml:"status"`
	Addresses []struct {
		Addr     string `xml:"addr,attr"`
		AddrType string `xml:"addrtype,attr"`
		Vendor   string `xml:"vendor,attr"`
	} `xml:"address"`
	Hostnames []struct {
		Name string `xml:"name,attr"`
		Type string `xml:"type,attr"`
	} `xml:"hostnames>hostname"`
	ExtraPorts []struct {
		State string `xml:"state,attr"`
		Count int    `xml:"count,attr"`
	} `xml:"ports>extraports"`
	Ports []struct {
		Protocol string `xml:"protocol,attr"`
		PortID   int    `xml:"portid,attr"`
		State    struct {
			State string `xml:"state,attr"`
		} `xml:"state"`
		Service *struct {
			Name       string   `xml:"name,attr"`
			Product    string   `xml:"product,attr"`
			Version    string   `xml:"version,attr"`
			ExtraInfo  string   `xml:"extrainfo,attr"`
			OSType     string   `xml:"ostype,attr"`
			DeviceType string   `xml:"devicetype,attr"`
			Tunnel     string   `xml:"tunnel,attr"`
			CPE        []string `xml:"cpe"`
		} `xml:"service"`
		Scripts []nmapScript `xml:"script"`
	} `xml:"ports>port"`
	OSMatches []struct {
		Name     string `xml:"name,attr"`
		Accuracy int    `xml:"accuracy,attr"`
		Classes  []struct {
			Type     string   `xml:"type,attr"`
			Vendor   string   `xml:"vendor,attr"`
			Family   string   `xml:"osfamily,attr"`
			Gen      string   `xml:"osgen,attr"`
			Accuracy int      `xml:"accuracy,attr"`
			CPE      []string `xml:"cpe"`
		} `xml:"osclass"`
	} `xml:"os>osmatch"`
	HostScripts []nmapScript `xml:"hostscript>script"`
}

type nmapScript struct {
	ID     string `xml:"id,attr"`
	Output string `xml:"output,attr"`
	Elems  []struct {
		Key   string `xml:"key,attr"`
		Value string `xml:",chardata"`
	} `xml:"elem"`
}

func (s nmapScript) elem(key string) string {
	for _, e := range s.Elems {
		if e.Key == key {
			return strings.TrimSpace(e.Value)
		}
	}
	return ""
}

type nmapFinished struct {
	Time     string `xml:"time,attr"`
	Exit     string `xml:"exit,attr"`
	ErrorMsg string `xml:"errormsg,attr"`
}

// MinOSAccuracy is the nmap OS-detection confidence below which the guess
// is kept only as a hint, not as the asset's OS.
const MinOSAccuracy = 85

// ParseNmap reads an nmap XML file. name is the file's name for messages.
// A file that is not nmap XML, is cut short (an interrupted scan) or
// reports a failed run is refused with one line saying where and why.
func ParseNmap(r io.Reader, name string) (*Scan, error) {
	d := xml.NewDecoder(r)
	scan := &Scan{File: name, Scanned: map[string]string{}}
	var sawRoot, finished bool
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, xmlError(d, name, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !sawRoot {
			if se.Name.Local != "nmaprun" {
				line, _ := d.InputPos()
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: not an nmap XML file (it starts with <%s>, not <nmaprun>): save the scan with nmap -oX FILE", name, line, se.Name.Local)
			}
			sawRoot = true
			var run nmapRun
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "scanner":
					run.Scanner = a.Value
				case "args":
					run.Args = a.Value
				case "start":
					run.Start = a.Value
				case "version":
					run.Version = a.Value
				}
			}
			scan.Args, scan.Version = run.Args, run.Version
			if sec, err := strconv.ParseInt(run.Start, 10, 64); err == nil {
				scan.Start = time.Unix(sec, 0).UTC()
			}
			continue
		}
		switch se.Name.Local {
		case "scaninfo":
			var si nmapScanInfo
			if err := d.DecodeElement(&si, &se); err != nil {
				return nil, xmlError(d, name, err)
			}
			if si.Protocol != "" && si.Services != "" {
				scan.Scanned[si.Protocol] = si.Services
			}
		case "host":
			line, _ := d.InputPos()
			var h nmapHost
			if err := d.DecodeElement(&h, &se); err != nil {
				return nil, xmlError(d, name, err)
			}
			if h.Status.State != "" && h.Status.State != "up" {
				scan.HostsDown++
				continue
			}
			a, res, err := hostAsset(&h, fmt.Sprintf("%s:%d", name, line), scan.Scanned)
			if err != nil {
				return nil, err
			}
			scan.HostsUp++
			scan.Hosts = append(scan.Hosts, a)
			scan.Results = append(scan.Results, res)
		case "finished":
			var f nmapFinished
			if err := d.DecodeElement(&f, &se); err != nil {
				return nil, xmlError(d, name, err)
			}
			if f.Exit == "error" {
				line, _ := d.InputPos()
				msg := strings.TrimSpace(f.ErrorMsg)
				if msg == "" {
					msg = "no reason given"
				}
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: nmap reported that the scan failed (%s): fix the cause and scan again; nothing was imported", name, line, truncateMsg(msg, 120))
			}
			finished = true
		}
	}
	if !sawRoot {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: the file is empty or not XML: save the scan with nmap -oX FILE", name)
	}
	if !finished {
		line, _ := d.InputPos()
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: the scan has no <runstats> summary, so nmap was stopped before it finished: run the scan again; nothing was imported", name, line)
	}
	return scan, nil
}

// xmlError turns a decoder error into a one-line message with the position.
func xmlError(d *xml.Decoder, name string, err error) error {
	line, col := d.InputPos()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line = se.Line
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || (se != nil && strings.Contains(se.Msg, "unexpected EOF")) {
		return hipaa.Errorf(hipaa.EInvalid, "%s:%d: the XML stops in the middle, as when an nmap run is interrupted: run the scan again; nothing was imported", name, line)
	}
	msg := err.Error()
	if se != nil {
		msg = se.Msg
	}
	return hipaa.Errorf(hipaa.EInvalid, "%s:%d:%d: the XML is malformed (%s): use the file exactly as nmap -oX wrote it; nothing was imported", name, line, col, truncateMsg(msg, 100))
}

func truncateMsg(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// hostAsset turns one <host> into an asset and a result row.
func hostAsset(h *nmapHost, where string, scanned map[string]string) (*Asset, HostResult, error) {
	a := &Asset{Kind: KindUnknown, Sources: []string{"nmap"}}
	var res HostResult
	for _, ad := range h.Addresses {
		switch ad.AddrType {
		case "ipv4", "ipv6":
			ip, err := netip.ParseAddr(ad.Addr)
			if err != nil {
				return nil, res, hipaa.Errorf(hipaa.EInvalid, "%s: address %q is not an IP address: use the file exactly as nmap wrote it; nothing was imported", where, ad.Addr)
			}
			a.IPs = addUnique(a.IPs, ip.String())
		case "mac":
			mac := NormalizeMAC(ad.Addr)
			if mac == "" {
				return nil, res, hipaa.Errorf(hipaa.EInvalid, "%s: MAC address %q is not valid: use the file exactly as nmap wrote it; nothing was imported", where, ad.Addr)
			}
			a.MACs = addUnique(a.MACs, mac)
			if ad.Vendor != "" {
				a.MACVendor = ad.Vendor
			}
		}
	}
	if len(a.IPs) == 0 && len(a.MACs) == 0 {
		return nil, res, hipaa.Errorf(hipaa.EInvalid, "%s: a host has no address: use the file exactly as nmap wrote it; nothing was imported", where)
	}
	if len(a.IPs) > 0 {
		res.IP = a.IPs[0]
	} else {
		res.IP = a.MACs[0]
	}
	for _, hn := range h.Hostnames {
		if hn.Name != "" {
			a.Hostnames = addUnique(a.Hostnames, strings.ToLower(hn.Name))
		}
	}
	if len(a.Hostnames) > 0 {
		a.Name = a.Hostnames[0]
	}
	a.seen = &observation{scanned: scanned, restClosed: len(h.ExtraPorts) > 0}
	best := 0
	for _, e := range h.ExtraPorts {
		if e.Count > best {
			best, res.Rest = e.Count, e.State
		}
		if e.State != "closed" {
			a.seen.restClosed = false
		}
	}
	for _, p := range h.Ports {
		port := Port{Protocol: p.Protocol, Number: p.PortID, State: p.State.State}
		if p.PortID <= 0 || p.PortID > 65535 {
			return nil, res, hipaa.Errorf(hipaa.EInvalid, "%s: port %d is out of range: use the file exactly as nmap wrote it; nothing was imported", where, p.PortID)
		}
		if s := p.Service; s != nil {
			port.Service, port.Product, port.Version, port.ExtraInfo = s.Name, s.Product, s.Version, s.ExtraInfo
			port.Tunnel, port.DeviceType, port.OSType = s.Tunnel, s.DeviceType, s.OSType
			for _, c := range s.CPE {
				port.CPE = addUnique(port.CPE, strings.TrimSpace(c))
			}
		}
		for _, sc := range p.Scripts {
			port.Notes = append(port.Notes, scriptNotes(sc)...)
		}
		switch port.State {
		case "open":
			res.Open = append(res.Open, port.Key())
			a.Ports = append(a.Ports, port)
		case "closed":
			res.Closed = append(res.Closed, port.Key())
			a.seen.closed = append(a.seen.closed, port.Key())
		}
	}
	// OS detection (-O): the most confident match.
	for _, m := range h.OSMatches {
		if m.Accuracy <= a.OS.Accuracy {
			continue
		}
		a.OS = OS{Name: m.Name, Accuracy: m.Accuracy, Source: "nmap"}
		for i, c := range m.Classes {
			if i == 0 {
				a.OS.Vendor, a.OS.Family, a.OS.Gen, a.OS.Type = c.Vendor, c.Family, c.Gen, c.Type
			}
			for _, x := range c.CPE {
				a.OS.CPE = addUnique(a.OS.CPE, strings.TrimSpace(x))
			}
		}
	}
	if a.OS.Name != "" && a.OS.Accuracy < MinOSAccuracy {
		a.OS = OS{Name: a.OS.Name + " (uncertain guess)", Accuracy: a.OS.Accuracy, Source: "nmap", Type: a.OS.Type}
	}
	for _, sc := range h.HostScripts {
		hostScript(a, sc)
	}
	// Without -O, service detection may still name the OS.
	if a.OS.Name == "" {
		for _, p := range a.Ports {
			if p.OSType != "" {
				a.OS = OS{Name: p.OSType, Source: "nmap"}
				break
			}
		}
	}
	sort.Slice(a.Ports, func(i, j int) bool {
		if a.Ports[i].Protocol != a.Ports[j].Protocol {
			return a.Ports[i].Protocol < a.Ports[j].Protocol
		}
		return a.Ports[i].Number < a.Ports[j].Number
	})
	return a, res, nil
}

// scriptNotes keeps the security-relevant facts of a port script.
func scriptNotes(sc nmapScript) []string {
	out := strings.ToLower(sc.Output)
	var notes []string
	switch sc.ID {
	case "smb-protocols":
		if strings.Contains(out, "smbv1") || strings.Contains(out, "nt lm 0.12") {
			notes = append(notes, NoteSMBv1)
		}
	case "snmp-info", "snmp-sysdescr", "snmp-brute", "snmp-interfaces":
		if strings.Contains(out, "public") || strings.Contains(out, "private") || sc.ID != "snmp-brute" {
			notes = append(notes, NoteSNMPCommunity)
		}
	case "http-title":
		if strings.Contains(out, "admin") || strings.Contains(out, "login") || strings.Contains(out, "configuration") || strings.Contains(out, "setup") {
			notes = append(notes, NoteWebAdmin)
		}
	case "dicom-ping", "dicom-info":
		notes = append(notes, NoteDICOM)
	case "ftp-anon":
		if strings.Contains(out, "allowed") {
			notes = append(notes, NoteAnonymousFTP)
		}
	}
	return notes
}

// Notes that scripts leave on ports.
const (
	NoteSMBv1         = "SMBv1 enabled"
	NoteSNMPCommunity = "SNMP answers a default community string"
	NoteWebAdmin      = "web administration page"
	NoteDICOM         = "answers DICOM association requests"
	NoteAnonymousFTP  = "anonymous FTP login allowed"
)

// hostScript reads host scripts that identify the machine.
func hostScript(a *Asset, sc nmapScript) {
	switch sc.ID {
	case "smb-os-discovery":
		if os := sc.elem("os"); os != "" && (a.OS.Name == "" || a.OS.Accuracy < MinOSAccuracy) {
			a.OS = OS{Name: os, Vendor: "Microsoft", Family: "Windows", Source: "nmap"}
		}
		if n := sc.elem("server"); n != "" && a.Name == "" {
			a.Name = strings.ToLower(strings.Trim(strings.TrimSuffix(n, `\x00`), "\x00 "))
		}
	case "smb-protocols":
		for _, n := range scriptNotes(sc) {
			for i := range a.Ports {
				if a.Ports[i].Number == 445 && a.Ports[i].Protocol == "tcp" {
					a.Ports[i].Notes = addUnique(a.Ports[i].Notes, n)
				}
			}
		}
	}
}
