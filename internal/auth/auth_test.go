package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

func init() { HashParams = Params{Time: 1, Memory: 1024, Threads: 1} }

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		pw, email, name string
		ok              bool
	}{
		{"short", "a@b.org", "A B", false},
		{"password1234", "a@b.org", "A B", false},
		{"sunshine2024!", "a@b.org", "A B", false},
		{"123456789012", "a@b.org", "A B", false},
		{"abcabcabcabc", "a@b.org", "A B", false},
		{"iloveyouiloveyou", "a@b.org", "A B", false},
		{"jordan.smith99!", "jordan.smith@b.org", "Jordan Smith", false},
		{"correct horse battery staple", "a@b.org", "A B", true},
		{"Gr4nite-Lantern-Oboe", "pat@clinic.org", "Pat Lee", true},
	}
	for _, tt := range tests {
		err := CheckPassword(tt.pw, tt.email, tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("CheckPassword(%q) = %v, want ok=%v", tt.pw, err, tt.ok)
		}
	}
	if !IsCommonPassword("Password") || len(common()) < 9000 {
		t.Fatalf("common password list not loaded: %d entries", len(common()))
	}
}

func TestHashRoundTrip(t *testing.T) {
	h, err := HashPassword("a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("hash format: %s", h)
	}
	if !VerifyPassword(h, "a long enough passphrase") || VerifyPassword(h, "a long enough passphrasE") || VerifyPassword("junk", "x") {
		t.Fatal("verify mismatch")
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T, db *store.DB) (*Service, *clock, *store.User) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	db.SetClock(c.now)
	s := New(db)
	s.Lockout = 10 * time.Minute
	u, err := s.CreateUser(context.Background(), "Pat@Clinic.org", "Pat Lee", "granite lantern oboe")
	if err != nil {
		t.Fatal(err)
	}
	return s, c, u
}

func TestLockoutLastsConfiguredTime(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, _ := setup(t, db)
		for i := range DefaultMaxFailures {
			_, err := s.Authenticate(ctx, "pat@clinic.org", "wrong password!!")
			if err == nil {
				t.Fatal("wrong password accepted")
			}
			if i == DefaultMaxFailures-1 && !strings.Contains(err.Error(), "locked") {
				t.Fatalf("no lockout after %d failures: %v", i+1, err)
			}
		}
		for _, after := range []time.Duration{time.Second, 5 * time.Minute, 10*time.Minute - time.Second} {
			c.t = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Add(after)
			if _, err := s.Authenticate(ctx, "pat@clinic.org", "granite lantern oboe"); err == nil || !strings.Contains(err.Error(), "locked") {
				t.Fatalf("after %s: right password accepted while locked: %v", after, err)
			}
		}
		c.t = time.Date(2026, 3, 1, 9, 10, 1, 0, time.UTC)
		if _, err := s.Authenticate(ctx, "pat@clinic.org", "granite lantern oboe"); err != nil {
			t.Fatalf("still locked after the lockout: %v", err)
		}
	})
}

func TestMFAAndRecovery(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, u := setup(t, db)
		secret, url, err := s.BeginMFA(ctx, u)
		if err != nil || !strings.HasPrefix(url, "otpauth://totp/") {
			t.Fatalf("begin: %v %s", err, url)
		}
		again, url2, err := s.BeginMFA(ctx, u)
		if err != nil || again != secret {
			t.Fatalf("a reloaded set-up page changed the secret: %v", err)
		}
		if k, err := otp.NewKeyFromURL(url2); err != nil || k.Secret() != secret || k.Issuer() != Issuer {
			t.Fatalf("key URL %s: %v", url2, err)
		}
		code, _ := TOTPCode(secret, c.t)
		codes, err := s.ConfirmMFA(ctx, u, code)
		if err != nil || len(codes) != RecoveryCodeCount {
			t.Fatalf("confirm: %v", err)
		}
		// The enrolment code cannot be replayed.
		if err := s.VerifySecondFactor(ctx, u.ID, code); err == nil {
			t.Fatal("replayed code accepted")
		}
		c.t = c.t.Add(30 * time.Second)
		code, _ = TOTPCode(secret, c.t)
		if err := s.VerifySecondFactor(ctx, u.ID, code); err != nil {
			t.Fatalf("fresh code refused: %v", err)
		}
		if err := s.VerifySecondFactor(ctx, u.ID, codes[0]); err != nil {
			t.Fatalf("recovery code refused: %v", err)
		}
		if err := s.VerifySecondFactor(ctx, u.ID, codes[0]); err == nil {
			t.Fatal("recovery code used twice")
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _, u := setup(t, db)
		p := &hipaa.Practice{Name: "Lakeside Family Medicine"}
		if err := db.CreatePractice(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.CreateToken(ctx, u, "script", []string{p.ID}, false); err == nil {
			t.Fatal("token for a practice the user is not in")
		}
		if err := db.SetMembership(ctx, u.ID, p.ID, string(RoleAssessor)); err != nil {
			t.Fatal(err)
		}
		tok, rec, err := s.CreateToken(ctx, u, "script", []string{p.ID}, true)
		if err != nil {
			t.Fatal(err)
		}
		got, gu, err := s.AuthenticateToken(ctx, tok)
		if err != nil || got.ID != rec.ID || gu.ID != u.ID || !got.CanWrite {
			t.Fatalf("authenticate: %v", err)
		}
		if err := s.RevokeToken(ctx, u, rec.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AuthenticateToken(ctx, tok); err == nil {
			t.Fatal("revoked token accepted")
		}
	})
}

func TestActivityAppendOnly(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _, u := setup(t, db)
		p := &hipaa.Practice{Name: "Lakeside Family Medicine"}
		if err := db.CreatePractice(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := s.Record(ctx, Event{User: u, PracticeID: p.ID, Action: "answer.saved", Subject: "q1", Before: map[string]any{"value": "no"}, After: map[string]any{"value": "yes"}}); err != nil {
			t.Fatal(err)
		}
		list, err := db.For(p.ID).Activity(ctx, store.ActivityFilter{})
		if err != nil || len(list) != 1 || list[0].After["value"] != "yes" || list[0].Actor != "pat@clinic.org" {
			t.Fatalf("activity: %v %+v", err, list)
		}
		if err := db.ExecForTest(ctx, "DELETE FROM activity_log"); err == nil {
			t.Fatal("activity log entry deleted")
		}
		if err := db.ExecForTest(ctx, "UPDATE activity_log SET actor = 'x'"); err == nil {
			t.Fatal("activity log entry changed")
		}
		var b strings.Builder
		if err := WriteActivityCSV(&b, list); err != nil || !strings.Contains(b.String(), "answer.saved") {
			t.Fatalf("csv: %v %s", err, b.String())
		}
	})
}
