package inventory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// CSVColumn documents one column of the asset CSV format.
type CSVColumn struct {
	Name     string   // the column's Safeguard name
	Synonyms []string // other headers read as this column
	Help     string
}

// CSVColumns are the columns an asset CSV may have. Headers are matched
// without regard to case, spaces, hyphens, dots or underscores; a file
// with other headers needs a mapping file.
var CSVColumns = []CSVColumn{
	{"name", []string{"devicename", "assetname", "device"}, "what the practice calls it"},
	{"kind", []string{"type", "category", "devicetype", "assettype"}, "workstation, server, cloud_service, network_device, mobile, medical_device, iot, printer"},
	{"manufacturer", []string{"vendor", "make", "maker"}, "who made it"},
	{"model", []string{"modelname", "modelnumber"}, "model name or number"},
	{"serial", []string{"serialnumber", "sn", "serialno"}, "serial number"},
	{"asset_tag", []string{"tag", "cmmsassettag", "inventorynumber"}, "the practice's or biomed service's tag"},
	{"mac", []string{"macaddress", "macaddr"}, "MAC address(es), separated by ; or spaces"},
	{"ip", []string{"ipaddress", "ipv4", "ipaddr", "address"}, "IP address(es), separated by ; or spaces"},
	{"hostname", []string{"dnsname", "fqdn", "host"}, "network name(s)"},
	{"os", []string{"operatingsystem", "osname"}, "operating system, e.g. Windows 7 Professional"},
	{"os_version", []string{"osversion", "osbuild"}, "operating system version or build, e.g. SP1 or 10.0.19045"},
	{"firmware", []string{"firmwareversion", "fw"}, "firmware version"},
	{"software", []string{"softwareversions", "applications"}, "installed software as Name=Version; Name=Version"},
	{"owner", []string{"responsible", "custodian", "accountableperson"}, "person accountable for it"},
	{"location", []string{"room", "department", "site"}, "where it is"},
	{"zone", []string{"networkzone", "segment"}, "network zone name (from the zones file)"},
	{"vlan", []string{"vlanid"}, "VLAN number"},
	{"ssid", []string{"wifi", "wifinetwork"}, "Wi-Fi network it joins"},
	{"stores_ephi", []string{"ephistored", "storesphi"}, "yes or no"},
	{"transmits_ephi", []string{"ephitransmitted", "transmitsphi"}, "yes or no"},
	{"criticality", []string{"clinicalcriticality", "importance"}, "low, moderate, high or critical"},
	{"support_status", []string{"supportstatus", "supported"}, "supported, unsupported or unknown"},
	{"end_of_support", []string{"endofsupport", "endoflife", "eol", "eos", "endofsupportdate"}, "date the maker stops security updates, YYYY-MM-DD"},
	{"vendor_remote_access", []string{"remoteaccess"}, "none, vpn, on_demand or always_on"},
	{"notes", []string{"comment", "comments"}, "anything else"},
}

// IgnoreColumn is the mapping target that skips a column.
const IgnoreColumn = "ignore"

// Mapping maps a CSV file's own headers to Safeguard's columns.
type Mapping struct {
	Columns map[string]string `yaml:"columns"`
}

// ParseMapping reads a mapping file:
//
//	columns:
//	  "Device Name": name
//	  "Room": location
//	  "Purchase Price": ignore
func ParseMapping(r io.Reader, name string) (*Mapping, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(r).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: the mapping file is empty: list your headers under columns:", name)
		}
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: not valid YAML (%s): fix the file", name, truncateMsg(err.Error(), 100))
	}
	m := &Mapping{Columns: map[string]string{}}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	var cols *yaml.Node
	if root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "columns" {
				cols = root.Content[i+1]
			} else {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: unknown key %q: a mapping file has only columns:", name, root.Content[i].Line, root.Content[i].Value)
			}
		}
	}
	if cols == nil || cols.Kind != yaml.MappingNode {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: expected columns: with one \"Your header\": safeguard_column line each", name, root.Line)
	}
	for i := 0; i+1 < len(cols.Content); i += 2 {
		k, v := cols.Content[i], cols.Content[i+1]
		target := strings.TrimSpace(v.Value)
		if target != IgnoreColumn && canonicalColumn(target) != target {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: %q is not a Safeguard column: use one of %s, or ignore", name, v.Line, target, columnNames())
		}
		m.Columns[strings.TrimSpace(k.Value)] = target
	}
	return m, nil
}

