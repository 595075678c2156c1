package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// identityAssignmentsDDL is created empty so core tables can be built before
// the first stitch.
const identityAssignmentsDDL = `CREATE TABLE IF NOT EXISTS identity_assignments (rec_table VARCHAR, rec_key VARCHAR, customer_id VARCHAR)`

// coreSQL builds the core tables from the raw loaded rows. Big event tables
// (order lines, social interactions, campaign contacts) are views over the
// raw rows joined to the stitch assignments, so the nightly build does not
// rewrite millions of rows; orders and the masters are materialised.
//   - Order lines get their customer_id through rec_key = channel:order_id;
//     an order exported again in a later file (a status or refund update)
//     keeps only the latest file's lines (order_versions lists those orders).
//   - Masters keep the most recently loaded row per key.
//   - Personal identifiers stay in the raw tables; core carries customer_id.
//
// The SQL is written once for both engines; coreSQL gives the spelling of
// the few constructs that differ (arg_max) for a dialect.
func coreSQL(d warehouse.SQL) []struct{ table, sql string } {
	return []struct{ table, sql string }{
		// multi has one row per (channel, order_id), so the inner join keeps
		// exactly the rows a semi join would.
		{"order_versions", `CREATE OR REPLACE TABLE order_versions AS
		WITH lf AS (SELECT load_id, max(loaded_at) AS loaded_at FROM load_files WHERE status = 'loaded' GROUP BY 1),
		multi AS (SELECT channel, order_id FROM raw_order_lines GROUP BY 1, 2 HAVING min(_load_id) <> max(_load_id))
		SELECT r.channel, r.order_id, ` + d.ArgMax("r._load_id", "lf.loaded_at") + ` AS keep_load_id
		FROM raw_order_lines r JOIN multi m ON m.channel = r.channel AND m.order_id = r.order_id
		LEFT JOIN lf ON lf.load_id = r._load_id GROUP BY 1, 2`},
		{"order_lines", `CREATE OR REPLACE VIEW order_lines AS
		SELECT r.channel, r.order_id, r.store_id, r.associate_id, r.order_ts, lower(coalesce(r.status, 'paid')) AS status, r.sku, r.qty, r.unit_price,
			coalesce(r.discount, 0) AS discount, r.paid_amount, coalesce(r.refund_amount, 0) AS refund_amount,
			r.paid_amount - coalesce(r.refund_amount, 0) AS net_amount, a.customer_id, r._load_id, r._row
		FROM raw_order_lines r
		LEFT JOIN order_versions v ON v.channel = r.channel AND v.order_id = r.order_id
		LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines' AND a.rec_key = r.channel || ':' || r.order_id
		WHERE v.keep_load_id IS NULL OR v.keep_load_id = r._load_id`},
		{"orders", `CREATE OR REPLACE TABLE orders AS
		SELECT channel, order_id, min(order_ts) AS order_ts, any_value(customer_id) AS customer_id, any_value(store_id) AS store_id,
			any_value(associate_id) AS associate_id, any_value(status) AS status, count(*) AS lines, CAST(sum(qty) AS BIGINT) AS units,
			sum(qty * unit_price) AS gross_amount, sum(discount) AS discount, sum(paid_amount) AS paid_amount,
			sum(refund_amount) AS refund_amount, sum(net_amount) AS net_amount
		FROM order_lines GROUP BY channel, order_id`},
		{"products", `CREATE OR REPLACE TABLE products AS SELECT * EXCLUDE (_load_id, _source, _file, _row) FROM raw_products
		QUALIFY row_number() OVER (PARTITION BY sku ORDER BY _load_id DESC, _row DESC) = 1`},
		{"stores", `CREATE OR REPLACE TABLE stores AS SELECT * EXCLUDE (_load_id, _source, _file, _row) FROM raw_stores
		QUALIFY row_number() OVER (PARTITION BY store_id ORDER BY _load_id DESC, _row DESC) = 1`},
		{"campaigns", `CREATE OR REPLACE TABLE campaigns AS SELECT * EXCLUDE (_load_id, _source, _file, _row) FROM raw_campaigns
		QUALIFY row_number() OVER (PARTITION BY campaign_id ORDER BY _load_id DESC, _row DESC) = 1`},
		{"social_accounts", `CREATE OR REPLACE TABLE social_accounts AS SELECT r.* EXCLUDE (_file), a.customer_id FROM raw_social_accounts r
		LEFT JOIN identity_assignments a ON a.rec_table = 'social_accounts' AND a.rec_key = r._load_id || ':' || r._row
		QUALIFY row_number() OVER (PARTITION BY r.platform, r.openid ORDER BY r._load_id DESC, r._row DESC) = 1`},
		{"social_interactions", `CREATE OR REPLACE VIEW social_interactions AS SELECT r.* EXCLUDE (_file), a.customer_id FROM raw_social_interactions r
		LEFT JOIN identity_assignments a ON a.rec_table = 'social_interactions' AND a.rec_key = r.platform || ':' || r.openid`},
		{"campaign_contacts", `CREATE OR REPLACE VIEW campaign_contacts AS SELECT r.* EXCLUDE (_file), a.customer_id FROM raw_campaign_contacts r
		LEFT JOIN identity_assignments a ON a.rec_table = 'campaign_contacts' AND a.rec_key = r._load_id || ':' || r._row`},
		{"service_tickets", `CREATE OR REPLACE TABLE service_tickets AS SELECT r.* EXCLUDE (_file), a.customer_id FROM raw_service_tickets r
		LEFT JOIN identity_assignments a ON a.rec_table = 'service_tickets' AND a.rec_key = r._load_id || ':' || r._row
		QUALIFY row_number() OVER (PARTITION BY r.ticket_id ORDER BY r._load_id DESC, r._row DESC) = 1`},
	}
}

// BuildCore rebuilds every core table in one transaction and returns the
// number of order lines.
func BuildCore(ctx context.Context, wh warehouse.Warehouse) (int64, error) {
	if err := wh.Exec(ctx, identityAssignmentsDDL); err != nil {
		return 0, err
	}
	err := wh.InTx(ctx, func(tx warehouse.Tx) error {
		for _, c := range coreSQL(warehouse.SQLOf(wh.Dialect())) {
			// A DuckDB warehouse made by an older version may hold a table
			// where a view now goes (BigQuery warehouses are newer than
			// the views; CREATE OR REPLACE VIEW fails there on a table and
			// says so).
			if strings.Contains(c.sql, "CREATE OR REPLACE VIEW") && wh.Dialect().Name() == "duckdb" {
				var n *int64
				if err := tx.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_type = 'BASE TABLE'`, []any{c.table}, &n); err != nil {
					return err
				}
				if n != nil && *n > 0 {
					if err := tx.Exec(ctx, "DROP TABLE "+c.table); err != nil {
						return err
					}
				}
			}
			if err := tx.Exec(ctx, c.sql); err != nil {
				return fmt.Errorf("build core table %s: %w", c.table, err)
			}
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
