package auth

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// WriteActivityCSV writes activity log entries as CSV with a header row.
func WriteActivityCSV(w io.Writer, list []*store.Activity) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "at", "actor", "user_id", "practice_id", "action", "subject", "before", "after", "remote_addr"})
	for _, a := range list {
		b, _ := json.Marshal(a.Before)
		af, _ := json.Marshal(a.After)
		_ = cw.Write([]string{a.ID, a.At.UTC().Format(time.RFC3339), csvSafe(a.Actor), a.UserID, a.PracticeID, a.Action, csvSafe(a.Subject), csvSafe(string(b)), csvSafe(string(af)), a.RemoteAddr})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// WriteActivityJSON writes activity log entries as a JSON array.
func WriteActivityJSON(w io.Writer, list []*store.Activity) error {
	if list == nil {
		list = []*store.Activity{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(list)
}
