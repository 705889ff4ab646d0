package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// demoDB makes a database holding the demo practice.
func demoDB(t *testing.T) string {
	t.Helper()
	db := tempDB(t)
	mustRun(t, db, "demo")
	return db
}

// onlyFiles lists the names in dir, to check that nothing partial was left behind.
func onlyFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestReportEveryFormat(t *testing.T) {
	db := demoDB(t)
	dir := t.TempDir()
	tests := []struct {
		args   []string
		file   string
		prefix string
	}{
		{[]string{"--kind", "analysis"}, "analysis.html", "<!DOCTYPE html>"},
		{[]string{"--kind", "plan", "--format", "pdf"}, "plan.out", "%PDF-"},
		{nil, "all.xlsx", "PK\x03\x04"},
		{[]string{"--kind", "summary"}, "summary.json", "{"},
		{nil, "results.oscal.json", "{\n  \"assessment-results\""},
	}
	for _, tt := range tests {
		out := filepath.Join(dir, tt.file)
		stdout := mustRun(t, db, append([]string{"report", "--out", out}, tt.args...)...)
		if !strings.Contains(stdout, "Wrote ") || !strings.Contains(stdout, out) {
			t.Errorf("%s: stdout %q", tt.file, stdout)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte(tt.prefix)) {
			t.Errorf("%s starts with %q, want %q", tt.file, data[:min(len(data), 20)], tt.prefix)
		}
	}
	// "-" writes to standard output.
	r := run(t, db, "", "report", "--kind", "summary", "--format", "html", "--out", "-")
	if r.code != 0 || !strings.Contains(r.stdout, "Executive summary") {
		t.Errorf("report to stdout: exit %d, %d bytes", r.code, len(r.stdout))
	}
	if got := onlyFiles(t, dir); len(got) != len(tests) {
		t.Errorf("files left: %v", got)
	}
}

func TestReportBadInput(t *testing.T) {
	db := demoDB(t)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "plain-file")
	os.WriteFile(notDir, []byte("x"), 0o600)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown assessment", []string{"report", "--assessment", "asm_nope", "--out", filepath.Join(dir, "r.pdf")}, "assessment asm_nope not found"},
		{"unknown format", []string{"report", "--format", "docx", "--out", filepath.Join(dir, "r.docx")}, `report format "docx" is not known`},
		{"no format from the name", []string{"report", "--out", filepath.Join(dir, "r.txt")}, "cannot tell the report format"},
		{"unknown kind", []string{"report", "--kind", "memo", "--out", filepath.Join(dir, "r.pdf")}, `report kind "memo" is not known`},
		{"missing folder", []string{"report", "--out", filepath.Join(dir, "no", "such", "r.pdf")}, "does not exist"},
		{"folder is a file", []string{"report", "--out", filepath.Join(notDir, "r.pdf")}, "cannot write"},
		{"output is a folder", []string{"report", "--format", "pdf", "--out", dir}, "is a directory"},
		{"no --out", []string{"report", "--format", "pdf"}, "out"},
		{"format and name disagree", []string{"--format", "json", "report", "--out", filepath.Join(dir, "r.pdf")}, "does not match the file name r.pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, db, "", tt.args...)
			if r.code != ExitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, ExitUsage, r.stderr)
			}
			if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q, want one line with %q", r.stderr, tt.want)
			}
		})
	}
	if got := onlyFiles(t, dir); len(got) != 1 {
		t.Errorf("bad input left files behind: %v", got)
	}
}