func columnNames() string {
	var names []string
	for _, c := range CSVColumns {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

func squash(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "", "_", "", "-", "", ".", "", "\ufeff", "").Replace(s)
}

// canonicalColumn returns the Safeguard column a header means, or "".
func canonicalColumn(h string) string {
	q := squash(h)
	for _, c := range CSVColumns {
		if squash(c.Name) == q || slices.Contains(c.Synonyms, q) {
			return c.Name
		}
	}
	return ""
}

// ParseCSV reads an asset list. mapping may be nil. Every cell is checked
// before anything is returned; the first problem is reported as
// file:line with the column and what to do.
func ParseCSV(r io.Reader, name string, mapping *Mapping) ([]*Asset, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot read %s", name)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: the file is empty: the first line must name the columns (e.g. name,ip,mac,manufacturer,model)", name)
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	cols := make([]string, len(header))
	seen := map[string]int{}
	for i, h := range header {
		target := ""
		if mapping != nil {
			if t, ok := mapping.Columns[strings.TrimSpace(h)]; ok {
				target = t
			}
		}
		if target == "" {
			target = canonicalColumn(h)
		}
		if target == "" {
			if strings.TrimSpace(h) == "" {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: column %d has no header: name it or delete the column; nothing was imported", name, i+1)
			}
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: unknown column %q: rename it to one of %s, or map it in a mapping file (--mapping); nothing was imported", name, h, columnNames())
		}
		if target != IgnoreColumn {
			if j, dup := seen[target]; dup {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: columns %d and %d both mean %q: keep one; nothing was imported", name, j+1, i+1, target)
			}
			seen[target] = i
		}
		cols[i] = target
	}
	hasKey := false
	for _, k := range []string{"name", "ip", "mac", "serial", "hostname", "asset_tag"} {
		if _, ok := seen[k]; ok {
			hasKey = true
		}
	}
	if !hasKey {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: no column identifies the assets: add name, ip, mac, serial, hostname or asset_tag; nothing was imported", name)
	}
	var out []*Asset
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) > len(cols) {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: the row has %d cells but the header names %d columns: check for an unquoted comma; nothing was imported", name, line, len(rec), len(cols))
		}
		blank := true
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		a := &Asset{Kind: KindUnknown, given: given{}}
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if cols[i] == IgnoreColumn || v == "" {
				continue
			}
			if err := setColumn(a, cols[i], v); err != nil {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: column %q: %s; nothing was imported", name, line, header[i], err.Error())
			}
			a.given[cols[i]] = true
		}
		if a.Name == "" && len(a.IPs) == 0 && len(a.MACs) == 0 && a.Serial == "" && len(a.Hostnames) == 0 && a.AssetTag == "" {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: the row has no name, IP, MAC, serial, host name or asset tag to identify it: fill one in; nothing was imported", name, line)
		}
		if a.Name == "" && a.AssetTag != "" {
			a.Name = a.AssetTag
		}
		a.Sources = []string{"csv"}
		out = append(out, a)
	}
	return out, nil
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return hipaa.Errorf(hipaa.EInvalid, "%s:%d:%d: %s: fix the quoting; nothing was imported", name, pe.Line, pe.Column, pe.Err.Error())
	}
	return hipaa.WrapError(hipaa.EInvalid, err, "%s: cannot read the CSV", name)
}

func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ' ' || r == ',' || r == '|' })
}

