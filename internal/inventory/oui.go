package inventory

import "strings"

// medicalOUIs maps the first three bytes of a MAC address (the IEEE
// organisationally unique identifier) to medical device makers. The list
// covers the makers most often found in physician practices and clinics:
// imaging, patient monitoring, infusion, dental, laboratory and
// cardiology. Network cards made by these companies are almost always
// inside one of their devices.
var medicalOUIs = map[string]string{
	"000185": "Hitachi Aloka Medical",
	"0002BD": "Bionet",
	"0003B1": "ICU Medical",
	"001A01": "ICU Medical",
	"0005B2": "Samsung Medison",
	"00066B": "Sysmex",
	"000921": "Planmeca",
	"00095C": "Philips Medical Systems",
	"0009FB": "Philips Medical Systems",
	"7C94B2": "Philips Medical Systems",
	"000BC4": "Biotronik",
	"000D11": "Dentsply Sirona",
	"001019": "Dentsply Sirona",
	"000DB8": "Schiller",
	"000DD1": "Stryker",
	"000E2F": "Roche Diagnostics",
	"004049": "Roche Diagnostics",
	"006019": "Roche Diagnostics",
	"B87879": "Roche Diagnostics",
	"000E32": "Kontron Medical",
	"000EBD": "Burdick",
	"000F14": "Mindray",
	"380B26": "Mindray",
	"00A037": "Mindray",
	"6C3E51": "Mindray",
	"000F19": "Boston Scientific",
	"000F82": "Mortara Instrument",
	"00105D": "Draeger",
	"0030E6": "Draeger",
	"F0E5C3": "Draeger",
	"00117E": "Midmark",
	"001221": "B. Braun",
	"001338": "Fresenius Kabi",
	"B04C05": "Fresenius Medical Care",
	"0013DD": "Abbott",
	"C0A26D": "Abbott",
	"0014B8": "Hillrom",
	"001AFA": "Welch Allyn",
	"0014DA": "Huntleigh Healthcare",
	"001686": "Karl Storz",
	"001865": "Siemens Healthineers",
	"20E791": "Siemens Healthineers",
	"884B39": "Siemens Healthineers",
	"001C05": "Nonin Medical",
	"001D4A": "Carestream",
	"002138": "Cepheid",
	"004097": "GE Healthcare",
	"444B5D": "GE Healthcare",
	"A0F217": "GE Healthcare",
	"00A09A": "Nihon Kohden",
	"00A0AA": "Spacelabs",
	"00B094": "BD",
	"00D075": "BD",
	"9CC8AE": "BD",
	"F8C678": "BD",
	"00E090": "Beckman Coulter",
	"D0D286": "Beckman Coulter",
	"00E0A4": "Esaote",
	"0809B6": "Masimo",
	"504A5E": "Masimo",
	"8809AF": "Masimo",
	"B810D4": "Masimo",
	"C816A5": "Masimo",
	"C88BE8": "Masimo",
	"E0C2B7": "Masimo",
	"386C9B": "Ivy Biomedical",
	"40BD9E": "Physio-Control",
	"44599F": "Criticare Systems",
	"54FA89": "Medtronic",
	"DC16A2": "Medtronic",
	"5842E4": "Baxter",
	"5846E1": "Baxter",
	"E0589E": "Laerdal Medical",
}

// MedicalVendorByMAC returns the medical device maker whose OUI starts mac, if any.
func MedicalVendorByMAC(mac string) (string, bool) {
	m := NormalizeMAC(mac)
	if m == "" {
		return "", false
	}
	v, ok := medicalOUIs[strings.ReplaceAll(m[:8], ":", "")]
	return v, ok
}

// medicalVendorWords are fragments of medical device makers' names, as they
// appear in MAC vendor strings, CSV manufacturer columns, SBOMs and banners.
var medicalVendorWords = []string{
	"abbott", "agfa healthcare", "alaris", "aloka", "b. braun", "b.braun", "baxter", "beckman coulter", "becton", "biotronik",
	"boston scientific", "canon medical", "carefusion", "carestream", "cepheid", "criticare", "dentsply", "draeger", "dräger",
	"drager", "esaote", "fresenius", "ge healthcare", "ge medical", "hamilton medical", "hillrom", "hill-rom", "hologic",
	"hospira", "icu medical", "karl storz", "laerdal", "masimo", "medtronic", "midmark", "mindray", "mortara", "natus",
	"nihon kohden", "nonin", "olympus medical", "philips healthcare", "philips medical", "physio-control", "planmeca",
	"roche diagnostics", "schiller", "siemens healthcare", "siemens healthineers", "sirona", "smiths medical", "spacelabs",
	"stryker", "sysmex", "vatech", "welch allyn", "zoll", "fujifilm medical", "konica minolta healthcare", "samsung medison",
}

// IsMedicalVendor reports whether a maker's name is that of a medical device maker.
func IsMedicalVendor(name string) bool {
	n := strings.ToLower(name)
	if n == "" {
		return false
	}
	for _, w := range medicalVendorWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
