package publish

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

func TestYoYAsOf(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, sh) }
	cases := []struct {
		name       string
		asOf, want time.Time
	}{
		{"month end", d(2025, 12, 31), d(2024, 12, 31)},
		{"mid-month", d(2025, 12, 15), d(2024, 12, 15)},
		{"February end to a leap February's end", d(2025, 2, 28), d(2024, 2, 29)},
		{"leap day to February's end", d(2024, 2, 29), d(2023, 2, 28)},
		{"28 February of a leap year is mid-month", d(2028, 2, 28), d(2027, 2, 28)},
		{"January", d(2026, 1, 10), d(2025, 1, 10)},
	}
	for _, c := range cases {
		if got := yoyAsOf(c.asOf); !got.Equal(c.want) {
			t.Errorf("%s: yoyAsOf(%s) = %s, want %s", c.name, c.asOf.Format("2006-01-02"), got.Format("2006-01-02"), c.want.Format("2006-01-02"))
		}
	}
}

// yoyWarehouse is a small warehouse with two Decembers of orders, worked
// through by hand in TestYoYHandWorked. Regions: c1, c2 east, c3, c4 south,
// c5 none but its lines ship to 浙江 (east by config regions); store s1 is
// east.
func yoyWarehouse(t *testing.T) (warehouse.Warehouse, *config.Config) {
	t.Helper()
	wh, err := warehouse.OpenDuckDB(":memory:", warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	for _, q := range []string{
		`CREATE TABLE stores (store_id VARCHAR, store_name VARCHAR, region VARCHAR)`,
		`INSERT INTO stores VALUES ('s1', 'One', 'east')`,
		`CREATE TABLE customers (customer_id VARCHAR, region VARCHAR)`,
		`INSERT INTO customers VALUES ('c1', 'east'), ('c2', 'east'), ('c3', 'south'), ('c4', 'south'), ('c5', NULL)`,
		`CREATE TABLE products (sku VARCHAR, unit_cost DOUBLE)`,
		`CREATE TABLE raw_order_lines (_load_id VARCHAR, channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, sku VARCHAR, qty BIGINT, province VARCHAR)`,
		jobs.KeptLinesViewSQL(false),
		`CREATE TABLE orders (channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, customer_id VARCHAR, store_id VARCHAR,
			units BIGINT, paid_amount DOUBLE, refund_amount DOUBLE, net_amount DOUBLE, status VARCHAR)`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, sh) }
	for _, o := range []struct {
		id, channel, customer, store string
		ts                           time.Time
		paid, refund                 float64
		province                     string
	}{
		{"a", "jd", "c1", "", at(2024, 11, 20, 10, 0), 100, 0, ""},
		{"b", "jd", "c1", "", at(2024, 12, 5, 10, 0), 200, 0, ""},
		{"c", "pos", "", "s1", at(2024, 12, 10, 10, 0), 50, 0, ""},
		{"d", "shopify", "c5", "", at(2024, 12, 12, 10, 0), 60, 0, "浙江省 杭州市"},
		{"e", "jd", "c2", "", at(2024, 12, 20, 10, 0), 300, 0, ""},
		{"f", "jd", "c3", "", at(2024, 12, 31, 23, 30), 80, 80, ""}, // refunded in full: an order, no purchase
		{"o", "jd", "c3", "", at(2024, 12, 22, 10, 0), 0, 0, ""},    // $0.00: a purchase (jobs.PurchasePredicate)
		{"g", "jd", "c2", "", at(2025, 1, 1, 0, 5), 77, 0, ""},
		{"h", "jd", "c3", "", at(2025, 11, 15, 10, 0), 120, 0, ""},
		{"i", "jd", "c1", "", at(2025, 12, 3, 10, 0), 400, 0, ""},
		{"j", "jd", "c3", "", at(2025, 12, 4, 10, 0), 150, 0, ""},
		{"k", "pos", "c2", "s1", at(2025, 12, 15, 10, 0), 250, 0, ""},
		{"l", "jd", "c4", "", at(2025, 12, 16, 10, 0), 100, 0, ""},
		{"m", "shopify", "c5", "", at(2025, 12, 20, 10, 0), 70, 0, "浙江省"},
		{"n", "jd", "c1", "", at(2026, 1, 1, 0, 10), 999, 0, ""},
	} {
		var cust, store, prov any
		if o.customer != "" {
			cust = o.customer
		}
		if o.store != "" {
			store = o.store
		}
		if o.province != "" {
			prov = o.province
		}
		if err := wh.Exec(ctx, `INSERT INTO raw_order_lines VALUES ('L', ?, ?, ?, 'a', 1, ?)`, o.channel, o.id, o.ts, prov); err != nil {
			t.Fatal(err)
		}
		if err := wh.Exec(ctx, `INSERT INTO orders VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, 'paid')`, o.channel, o.id, o.ts, cust, store, o.paid, o.refund, o.paid-o.refund); err != nil {
			t.Fatal(err)
		}
	}
	return wh, &config.Config{Location: sh, Regions: map[string][]string{"east": {"浙江"}, "south": {"广东"}}}
}

