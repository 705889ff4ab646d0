package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUserCommands(t *testing.T) {
	db := tempDB(t)
	mustRun(t, db, "init", "--name", "Lakeside Family Medicine")
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string
	}{
		{"add with a typed password", "granite lantern oboe\n", []string{"user", "add", "pat@lakeside.example", "--name", "Pat Lee", "--role", "admin", "--password-stdin"}, 0, "authenticator"},
		{"add with a made password", "", []string{"user", "add", "sam@lakeside.example", "--name", "Sam Roe", "--role", "viewer"}, 0, "First password"},
		{"common password refused", "password1234\n", []string{"user", "add", "kim@lakeside.example", "--name", "Kim", "--password-stdin"}, 2, ""},
		{"unknown role", "", []string{"user", "add", "kim@lakeside.example", "--name", "Kim", "--role", "boss"}, 2, ""},
		{"existing account gets a new role", "", []string{"user", "add", "sam@lakeside.example", "--role", "assessor"}, 0, "now has role assessor"},
		{"disable", "", []string{"user", "disable", "sam@lakeside.example"}, 0, "disabled"},
		{"reset-mfa", "", []string{"user", "reset-mfa", "pat@lakeside.example"}, 0, "removed"},
		{"reset-mfa of nobody", "", []string{"user", "reset-mfa", "nobody@lakeside.example"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, db, tt.stdin, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.out) {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
	var users []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, db, "user", "list", "--format", "json")), &users); err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[1]["disabled"] != true || len(users[0]["memberships"].([]any)) != 1 {
		t.Fatalf("users: %v", users)
	}
	if _, ok := users[0]["password_hash"]; ok {
		t.Fatal("user list shows a password hash")
	}
	if out := mustRun(t, db, "user", "list"); !strings.Contains(out, "lakeside-family-medicine:assessor") {
		t.Fatalf("table: %s", out)
	}
}
