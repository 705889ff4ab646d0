package demo

import (
	"context"
	"embed"

	"github.com/safeguard-hipaa/safeguard/internal/app"
)

//go:embed data
var data embed.FS

// network loads the sample practice's zones, firewall rules and a scan of its
// office, imaging and server networks. The firewall lets the guest Wi-Fi reach
// the X-ray workstation's remote desktop, which contradicts the practice's
// answer that guest Wi-Fi is kept separate.
func network(ctx context.Context, svc *app.Service) error {
	zones, err := data.ReadFile("data/zones.yaml")
	if err != nil {
		return err
	}
	if _, _, err := svc.ImportZones(ctx, "zones.yaml", zones); err != nil {
		return err
	}
	rules, err := data.ReadFile("data/firewall.rules")
	if err != nil {
		return err
	}
	if _, _, err := svc.ImportPolicy(ctx, "firewall.rules", rules); err != nil {
		return err
	}
	scan, err := data.ReadFile("data/scan.xml")
	if err != nil {
		return err
	}
	_, err = svc.ImportAssets(ctx, app.AssetFile{Kind: "nmap", Name: "scan.xml", Data: scan, SourceZone: "office"})
	return err
}
