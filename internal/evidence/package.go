package evidence

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/ProtonMail/gopenpgp/v3/crypto"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Format names the package format in manifest.json.
const Format = "safeguard-evidence-package"

// FormatVersion is the version of the package format.
const FormatVersion = 1

// The fixed files of a package.
const (
	SumsFile      = "SHA256SUMS"
	SignatureFile = "SHA256SUMS.asc"
	ManifestFile  = "manifest.json"
	SignerKeyFile = "signer-key.asc"
	ReadmeFile    = "README.txt"
)

// The roles of the files in a package.
const (
	RoleReport   = "report"
	RoleEvidence = "evidence"
	RoleInfo     = "info"
)

// Entry describes one file of a package.
type Entry struct {
	Path      string `json:"path"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	Role      string `json:"role"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
}

// Manifest says what a package holds and for whom it was made. It is
// written as manifest.json; SHA256SUMS, which the signature covers, lists
// its hash with every other file's.
type Manifest struct {
	Format          string    `json:"format"`
	Version         int       `json:"version"`
	Created         time.Time `json:"created"`
	CreatedBy       string    `json:"created_by"`
	Generator       string    `json:"generator"`
	Practice        string    `json:"practice"`
	PracticeID      string    `json:"practice_id"`
	AssessmentID    string    `json:"assessment_id"`
	AssessmentTitle string    `json:"assessment_title"`
	DocumentVersion string    `json:"document_version"`
	RetainUntil     string    `json:"retain_until"`
	Signer          string    `json:"signer_fingerprint"`
	SignerIdentity  string    `json:"signer"`
	Files           []Entry   `json:"files"`
}

// Package is an evidence package being put together.
type Package struct {
	meta  Manifest
	root  string
	files []file
	paths map[string]bool
}

type file struct {
	entry Entry
	data  []byte
}

// New starts a package. root is the folder the archive unpacks into.
func New(meta Manifest, root string) *Package {
	meta.Format, meta.Version = Format, FormatVersion
	return &Package{meta: meta, root: cleanRoot(root), paths: map[string]bool{}}
}

func cleanRoot(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
	s = strings.Trim(s, "-.")
	if s == "" {
		return "safeguard-evidence"
	}
	return s
}

// Root returns the folder the archive unpacks into.
func (p *Package) Root() string { return p.root }

// validPath reports whether p is a clean relative path inside the package.
func validPath(p string) bool {
	return p != "" && p == path.Clean(p) && !path.IsAbs(p) && !strings.HasPrefix(p, "../") && p != ".." &&
		!strings.ContainsAny(p, "\\\n\r\x00")
}

// Add puts a file at a fixed path, such as reports/risk-analysis.html.
func (p *Package) Add(filePath, name, role, mediaType string, data []byte) error {
	if !validPath(filePath) {
		return hipaa.Errorf(hipaa.EInvalid, "package path %q is not a clean relative path", filePath)
	}
	switch filePath {
	case SumsFile, SignatureFile, ManifestFile, SignerKeyFile, ReadmeFile:
		return hipaa.Errorf(hipaa.EInvalid, "package path %q is reserved", filePath)
	}
	if p.paths[filePath] {
		return hipaa.Errorf(hipaa.EConflict, "package path %q is used twice", filePath)
	}
	p.put(filePath, name, role, mediaType, data)
	return nil
}

func (p *Package) put(filePath, name, role, mediaType string, data []byte) {
	sum := sha256.Sum256(data)
	p.paths[filePath] = true
	p.files = append(p.files, file{entry: Entry{Path: filePath, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)),
		Role: role, Name: name, MediaType: mediaType}, data: data})
}

// AddEvidence stores a file under the SHA-256 hash of its contents,
// evidence/sha256/<hash><ext>, where ext comes from name. The same content
// is stored once, whatever its names; each name is listed in the manifest.
// It returns the path.
func (p *Package) AddEvidence(name, mediaType string, data []byte) string {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	ext := strings.ToLower(path.Ext(name))
	if len(ext) > 10 || strings.ContainsAny(ext, " /\\") {
		ext = ""
	}
	filePath := "evidence/sha256/" + h + ext
	if p.paths[filePath] {
		for i := range p.files {
			if p.files[i].entry.Path == filePath && !strings.Contains(p.files[i].entry.Name, name) {
				p.files[i].entry.Name += "; " + name
			}
		}
		return filePath
	}
	p.put(filePath, name, RoleEvidence, mediaType, data)
	return filePath
}