// buildAt builds a scorecard as publish does: the order facts of the
// as-of's periods first.
func buildAt(t *testing.T, wh warehouse.Warehouse, cfg *config.Config, layer reports.Layer, asOf time.Time, region string) *reports.Scorecard {
	t.Helper()
	ctx := context.Background()
	cur, prev := Periods(asOf)
	if err := warehouse.CreateTableAs(ctx, wh, "publish_order_facts", mustFactsSQL(t, warehouse.SQLOfQuerier(wh), cfg.Regions, prev.From, cur.To)); err != nil {
		t.Fatal(err)
	}
	sc, errs := Build(ctx, wh, cfg, layer, asOf, region, asOf)
	for _, e := range errs {
		if e[:len("freshness")] != "freshness" { // no load_files here
			t.Errorf("%s %s: %s", layer, region, e)
		}
	}
	return sc
}

func kpiByKey(sc *reports.Scorecard) map[string]reports.KPI {
	out := map[string]reports.KPI{}
	for _, k := range sc.KPIs {
		out[k.Key] = k
	}
	return out
}

// TestYoYHandWorked checks the figures of the same period last year and
// their changes against values worked out by hand from the orders of
// yoyWarehouse:
//
//	December 2025: i 400 (c1), j 150 (c3), k 250 (pos, c2), l 100 (c4, new),
//	  m 70 (c5): 5 orders, net 970, stores 250, e-commerce 720, 5 buyers,
//	  1 new (c4; c3 first bought in November), 4 returning.
//	December 2024: b 200 (c1), c 50 (pos, anonymous), d 60 (c5, new),
//	  e 300 (c2, new), o 0 (c3, a $0.00 purchase: new), f 0 (c3, refunded
//	  in full: no purchase): 6 orders, net 610, stores 50, e-commerce 560,
//	  4 buyers, 3 new, 1 returning. g (1 January 00:05) and n are outside.
func TestYoYHandWorked(t *testing.T) {
	wh, cfg := yoyWarehouse(t)
	sh := cfg.Location
	type want struct{ yoy, pct float64 }
	cases := []struct {
		name      string
		layer     reports.Layer
		asOf      time.Time
		region    string
		yoyPeriod string
		want      map[string]want
	}{
		{"strategy, December", reports.LayerStrategy, time.Date(2025, 12, 31, 0, 0, 0, 0, sh), "", "2024-12", map[string]want{
			"net_sales":           {610, (970.0 - 610) / 610}, // +59.02%
			"orders":              {6, -1.0 / 6},
			"aov":                 {610.0 / 6, (194 - 610.0/6) / (610.0 / 6)}, // 101.67: +90.82%
			"active_customers":    {4, 0.25},
			"new_customers":       {3, -2.0 / 3},
			"returning_customers": {1, 3},
		}},
		{"operations, December", reports.LayerOperations, time.Date(2025, 12, 31, 0, 0, 0, 0, sh), "", "2024-12", map[string]want{
			"net_sales":    {610, (970.0 - 610) / 610},
			"store_sales":  {50, 4},
			"online_sales": {560, (720.0 - 560) / 560}, // +28.57%
		}},
		// East: c1, c2, s1 and c5 (its province): December 2025 i 400,
		// k 250, m 70 = 720 over 3 orders, 3 buyers, none new; December
		// 2024 b 200, c 50, d 60, e 300 = 610 over 4 orders, 3 buyers, 2 new.
		{"strategy, east", reports.LayerStrategy, time.Date(2025, 12, 31, 0, 0, 0, 0, sh), "east", "2024-12", map[string]want{
			"net_sales":           {610, (720.0 - 610) / 610}, // +18.03%
			"orders":              {4, -0.25},
			"aov":                 {152.5, (240 - 152.5) / 152.5},
			"active_customers":    {3, 0},
			"new_customers":       {2, -1},
			"returning_customers": {1, 2},
		}},
		// To 15 December: 2025 i, j, k = 800 over 3 orders; 2024 b, c, d =
		// 310 over 3 orders; buyers 3 (c1, c3, c2) against 2 (c1, c5).
		{"strategy, month to date", reports.LayerStrategy, time.Date(2025, 12, 15, 0, 0, 0, 0, sh), "", "2024-12 (to 12-15)", map[string]want{
			"net_sales":        {310, (800.0 - 310) / 310}, // +158.06%
			"orders":           {3, 0},
			"active_customers": {2, 0.5},
			"new_customers":    {1, -1}, // c5 then; none now
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := buildAt(t, wh, cfg, c.layer, c.asOf, c.region)
			if sc.YoYPeriod != c.yoyPeriod {
				t.Errorf("YoYPeriod %q, want %q", sc.YoYPeriod, c.yoyPeriod)
			}
			got := kpiByKey(sc)
			for key, w := range c.want {
				k, ok := got[key]
				if !ok {
					t.Errorf("no KPI %s", key)
					continue
				}
				if !k.HasYoY || math.Abs(k.YoY-w.yoy) > 1e-9 {
					t.Errorf("%s: YoY %v (has %v), want %v", key, k.YoY, k.HasYoY, w.yoy)
				}
				if p, ok := k.YoYPct(); !ok || math.Abs(p-w.pct) > 1e-9 {
					t.Errorf("%s: YoY change %v (%v), want %v", key, p, ok, w.pct)
				}
			}
			for _, key := range []string{"total_clv", "refund_rate"} {
				if k, ok := got[key]; ok && (k.HasYoY || !k.NoYoY.IsZero()) {
					t.Errorf("%s has a YoY comparison: %+v", key, k)
				}
			}
		})
	}
}

