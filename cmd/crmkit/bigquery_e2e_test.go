//go:build !nobigquery

package main

// TestChainOnBigQueryEmulator runs the nightly chain on the same generated
// data twice, once on DuckDB and once on github.com/goccy/bigquery-emulator
// (warehouse.kind: bigquery), and compares mart values read back through
// each warehouse. The emulator binary is found as in the pipeline/warehouse
// emulator tests: $CRMKIT_BIGQUERY_EMULATOR ("off" skips), else
// .cache/bigquery-emulator at the module root (scripts/build-bigquery-emulator.sh).

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/crmkit/crmkit/internal/bqemutest"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// chainJobs is what runs on both engines: the whole chain, checks and
// publish included.
var chainJobs = []string{"run", "ingest", "identity", "core", "models", "checks", "publish"}

func TestChainOnBigQueryEmulator(t *testing.T) {
	bin, why := bqemutest.Binary()
	if bin == "" {
		t.Skip(why)
	}
	if testing.Short() {
		t.Skip("runs the chain twice (DuckDB and the BigQuery emulator)")
	}
	const project, dataset = "crmkit-test", "crm"
	// 60 customers, not a few hundred: the emulator runs GoogleSQL on
	// SQLite through per-row Go callbacks, and the core joins on computed
	// keys (rec_key = channel || ':' || order_id) are nested loops there:
	// at 300 customers the core build alone takes many minutes.
	d := newDemo(t, 60)
	// The generator writes a byte-identical copy of one export ("x (1).csv")
	// to exercise duplicate detection. Recording a duplicate fails on the
	// emulator (it types the query parameters of pipeline/ingest's
	// INSERT ... SELECT ?, ... WHERE NOT EXISTS as INT64), so the copies go
	// before either run;
	// the duplicate is never loaded on DuckDB either, so the marts are the
	// same data either way.
	dups, _ := filepath.Glob(filepath.Join(d.data, "*", "*", "* (1).*"))
	more, _ := filepath.Glob(filepath.Join(d.data, "*", "* (1).*"))
	for _, f := range append(dups, more...) {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
		t.Logf("left out the duplicate export %s", f)
	}

	// DuckDB: the example config as it is.
	runChain(t, d.config, chainJobs...)

	// BigQuery: the same data, a config differing only in the warehouse
	// and the output folder (which holds the lock file).
	rest, grpcAddr := bqemutest.Start(t, bin, project)
	t.Setenv(jobs.BigQueryGRPCEndpointEnv, grpcAddr)
	raw, err := os.ReadFile(d.config)
	if err != nil {
		t.Fatal(err)
	}
	duckBlock := "  kind: duckdb\n  path: ../out/warehouse.duckdb\n"
	bqBlock := fmt.Sprintf("  kind: bigquery\n  project: %s\n  dataset: %s\n  location: US\n  endpoint: %s\n", project, dataset, rest)
	if !bytes.Contains(raw, []byte(duckBlock)) {
		t.Fatalf("config/example.yaml no longer has the warehouse block %q", duckBlock)
	}
	cfgText := strings.Replace(string(raw), duckBlock, bqBlock, 1)
	cfgText = strings.Replace(cfgText, "  memory_limit: 2GB", "", 1)
	cfgText = strings.Replace(cfgText, "output_dir: ../out\n", "output_dir: ../out-bq\n", 1)
	bqConfig := filepath.Join(filepath.Dir(d.config), "crmkit-bigquery.yaml")
	if err := os.WriteFile(bqConfig, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}
	runChain(t, bqConfig, chainJobs...)

	ctx := context.Background()
	duck, err := warehouse.OpenDuckDB(filepath.Join(d.out, "warehouse.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	bq, err := warehouse.OpenBigQuery(ctx, warehouse.BigQueryOptions{
		Project: project, Dataset: dataset, Location: "US", Endpoint: rest, GRPCEndpoint: grpcAddr,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer bq.Close()

	// Each query returns one row of integers (sums are rounded to cents so
	// float summation order does not matter).
	checks := []struct{ name, sql string }{
		{"customers", `SELECT count(*) FROM customers`},
		{"orders", `SELECT count(*), count(customer_id), CAST(round(sum(net_amount) * 100) AS BIGINT) FROM orders`},
		{"order_lines", `SELECT count(*), sum(qty) FROM order_lines`},
		{"rfm tiers", `SELECT count(*), count(DISTINCT tier),
			sum(CASE WHEN tier = 'high_value' THEN 1 ELSE 0 END), sum(CASE WHEN tier = 'active' THEN 1 ELSE 0 END),
			sum(CASE WHEN tier = 'dormant' THEN 1 ELSE 0 END) FROM rfm`},
		// The "all" dimension only: the first_channel and first_category
		// dimensions come from ArgMin, whose ARRAY_AGG ... ORDER BY the
		// emulator ignores (real BigQuery honours it).
		{"cohort_retention", `SELECT count(*), sum(cohort_size), sum(customers_active), CAST(round(sum(revenue) * 100) AS BIGINT)
			FROM cohort_retention WHERE dimension = 'all'`},
		{"cohort_retention region", `SELECT count(*), sum(cohort_size), sum(customers_active) FROM cohort_retention WHERE dimension = 'region'`},
	}
	for _, c := range checks {
		want := queryInts(t, duck, c.sql)
		got := queryInts(t, bq, c.sql)
		if want == "" {
			t.Errorf("%s: no row on DuckDB", c.name)
		}
		if got != want {
			t.Errorf("%s: BigQuery %s, DuckDB %s", c.name, got, want)
		} else {
			t.Logf("%s: %s on both", c.name, got)
		}
	}
	// The strategy scorecard published from each warehouse shows the same
	// headline KPIs.
	duckKPI, bqKPI := kpis(t, filepath.Join(d.out, "strategy.xlsx")), kpis(t, filepath.Join(d.dir, "out-bq", "strategy.xlsx"))
	for _, k := range []string{"net_sales", "orders", "active_customers", "new_customers"} {
		if duckKPI[k] == "" || duckKPI[k] != bqKPI[k] {
			t.Errorf("strategy KPI %s: DuckDB %q, BigQuery %q", k, duckKPI[k], bqKPI[k])
		}
	}
}

// kpis reads "this period" of every KPI of a scorecard workbook.
func kpis(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("KPIs", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		if len(r) > 3 {
			out[r[1]] = r[3]
		}
	}
	return out
}

// runChain runs the chain jobs with the config file.
func runChain(t *testing.T, config string, cmd ...string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args := append(append([]string{}, cmd...), "--config", config, "--log-format", "json", "-q")
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("crmkit %v exited %d:\n%s\n%s", args, code, out.String(), errOut.String())
	}
}

// queryInts runs a one-row query and renders its cells.
func queryInts(t *testing.T, wh warehouse.Warehouse, q string) string {
	t.Helper()
	recs, err := wh.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s on %s: %v", q, wh.Dialect().Name(), err)
	}
	var cells []string
	for _, r := range recs {
		if r.NumRows() > 0 && cells == nil {
			for _, c := range r.Columns() {
				cells = append(cells, c.ValueStr(0))
			}
		}
		r.Release()
	}
	return strings.Join(cells, " ")
}
