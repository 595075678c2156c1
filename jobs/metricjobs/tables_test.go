package metricjobs

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestJobsDeclareTheirTables: every job declares what it reads and writes,
// every table an input file names is declared by some job, and every
// declared read is named by some file (apart from the change log and the
// watermarks, which package jobs reads, and a job's own mart, which the
// month files name by data).
func TestJobsDeclareTheirTables(t *testing.T) {
	named := map[string]bool{}
	for _, f := range queries.Names() {
		for _, tb := range queries.Tables(f) {
			named[tb] = true
		}
	}
	declared := map[string]bool{}
	for _, name := range []string{JobProfit, JobGrowth, JobSales, JobCampaign, JobCredit, JobSocial} {
		j := newJob(name, nil)
		if want := append([]string{name}, extraWrites[name]...); len(j.Reads) == 0 || !slices.Equal(j.Writes, want) {
			t.Errorf("job %s: Reads %v, Writes %v; want reads declared and Writes %v", name, j.Reads, j.Writes, want)
		}
		for _, tb := range j.Reads {
			declared[tb] = true
			if byJobs := slices.Contains(jobs.ChangeLogTables, tb) || tb == jobs.WatermarksTable || tb == name; !named[tb] && !byJobs {
				t.Errorf("job %s declares it reads %s, which no file in sql/ names", name, tb)
			}
		}
	}
	for tb := range named {
		if !declared[tb] {
			t.Errorf("sql/ reads %s, which no job declares", tb)
		}
	}
}

// TestSQLRefusesUndeclaredTable: a job rendering a file that reads a table
// outside its declaration gets an error naming the job, the file and the
// table (profit does not read stores).
func TestSQLRefusesUndeclaredTable(t *testing.T) {
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	r := &run{env: &jobs.Env{Job: JobProfit, Cfg: &config.Config{}, WH: wh}, job: JobProfit, wh: wh, end: "TIMESTAMPTZ '2025-02-01 00:00:00+00'"}
	if _, err := r.sql("stores"); err == nil || !strings.Contains(err.Error(), "job profit: sql/stores.sql reads stores") {
		t.Fatalf("profit rendering stores.sql: err = %v, want the undeclared table named", err)
	}
	q, err := r.sql("products")
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT sku, category, brand, unit_cost FROM products"; q != want {
		t.Fatalf("products.sql = %q, want %q", q, want)
	}
}