// Write writes the package as a gzip-compressed tar archive: the files,
// README.txt, signer-key.asc, manifest.json, SHA256SUMS and its detached
// OpenPGP signature made with signer. With recipients, the whole archive is
// encrypted to them (and signed by signer) as one OpenPGP message.
func (p *Package) Write(w io.Writer, signer *crypto.Key, recipients []*crypto.Key) error {
	if signer == nil || !signer.IsPrivate() {
		return hipaa.Errorf(hipaa.EInvalid, "an evidence package needs an unlocked private signing key")
	}
	// Work on a copy: the signing handles wipe their key when done, and the
	// caller's key must stay usable.
	signer, err := signer.Copy()
	if err != nil {
		return hipaa.WrapError(hipaa.EInternal, err, "cannot use the signing key")
	}
	defer signer.ClearPrivateParams()
	pub, err := signer.GetArmoredPublicKey()
	if err != nil {
		return hipaa.WrapError(hipaa.EInternal, err, "cannot export the signer's public key")
	}
	meta := p.meta
	meta.Signer, meta.SignerIdentity = Fingerprint(signer), Identity(signer)
	files := append([]file(nil), p.files...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].entry.Path < files[j].entry.Path })

	add := func(name, role, media string, data []byte) {
		sum := sha256.Sum256(data)
		files = append(files, file{entry: Entry{Path: name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), Role: role,
			Name: name, MediaType: media}, data: data})
	}
	add(SignerKeyFile, RoleInfo, "application/pgp-keys", []byte(pub))
	files[len(files)-1].entry.Name = "Public key of the signer"
	add(ReadmeFile, RoleInfo, "text/plain; charset=utf-8", []byte(readme(meta, p.root)))
	files[len(files)-1].entry.Name = "How to check this package"
	for _, f := range files {
		meta.Files = append(meta.Files, f.entry)
	}
	mj, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return hipaa.WrapError(hipaa.EInternal, err, "cannot write the manifest")
	}
	add(ManifestFile, RoleInfo, "application/json", append(mj, '\n'))
	files[len(files)-1].entry.Name = "What each file is"

	sort.SliceStable(files, func(i, j int) bool { return files[i].entry.Path < files[j].entry.Path })
	var sums bytes.Buffer
	for _, f := range files {
		fmt.Fprintf(&sums, "%s  %s\n", f.entry.SHA256, f.entry.Path)
	}
	signHandle, err := pgp.Sign().SigningKey(signer).Detached().SignTime(meta.Created.Unix()).New()
	if err != nil {
		return hipaa.WrapError(hipaa.EInvalid, err, "cannot sign with this key")
	}
	defer signHandle.ClearPrivateParams()
	sig, err := signHandle.Sign(sums.Bytes(), crypto.Armor)
	if err != nil {
		return hipaa.WrapError(hipaa.EInvalid, err, "cannot sign with this key")
	}

	out := w
	var enc crypto.WriteCloser
	if len(recipients) > 0 {
		ring, err := crypto.NewKeyRing(nil)
		if err != nil {
			return hipaa.WrapError(hipaa.EInternal, err, "cannot prepare encryption")
		}
		for _, r := range recipients {
			if err := ring.AddKey(r); err != nil {
				return hipaa.WrapError(hipaa.EInvalid, err, "cannot encrypt to key %s", Fingerprint(r))
			}
		}
		eh, err := pgp.Encryption().Recipients(ring).SigningKey(signer).New()
		if err != nil {
			return hipaa.WrapError(hipaa.EInvalid, err, "cannot encrypt to the given keys")
		}
		defer eh.ClearPrivateParams()
		if enc, err = eh.EncryptingWriter(w, crypto.Bytes); err != nil {
			return hipaa.WrapError(hipaa.EInternal, err, "cannot start encryption")
		}
		out = enc
	}
	gz, err := gzip.NewWriterLevel(out, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	gz.Name, gz.ModTime = p.root+".tar", meta.Created
	tw := tar.NewWriter(gz)
	mod := meta.Created.UTC().Truncate(time.Second)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p.root + "/", Mode: 0o755, ModTime: mod, Format: tar.FormatPAX}); err != nil {
		return err
	}
	entry := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p.root + "/" + name, Mode: 0o644, Size: int64(len(data)),
			ModTime: mod, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	// The hash list and its signature first, so a reader meets them early.
	if err := entry(SumsFile, sums.Bytes()); err != nil {
		return err
	}
	if err := entry(SignatureFile, sig); err != nil {
		return err
	}
	for _, f := range files {
		if err := entry(f.entry.Path, f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	if enc != nil {
		return enc.Close()
	}
	return nil
}

// readme explains the package to whoever opens it.
func readme(m Manifest, root string) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("Safeguard evidence package")
	line("==========================")
	line("")
	line("Practice:     %s", m.Practice)
	line("Assessment:   %s (%s), version %s", m.AssessmentTitle, m.AssessmentID, m.DocumentVersion)
	line("Made:         %s by %s with %s", m.Created.UTC().Format(time.RFC3339), m.CreatedBy, m.Generator)
	line("Keep until:   %s (45 CFR 164.316(b)(2)(i): six years from creation or from the date last in effect)", m.RetainUntil)
	line("Signed by:    %s", m.SignerIdentity)
	line("Fingerprint:  %s", m.Signer)
	line("")
	line("What is inside")
	line("  reports/         the Risk Analysis Report, Risk Management Plan and Executive Summary")
	line("                   (HTML, PDF, Excel), the same data as JSON with its JSON Schema, and")
	line("                   as OSCAL assessment results")
	line("  evidence/        the records behind the analysis: the answers given, the findings of")
	line("                   automated checks with their evidence, the history of every risk,")
	line("                   change events and any attached files. Each file is named after the")
	line("                   SHA-256 hash of its contents; manifest.json says what each one is.")
	line("  manifest.json    what every file is")
	line("  SHA256SUMS       the SHA-256 hash of every file, manifest.json included")
	line("  SHA256SUMS.asc   the OpenPGP signature of SHA256SUMS")
	line("  signer-key.asc   the public key that made the signature")
	line("")
	line("How to check it")
	line("  Get the practice's public key from the practice itself, not from this package,")
	line("  and compare its fingerprint with the one above.")
	line("")
	line("  With Safeguard:")
	line("    safeguard verify PACKAGE --signer practice-key.pub.asc")
	line("")
	line("  With GnuPG and sha256sum, inside the folder %s:", root)
	line("    gpg --import practice-key.pub.asc")
	line("    gpg --verify SHA256SUMS.asc SHA256SUMS")
	line("    sha256sum -c SHA256SUMS")
	line("")
	line("  A good signature and every file reported OK mean nothing was changed since the")
	line("  package was signed. A file that is not listed in SHA256SUMS was added afterwards.")
	return b.String()
}
