package archtest

import (
	"os"
	"path/filepath"
	"testing"
)

// engineBranchAllowed lists the files outside pipeline/warehouse that may
// compare with an engine name, each with its reason.
var engineBranchAllowed = map[string]string{}

// TestNoEngineBranchesOutsideWarehouse fails when a package outside
// pipeline/warehouse tells the engines apart by name: every engine
// difference goes through the warehouse dialect (warehouse.SQL).
func TestNoEngineBranchesOutsideWarehouse(t *testing.T) {
	got, err := EngineBranches(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	pending := 0
	for _, b := range got {
		why, ok := engineBranchAllowed[b.Path]
		if !ok {
			t.Errorf("%s:%d compares with %q: put the difference in the warehouse dialect (pipeline/warehouse/dialect.go)", b.Path, b.Line, b.Name)
		}
		if why == "pending" {
			pending++
		}
	}
	t.Logf("engine-name comparisons outside pipeline/warehouse: %d (%d in files pending a move)", len(got), pending)
}

// TestEngineBranchesFindsComparisons checks the finder on a hand-written
// tree: two comparisons and a case clause outside the warehouse, none for
// dispatch on a Kind field, nor for the same text inside pipeline/warehouse
// or in a test file.
func TestEngineBranchesFindsComparisons(t *testing.T) {
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
	write("jobs/a.go", `package jobs
func f(n string) bool {
	if n == "duckdb" { return true }
	switch n {
	case "bigquery":
	}
	return "BigQuery" != n
}
var label = "duckdb"
func open(c cfg) bool {
	switch c.Warehouse.Kind {
	case "duckdb":
	}
	return c.Warehouse.Kind == "bigquery"
}
`)
	write("pipeline/warehouse/w.go", `package warehouse
func g(n string) bool { return n == "duckdb" }
`)
	write("jobs/a_test.go", `package jobs
func h(n string) bool { return n == "duckdb" }
`)
	got, err := EngineBranches(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []EngineBranch{{"jobs/a.go", 3, "duckdb"}, {"jobs/a.go", 5, "bigquery"}, {"jobs/a.go", 7, "BigQuery"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d = %v, want %v", i, got[i], want[i])
		}
	}
}
