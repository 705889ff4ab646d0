package inventory

import (
	"fmt"
	"strings"
)

// Ports with a clinical meaning.
const (
	PortDICOM    = 104   // DICOM, the medical imaging protocol
	PortDICOMAlt = 11112 // DICOM's registered alternative port
	PortHL7      = 2575  // HL7 messages over MLLP
)

// medicalProductWords are fragments of product names, banners and host
// names that point to clinical equipment or its software.
var medicalProductWords = []string{
	"dicom", "pacs", "modality", "ultrasound", "infusion", "patient monitor", "intellivue", "carescape", "sigma spectrum",
	"alaris", "ecg", "ekg", "x-ray", "xray", "radiograph", "cbct", "mammo", "orthanc", "dcm4che", "conquest dicom",
	"horos", "osirix", "spirometer", "defibrillator", "ventilator", "anesthesia", "vital signs", "imaging workstation",
	"sidexis", "romexis", "schick", "dexis", "cone beam", "endoscop", "fundus", "tomograph", "oct scanner", "audiometer",
}

func hasWord(s string, words []string) (string, bool) {
	l := strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(l, w) {
			return w, true
		}
	}
	return "", false
}

// Classify decides an asset's kind from what is known of it and records
// why. A kind a person set, or one an import stated, is left alone.
func Classify(a *Asset) {
	if a.KindSource == KindByUser || a.KindSource == KindByImport {
		return
	}
	k, why := detectKind(a)
	a.Kind, a.KindReason, a.KindSource = k, why, KindByDetection
}

// MedicalEvidence returns why the asset looks like a medical device, or "" if it does not.
func MedicalEvidence(a *Asset) string {
	for _, m := range a.MACs {
		if v, ok := MedicalVendorByMAC(m); ok {
			return fmt.Sprintf("its network card (MAC %s) was made by %s, a medical device maker", m[:8], v)
		}
	}
	if IsMedicalVendor(a.MACVendor) {
		return fmt.Sprintf("its network card was made by %s, a medical device maker", a.MACVendor)
	}
	if IsMedicalVendor(a.Manufacturer) {
		return fmt.Sprintf("its manufacturer %s makes medical devices", a.Manufacturer)
	}
	for _, p := range a.OpenPorts() {
		switch {
		case p.Protocol == "tcp" && (p.Number == PortDICOM || p.Number == PortDICOMAlt):
			return fmt.Sprintf("it accepts DICOM medical-imaging connections on port %d", p.Number)
		case strings.Contains(strings.ToLower(p.Service), "dicom") || hasNote(p, NoteDICOM):
			return fmt.Sprintf("it answers DICOM medical-imaging requests on port %d", p.Number)
		case p.Protocol == "tcp" && p.Number == PortHL7, strings.Contains(strings.ToLower(p.Service), "hl7"):
			return fmt.Sprintf("it accepts HL7 clinical messages on port %d", p.Number)
		}
		if w, ok := hasWord(p.Product+" "+p.ExtraInfo, medicalProductWords); ok {
			return fmt.Sprintf("the service on port %d identifies itself as %q (%s)", p.Number, strings.TrimSpace(p.Product), w)
		}
		if IsMedicalVendor(p.Product) {
			return fmt.Sprintf("the service on port %d is a medical device maker's software (%s)", p.Number, p.Product)
		}
	}
	for _, s := range []string{a.Model, a.Name, strings.Join(a.Hostnames, " "), a.OS.Name} {
		if w, ok := hasWord(s, medicalProductWords); ok {
			return fmt.Sprintf("its name or model mentions %q", w)
		}
	}
	for _, c := range a.Software {
		if IsMedicalVendor(c.Vendor) {
			return fmt.Sprintf("it runs %s software from %s, a medical device maker", c.Name, c.Vendor)
		}
	}
	return ""
}

func hasNote(p Port, note string) bool {
	for _, n := range p.Notes {
		if n == note {
			return true
		}
	}
	return false
}

func detectKind(a *Asset) (Kind, string) {
	if why := MedicalEvidence(a); why != "" {
		return KindMedicalDevice, why
	}
	osText := strings.ToLower(a.OS.Name + " " + a.OS.Family)
	osType := strings.ToLower(a.OS.Type)
	devTypes := []string{osType}
	for _, p := range a.OpenPorts() {
		if p.DeviceType != "" {
			devTypes = append(devTypes, strings.ToLower(p.DeviceType))
		}
	}
	for _, t := range devTypes {
		switch t {
		case "printer", "print server":
			return KindPrinter, "the scan identified it as a " + t
		case "router", "switch", "firewall", "wap", "broadband router", "load balancer", "proxy server", "security-misc", "bridge", "hub":
			return KindNetworkDevice, "the scan identified it as a " + t
		case "phone":
			return KindMobile, "the scan identified it as a phone"
		case "webcam", "media device", "power-device", "specialized", "voip phone", "voip adapter", "game console", "pbx", "terminal", "storage-misc", "terminal server":
			return KindIoT, "the scan identified it as a " + t
		}
	}
	for _, p := range a.OpenPorts() {
		if p.Protocol == "tcp" && (p.Number == 9100 || p.Number == 515) {
			return KindPrinter, fmt.Sprintf("it accepts print jobs on port %d", p.Number)
		}
		if strings.Contains(strings.ToLower(p.Product), "jetdirect") || strings.Contains(strings.ToLower(p.Product), "printer") {
			return KindPrinter, "its service banner names a printer"
		}
	}
	switch {
	case strings.Contains(osText, "ios") && !strings.Contains(osText, "cisco"), strings.Contains(osText, "android"), strings.Contains(osText, "ipados"):
		return KindMobile, "it runs a phone or tablet operating system"
	case strings.Contains(osText, "windows") && strings.Contains(osText, "server"):
		return KindServer, "it runs Windows Server"
	case strings.Contains(osText, "cisco"), strings.Contains(osText, "routeros"), strings.Contains(osText, "fortios"), strings.Contains(osText, "pfsense"), strings.Contains(osText, "opnsense"), strings.Contains(osText, "junos"):
		return KindNetworkDevice, "it runs network equipment software"
	}
	for _, p := range a.OpenPorts() {
		if p.Protocol == "tcp" && (p.Number == 88 || p.Number == 389 || p.Number == 1433 || p.Number == 3306 || p.Number == 5432 || p.Number == 1521 || p.Number == 25) {
			return KindServer, fmt.Sprintf("it offers a server service on port %d", p.Number)
		}
	}
	switch {
	case strings.Contains(osText, "windows"), strings.Contains(osText, "mac os"), strings.Contains(osText, "macos"):
		return KindWorkstation, "it runs a desktop operating system"
	case strings.Contains(osText, "linux") || strings.Contains(osText, "bsd") || strings.Contains(osText, "unix"):
		if len(a.OpenPorts()) > 0 {
			return KindServer, "it runs Linux or Unix and offers network services"
		}
	}
	return KindUnknown, "nothing seen so far tells what it is"
}
