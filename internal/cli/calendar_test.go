package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/notify/smtptest"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

// seedDuties sets up a practice (in UTC, so "today" is the test's today) with
// a BAA expiring in 20 days, a policy whose yearly review is 5 days overdue,
// and a person whose training is due in 6 days.
func seedDuties(t *testing.T, db string) (today time.Time) {
	t.Helper()
	today = time.Now().UTC().Truncate(24 * time.Hour)
	day := func(d time.Time) string { return d.Format("2006-01-02") }
	mustRun(t, db, "init", "--name", "Riverside Family Medicine", "--time-zone", "UTC", "--security-official", "Dana Ortiz")
	mustRun(t, db, "vendors", "add", "--name", "Acme Shredding", "--service", "document shredding", "--ephi", "maintain",
		"--baa", "signed", "--signed", day(today.AddDate(-2, 0, 0)), "--expires", day(today.AddDate(0, 0, 20)), "--has-terms", "all")
	mustRun(t, db, "policies", "generate")
	var list []map[string]any
	json.Unmarshal([]byte(mustRun(t, db, "policies", "list", "--format", "json")), &list)
	if len(list) == 0 {
		t.Fatal("no policies generated")
	}
	key := list[0]["key"].(string)
	mustRun(t, db, "policies", "approve", key, "--by", "Dr. Maria Chen", "--effective", day(today.AddDate(-1, 0, -5)))
	mustRun(t, db, "workforce", "add", "--name", "Sam Lee", "--role", "front desk", "--access-granted", day(today.AddDate(-2, 0, 0)))
	mustRun(t, db, "workforce", "train", "Sam Lee", "--topic", "Annual security awareness", "--on", day(today.AddDate(-1, 0, 6)))
	return today
}

func TestCalendarShowsGovernanceDuties(t *testing.T) {
	db := tempDB(t)
	today := seedDuties(t, db)
	var duties []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, db, "calendar", "--within", "30d", "--format", "json")), &duties); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"baa_expiry": 20, "policy_review": -5, "training": 6}
	found := map[string]bool{}
	for _, d := range duties {
		kind, left := d["kind"].(string), int(d["days_left"].(float64))
		if w, ok := want[kind]; ok && left == w {
			found[kind] = true
		}
		if left > 30 {
			t.Errorf("duty beyond the window: %v", d)
		}
	}
	if len(found) != 3 {
		t.Fatalf("calendar lacks some of %v (today %s):\n%v", want, today.Format("2006-01-02"), duties)
	}
	ics := mustRun(t, db, "calendar", "--within", "30d", "--format", "ics")
	for _, s := range []string{"Acme Shredding", "Sam Lee", "Review the policy", "BEGIN:VCALENDAR"} {
		if !strings.Contains(strings.ReplaceAll(ics, "\r\n ", ""), s) {
			t.Errorf("ICS lacks %q", s)
		}
	}
	if r := run(t, db, "", "calendar", "--within", "soon"); r.code != 2 || !strings.Contains(r.stderr, "--within") {
		t.Errorf("bad range: %+v", r)
	}
	if r := run(t, db, "", "practice", "list", "--format", "ics"); r.code != 2 {
		t.Errorf("--format ics outside calendar: %+v", r)
	}
}

func TestRemindersGoOutOnceWithTwoInstances(t *testing.T) {
	url := storetest.PostgresURL(t)
	seedDuties(t, url)
	srv := smtptest.New(t, "reminders", "s3cret")
	dir := t.TempDir()
	ca, pw := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "pw")
	os.WriteFile(ca, srv.CertPEM, 0o600)
	os.WriteFile(pw, []byte("s3cret\n"), 0o600)
	mustRun(t, url, "reminders", "add", "email", "dana@riverside.example")
	host, port := srv.Addr()
	args := []string{"reminders", "send", "--smtp-host", host, "--smtp-port", fmt.Sprint(port), "--smtp-user", "reminders",
		"--smtp-password-file", pw, "--smtp-from", "safeguard@riverside.example", "--smtp-ca-file", ca}
	// Two app instances at once, each with its own connections, then a third later.
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); mustRun(t, url, args...) }()
	}
	wg.Wait()
	mustRun(t, url, args...)
	count := map[string]int{}
	for _, m := range srv.Received() {
		for _, s := range []string{"Renew the business associate agreement with Acme Shredding", "Review the policy", "Security training for Sam Lee"} {
			if strings.Contains(m.Data, s) {
				count[s]++
			}
		}
	}
	for _, s := range []string{"Renew the business associate agreement with Acme Shredding", "Review the policy", "Security training for Sam Lee"} {
		if count[s] != 1 {
			t.Errorf("%d reminders mention %q, want exactly 1 (of %d sent)", count[s], s, len(srv.Received()))
		}
	}
}
