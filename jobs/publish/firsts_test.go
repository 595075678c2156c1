package publish

import (
	"context"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// New customers read from customer_state equal those from the orders, at
// the zone's month boundary, and customer_state is only read when it was
// built with the config's purchase rule and zone and has taken in every
// change of core.
func TestNewCustomersFromState(t *testing.T) {
	wh, err := warehouse.OpenDuckDB(":memory:", warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	at := func(mo time.Month, d, h, m int) time.Time { return time.Date(2025, mo, d, h, m, 0, 0, sh) }
	for _, q := range []string{
		`CREATE TABLE stores (store_id VARCHAR, store_name VARCHAR, region VARCHAR)`,
		`CREATE TABLE customers (customer_id VARCHAR, region VARCHAR)`,
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
	// c1 first bought in October; c2 on 30 November 23:30 (Shanghai); c3 on
	// 1 December 00:10 (still 30 November in UTC); c4 returned an order in
	// November (no purchase) and first bought in December.
	orders := []struct {
		id, cust string
		ts       time.Time
		units    int
		paid     float64
	}{
		{"o1", "c1", at(10, 5, 12, 0), 1, 50},
		{"o2", "c1", at(12, 3, 12, 0), 1, 20},
		{"o3", "c2", at(11, 30, 23, 30), 1, 30},
		{"o4", "c2", at(12, 4, 9, 0), 2, 40},
		{"o5", "c3", at(12, 1, 0, 10), 1, 10},
		{"o6", "c4", at(11, 10, 10, 0), -1, 0},
		{"o7", "c4", at(12, 20, 10, 0), 1, 15},
	}
	for _, o := range orders {
		refund := 0.0
		if o.units < 0 {
			refund = 25
		}
		if err := wh.Exec(ctx, `INSERT INTO orders VALUES ('jd', ?, ?, ?, NULL, ?, ?, ?, ?, 'paid')`, o.id, o.ts, o.cust, o.units, o.paid, refund, o.paid-refund); err != nil {
			t.Fatal(err)
		}
		// The facts take units from the order's lines.
		if err := wh.Exec(ctx, `INSERT INTO raw_order_lines VALUES ('L', 'jd', ?, ?, 'a', ?, NULL)`, o.id, o.ts, o.units); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &config.Config{Location: sh}
	asOf := time.Date(2025, 12, 31, 0, 0, 0, 0, sh)
	cur, prev := Periods(asOf)
	if err := warehouse.CreateTableAs(ctx, wh, "publish_order_facts", mustFactsSQL(t, warehouse.SQLOfQuerier(wh), nil, prev.From, cur.To)); err != nil {
		t.Fatal(err)
	}
	if ok, why := firstDaysUsable(ctx, wh, cfg); ok || why != "no customer_state" {
		t.Errorf("without customer_state: usable %v (%s)", ok, why)
	}
	// customer_state as the customer_state job writes it: first purchase
	// days in Shanghai.
	for _, q := range []string{
		`CREATE TABLE customer_state (customer_id VARCHAR, first_day DATE, last_day DATE, days BIGINT, first_value DOUBLE, repeat_value DOUBLE)`,
		`INSERT INTO customer_state VALUES ('c1', '2025-10-05', '2025-12-03', 2, 50, 20), ('c2', '2025-11-30', '2025-12-04', 2, 30, 40),
			('c3', '2025-12-01', '2025-12-01', 1, 10, 0), ('c4', '2025-12-20', '2025-12-20', 1, 15, 0)`,
		`CREATE TABLE customer_state_meta (min_amount DOUBLE, zone VARCHAR)`,
		`INSERT INTO customer_state_meta VALUES (0, 'Asia/Shanghai')`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := jobs.EnsureCustomerChanges(ctx, wh); err != nil {
		t.Fatal(err)
	}
	// December: 4 buying, c3 and c4 new; November: c2 buying and new.
	want := [3][2]float64{{4, 1}, {2, 1}, {2, 0}}
	for _, firstDays := range []bool{false, true} {
		b := &builder{ctx: ctx, wh: wh, loc: sh, asOf: asOf, cur: cur, prev: prev, purchase: "(" + jobs.PurchasePredicate(0) + ")", firstDays: firstDays}
		a, n, r := b.customerKPIs()
		got := [3][2]float64{{a.Value, a.Prev}, {n.Value, n.Prev}, {r.Value, r.Prev}}
		if got != want || len(b.errs) > 0 {
			t.Errorf("first days from customer_state %v: active, new, returning %v, want %v (%v)", firstDays, got, want, b.errs)
		}
	}
	// The same period a year later compares with December 2025: 4
	// buying, c3 and c4 new.
	nextCur, nextPrev := Periods(asOf.AddDate(1, 0, 0))
	for _, firstDays := range []bool{false, true} {
		b := &builder{ctx: ctx, wh: wh, loc: sh, asOf: asOf.AddDate(1, 0, 0), cur: nextCur, prev: nextPrev, curLabel: nextCur.Label,
			purchase: "(" + jobs.PurchasePredicate(0) + ")", firstDays: firstDays}
		y := b.yoy()
		if y.values["active_customers"] != 4 || y.values["new_customers"] != 2 || !y.missing.IsZero() {
			t.Errorf("first days from customer_state %v: last year's active %v, new %v (%v, %v)", firstDays, y.values["active_customers"], y.values["new_customers"], y.missing, b.errs)
		}
	}
	if ok, why := firstDaysUsable(ctx, wh, cfg); !ok {
		t.Errorf("customer_state up to date: not usable (%s)", why)
	}
	cases := []struct {
		name, change, undo string
	}{
		{"another min_amount", `UPDATE customer_state_meta SET min_amount = 5`, `UPDATE customer_state_meta SET min_amount = 0`},
		{"another zone", `UPDATE customer_state_meta SET zone = 'UTC'`, `UPDATE customer_state_meta SET zone = 'Asia/Shanghai'`},
		{"core changed a customer since", `INSERT INTO customer_changes (customer_id) VALUES ('c2')`, `DELETE FROM customer_changes`},
		{"core rebuilt", `INSERT INTO customer_changes (customer_id) VALUES (NULL)`, `DELETE FROM customer_changes`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := wh.Exec(ctx, c.change); err != nil {
				t.Fatal(err)
			}
			if ok, _ := firstDaysUsable(ctx, wh, cfg); ok {
				t.Errorf("customer_state usable after %s", c.name)
			}
			if err := wh.Exec(ctx, c.undo); err != nil {
				t.Fatal(err)
			}
		})
	}
}
