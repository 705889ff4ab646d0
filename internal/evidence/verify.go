package evidence

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ProtonMail/gopenpgp/v3/crypto"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// The kinds of problem Verify reports.
const (
	ProblemChanged   = "changed"
	ProblemAdded     = "added"
	ProblemRemoved   = "removed"
	ProblemSignature = "signature"
	ProblemDamaged   = "damaged"
)

// Problem is one thing wrong with a package.
type Problem struct {
	Kind   string `json:"kind"`
	Path   string `json:"path"`
	Detail string `json:"detail"`
}

// String returns the problem as "kind path: detail".
func (p Problem) String() string {
	s := p.Kind + " " + p.Path
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// Signature is what Verify learned about the package's signature.
type Signature struct {
	Valid       bool      `json:"valid"`
	Fingerprint string    `json:"fingerprint"`
	Signer      string    `json:"signer"`
	Made        time.Time `json:"made"`
	// FromPackage is true when the key came from the package itself rather
	// than from the caller: the signature then proves integrity, not origin.
	FromPackage bool `json:"key_from_package"`
}

// Result is the outcome of Verify.
type Result struct {
	Encrypted bool      `json:"encrypted"`
	Root      string    `json:"root"`
	Manifest  *Manifest `json:"manifest"`
	Signature Signature `json:"signature"`
	// Files is how many files SHA256SUMS lists.
	Files int `json:"files_listed"`
	// Intact is how many of them are present and unchanged.
	Intact   int       `json:"files_intact"`
	Problems []Problem `json:"problems"`
}

// OK reports whether the package is intact and its signature good.
func (r *Result) OK() bool { return len(r.Problems) == 0 && r.Signature.Valid }

// Summary says in one line what is wrong, naming the files.
func (r *Result) Summary() string {
	if r.OK() {
		return fmt.Sprintf("all %d files intact, signature good", r.Intact)
	}
	by := map[string][]string{}
	var kinds []string
	for _, p := range r.Problems {
		if _, ok := by[p.Kind]; !ok {
			kinds = append(kinds, p.Kind)
		}
		by[p.Kind] = append(by[p.Kind], p.Path)
	}
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s: %s", k, strings.Join(by[k], ", ")))
	}
	return strings.Join(parts, "; ")
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Signer is the key the package must be signed with. Without it the key
	// inside the package is used, and the result says so.
	Signer *crypto.Key
	// Decrypt is an unlocked private key of one of the recipients, needed for an encrypted package.
	Decrypt *crypto.Key
	// MaxFileSize caps the size of a single file (default 4 GiB).
	MaxFileSize int64
}

// ErrEncrypted is returned (wrapped) when an encrypted package is given without a key.
var ErrEncrypted = errors.New("package is encrypted")

var sumLine = regexp.MustCompile(`^([0-9a-f]{64})  (.+)$`)

// smallFiles are kept in memory while reading, to check the signature and read the manifest.
var smallFiles = map[string]bool{SumsFile: true, SignatureFile: true, ManifestFile: true, SignerKeyFile: true}

