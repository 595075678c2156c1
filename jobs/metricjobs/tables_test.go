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

// TestSQLRefusesUndeclaredTable: a job rendering a file that names a table
// outside its declaration gets an error naming the job, the file and the
// tables, whichever renderer it goes through (run.render): profit does not
// read stores, sales neither reads nor writes profit's cells, growth does
// not read the kept lines.
func TestSQLRefusesUndeclaredTable(t *testing.T) {
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	runOf := func(job string) *run {
		return &run{env: &jobs.Env{Job: job, Cfg: &config.Config{}, WH: wh}, job: job, wh: wh, end: "TIMESTAMPTZ '2025-02-01 00:00:00+00'"}
	}
	for _, c := range []struct {
		name   string
		render func() (string, error)
		want   string
	}{
		{"input file", func() (string, error) { return runOf(JobProfit).sql("stores") }, "job profit: sql/stores.sql names stores, which the job does not declare"},
		{"month file", func() (string, error) { return runOf(JobSales).monthSQL("profit_cells_touched", monthArgs{}) },
			"job sales: sql/profit_cells_touched.sql names profit_cells, profit_touched, which the job does not declare"},
		{"growth file", func() (string, error) { return runOf(JobGrowth).growthSQL("month_first", growthArgs{}) },
			"job growth: sql/month_first.sql names kept_order_lines, which the job does not declare"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.render(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	q, err := runOf(JobProfit).sql("products")
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT sku, category, brand, unit_cost FROM products"; q != want {
		t.Fatalf("products.sql = %q, want %q", q, want)
	}
}
