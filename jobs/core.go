package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The core tables are built from the raw loaded rows. Big event tables
// (order lines, social interactions, campaign contacts) are views over the
// raw rows joined to the stitch assignments, so the nightly build does not
// rewrite millions of rows; orders and the masters are materialised.
//   - An order exported again in a later file (a status or refund update)
//     keeps only the latest file's lines: order_versions lists those orders
//     and the load kept for each. orders is aggregated from the raw lines in
//     one pass that also finds them (an order whose lines come from more
//     than one load gets a NULL _load_id); only when there are any are the
//     lines of those orders read again (orderVersionsSQL, multiOrdersSQL).
//   - kept_order_lines is the raw lines of the kept exports; order_lines
//     adds the customer_id of the order (rec_key = channel:order_id). When
//     no order has several exports, which is the usual case, the views have
//     no join to order_versions: that join costs a pass over every line
//     even when order_versions is empty.
//   - Masters keep the row of the newest export per key: the highest load
//     order (load_files.load_seq), then the last row of the file.
//   - Personal identifiers stay in the raw tables; core carries customer_id.
//
// The SQL is written once for both engines; d gives the spelling of the few
// constructs that differ (arg_max) for a dialect.

// orderAggregates are the order columns aggregated from its lines (r).
const orderAggregates = `min(r.order_ts) AS order_ts, any_value(r.store_id) AS store_id, any_value(r.associate_id) AS associate_id,
	any_value(lower(coalesce(r.status, 'paid'))) AS status, count(*) AS lines, CAST(sum(r.qty) AS BIGINT) AS units,
	sum(r.qty * r.unit_price) AS gross_amount, sum(coalesce(r.discount, 0)) AS discount, sum(r.paid_amount) AS paid_amount,
	sum(coalesce(r.refund_amount, 0)) AS refund_amount, sum(r.paid_amount - coalesce(r.refund_amount, 0)) AS net_amount`

// orderColumns are the columns of orders, from the aggregate o and the
// assignment a.
const orderColumns = `o.channel, o.order_id, o.order_ts, a.customer_id, o.store_id, o.associate_id, o.status, o.lines, o.units,
	o.gross_amount, o.discount, o.paid_amount, o.refund_amount, o.net_amount, o._load_id`

// orderColumnList names the columns of orders for INSERT (BigQuery
// requires the list).
const orderColumnList = `(channel, order_id, order_ts, customer_id, store_id, associate_id, status, lines, units,
	gross_amount, discount, paid_amount, refund_amount, net_amount, _load_id)`

// orderCustomerJoin joins the stitch assignment of order o.
const orderCustomerJoin = `LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines' AND a.rec_key = o.channel || ':' || o.order_id`

// fingerprintLoads lets tests take the string comparison of ordersSQL.
var fingerprintLoads = true

// ordersSQL aggregates every order from all its raw lines; _load_id is
// NULL for an order whose lines come from several loads. Comparing the
// load ids' fingerprints instead of the strings saves a string min and max
// per line; byFingerprint is false when two loaded load ids share a
// fingerprint (then the strings are compared).
//
// It is the SELECT: on DuckDB orders is created first (OrdersSchema, with
// storage hints) and filled by INSERT; elsewhere it is created from the
// query (warehouse.CreateTableAs).
func ordersSQL(d warehouse.SQL, byFingerprint bool) string {
	single := `CASE WHEN min(r._load_id) = max(r._load_id) THEN min(r._load_id) END`
	if byFingerprint {
		fp := d.Fingerprint("r._load_id")
		single = `CASE WHEN min(` + fp + `) = max(` + fp + `) THEN any_value(r._load_id) END`
	}
	return `SELECT ` + orderColumns + `
FROM (SELECT r.channel, r.order_id, ` + orderAggregates + `, ` + single + ` AS _load_id
	FROM raw_order_lines r GROUP BY r.channel, r.order_id) o
` + orderCustomerJoin
}