// Verify reads a package and checks every file against SHA256SUMS and
// SHA256SUMS against its signature. It names each file that was changed,
// added or removed. The error is only for input that cannot be read as a
// package at all; a damaged or altered package gives a Result with Problems.
func Verify(r io.Reader, opt VerifyOptions) (*Result, error) {
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = 4 << 30
	}
	res := &Result{Problems: []Problem{}}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(32)
	var in io.Reader = br
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
	case bytes.HasPrefix(head, []byte("-----BEGIN PGP MESSAGE")) || (len(head) > 0 && head[0]&0x80 != 0):
		res.Encrypted = true
		if opt.Decrypt == nil {
			return res, hipaa.WrapError(hipaa.EInvalid, ErrEncrypted, "the package is encrypted: give the private key of one of its recipients with --key FILE")
		}
		dh, err := pgp.Decryption().DecryptionKey(opt.Decrypt).New()
		if err != nil {
			return res, hipaa.WrapError(hipaa.EInvalid, err, "cannot use the key to decrypt")
		}
		defer dh.ClearPrivateParams()
		dr, err := dh.DecryptingReader(br, crypto.Auto)
		if err != nil {
			return res, hipaa.WrapError(hipaa.EInvalid, err, "cannot decrypt the package with key %s: it is not one of the package's recipients, or the package is damaged", Fingerprint(opt.Decrypt))
		}
		in = dr
	default:
		return res, hipaa.Errorf(hipaa.EInvalid, "this is not a Safeguard evidence package (neither a .tar.gz archive nor an OpenPGP message)")
	}

	gz, err := gzip.NewReader(in)
	if err != nil {
		return res, hipaa.WrapError(hipaa.EInvalid, err, "this is not a Safeguard evidence package: %s", firstLine(err))
	}
	tr := tar.NewReader(gz)
	hashes := map[string]string{}
	small := map[string][]byte{}
	var order []string
	entries := 0
	var readErr error
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		entries++
		name := strings.TrimPrefix(h.Name, "./")
		root, rel, _ := strings.Cut(name, "/")
		if res.Root == "" {
			res.Root = root
		}
		if h.Typeflag == tar.TypeDir {
			// Folders carry no content; archivers add them when repacking.
			if root != res.Root {
				res.Problems = append(res.Problems, Problem{Kind: ProblemAdded, Path: name, Detail: "outside the package folder " + res.Root})
			}
			continue
		}
		if root != res.Root || rel == "" {
			res.Problems = append(res.Problems, Problem{Kind: ProblemAdded, Path: name, Detail: "outside the package folder " + res.Root})
			continue
		}
		if h.Typeflag != tar.TypeReg {
			res.Problems = append(res.Problems, Problem{Kind: ProblemAdded, Path: rel, Detail: "not a regular file"})
			continue
		}
		if _, dup := hashes[rel]; dup {
			res.Problems = append(res.Problems, Problem{Kind: ProblemAdded, Path: rel, Detail: "a second copy of the same file name"})
			continue
		}
		sum := sha256.New()
		var dst io.Writer = sum
		var buf *bytes.Buffer
		if smallFiles[rel] && h.Size <= 64<<20 {
			buf = &bytes.Buffer{}
			dst = io.MultiWriter(sum, buf)
		}
		if _, err := io.Copy(dst, io.LimitReader(tr, opt.MaxFileSize)); err != nil {
			readErr = err
			hashes[rel] = hex.EncodeToString(sum.Sum(nil))
			order = append(order, rel)
			break
		}
		hashes[rel] = hex.EncodeToString(sum.Sum(nil))
		order = append(order, rel)
		if buf != nil {
			small[rel] = buf.Bytes()
		}
	}
	if readErr == nil {
		// Read to the end so that gzip checks its checksum.
		if _, err := io.Copy(io.Discard, gz); err != nil {
			readErr = err
		}
	}
	if entries == 0 {
		return res, hipaa.Errorf(hipaa.EInvalid, "this is not a Safeguard evidence package: the archive holds no files")
	}
	if readErr != nil {
		res.Problems = append(res.Problems, Problem{Kind: ProblemDamaged, Path: res.Root, Detail: "the archive is damaged: " + firstLine(readErr)})
	}

	// The signature over SHA256SUMS.
	sums, haveSums := small[SumsFile]
	sig, haveSig := small[SignatureFile]
	if !haveSums {
		res.Problems = append(res.Problems, Problem{Kind: ProblemRemoved, Path: SumsFile, Detail: "the list of hashes is missing"})
	}
	if !haveSig {
		res.Problems = append(res.Problems, Problem{Kind: ProblemRemoved, Path: SignatureFile, Detail: "the signature is missing"})
	}
	key := opt.Signer
	if key == nil {
		if kb, ok := small[SignerKeyFile]; ok {
			if k, err := crypto.NewKeyFromArmored(string(kb)); err == nil {
				key, res.Signature.FromPackage = k, true
			}
		}
	}
	if key != nil {
		res.Signature.Fingerprint, res.Signature.Signer = Fingerprint(key), Identity(key)
	}
	if haveSums && haveSig {
		switch {
		case key == nil:
			res.Problems = append(res.Problems, Problem{Kind: ProblemSignature, Path: SignatureFile, Detail: "no key to check it with: give the practice's public key with --signer FILE"})
		default:
			vh, err := pgp.Verify().VerificationKey(key).New()
			if err != nil {
				return res, hipaa.WrapError(hipaa.EInvalid, err, "cannot check signatures with key %s", Fingerprint(key))
			}
			vr, err := vh.VerifyDetached(sums, sig, crypto.Auto)
			switch {
			case err != nil:
				res.Problems = append(res.Problems, Problem{Kind: ProblemSignature, Path: SignatureFile, Detail: "not a readable OpenPGP signature"})
			case vr.SignatureError() != nil:
				detail := "does not match " + SumsFile + ": one of the two was changed"
				if opt.Signer != nil {
					detail = "is not a good signature by " + Fingerprint(key) + " over " + SumsFile + ": it was made with another key, or one of the two was changed"
				}
				res.Problems = append(res.Problems, Problem{Kind: ProblemSignature, Path: SignatureFile, Detail: detail})
			default:
				res.Signature.Valid = true
				res.Signature.Made = time.Unix(vr.SignatureCreationTime(), 0).UTC()
			}
		}
	}

	// Every file against SHA256SUMS.
	listed := map[string]bool{}
	if haveSums {
		for i, line := range strings.Split(strings.TrimRight(string(sums), "\n"), "\n") {
			m := sumLine.FindStringSubmatch(line)
			if m == nil {
				res.Problems = append(res.Problems, Problem{Kind: ProblemDamaged, Path: SumsFile, Detail: fmt.Sprintf("line %d is not \"<sha256>  <file>\"", i+1)})
				continue
			}
			want, p := m[1], m[2]
			listed[p] = true
			res.Files++
			got, ok := hashes[p]
			switch {
			case !ok:
				res.Problems = append(res.Problems, Problem{Kind: ProblemRemoved, Path: p})
			case got != want:
				res.Problems = append(res.Problems, Problem{Kind: ProblemChanged, Path: p, Detail: "its SHA-256 is " + got[:16] + "…, the signed list says " + want[:16] + "…"})
			default:
				res.Intact++
			}
		}
		for _, p := range order {
			if !listed[p] && p != SumsFile && p != SignatureFile {
				res.Problems = append(res.Problems, Problem{Kind: ProblemAdded, Path: p, Detail: "not in the signed list"})
			}
		}
	}
	if mb, ok := small[ManifestFile]; ok {
		var m Manifest
		if json.Unmarshal(mb, &m) == nil && m.Format == Format {
			res.Manifest = &m
		}
	}
	sort.SliceStable(res.Problems, func(i, j int) bool { return problemRank(res.Problems[i].Kind) < problemRank(res.Problems[j].Kind) })
	return res, nil
}

func problemRank(k string) int {
	switch k {
	case ProblemChanged:
		return 0
	case ProblemAdded:
		return 1
	case ProblemRemoved:
		return 2
	case ProblemSignature:
		return 3
	}
	return 4
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
