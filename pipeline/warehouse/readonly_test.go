package warehouse

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadOnlyRefusesWritesAndFiles opens a real DuckDB file read-only and
// runs the statements the issue found succeeding through `crmkit sql`
// (and their relatives): each is refused, the table keeps its 3 rows and no
// file appears. Each statement is also run directly on the connection,
// past the statement check, to show the read-only open holds by itself.
func TestReadOnlyRefusesWritesAndFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	rw, err := OpenDuckDB(path, DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Exec(ctx, `CREATE TABLE job_runs AS SELECT * FROM (VALUES ('a', 1), ('b', 2), ('c', 3)) v(run_id, n)`); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	secret := filepath.Join(dir, "secret.csv")
	if err := os.WriteFile(secret, []byte("k,v\npassword,hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	ro, err := OpenDuckDBReadOnly(path, DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	cases := []struct {
		name, sql string
		// wantType is the statement type the check names; "" when DuckDB
		// itself refuses it first (binding needs the file system).
		wantType string
		// engine: the read-only connection refuses it without the check
		// (a temporary table or a PRAGMA would only touch the session).
		engine bool
	}{
		{"delete", "DELETE FROM job_runs", "DELETE", true},
		{"delete in lower case after a comment", "/* tidy */ delete from job_runs where true", "DELETE", true},
		{"update", "UPDATE job_runs SET n = 0", "UPDATE", true},
		{"insert", "INSERT INTO job_runs VALUES ('d', 4)", "INSERT", true},
		{"drop table", "DROP TABLE job_runs", "DROP", true},
		{"create table", "CREATE TABLE x AS SELECT 1", "CREATE", true},
		{"create temp table", "CREATE TEMP TABLE x AS SELECT 1", "CREATE", false},
		{"copy to a file", "COPY job_runs TO '" + out + ".csv'", "", true},
		{"copy from a file", "COPY job_runs FROM '" + secret + "'", "", true},
		{"export database", "EXPORT DATABASE '" + out + "'", "", true},
		{"attach a new file", "ATTACH '" + out + ".duckdb' AS o", "ATTACH", true},
		{"install", "INSTALL httpfs", "LOAD/INSTALL", true},
		{"load", "LOAD httpfs", "LOAD/INSTALL", true},
		{"turn external access on", "SET enable_external_access = true", "SET", true},
		{"pragma", "PRAGMA enable_profiling", "PRAGMA", false},
		{"query then delete", "SELECT 1; DELETE FROM job_runs", "", true},
		{"read_csv_auto", "SELECT * FROM read_csv_auto('" + secret + "')", "", true},
		{"read_csv", "SELECT * FROM read_csv('" + secret + "')", "", true},
		{"file by name", "SELECT * FROM '" + secret + "'", "", true},
		{"read_text", "SELECT * FROM read_text('" + secret + "')", "", true},
		{"read_parquet", "SELECT * FROM read_parquet('" + secret + "')", "", true},
		{"glob the disk", "SELECT * FROM glob('" + dir + "/*')", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, err := ro.QueryReadOnly(ctx, c.sql)
			Release(recs)
			if err == nil {
				t.Fatalf("%s ran", c.sql)
			}
			if c.wantType != "" && (!errors.Is(err, ErrNotAQuery) || !strings.HasPrefix(err.Error(), c.wantType+" statement refused")) {
				t.Errorf("error %q, want a refused %s statement", err, c.wantType)
			}
			if c.engine {
				if _, err := ro.DB().ExecContext(ctx, c.sql); err == nil {
					t.Errorf("%s ran on the read-only connection itself", c.sql)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the file's content: %v", err)
			}
		})
	}
	n, err := Int64(ctx, ro, `SELECT sum(n) FROM job_runs`)
	if err != nil || n != 6 {
		t.Fatalf("job_runs sum(n) = %d (%v) after the refused statements, want 6", n, err)
	}
	for _, p := range []string{out, out + ".csv", out + ".duckdb"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	// Queries still work.
	recs, err := ro.QueryReadOnly(ctx, "SELECT run_id FROM job_runs WHERE n > 1 ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer Release(recs)
	if NumRows(recs) != 2 || StringAt(recs[0], 0, 0) != "b" {
		t.Fatalf("query result %d rows", NumRows(recs))
	}
	if _, err := OpenDuckDBReadOnly(filepath.Join(dir, "missing.duckdb"), DuckDBOptions{}); !errors.Is(err, ErrNoWarehouse) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.duckdb")); err == nil {
		t.Fatal("read-only open created the missing warehouse")
	}
}
