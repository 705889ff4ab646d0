// Package inventory keeps the practice's technology asset inventory: what
// each computer, server, cloud service, network device, phone, medical
// device, printer or other connected thing is, where it sits and what it
// runs. It reads nmap XML scans, CSV asset lists and CycloneDX SBOMs,
// merges repeated imports into one record per device, records what changed
// between imports (drift), recognises medical devices, and reports the
// inventory's own findings (INV-01, INV-02, SVC-01). It knows nothing of
// storage; the caller loads and saves assets.
package inventory

import (
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind is what sort of asset something is.
type Kind string

// The asset kinds.
const (
	KindWorkstation   Kind = "workstation"
	KindServer        Kind = "server"
	KindCloudService  Kind = "cloud_service"
	KindNetworkDevice Kind = "network_device"
	KindMobile        Kind = "mobile"
	KindMedicalDevice Kind = "medical_device"
	KindIoT           Kind = "iot"
	KindPrinter       Kind = "printer"
	KindUnknown       Kind = "unknown"
)

// Kinds lists every asset kind, in the order they are shown.
var Kinds = []Kind{KindWorkstation, KindServer, KindCloudService, KindNetworkDevice, KindMobile, KindMedicalDevice, KindIoT, KindPrinter, KindUnknown}

// ParseKind reads a kind name, accepting a few everyday spellings.
func ParseKind(s string) (Kind, bool) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer("-", "_", " ", "_").Replace(k)
	switch k {
	case "pc", "desktop", "laptop":
		return KindWorkstation, true
	case "cloud", "ehr", "saas":
		return KindCloudService, true
	case "network", "router", "switch", "firewall", "access_point", "wap":
		return KindNetworkDevice, true
	case "phone", "tablet", "smartphone":
		return KindMobile, true
	case "medical", "medical_device", "device":
		return KindMedicalDevice, true
	case "":
		return KindUnknown, true
	}
	for _, x := range Kinds {
		if string(x) == k {
			return x, true
		}
	}
	return "", false
}

// How an asset's kind was decided.
const (
	KindByDetection = "detected" // Classify chose it from what the scan or file showed
	KindByImport    = "import"   // a CSV or SBOM said so
	KindByUser      = "user"     // a person set it; imports and detection never change it
)

// Remote-access arrangements a vendor may have with a device.
const (
	RemoteNone     = "none"
	RemoteVPN      = "vpn"       // through the practice's VPN or jump host, on request
	RemoteOnDemand = "on_demand" // opened by staff for a session, then closed
	RemoteAlwaysOn = "always_on" // a permanent inbound path or agent
)

// Port is one network port seen on an asset.
type Port struct {
	Protocol  string `json:"protocol"` // tcp, udp, sctp
	Number    int    `json:"port"`
	State     string `json:"state"` // open, closed, filtered, open|filtered …
	Service   string `json:"service,omitempty"`
	Product   string `json:"product,omitempty"`
	Version   string `json:"version,omitempty"`
	ExtraInfo string `json:"extra_info,omitempty"`
	Tunnel    string `json:"tunnel,omitempty"`
	// DeviceType and OSType are nmap's service-detection hints, e.g.
	// "printer" or "Windows".
	DeviceType string   `json:"device_type,omitempty"`
	OSType     string   `json:"os_type,omitempty"`
	CPE        []string `json:"cpe,omitempty"`
	// Notes holds short facts from nmap scripts that matter for security,
	// e.g. "SMBv1 enabled" or "SNMP community public answers".
	Notes []string `json:"notes,omitempty"`
}

// Key returns "tcp/3389".
func (p Port) Key() string { return p.Protocol + "/" + strconv.Itoa(p.Number) }

// Open reports whether the port accepted connections.
func (p Port) Open() bool { return p.State == "open" }

// OS is what is known of an asset's operating system.
type OS struct {
	Name     string   `json:"name,omitempty"`    // e.g. "Microsoft Windows 7 SP1"
	Version  string   `json:"version,omitempty"` // e.g. "6.1.7601" or "SP1"
	Vendor   string   `json:"vendor,omitempty"`
	Family   string   `json:"family,omitempty"` // nmap osfamily, e.g. "Windows"
	Gen      string   `json:"gen,omitempty"`    // nmap osgen, e.g. "7"
	Type     string   `json:"type,omitempty"`   // nmap osclass type, e.g. "general purpose", "printer"
	CPE      []string `json:"cpe,omitempty"`
	Accuracy int      `json:"accuracy,omitempty"` // nmap's confidence, 0–100
	Source   string   `json:"source,omitempty"`   // nmap, csv, sbom, user
}

// Text is the OS as one line for matching and display.
func (o OS) Text() string {
	s := strings.TrimSpace(o.Name)
	if o.Version != "" && !strings.Contains(strings.ToLower(s), strings.ToLower(o.Version)) {
		s = strings.TrimSpace(s + " " + o.Version)
	}
	return s
}

