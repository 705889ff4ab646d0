package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/safeguard-hipaa/safeguard/internal/evidence"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/report"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// passphraseEnv names the environment variable that may hold a key's passphrase.
const passphraseEnv = "SAFEGUARD_KEY_PASSPHRASE"

// maxAttachment caps the size of one attached evidence file.
const maxAttachment = 256 << 20

// passphrase reads a key passphrase: from the file named by --passphrase-file
// (its first line), else from SAFEGUARD_KEY_PASSPHRASE, else by asking on
// the terminal. It is never taken from a flag value, which would end up in
// the shell history. With confirm, the terminal asks twice.
func (e *env) passphrase(file, prompt string, confirm bool) ([]byte, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, hipaa.Errorf(hipaa.EInvalid, "passphrase file %s not found", file)
			}
			return nil, hipaa.WrapError(hipaa.EInvalid, err, "cannot read passphrase file %s", file)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		line = strings.TrimRight(line, "\r")
		if line == "" {
			return nil, hipaa.Errorf(hipaa.EInvalid, "passphrase file %s is empty: put the passphrase on its first line", file)
		}
		return []byte(line), nil
	}
	if v := e.getenv(passphraseEnv); v != "" {
		return []byte(v), nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, nil
	}
	fmt.Fprint(e.stderr, prompt+": ")
	p, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInvalid, err, "cannot read the passphrase from the terminal")
	}
	if confirm {
		fmt.Fprint(e.stderr, "Repeat the passphrase: ")
		q, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, hipaa.WrapError(hipaa.EInvalid, err, "cannot read the passphrase from the terminal")
		}
		if !bytes.Equal(p, q) {
			return nil, hipaa.Errorf(hipaa.EInvalid, "the two passphrases differ: nothing was written; try again")
		}
	}
	return p, nil
}

