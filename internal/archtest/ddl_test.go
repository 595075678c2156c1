package archtest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestNoTablesFromDDLText fails when a package outside pipeline/warehouse
// declares a table in CREATE TABLE text: tables are created from Arrow
// schemas (warehouse.CreateTable, CreateTempTable, CreateTableAs), declared
// beside the package that owns them.
func TestNoTablesFromDDLText(t *testing.T) {
	got, err := DDLText(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range got {
		t.Errorf("%s:%d creates a table from CREATE TABLE text: declare an Arrow schema and use warehouse.CreateTable (or CreateTempTable; CreateTableAs for a query)", h.Path, h.Line)
	}
}

// TestDDLTextFindsColumnLists checks the finder on a hand-written tree:
// column lists in a Go literal (plain, IF NOT EXISTS, temporary, with a
// format verb) and in a .sql file are found; CREATE TABLE ... AS, a view,
// a test file and pipeline/warehouse are not.
func TestDDLTextFindsColumnLists(t *testing.T) {
	root := t.TempDir()
	write := func(rel, src string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("jobs/a.go", "package jobs\n"+
		"const a = `CREATE TABLE IF NOT EXISTS t (x VARCHAR)`\n"+ // 2
		"const b = `CREATE OR REPLACE TABLE o AS SELECT 1`\n"+
		"const c = \"create or replace temp table k (id VARCHAR)\"\n"+ // 4
		"const d = `CREATE OR REPLACE VIEW v AS SELECT (1)`\n"+
		"const e = \"CREATE TABLE %s (%s)\"\n") // 6
	write("jobs/sql/x.sql", "-- a\nSELECT 1;\nCREATE TABLE y (\n  a BIGINT)\n") // 3
	write("jobs/sql/ctas.sql", "CREATE OR REPLACE TEMP TABLE z AS SELECT (1) AS a\n")
	write("jobs/a_test.go", "package jobs\nconst t = `CREATE TABLE t (x VARCHAR)`\n")
	write("pipeline/warehouse/w.go", "package warehouse\nconst w = `CREATE TABLE IF NOT EXISTS w (x VARCHAR)`\n")
	got, err := DDLText(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []DDLHit{{"jobs/a.go", 2}, {"jobs/a.go", 4}, {"jobs/a.go", 6}, {"jobs/sql/x.sql", 3}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