// orderVersionsSQL lists the orders exported in several loads with the
// load kept (the latest loaded); emptyVersionsSQL is the table when there
// are none.
func orderVersionsSQL(d warehouse.SQL) string {
	return `CREATE OR REPLACE TABLE order_versions AS
	WITH lf AS (SELECT load_id, max(loaded_at) AS loaded_at FROM load_files WHERE status = 'loaded' GROUP BY 1),
	multi AS (SELECT channel, order_id FROM orders WHERE _load_id IS NULL)
	SELECT r.channel, r.order_id, ` + d.ArgMax("r._load_id", "lf.loaded_at") + ` AS keep_load_id
	FROM raw_order_lines r JOIN multi m ON m.channel = r.channel AND m.order_id = r.order_id
	LEFT JOIN lf ON lf.load_id = r._load_id GROUP BY 1, 2`
}

const emptyVersionsSQL = `CREATE OR REPLACE TABLE order_versions AS
	SELECT channel, order_id, _load_id AS keep_load_id FROM raw_order_lines WHERE 1 = 0`

// multiOrdersSQL re-aggregates the orders of order_versions from the
// lines of their kept load (after their rows are deleted from orders).
const multiOrdersSQL = `INSERT INTO orders ` + orderColumnList + `
SELECT ` + orderColumns + `
FROM (SELECT r.channel, r.order_id, ` + orderAggregates + `, any_value(r._load_id) AS _load_id
	FROM raw_order_lines r JOIN order_versions v ON v.channel = r.channel AND v.order_id = r.order_id AND v.keep_load_id = r._load_id
	GROUP BY r.channel, r.order_id) o
` + orderCustomerJoin

// KeptLinesViewSQL creates the kept_order_lines view: the raw order lines
// of the kept export of every order. With versions (order_versions has
// rows) it joins order_versions to drop the lines of superseded exports;
// without, it is the raw lines as they are.
func KeptLinesViewSQL(versions bool) string {
	if !versions {
		return `CREATE OR REPLACE VIEW kept_order_lines AS SELECT r.* FROM raw_order_lines r`
	}
	return `CREATE OR REPLACE VIEW kept_order_lines AS SELECT r.* FROM raw_order_lines r
	LEFT JOIN order_versions v ON v.channel = r.channel AND v.order_id = r.order_id
	WHERE v.keep_load_id IS NULL OR v.keep_load_id = r._load_id`
}

const orderLinesSQL = `CREATE OR REPLACE VIEW order_lines AS
	SELECT r.channel, r.order_id, r.store_id, r.associate_id, r.order_ts, lower(coalesce(r.status, 'paid')) AS status, r.sku, r.qty, r.unit_price,
		coalesce(r.discount, 0) AS discount, r.paid_amount, coalesce(r.refund_amount, 0) AS refund_amount,
		r.paid_amount - coalesce(r.refund_amount, 0) AS net_amount, a.customer_id, r._load_id, r._row
	FROM kept_order_lines r
	LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines' AND a.rec_key = r.channel || ':' || r.order_id`

// loadOrder is the load order of every loaded load id (load_files.load_seq,
// with loaded_at for loads recorded before it): joined as s to a raw
// table r, the newest export of a master row is the one that sorts first
// by newestFirst. A load id is a hash of the content and says nothing of
// the order.
const loadOrder = `LEFT JOIN (SELECT load_id, max(coalesce(load_seq, 0)) AS load_seq, max(loaded_at) AS loaded_at FROM load_files
		WHERE status = 'loaded' GROUP BY 1) s ON s.load_id = r._load_id`

const newestFirst = `s.load_seq DESC, s.loaded_at DESC, r._load_id DESC, r._row DESC`

// newestRows is the load id of each row of raw table r that core keeps
// (the newest export of each key).
func newestRows(raw, key string) string {
	return `SELECT r._load_id FROM ` + raw + ` r ` + loadOrder + `
		QUALIFY row_number() OVER (PARTITION BY ` + key + ` ORDER BY ` + newestFirst + `) = 1`
}

