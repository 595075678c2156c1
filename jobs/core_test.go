package jobs

import (
	"context"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestCoreKeepsLatestExportOfAnOrder: order A is exported in load L1 (paid)
// and again in L2 (refunded, loaded later); order B only in L1 with two
// lines of the same SKU. Core keeps A's L2 line and both of B's lines.
func TestCoreKeepsLatestExportOfAnOrder(t *testing.T) {
	for _, fp := range []bool{true, false} {
		t.Run(map[bool]string{true: "load fingerprints", false: "load id strings"}[fp], func(t *testing.T) {
			defer func(v bool) { fingerprintLoads = v }(fingerprintLoads)
			fingerprintLoads = fp
			testCoreKeepsLatestExport(t)
		})
	}
}

func testCoreKeepsLatestExport(t *testing.T) {
	wh := testWH(t)
	ctx := context.Background()
	execAll(t, wh,
		`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at) VALUES
			('L1', 's', 'a.csv', 'h1', 'loaded', 3, 3, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00'),
			('L2', 's', 'b.csv', 'h2', 'loaded', 1, 1, 0, TIMESTAMPTZ '2025-01-02 00:00:00+00')`,
		`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, status, sku, qty, unit_price, paid_amount, refund_amount) VALUES
			('L1', 2, 'shopify', 'A', TIMESTAMPTZ '2024-12-30 10:00:00+00', 'paid', 'X', 1, 100, 100, 0),
			('L1', 3, 'shopify', 'B', TIMESTAMPTZ '2024-12-30 11:00:00+00', 'paid', 'Y', 1, 10, 10, 0),
			('L1', 4, 'shopify', 'B', TIMESTAMPTZ '2024-12-30 11:00:00+00', 'paid', 'Y', 1, 10, 10, 0),
			('L2', 2, 'shopify', 'A', TIMESTAMPTZ '2024-12-30 10:00:00+00', 'refunded', 'X', 1, 100, 100, 100)`,
	)
	n, err := BuildCore(ctx, wh)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("order_lines = %d, want 3", n)
	}
	var status string
	var net, bNet float64
	var bLines int64
	if err := wh.DB().QueryRow(`SELECT status, net_amount FROM orders WHERE order_id = 'A'`).Scan(&status, &net); err != nil || status != "refunded" || net != 0 {
		t.Fatalf("order A: %q net %v (%v), want refunded and 0", status, net, err)
	}
	if err := wh.DB().QueryRow(`SELECT lines, net_amount FROM orders WHERE order_id = 'B'`).Scan(&bLines, &bNet); err != nil || bLines != 2 || bNet != 20 {
		t.Fatalf("order B: %d lines net %v (%v), want 2 and 20", bLines, bNet, err)
	}
	assertCoreConsistent(t, wh, 2, 3, 1)
	var keep string
	if err := wh.DB().QueryRow(`SELECT keep_load_id FROM order_versions WHERE order_id = 'A'`).Scan(&keep); err != nil || keep != "L2" {
		t.Fatalf("order_versions keeps %q for A (%v), want L2", keep, err)
	}
}

