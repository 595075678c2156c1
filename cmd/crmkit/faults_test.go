package main

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/crmkit/crmkit/jobs"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// The fault cases of issue 15 run the whole chain through the CLI on a
// small generated drop with one fault added, against a real DuckDB file.
// Expected counts are stated per case: those of the added rows and files
// by construction, those of the generated files through the invariants
// that must hold whatever the generator makes (rows read = loaded +
// quarantined per file; counts after a round trip equal those before).
func TestFaultCases(t *testing.T) {
	if testing.Short() {
		t.Skip("fault cases run the chain: skipped with -short")
	}
	cases := []struct {
		name string
		run  func(t *testing.T, d *demoEnv)
	}{
		{"year 0001 and 2099 rows are quarantined and the as-of stays", faultImplausibleDates},
		{"gbk file in a utf-8 source is rejected alone", faultGBKInUTF8},
		{"fix the timestamp layout then run loads the files", faultFixLayout},
		{"six product re-exports end at the last cost", faultProductReexports},
		{"unload then reload leaves the counts as they were", faultUnloadReload},
		{"reload under a fixed time zone moves the orders", faultReloadFixedZone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, newDemo(t, 300))
		})
	}
}

// jobStatuses runs crmkit run, which must end with no failed job, and
// returns each job's status from its output.
func (d *demoEnv) jobStatuses(t *testing.T, args ...string) map[string]string {
	t.Helper()
	st, failed := d.chainStatuses(t, args...)
	if failed != 0 {
		t.Fatalf("%d jobs failed: %v", failed, st)
	}
	return st
}

// chainStatuses runs crmkit run and returns each job's status and the
// number of failed jobs.
func (d *demoEnv) chainStatuses(t *testing.T, args ...string) (map[string]string, int) {
	t.Helper()
	d.closeDB()
	var out, errOut bytes.Buffer
	code := run(append(append([]string{"run"}, args...), "--config", d.config, "--log-format", "json", "-q"), &out, &errOut)
	st := map[string]string{}
	failed := 0
	for _, l := range strings.Split(out.String(), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || f[0] == "JOB" || f[0] == "chain" {
			continue
		}
		st[f[0]] = f[1]
		if f[1] == "failed" || f[1] == "blocked" {
			failed++
		}
	}
	if (code != 0) != (failed != 0) {
		t.Fatalf("crmkit run exited %d with %d failed jobs:\n%s\n%s", code, failed, out.String(), errOut.String())
	}
	return st, failed
}

func scalar[T any](t *testing.T, db *sql.DB, q string, args ...any) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// checkReconciles: every file's rows read = loaded + quarantined; the raw
// rows of each loaded file and the quarantine rows of each file are what
// the manifest says; no (load, row) is held twice.
func checkReconciles(t *testing.T, db *sql.DB) {
	t.Helper()
	if n := scalar[int64](t, db, `SELECT count(*) FROM load_files WHERE rows_read <> rows_loaded + rows_quarantined`); n != 0 {
		t.Errorf("%d manifest rows with rows read <> loaded + quarantined", n)
	}
	if n := scalar[int64](t, db, `SELECT count(*) FROM load_files f WHERE rows_quarantined <> (SELECT count(*) FROM quarantine q WHERE q.load_id = f.load_id AND q.file = f.file)`); n != 0 {
		t.Errorf("%d files whose quarantine rows differ from the manifest", n)
	}
	if n := scalar[int64](t, db, `SELECT count(*) FROM load_files f WHERE status = 'loaded' AND rows_loaded <> (SELECT count(*) FROM raw_order_lines r WHERE r._load_id = f.load_id)
		AND source IN ('tmall_orders', 'shopify_orders', 'jd_orders', 'pos_receipts')`); n != 0 {
		t.Errorf("%d order files whose raw rows differ from the manifest", n)
	}
	if n := scalar[int64](t, db, `SELECT count(*) FROM (SELECT _load_id, _row FROM raw_order_lines GROUP BY 1, 2 HAVING count(*) > 1)`); n != 0 {
		t.Errorf("%d order lines held twice", n)
	}
	if n := scalar[int64](t, db, `SELECT count(*) FROM (SELECT load_id, file, "row" FROM quarantine GROUP BY 1, 2, 3 HAVING count(*) > 1)`); n != 0 {
		t.Errorf("%d quarantine rows held twice", n)
	}
}

