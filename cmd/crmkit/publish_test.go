package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestScorecardsFromTheMarts runs the chain on generated data and reads the
// published workbooks back: the strategy KPIs equal figures computed here
// independently from the raw rows, the sheets are there, and names from the
// data are escaped in HTML and neutralised in XLSX.
func TestScorecardsFromTheMarts(t *testing.T) {
	if testing.Short() {
		t.Skip("publish: skipped with -short")
	}
	d := newDemo(t, 1200)
	d.run(t, "run")
	db := d.db(t)
	// Independent figures for December 2025 (the as-of is the newest order,
	// 2025-12-31, a month end, so the period is the whole month), in Beijing time.
	var netRevenue float64
	var active, orders int64
	if err := db.QueryRow(`SELECT sum(paid_amount - coalesce(refund_amount, 0)) FROM raw_order_lines
		WHERE timezone('Asia/Shanghai', order_ts) >= TIMESTAMP '2025-12-01' AND timezone('Asia/Shanghai', order_ts) < TIMESTAMP '2026-01-01'`).Scan(&netRevenue); err != nil {
		t.Fatal(err)
	}
	// Buying customers: stitched customers with an order of net amount > 0.
	if err := db.QueryRow(`WITH o AS (SELECT r.channel, r.order_id, sum(r.paid_amount - coalesce(r.refund_amount, 0)) AS net FROM raw_order_lines r
			WHERE timezone('Asia/Shanghai', r.order_ts) >= TIMESTAMP '2025-12-01' AND timezone('Asia/Shanghai', r.order_ts) < TIMESTAMP '2026-01-01' GROUP BY 1, 2)
		SELECT count(DISTINCT CASE WHEN o.net > 0 THEN a.customer_id END), count(*) FROM o
		LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines' AND a.rec_key = o.channel || ':' || o.order_id`).Scan(&active, &orders); err != nil {
		t.Fatal(err)
	}
	// Put hostile names into the data and publish again.
	for _, q := range []string{
		// every store but one, so whichever stores the HTML's cut tables show carry it
		`UPDATE raw_stores SET store_name = '<script>alert(1)</script>' || store_id WHERE store_id <> (SELECT max(store_id) FROM raw_stores)`,
		`UPDATE raw_stores SET store_name = '=HYPERLINK("http://evil")' WHERE store_id = (SELECT max(store_id) FROM raw_stores)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	d.closeDB()
	// The raw rows changed in place, not by a new load: the incremental
	// core makes again only what loads touched, so core rebuilds (--full).
	d.run(t, "run", "core", "publish", "--full")

	f, err := excelize.OpenFile(filepath.Join(d.out, "strategy.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := strings.Join(f.GetSheetList(), ",")
	// Section sheets carry the labels of reports.language (zh in the example).
	for _, s := range []string{"KPIs", "README", "销售与渠道结构", "客户生命周期", "同期群留存", "客户终身价值"} {
		if !strings.Contains(sheets, s) {
			t.Errorf("strategy.xlsx lacks sheet %q (has %s)", s, sheets)
		}
	}
	rows, err := f.GetRows("KPIs", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	// The KPI sheet's headers follow reports.language (zh): column B holds
	// the keys, D this period, H the same period last year.
	if len(rows) < 2 || rows[0][0] != "指标" || !strings.HasPrefix(rows[0][3], "本期") || !strings.HasPrefix(rows[0][7], "去年同期") {
		t.Fatalf("KPIs header %v", rows[0])
	}
	got := map[string]float64{}
	for _, r := range rows[1:] {
		if len(r) > 3 {
			v, _ := strconv.ParseFloat(r[3], 64)
			got[r[1]] = v
		}
	}
	if abs(got["net_sales"]-netRevenue) > 0.01 {
		t.Errorf("net_sales KPI %.2f, computed from raw rows %.2f", got["net_sales"], netRevenue)
	}
	if got["active_customers"] != float64(active) || got["orders"] != float64(orders) {
		t.Errorf("active customers %v orders %v, computed %d and %d", got["active_customers"], got["orders"], active, orders)
	}
	html, err := os.ReadFile(filepath.Join(d.out, "operations.html"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(html), "<script>alert(1)") {
		t.Error("operations.html contains an unescaped script from the data")
	}
	if !strings.Contains(string(html), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("operations.html does not show the escaped store name")
	}
	ops, err := excelize.OpenFile(filepath.Join(d.out, "operations.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer ops.Close()
	found := false
	for _, sh := range ops.GetSheetList() {
		rs, _ := ops.GetRows(sh)
		for _, r := range rs {
			for _, c := range r {
				if strings.Contains(c, "HYPERLINK") {
					found = true
					if !strings.HasPrefix(c, "'=") {
						t.Errorf("sheet %s: cell %q is not neutralised", sh, c)
					}
				}
			}
		}
	}
	if !found {
		t.Error("the hostile store name is not in operations.xlsx (by store table)")
	}
	for _, f := range []string{"strategy.html", "support.html", "support.xlsx", "operations.xlsx", "mail"} {
		if _, err := os.Stat(filepath.Join(d.out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	checkDemoMessages(t, d.out, "2025-12")
	checkPagesInBrowser(t, d.out)
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
