package report

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/ProtonMail/gopenpgp/v3/crypto"

	"github.com/safeguard-hipaa/safeguard/internal/evidence"
)

// BenchmarkRender renders every format of the complete document for a
// practice with 500 assets and 300 risks. The target is under 2 seconds for
// all five formats together (see bench/report/README.md).
func BenchmarkRender(b *testing.B) {
	m := syntheticModel(500, 300)
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				if err := Render(io.Discard, m, f, KindAll); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderAllFormats renders the five formats one after another, as
// an export does.
func BenchmarkRenderAllFormats(b *testing.B) {
	m := syntheticModel(500, 300)
	for b.Loop() {
		for _, f := range Formats {
			if err := Render(io.Discard, m, f, KindAll); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkBuildDemo assembles the model of the demo practice from a SQLite
// database: the part of a report run that reads the store.
func BenchmarkBuildDemo(b *testing.B) {
	svc, _ := demoService(b)
	for b.Loop() {
		if _, err := Build(b.Context(), svc, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvidencePackage renders the seven documents an export holds for
// 500 assets and 300 risks, packs them with a signed hash list, and writes
// the archive, as `safeguard export` does (without the database reads).
func BenchmarkEvidencePackage(b *testing.B) {
	m := syntheticModel(500, 300)
	kp, err := evidence.GenerateKey("Bench Practice", "", nil, m.GeneratedAt)
	if err != nil {
		b.Fatal(err)
	}
	key, err := crypto.NewKeyFromArmored(kp.Private)
	if err != nil {
		b.Fatal(err)
	}
	docs := []struct {
		f Format
		k Kind
	}{{FormatHTML, KindAnalysis}, {FormatHTML, KindPlan}, {FormatHTML, KindSummary}, {FormatPDF, KindAll},
		{FormatXLSX, KindAll}, {FormatJSON, KindAll}, {FormatOSCAL, KindAll}}
	for b.Loop() {
		p := evidence.New(evidence.Manifest{Created: m.GeneratedAt, Practice: m.Practice.Name}, "bench")
		for i, d := range docs {
			var buf bytes.Buffer
			if err := Render(&buf, m, d.f, d.k); err != nil {
				b.Fatal(err)
			}
			if err := p.Add(fmt.Sprintf("reports/%d%s", i, d.f.Extension()), string(d.k), evidence.RoleReport, d.f.MediaType(), buf.Bytes()); err != nil {
				b.Fatal(err)
			}
		}
		if err := p.Write(io.Discard, key, nil); err != nil {
			b.Fatal(err)
		}
	}
}