// TestCoreWithoutReexports: with every order in one load order_versions is
// empty, the views have no versions join, and orders still sums the lines;
// a later load re-exporting an order switches the views to the join.
func TestCoreWithoutReexports(t *testing.T) {
	wh := testWH(t)
	ctx := context.Background()
	execAll(t, wh,
		`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at) VALUES
			('L1', 's', 'a.csv', 'h1', 'loaded', 3, 3, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00')`,
		`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, status, sku, qty, unit_price, discount, paid_amount, refund_amount) VALUES
			('L1', 2, 'shopify', 'A', TIMESTAMPTZ '2024-12-30 10:00:00+00', NULL, 'X', 2, 50, 5, 95, NULL),
			('L1', 3, 'shopify', 'B', TIMESTAMPTZ '2024-12-30 11:00:00+00', 'PAID', 'Y', 1, 10, NULL, 10, 4),
			('L1', 4, 'jd', 'B', TIMESTAMPTZ '2024-12-30 12:00:00+00', 'paid', 'Y', 3, 10, 0, 30, 0)`,
		`INSERT INTO identity_assignments VALUES ('order_lines', 'shopify:B', 'C1')`,
	)
	if _, err := BuildCore(ctx, wh); err != nil {
		t.Fatal(err)
	}
	assertCoreConsistent(t, wh, 3, 3, 0)
	var status, cust string
	var units int64
	var gross, disc, net float64
	if err := wh.DB().QueryRow(`SELECT status, units, gross_amount, discount, net_amount FROM orders WHERE channel = 'shopify' AND order_id = 'A'`).Scan(&status, &units, &gross, &disc, &net); err != nil ||
		status != "paid" || units != 2 || gross != 100 || disc != 5 || net != 95 {
		t.Fatalf("order shopify:A = %q %d %v %v %v (%v), want paid 2 100 5 95", status, units, gross, disc, net, err)
	}
	if err := wh.DB().QueryRow(`SELECT customer_id, net_amount FROM orders WHERE channel = 'shopify' AND order_id = 'B'`).Scan(&cust, &net); err != nil || cust != "C1" || net != 6 {
		t.Fatalf("order shopify:B = %q %v (%v), want C1 6", cust, net, err)
	}
	if strings.Contains(viewSQL(t, wh, "order_lines")+viewSQL(t, wh, "kept_order_lines"), "order_versions") {
		t.Fatal("views join order_versions although no order has several exports")
	}
	// L2 re-exports shopify:A refunded: the views take the join again.
	execAll(t, wh,
		`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at) VALUES
			('L2', 's', 'b.csv', 'h2', 'loaded', 1, 1, 0, TIMESTAMPTZ '2025-01-02 00:00:00+00')`,
		`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, status, sku, qty, unit_price, discount, paid_amount, refund_amount) VALUES
			('L2', 2, 'shopify', 'A', TIMESTAMPTZ '2024-12-30 10:00:00+00', 'refunded', 'X', 2, 50, 5, 95, 95)`,
	)
	if _, err := BuildCore(ctx, wh); err != nil {
		t.Fatal(err)
	}
	assertCoreConsistent(t, wh, 3, 3, 1)
	if err := wh.DB().QueryRow(`SELECT status, net_amount FROM orders WHERE channel = 'shopify' AND order_id = 'A'`).Scan(&status, &net); err != nil || status != "refunded" || net != 0 {
		t.Fatalf("re-exported order shopify:A = %q %v (%v), want refunded 0", status, net, err)
	}
}

// assertCoreConsistent checks the core invariants: orders has one row per
// order of the order_lines view and the same totals, kept_order_lines has
// the view's rows, and order_versions has the given number of orders.
func assertCoreConsistent(t *testing.T, wh *warehouse.DuckDB, orders, lines, versions int64) {
	t.Helper()
	var nOrders, nLines, nKept, nVersions, nGroups int64
	var same bool
	if err := wh.DB().QueryRow(`SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines), (SELECT count(*) FROM kept_order_lines),
		(SELECT count(*) FROM order_versions), (SELECT count(*) FROM (SELECT DISTINCT channel, order_id FROM order_lines)),
		(SELECT sum(lines) FROM orders) = (SELECT count(*) FROM order_lines)
		AND (SELECT sum(net_amount) FROM orders) = (SELECT sum(net_amount) FROM order_lines)
		AND (SELECT sum(units) FROM orders) = (SELECT sum(qty) FROM order_lines)
		AND (SELECT count(*) FROM orders o JOIN (SELECT channel, order_id, any_value(customer_id) AS customer_id FROM order_lines GROUP BY 1, 2) l
			ON l.channel = o.channel AND l.order_id = o.order_id AND l.customer_id IS NOT DISTINCT FROM o.customer_id) = (SELECT count(*) FROM orders)`).
		Scan(&nOrders, &nLines, &nKept, &nVersions, &nGroups, &same); err != nil {
		t.Fatal(err)
	}
	if nOrders != orders || nLines != lines || nKept != lines || nVersions != versions || nGroups != orders || !same {
		t.Fatalf("core: %d orders, %d lines, %d kept lines, %d versions, %d line groups, totals match %v; want %d orders, %d lines, %d versions",
			nOrders, nLines, nKept, nVersions, nGroups, same, orders, lines, versions)
	}
}

