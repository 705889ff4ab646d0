package inventory

import (
	"fmt"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Source is the name under which the inventory's findings are filed.
const Source = "inventory"

// FindingOptions tells Findings what else is known.
type FindingOptions struct {
	// ZonesDefined is set when the practice has described its network zones.
	ZonesDefined bool
}

// Findings reports the inventory's own problems: devices only a scan knows
// of (INV-01), assets that cannot be placed in a network zone (INV-02) and
// insecure services (SVC-01).
func Findings(assets []*Asset, opt FindingOptions) []*hipaa.Finding {
	var out []*hipaa.Finding
	unplaced := 0
	for _, a := range assets {
		if !a.Confirmed {
			sev := hipaa.SeverityLow
			if a.Medical() || a.StoresEPHI {
				sev = hipaa.SeverityModerate
			}
			out = append(out, newFinding("INV-01", sev, a.ID, a.Label(),
				fmt.Sprintf("%s was found on the network but is not on the practice's asset list: confirm what it is and who owns it", a.Label()),
				assetEvidence(a, map[string]any{"first_seen": a.FirstSeen.Format("2006-01-02"), "found_by": strings.Join(a.Sources, ", ")})))
		}
		if opt.ZonesDefined && a.Zone == "" && len(a.IPs) == 0 {
			out = append(out, newFinding("INV-02", hipaa.SeverityLow, a.ID, a.Label(),
				fmt.Sprintf("%s has no IP address and no zone, so it is missing from the network map: record its zone", a.Label()),
				assetEvidence(a, nil)))
		}
		if a.Zone == "" {
			unplaced++
		}
		out = append(out, serviceFindings(a)...)
	}
	if !opt.ZonesDefined && unplaced > 0 {
		out = append(out, newFinding("INV-02", hipaa.SeverityModerate, "network-zones", "network zones",
			fmt.Sprintf("No network zones are described, so %d asset(s) are not placed on a network map: write a zones file and import it with `safeguard network zones`", unplaced),
			[]map[string]any{{"assets_without_zone": unplaced}}))
	}
	return out
}

// InsecureService describes why an open port is a problem, or returns "" and false.
func InsecureService(a *Asset, p Port) (hipaa.Severity, string, bool) {
	if !p.Open() {
		return "", "", false
	}
	svc := strings.ToLower(p.Service)
	tls := p.Tunnel == "ssl" || svc == "https" || svc == "ftps"
	switch {
	case p.Protocol == "tcp" && (p.Number == 23 || svc == "telnet"):
		return hipaa.SeverityHigh, "Telnet sends passwords and data unencrypted", true
	case hasNote(p, NoteSMBv1):
		return hipaa.SeverityHigh, "SMB version 1 file sharing is enabled; it is the protocol the WannaCry and NotPetya outbreaks spread through", true
	case hasNote(p, NoteAnonymousFTP):
		return hipaa.SeverityHigh, "FTP accepts anonymous logins", true
	case p.Protocol == "tcp" && (p.Number == 21 || svc == "ftp") && !tls:
		return hipaa.SeverityModerate, "FTP sends passwords and files unencrypted", true
	case p.Protocol == "udp" && (p.Number == 69 || svc == "tftp"):
		return hipaa.SeverityModerate, "TFTP transfers files with no password at all", true
	case p.Protocol == "tcp" && p.Number >= 512 && p.Number <= 514 && (svc == "exec" || svc == "login" || svc == "shell" || svc == "rlogin" || svc == "rsh"):
		return hipaa.SeverityHigh, "the old r-services (rlogin, rsh, rexec) trust addresses instead of passwords", true
	case p.Protocol == "tcp" && ((p.Number >= 5900 && p.Number <= 5903) || strings.HasPrefix(svc, "vnc")):
		return hipaa.SeverityHigh, "VNC remote control is open; it often has a weak or no password and little logging", true
	case p.Protocol == "tcp" && (p.Number == 3389 || svc == "ms-wbt-server"):
		return hipaa.SeverityModerate, "Remote Desktop is open; it is the most common way ransomware gangs get in", true
	case p.Protocol == "udp" && (p.Number == 161 || svc == "snmp"):
		if hasNote(p, NoteSNMPCommunity) {
			return hipaa.SeverityHigh, "SNMP answers a default community string, so anyone can read (or change) device settings", true
		}
		return hipaa.SeverityLow, "SNMP is open; check that it uses version 3 or a non-default community string", true
	case hasNote(p, NoteWebAdmin) && !tls:
		return hipaa.SeverityModerate, "an administration web page is served without encryption", true
	case (svc == "http" || svc == "http-alt" || svc == "http-proxy") && !tls &&
		(a.Kind == KindNetworkDevice || a.Kind == KindPrinter || a.Kind == KindIoT || a.Kind == KindMedicalDevice):
		return hipaa.SeverityModerate, "the device's web interface is served without encryption, so its admin password crosses the network in the clear", true
	}
	return "", "", false
}

func serviceFindings(a *Asset) []*hipaa.Finding {
	var out []*hipaa.Finding
	for _, p := range a.Ports {
		sev, why, bad := InsecureService(a, p)
		if !bad {
			continue
		}
		ev := map[string]any{"asset_id": a.ID, "port": p.Key(), "service": p.Service, "why": why}
		if len(a.IPs) > 0 {
			ev["ip"] = a.IPs[0]
		}
		if s := strings.TrimSpace(p.Product + " " + p.Version); s != "" {
			ev["product"] = s
		}
		f := newFinding("SVC-01", sev, a.ID+"|"+p.Key(), a.Label(),
			fmt.Sprintf("%s offers %s on port %s: %s", a.Label(), serviceName(p), p.Key(), why), []map[string]any{ev})
		out = append(out, f)
	}
	return out
}

func serviceName(p Port) string {
	if p.Service != "" {
		return p.Service
	}
	return "a service"
}

func assetEvidence(a *Asset, extra map[string]any) []map[string]any {
	ev := map[string]any{"asset_id": a.ID, "kind": string(a.Kind)}
	if len(a.IPs) > 0 {
		ev["ips"] = strings.Join(a.IPs, ", ")
	}
	if len(a.MACs) > 0 {
		ev["macs"] = strings.Join(a.MACs, ", ")
	}
	if a.Manufacturer != "" || a.Model != "" {
		ev["device"] = strings.TrimSpace(a.Manufacturer + " " + a.Model)
	}
	for k, v := range extra {
		ev[k] = v
	}
	return []map[string]any{ev}
}

// newFinding makes a finding with the rule's citations from the catalog.
func newFinding(rule string, sev hipaa.Severity, key, subject, title string, ev []map[string]any) *hipaa.Finding {
	return &hipaa.Finding{Source: Source, Rule: rule, Severity: sev, Title: title, Subject: subject,
		Citations: RuleCitations(rule), Evidence: ev, Fingerprint: Source + "|" + rule + "|" + key}
}

// RuleCitations returns the citations the catalog gives a finding rule.
func RuleCitations(rule string) []string {
	cat, err := catalog.Default()
	if err != nil {
		return []string{}
	}
	r, ok := cat.FindingRule(rule)
	if !ok {
		return []string{}
	}
	return append([]string{}, r.Citations...)
}
