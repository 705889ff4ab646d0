// Package auth is who may do what in Safeguard's web app and API: accounts
// with Argon2id password hashes and a common-password check, TOTP
// multi-factor sign-in with recovery codes, login throttling with temporary
// lockout, roles per practice, personal API tokens kept as hashes, database
// sessions, and the append-only activity log.
package auth

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// MaxPasswordLength bounds the work of hashing a password.
const MaxPasswordLength = 256

// Params are the Argon2id cost parameters written into each hash.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// HashParams are the costs new hashes use: two passes over 19 MiB with one
// thread. Tests may lower them; existing hashes keep their own.
var HashParams = Params{Time: 2, Memory: 19 * 1024, Threads: 1}

// HashPassword returns an Argon2id hash of pw in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := HashParams
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches a hash made by HashPassword.
func VerifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || p.Memory > 1<<21 || p.Time > 16 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when an account does not exist, so that a
// sign-in takes as long whether or not the email is known.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a real password, only for timing")
	return h
})

//go:embed data/common-passwords.txt
var commonData []byte

// common is the set of the 10,000 most-used passwords of a widely published
// list of leaked passwords, in lower case.
var common = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 10000)
	sc := bufio.NewScanner(bytes.NewReader(commonData))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			m[w] = true
		}
	}
	return m
})

// IsCommonPassword reports whether pw is, or is built from, a commonly used
// password: the password itself, the password without trailing digits and
// symbols ("sunshine2024!"), or a short common password repeated.
func IsCommonPassword(pw string) bool {
	set := common()
	lower := strings.ToLower(pw)
	if set[lower] {
		return true
	}
	stem := strings.TrimRightFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if len(stem) >= 4 && set[stem] {
		return true
	}
	lead := strings.TrimLeftFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if len(lead) >= 4 && set[lead] {
		return true
	}
	for n := 1; n <= len(lower)/2; n++ {
		if len(lower)%n == 0 && strings.Repeat(lower[:n], len(lower)/n) == lower {
			return true // "abcabcabcabc", "aaaaaaaaaaaa"
		}
	}
	return isSequence(lower)
}

// isSequence reports runs like "123456789012" or "abcdefghijkl".
func isSequence(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i := 1; i < len(s); i++ {
		d := int(s[i]) - int(s[i-1])
		if d != 1 && d != -9 { // 9→0 wraps in digit runs
			return false
		}
	}
	return true
}

// CheckPassword returns a user-facing error when pw is not acceptable: too
// short, too long, common, or made from the person's email or name.
func CheckPassword(pw, email, name string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return hipaa.Errorf(hipaa.EInvalid, "password is too short: use at least %d characters (a few unrelated words make a good one)", MinPasswordLength)
	}
	if n > MaxPasswordLength {
		return hipaa.Errorf(hipaa.EInvalid, "password is too long: use at most %d characters", MaxPasswordLength)
	}
	if IsCommonPassword(pw) {
		return hipaa.Errorf(hipaa.EInvalid, "password is on the list of commonly used passwords: choose one that is harder to guess")
	}
	lower := strings.ToLower(pw)
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	if len(local) >= 4 && strings.Contains(lower, local) {
		return hipaa.Errorf(hipaa.EInvalid, "password contains your email address: choose one that does not")
	}
	for _, part := range strings.Fields(strings.ToLower(name)) {
		if len(part) >= 4 && strings.Contains(lower, part) && len(lower)-len(part) < 8 {
			return hipaa.Errorf(hipaa.EInvalid, "password is mostly your name: choose one that does not contain it")
		}
	}
	return nil
}