// CurrentRowsSQL counts, per load (load_id, current_rows), the raw rows
// that core holds as the current version: order lines of the kept export
// of their order, master rows of the newest export of their key, every
// event row. Data health shows the rows loaded apart from the current ones
// (a re-export supersedes the rows of the one before). It reads the core
// views, so it is run after core, by the one report that needs it.
var CurrentRowsSQL = `SELECT load_id, CAST(sum(n) AS BIGINT) AS current_rows FROM (
		SELECT _load_id AS load_id, count(*) AS n FROM kept_order_lines GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM (` + newestRows("raw_products", "r.sku") + `) p GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM (` + newestRows("raw_stores", "r.store_id") + `) s GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM (` + newestRows("raw_campaigns", "r.campaign_id") + `) c GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM (` + newestRows("raw_social_accounts", "r.platform, r.openid") + `) a GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM (` + newestRows("raw_service_tickets", "r.ticket_id") + `) t GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM raw_social_interactions GROUP BY 1
		UNION ALL SELECT _load_id AS load_id, count(*) AS n FROM raw_campaign_contacts GROUP BY 1
	) u GROUP BY 1`

// coreTable is a core table (or view) made from a query.
type coreTable struct {
	table, query string
	view         bool
}

// statement is the CREATE OR REPLACE statement of c (on BigQuery a table
// goes through warehouse.CreateTableAs instead, for its layout).
func (c coreTable) statement() string {
	if c.view {
		return "CREATE OR REPLACE VIEW " + c.table + " AS " + c.query
	}
	return "CREATE OR REPLACE TABLE " + c.table + " AS " + c.query
}

// mastersSQL builds the tables other than orders and its views.
func mastersSQL() []coreTable {
	return []coreTable{
		{"products", `SELECT r.* EXCLUDE (_load_id, _row) FROM raw_products r ` + loadOrder + `
		QUALIFY row_number() OVER (PARTITION BY r.sku ORDER BY ` + newestFirst + `) = 1`, false},
		{"stores", `SELECT r.* EXCLUDE (_load_id, _row) FROM raw_stores r ` + loadOrder + `
		QUALIFY row_number() OVER (PARTITION BY r.store_id ORDER BY ` + newestFirst + `) = 1`, false},
		{"campaigns", `SELECT r.* EXCLUDE (_load_id, _row) FROM raw_campaigns r ` + loadOrder + `
		QUALIFY row_number() OVER (PARTITION BY r.campaign_id ORDER BY ` + newestFirst + `) = 1`, false},
		{"social_accounts", `SELECT r.*, a.customer_id FROM raw_social_accounts r
		LEFT JOIN identity_assignments a ON a.rec_table = 'social_accounts' AND a.rec_key = r._load_id || ':' || r._row ` + loadOrder + `
		QUALIFY row_number() OVER (PARTITION BY r.platform, r.openid ORDER BY ` + newestFirst + `) = 1`, false},
		{"social_interactions", `SELECT r.*, a.customer_id FROM raw_social_interactions r
		LEFT JOIN identity_assignments a ON a.rec_table = 'social_interactions' AND a.rec_key = r.platform || ':' || r.openid`, true},
		{"campaign_contacts", `SELECT r.*, a.customer_id FROM raw_campaign_contacts r
		LEFT JOIN identity_assignments a ON a.rec_table = 'campaign_contacts' AND a.rec_key = r._load_id || ':' || r._row`, true},
		{"service_tickets", `SELECT r.*, a.customer_id FROM raw_service_tickets r
		LEFT JOIN identity_assignments a ON a.rec_table = 'service_tickets' AND a.rec_key = r._load_id || ':' || r._row ` + loadOrder + `
		QUALIFY row_number() OVER (PARTITION BY r.ticket_id ORDER BY ` + newestFirst + `) = 1`, false},
	}
}

