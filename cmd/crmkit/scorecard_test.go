package main

import (
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// rawOrdersSQL is every order of the kept export rebuilt from the raw
// lines in plain SQL, independently of the core tables: the lines of the
// latest loaded export of each order (channel, order_id), the order's time
// its first line's, its net amount paid minus refunds, its customer the
// stitched one of the order's record, and whether it is a receipt.
const rawOrdersSQL = `CREATE OR REPLACE TEMP TABLE raw_orders AS
	WITH lf AS (SELECT load_id, max(loaded_at) AS loaded_at FROM load_files WHERE status = 'loaded' GROUP BY 1),
	keep AS (SELECT r.channel, r.order_id, arg_max(r._load_id, lf.loaded_at) AS load_id FROM raw_order_lines r JOIN lf ON lf.load_id = r._load_id GROUP BY 1, 2),
	l AS (SELECT r.* FROM raw_order_lines r JOIN keep k ON k.channel = r.channel AND k.order_id = r.order_id AND k.load_id = r._load_id)
	SELECT l.channel, l.order_id, min(l.order_ts) AS order_ts, sum(l.paid_amount) AS paid, sum(coalesce(l.refund_amount, 0)) AS refund,
		sum(l.paid_amount) - sum(coalesce(l.refund_amount, 0)) AS net, any_value(a.customer_id) AS customer_id
	FROM l LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines' AND a.rec_key = l.channel || ':' || l.order_id
	GROUP BY 1, 2`

// The two periods of the demo's as-of (2025-12-31, a month end) and the
// same month a year earlier, in the business zone, as SQL conditions on a
// TIMESTAMPTZ column.
func inMonth(col string, month string) string {
	next := map[string]string{"2024-12": "2025-01", "2025-11": "2025-12", "2025-12": "2026-01"}[month]
	return fmt.Sprintf("timezone('Asia/Shanghai', %s) >= TIMESTAMP '%s-01' AND timezone('Asia/Shanghai', %s) < TIMESTAMP '%s-01'", col, month, col, next)
}

// TestHeadlineKPIsFromRawRows runs the chain on the demo data (5,000
// people, seed 1, as `make demo`) and on another seed, and recomputes every
// headline KPI of the three scorecards, this period and the comparison
// period, from the raw rows in plain SQL: the figure in each workbook must
// equal it to the cent (amounts) and exactly (counts). Then the
// cross-checks: new customers = the period's cohort size = the growth
// mart's new customers; gross margin = the profit mart's month; AOV = net
// sales / orders as both are shown.
func TestHeadlineKPIsFromRawRows(t *testing.T) {
	if testing.Short() {
		t.Skip("scorecard figures: skipped with -short")
	}
	for _, c := range []struct {
		name      string
		customers int
		seed      uint64
	}{{"demo seed 1", 5000, 1}, {"seed 2", 1500, 2}} {
		t.Run(c.name, func(t *testing.T) {
			d := newDemoSeed(t, c.customers, c.seed)
			d.run(t, "run")
			// The first publish of this new warehouse shows the segments, and
			// freshness is the newest event (an order of 2025-12-31), with the
			// load time beside it.
			page, err := os.ReadFile(filepath.Join(d.out, "operations.html"))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []string{"reactivate_east", "vip_not_contacted"} {
				if !strings.Contains(string(page), w) {
					t.Errorf("operations.html of the first publish lacks %q", w)
				}
			}
			if !regexp.MustCompile(`>2025-12-31 \d\d:\d\d CST<`).Match(page) {
				t.Error("operations.html shows no newest event time of 2025-12-31 in CST")
			}
			got := map[string][3]float64{}
			for _, layer := range []string{"strategy", "operations", "support"} {
				for k, v := range kpiValues(t, filepath.Join(d.out, layer+".xlsx")) {
					got[k] = v
				}
			}
			db := d.db(t)
			if _, err := db.Exec(rawOrdersSQL); err != nil {
				t.Fatal(err)
			}
			// Each figure as SQL over raw rows for one month (%[1]s is the
			// condition on order_ts, %[2]s on opened_ts, %[3]s the month).
			want := map[string]string{
				"net_sales":    `SELECT sum(net) FROM raw_orders WHERE %[1]s`,
				"orders":       `SELECT count(*) FROM raw_orders WHERE %[1]s`,
				"aov":          `SELECT sum(net) / count(*) FROM raw_orders WHERE %[1]s`,
				"store_sales":  `SELECT sum(net) FROM raw_orders WHERE channel = 'pos' AND %[1]s`,
				"online_sales": `SELECT sum(net) FROM raw_orders WHERE channel <> 'pos' AND %[1]s`,
				"refund_rate":  `SELECT sum(refund) / sum(paid) FROM raw_orders WHERE %[1]s`,
				// A purchase: an order of a known customer with net > 0.
				"active_customers": `SELECT count(DISTINCT customer_id) FROM raw_orders WHERE net > 0 AND %[1]s`,
				"new_customers": `SELECT count(*) FROM (SELECT customer_id, min(order_ts) AS order_ts FROM raw_orders WHERE customer_id IS NOT NULL AND net > 0 GROUP BY 1)
					WHERE %[1]s`,
				"returning_customers": `SELECT count(DISTINCT customer_id) FROM raw_orders o WHERE net > 0 AND %[1]s AND EXISTS (
					SELECT 1 FROM raw_orders b WHERE b.customer_id = o.customer_id AND b.net > 0 AND timezone('Asia/Shanghai', b.order_ts) < TIMESTAMP '%[3]s-01')`,
				// Net sales minus ERP cost over the lines whose SKU has a cost
				// (the product master's latest loaded row per SKU); a fully
				// refunded line counts its net without cost (the goods came
				// back); cancelled lines are left out.
				"gross_margin": `WITH p AS (SELECT sku, unit_cost FROM raw_products QUALIFY row_number() OVER (PARTITION BY sku ORDER BY _load_id DESC, _row DESC) = 1),
					lf AS (SELECT load_id, max(loaded_at) AS loaded_at FROM load_files WHERE status = 'loaded' GROUP BY 1),
					keep AS (SELECT r.channel, r.order_id, arg_max(r._load_id, lf.loaded_at) AS load_id, min(r.order_ts) AS order_ts FROM raw_order_lines r JOIN lf ON lf.load_id = r._load_id GROUP BY 1, 2)
					SELECT sum(CASE WHEN coalesce(r.refund_amount, 0) > 0 AND r.paid_amount - coalesce(r.refund_amount, 0) <= 0 THEN r.paid_amount - coalesce(r.refund_amount, 0)
						WHEN p.unit_cost IS NOT NULL THEN r.paid_amount - coalesce(r.refund_amount, 0) - r.qty * p.unit_cost END)
					FROM raw_order_lines r JOIN keep k ON k.channel = r.channel AND k.order_id = r.order_id AND k.load_id = r._load_id LEFT JOIN p ON p.sku = r.sku
					WHERE lower(coalesce(r.status, 'paid')) NOT IN ('cancelled', 'canceled', 'void', 'unpaid') AND %[4]s`,
				"tickets":         `SELECT count(*) FROM raw_service_tickets WHERE %[2]s`,
				"resolution_days": `SELECT median(date_diff('minute', opened_ts, closed_ts)) / 1440.0 FROM raw_service_tickets WHERE closed_ts IS NOT NULL AND %[2]s`,
				"csat":            `SELECT avg(csat) FROM raw_service_tickets WHERE %[2]s`,
				"complaints_per_1000_orders": `SELECT 1000.0 * (SELECT count(*) FROM raw_service_tickets WHERE lower(category) IN ('complaint', '投诉') AND %[2]s)
					/ (SELECT count(*) FROM raw_orders WHERE %[1]s)`,
				"total_clv": `SELECT sum(clv) FROM customer_clv WHERE as_of = DATE '2025-12-31' AND '%[3]s' <> ''`,
			}
			scalar := func(q string) float64 {
				t.Helper()
				var v sql.NullFloat64
				if err := db.QueryRow(q).Scan(&v); err != nil {
					t.Fatalf("%v\n%s", err, q)
				}
				return v.Float64
			}
			for key, kv := range got {
				if key == "quarantine_rate" {
					w := scalar(`SELECT sum(rows_quarantined) / sum(rows_read) FROM load_files WHERE status = 'loaded'`)
					if math.Abs(kv[0]-w) > 1e-9 {
						t.Errorf("quarantine_rate %v, want %v", kv[0], w)
					}
					continue
				}
				q, ok := want[key]
				if !ok {
					t.Errorf("KPI %s has no recomputation here", key)
					continue
				}
				for i, month := range []string{"2025-12", "2025-11"} {
					if key == "total_clv" && i == 1 {
						continue // one model run: no comparison
					}
					w := scalar(fmt.Sprintf(q, inMonth("order_ts", month), inMonth("opened_ts", month), month, inMonth("k.order_ts", month)))
					if !sameFigure(key, kv[i], w) {
						t.Errorf("%s %s: scorecard %v, raw rows %v", key, month, kv[i], w)
					}
				}
			}
			// The same period last year (column H): the figure as the
			// scorecard of 2024-12-31 defines it, recomputed from raw rows.
			for _, key := range []string{"net_sales", "orders", "aov", "active_customers", "new_customers", "returning_customers", "store_sales", "online_sales"} {
				kv, ok := got[key]
				if !ok || math.IsNaN(kv[2]) {
					t.Errorf("%s: no same period last year on the scorecard", key)
					continue
				}
				w := scalar(fmt.Sprintf(want[key], inMonth("order_ts", "2024-12"), inMonth("opened_ts", "2024-12"), "2024-12", inMonth("k.order_ts", "2024-12")))
				if !sameFigure(key, kv[2], w) || w == 0 {
					t.Errorf("%s 2024-12 (YoY base): scorecard %v, raw rows %v", key, kv[2], w)
				}
			}
			for _, k := range []string{"net_sales", "orders", "aov", "active_customers", "new_customers", "returning_customers", "gross_margin",
				"store_sales", "online_sales", "refund_rate", "tickets", "resolution_days", "csat", "complaints_per_1000_orders", "quarantine_rate", "total_clv"} {
				if _, ok := got[k]; !ok {
					t.Errorf("no KPI %s on any scorecard", k)
				}
			}

			// Cross-checks against the marts.
			cohort := scalar(`SELECT max(cohort_size) FROM cohort_retention WHERE as_of = DATE '2025-12-31' AND dimension = 'all' AND cohort_month = '2025-12'`)
			growthNew := scalar(`SELECT new_customers FROM growth WHERE as_of = DATE '2025-12-31' AND dimension = 'total' AND period = '2025-12'`)
			growthBuyers := scalar(`SELECT buyers FROM growth WHERE as_of = DATE '2025-12-31' AND dimension = 'total' AND period = '2025-12'`)
			growthReturning := scalar(`SELECT returning_customers + reactivated_customers FROM growth WHERE as_of = DATE '2025-12-31' AND dimension = 'total' AND period = '2025-12'`)
			if n := got["new_customers"][0]; n != cohort || n != growthNew || n == 0 {
				t.Errorf("new customers %v, cohort size %v, growth new %v", n, cohort, growthNew)
			}
			if got["active_customers"][0] != growthBuyers || got["returning_customers"][0] != growthReturning {
				t.Errorf("buying/returning %v/%v, growth buyers %v, returning+reactivated %v", got["active_customers"][0], got["returning_customers"][0], growthBuyers, growthReturning)
			}
			gm := scalar(`SELECT profit FROM profit WHERE as_of = DATE '2025-12-31' AND level = 'month' AND period = '2025-12'`)
			if !sameFigure("gross_margin", got["gross_margin"][0], gm) {
				t.Errorf("gross margin %v, profit mart month %v", got["gross_margin"][0], gm)
			}
			profitNet := scalar(`SELECT net_sales FROM profit WHERE as_of = DATE '2025-12-31' AND level = 'month' AND period = '2025-12'`)
			if !sameFigure("net_sales", got["net_sales"][0], profitNet) {
				t.Errorf("net sales %v, profit mart month %v", got["net_sales"][0], profitNet)
			}
			for i := range 2 {
				if a := got["net_sales"][i] / got["orders"][i]; !sameFigure("aov", got["aov"][i], a) {
					t.Errorf("aov %v, net sales / orders on the card %v", got["aov"][i], a)
				}
			}
			t.Logf("2025-12: net sales %.2f, orders %.0f, AOV %.2f, buying %.0f, new %.0f, returning %.0f, gross margin %.2f",
				got["net_sales"][0], got["orders"][0], got["aov"][0], got["active_customers"][0], got["new_customers"][0], got["returning_customers"][0], got["gross_margin"][0])
		})
	}
}

// sameFigure compares a scorecard figure with its recomputation: amounts
// to the cent, counts exactly, rates and ratios to 1e-9.
func sameFigure(key string, got, want float64) bool {
	switch key {
	case "net_sales", "store_sales", "online_sales", "gross_margin", "aov", "total_clv":
		return math.Round(got*100) == math.Round(want*100)
	case "orders", "active_customers", "new_customers", "returning_customers", "tickets":
		return got == want
	}
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

// kpiValues reads this period's, the previous period's and the same
// period last year's value of every KPI of a scorecard workbook (sheet
// KPIs: key in column B, this period in D, previous in E, last year in H;
// NaN when H is empty).
func kpiValues(t *testing.T, path string) map[string][3]float64 {
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
	out := map[string][3]float64{}
	for _, r := range rows[1:] {
		if len(r) < 4 || r[1] == "" {
			continue
		}
		v := [3]float64{0, 0, math.NaN()}
		v[0], _ = strconv.ParseFloat(r[3], 64)
		if len(r) > 4 {
			v[1], _ = strconv.ParseFloat(r[4], 64)
		}
		if len(r) > 7 && r[7] != "" {
			v[2], _ = strconv.ParseFloat(r[7], 64)
		}
		out[r[1]] = v
	}
	return out
}