// The figure a year earlier is what the scorecard of that day shows: for
// every as-of, layer and region, KPI.YoY equals the value on the scorecard
// built for yoyAsOf.
func TestYoYIsLastYearsScorecard(t *testing.T) {
	wh, cfg := yoyWarehouse(t)
	sh := cfg.Location
	for _, asOf := range []time.Time{time.Date(2025, 12, 31, 0, 0, 0, 0, sh), time.Date(2025, 12, 15, 0, 0, 0, 0, sh), time.Date(2025, 12, 3, 0, 0, 0, 0, sh)} {
		for _, layer := range []reports.Layer{reports.LayerStrategy, reports.LayerOperations} {
			for _, region := range []string{"", "east", "south"} {
				now := kpiByKey(buildAt(t, wh, cfg, layer, asOf, region))
				then := kpiByKey(buildAt(t, wh, cfg, layer, yoyAsOf(asOf), region))
				n := 0
				for key, k := range now {
					if !k.HasYoY {
						continue
					}
					n++
					if w := then[key].Value; math.Abs(k.YoY-w) > 1e-9 {
						t.Errorf("as of %s %s region %q %s: YoY %v, last year's scorecard %v", asOf.Format("2006-01-02"), layer, region, key, k.YoY, w)
					}
				}
				if n < 3 {
					t.Errorf("as of %s %s region %q: %d KPIs with a YoY figure", asOf.Format("2006-01-02"), layer, region, n)
				}
			}
		}
	}
}

