package evidence

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/gopenpgp/v3/crypto"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

var created = time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)

var (
	keyOnce sync.Once
	testKP  *KeyPair
)

// testKey returns a passphrase-protected key pair made once for the tests.
func testKey(t *testing.T) *KeyPair {
	t.Helper()
	keyOnce.Do(func() {
		kp, err := GenerateKey("Lakeside Pediatrics", "security@lakeside.example", []byte("correct horse battery"), created)
		if err != nil {
			panic(err)
		}
		testKP = kp
	})
	return testKP
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func signer(t *testing.T) *crypto.Key {
	t.Helper()
	p := writeFile(t, t.TempDir(), "signing.key", testKey(t).Private)
	k, err := ReadSigningKey(p, []byte("correct horse battery"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func publicKey(t *testing.T) *crypto.Key {
	t.Helper()
	k, err := crypto.NewKeyFromArmored(testKey(t).Public)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// samplePackage builds a small package and returns its bytes.
func samplePackage(t *testing.T, recipients ...*crypto.Key) []byte {
	t.Helper()
	p := New(Manifest{Created: created, CreatedBy: "Pat Lee", Generator: "safeguard test", Practice: "Lakeside Pediatrics",
		PracticeID: "prc_1", AssessmentID: "asm_1", AssessmentTitle: "Security risk analysis 2026", DocumentVersion: "3.0",
		RetainUntil: "2032-03-14"}, "lakeside-pediatrics-evidence-2026-03-14")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(p.Add("reports/risk-analysis-report.html", "Risk Analysis Report", RoleReport, "text/html", []byte("<!DOCTYPE html><p>report</p>\n")))
	must(p.Add("reports/report.json", "Report data", RoleReport, "application/json", []byte(`{"schema_version":"1.0"}`+"\n")))
	a := p.AddEvidence("answers.json", "application/json", []byte(`[{"question_id":"SM-01","value":"yes"}]`))
	b := p.AddEvidence("answers-copy.json", "application/json", []byte(`[{"question_id":"SM-01","value":"yes"}]`))
	if a != b || !strings.HasPrefix(a, "evidence/sha256/") || !strings.HasSuffix(a, ".json") {
		t.Fatalf("content addressing: %q, %q", a, b)
	}
	p.AddEvidence("baa-shredding.pdf", "application/pdf", []byte("%PDF-1.4 signed BAA"))
	if err := p.Add("reports/report.json", "again", RoleReport, "application/json", nil); hipaa.ErrorCodeOf(err) != hipaa.EConflict {
		t.Fatalf("duplicate path: %v", err)
	}
	if err := p.Add("../escape", "x", RoleReport, "text/plain", nil); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
		t.Fatalf("bad path: %v", err)
	}
	var buf bytes.Buffer
	must(p.Write(&buf, signer(t), recipients))
	return buf.Bytes()
}

type tarEntry struct {
	hdr  *tar.Header
	data []byte
}

func readTar(t *testing.T, pkg []byte) []tarEntry {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(pkg))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []tarEntry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out = append(out, tarEntry{h, data})
	}
}

func writeTar(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := *e.hdr
		h.Size = int64(len(e.data))
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestPackageVerifies(t *testing.T) {
	pkg := samplePackage(t)
	res, err := Verify(bytes.NewReader(pkg), VerifyOptions{Signer: publicKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("fresh package does not verify: %s", res.Summary())
	}
	if res.Signature.FromPackage || res.Signature.Fingerprint != testKey(t).Fingerprint {
		t.Errorf("signature: %+v", res.Signature)
	}
	// 2 reports + 2 evidence files + README, signer key, manifest.
	if res.Files != 7 || res.Intact != 7 {
		t.Errorf("files listed %d, intact %d, want 7 and 7", res.Files, res.Intact)
	}
	if res.Manifest == nil || res.Manifest.Practice != "Lakeside Pediatrics" || res.Manifest.Signer != testKey(t).Fingerprint {
		t.Errorf("manifest: %+v", res.Manifest)
	}
	var names []string
	for _, f := range res.Manifest.Files {
		names = append(names, f.Name)
	}
	if !strings.Contains(strings.Join(names, "|"), "answers.json; answers-copy.json") {
		t.Errorf("an evidence file stored once should carry both names: %v", names)
	}
	// Without a pinned key the package's own key is used, and the result says so.
	res, err = Verify(bytes.NewReader(pkg), VerifyOptions{})
	if err != nil || !res.OK() || !res.Signature.FromPackage {
		t.Fatalf("verify with the package's key: ok=%v from=%v err=%v", res.OK(), res.Signature.FromPackage, err)
	}
}

func TestVerifyNamesWhatChanged(t *testing.T) {
	pkg := samplePackage(t)
	root := "lakeside-pediatrics-evidence-2026-03-14/"
	other, err := GenerateKey("Someone Else", "", nil, created)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := crypto.NewKeyFromArmored(other.Public)
	tests := []struct {
		name   string
		edit   func([]tarEntry) []tarEntry
		signer *crypto.Key
		want   []string // "kind path"
	}{
		{"one byte of a report", func(es []tarEntry) []tarEntry {
			for _, e := range es {
				if e.hdr.Name == root+"reports/risk-analysis-report.html" {
					e.data[5] ^= 0x01
				}
			}
			return es
		}, nil, []string{"changed reports/risk-analysis-report.html"}},
		{"a file added", func(es []tarEntry) []tarEntry {
			h := *es[len(es)-1].hdr
			h.Name = root + "reports/extra.txt"
			return append(es, tarEntry{&h, []byte("not signed")})
		}, nil, []string{"added reports/extra.txt"}},
		{"a file removed", func(es []tarEntry) []tarEntry {
			var out []tarEntry
			for _, e := range es {
				if e.hdr.Name != root+"reports/report.json" {
					out = append(out, e)
				}
			}
			return out
		}, nil, []string{"removed reports/report.json"}},
		{"the hash list edited to match a changed file", func(es []tarEntry) []tarEntry {
			var old, changed string
			for _, e := range es {
				if e.hdr.Name == root+"reports/report.json" {
					old = fmt.Sprintf("%x", sha256.Sum256(e.data))
					e.data[2] ^= 0x01
					changed = fmt.Sprintf("%x", sha256.Sum256(e.data))
				}
			}
			for i, e := range es {
				if e.hdr.Name == root+SumsFile {
					es[i].data = bytes.Replace(e.data, []byte(old), []byte(changed), 1)
				}
			}
			return es
		}, nil, []string{"signature " + SignatureFile}},
		{"the signature removed", func(es []tarEntry) []tarEntry {
			var out []tarEntry
			for _, e := range es {
				if e.hdr.Name != root+SignatureFile {
					out = append(out, e)
				}
			}
			return out
		}, nil, []string{"removed " + SignatureFile}},
		{"signed by another key than the practice's", func(es []tarEntry) []tarEntry { return es }, otherKey,
			[]string{"signature " + SignatureFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := tt.edit(readTar(t, pkg))
			res, err := Verify(bytes.NewReader(writeTar(t, es)), VerifyOptions{Signer: tt.signer})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK() {
				t.Fatal("tampered package verified")
			}
			var got []string
			for _, p := range res.Problems {
				got = append(got, p.Kind+" "+p.Path)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVerifyDamagedArchive(t *testing.T) {
	pkg := samplePackage(t)
	bad := append([]byte(nil), pkg...)
	bad[len(bad)/2] ^= 0xff
	res, err := Verify(bytes.NewReader(bad), VerifyOptions{})
	if err == nil && res.OK() {
		t.Fatal("a package with a flipped byte verified")
	}
	_, err = Verify(strings.NewReader("hello, not a package"), VerifyOptions{})
	if hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
		t.Fatalf("plain text: %v", err)
	}
}

func TestEncryptedPackage(t *testing.T) {
	rcpt, err := GenerateKey("Auditor", "auditor@example.org", nil, created)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rk, err := ReadRecipient(writeFile(t, dir, "auditor.pub.asc", rcpt.Public))
	if err != nil {
		t.Fatal(err)
	}
	pkg := samplePackage(t, rk)
	if bytes.HasPrefix(pkg, []byte{0x1f, 0x8b}) {
		t.Fatal("encrypted package is a plain gzip file")
	}
	_, err = Verify(bytes.NewReader(pkg), VerifyOptions{})
	if !errors.Is(err, ErrEncrypted) {
		t.Fatalf("no key: %v", err)
	}
	dk, err := ReadDecryptionKey(writeFile(t, dir, "auditor.key", rcpt.Private), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(bytes.NewReader(pkg), VerifyOptions{Decrypt: dk, Signer: publicKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || !res.Encrypted {
		t.Fatalf("encrypted package: ok=%v encrypted=%v: %s", res.OK(), res.Encrypted, res.Summary())
	}
	// The signer cannot open it: they are not a recipient.
	_, err = Verify(bytes.NewReader(pkg), VerifyOptions{Decrypt: signer(t)})
	if hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestReadKeysErrors(t *testing.T) {
	dir := t.TempDir()
	priv := writeFile(t, dir, "practice.key", testKey(t).Private)
	pub := writeFile(t, dir, "practice.pub.asc", testKey(t).Public)
	junk := writeFile(t, dir, "junk.key", "not a key at all")
	tests := []struct {
		name, path, pass, want string
	}{
		{"missing file", filepath.Join(dir, "nope.key"), "x", "not found; make one with `safeguard keys generate`"},
		{"public key given", pub, "x", "holds only a public key"},
		{"no passphrase", priv, "", "is protected by a passphrase"},
		{"wrong passphrase", priv, "wrong", "wrong passphrase"},
		{"not a key", junk, "x", "is not an OpenPGP key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSigningKey(tt.path, []byte(tt.pass))
			if hipaa.ErrorCodeOf(err) != hipaa.EInvalid || !strings.Contains(hipaa.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(hipaa.ErrorMessage(err), "\n") {
				t.Errorf("message has more than one line: %q", hipaa.ErrorMessage(err))
			}
		})
	}
	if _, err := GenerateKey(" ", "", nil, created); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
		t.Errorf("empty name: %v", err)
	}
	if _, err := GenerateKey("X", "not an address", nil, created); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
		t.Errorf("bad e-mail: %v", err)
	}
}

// TestGnuPGAcceptsPackage checks the package with the real gpg and sha256sum
// binaries, as an auditor without Safeguard would.
func TestGnuPGAcceptsPackage(t *testing.T) {
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		t.Skip("gpg is not installed (apt-get install gnupg); the GnuPG check needs the real binary")
	}
	home := t.TempDir()
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	run := func(stdin []byte, args ...string) (string, error) {
		cmd := exec.Command(gpg, append([]string{"--homedir", home, "--batch", "--no-tty", "--status-fd", "1"}, args...)...)
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home, "LC_ALL=C")
		if stdin != nil {
			cmd.Stdin = bytes.NewReader(stdin)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run() })

	dir := t.TempDir()
	pub := writeFile(t, dir, "practice.pub.asc", testKey(t).Public)
	if out, err := run(nil, "--import", pub); err != nil {
		t.Fatalf("gpg --import: %v\n%s", err, out)
	}
	pkg := samplePackage(t)
	ex := t.TempDir()
	for _, e := range readTar(t, pkg) {
		if e.hdr.Typeflag != tar.TypeReg {
			continue
		}
		p := filepath.Join(ex, filepath.FromSlash(e.hdr.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, e.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Join(ex, "lakeside-pediatrics-evidence-2026-03-14")
	out, err := run(nil, "--verify", filepath.Join(root, SignatureFile), filepath.Join(root, SumsFile))
	if err != nil || !strings.Contains(out, "[GNUPG:] GOODSIG") || !strings.Contains(out, "[GNUPG:] VALIDSIG "+strings.ReplaceAll(testKey(t).Fingerprint, " ", "")) {
		t.Fatalf("gpg --verify did not accept the signature: %v\n%s", err, out)
	}
	if sha, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(sha, "--strict", "-c", SumsFile)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sha256sum -c: %v\n%s", err, out)
		}
	}
	// Change one byte: gpg still accepts the list, sha256sum names the file.
	f := filepath.Join(root, "reports", "report.json")
	data, _ := os.ReadFile(f)
	data[0] ^= 0x01
	os.WriteFile(f, data, 0o644)
	if sha, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(sha, "-c", SumsFile)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "reports/report.json: FAILED") {
			t.Fatalf("sha256sum did not name the changed file: %v\n%s", err, out)
		}
	}

	// GnuPG can also open an encrypted package with the recipient's key.
	rcpt, err := GenerateKey("Auditor", "auditor@example.org", []byte("auditor pass"), created)
	if err != nil {
		t.Fatal(err)
	}
	rk, _ := crypto.NewKeyFromArmored(rcpt.Public)
	enc := samplePackage(t, rk)
	if out, err := run(nil, "--pinentry-mode", "loopback", "--passphrase", "auditor pass", "--import", writeFile(t, dir, "auditor.key", rcpt.Private)); err != nil {
		t.Fatalf("gpg --import secret key: %v\n%s", err, out)
	}
	encPath := filepath.Join(dir, "package.tar.gz.pgp")
	os.WriteFile(encPath, enc, 0o600)
	plainPath := filepath.Join(dir, "package.tar.gz")
	out, err = run(nil, "--pinentry-mode", "loopback", "--passphrase", "auditor pass", "--output", plainPath, "--decrypt", encPath)
	if err != nil || !strings.Contains(out, "[GNUPG:] DECRYPTION_OKAY") || !strings.Contains(out, "[GNUPG:] GOODSIG") {
		t.Fatalf("gpg --decrypt: %v\n%s", err, out)
	}
	plain, _ := os.ReadFile(plainPath)
	res, err := Verify(bytes.NewReader(plain), VerifyOptions{Signer: publicKey(t)})
	if err != nil || !res.OK() {
		t.Fatalf("package decrypted by gpg does not verify: %v %s", err, res.Summary())
	}
}