// Component is a piece of software or firmware on an asset.
type Component struct {
	Type    string `json:"type,omitempty"` // application, firmware, operating-system, library …
	Vendor  string `json:"vendor,omitempty"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	CPE     string `json:"cpe,omitempty"`
	PURL    string `json:"purl,omitempty"`
}

// Asset is one entry of the inventory.
type Asset struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Kind       Kind   `json:"kind"`
	KindSource string `json:"kind_source"`
	KindReason string `json:"kind_reason,omitempty"`

	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Serial       string `json:"serial,omitempty"`
	AssetTag     string `json:"asset_tag,omitempty"`

	Owner       string `json:"owner,omitempty"`
	Location    string `json:"location,omitempty"`
	Criticality string `json:"criticality,omitempty"` // low, moderate, high, critical
	// StoresEPHI and TransmitsEPHI say whether the asset keeps or sends
	// electronic protected health information.
	StoresEPHI    bool `json:"stores_ephi"`
	TransmitsEPHI bool `json:"transmits_ephi"`

	// Zone is the network zone the asset sits in; ZoneSource says whether
	// a person set it ("user"), an import did ("import"), or it was worked
	// out from the zones' address ranges ("address").
	Zone       string `json:"zone,omitempty"`
	ZoneSource string `json:"zone_source,omitempty"`
	VLAN       string `json:"vlan,omitempty"`
	SSID       string `json:"ssid,omitempty"`

	MACs      []string `json:"macs,omitempty"`
	MACVendor string   `json:"mac_vendor,omitempty"`
	IPs       []string `json:"ips,omitempty"`
	Hostnames []string `json:"hostnames,omitempty"`

	OS       OS          `json:"os"`
	Firmware string      `json:"firmware,omitempty"`
	Software []Component `json:"software,omitempty"`
	Ports    []Port      `json:"ports,omitempty"`

	// SupportStatus and EndOfSupport are what the practice recorded (from
	// a CSV, say); the feeds add their own verdict when findings are made.
	SupportStatus      string `json:"support_status,omitempty"`
	EndOfSupport       string `json:"end_of_support,omitempty"` // YYYY-MM-DD
	VendorRemoteAccess string `json:"vendor_remote_access,omitempty"`
	// NotAffected lists CVEs the manufacturer declared do not affect this
	// device (CycloneDX VEX "not_affected"); matching skips them.
	NotAffected []string `json:"not_affected,omitempty"`
	Notes       string   `json:"notes,omitempty"`

	// Confirmed is set once the asset appears in a list the practice keeps
	// (CSV, SBOM) or a person has reviewed it; a device only a scan has
	// seen is not yet in the practice's own inventory (INV-01).
	Confirmed bool      `json:"confirmed"`
	Sources   []string  `json:"sources,omitempty"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`

	seen  *observation // what a scan saw beyond open ports (imports only)
	given given        // optional fields an import supplied (imports only)
}

// Label is a short human name for messages: the name, else an IP, else the ID.
func (a *Asset) Label() string {
	switch {
	case a.Name != "":
		return a.Name
	case len(a.Hostnames) > 0:
		return a.Hostnames[0]
	case len(a.IPs) > 0:
		return a.IPs[0]
	case a.Serial != "":
		return a.Model + " " + a.Serial
	}
	return a.ID
}

// Medical reports whether the asset is a medical device.
func (a *Asset) Medical() bool { return a.Kind == KindMedicalDevice }

// OpenPorts returns the asset's open ports.
func (a *Asset) OpenPorts() []Port {
	var out []Port
	for _, p := range a.Ports {
		if p.Open() {
			out = append(out, p)
		}
	}
	return out
}

// Port returns the asset's record of a port, if any.
func (a *Asset) Port(proto string, n int) (Port, bool) {
	for _, p := range a.Ports {
		if p.Protocol == proto && p.Number == n {
			return p, true
		}
	}
	return Port{}, false
}

// CPEs returns every CPE name known for the asset: OS, services and software.
func (a *Asset) CPEs() []string {
	var out []string
	out = append(out, a.OS.CPE...)
	for _, p := range a.Ports {
		if p.Open() {
			out = append(out, p.CPE...)
		}
	}
	for _, c := range a.Software {
		if c.CPE != "" {
			out = append(out, c.CPE)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Addrs returns the asset's IP addresses, parsed.
func (a *Asset) Addrs() []netip.Addr {
	var out []netip.Addr
	for _, s := range a.IPs {
		if ip, err := netip.ParseAddr(s); err == nil {
			out = append(out, ip)
		}
	}
	return out
}

// NormalizeMAC returns a MAC address as AA:BB:CC:DD:EE:FF, or "" if s is not one.
func NormalizeMAC(s string) string {
	var hex []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			hex = append(hex, upper(c))
		case c == ':' || c == '-' || c == '.' || c == ' ':
		default:
			return ""
		}
	}
	if len(hex) != 12 {
		return ""
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.Write(hex[i : i+2])
	}
	return b.String()
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// normSerial compares serial numbers without case or surrounding space.
func normSerial(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// addUnique appends to list the values it lacks and keeps it sorted.
func addUnique(list []string, vals ...string) []string {
	for _, v := range vals {
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	sort.Strings(list)
	return list
}

// SortAssets orders assets by name, then first IP, then ID.
func SortAssets(list []*Asset) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Label() != b.Label() {
			return a.Label() < b.Label()
		}
		return a.ID < b.ID
	})
}
