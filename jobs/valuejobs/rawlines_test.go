package valuejobs

import (
	"testing"

	"github.com/crmkit/crmkit/jobs"
)

// TestCohortsRawLines runs the cohort job on a warehouse with raw lines and
// order_versions and the kept_order_lines view (as the core job leaves them): the first orders' lines come
// from the raw lines, and the lines of an order's superseded export are
// left out as the order_lines view leaves them out.
func TestCohortsRawLines(t *testing.T) {
	f := newFixture(t, 3000)
	for _, q := range []string{
		`CREATE TABLE raw_order_lines AS SELECT channel, order_id, sku, paid_amount, refund_amount, 'L2' AS _load_id FROM order_lines`,
		// A superseded export of every 5th order with a big line of
		// another category: it would decide first_category if kept.
		`CREATE TABLE stale AS SELECT DISTINCT channel, order_id FROM order_lines WHERE hash(order_id, 'stale') % 5 = 0`,
		`INSERT INTO raw_order_lines SELECT channel, order_id, 'SKU1', 1e6, 0.0, 'L1' FROM stale`,
		`CREATE TABLE order_versions AS SELECT channel, order_id, 'L2' AS keep_load_id FROM stale`,
		jobs.KeptLinesViewSQL(true),
	} {
		if _, err := f.db.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	// The stale lines matter: some first orders have them and another
	// category on their kept lines.
	if n := f.count(t, `WITH p AS (SELECT * FROM orders WHERE customer_id IS NOT NULL AND net_amount > 0),
		f AS (SELECT customer_id, arg_min(channel, (order_ts, channel, order_id)) AS ch, arg_min(order_id, (order_ts, channel, order_id)) AS o FROM p GROUP BY 1)
		SELECT count(DISTINCT f.customer_id) FROM f JOIN stale s ON s.channel = f.ch AND s.order_id = f.o
		JOIN order_lines l ON l.channel = f.ch AND l.order_id = f.o JOIN products pr ON pr.sku = l.sku
		WHERE pr.category IS NOT NULL AND pr.category NOT IN ('', 'shoes')`); n < 50 {
		t.Fatalf("only %d first orders with a superseded export", n)
	}
	res := f.run(t, CohortsJob(f.cfg), "")
	got := f.cells(t, `SELECT dimension, dimension_value, cohort_month, months_since, cohort_size, customers_active,
		retention_pct, revenue, cum_revenue_per_customer FROM cohort_retention WHERE as_of = DATE '`+testAsOf+`'`)
	want := f.cells(t, fill(refCohortSQL, "{tz}", testTZ, "{asof}", testAsOf))
	if len(got) != len(want) {
		t.Errorf("mart has %d cells, SQL %d", len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || g.size != w.size || g.active != w.active || !approx(g.ret, w.ret) || !approx(g.rev, w.rev) || !approx(g.cum, w.cum) {
			t.Fatalf("cell %+v: mart %+v (present %v), SQL %+v; %s", k, g, ok, w, res.Message)
		}
	}
}