func TestKeysExportVerify(t *testing.T) {
	db := demoDB(t)
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass")
	os.WriteFile(pass, []byte("riverside evidence key\n"), 0o600)
	key := filepath.Join(dir, "practice.key")
	out := mustRun(t, db, "keys", "generate", "--email", "security@riverside.example", "--out", key, "--passphrase-file", pass)
	if !strings.Contains(out, "Riverside Family Medicine <security@riverside.example>") || !strings.Contains(out, "fingerprint") {
		t.Errorf("keys generate: %s", out)
	}
	pub := filepath.Join(dir, "practice.pub.asc")
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("private key file mode: %v %v", st.Mode(), err)
	}
	if r := run(t, db, "", "keys", "generate", "--out", key, "--passphrase-file", pass); r.code != ExitUsage || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("overwriting a key: exit %d %q", r.code, r.stderr)
	}
	if r := run(t, db, "", "keys", "generate", "--name", "X", "--out", filepath.Join(dir, "nopass.key")); r.code != ExitUsage || !strings.Contains(r.stderr, "needs a passphrase") {
		t.Errorf("key without passphrase: exit %d %q", r.code, r.stderr)
	}
	auditorKey := filepath.Join(dir, "auditor.key")
	mustRun(t, db, "keys", "generate", "--name", "Auditor", "--out", auditorKey, "--no-passphrase")
	if out := mustRun(t, db, "keys", "show", key); !strings.Contains(out, "private key") {
		t.Errorf("keys show: %s", out)
	}

	evidenceFile := filepath.Join(dir, "baa-shredding.pdf")
	os.WriteFile(evidenceFile, []byte("%PDF-1.4 signed business associate agreement"), 0o600)
	pkg := filepath.Join(dir, "evidence.tar.gz")
	out = mustRun(t, db, "export", "--sign", key, "--passphrase-file", pass, "--attach", evidenceFile, "--out", pkg)
	if !strings.Contains(out, "signed by Riverside Family Medicine") {
		t.Errorf("export: %s", out)
	}
	out = mustRun(t, db, "verify", pkg, "--signer", pub)
	if !strings.Contains(out, "Result:     OK") {
		t.Errorf("verify: %s", out)
	}
	for _, want := range []string{"reports/risk-analysis-report.html", "reports/security-risk-analysis.pdf", "reports/security-risk-analysis.xlsx",
		"reports/report.json", "reports/report.schema.json", "reports/assessment-results.oscal.json", "SHA256SUMS.asc", "manifest.json"} {
		if !tarHas(t, pkg, want) {
			t.Errorf("package lacks %s", want)
		}
	}

	// One byte changed: verify fails with exit 1 and names the file.
	bad := filepath.Join(dir, "tampered.tar.gz")
	os.WriteFile(bad, retar(t, pkg, "reports/executive-summary.html"), 0o600)
	r := run(t, db, "", "verify", bad, "--signer", pub)
	if r.code != ExitFound || !strings.Contains(r.stdout, "CHANGED  reports/executive-summary.html") ||
		!strings.Contains(r.stderr, "FAILED verification: changed: reports/executive-summary.html") {
		t.Errorf("tampered package: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// Encrypted to the auditor: only their key opens it.
	enc := filepath.Join(dir, "evidence.tar.gz.pgp")
	mustRun(t, db, "export", "--sign", key, "--passphrase-file", pass, "--encrypt-to", filepath.Join(dir, "auditor.pub.asc"), "--out", enc)
	if r := run(t, db, "", "verify", enc); r.code != ExitUsage || !strings.Contains(r.stderr, "encrypted") {
		t.Errorf("encrypted without key: exit %d %q", r.code, r.stderr)
	}
	if out := mustRun(t, db, "verify", enc, "--key", auditorKey, "--signer", pub, "--format", "json"); !strings.Contains(out, `"ok": true`) {
		t.Errorf("encrypted verify: %s", out)
	}

	// Bad keys: one line, exit 2, nothing written.
	wrong := filepath.Join(dir, "wrong")
	os.WriteFile(wrong, []byte("not the passphrase\n"), 0o600)
	before := onlyFiles(t, dir)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--sign", filepath.Join(dir, "missing.key"), "--passphrase-file", pass, "--out", filepath.Join(dir, "x.tar.gz")}, "not found"},
		{[]string{"export", "--sign", key, "--passphrase-file", wrong, "--out", filepath.Join(dir, "x.tar.gz")}, "wrong passphrase"},
		{[]string{"export", "--sign", key, "--out", filepath.Join(dir, "x.tar.gz")}, "protected by a passphrase"},
		{[]string{"export", "--sign", pub, "--out", filepath.Join(dir, "x.tar.gz")}, "holds only a public key"},
		{[]string{"export", "--sign", key, "--passphrase-file", pass, "--encrypt-to", evidenceFile, "--out", filepath.Join(dir, "x.tar.gz")}, "is not an OpenPGP key"},
		{[]string{"export", "--sign", key, "--passphrase-file", pass, "--assessment", "asm_nope", "--out", filepath.Join(dir, "x.tar.gz")}, "not found"},
		{[]string{"verify", filepath.Join(dir, "pass")}, "not a Safeguard evidence package"},
	} {
		r := run(t, db, "", tt.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	if after := onlyFiles(t, dir); len(after) != len(before) {
		t.Errorf("failed exports left files: %v -> %v", before, after)
	}
}

func tarHas(t *testing.T, pkg, name string) bool {
	t.Helper()
	f, _ := os.Open(pkg)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return false
		}
		if strings.HasSuffix(h.Name, "/"+name) {
			return true
		}
	}
}

// retar copies a package, flipping one byte of the file whose path ends in name.
func retar(t *testing.T, pkg, name string) []byte {
	t.Helper()
	f, _ := os.Open(pkg)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if strings.HasSuffix(h.Name, "/"+name) {
			data[len(data)/2] ^= 0x20
		}
		tw.WriteHeader(h)
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}
