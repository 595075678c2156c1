package main

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/models/identity"
	"github.com/crmkit/crmkit/pipeline/generate"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// demoEnv generates sample data and writes a config pointing at it, the way
// `make demo` does, in a temporary folder.
type demoEnv struct {
	dir, data, out, config string
	sum                    *generate.Summary
	wh                     *warehouse.DuckDB
}

func newDemo(t *testing.T, customers int) *demoEnv {
	t.Helper()
	return newDemoSeed(t, customers, 7)
}

// newDemoSeed is newDemo with the generator's seed.
func newDemoSeed(t *testing.T, customers int, seed uint64) *demoEnv {
	t.Helper()
	dir := t.TempDir()
	d := &demoEnv{dir: dir, data: filepath.Join(dir, "data", "sample"), out: filepath.Join(dir, "out")}
	sum, err := generate.Generate(generate.Options{Dir: d.data, Customers: customers, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	d.sum = sum
	raw, err := os.ReadFile("../../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The example config lives in config/ and points at ../data and ../out:
	// put the copy one level down so the same relative paths resolve here.
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	d.config = filepath.Join(dir, "config", "crmkit.yaml")
	if err := os.WriteFile(d.config, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *demoEnv) run(t *testing.T, args ...string) string {
	t.Helper()
	d.closeDB()
	var out, errOut bytes.Buffer
	code := run(append(args, "--config", d.config, "--log-format", "json", "-q"), &out, &errOut)
	if code != 0 {
		t.Fatalf("crmkit %v exited %d:\n%s\n%s", args, code, out.String(), errOut.String())
	}
	return out.String()
}

// db opens the demo warehouse; closeDB must be called before the next
// crmkit command touches the file (one DuckDB instance per file).
func (d *demoEnv) db(t *testing.T) *sql.DB {
	t.Helper()
	d.closeDB()
	wh, err := warehouse.OpenDuckDB(filepath.Join(d.out, "warehouse.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.wh = wh
	t.Cleanup(d.closeDB)
	return wh.DB()
}

func (d *demoEnv) closeDB() {
	if d.wh != nil {
		d.wh.Close()
		d.wh = nil
	}
}

func counts(t *testing.T, db *sql.DB, tables ...string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tb := range tables {
		var n int64
		if err := db.QueryRow("SELECT count(*) FROM " + tb).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", tb, err)
		}
		out[tb] = n
	}
	return out
}

var countedTables = []string{"raw_order_lines", "raw_products", "raw_stores", "raw_social_accounts", "raw_social_interactions",
	"raw_campaigns", "raw_campaign_contacts", "raw_service_tickets", "quarantine", "load_files", "orders", "customers", "identity_map"}

// TestDemoChainEndToEnd runs the whole chain on generated data twice and
// checks what a user relies on: outputs exist, every load reconciles, the
// quarantine holds exactly the generator's deliberate bad rows, the
// duplicate file is not loaded, a rerun changes nothing, and stitching
// reaches the precision and recall targets against the ground truth.
func TestDemoChainEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end chain: skipped with -short")
	}
	d := newDemo(t, 1500)
	first := d.run(t, "run")
	if !strings.Contains(first, "0 failed") {
		t.Fatalf("chain output:\n%s", first)
	}
	for _, f := range []string{"warehouse.duckdb", "revenue_by_channel.xlsx", "revenue_by_channel.html"} {
		if _, err := os.Stat(filepath.Join(d.out, f)); err != nil {
			t.Errorf("missing output %s: %v", f, err)
		}
	}
	db := d.db(t)
	before := counts(t, db, countedTables...)

	// Every load reconciles.
	var bad int64
	if err := db.QueryRow(`SELECT count(*) FROM load_files WHERE status = 'loaded' AND rows_read <> rows_loaded + rows_quarantined`).Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("%d loads do not reconcile (%v)", bad, err)
	}
	// The quarantine is exactly the generator's bad rows (file, row, field).
	truth := readBadRows(t, filepath.Join(d.data, "truth", "bad_rows.csv"))
	rows, err := db.Query(`SELECT file, "row", coalesce("column", ''), reason FROM quarantine`)
	if err != nil {
		t.Fatal(err)
	}
	dupOf := map[string]string{}
	for _, f := range d.sum.Files {
		if f.DuplicateOf != "" {
			dupOf[f.Path] = f.DuplicateOf
			dupOf[f.DuplicateOf] = f.DuplicateOf
		}
	}
	got := map[string]string{}
	for rows.Next() {
		var file, col, reason string
		var row int64
		if err := rows.Scan(&file, &row, &col, &reason); err != nil {
			t.Fatal(err)
		}
		file = strings.TrimPrefix(file, "../data/sample/")
		if orig, ok := dupOf[file]; ok {
			file = orig // the copy was loaded first; the truth names the original
		}
		got[fmt.Sprintf("%s:%d", file, row)] = col + "/" + reason
	}
	rows.Close()
	if len(got) != len(truth) {
		t.Errorf("quarantine has %d rows, generator wrote %d bad rows", len(got), len(truth))
	}
	// The generator's kinds are the quarantine reason codes; wrong_columns
	// rows have no field.
	for k, v := range truth {
		g, ok := got[k]
		if !ok {
			t.Errorf("bad row %s (%s) not quarantined", k, v)
			continue
		}
		if g != v {
			t.Errorf("bad row %s quarantined as %s, want %s", k, g, v)
		}
	}
	var dups int64
	if err := db.QueryRow(`SELECT count(*) FROM load_files WHERE status = 'duplicate'`).Scan(&dups); err != nil || dups != 1 {
		t.Errorf("duplicate files recorded: %d (%v), want 1", dups, err)
	}

	// Stitching quality against the ground truth.
	tf, err := os.Open(filepath.Join(d.data, "truth", "identities.csv"))
	if err != nil {
		t.Fatal(err)
	}
	labels, err := identity.ReadTruthCSV(tf)
	tf.Close()
	if err != nil {
		t.Fatal(err)
	}
	pred := map[identity.IDKey]string{}
	mrows, err := db.Query(`SELECT id_type, id_value, customer_id FROM identity_map`)
	if err != nil {
		t.Fatal(err)
	}
	for mrows.Next() {
		var k identity.IDKey
		var c string
		if err := mrows.Scan(&k.Type, &k.Value, &c); err != nil {
			t.Fatal(err)
		}
		pred[k] = c
	}
	mrows.Close()
	sc := identity.EvaluateMap(labels, pred, "CN")
	t.Logf("stitching on generated data: precision %.4f recall %.4f F1 %.4f", sc.Precision, sc.Recall, sc.F1)
	if sc.Precision < 0.995 || sc.Recall < 0.99 {
		t.Errorf("stitching precision %.4f recall %.4f, want >= 0.995 and >= 0.99", sc.Precision, sc.Recall)
	}
	d.closeDB()

	// A second run loads nothing twice and changes no id.
	d.run(t, "run")
	after := counts(t, d.db(t), countedTables...)
	for _, tb := range countedTables {
		if before[tb] != after[tb] {
			t.Errorf("%s: %d rows after the first run, %d after the second", tb, before[tb], after[tb])
		}
	}
	status := d.run(t, "status", "--json")
	if !strings.Contains(status, `"job": "publish"`) {
		t.Errorf("status --json lacks publish:\n%s", status)
	}
}

func readBadRows(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range recs[1:] {
		out[r[0]+":"+r[1]] = r[2] + "/" + r[3]
	}
	return out
}
