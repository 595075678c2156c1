package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/jobs/bench"
	"github.com/crmkit/crmkit/jobs/clvjob"
	"github.com/crmkit/crmkit/jobs/lifecyclejobs"
	"github.com/crmkit/crmkit/jobs/metricjobs"
	"github.com/crmkit/crmkit/jobs/publish"
	"github.com/crmkit/crmkit/jobs/valuejobs"
	"github.com/crmkit/crmkit/pipeline/source"
)

// TestMain wires the plugins as cmd/crmkit's registerPlugins does.
func TestMain(m *testing.M) {
	for _, f := range source.Formats() {
		config.RegisterFormat(f)
	}
	clvjob.Register()
	lifecyclejobs.Register()
	metricjobs.Register()
	valuejobs.Register()
	publish.Register()
	if err := jobs.CheckRegistered(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// TestBenchTinyRun keeps `make bench` from rotting: the whole bench at a
// tiny size must run, report every stage with rows, and time the SQL twins.
// It asserts no timings.
func TestBenchTinyRun(t *testing.T) {
	if testing.Short() {
		t.Skip("bench smoke run: skipped with -short")
	}
	dir := t.TempDir()
	rep, err := bench.Run(context.Background(), bench.Options{ConfigPath: "../../config/example.yaml", Dir: dir, Customers: 300, Seed: 3, MemoryLimit: "1GB", Nightly: true})
	if err != nil {
		t.Fatal(err)
	}
	stages := map[string]bench.Stage{}
	for _, s := range rep.Stages {
		stages[s.Name] = s
	}
	for _, name := range []string{"ingest (utf-8 csv sources)", "ingest (ndjson, parquet, gbk csv, xlsx)", "stitch", "core", "clv", "cohorts", "rfm", "lifecycle", "publish"} {
		s, ok := stages[name]
		if !ok {
			t.Errorf("stage %s missing from the report", name)
			continue
		}
		if name != "publish" && s.RowsIn == 0 && s.RowsOut == 0 {
			t.Errorf("stage %s reports no rows", name)
		}
	}
	for _, name := range []string{"clv: summary", "clv: fit (rows out = distinct triples)", "clv: scoring"} {
		if s := stages[name]; s.RowsIn == 0 || s.RowsOut == 0 || s.Seconds <= 0 {
			t.Errorf("stage %s: %+v, want rows and seconds from the clv job's figures", name, s)
		}
	}
	for _, name := range []string{"ingest (utf-8 csv sources)", "cohorts", "rfm", "growth", "sales", "clv: summary"} {
		if stages[name].SQLSeconds <= 0 || stages[name].Note != "" {
			t.Errorf("stage %s: SQL twin not timed (%v, %q)", name, stages[name].SQLSeconds, stages[name].Note)
		}
	}
	if rep.OrderLines == 0 || rep.PeakRSSMB <= 0 {
		t.Errorf("order lines %d, peak RSS %.0f", rep.OrderLines, rep.PeakRSSMB)
	}
	// The nightly: a delta from every source family that receives files
	// over time, a nightly run that reruns the chain after ingest, an idle
	// run that skips every job but checks, and marts equal to a rebuild.
	n := rep.Nightly
	if n == nil {
		t.Fatal("no nightly report")
	}
	sources := map[string]int{}
	for _, f := range n.Files {
		sources[f.Source] = f.Rows
	}
	for _, s := range []string{"tmall_orders", "shopify_orders", "jd_orders", "pos_receipts", "social_followers", "social_interactions", "campaign_contacts", "service_tickets"} {
		if _, ok := sources[s]; !ok {
			t.Errorf("no delta file for %s: %v", s, n.Files)
		}
	}
	for _, s := range []string{"tmall_orders", "pos_receipts"} {
		if sources[s] == 0 {
			t.Errorf("delta for %s is empty", s)
		}
	}
	for _, st := range n.Stages {
		wantIdle := "skipped"
		if st.Job == "checks" {
			wantIdle = "succeeded"
		}
		if st.IdleStatus != wantIdle {
			t.Errorf("nothing new: %s %s, want %s", st.Job, st.IdleStatus, wantIdle)
		}
		if (st.Job == "core" || st.Job == "stitch" || st.Job == "clv" || st.Job == "ingest:tmall_orders") && st.NightlyStatus != "succeeded" && st.NightlyStatus != "partial" {
			t.Errorf("nightly: %s %s, want it run", st.Job, st.NightlyStatus)
		}
	}
	if len(n.Differences) != 0 || n.Tables < 10 {
		t.Errorf("marts after the nightly vs a full rebuild (%d tables): %v", n.Tables, n.Differences)
	}
	if err := rep.WriteJSON(filepath.Join(dir, "bench.json")); err != nil {
		t.Fatal(err)
	}
	// A second run reuses the cached data.
	rep2, err := bench.Run(context.Background(), bench.Options{ConfigPath: "../../config/example.yaml", Dir: dir, Customers: 300, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !rep2.GenerateCache || rep2.OrderLines != rep.OrderLines {
		t.Errorf("second run: cached %v, order lines %d vs %d", rep2.GenerateCache, rep2.OrderLines, rep.OrderLines)
	}
}
