package report

import (
	"context"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/inventory"
)

// inventoryAssets reads the practice's technology inventory for the report's
// asset section.
func inventoryAssets(ctx context.Context, svc *app.Service) ([]Asset, error) {
	list, err := svc.Scope.Assets(ctx)
	if err != nil {
		return nil, err
	}
	return fromInventory(list), nil
}

// fromInventory turns inventory assets into the report's plainer rows.
func fromInventory(list []*inventory.Asset) []Asset {
	out := make([]Asset, 0, len(list))
	for _, a := range list {
		var notes []string
		if a.SupportStatus != "" {
			notes = append(notes, "support: "+a.SupportStatus)
		}
		if a.Notes != "" {
			notes = append(notes, a.Notes)
		}
		out = append(out, Asset{ID: a.ID, Name: a.Label(), Kind: string(a.Kind), Location: a.Location, Zone: a.Zone,
			Address: strings.Join(a.IPs, ", "), OS: a.OS.Text(), Owner: a.Owner, HoldsEPHI: a.StoresEPHI || a.TransmitsEPHI,
			Notes: strings.Join(notes, "; ")})
	}
	return out
}
