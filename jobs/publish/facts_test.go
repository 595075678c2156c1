package publish

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// The strategy and operations KPIs, read from the two-month order facts
// and combined queries, equal their definitions (definitions.go) written
// out over every order (facts of the whole history), with and without a
// region filter, for a month end and a mid-month as-of.
func TestPeriodKPIsMatchPerKPIDefinitions(t *testing.T) {
	wh, err := warehouse.OpenDuckDB(":memory:", warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	for _, q := range []string{
		`CREATE TABLE stores (store_id VARCHAR, store_name VARCHAR, region VARCHAR)`,
		`INSERT INTO stores VALUES ('s1', 'One', 'east'), ('s2', 'Two', 'south')`,
		`CREATE TABLE customers (customer_id VARCHAR, region VARCHAR, first_channel VARCHAR)`,
		`CREATE TABLE products (sku VARCHAR, unit_cost DOUBLE)`,
		`INSERT INTO products VALUES ('a', 10), ('b', 25), ('c', NULL)`,
		`CREATE TABLE order_versions (channel VARCHAR, order_id VARCHAR, keep_load_id VARCHAR)`,
		`CREATE TABLE raw_order_lines (_load_id VARCHAR, channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, sku VARCHAR, qty BIGINT, province VARCHAR)`,
		jobs.KeptLinesViewSQL(true),
		`CREATE TABLE orders (channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, customer_id VARCHAR, store_id VARCHAR,
			units HUGEINT, paid_amount DOUBLE, refund_amount DOUBLE, net_amount DOUBLE, status VARCHAR)`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewSource(7))
	for c := 0; c < 300; c++ {
		if err := wh.Exec(ctx, `INSERT INTO customers VALUES (?, ?, 'jd')`, fmt.Sprintf("c%03d", c), []string{"east", "south", "west"}[c%3]); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, sh)
	for i := 0; i < 3000; i++ {
		ts := start.Add(time.Duration(rng.Int63n(int64(365 * 24 * time.Hour))))
		channel, store, cust := "jd", "", fmt.Sprintf("c%03d", rng.Intn(300))
		if rng.Intn(3) == 0 {
			channel, store = "pos", []string{"s1", "s2"}[rng.Intn(2)]
		}
		var custArg, storeArg any = cust, nil
		if store != "" {
			storeArg = store
			if rng.Intn(4) == 0 {
				custArg = nil // anonymous receipt
			}
		}
		id := fmt.Sprintf("o%05d", i)
		units := int64(0)
		for l := 0; l < 1+rng.Intn(3); l++ {
			q := int64(1 + rng.Intn(4))
			units += q
			// A later line of the order may carry a later time.
			if err := wh.Exec(ctx, `INSERT INTO raw_order_lines VALUES ('L1', ?, ?, ?, ?, ?, NULL)`, channel, id, ts.Add(time.Duration(l)*time.Hour), []string{"a", "b", "c"}[rng.Intn(3)], q); err != nil {
				t.Fatal(err)
			}
		}
		paid := float64(rng.Intn(50000)) / 100
		refund := 0.0
		switch rng.Intn(20) {
		case 0, 1:
			refund = paid / 2
		case 2:
			paid = 0 // a $0.00 purchase: a purchase under the shared rule
		case 3:
			// A return: negative units, nothing paid, the amount refunded.
			units, paid, refund = -units, 0, paid
			if err := wh.Exec(ctx, `UPDATE raw_order_lines SET qty = -qty WHERE order_id = ?`, id); err != nil {
				t.Fatal(err)
			}
		}
		if err := wh.Exec(ctx, `INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'paid')`, channel, id, ts, custArg, storeArg, units, paid, refund, paid-refund); err != nil {
			t.Fatal(err)
		}
	}
	// The whole-history facts the per-KPI definitions read.
	if err := wh.Exec(ctx, `CREATE TABLE all_facts AS
		WITH cost AS (SELECT l.channel, l.order_id, sum(l.qty * p.unit_cost) AS cost, count(CASE WHEN p.unit_cost IS NULL THEN 1 END) AS lines_without_cost
			FROM raw_order_lines l LEFT JOIN products p ON p.sku = l.sku GROUP BY 1, 2)
		SELECT o.*, coalesce(s.region, c.region, 'unknown') AS region, cost.cost, cost.lines_without_cost
		FROM orders o LEFT JOIN stores s ON s.store_id = o.store_id LEFT JOIN customers c ON c.customer_id = o.customer_id
		LEFT JOIN cost ON cost.channel = o.channel AND cost.order_id = o.order_id`); err != nil {
		t.Fatal(err)
	}
	purchase := "(" + jobs.PurchasePredicate(0) + ")"
	want := map[string]string{
		"net_sales":    "SELECT sum(net_amount) FROM all_facts WHERE %s",
		"orders":       "SELECT count(*) FROM all_facts WHERE %s",
		"aov":          "SELECT sum(net_amount) / count(*) FROM all_facts WHERE %s",
		"store_sales":  "SELECT sum(net_amount) FROM all_facts WHERE channel = 'pos' AND %s",
		"online_sales": "SELECT sum(net_amount) FROM all_facts WHERE channel <> 'pos' AND %s",
		"refund_rate":  "SELECT sum(refund_amount) / nullif(sum(paid_amount), 0) FROM all_facts WHERE %s",
		// Purchases: a known customer's order under the shared rule.
		"active_customers": "SELECT count(DISTINCT customer_id) FROM all_facts WHERE " + purchase + " AND %s",
	}
	cfg := &config.Config{Location: sh}
	for _, asOf := range []time.Time{time.Date(2025, 10, 31, 0, 0, 0, 0, sh), time.Date(2025, 7, 12, 0, 0, 0, 0, sh)} {
		cur, prev := Periods(asOf)
		if err := warehouse.CreateTableAs(ctx, wh, "publish_order_facts", mustFactsSQL(t, warehouse.SQLOfQuerier(wh), nil, prev.From, cur.To)); err != nil {
			t.Fatal(err)
		}
		for _, region := range []string{"", "east"} {
			rc := "TRUE"
			if region != "" {
				rc = "region = '" + region + "'"
			}
			scalar := func(q string) float64 {
				recs, err := wh.Query(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				defer warehouse.Release(recs)
				return warehouse.FloatAt(recs[0], 0, 0)
			}
			in := func(p Period) string {
				return fmt.Sprintf("order_ts >= '%s' AND order_ts < '%s' AND %s", ts(p.From), ts(p.To), rc)
			}
			// New: first purchase ever (any region) in the period, counted
			// in the regions where the customer bought in the period.
			newC := func(p Period) float64 {
				return scalar(fmt.Sprintf(`SELECT count(DISTINCT customer_id) FROM all_facts WHERE %[1]s AND %[2]s AND customer_id IN (
					SELECT customer_id FROM all_facts WHERE customer_id IS NOT NULL AND %[1]s GROUP BY 1 HAVING min(order_ts) >= '%[3]s')`, purchase, in(p), ts(p.From)))
			}
			returningC := func(p Period) float64 {
				return scalar(fmt.Sprintf(`SELECT count(DISTINCT customer_id) FROM all_facts WHERE %[1]s AND %[2]s AND customer_id IN (
					SELECT customer_id FROM all_facts WHERE customer_id IS NOT NULL AND %[1]s AND order_ts < '%[3]s')`, purchase, in(p), ts(p.From)))
			}
			for _, layer := range []reports.Layer{reports.LayerStrategy, reports.LayerOperations} {
				sc, errs := Build(ctx, wh, cfg, layer, asOf, region, asOf)
				for _, e := range errs {
					if !strings.HasPrefix(e, "freshness:") { // no load_files here
						t.Errorf("%s %s: %s", layer, region, e)
					}
				}
				for _, k := range sc.KPIs {
					var wc, wp float64
					switch k.Key {
					case "new_customers":
						wc, wp = newC(cur), newC(prev)
					case "returning_customers":
						wc, wp = returningC(cur), returningC(prev)
					default:
						q, ok := want[k.Key]
						if !ok {
							t.Errorf("no definition for %s", k.Key)
							continue
						}
						wc, wp = scalar(fmt.Sprintf(q, in(cur))), scalar(fmt.Sprintf(q, in(prev)))
					}
					if math.Abs(k.Value-wc) > 1e-6*math.Max(1, math.Abs(wc)) || math.Abs(k.Prev-wp) > 1e-6*math.Max(1, math.Abs(wp)) {
						t.Errorf("as of %s region %q %s: %v / %v, want %v / %v", asOf.Format("2006-01-02"), region, k.Key, k.Value, k.Prev, wc, wp)
					}
				}
				if layer == reports.LayerOperations {
					// Units by channel equal orders.units.
					byChannel := sc.Sections[0].Tables[0]
					for _, r := range byChannel.Rows {
						w := scalar(fmt.Sprintf("SELECT sum(units) FROM all_facts WHERE channel = '%s' AND %s", r[0], in(cur)))
						if toFloat(r[3]) != w {
							t.Errorf("as of %s region %q: units of %s %v, want %v", asOf.Format("2006-01-02"), region, r[0], r[3], w)
						}
					}
				}
			}
		}
	}
}
