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
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// bigQueryEmulatorEnv names the variable giving the emulator binary ("off"
// skips); the same variable as the warehouse package's tests.
const bigQueryEmulatorEnv = "CRMKIT_BIGQUERY_EMULATOR"

// emulatorBinary returns the emulator binary, or "" and why there is none.
func emulatorBinary() (string, string) {
	p := os.Getenv(bigQueryEmulatorEnv)
	if p == "off" {
		return "", fmt.Sprintf("BigQuery emulator tests off (%s=off)", bigQueryEmulatorEnv)
	}
	if p == "" {
		dir, _ := os.Getwd()
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				p = filepath.Join(dir, ".cache", "bigquery-emulator")
				break
			}
		}
	}
	if st, err := os.Stat(p); p == "" || err != nil || st.IsDir() {
		return "", fmt.Sprintf("BigQuery emulator not built: run scripts/build-bigquery-emulator.sh (or set %s to the binary) to run the chain on BigQuery", bigQueryEmulatorEnv)
	}
	return p, ""
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startBigQueryEmulator runs the emulator on loopback ports and returns the
// REST endpoint and the Storage API host:port; it stops when the test ends.
func startBigQueryEmulator(t *testing.T, bin, project string) (rest, grpcAddr string) {
	t.Helper()
	port, gport := freeTCPPort(t), freeTCPPort(t)
	logf, err := os.Create(filepath.Join(t.TempDir(), "emulator.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--project="+project, "--host=127.0.0.1",
		"--port="+strconv.Itoa(port), "--grpc-port="+strconv.Itoa(gport), "--log-level=warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			if len(b) > 20000 {
				b = b[len(b)-20000:]
			}
			t.Logf("emulator log (tail):\n%s", b)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for _, p := range []int{port, gport} {
		for {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("emulator did not listen on %d within 60s", p)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", gport)
}

// chainJobs is what runs on both engines: the whole chain but checks (its
// INSERT INTO source_checks VALUES (...) has no column list, which GoogleSQL
// requires) and publish, which depends on it.
var chainJobs = []string{"run", "ingest", "identity", "core", "models"}

func TestChainOnBigQueryEmulator(t *testing.T) {
	bin, why := emulatorBinary()
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
	// emulator (pipeline/ingest's INSERT ... SELECT ... WHERE NOT EXISTS has
	// no FROM, which GoogleSQL refuses), so the copies go before either run;
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
	rest, grpcAddr := startBigQueryEmulator(t, bin, project)
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
