//go:build !nobigquery

package warehouse

import (
	"strings"
	"testing"
)

// FuzzTranslateToBigQuery translates arbitrary SQL text. Translation never
// panics, binding as many arguments as CountPlaceholders reports never
// indexes outside them, and text without quotes, comments, placeholders
// or words passes through unchanged.
func FuzzTranslateToBigQuery(f *testing.F) {
	for _, s := range []string{
		`SELECT "partition", hash FROM job_runs WHERE run_id = ? AND job = ?`,
		`CREATE TABLE IF NOT EXISTS t (a VARCHAR, b BIGINT, c TIMESTAMPTZ, d DOUBLE USING COMPRESSION dictionary)`,
		`SELECT * EXCLUDE (x) FROM t -- a comment with ? in it` + "\n" + `WHERE s = 'it''s ?' /* ? */ AND n = $2 AND m = $1`,
		"SELECT `a.b` FROM `p.d.t` WHERE now() > CAST(? AS TIMESTAMPTZ)",
		`SELECT $1, $10, $99999999999999999999`,
		`INSERT INTO t VALUES (?, ?, 'a\b', "x""y")`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		n := CountPlaceholders(sql)
		args := make([]any, n)
		for i := range args {
			args[i] = int64(i)
		}
		calls := 0
		out := TranslateToBigQuery(sql, func(i int) string {
			calls++
			if i < 0 || i >= n {
				t.Fatalf("placeholder index %d outside the %d arguments CountPlaceholders reports for %q", i, n, sql)
			}
			return "@p"
		})
		if _, err := prepare(sql, "", args); err != nil && !strings.Contains(err.Error(), "argument") {
			t.Fatalf("prepare with %d arguments: %v", n, err)
		}
		if !strings.ContainsAny(sql, "'\"`-/?$_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") && !hasHighByte(sql) && out != sql {
			t.Fatalf("plain text changed: %q -> %q", sql, out)
		}
		_ = calls
	})
}

func hasHighByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}