func parseYesNo(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes", "y", "true", "1", "x":
		return true, nil
	case "no", "n", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not yes or no", v)
}

// setColumn stores one cell on an asset, checking its value.
func setColumn(a *Asset, col, v string) error {
	switch col {
	case "name":
		a.Name = v
	case "kind":
		k, ok := ParseKind(v)
		if !ok {
			var names []string
			for _, x := range Kinds {
				names = append(names, string(x))
			}
			return fmt.Errorf("%q is not a kind of asset: use one of %s", v, strings.Join(names, ", "))
		}
		a.Kind, a.KindSource = k, KindByImport
	case "manufacturer":
		a.Manufacturer = v
	case "model":
		a.Model = v
	case "serial":
		a.Serial = v
	case "asset_tag":
		a.AssetTag = v
	case "mac":
		for _, m := range splitList(v) {
			n := NormalizeMAC(m)
			if n == "" {
				return fmt.Errorf("%q is not a MAC address (use the form 00:1A:2B:3C:4D:5E)", m)
			}
			a.MACs = addUnique(a.MACs, n)
		}
	case "ip":
		for _, s := range splitList(v) {
			ip, err := netip.ParseAddr(s)
			if err != nil {
				return fmt.Errorf("%q is not an IP address", s)
			}
			a.IPs = addUnique(a.IPs, ip.String())
		}
	case "hostname":
		for _, h := range splitList(v) {
			a.Hostnames = addUnique(a.Hostnames, strings.ToLower(h))
		}
	case "os":
		a.OS.Name, a.OS.Source = v, "csv"
	case "os_version":
		a.OS.Version, a.OS.Source = v, "csv"
	case "firmware":
		a.Firmware = v
	case "software":
		for _, part := range strings.Split(v, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, ver, _ := strings.Cut(part, "=")
			a.Software = append(a.Software, Component{Type: "application", Name: strings.TrimSpace(n), Version: strings.TrimSpace(ver)})
		}
	case "owner":
		a.Owner = v
	case "location":
		a.Location = v
	case "zone":
		a.Zone = v
	case "vlan":
		a.VLAN = v
	case "ssid":
		a.SSID = v
	case "stores_ephi", "transmits_ephi":
		b, err := parseYesNo(v)
		if err != nil {
			return err
		}
		if col == "stores_ephi" {
			a.StoresEPHI = b
		} else {
			a.TransmitsEPHI = b
		}
	case "criticality":
		c := strings.ToLower(v)
		if !slices.Contains([]string{"low", "moderate", "high", "critical"}, c) {
			return fmt.Errorf("%q is not a criticality: use low, moderate, high or critical", v)
		}
		a.Criticality = c
	case "support_status":
		s := strings.ToLower(strings.ReplaceAll(v, " ", "_"))
		switch s {
		case "supported", "yes":
			s = "supported"
		case "unsupported", "no", "end_of_life", "eol", "end_of_support":
			s = "unsupported"
		case "unknown":
		default:
			return fmt.Errorf("%q is not a support status: use supported, unsupported or unknown", v)
		}
		a.SupportStatus = s
	case "end_of_support":
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return fmt.Errorf("%q is not a date: use YYYY-MM-DD", v)
		}
		a.EndOfSupport = v
	case "vendor_remote_access":
		s := strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(v))
		if s == "no" {
			s = RemoteNone
		}
		if !slices.Contains([]string{RemoteNone, RemoteVPN, RemoteOnDemand, RemoteAlwaysOn}, s) {
			return fmt.Errorf("%q is not a remote-access arrangement: use none, vpn, on_demand or always_on", v)
		}
		a.VendorRemoteAccess = s
	case "notes":
		a.Notes = v
	}
	return nil
}

// CSVHelp describes the CSV format for --help texts.
func CSVHelp() string {
	var b strings.Builder
	for _, c := range CSVColumns {
		fmt.Fprintf(&b, "  %-21s %s\n", c.Name, c.Help)
	}
	return b.String()
}