func (e *env) exportCmd() *cobra.Command {
	var assessmentID, signPath, passFile, out string
	var recipients, attach []string
	cmd := &cobra.Command{
		Use:   "export --sign KEYFILE --out PACKAGE [--encrypt-to PUBKEY]... [--attach FILE]...",
		Short: "Write a signed evidence package: reports, evidence, hashes and an OpenPGP signature",
		Long: `Write one archive (.tar.gz) that an auditor can check: the Risk Analysis Report, Risk
Management Plan and Executive Summary (HTML, PDF, XLSX), the report as JSON with its JSON
Schema and as OSCAL assessment results; the evidence behind them (answers, findings with
their evidence, the history of every risk, change events, and any --attach files), each
stored under the SHA-256 hash of its contents; manifest.json saying what each file is;
SHA256SUMS listing the hash of every file; and SHA256SUMS.asc, a detached OpenPGP signature
of that list made with the practice's signing key. GnuPG and sha256sum can check it, and
so can ` + "`safeguard verify`" + `.

--encrypt-to (repeatable) encrypts the whole archive to each given public key, so that only
those recipients can open it.

The signing key's passphrase comes from --passphrase-file, the SAFEGUARD_KEY_PASSPHRASE
environment variable, or a prompt on the terminal; never from a flag value.
Make a key with ` + "`safeguard keys generate`" + `.`,
		Example: `  safeguard export --sign practice.key --out evidence-2026.tar.gz
  safeguard export --sign practice.key --passphrase-file ~/.sg-pass --encrypt-to auditor.asc \
      --attach baa-shredding.pdf --out evidence-2026.tar.gz.pgp`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// Check every input before any work is done.
			pass, err := e.passphrase(passFile, "Passphrase of "+signPath, false)
			if err != nil {
				return err
			}
			signer, err := evidence.ReadSigningKey(signPath, pass)
			if err != nil {
				return err
			}
			defer signer.ClearPrivateParams()
			var rcpts []*crypto.Key
			for _, r := range recipients {
				k, err := evidence.ReadRecipient(r)
				if err != nil {
					return err
				}
				rcpts = append(rcpts, k)
			}
			type attachment struct {
				name string
				data []byte
			}
			var files []attachment
			for _, a := range attach {
				st, err := os.Stat(a)
				if err != nil || st.IsDir() {
					return hipaa.Errorf(hipaa.EInvalid, "attachment %s not found or not a file", a)
				}
				if st.Size() > maxAttachment {
					return hipaa.Errorf(hipaa.EInvalid, "attachment %s is larger than %d MB: attach a smaller file", a, maxAttachment>>20)
				}
				data, err := os.ReadFile(a)
				if err != nil {
					return hipaa.WrapError(hipaa.EInvalid, err, "cannot read attachment %s", a)
				}
				files = append(files, attachment{filepath.Base(a), data})
			}
			w, err := createOutput(out, e.stdout)
			if err != nil {
				return err
			}
			defer w.Abort()
			if out != "-" {
				w.Mode = 0o600
			}

			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			m, err := report.Build(ctx, svc, report.Options{AssessmentID: assessmentID, Generator: "safeguard " + Version})
			if err != nil {
				return err
			}
			pkg := evidence.New(evidence.Manifest{Created: m.GeneratedAt, CreatedBy: e.actor, Generator: m.Generator,
				Practice: p.Name, PracticeID: p.ID, AssessmentID: m.Assessment.ID, AssessmentTitle: m.Assessment.Title,
				DocumentVersion: m.Document.Version, RetainUntil: m.Document.RetainUntil},
				p.Slug+"-evidence-"+m.Document.Created)
			reports := []struct {
				path, name string
				f          report.Format
				k          report.Kind
			}{
				{"reports/risk-analysis-report.html", "Risk Analysis Report (HTML)", report.FormatHTML, report.KindAnalysis},
				{"reports/risk-management-plan.html", "Risk Management Plan (HTML)", report.FormatHTML, report.KindPlan},
				{"reports/executive-summary.html", "Executive Summary (HTML)", report.FormatHTML, report.KindSummary},
				{"reports/security-risk-analysis.pdf", "Risk analysis, plan and summary (PDF)", report.FormatPDF, report.KindAll},
				{"reports/security-risk-analysis.xlsx", "Registers: risks, plan, controls, findings (Excel)", report.FormatXLSX, report.KindAll},
				{"reports/report.json", "The whole analysis as JSON", report.FormatJSON, report.KindAll},
				{"reports/assessment-results.oscal.json", "OSCAL " + report.OSCALVersion + " assessment results", report.FormatOSCAL, report.KindAll},
			}
			for _, r := range reports {
				var buf bytes.Buffer
				if err := report.Render(&buf, m, r.f, r.k); err != nil {
					return hipaa.WrapError(hipaa.EInternal, err, "cannot render %s", r.path)
				}
				if err := pkg.Add(r.path, r.name, evidence.RoleReport, r.f.MediaType(), buf.Bytes()); err != nil {
					return err
				}
			}
			if err := pkg.Add("reports/report.schema.json", "JSON Schema of report.json", evidence.RoleReport, "application/schema+json", report.JSONSchema); err != nil {
				return err
			}
			recs, err := report.Records(ctx, svc, m)
			if err != nil {
				return err
			}
			for _, r := range recs {
				pkg.AddEvidence(r.Name, r.MediaType, r.Data)
			}
			for _, a := range files {
				pkg.AddEvidence(a.name, mediaTypeOf(a.name), a.data)
			}
			signedBy := evidence.Identity(signer) + " (" + evidence.Fingerprint(signer) + ")"
			if err := pkg.Write(w, signer, rcpts); err != nil {
				return err
			}
			if err := w.Commit(); err != nil {
				return err
			}
			if out == "-" {
				return nil
			}
			fmt.Fprintf(e.stdout, "Wrote evidence package %s for %s (%s, version %s):\n", out, p.Name, m.Assessment.Title, m.Document.Version)
			fmt.Fprintf(e.stdout, "  %d reports, %d evidence files; folder %s\n", len(reports)+1, len(recs)+len(files), pkg.Root())
			fmt.Fprintf(e.stdout, "  signed by %s\n", signedBy)
			for _, k := range rcpts {
				fmt.Fprintf(e.stdout, "  encrypted to %s\n", evidence.Describe(k))
			}
			fmt.Fprintf(e.stdout, "Keep it until %s (164.316(b)(2)(i)). Check it with: safeguard verify %s --signer PUBLIC-KEY\n", m.Document.RetainUntil, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&assessmentID, "assessment", "", "assessment ID (default: the current draft, else the latest)")
	fl.StringVar(&signPath, "sign", "", "the practice's private signing key file (from `safeguard keys generate`)")
	fl.StringVar(&passFile, "passphrase-file", "", "file whose first line is the signing key's passphrase (else env "+passphraseEnv+", else a prompt)")
	fl.StringArrayVar(&recipients, "encrypt-to", nil, "encrypt the package to this OpenPGP public key file (repeatable)")
	fl.StringArrayVar(&attach, "attach", nil, "add this file to the evidence, e.g. a signed BAA or a screenshot (repeatable)")
	fl.StringVarP(&out, "out", "o", "", "package file to write, e.g. evidence.tar.gz (.tar.gz.pgp when encrypted)")
	_ = cmd.MarkFlagRequired("sign")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// mediaTypeOf guesses a media type from a file name.
func mediaTypeOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pdf":
		return "application/pdf"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".txt", ".log":
		return "text/plain"
	case ".csv":
		return "text/csv"
	case ".json":
		return "application/json"
	case ".html", ".htm":
		return "text/html"
	case ".xml":
		return "application/xml"
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/octet-stream"
}

func (e *env) verifyCmd() *cobra.Command {
	var signerPath, keyPath, passFile string
	cmd := &cobra.Command{
		Use:   "verify PACKAGE",
		Short: "Check an evidence package: every file's hash and the signature",
		Long: `Check an evidence package made by ` + "`safeguard export`" + `: the OpenPGP signature of its
SHA256SUMS, and every file against SHA256SUMS. Every file that was changed, added or
removed is named.

--signer gives the practice's public key, obtained from the practice; without it the key
inside the package is used, which shows the package is intact but not who made it.
An encrypted package needs the private key of one of its recipients (--key).

Exit status: 0 when the package is intact and the signature good, 1 when it is not,
2 when the file is not an evidence package or a key is missing or wrong.`,
		Example: `  safeguard verify evidence-2026.tar.gz --signer practice.pub.asc
  safeguard verify evidence-2026.tar.gz.pgp --key auditor.key --signer practice.pub.asc`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opt evidence.VerifyOptions
			if signerPath != "" {
				k, err := evidence.ReadPublicKey(signerPath, "signer key")
				if err != nil {
					return err
				}
				opt.Signer = k
			}
			if keyPath != "" {
				pass, err := e.passphrase(passFile, "Passphrase of "+keyPath, false)
				if err != nil {
					return err
				}
				k, err := evidence.ReadDecryptionKey(keyPath, pass)
				if err != nil {
					return err
				}
				defer k.ClearPrivateParams()
				opt.Decrypt = k
			}
			f, err := os.Open(args[0])
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return hipaa.Errorf(hipaa.EInvalid, "package %s not found", args[0])
				}
				return hipaa.WrapError(hipaa.EInvalid, err, "cannot read package %s", args[0])
			}
			defer f.Close()
			res, err := evidence.Verify(f, opt)
			if err != nil {
				var he *hipaa.Error
				if errors.As(err, &he) {
					return hipaa.WrapError(he.Code, he.Err, "%s: %s", args[0], he.Message)
				}
				return err
			}
			if e.format == "json" {
				if err := e.json(map[string]any{"package": args[0], "ok": res.OK(), "result": res}); err != nil {
					return err
				}
			} else {
				e.printVerify(args[0], res)
			}
			if !res.OK() {
				return &foundError{msg: fmt.Sprintf("safeguard: %s FAILED verification: %s", args[0], res.Summary())}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&signerPath, "signer", "", "the practice's public key file; the signature must be made by it")
	fl.StringVar(&keyPath, "key", "", "private key of a recipient, to open an encrypted package")
	fl.StringVar(&passFile, "passphrase-file", "", "file whose first line is the --key passphrase (else env "+passphraseEnv+", else a prompt)")
	return cmd
}

