package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs/publish"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// invoiceLines is a small export in the published shape of the UK online
// retailer's invoice lines: one line per invoice item, no order total, no
// paid amount, cancellations as invoices "C…" with negative quantities, a
// line without a customer, a $0.00 line (a free sample: a purchase), a
// description with a comma in quotes. C536400 cancels 2 of the 12 items of
// invoice 536400; the other cancellations' numbers (without the C) name
// invoices not in the file.
const invoiceLines = `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850,United Kingdom
536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,13047,United Kingdom
C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom
C536383,35004C,SET OF 3 COLOURED  FLYING DUCKS,-1,12/1/2010 9:49,4.65,17850,United Kingdom
536400,22086,"PAPER CHAIN KIT, 50'S CHRISTMAS",12,1/5/2011 10:00,2.95,17850,United Kingdom
536401,21232,STRAWBERRY CERAMIC TRINKET BOX,24,1/10/2011 11:00,1.25,12583,France
C536400,22086,"PAPER CHAIN KIT, 50'S CHRISTMAS",-2,2/3/2011 10:00,2.95,17850,United Kingdom
536402,22728,ALARM CLOCK BAKELIKE PINK,2,2/14/2011 12:05,3.75,13047,United Kingdom
C536403,22728,ALARM CLOCK BAKELIKE PINK,-2,2/15/2011 12:05,3.75,13047,United Kingdom
536404,22086,"PAPER CHAIN KIT, 50'S CHRISTMAS",3,2/20/2011 9:00,2.95,,United Kingdom
536405,23000,FREE SAMPLE,1,2/21/2011 10:00,0,16000,United Kingdom
`

// invoiceLinesLate is a later export with invoice 536403, whose
// cancellation C536403 the first file already held.
const invoiceLinesLate = `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536403,22728,ALARM CLOCK BAKELIKE PINK,2,1/28/2011 12:00,3.75,13047,United Kingdom
`

// invoiceConfig maps the export as it is: paid_amount is left to be
// derived (Quantity × UnitPrice), cancellations are returns, and this
// export numbers a cancellation after the invoice it cancels
// (original_from_prefix).
const invoiceConfig = `warehouse:
  path: out/warehouse.duckdb
output_dir: out
timezone: Europe/London
as_of: "2011-02-28"
sources:
  - name: online_retail
    table: order_lines
    channel: online
    path: data/*.csv
    format: csv
    timestamp_layout: "1/2/2006 15:04"
    returns:
      order_id_prefix: C
      negative_qty: true
      original_from_prefix: true
    columns:
      order_id: InvoiceNo
      sku: StockCode
      qty: Quantity
      order_ts: InvoiceDate
      unit_price: UnitPrice
      buyer_id: CustomerID
`

