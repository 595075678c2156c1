package jobs

import (
	"context"
	"fmt"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// identityAssignmentsDDL is created empty so core tables can be built before
// the first stitch.
const identityAssignmentsDDL = `CREATE TABLE IF NOT EXISTS identity_assignments (rec_table VARCHAR, rec_key VARCHAR, customer_id VARCHAR)`

// coreSQL builds the core tables from the raw loaded rows: masters keep the
// most recently loaded row per key; events get their customer_id from the
// stitch assignments (rec_key = channel:order_id for order lines, _load_id:_row otherwise); an order exported again
// in a later file (a status or refund update) replaces the earlier file's lines of that order.
var coreSQL = []struct{ table, sql string }{
	{"order_lines", `CREATE OR REPLACE TABLE order_lines AS
		WITH lf AS (SELECT load_id, max(loaded_at) AS loaded_at FROM load_files WHERE status = 'loaded' GROUP BY 1)
		SELECT r.channel, r.order_id, r.store_id, r.associate_id, r.buyer_id, r.member_card, r.phone, r.email, r.name, r.device_id,
			r.order_ts, lower(coalesce(r.status, 'paid')) AS status, r.sku, r.qty, r.unit_price, coalesce(r.discount, 0) AS discount,
			r.paid_amount, coalesce(r.refund_amount, 0) AS refund_amount, r.paid_amount - coalesce(r.refund_amount, 0) AS net_amount,
			a.customer_id, r._load_id, r._row, r._source
		FROM raw_order_lines r
		LEFT JOIN lf ON lf.load_id = r._load_id
		LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines' AND a.rec_key = r.channel || ':' || r.order_id
		QUALIFY dense_rank() OVER (PARTITION BY r.channel, r.order_id ORDER BY lf.loaded_at DESC NULLS LAST, r._load_id DESC) = 1`},
	{"orders", `CREATE OR REPLACE TABLE orders AS
		SELECT channel, order_id, min(order_ts) AS order_ts, any_value(customer_id) AS customer_id, any_value(store_id) AS store_id,
			any_value(associate_id) AS associate_id, any_value(status) AS status, count(*) AS lines, sum(qty) AS units,
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
	{"social_interactions", `CREATE OR REPLACE TABLE social_interactions AS SELECT r.* EXCLUDE (_file), a.customer_id FROM raw_social_interactions r
		LEFT JOIN identity_assignments a ON a.rec_table = 'social_interactions' AND a.rec_key = r._load_id || ':' || r._row`},
	{"campaign_contacts", `CREATE OR REPLACE TABLE campaign_contacts AS SELECT r.* EXCLUDE (_file), a.customer_id FROM raw_campaign_contacts r
		LEFT JOIN identity_assignments a ON a.rec_table = 'campaign_contacts' AND a.rec_key = r._load_id || ':' || r._row`},
	{"service_tickets", `CREATE OR REPLACE TABLE service_tickets AS SELECT r.* EXCLUDE (_file), a.customer_id FROM raw_service_tickets r
		LEFT JOIN identity_assignments a ON a.rec_table = 'service_tickets' AND a.rec_key = r._load_id || ':' || r._row
		QUALIFY row_number() OVER (PARTITION BY r.ticket_id ORDER BY r._load_id DESC, r._row DESC) = 1`},
}

// BuildCore rebuilds every core table in one transaction and returns the
// number of order lines.
func BuildCore(ctx context.Context, wh warehouse.Warehouse) (int64, error) {
	if err := wh.Exec(ctx, identityAssignmentsDDL); err != nil {
		return 0, err
	}
	err := wh.InTx(ctx, func(tx warehouse.Tx) error {
		for _, c := range coreSQL {
			if err := tx.Exec(ctx, c.sql); err != nil {
				return fmt.Errorf("build core table %s: %w", c.table, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return warehouse.Count(ctx, wh, "order_lines")
}