// BuildCore rebuilds every core table in one transaction and returns the
// number of order lines.
func BuildCore(ctx context.Context, wh warehouse.Warehouse) (int64, error) {
	if err := ensureIdentityAssignments(ctx, wh); err != nil {
		return 0, err
	}
	d := warehouse.SQLOf(wh.Dialect())
	err := wh.InTx(ctx, func(tx warehouse.Tx) error {
		exec := func(table, q string) error {
			// A DuckDB warehouse made by an older version may hold a table
			// where a view now goes (BigQuery warehouses are newer than
			// the views; CREATE OR REPLACE VIEW fails there on a table and
			// says so).
			if strings.Contains(q, "CREATE OR REPLACE VIEW") && warehouse.CapabilitiesOf(wh.Dialect()).TxDropTable {
				var n *int64
				if err := tx.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_type = 'BASE TABLE'`, []any{table}, &n); err != nil {
					return err
				}
				if n != nil && *n > 0 {
					if err := tx.Exec(ctx, "DROP TABLE "+table); err != nil {
						return err
					}
				}
			}
			if err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("build core table %s: %w", table, err)
			}
			return nil
		}
		var distinctFP *bool
		if err := tx.QueryRow(ctx, `SELECT count(DISTINCT load_id) = count(DISTINCT `+d.Fingerprint("load_id")+`) FROM `+
			wh.Dialect().Table("load_files"), nil, &distinctFP); err != nil {
			return fmt.Errorf("check load id fingerprints: %w", err)
		}
		orders := ordersSQL(d, fingerprintLoads && (distinctFP == nil || *distinctFP))
		if warehouse.CapabilitiesOf(wh.Dialect()).InsertIntoDeclared {
			if err := warehouse.RecreateTable(ctx, tx, "orders", OrdersSchema); err != nil {
				return fmt.Errorf("build core table orders: %w", err)
			}
			if err := exec("orders", `INSERT INTO orders `+orderColumnList+"\n"+orders); err != nil {
				return err
			}
		} else if err := warehouse.CreateTableAs(ctx, tx, "orders", orders); err != nil {
			return fmt.Errorf("build core table orders: %w", err)
		}
		var multi *int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+wh.Dialect().Table("orders")+` WHERE _load_id IS NULL`, nil, &multi); err != nil {
			return fmt.Errorf("count orders exported more than once: %w", err)
		}
		versions := multi != nil && *multi > 0
		if versions {
			if err := exec("order_versions", orderVersionsSQL(d)); err != nil {
				return err
			}
			if err := exec("orders", `DELETE FROM orders WHERE _load_id IS NULL`); err != nil {
				return err
			}
			if err := exec("orders", multiOrdersSQL); err != nil {
				return err
			}
		} else if err := exec("order_versions", emptyVersionsSQL); err != nil {
			return err
		}
		kept, err := tieReturns(ctx, tx, d, versions) // returns.go
		if err != nil {
			return err
		}
		if err := exec("kept_order_lines", kept); err != nil {
			return err
		}
		if err := foldReturns(ctx, tx, d); err != nil {
			return err
		}
		if err := exec("order_lines", orderLinesSQL); err != nil {
			return err
		}
		for _, c := range mastersSQL() {
			if c.view {
				if err := exec(c.table, c.statement()); err != nil {
					return err
				}
			} else if err := warehouse.CreateTableAs(ctx, tx, c.table, c.query); err != nil {
				return fmt.Errorf("build core table %s: %w", c.table, err)
			}
		}
		if warehouse.CapabilitiesOf(wh.Dialect()).IncrementalUpdates { // the base of UpdateCore
			if err := markAllCustomersChanged(ctx, tx); err != nil {
				return err
			}
			if _, err := beginChanges(ctx, tx, true); err != nil {
				return fmt.Errorf("build core: %w", err)
			}
			return recordCoreLoads(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	// orders sums the lines of the order_lines view per order: its total
	// is the view's row count without joining 10M lines again.
	n, err := warehouse.Int64(ctx, wh, "SELECT CAST(sum(lines) AS BIGINT) FROM "+wh.Dialect().Table("orders"))
	if err != nil {
		return 0, fmt.Errorf("count order lines: %w", err)
	}
	return n, nil
}
