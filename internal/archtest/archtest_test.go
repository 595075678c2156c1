package archtest

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func moduleRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func TestIsSQL(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want bool
	}{
		{"select", "SELECT count(*) FROM orders", true},
		{"create table", "CREATE OR REPLACE TABLE x AS SELECT 1", true},
		{"insert", "INSERT INTO orders (a) VALUES (1)", true},
		{"column fragment", "min(r.order_ts) AS order_ts, sum(x) AS y, coalesce(a, 0) AS b", true},
		{"join fragment", "LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines'", true},
		{"error message", "load %s: read from %s: %w", false},
		{"lower-case prose", "select the rows from the table where it fits", false},
		{"single keyword", "AS", false},
		{"empty", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := IsSQL(c.in); got != c.want {
				t.Errorf("IsSQL(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

// TestFigures logs the tree's figures (run with -v); it fails only when the
// scan itself fails.
func TestFigures(t *testing.T) {
	files, err := Scan(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	f := Sum(files)
	t.Logf("SQL string literals in non-test .go files: %d in %d files", f.SQLLiterals, f.SQLFiles)
	t.Logf("per file: %s", strings.Join(f.SQLFilesList, ", "))
	t.Logf("non-test files over %d lines without a stated reason: %d %v", LongFileLines, len(f.LongFiles), f.LongFiles)
	t.Logf("non-test files over %d lines that state why: %d %v", LongFileLines, len(f.LongReasoned), f.LongReasoned)
	t.Logf("test files over %d lines: %d", LongFileLines, len(f.TestLong))
}

// TestListSQL logs every SQL literal's first line per file (run with -v).
func TestListSQL(t *testing.T) {
	files, err := Scan(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !f.Test {
			for _, s := range f.SQL {
				t.Logf("%s: %s", f.Path, s)
			}
		}
	}
}
