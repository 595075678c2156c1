package main

import (
	"bytes"
	"context"
	"fmt"
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
// description with a comma in quotes.
const invoiceLines = `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850,United Kingdom
536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,13047,United Kingdom
C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom
C536383,35004C,SET OF 3 COLOURED  FLYING DUCKS,-1,12/1/2010 9:49,4.65,17850,United Kingdom
536400,22086,"PAPER CHAIN KIT, 50'S CHRISTMAS",12,1/5/2011 10:00,2.95,17850,United Kingdom
536401,21232,STRAWBERRY CERAMIC TRINKET BOX,24,1/10/2011 11:00,1.25,12583,France
536402,22728,ALARM CLOCK BAKELIKE PINK,2,2/14/2011 12:05,3.75,13047,United Kingdom
C536403,22728,ALARM CLOCK BAKELIKE PINK,-2,2/15/2011 12:05,3.75,13047,United Kingdom
536404,22086,"PAPER CHAIN KIT, 50'S CHRISTMAS",3,2/20/2011 9:00,2.95,,United Kingdom
536405,23000,FREE SAMPLE,1,2/21/2011 10:00,0,16000,United Kingdom
`

// invoiceConfig maps the export as it is: paid_amount is left to be
// derived (Quantity × UnitPrice) and cancellations are returns.
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
    columns:
      order_id: InvoiceNo
      sku: StockCode
      qty: Quantity
      order_ts: InvoiceDate
      unit_price: UnitPrice
      buyer_id: CustomerID
`

// TestInvoiceLinesLoadAsExported loads the invoice-line export through the
// CLI without conversion and checks figures worked out by hand:
//   - nothing quarantined: the 3 cancellations are returns (orders with
//     negative units, paid 0, refund = quantity × price);
//   - net revenue per month = purchases − returns: Dec 2010 35.64 + 11.10
//   - 54.08 − 27.50 − 4.65 = 68.67; Jan 2011 35.40 + 30.00 = 65.40; Feb
//     7.50 − 7.50 + 8.85 (anonymous) = 8.85; refunds 39.65 in all;
//   - cohorts count purchases of known customers only: 14527, whose only
//     line is a return, is no buyer. Cohort 2010-12 = {17850, 13047}:
//     month 0 both, revenue 35.64 + 11.10 + 54.08 = 100.82; month 1 17850
//     (35.40); month 2 13047 (7.50, its return is not a purchase). Cohort
//     2011-01 = {12583}: month 0 revenue 30.00. Cohort 2011-02 = {16000},
//     whose only line is a $0.00 purchase: revenue 0.00;
//   - new customers agree across the product: the strategy scorecard's
//     new customers for Feb 2011 (1: 16000) and Jan (1: 12583) equal the
//     cohort sizes of those months and the growth mart's new customers
//     (Dec 2, Jan 1, Feb 1; 14527 never);
//   - the support scorecard's data health counts the 3 return lines
//     (39.65) as returns of the source, apart from its 0 quarantined rows.
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
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "--with-deps", "cohorts", "growth", "--config", cfg, "--log-format", "json", "-q"}, &out, &errOut); code != 0 {
		t.Fatalf("crmkit run exited %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	// publish writes the order facts the strategy scorecard reads.
	out.Reset()
	errOut.Reset()
	if code := run([]string{"run", "publish", "--config", cfg, "--log-format", "json", "-q"}, &out, &errOut); code != 0 {
		t.Fatalf("crmkit run publish exited %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	wh, err := warehouse.OpenDuckDB(filepath.Join(dir, "out", "warehouse.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	db := wh.DB()
	query := func(q string) string {
		t.Helper()
		rows, err := db.Query(q)
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
	for _, c := range []struct{ name, sql, want string }{
		{"loads reconcile, nothing quarantined",
			`SELECT sum(rows_read), sum(rows_loaded), sum(rows_quarantined), (SELECT count(*) FROM quarantine) FROM load_files WHERE status = 'loaded'`,
			"12 12 0 0"},
		{"returns are orders with negative units",
			`SELECT order_id, units, paid_amount, refund_amount, net_amount, status FROM orders WHERE units < 0 ORDER BY order_id`,
			"C536379 -1 0.00 27.50 -27.50 returned\nC536383 -1 0.00 4.65 -4.65 returned\nC536403 -2 0.00 7.50 -7.50 returned"},
		{"net revenue per month (London time)",
			`SELECT strftime(timezone('Europe/London', order_ts), '%Y-%m') AS m, sum(paid_amount), sum(refund_amount), sum(net_amount) FROM orders GROUP BY 1 ORDER BY 1`,
			"2010-12 100.82 32.15 68.67\n2011-01 65.40 0.00 65.40\n2011-02 16.35 7.50 8.85"},
		{"cohorts of purchases only",
			`SELECT cohort_month, months_since, cohort_size, customers_active, revenue FROM cohort_retention
				WHERE dimension = 'all' AND customers_active > 0 ORDER BY 1, 2`,
			"2010-12 0 2 2 100.82\n2010-12 1 2 1 35.40\n2010-12 2 2 1 7.50\n2011-01 0 1 1 30.00\n2011-02 0 1 1 0.00"},
		{"growth new customers by month (the shared purchase rule)",
			`SELECT period, new_customers, buyers FROM growth WHERE dimension = 'total' ORDER BY 1`,
			"2010-12 2 2\n2011-01 1 2\n2011-02 1 2"},
	} {
		if got := query(c.sql); got != c.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	strategy, _ := publish.Build(context.Background(), wh, c, reports.LayerStrategy, time.Date(2011, 2, 28, 0, 0, 0, 0, c.Location), "", time.Now())
	var newKPI string
	for _, k := range strategy.KPIs {
		if k.Key == "new_customers" {
			newKPI = fmt.Sprintf("%v %v", k.Value, k.Prev)
		}
	}
	if want := query(`SELECT (SELECT cohort_size FROM cohort_retention WHERE dimension = 'all' AND cohort_month = '2011-02' AND months_since = 0) || ' ' ||
		(SELECT cohort_size FROM cohort_retention WHERE dimension = 'all' AND cohort_month = '2011-01' AND months_since = 0)`); newKPI != "1 1" || want != "1 1" {
		t.Errorf("new customers Feb, Jan 2011: scorecard %q, cohort sizes %q, want 1 1 (16000's $0.00 purchase, 12583)", newKPI, want)
	}
	sc, _ := publish.Build(context.Background(), wh, c, reports.LayerSupport, time.Date(2011, 2, 28, 0, 0, 0, 0, c.Location), "", time.Now())
	var returns string
	for _, sec := range sc.Sections {
		for _, tb := range sec.Tables {
			if tb.Title == "Returns loaded per source" {
				for _, r := range tb.Rows {
					returns += fmt.Sprintf("%v %v %.2f\n", r[0], r[1], r[2])
				}
			}
		}
	}
	if returns != "online_retail 3 39.65\n" {
		t.Errorf("data health returns table:\n%s\nwant online_retail 3 39.65", returns)
	}
}
