package store

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// dialect holds everything that differs between the two engines.
type dialect int

const (
	sqliteEngine dialect = iota
	postgres
)

func (d dialect) name() string {
	if d == postgres {
		return "postgres"
	}
	return "sqlite"
}

// rebind turns the ? placeholders of our portable SQL into $1, $2 … for
// PostgreSQL. Question marks inside quoted strings are left alone.
func (d dialect) rebind(q string) string {
	if d != postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// sqliteTime is the fixed-width RFC 3339 layout times are kept in on SQLite,
// so that comparing the text compares the times.
const sqliteTime = "2006-01-02T15:04:05.000000Z07:00"

// timeArg makes a time ready to bind: fixed-width RFC 3339 text in UTC on
// SQLite, a timestamp on PostgreSQL.
func (d dialect) timeArg(t time.Time) any {
	if d == postgres {
		return t.UTC()
	}
	return t.UTC().Format(sqliteTime)
}

// optTime binds a possibly absent time as NULL.
func (d dialect) optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.timeArg(*t)
}

func (d dialect) isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		return code == 2067 || code == 1555 // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// timeCol scans a time column from either engine.
type timeCol struct {
	t     time.Time
	valid bool
}

// Scan implements sql.Scanner.
func (c *timeCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		c.valid = false
		return nil
	case time.Time:
		c.t, c.valid = x.UTC(), true
		return nil
	case string:
		return c.parse(x)
	case []byte:
		return c.parse(string(x))
	}
	return fmt.Errorf("store: cannot read %T as a time", v)
}

func (c *timeCol) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("store: bad time %q: %w", s, err)
	}
	c.t, c.valid = t.UTC(), true
	return nil
}

func (c *timeCol) ptr() *time.Time {
	if !c.valid {
		return nil
	}
	t := c.t
	return &t
}

// jsonCol scans and binds a JSON list or object kept in a TEXT (SQLite) or JSONB (PostgreSQL) column.
type jsonCol struct{ v any }

// Scan implements sql.Scanner.
func (c jsonCol) Scan(src any) error {
	var b []byte
	switch x := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return fmt.Errorf("store: cannot read %T as JSON", src)
	}
	return json.Unmarshal(b, c.v)
}

// Value implements driver.Valuer.
func (c jsonCol) Value() (driver.Value, error) {
	b, err := json.Marshal(c.v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	if s == "null" {
		// An empty list or map is stored as such, so it reads back as empty, not nil.
		s = "[]"
		if k := reflect.TypeOf(c.v); k != nil && (k.Kind() == reflect.Map || (k.Kind() == reflect.Pointer && k.Elem().Kind() == reflect.Map)) {
			s = "{}"
		}
	}
	return s, nil
}
