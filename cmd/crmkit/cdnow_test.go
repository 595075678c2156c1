package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// cdnowSample finds CDNOW_sample.txt as published: in the shared data
// beside the repository (../shared from the repository root, where CI puts
// it), else the byte-for-byte copy the CLV model tests keep in the
// repository. The test fails, never skips, when neither is there.
func cdnowSample(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"../../../shared/data/cdnow/CDNOW_sample.txt", "../../models/clv/testdata/CDNOW_sample.txt"} {
		if _, err := os.Stat(p); err == nil {
			abs, err := filepath.Abs(p)
			if err != nil {
				t.Fatal(err)
			}
			return abs
		}
	}
	t.Fatal("CDNOW_sample.txt not found in ../shared/data/cdnow nor models/clv/testdata")
	return ""
}

// cdnowConfig loads the CDNOW sample as it is published: no header, fields
// separated by runs of spaces, CRLF lines, yyyymmdd dates, no order id
// (each line is one purchase) and no unit price (derived from the dollars
// and the number of CDs). Its purchases are from 1997, before the default
// valid_from (2000-01-01), so the source says where its dates start.
const cdnowConfig = `warehouse:
  path: out/warehouse.duckdb
output_dir: out
timezone: UTC
as_of: "1997-09-30"
sources:
  - name: cdnow
    table: order_lines
    channel: cdnow
    path: %s
    format: csv
    delimiter: whitespace
    header: false
    timestamp_layout: "20060102"
    valid_from: "1997-01-01"
    columns:
      buyer_id: "2"
      order_ts: "3"
      qty: "4"
      paid_amount: "5"
    constants:
      sku: cd
`

// TestCDNOWSampleThroughCLI runs `crmkit run --with-deps clv` (ingest,
// stitching, core tables, CLV) with a config file on
// CDNOW_sample.txt and checks the BG/NBD fit against the estimates Fader,
// Hardie & Lee (2005) publish for its 39-week calibration period ending
// 1997-09-30 (full precision from the BTYD walkthrough): every parameter
// to 1e-3 and the log-likelihood to 0.01. The 8 lines of $0.00 are
// purchases: without them 8 customers drop out and r moves to 0.2439.
func TestCDNOWSampleThroughCLI(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "crmkit.yaml")
	if err := os.WriteFile(cfg, []byte(strings.Replace(cdnowConfig, "%s", cdnowSample(t), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "--with-deps", "clv", "--config", cfg, "--log-format", "json", "-q"}, &out, &errOut); code != 0 {
		t.Fatalf("crmkit run exited %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	wh, err := warehouse.OpenDuckDB(filepath.Join(dir, "out", "warehouse.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	db := wh.DB()
	var read, loaded, quarantined, orders, zero int64
	if err := db.QueryRow(`SELECT sum(rows_read), sum(rows_loaded), sum(rows_quarantined) FROM load_files WHERE status = 'loaded'`).Scan(&read, &loaded, &quarantined); err != nil {
		t.Fatal(err)
	}
	if read != 6919 || loaded != 6919 || quarantined != 0 {
		t.Errorf("rows read/loaded/quarantined = %d/%d/%d, want 6919/6919/0", read, loaded, quarantined)
	}
	if err := db.QueryRow(`SELECT count(*), count(CASE WHEN net_amount = 0 THEN 1 END) FROM orders`).Scan(&orders, &zero); err != nil {
		t.Fatal(err)
	}
	if orders != 6919 || zero != 8 {
		t.Errorf("orders = %d with %d of $0.00, want 6919 (one per line) with 8", orders, zero)
	}
	var customers int64
	var r, alpha, a, b, ll float64
	if err := db.QueryRow(`SELECT customers, r, alpha, a, b, loglik FROM clv_fit WHERE as_of = DATE '1997-09-30'`).Scan(&customers, &r, &alpha, &a, &b, &ll); err != nil {
		t.Fatal(err)
	}
	if customers != 2357 {
		t.Errorf("customers in the fit = %d, want 2357", customers)
	}
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"r", r, 0.2425982, 1e-3},
		{"alpha", alpha, 4.413684, 1e-3},
		{"a", a, 0.7929899, 1e-3},
		{"b", b, 2.426167, 1e-3},
		{"log-likelihood", ll, -9582.429, 0.01},
	} {
		if d := c.got - c.want; d > c.tol || d < -c.tol {
			t.Errorf("%s = %.7f, want %.7f ± %g", c.name, c.got, c.want, c.tol)
		}
	}
}

// TestCDNOWSampleCohortsRFM runs `crmkit run --with-deps cohorts rfm` on
// CDNOW_sample.txt (as-of 1997-09-30) and checks that cohorts and RFM see
// the same 2,357 buyers as the CLV fit: they count the shared purchase
// rule's purchases, so the 8 customers whose purchases to the as-of day
// are $0.00 lines are buyers (cohort members, RFM-scored with monetary 0),
// not the 2,349 an amount > 0 filter would leave.
func TestCDNOWSampleCohortsRFM(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "crmkit.yaml")
	if err := os.WriteFile(cfg, []byte(strings.Replace(cdnowConfig, "%s", cdnowSample(t), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "--with-deps", "cohorts", "rfm", "--config", cfg, "--log-format", "json", "-q"}, &out, &errOut); code != 0 {
		t.Fatalf("crmkit run exited %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	wh, err := warehouse.OpenDuckDB(filepath.Join(dir, "out", "warehouse.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	db := wh.DB()
	var cohortCustomers, rfmCustomers, rfmZero int64
	if err := db.QueryRow(`SELECT sum(cohort_size) FROM cohort_retention
		WHERE as_of = DATE '1997-09-30' AND dimension = 'all' AND months_since = 0`).Scan(&cohortCustomers); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*), count(CASE WHEN monetary = 0 AND frequency > 0 THEN 1 END) FROM rfm
		WHERE as_of = DATE '1997-09-30'`).Scan(&rfmCustomers, &rfmZero); err != nil {
		t.Fatal(err)
	}
	if cohortCustomers != 2357 || rfmCustomers != 2357 || rfmZero != 8 {
		t.Errorf("customers in cohorts = %d, in RFM = %d (%d with monetary 0), want 2357, 2357 (8)", cohortCustomers, rfmCustomers, rfmZero)
	}
}
