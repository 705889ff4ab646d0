package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/inventory"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
	"github.com/safeguard-hipaa/safeguard/internal/vulnfeed"
)

func TestAssetsStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := db.For(newPractice(t, db, "Lakeside Imaging").ID)
		other := db.For(newPractice(t, db, "Other Clinic").ID)
		ws := &inventory.Asset{ID: "ast_1", Name: "img-ws01", Kind: inventory.KindMedicalDevice, IPs: []string{"10.0.20.15"},
			MACs: []string{"F0:1F:AF:12:34:56"}, Hostnames: []string{"img-ws01.clinic.local"},
			OS:    inventory.OS{Name: "Microsoft Windows 7 SP1", CPE: []string{"cpe:/o:microsoft:windows_7::sp1"}},
			Ports: []inventory.Port{{Protocol: "tcp", Number: 3389, State: "open", Service: "ms-wbt-server"}}, StoresEPHI: true}
		pc := &inventory.Asset{ID: "ast_2", Name: "PC", Kind: inventory.KindWorkstation, IPs: []string{"10.0.10.5"}}
		pc2 := &inventory.Asset{ID: "ast_3", Name: "pc", Kind: inventory.KindWorkstation, IPs: []string{"10.0.10.6"}}
		if err := s.PutAssets(ctx, []*inventory.Asset{ws, pc, pc2}); err != nil {
			t.Fatal(err)
		}
		list, err := s.Assets(ctx)
		if err != nil || len(list) != 3 {
			t.Fatalf("assets %d %v", len(list), err)
		}
		got, err := s.Asset(ctx, "10.0.20.15")
		if err != nil || got.OS.CPE[0] != "cpe:/o:microsoft:windows_7::sp1" || got.Ports[0].Number != 3389 || !got.StoresEPHI {
			t.Fatalf("round trip: %+v %v", got, err)
		}
		if _, err := s.Asset(ctx, "img-ws01.clinic.local"); err != nil {
			t.Errorf("by host name: %v", err)
		}
		if _, err := s.Asset(ctx, "pc"); hipaa.ErrorCodeOf(err) != hipaa.EInvalid || !strings.Contains(err.Error(), "ast_2, ast_3") {
			t.Errorf("ambiguous name: %v", err)
		}
		if _, err := other.Asset(ctx, "ast_1"); !hipaa.IsNotFound(err) {
			t.Errorf("another practice sees the asset: %v", err)
		}
		ws.Kind, ws.KindSource = inventory.KindWorkstation, inventory.KindByUser
		if err := s.PutAssets(ctx, []*inventory.Asset{ws}); err != nil {
			t.Fatal(err)
		}
		// Another practice cannot overwrite it by ID.
		if err := other.PutAssets(ctx, []*inventory.Asset{{ID: "ast_1", Name: "hijack", Kind: inventory.KindIoT}}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Asset(ctx, "ast_1")
		if got.Kind != inventory.KindWorkstation || got.Name != "img-ws01" {
			t.Errorf("update or isolation failed: %+v", got)
		}

		// Imports keep the scan as evidence.
		start := time.Date(2026, 11, 17, 9, 12, 4, 0, time.UTC)
		scan := &inventory.Scan{File: "scan.xml", Args: "nmap -sS", SourceZone: "guest", Scanned: map[string]string{"tcp": "1-1024"},
			Results: []inventory.HostResult{{IP: "10.0.20.15", Open: []string{"tcp/3389"}}}}
		if err := s.AddAssetImport(ctx, &store.AssetImport{Kind: "nmap", File: "scan.xml", SHA256: "ab", SourceZone: "guest", ScannedAt: &start,
			Summary: map[string]any{"read": 1}, Scan: scan}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddAssetImport(ctx, &store.AssetImport{Kind: "csv", File: "list.csv", SHA256: "cd"}); err != nil {
			t.Fatal(err)
		}
		ims, err := s.AssetImports(ctx, "nmap", true)
		if err != nil || len(ims) != 1 || ims[0].Scan == nil || ims[0].Scan.Results[0].Open[0] != "tcp/3389" || !ims[0].ScannedAt.Equal(start) {
			t.Fatalf("imports: %+v %v", ims, err)
		}
		if all, _ := s.AssetImports(ctx, "", false); len(all) != 2 || all[0].Scan != nil {
			t.Errorf("all imports: %d", len(all))
		}

		// Configs: newest first.
		for i, content := range []string{"zones: []\n", "zones: [a]\n"} {
			c := &store.NetworkConfig{Kind: "zones", File: "zones.yaml", Format: "yaml", SHA256: string(rune('a' + i)), Content: content,
				ImportedAt: db.Now().Add(time.Duration(i) * time.Second)}
			if err := s.PutNetworkConfig(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		cfgs, err := s.NetworkConfigs(ctx, "zones", 1)
		if err != nil || len(cfgs) != 1 || cfgs[0].Content != "zones: [a]\n" {
			t.Errorf("configs: %+v %v", cfgs, err)
		}
		if cfgs, _ := other.NetworkConfigs(ctx, "zones", 0); len(cfgs) != 0 {
			t.Errorf("another practice sees the zones")
		}

		// Checks and history.
		if c, err := s.LastNetworkCheck(ctx); c != nil || err != nil {
			t.Errorf("no check yet: %v %v", c, err)
		}
		t0 := db.Now()
		if err := s.AddNetworkChanges(ctx, []store.NetworkChange{{At: t0.Add(-time.Hour), SubjectKind: "asset", SubjectID: "ast_1", Subject: "img-ws01", Kind: "new_asset"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddNetworkCheck(ctx, &store.NetworkCheck{CheckedAt: t0, CheckedBy: "tester", Summary: map[string]any{"failed": []string{"SEG-03"}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddNetworkChanges(ctx, []store.NetworkChange{{At: t0.Add(time.Minute), SubjectKind: "policy", SubjectID: "policy", Subject: "firewall policy", Kind: "rule_removed", Detail: "GUEST accept tcp 3389"}}); err != nil {
			t.Fatal(err)
		}
		last, err := s.LastNetworkCheck(ctx)
		if err != nil || last == nil || !last.CheckedAt.Equal(t0) {
			t.Fatalf("last check %+v %v", last, err)
		}
		since, err := s.NetworkChanges(ctx, store.ChangeFilter{After: last.CheckedAt})
		if err != nil || len(since) != 1 || since[0].Kind != "rule_removed" {
			t.Errorf("changes since the check: %+v %v", since, err)
		}
		if byAsset, _ := s.NetworkChanges(ctx, store.ChangeFilter{SubjectID: "ast_1"}); len(byAsset) != 1 {
			t.Errorf("asset history: %+v", byAsset)
		}
	})
}

func TestFeedsStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rel := time.Date(2025, 8, 25, 17, 4, 19, 0, time.UTC)
		kev := &vulnfeed.Feed{Name: "kev", Version: "2025.08.25", Released: rel, Fetched: db.Now(), Source: "test", Items: 2,
			Payload: []byte(strings.Repeat(`{"cveID":"CVE-2019-0708"}`, 1000))}
		eol := &vulnfeed.Feed{Name: "endoflife", Version: "x", Fetched: db.Now(), Source: "test", Items: 1, Payload: []byte(`{"products":{}}`)}
		if err := db.PutFeeds(ctx, []*vulnfeed.Feed{kev, eol}); err != nil {
			t.Fatal(err)
		}
		kev.Version, kev.Items = "2025.09.01", 3
		if err := db.PutFeeds(ctx, []*vulnfeed.Feed{kev}); err != nil {
			t.Fatal(err)
		}
		list, err := db.Feeds(ctx, true)
		if err != nil || len(list) != 2 {
			t.Fatalf("feeds %d %v", len(list), err)
		}
		got := list[1]
		if got.Name != "kev" || got.Version != "2025.09.01" || got.Items != 3 || !got.Released.Equal(rel) || string(got.Payload) != string(kev.Payload) {
			t.Errorf("kev: %+v", got)
		}
		if list[0].Released.IsZero() != true {
			t.Errorf("a feed without a date got one: %v", list[0].Released)
		}
		meta, _ := db.Feeds(ctx, false)
		if len(meta) != 2 || meta[1].Payload != nil {
			t.Errorf("status without payload")
		}
	})
}
