package main

import (
	"strings"
	"testing"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/jobs/lifecyclejobs"
	"github.com/crmkit/crmkit/jobs/metricjobs"
	"github.com/crmkit/crmkit/jobs/valuejobs"
)

// TestRegisterPluginsWiresTheChain: after registerPlugins the nightly chain
// has the publish job and every model job, and the config accepts every
// built-in source format (and still rejects one nobody registered).
func TestRegisterPluginsWiresTheChain(t *testing.T) {
	if err := registerPlugins(); err != nil {
		t.Fatal(err)
	}
	g := jobs.Nightly(&config.Config{})
	for _, name := range []string{jobs.JobPublish, "clv", lifecyclejobs.JobName, valuejobs.JobCohorts, valuejobs.JobRFM,
		metricjobs.JobProfit, metricjobs.JobGrowth, metricjobs.JobSales, metricjobs.JobCampaign, metricjobs.JobCredit, metricjobs.JobSocial} {
		if _, ok := g.Job(name); !ok {
			t.Errorf("nightly chain has no %q job", name)
		}
	}
	for _, c := range []struct {
		format   string
		accepted bool
	}{{"csv", true}, {"ndjson", true}, {"xlsx", true}, {"parquet", true}, {"json", false}} {
		yaml := "sources:\n  - name: s\n    table: order_lines\n    path: x\n    format: " + c.format + "\n"
		_, err := config.Parse("t.yaml", []byte(yaml))
		rejected := err != nil && strings.Contains(err.Error(), "unknown format")
		if rejected == c.accepted {
			t.Errorf("format %s: accepted %v, want %v (err %v)", c.format, !rejected, c.accepted, err)
		}
	}
}

// TestJobsPrintsDeclaredTables: crmkit jobs shows the tables a job declares
// it reads and writes (the metric jobs declare theirs).
func TestJobsPrintsDeclaredTables(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"jobs", "--config", "../../config/example.yaml"}, &out, &errOut); code != 0 {
		t.Fatalf("crmkit jobs: exit %d: %s", code, errOut.String())
	}
	var profit string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, metricjobs.JobProfit+" ") {
			profit = l
		}
	}
	// The model's inputs come first; the change-log and scratch tables of
	// its nightly path follow them.
	for _, want := range []string{" reads=order_lines,products,", ",core_changes,", " writes=profit,model_watermarks,profit_touched"} {
		if !strings.Contains(profit, want) {
			t.Fatalf("profit line = %q, want %q among its declared tables\n%s", profit, want, out.String())
		}
	}
}