// Without the whole period a year earlier there is no comparison, and the
// KPI says why.
func TestYoYWithoutLastYear(t *testing.T) {
	wh, cfg := yoyWarehouse(t)
	ctx := context.Background()
	asOf := time.Date(2025, 12, 31, 0, 0, 0, 0, cfg.Location)
	cases := []struct {
		name, drop string
		zh, en     string
	}{
		// History from 10 December 2024: a part of December against a whole one.
		{"history starts inside the period", "DELETE FROM orders WHERE order_id IN ('a', 'b')", "数据自 2024-12-10 起，不含完整的 2024-12", "history starts 2024-12-10, after the start of 2024-12"},
		{"no orders a year earlier", "DELETE FROM orders WHERE order_ts < TIMESTAMPTZ '2025-01-01 00:00:00+08'", "2024-12 无数据", "no data for 2024-12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := wh.Exec(ctx, c.drop); err != nil {
				t.Fatal(err)
			}
			for key, k := range kpiByKey(buildAt(t, wh, cfg, reports.LayerStrategy, asOf, "")) {
				if key == "total_clv" {
					continue
				}
				if k.HasYoY {
					t.Errorf("%s: YoY %v, want none", key, k.YoY)
				}
				if got := k.NoYoY.In(reports.LangZH); got != c.zh {
					t.Errorf("%s: reason %q, want %q", key, got, c.zh)
				}
				if got := k.NoYoY.In(reports.LangEN); got != c.en {
					t.Errorf("%s: reason %q, want %q", key, got, c.en)
				}
			}
		})
	}
}

// countingWH counts the queries run through it by text.
type countingWH struct {
	warehouse.Warehouse
	mu sync.Mutex
	n  map[string]int
}

func (c *countingWH) Query(ctx context.Context, q string, args ...any) ([]arrow.RecordBatch, error) {
	c.mu.Lock()
	c.n[q]++
	c.mu.Unlock()
	return c.Warehouse.Query(ctx, q, args...)
}

// The strategy and operations scorecards of one run (and two of the same
// region) read the year-earlier figures once when they share a yoyShare,
// and show the same figures as when each reads its own.
func TestYoYSharedBetweenScorecards(t *testing.T) {
	wh, cfg := yoyWarehouse(t)
	ctx := context.Background()
	asOf := time.Date(2025, 12, 31, 0, 0, 0, 0, cfg.Location)
	buildAt(t, wh, cfg, reports.LayerStrategy, asOf, "") // makes publish_order_facts
	yoyQueries := func(c *countingWH) int {
		n := 0
		for q, k := range c.n {
			if strings.Contains(q, "2024-11-30T16:00:00Z") { // the first instant of 2024-12 in Shanghai
				n += k
			}
		}
		return n
	}
	for _, tc := range []struct {
		name   string
		region string
	}{{"all regions", ""}, {"east", "east"}} {
		t.Run(tc.name, func(t *testing.T) {
			own := &countingWH{Warehouse: wh, n: map[string]int{}}
			shared := &countingWH{Warehouse: wh, n: map[string]int{}}
			yoys := &yoyShare{}
			for _, layer := range []reports.Layer{reports.LayerStrategy, reports.LayerOperations} {
				a, _ := build(ctx, own, cfg, layer, asOf, tc.region, asOf, nil, []reports.SourceFreshness{}, nil)
				b, _ := build(ctx, shared, cfg, layer, asOf, tc.region, asOf, nil, []reports.SourceFreshness{}, yoys)
				ka, kb := kpiByKey(a), kpiByKey(b)
				for k, v := range ka {
					if w := kb[k]; w.YoY != v.YoY || w.HasYoY != v.HasYoY || a.YoYPeriod != b.YoYPeriod {
						t.Errorf("%s %s: shared yoy %v/%v (%s), own %v/%v (%s)", layer, k, w.YoY, w.HasYoY, b.YoYPeriod, v.YoY, v.HasYoY, a.YoYPeriod)
					}
				}
				if ka["net_sales"].YoY == 0 {
					t.Errorf("%s: no year-earlier net sales to compare", layer)
				}
			}
			if got, want := yoyQueries(own), 2; got != want {
				t.Errorf("unshared: %d year-earlier reads, want %d", got, want)
			}
			if got, want := yoyQueries(shared), 1; got != want {
				t.Errorf("shared: %d year-earlier reads, want %d", got, want)
			}
		})
	}
}