func (e *env) printVerify(path string, r *evidence.Result) {
	w := e.stdout
	fmt.Fprintf(w, "Package:    %s", path)
	if r.Encrypted {
		fmt.Fprint(w, " (encrypted, opened)")
	}
	fmt.Fprintln(w)
	if m := r.Manifest; m != nil {
		fmt.Fprintf(w, "Practice:   %s\n", m.Practice)
		fmt.Fprintf(w, "Assessment: %s (%s), version %s\n", m.AssessmentTitle, m.AssessmentID, m.DocumentVersion)
		fmt.Fprintf(w, "Made:       %s by %s; keep until %s\n", m.Created.UTC().Format("2006-01-02 15:04 MST"), m.CreatedBy, m.RetainUntil)
	}
	sig := "not checked"
	switch {
	case r.Signature.Valid:
		sig = fmt.Sprintf("good, made %s by %s (%s)", r.Signature.Made.Format("2006-01-02"), r.Signature.Signer, r.Signature.Fingerprint)
	case r.Signature.Fingerprint != "":
		sig = "BAD: not a good signature by " + r.Signature.Fingerprint
	}
	fmt.Fprintf(w, "Signature:  %s\n", sig)
	if r.Signature.Valid && r.Signature.FromPackage {
		fmt.Fprintln(w, "            The key came from the package itself: this shows the package is intact, not who made it.")
		fmt.Fprintln(w, "            Pass --signer with the practice's public key, or compare the fingerprint with the practice's.")
	}
	fmt.Fprintf(w, "Files:      %d listed, %d intact\n", r.Files, r.Intact)
	if len(r.Problems) == 0 && r.Signature.Valid {
		fmt.Fprintln(w, "Result:     OK — nothing was changed, added or removed since the package was signed.")
		return
	}
	fmt.Fprintln(w, "Result:     FAILED")
	tw := e.table()
	for _, p := range r.Problems {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", strings.ToUpper(p.Kind), p.Path, p.Detail)
	}
	tw.Flush()
}

