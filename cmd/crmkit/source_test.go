package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestSourceSuggestGolden: `crmkit source suggest FILE --check` on a
// Shopify order export (order totals on the first line only), a Tmall
// order report (UTF-8 with BOM), a GBK POS receipt file and an invoice-line
// export with cancellations prints the golden block and check; the block,
// unchanged under a warehouse line, then loads the whole file through
// `crmkit run ingest` with nothing quarantined.
func TestSourceSuggestGolden(t *testing.T) {
	cases := []struct {
		file string
		rows int64 // data rows in the file
	}{
		{"shopify_orders_export.csv", 4},
		{"tmall_orders.csv", 3},
		{"pos_receipts_gbk.csv", 3},
		{"online_retail.csv", 11},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			in, err := filepath.Abs(filepath.Join("testdata", "suggest", c.file))
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, filepath.Ext(in)) + ".golden"
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "data", c.file), raw, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			var out, errOut bytes.Buffer
			if code := run([]string{"source", "suggest", "data/" + c.file, "--check"}, &out, &errOut); code != 0 {
				t.Fatalf("source suggest exited %d: %s", code, errOut.String())
			}
			if *updateGolden {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != string(want) {
				t.Fatalf("output differs from %s:\n%s", golden, out.String())
			}
			block := out.String()[:strings.Index(out.String(), "check:")]
			cfg := "warehouse:\n  path: out/warehouse.duckdb\noutput_dir: out\n" + block
			if err := os.WriteFile("crmkit.yaml", []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			if code := run([]string{"run", "ingest", "--config", "crmkit.yaml", "--log-format", "json", "-q"}, &out, &errOut); code != 0 {
				t.Fatalf("crmkit run ingest with the suggested block exited %d:\n%s\n%s", code, out.String(), errOut.String())
			}
			wh, err := warehouse.OpenDuckDB(filepath.Join(dir, "out", "warehouse.duckdb"), warehouse.DuckDBOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Close()
			var files, read, loaded, quarantined int64
			if err := wh.DB().QueryRow(`SELECT count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined) FROM load_files WHERE status = 'loaded'`).
				Scan(&files, &read, &loaded, &quarantined); err != nil {
				t.Fatal(err)
			}
			if files != 1 || read != c.rows || loaded != c.rows || quarantined != 0 {
				t.Errorf("files/read/loaded/quarantined = %d/%d/%d/%d, want 1/%d/%d/0", files, read, loaded, quarantined, c.rows, c.rows)
			}
		})
	}
}