// TestInvoiceLinesLoadAsExported loads the invoice-line export through the
// CLI without conversion, then a later export, and checks figures worked
// out by hand after each (net revenue by month in London time):
//
// First export: nothing quarantined (13 lines); the 4 cancellations are
// returns (negative units, paid 0, refund = quantity × price).
//   - C536400 is tied to 536400 (Jan 5, 17850): that order has 2 lines,
//     10 units, paid 35.40, refund 5.90, net 29.50; it is no order of
//     its own. C536379, C536383 and C536403 name invoices not loaded: each
//     stays an order on its own date and customer.
//   - Net revenue: Dec 2010 35.64 + 11.10 + 54.08 − 27.50 − 4.65 = 68.67;
//     Jan 2011 29.50 + 30.00 = 59.50 (paid 65.40, refunds 5.90); Feb 7.50
//     − 7.50 + 8.85 (anonymous) + 0.00 = 8.85 (paid 16.35, refunds 7.50).
//     Refunds 45.55 in all = the data health returned amount.
//   - Refund rate (operations scorecard, Feb with Jan): 7.50 / 16.35 and
//     5.90 / 65.40.
//   - Cohorts count purchases of known customers only: 14527, whose only
//     line is a return, is no buyer. 2010-12 = {17850, 13047}: month 0
//     revenue 35.64 + 11.10 + 54.08 = 100.82; month 1 17850's 536400 net
//     of its return, 29.50; month 2 13047 (7.50; its return is no
//     purchase). 2011-01 = {12583}: 30.00. 2011-02 = {16000}, whose only
//     line is a $0.00 purchase: 0.00.
//   - New customers agree across the product: the strategy scorecard's new
//     customers for Feb (1: 16000) and Jan (1: 12583) equal the cohort
//     sizes and the growth mart's new customers (Dec 2, Jan 1, Feb 1).
//   - Data health: 4 return lines, 45.55, 1 tied, 3 whose original is not
//     loaded; 0 quarantined.
//
// Later export: 536403 (Jan 28, 13047, 2 × 3.75). C536403 is tied to it
// now: 536403 has units 0, paid 7.50, refund 7.50, net 0, and is no
// purchase (refunded in full). Jan: paid 72.90, refunds 13.40, net 59.50
// (refund rate 13.40 / 72.90); Feb: paid 16.35, no refund, net 16.35.
// Cohorts and growth are unchanged (13047's Jan order is no purchase).
// Data health: 4 return lines, 45.55, 2 tied, 2 not loaded.
func TestInvoiceLinesLoadAsExported(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "Online Retail.csv"), []byte(invoiceLines), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "crmkit.yaml")
	if err := os.WriteFile(cfg, []byte(invoiceConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2011, 2, 28, 0, 0, 0, 0, c.Location)
	cohorts := "2010-12 0 2 2 100.82\n2010-12 1 2 1 29.50\n2010-12 2 2 1 7.50\n2011-01 0 1 1 30.00\n2011-02 0 1 1 0.00"
	growth := "2010-12 2 2\n2011-01 1 2\n2011-02 1 2"
	for _, step := range []struct {
		name, file, content string
		checks              []struct{ name, sql, want string }
		refundRate          [2]float64 // Feb, Jan
		returns             string
	}{
		{"first export", "", "", []struct{ name, sql, want string }{
			{"loads reconcile, nothing quarantined",
				`SELECT sum(rows_read), sum(rows_loaded), sum(rows_quarantined), (SELECT count(*) FROM quarantine) FROM load_files WHERE status = 'loaded'`,
				"13 13 0 0"},
			{"untied returns are orders with negative units",
				`SELECT order_id, units, paid_amount, refund_amount, net_amount, status FROM orders WHERE units < 0 ORDER BY order_id`,
				"C536379 -1 0.00 27.50 -27.50 returned\nC536383 -1 0.00 4.65 -4.65 returned\nC536403 -2 0.00 7.50 -7.50 returned"},
			{"a tied return is part of its original",
				`SELECT order_id, customer_id IS NOT NULL, strftime(timezone('Europe/London', order_ts), '%Y-%m-%d'), lines, units, paid_amount, refund_amount, net_amount
					FROM orders WHERE order_id IN ('536400', 'C536400')`,
				"536400 true 2011-01-05 2 10 35.40 5.90 29.50"},
			{"net revenue per month (London time)",
				`SELECT strftime(timezone('Europe/London', order_ts), '%Y-%m') AS m, sum(paid_amount), sum(refund_amount), sum(net_amount) FROM orders GROUP BY 1 ORDER BY 1`,
				"2010-12 100.82 32.15 68.67\n2011-01 65.40 5.90 59.50\n2011-02 16.35 7.50 8.85"},
			{"cohorts of purchases only", cohortsSQL, cohorts},
			{"growth new customers by month (the shared purchase rule)", growthSQL, growth},
			{"refunds on orders = returns as core holds them", refundsAgreeSQL, "45.55 45.55 true"},
		}, [2]float64{7.50 / 16.35, 5.90 / 65.40}, "online_retail 4 45.55 1 3\n"},
		{"later export with an original", "Online Retail 2.csv", invoiceLinesLate, []struct{ name, sql, want string }{
			{"loads reconcile, nothing quarantined",
				`SELECT sum(rows_read), sum(rows_loaded), sum(rows_quarantined), (SELECT count(*) FROM quarantine) FROM load_files WHERE status = 'loaded'`,
				"14 14 0 0"},
			{"untied returns are orders with negative units",
				`SELECT order_id, units, paid_amount, refund_amount, net_amount, status FROM orders WHERE units < 0 ORDER BY order_id`,
				"C536379 -1 0.00 27.50 -27.50 returned\nC536383 -1 0.00 4.65 -4.65 returned"},
			{"the return loaded before is tied to the original loaded now",
				`SELECT order_id, strftime(timezone('Europe/London', order_ts), '%Y-%m-%d'), lines, units, paid_amount, refund_amount, net_amount
					FROM orders WHERE order_id IN ('536403', 'C536403')`,
				"536403 2011-01-28 2 0 7.50 7.50 0.00"},
			{"net revenue per month (London time)",
				`SELECT strftime(timezone('Europe/London', order_ts), '%Y-%m') AS m, sum(paid_amount), sum(refund_amount), sum(net_amount) FROM orders GROUP BY 1 ORDER BY 1`,
				"2010-12 100.82 32.15 68.67\n2011-01 72.90 13.40 59.50\n2011-02 16.35 0.00 16.35"},
			{"cohorts of purchases only", cohortsSQL, cohorts},
			{"growth new customers by month (the shared purchase rule)", growthSQL, growth},
			{"refunds on orders = returns as core holds them", refundsAgreeSQL, "45.55 45.55 true"},
		}, [2]float64{0, 13.40 / 72.90}, "online_retail 4 45.55 2 2\n"},
	} {
		if step.file != "" {
			if err := os.WriteFile(filepath.Join(dir, "data", step.file), []byte(step.content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var out, errOut bytes.Buffer
		if code := run([]string{"run", "--with-deps", "cohorts", "growth", "--config", cfg, "--log-format", "json", "-q"}, &out, &errOut); code != 0 {
			t.Fatalf("%s: crmkit run exited %d:\n%s\n%s", step.name, code, out.String(), errOut.String())
		}
		// publish writes the order facts the strategy and operations
		// scorecards read.
		out.Reset()
		errOut.Reset()
		if code := run([]string{"run", "publish", "--config", cfg, "--log-format", "json", "-q"}, &out, &errOut); code != 0 {
			t.Fatalf("%s: crmkit run publish exited %d:\n%s\n%s", step.name, code, out.String(), errOut.String())
		}
		func() {
			wh, err := warehouse.OpenDuckDB(filepath.Join(dir, "out", "warehouse.duckdb"), warehouse.DuckDBOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Close()
			query := func(q string) string { t.Helper(); return queryText(t, wh, q) }
			for _, c := range step.checks {
				if got := query(c.sql); got != c.want {
					t.Errorf("%s, %s:\ngot\n%s\nwant\n%s", step.name, c.name, got, c.want)
				}
			}
			kpis := map[string][2]float64{}
			for _, layer := range []reports.Layer{reports.LayerStrategy, reports.LayerOperations} {
				sc, _ := publish.Build(context.Background(), wh, c, layer, asOf, "", time.Now())
				for _, k := range sc.KPIs {
					kpis[k.Key] = [2]float64{k.Value, k.Prev}
				}
			}
			sizes := query(`SELECT (SELECT cohort_size FROM cohort_retention WHERE dimension = 'all' AND cohort_month = '2011-02' AND months_since = 0) || ' ' ||
				(SELECT cohort_size FROM cohort_retention WHERE dimension = 'all' AND cohort_month = '2011-01' AND months_since = 0)`)
			if n := kpis["new_customers"]; n != [2]float64{1, 1} || sizes != "1 1" {
				t.Errorf("%s: new customers Feb, Jan 2011: scorecard %v, cohort sizes %q, want 1 1 (16000's $0.00 purchase, 12583)", step.name, n, sizes)
			}
			if r := kpis["refund_rate"]; math.Abs(r[0]-step.refundRate[0]) > 1e-9 || math.Abs(r[1]-step.refundRate[1]) > 1e-9 {
				t.Errorf("%s: refund rate Feb, Jan %v, want %v", step.name, r, step.refundRate)
			}
			sc, _ := publish.Build(context.Background(), wh, c, reports.LayerSupport, asOf, "", time.Now())
			var returns string
			for _, sec := range sc.Sections {
				for _, tb := range sec.Tables {
					if tb.Title == "Returns loaded per source" {
						for _, r := range tb.Rows {
							returns += fmt.Sprintf("%v %v %.2f %v %v\n", r[0], r[1], r[2], r[3], r[4])
						}
					}
				}
			}
			if returns != step.returns {
				t.Errorf("%s: data health returns table:\n%swant\n%s", step.name, returns, step.returns)
			}
		}()
	}
}

const (
	cohortsSQL = `SELECT cohort_month, months_since, cohort_size, customers_active, revenue FROM cohort_retention
		WHERE dimension = 'all' AND customers_active > 0 ORDER BY 1, 2`
	growthSQL = `SELECT period, new_customers, buyers FROM growth WHERE dimension = 'total' ORDER BY 1`
	// The refunds on orders, the returned amount of the return lines core
	// holds (data health's figure), and net = paid − refunds over orders.
	refundsAgreeSQL = `SELECT (SELECT sum(refund_amount) FROM orders), (SELECT sum(refund_amount) FROM kept_order_lines WHERE qty < 0),
		(SELECT abs(sum(net_amount) - (sum(paid_amount) - sum(refund_amount))) < 1e-9 FROM orders)`
)

// queryText runs q and renders each row's values with spaces (floats to
// 2 decimals), rows with newlines.
func queryText(t *testing.T, wh *warehouse.DuckDB, q string) string {
	t.Helper()
	rows, err := wh.DB().Query(q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var fs []string
		for _, v := range vals {
			switch x := v.(type) {
			case float64:
				fs = append(fs, fmt.Sprintf("%.2f", x))
			default:
				fs = append(fs, fmt.Sprint(x))
			}
		}
		lines = append(lines, strings.Join(fs, " "))
	}
	return strings.Join(lines, "\n")
}
