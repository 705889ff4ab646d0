// Package evidence makes and checks Safeguard's evidence packages: one
// archive holding the reports, the records behind them (answers, findings
// with their evidence, risk histories, attached files, each stored under the
// SHA-256 hash of its contents), a list of the SHA-256 hash of every file
// and a detached OpenPGP signature of that list, optionally encrypted to
// one or more OpenPGP recipients. GnuPG and sha256sum can check a package
// without Safeguard; Verify names every file that was changed, added or
// removed.
//
// It also makes and reads the practice's signing keys. It knows nothing of
// the database: callers hand it bytes.
package evidence

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
	"github.com/ProtonMail/gopenpgp/v3/profile"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// pgp uses OpenPGP v4 keys (Ed25519 signing key, Curve25519 encryption
// subkey) and classic message formats, which GnuPG 2.2 and later read.
var pgp = crypto.PGPWithProfile(profile.Default())

// KeyPair is a newly made signing key.
type KeyPair struct {
	// Private is the armored private key, locked with the passphrase when one was given.
	Private string
	// Public is the armored public key, to hand to auditors and recipients.
	Public      string
	Fingerprint string
	Identity    string
}

// GenerateKey makes a practice signing key for name and email, created at
// now. With an empty passphrase the private key is left unprotected.
func GenerateKey(name, email string, passphrase []byte, now time.Time) (*KeyPair, error) {
	name, email = strings.TrimSpace(name), strings.TrimSpace(email)
	if name == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "a signing key needs a name: add --name \"Your Practice\"")
	}
	if email != "" && (!strings.Contains(email, "@") || strings.ContainsAny(email, " <>")) {
		return nil, hipaa.Errorf(hipaa.EInvalid, "e-mail address %q is not valid: use the form security@yourpractice.example", email)
	}
	key, err := pgp.KeyGeneration().AddUserId(name, email).GenerationTime(now.Unix()).New().GenerateKey()
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInternal, err, "cannot make a signing key")
	}
	defer key.ClearPrivateParams()
	locked := key
	if len(passphrase) > 0 {
		if locked, err = pgp.LockKey(key, passphrase); err != nil {
			return nil, hipaa.WrapError(hipaa.EInternal, err, "cannot protect the signing key with the passphrase")
		}
	}
	priv, err := locked.Armor()
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInternal, err, "cannot write the signing key")
	}
	pub, err := key.GetArmoredPublicKey()
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInternal, err, "cannot write the public key")
	}
	return &KeyPair{Private: priv, Public: pub, Fingerprint: Fingerprint(key), Identity: Identity(key)}, nil
}

// Fingerprint returns a key's fingerprint as GnuPG prints it: upper-case
// hexadecimal in groups of four.
func Fingerprint(k *crypto.Key) string {
	hex := strings.ToUpper(k.GetFingerprint())
	var b strings.Builder
	for i := 0; i < len(hex); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(hex[i:min(i+4, len(hex))])
	}
	return b.String()
}

// Identity returns the user IDs of a key, joined with "; ".
func Identity(k *crypto.Key) string {
	var ids []string
	if e := k.GetEntity(); e != nil {
		for id := range e.Identities {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "(no user ID)"
	}
	sort.Strings(ids)
	return strings.Join(ids, "; ")
}

// readKeyFile reads an armored or binary OpenPGP key from a file.
func readKeyFile(path, what string) (*crypto.Key, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		hint := ""
		if what == "signing key" {
			hint = "; make one with `safeguard keys generate`"
		}
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s file %s not found%s", what, path, hint)
	}
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInvalid, err, "cannot read %s file %s", what, path)
	}
	var key *crypto.Key
	if strings.Contains(string(data[:min(len(data), 200)]), "-----BEGIN PGP") {
		key, err = crypto.NewKeyFromArmored(string(data))
	} else {
		key, err = crypto.NewKey(data)
	}
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInvalid, err, "%s is not an OpenPGP key: give the %s file", path, what)
	}
	return key, nil
}

// ReadSigningKey reads and unlocks the private key in path. A missing file,
// a public key where a private one is needed and a wrong passphrase each
// give one clear message.
func ReadSigningKey(path string, passphrase []byte) (*crypto.Key, error) {
	return readPrivateKey(path, passphrase, "signing key", "--sign")
}

// ReadDecryptionKey reads and unlocks a recipient's private key, to open an encrypted package.
func ReadDecryptionKey(path string, passphrase []byte) (*crypto.Key, error) {
	return readPrivateKey(path, passphrase, "private key", "--key")
}

func readPrivateKey(path string, passphrase []byte, what, flag string) (*crypto.Key, error) {
	key, err := readKeyFile(path, what)
	if err != nil {
		return nil, err
	}
	if !key.IsPrivate() {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s holds only a public key: %s needs the private key file (the one `safeguard keys generate` wrote with --out)", path, flag)
	}
	locked, err := key.IsLocked()
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInvalid, err, "%s: cannot read the key's protection", path)
	}
	if locked {
		if len(passphrase) == 0 {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s %s is protected by a passphrase: give it with --passphrase-file FILE or the SAFEGUARD_KEY_PASSPHRASE environment variable", what, path)
		}
		unlocked, err := key.Unlock(passphrase)
		if err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "cannot unlock %s %s: wrong passphrase", what, path)
		}
		key = unlocked
	}
	now := time.Now().Unix()
	if key.IsRevoked(now) {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s %s is revoked: make a new one with `safeguard keys generate`", what, path)
	}
	if key.IsExpired(now) {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s %s has expired: make a new one with `safeguard keys generate`", what, path)
	}
	return key, nil
}

// ReadPublicKey reads the public key in path (a private key file also
// serves: only its public part is used). what names the key in messages.
func ReadPublicKey(path, what string) (*crypto.Key, error) {
	key, err := readKeyFile(path, what)
	if err != nil {
		return nil, err
	}
	if key.IsPrivate() {
		if key, err = key.ToPublic(); err != nil {
			return nil, hipaa.WrapError(hipaa.EInvalid, err, "%s: cannot read its public key", path)
		}
	}
	return key, nil
}

// ReadRecipient reads a recipient's public key and checks it can encrypt.
func ReadRecipient(path string) (*crypto.Key, error) {
	key, err := ReadPublicKey(path, "recipient key")
	if err != nil {
		return nil, err
	}
	if !key.CanEncrypt(time.Now().Unix()) {
		return nil, hipaa.Errorf(hipaa.EInvalid, "recipient key %s (%s) cannot encrypt: it is expired, revoked or has no encryption subkey", path, Fingerprint(key))
	}
	return key, nil
}

// Describe returns a one-line description of a key, for messages.
func Describe(k *crypto.Key) string {
	kind := "public"
	if k.IsPrivate() {
		kind = "private"
		if locked, _ := k.IsLocked(); locked {
			kind += ", passphrase-protected"
		}
	}
	return fmt.Sprintf("%s (%s key, %s)", Identity(k), kind, Fingerprint(k))
}
