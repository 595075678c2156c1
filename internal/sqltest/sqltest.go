// Package sqltest holds what tests use to read whole query results from a
// warehouse's database/sql handle and to compare a table computed two ways
// (an incremental update against the full rebuild).
package sqltest

import (
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"
)

// Rows runs q on db and returns its column names and every row, each value
// as database/sql scans it into an any. It fails the test on any error.
func Rows(t testing.TB, db *sql.DB, q string) ([]string, [][]any) {
	t.Helper()
	rs, err := db.Query(q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return cols, out
}

// Table reads a table or view ordered by all its columns, so that two
// warehouses' copies compare row by row.
func Table(t testing.TB, db *sql.DB, table string) ([]string, [][]any) {
	t.Helper()
	return Rows(t, db, "SELECT * FROM "+table+" ORDER BY ALL")
}

// Diff compares the incremental result inc with the rebuilt one full, both
// with the columns cols: row counts and non-float values exactly (by their
// printed form), float64 values to the relative tolerance tol gives the
// column (nil: 1e-9 everywhere). It returns "" when they are equal, else
// the first difference.
func Diff(cols []string, inc, full [][]any, tol func(col string) float64) string {
	if len(inc) != len(full) {
		return fmt.Sprintf("%d rows incremental, %d rebuilt", len(inc), len(full))
	}
	for i := range inc {
		for j := range inc[i] {
			x, y := inc[i][j], full[i][j]
			if fx, ok := x.(float64); ok {
				eps := 1e-9
				if tol != nil {
					eps = tol(cols[j])
				}
				if fy, ok := y.(float64); ok && (fx == fy || math.Abs(fx-fy) <= eps*math.Max(math.Abs(fx), math.Abs(fy))) {
					continue
				}
			}
			if fmt.Sprint(x) != fmt.Sprint(y) {
				return fmt.Sprintf("row %d column %s: incremental %v, rebuilt %v (rows %v / %v)", i, cols[j], x, y, inc[i], full[i])
			}
		}
	}
	return ""
}

// Columns reads a table's columns back from information_schema as
// "name TYPE", with " NOT NULL" where the engine reports the column not
// nullable, in column order.
func Columns(t testing.TB, db *sql.DB, table string) []string {
	t.Helper()
	_, rows := Rows(t, db, `SELECT column_name || ' ' || data_type || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END
		FROM information_schema.columns WHERE table_name = '`+strings.ReplaceAll(table, "'", "''")+`' ORDER BY ordinal_position`)
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprint(r[0])
	}
	return out
}
