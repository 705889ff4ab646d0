package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Issuer names Safeguard in authenticator apps.
const Issuer = "Safeguard"

// totpPeriod is the length of one TOTP time step.
const totpPeriod = 30

// NewTOTPKey makes a fresh TOTP secret for an account and returns it with
// the otpauth:// URL an authenticator app reads.
func NewTOTPKey(account string) (secret, url string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: account, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", err
	}
	return k.Secret(), k.URL(), nil
}

// KeyURL returns the otpauth:// URL of an account's secret.
func KeyURL(account, secret string) string {
	v := url.Values{"secret": {secret}, "issuer": {Issuer}, "period": {"30"}, "digits": {"6"}, "algorithm": {"SHA1"}}
	return (&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + Issuer + ":" + account, RawQuery: v.Encode()}).String()
}

// TOTPCode returns the code for secret at t (what an authenticator app shows).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// checkTOTP returns the time step at which code is valid for secret, allowing
// one step of clock drift either way, or 0 if it is not valid.
func checkTOTP(secret, code string, now time.Time) int64 {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0
	}
	step := now.Unix() / totpPeriod
	for _, d := range []int64{0, -1, 1} {
		want, err := TOTPCode(secret, time.Unix((step+d)*totpPeriod, 0))
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d
		}
	}
	return 0
}

// RecoveryCodeCount is how many recovery codes an account gets.
const RecoveryCodeCount = 10

var codeEncoding = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// NewRecoveryCodes returns fresh one-use recovery codes (to show once) and
// their hashes (to store). Each has 50 random bits, so a fast hash suffices.
func NewRecoveryCodes() (codes, hashes []string, err error) {
	for range RecoveryCodeCount {
		b := make([]byte, 7)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, err
		}
		s := strings.ToLower(codeEncoding.EncodeToString(b))[:10]
		code := s[:5] + "-" + s[5:]
		codes = append(codes, code)
		hashes = append(hashes, hashRecovery(code))
	}
	return codes, hashes, nil
}

func hashRecovery(code string) string {
	c := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(code), "-", ""), " ", ""))
	sum := sha256.Sum256([]byte("safeguard-recovery:" + c))
	return hex.EncodeToString(sum[:])
}