func faultImplausibleDates(t *testing.T, d *demoEnv) {
	// Lines like the generated ones (every mapped key), with their own
	// order ids and times.
	gen, err := os.ReadFile(filepath.Join(d.data, "ecommerce", "tmall", "orders_202401.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	var proto map[string]any
	if err := json.Unmarshal(bytes.SplitN(gen, []byte("\n"), 2)[0], &proto); err != nil {
		t.Fatal(err)
	}
	line := func(id, ts string) string {
		proto["订单编号"], proto["下单时间"] = id, ts
		b, err := json.Marshal(proto)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	body := strings.Join([]string{line("F1", "2025-06-01 10:00:00"), line("F2", "0001-01-01 00:00:00"), line("F3", "2099-06-01 12:00:00")}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(d.data, "ecommerce", "tmall", "orders_fault.ndjson"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	st := d.jobStatuses(t)
	for _, j := range []string{"ingest:tmall_orders", "core", "cohorts", "rfm", "publish"} {
		if st[j] != "succeeded" {
			t.Errorf("%s: %s, want succeeded", j, st[j])
		}
	}
	db := d.db(t)
	var read, loaded, quar int64
	if err := db.QueryRow(`SELECT rows_read, rows_loaded, rows_quarantined FROM load_files WHERE file LIKE '%orders_fault.ndjson' AND status = 'loaded'`).Scan(&read, &loaded, &quar); err != nil {
		t.Fatal(err)
	}
	if read != 3 || loaded != 1 || quar != 2 {
		t.Errorf("orders_fault.ndjson: read %d, loaded %d, quarantined %d; want 3, 1, 2", read, loaded, quar)
	}
	if n := scalar[int64](t, db, `SELECT count(*) FROM quarantine WHERE file LIKE '%orders_fault.ndjson' AND reason = 'bad_date' AND "column" = 'order_ts' AND "row" IN (2, 3)`); n != 2 {
		t.Errorf("%d bad_date rows of order_ts in rows 2 and 3, want 2", n)
	}
	// The as-of date is the day of the newest order kept, in the business
	// zone, which the 2099 row no longer is.
	want := scalar[string](t, db, `SELECT strftime(max(order_ts) AT TIME ZONE 'Asia/Shanghai', '%Y-%m-%d') FROM orders`)
	if want >= "2099" {
		t.Fatalf("newest order %s: the 2099 row was loaded", want)
	}
	for _, mart := range []string{"cohort_retention", "rfm"} {
		if got := scalar[string](t, db, `SELECT strftime(max(as_of), '%Y-%m-%d') FROM `+mart); got != want {
			t.Errorf("%s as_of %s, want %s", mart, got, want)
		}
	}
	checkReconciles(t, db)
}

func faultGBKInUTF8(t *testing.T, d *demoEnv) {
	dir := filepath.Join(d.data, "ecommerce", "shopify")
	good, _ := filepath.Glob(filepath.Join(dir, "orders_*.csv"))
	f, err := os.Open(filepath.Join(dir, "orders_202401.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	hdr := rows[0]
	col := func(name string) int {
		for i, h := range hdr {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(hdr)
	for i, r := range rows[1:4] {
		r = append([]string(nil), r...)
		r[col("Name")] = fmt.Sprintf("#GBK%d", i)
		r[col("Billing Name")] = "张三丰"
		_ = w.Write(r)
	}
	w.Flush()
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	// Named to sort first: the group it would have spoiled comes after it.
	if err := os.WriteFile(filepath.Join(dir, "orders_000000_gbk.csv"), gbk, 0o644); err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		st := d.jobStatuses(t, "--force")
		want := map[string]string{"ingest:shopify_orders": "partial", "ingest:tmall_orders": "succeeded", "ingest:pos_receipts": "succeeded",
			"stitch": "succeeded", "core": "succeeded", "cohorts": "succeeded", "publish": "succeeded"}
		for j, w := range want {
			if st[j] != w {
				t.Errorf("run %d: %s %s, want %s", run, j, st[j], w)
			}
		}
		db := d.db(t)
		var status, msg string
		if err := db.QueryRow(`SELECT status, error FROM load_files WHERE file LIKE '%orders_000000_gbk.csv'`).Scan(&status, &msg); err != nil {
			t.Fatal(err)
		}
		if status != "rejected" || !strings.Contains(msg, "orders_000000_gbk.csv") || !strings.Contains(msg, "not valid utf-8") {
			t.Errorf("run %d: gbk file %s: %q, want rejected naming the file and the encoding", run, status, msg)
		}
		// Every other file of the drop loaded once (one generated file is
		// a copy of another: recorded duplicate).
		if n := scalar[int64](t, db, `SELECT count(*) FROM load_files WHERE source = 'shopify_orders' AND status IN ('loaded', 'duplicate')`); n != int64(len(good)) {
			t.Errorf("run %d: %d shopify files loaded or duplicate, want %d", run, n, len(good))
		}
		if n := scalar[int64](t, db, `SELECT count(*) FROM load_files WHERE source = 'shopify_orders' AND status = 'rejected'`); n != 1 {
			t.Errorf("run %d: %d rejected shopify files, want 1", run, n)
		}
		if n := scalar[int64](t, db, `SELECT count(*) FROM raw_order_lines WHERE order_id LIKE '#GBK%'`); n != 0 {
			t.Errorf("run %d: %d rows of the gbk file loaded", run, n)
		}
		checkReconciles(t, db)
	}
}

// breakTmall rewrites the demo config with the tmall source's layout
// block (its timestamp layout, time zone and first column) changed by
// from -> to, and returns the config as it was, to write back.
func breakTmall(t *testing.T, d *demoEnv, from, to string) []byte {
	t.Helper()
	raw, err := os.ReadFile(d.config)
	if err != nil {
		t.Fatal(err)
	}
	good := `timestamp_layout: "2006-01-02 15:04:05"
    timezone: Asia/Shanghai
    columns:
      order_id: 订单编号`
	if !bytes.Contains(raw, []byte(good)) {
		t.Fatal("example config: tmall layout not found")
	}
	bad := strings.Replace(good, from, to, 1)
	if err := os.WriteFile(d.config, bytes.Replace(raw, []byte(good), []byte(bad), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	return raw
}

func faultFixLayout(t *testing.T, d *demoEnv) {
	raw := breakTmall(t, d, "2006-01-02 15:04:05", "2006/01/02 15:04:05")
	files, _ := filepath.Glob(filepath.Join(d.data, "ecommerce", "tmall", "orders_*.ndjson"))
	nFiles := int64(len(files))
	// The source check flags a source with no rows; the rest of the chain
	// goes on.
	st, failed := d.chainStatuses(t)
	if st["ingest:tmall_orders"] != "partial" || st["core"] != "succeeded" || st["cohorts"] != "succeeded" || st["publish"] != "succeeded" || st["checks"] != "failed" || failed != 1 {
		t.Errorf("broken layout: tmall %s, core %s, cohorts %s, publish %s, checks %s, %d failed; want partial, succeeded, succeeded, succeeded, failed, 1",
			st["ingest:tmall_orders"], st["core"], st["cohorts"], st["publish"], st["checks"], failed)
	}
	db := d.db(t)
	var rejected, read, quar int64
	if err := db.QueryRow(`SELECT count(*), sum(rows_read), sum(rows_quarantined) FROM load_files WHERE source = 'tmall_orders' AND status = 'rejected' AND rows_loaded = 0`).Scan(&rejected, &read, &quar); err != nil {
		t.Fatal(err)
	}
	if rejected != nFiles || read != quar || read == 0 {
		t.Fatalf("broken layout: %d rejected tmall files (want %d) reading %d rows with %d quarantined (want all)", rejected, nFiles, read, quar)
	}
	if n := scalar[int64](t, db, `SELECT count(*) FROM raw_order_lines WHERE channel = 'tmall'`); n != 0 {
		t.Errorf("broken layout: %d tmall rows loaded, want 0", n)
	}
	checkReconciles(t, db)

	if err := os.WriteFile(d.config, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	st = d.jobStatuses(t)
	if st["ingest:tmall_orders"] != "succeeded" {
		t.Errorf("fixed layout: tmall %s, want succeeded", st["ingest:tmall_orders"])
	}
	db = d.db(t)
	var loadedFiles, read2, loaded, quar2 int64
	if err := db.QueryRow(`SELECT count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined) FROM load_files WHERE source = 'tmall_orders' AND status = 'loaded'`).Scan(&loadedFiles, &read2, &loaded, &quar2); err != nil {
		t.Fatal(err)
	}
	if loadedFiles != nFiles || read2 != read || loaded == 0 || loaded+quar2 != read {
		t.Errorf("fixed layout: %d tmall files loaded (want %d), rows read %d (want %d), loaded %d, quarantined %d", loadedFiles, nFiles, read2, read, loaded, quar2)
	}
	if n := scalar[int64](t, db, `SELECT count(*) FROM load_files WHERE source = 'tmall_orders' AND status = 'rejected'`); n != 0 {
		t.Errorf("fixed layout: %d tmall files still rejected", n)
	}
	if n := scalar[int64](t, db, `SELECT count(*) FROM raw_order_lines WHERE channel = 'tmall'`); n != loaded {
		t.Errorf("fixed layout: %d tmall raw rows, want %d", n, loaded)
	}
	checkReconciles(t, db)
}

func faultProductReexports(t *testing.T, d *demoEnv) {
	path := filepath.Join(d.data, "erp", "products.xlsx")
	d.jobStatuses(t, "ingest:erp_products", "core")
	sku := scalar[string](t, d.db(t), `SELECT min(sku) FROM products`)
	d.closeDB()
	for i, cost := range []float64{151, 152, 153, 154, 155, 156} {
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("商品")
		if err != nil {
			t.Fatal(err)
		}
		costCol, skuCol := -1, -1
		for c, h := range rows[0] {
			switch h {
			case "单位成本":
				costCol = c
			case "商品编码":
				skuCol = c
			}
		}
		found := false
		for r, row := range rows {
			if r > 0 && skuCol < len(row) && row[skuCol] == sku {
				cell, _ := excelize.CoordinatesToCellName(costCol+1, r+1)
				if err := f.SetCellValue("商品", cell, cost); err != nil {
					t.Fatal(err)
				}
				found = true
			}
		}
		if !found {
			t.Fatalf("sku %s not in products.xlsx", sku)
		}
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		f.Close()
		st := d.jobStatuses(t, "ingest:erp_products", "core")
		if st["ingest:erp_products"] != "succeeded" {
			t.Fatalf("export %d: ingest %s", i+1, st["ingest:erp_products"])
		}
		db := d.db(t)
		if got := scalar[float64](t, db, `SELECT unit_cost FROM products WHERE sku = ?`, sku); got != cost {
			t.Errorf("export %d: unit cost %v, want %v", i+1, got, cost)
		}
		if n := scalar[int64](t, db, `SELECT count(*) FROM load_files WHERE source = 'erp_products' AND status = 'loaded'`); n != int64(i+2) {
			t.Errorf("export %d: %d product loads, want %d", i+1, n, i+2)
		}
		// Data health: the rows current are the products core holds; each
		// earlier export's rows are superseded.
		var loaded, current, products, perExport int64
		if err := db.QueryRow(`SELECT sum(f.rows_loaded), sum(coalesce(c.current_rows, 0)), (SELECT count(*) FROM products), min(f.rows_loaded)
			FROM load_files f LEFT JOIN (`+jobs.CurrentRowsSQL+`) c ON c.load_id = f.load_id WHERE f.source = 'erp_products' AND f.status = 'loaded'`).Scan(&loaded, &current, &products, &perExport); err != nil {
			t.Fatal(err)
		}
		if current != products || loaded != int64(i+2)*perExport || loaded-current != int64(i+1)*perExport {
			t.Errorf("export %d: %d rows loaded, %d current, %d products, %d per export; want current = products and %d superseded", i+1, loaded, current, products, perExport, int64(i+1)*perExport)
		}
		d.closeDB()
	}
}

func faultUnloadReload(t *testing.T, d *demoEnv) {
	d.jobStatuses(t)
	type snap struct{ raw, quar, files, read, loaded, quarantined int64 }
	take := func() snap {
		db := d.db(t)
		var s snap
		s.raw = scalar[int64](t, db, `SELECT count(*) FROM raw_order_lines WHERE channel = 'shopify'`)
		s.quar = scalar[int64](t, db, `SELECT count(*) FROM quarantine WHERE source = 'shopify_orders'`)
		if err := db.QueryRow(`SELECT count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) FROM load_files
			WHERE source = 'shopify_orders' AND status = 'loaded'`).Scan(&s.files, &s.read, &s.loaded, &s.quarantined); err != nil {
			t.Fatal(err)
		}
		checkReconciles(t, db)
		d.closeDB()
		return s
	}
	before := take()
	if before.raw != before.loaded || before.quar != before.quarantined || before.read != before.loaded+before.quarantined {
		t.Fatalf("before: %+v does not reconcile", before)
	}
	db := d.db(t)
	var part snap
	if err := db.QueryRow(`SELECT count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined) FROM load_files
		WHERE source = 'shopify_orders' AND status = 'loaded' AND regexp_matches(file, 'orders_2024[^/]*\.csv$')`).Scan(&part.files, &part.read, &part.loaded, &part.quarantined); err != nil {
		t.Fatal(err)
	}
	d.closeDB()
	if part.files == 0 || part.files == before.files {
		t.Fatalf("the 2024 files are %d of %d: the case needs some, not all", part.files, before.files)
	}
	d.run(t, "unload", "shopify_orders", "--file", "orders_2024*.csv")
	want := snap{raw: before.raw - part.loaded, quar: before.quar - part.quarantined, files: before.files - part.files,
		read: before.read - part.read, loaded: before.loaded - part.loaded, quarantined: before.quarantined - part.quarantined}
	if got := take(); got != want {
		t.Errorf("after unload: %+v, want %+v", got, want)
	}
	// A run keeps them out while they are unchanged in the drop.
	d.jobStatuses(t, "--force")
	if got := take(); got != want {
		t.Errorf("run after unload: %+v, want %+v", got, want)
	}
	d.run(t, "reload", "shopify_orders")
	if got := take(); got != before {
		t.Errorf("after reload: %+v, want %+v as before", got, before)
	}
	// A second reload of a subset changes nothing either.
	d.run(t, "reload", "shopify_orders", "--file", "orders_2025*.csv")
	if got := take(); got != before {
		t.Errorf("after reload of the 2025 files: %+v, want %+v as before", got, before)
	}
}

// faultReloadFixedZone: the tmall source is first read in the wrong time
// zone (UTC instead of Asia/Shanghai: every time 8 hours late) and the
// chain runs on it. The config is fixed and the source reloaded: the files
// are the same, so their loads keep their ids, but every raw time moves 8
// hours back, and core, built incrementally before, must follow: every
// tmall order's order_ts is then the earliest time of its raw lines, and
// no order is left from the wrong reading.
func faultReloadFixedZone(t *testing.T, d *demoEnv) {
	raw := breakTmall(t, d, "timezone: Asia/Shanghai", "timezone: UTC")
	d.jobStatuses(t)
	// stale counts the tmall orders whose order_ts is not the earliest time
	// of their raw lines, and the raw orders core does not hold.
	stale := func() (int64, int64) {
		db := d.db(t)
		defer d.closeDB()
		off := scalar[int64](t, db, `SELECT count(*) FROM orders o JOIN (SELECT channel, order_id, min(order_ts) AS ts FROM raw_order_lines
			WHERE channel = 'tmall' GROUP BY 1, 2) r ON r.channel = o.channel AND r.order_id = o.order_id WHERE o.order_ts IS DISTINCT FROM r.ts`)
		missing := scalar[int64](t, db, `SELECT count(*) FROM (SELECT DISTINCT order_id FROM raw_order_lines WHERE channel = 'tmall') r
			WHERE r.order_id NOT IN (SELECT order_id FROM orders WHERE channel = 'tmall')`)
		return off, missing
	}
	db := d.db(t)
	before := scalar[int64](t, db, `SELECT CAST(epoch(min(order_ts)) AS BIGINT) FROM raw_order_lines WHERE channel = 'tmall'`)
	d.closeDB()
	if off, missing := stale(); off != 0 || missing != 0 {
		t.Fatalf("wrong zone: %d tmall orders off their lines, %d missing: core does not hold what was loaded", off, missing)
	}
	if err := os.WriteFile(d.config, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	d.run(t, "reload", "tmall_orders")
	db = d.db(t)
	after := scalar[int64](t, db, `SELECT CAST(epoch(min(order_ts)) AS BIGINT) FROM raw_order_lines WHERE channel = 'tmall'`)
	checkReconciles(t, db)
	d.closeDB()
	if before-after != 8*3600 {
		t.Fatalf("the reload moved the earliest tmall line by %d s, want 8 h (28800 s) back", before-after)
	}
	if off, missing := stale(); off != 0 || missing != 0 {
		t.Errorf("after the reload: %d tmall orders keep the wrong zone's time, %d raw orders are not in core", off, missing)
	}
}