func (e *env) keysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Make and show the practice's OpenPGP signing key",
	}
	var name, email, out, pubOut, passFile string
	var noPass bool
	gen := &cobra.Command{
		Use:   "generate --out KEYFILE",
		Short: "Make a practice signing key for evidence packages",
		Long: `Make an OpenPGP key for the practice (Ed25519 for signatures, Curve25519 for encryption,
readable by GnuPG 2.2 and later). Two files are written: the private key (--out, readable
only by you, protected by a passphrase) and the public key (--public-out, default
KEYFILE with .pub.asc), which you give to auditors so they can check your packages.

The passphrase comes from --passphrase-file, the SAFEGUARD_KEY_PASSPHRASE environment
variable, or a prompt on the terminal; never from a flag value. Keep the private key and
its passphrase apart, and keep a copy of both somewhere safe: a lost key cannot sign again.`,
		Example: `  safeguard keys generate --name "Riverside Family Medicine" --email security@riverside.example --out practice.key`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return hipaa.Errorf(hipaa.EInvalid, "no key file: add --out FILE")
			}
			if pubOut == "" {
				pubOut = publicName(out)
			}
			for _, p := range []string{out, pubOut} {
				if _, err := os.Stat(p); err == nil {
					return hipaa.Errorf(hipaa.EConflict, "%s already exists: a signing key is not overwritten; choose another --out or move the old file away", p)
				}
			}
			if name == "" {
				n, err := e.practiceNameIfAny(cmd)
				if err != nil {
					return err
				}
				name = n
			}
			var pass []byte
			if !noPass {
				p, err := e.passphrase(passFile, "Passphrase for the new key", true)
				if err != nil {
					return err
				}
				if len(p) == 0 {
					return hipaa.Errorf(hipaa.EInvalid, "the key needs a passphrase: give --passphrase-file FILE or set %s (or --no-passphrase to leave it unprotected, not recommended)", passphraseEnv)
				}
				if len(p) < 8 {
					return hipaa.Errorf(hipaa.EInvalid, "the passphrase is too short: use at least 8 characters, better a few words")
				}
				pass = p
			}
			kp, err := evidence.GenerateKey(name, email, pass, time.Now())
			if err != nil {
				return err
			}
			priv, err := createOutput(out, e.stdout)
			if err != nil {
				return err
			}
			defer priv.Abort()
			priv.Mode = 0o600
			pub, err := createOutput(pubOut, e.stdout)
			if err != nil {
				return err
			}
			defer pub.Abort()
			pub.Mode = 0o644
			if _, err := priv.Write([]byte(kp.Private)); err != nil {
				return err
			}
			if _, err := pub.Write([]byte(kp.Public)); err != nil {
				return err
			}
			if err := priv.Commit(); err != nil {
				return err
			}
			if err := pub.Commit(); err != nil {
				os.Remove(out)
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"private_key_file": out, "public_key_file": pubOut, "fingerprint": kp.Fingerprint,
					"user_id": kp.Identity, "passphrase_protected": len(pass) > 0})
			}
			fmt.Fprintf(e.stdout, "Made signing key %s\n  fingerprint %s\n", kp.Identity, kp.Fingerprint)
			fmt.Fprintf(e.stdout, "  private key: %s (keep it secret%s)\n", out, map[bool]string{true: ", protected by your passphrase", false: "; it has NO passphrase"}[len(pass) > 0])
			fmt.Fprintf(e.stdout, "  public key:  %s (give it to auditors with the fingerprint)\n", pubOut)
			fmt.Fprintf(e.stdout, "Sign an evidence package with: safeguard export --sign %s --out evidence.tar.gz\n", out)
			return nil
		},
	}
	gf := gen.Flags()
	gf.StringVar(&name, "name", "", "name on the key (default: the practice's name)")
	gf.StringVar(&email, "email", "", "e-mail address on the key, e.g. the security official's")
	gf.StringVarP(&out, "out", "o", "", "private key file to write")
	gf.StringVar(&pubOut, "public-out", "", "public key file to write (default: KEYFILE with .pub.asc)")
	gf.StringVar(&passFile, "passphrase-file", "", "file whose first line is the new key's passphrase (else env "+passphraseEnv+", else a prompt)")
	gf.BoolVar(&noPass, "no-passphrase", false, "leave the private key unprotected (not recommended)")

	show := &cobra.Command{
		Use:   "show KEYFILE",
		Short: "Show a key's name, fingerprint and whether it is private and protected",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := evidence.ReadPublicKey(args[0], "key")
			if err != nil {
				return err
			}
			raw, _ := os.ReadFile(args[0])
			private := bytes.Contains(raw, []byte("PRIVATE KEY BLOCK"))
			if e.format == "json" {
				return e.json(map[string]any{"file": args[0], "user_id": evidence.Identity(k), "fingerprint": evidence.Fingerprint(k), "private": private})
			}
			kind := "public key"
			if private {
				kind = "private key (keep it secret)"
			}
			fmt.Fprintf(e.stdout, "%s: %s\n  %s\n  fingerprint %s\n", args[0], kind, evidence.Identity(k), evidence.Fingerprint(k))
			return nil
		},
	}
	cmd.AddCommand(gen, show)
	return cmd
}

// publicName derives the public key file name from the private one.
func publicName(priv string) string {
	base := priv
	for _, ext := range []string{".key", ".asc", ".pgp", ".gpg", ".sec"} {
		if strings.HasSuffix(strings.ToLower(base), ext) {
			base = base[:len(base)-len(ext)]
			break
		}
	}
	return base + ".pub.asc"
}

// practiceNameIfAny returns the practice's name when a database exists, for
// the default name on a key; it never creates a database.
func (e *env) practiceNameIfAny(cmd *cobra.Command) (string, error) {
	if !store.IsPostgresURL(e.dbURL) {
		if _, err := os.Stat(e.dbURL); err != nil {
			return "", hipaa.Errorf(hipaa.EInvalid, "a signing key needs a name: add --name \"Your Practice\"")
		}
	}
	p, _, err := e.practice(cmd.Context())
	if err != nil {
		return "", err
	}
	return p.Name, nil
}