func viewSQL(t *testing.T, wh *warehouse.DuckDB, name string) string {
	t.Helper()
	var sql string
	if err := wh.DB().QueryRow(`SELECT sql FROM duckdb_views() WHERE view_name = ?`, name).Scan(&sql); err != nil {
		t.Fatalf("view %s: %v", name, err)
	}
	return sql
}

// execAll runs each statement on wh, failing the test on the first error.
func execAll(t *testing.T, wh *warehouse.DuckDB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if err := wh.Exec(context.Background(), q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
}

// TestPrepareMigratesOldLineage: a warehouse made by an earlier version,
// whose raw tables carry _source and _file and whose core views are bound
// to them (social_interactions excluded _file by name, kept_order_lines
// took r.*), opens with those columns dropped, the raw rows kept and the
// core rebuilt, before any job runs.
func TestPrepareMigratesOldLineage(t *testing.T) {
	wh := testWH(t)
	ctx := context.Background()
	execAll(t, wh,
		`ALTER TABLE raw_order_lines ADD COLUMN _source VARCHAR DEFAULT 's'`,
		`ALTER TABLE raw_order_lines ADD COLUMN _file VARCHAR DEFAULT 'a.csv'`,
		`ALTER TABLE raw_social_interactions ADD COLUMN _source VARCHAR DEFAULT 'w'`,
		`ALTER TABLE raw_social_interactions ADD COLUMN _file VARCHAR DEFAULT 'i.csv'`,
		`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, sku, qty, unit_price, paid_amount) VALUES
			('L1', 2, 'shopify', 'A', TIMESTAMPTZ '2024-12-30 10:00:00+00', 'X', 1, 100, 100)`,
		`INSERT INTO raw_social_interactions (_load_id, _row, platform, openid, ts, action) VALUES
			('L2', 2, 'wechat', 'o1', TIMESTAMPTZ '2025-01-02 00:00:00+00', 'view')`,
		`INSERT INTO identity_assignments VALUES ('order_lines', 'shopify:A', 'C1'), ('social_interactions', 'wechat:o1', 'C1')`,
		// Views bound to the old columns.
		`CREATE OR REPLACE TABLE order_versions AS SELECT channel, order_id, _load_id AS keep_load_id FROM raw_order_lines WHERE 1 = 0`,
		KeptLinesViewSQL(false),
		orderLinesSQL,
		`CREATE OR REPLACE VIEW social_interactions AS SELECT r.* EXCLUDE (_file), a.customer_id FROM raw_social_interactions r
		LEFT JOIN identity_assignments a ON a.rec_table = 'social_interactions' AND a.rec_key = r.platform || ':' || r.openid`,
	)
	if err := Prepare(ctx, wh); err != nil {
		t.Fatal(err)
	}
	var old int64
	if err := wh.DB().QueryRow(`SELECT count(*) FROM information_schema.columns WHERE table_name LIKE 'raw_%' AND column_name IN ('_source', '_file')`).Scan(&old); err != nil || old != 0 {
		t.Fatalf("%d old lineage columns left (%v)", old, err)
	}
	var lines, kept, inter int64
	var cust string
	if err := wh.DB().QueryRow(`SELECT (SELECT count(*) FROM order_lines WHERE customer_id = 'C1'), (SELECT count(*) FROM kept_order_lines),
		(SELECT count(*) FROM social_interactions WHERE customer_id = 'C1'), (SELECT max(customer_id) FROM social_interactions)`).Scan(&lines, &kept, &inter, &cust); err != nil {
		t.Fatalf("views after the migration: %v", err)
	}
	if lines != 1 || kept != 1 || inter != 1 || cust != "C1" {
		t.Fatalf("after the migration: %d order lines of C1, %d kept lines, %d interactions of C1, want 1 each", lines, kept, inter)
	}
}
