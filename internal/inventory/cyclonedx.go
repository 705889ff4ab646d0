package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// ParseCycloneDX reads a CycloneDX SBOM (JSON) that a device maker
// supplied. The BOM's metadata component is the device; its components are
// the firmware, operating system and software inside it. Properties named
// serial, serialNumber, mac or ip on the metadata component identify the
// device for merging. Vulnerabilities the maker marked not_affected (VEX)
// are remembered so they are not reported.
func ParseCycloneDX(r io.Reader, name string) (*Asset, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot read %s", name)
	}
	var probe struct {
		BOMFormat string `json:"bomFormat"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, jsonError(name, data, err)
	}
	if probe.BOMFormat != "CycloneDX" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: not a CycloneDX SBOM (bomFormat is %q): ask the maker for a CycloneDX JSON SBOM", name, probe.BOMFormat)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, jsonError(name, data, err)
	}
	if bom.Metadata == nil || bom.Metadata.Component == nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: the SBOM has no metadata.component describing the device: ask the maker for a device SBOM, or pass --asset to attach it to a known asset", name)
	}
	dev := bom.Metadata.Component
	a := &Asset{Kind: KindUnknown, Sources: []string{"sbom"}, given: given{}}
	a.Model = strings.TrimSpace(strings.TrimSpace(dev.Group + " " + dev.Name))
	a.Name = a.Model
	switch {
	case dev.Manufacturer != nil && dev.Manufacturer.Name != "":
		a.Manufacturer = dev.Manufacturer.Name
	case bom.Metadata.Manufacturer != nil && bom.Metadata.Manufacturer.Name != "":
		a.Manufacturer = bom.Metadata.Manufacturer.Name
	case bom.Metadata.Manufacture != nil && bom.Metadata.Manufacture.Name != "":
		a.Manufacturer = bom.Metadata.Manufacture.Name
	case dev.Supplier != nil && dev.Supplier.Name != "":
		a.Manufacturer = dev.Supplier.Name
	case bom.Metadata.Supplier != nil:
		a.Manufacturer = bom.Metadata.Supplier.Name
	}
	if dev.Type == cdx.ComponentTypeFirmware {
		a.Firmware = dev.Version
	} else if dev.Version != "" {
		a.Firmware = dev.Version
	}
	props := append(propList(dev.Properties), propList(bom.Metadata.Properties)...)
	for _, p := range props {
		k := squash(p.Name)
		k = strings.TrimPrefix(k, "safeguard:")
		switch k {
		case "serial", "serialnumber", "sn":
			a.Serial = strings.TrimSpace(p.Value)
		case "mac", "macaddress":
			if m := NormalizeMAC(p.Value); m != "" {
				a.MACs = addUnique(a.MACs, m)
			}
		case "ip", "ipaddress":
			if ip, err := netip.ParseAddr(strings.TrimSpace(p.Value)); err == nil {
				a.IPs = addUnique(a.IPs, ip.String())
			}
		}
	}
	var walk func(cs *[]cdx.Component)
	walk = func(cs *[]cdx.Component) {
		if cs == nil {
			return
		}
		for _, c := range *cs {
			vendor := c.Group
			if c.Manufacturer != nil && c.Manufacturer.Name != "" {
				vendor = c.Manufacturer.Name
			} else if c.Supplier != nil && c.Supplier.Name != "" {
				vendor = c.Supplier.Name
			}
			comp := Component{Type: string(c.Type), Vendor: vendor, Name: c.Name, Version: c.Version, CPE: c.CPE, PURL: c.PackageURL}
			switch c.Type {
			case cdx.ComponentTypeOS:
				a.OS = OS{Name: strings.TrimSpace(c.Name), Version: c.Version, Vendor: vendor, Source: "sbom"}
				if c.CPE != "" {
					a.OS.CPE = []string{c.CPE}
				}
			case cdx.ComponentTypeFirmware:
				if a.Firmware == "" {
					a.Firmware = c.Version
				}
			}
			a.Software = append(a.Software, comp)
			walk(c.Components)
		}
	}
	walk(bom.Components)
	if bom.Vulnerabilities != nil {
		for _, v := range *bom.Vulnerabilities {
			if v.Analysis != nil && v.Analysis.State == cdx.IASNotAffected && strings.HasPrefix(v.ID, "CVE-") {
				a.NotAffected = addUnique(a.NotAffected, v.ID)
			}
		}
	}
	if a.Model == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: the SBOM's metadata.component has no name: ask the maker for a complete device SBOM", name)
	}
	return a, nil
}

func propList(p *[]cdx.Property) []cdx.Property {
	if p == nil {
		return nil
	}
	return *p
}

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
	if errors.Is(err, io.ErrUnexpectedEOF) || (se != nil && strings.Contains(se.Error(), "unexpected end")) {
		return hipaa.Errorf(hipaa.EInvalid, "%s:%d: the JSON stops in the middle: the file is incomplete; get a fresh copy; nothing was imported", name, bytes.Count(data, []byte("\n"))+1)
	}
	line := 1
	if off >= 0 && off <= int64(len(data)) {
		line = bytes.Count(data[:off], []byte("\n")) + 1
	}
	return hipaa.Errorf(hipaa.EInvalid, "%s:%d: the JSON is not valid (%s): fix the file; nothing was imported", name, line, truncateMsg(err.Error(), 100))
}
