package metricjobs

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

const (
	testTZ   = "Asia/Shanghai"
	testAsOf = "2024-10-31"
	// testEnd is the end of the as-of day in Shanghai, in UTC.
	testEnd = "TIMESTAMPTZ '2024-10-31 16:00:00+00'"
)

// fixtureSQL builds the core tables the metric jobs read: 200 orders over
// ten months (every 37 hours from 2024-01-01 UTC) on four channels, with
// cancelled orders (every 17th), refunds (every 13th in full, every 7th
// partly), anonymous store receipts, a SKU that is not in products and one
// without a cost; two campaigns (K2 without control group); social
// accounts and interactions; rfm and lifecycle_stage marts (one row per
// customer) for the as-of date.
var fixtureSQL = []string{
	`SET TimeZone = 'UTC'`,
	`CREATE TABLE products AS SELECT 'P' || i AS sku, 'prod ' || i AS product_name,
		CASE i % 3 WHEN 0 THEN 'Tea' WHEN 1 THEN 'Cup' ELSE NULL END AS category, 'B' || (i % 2) AS brand,
		CASE WHEN i = 7 THEN NULL ELSE CAST(5 + i AS DOUBLE) END AS unit_cost, CAST(30 + i AS DOUBLE) AS list_price
		FROM range(10) t(i)`,
	`CREATE TABLE stores (store_id VARCHAR, store_name VARCHAR, region VARCHAR, city VARCHAR, opened DATE)`,
	`INSERT INTO stores VALUES ('S1', '徐汇店', 'East', 'Shanghai', DATE '2020-01-01'), ('S2', '朝阳店', 'North', 'Beijing', DATE '2021-01-01')`,
	`CREATE TABLE customers AS SELECT 'C' || i AS customer_id, CASE i % 3 WHEN 0 THEN 'East' WHEN 1 THEN 'North' END AS region,
		'tmall' AS first_channel FROM range(40) t(i)`,
	`CREATE TABLE order_lines AS
	WITH o AS (
		SELECT o AS n, ['tmall', 'jd', 'shopify', 'pos'][1 + o % 4] AS channel, 'O' || o AS order_id,
			TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_hours(o * 37) AS order_ts,
			CASE WHEN o % 4 = 3 AND o % 5 = 0 THEN NULL ELSE 'C' || ((o * 7 + o // 50) % 40) END AS customer_id,
			CASE WHEN o % 4 = 3 THEN 'S' || (1 + o % 2) END AS store_id,
			CASE WHEN o % 4 = 3 AND o % 3 > 0 THEN 'A' || (o % 3) END AS associate_id,
			CASE WHEN o % 17 = 0 THEN 'cancelled' ELSE 'paid' END AS status
		FROM range(200) t(o)
	), l AS (
		SELECT o.*, l, CASE WHEN (n + l) % 11 = 0 THEN 'P99' ELSE 'P' || ((n + l) % 10) END AS sku,
			CAST(1 + (n + l) % 3 AS BIGINT) AS qty, CAST(20 + (n * 3 + l) % 50 AS DOUBLE) AS unit_price
		FROM o, range(1 + n % 3) t(l)
	)
	SELECT channel, order_id, store_id, associate_id, order_ts, status, sku, qty, unit_price,
		CAST(0 AS DOUBLE) AS discount, qty * unit_price AS paid_amount,
		CASE WHEN n % 13 = 0 THEN qty * unit_price WHEN n % 7 = 0 AND l = 0 THEN 5.0 ELSE 0.0 END AS refund_amount,
		qty * unit_price - CASE WHEN n % 13 = 0 THEN qty * unit_price WHEN n % 7 = 0 AND l = 0 THEN 5.0 ELSE 0.0 END AS net_amount,
		customer_id
	FROM l`,
	// the orders table as the core job builds it
	`CREATE TABLE orders AS
		SELECT channel, order_id, min(order_ts) AS order_ts, any_value(customer_id) AS customer_id, any_value(store_id) AS store_id,
			any_value(associate_id) AS associate_id, any_value(status) AS status, count(*) AS lines, sum(qty) AS units,
			sum(qty * unit_price) AS gross_amount, sum(discount) AS discount, sum(paid_amount) AS paid_amount,
			sum(refund_amount) AS refund_amount, sum(net_amount) AS net_amount
		FROM order_lines GROUP BY channel, order_id`,
	`CREATE TABLE campaigns (campaign_id VARCHAR, campaign_name VARCHAR, channel VARCHAR, start_date DATE, end_date DATE, spend DOUBLE)`,
	`INSERT INTO campaigns VALUES ('K1', 'Mid-autumn', 'sms', DATE '2024-09-01', DATE '2024-09-07', 600), ('K2', 'Push', 'wechat', DATE '2024-10-01', DATE '2024-10-02', NULL)`,
	`CREATE TABLE campaign_contacts AS
		SELECT 'K1' AS campaign_id, 'phone' AS identifier_type, 'p' || i AS identifier,
			CASE WHEN i % 3 = 0 THEN 'control' ELSE 'target' END AS contact_group,
			TIMESTAMPTZ '2024-09-01 02:00:00+00' AS contacted_ts, CASE WHEN i = 5 THEN NULL ELSE 'C' || i END AS customer_id
		FROM range(30) t(i)
		UNION ALL
		SELECT 'K2', 'openid', 'o' || i, 'target', TIMESTAMPTZ '2024-10-01 02:00:00+00', 'C' || i FROM range(10, 20) t(i)`,
	`CREATE TABLE social_accounts AS
		SELECT 'wechat' AS platform, 'o' || i AS openid, NULL AS unionid, NULL AS phone, 'fan' || i AS nickname,
			TIMESTAMPTZ '2024-02-01 00:00:00+00' + to_days(i * 7) AS followed_ts,
			CASE WHEN i % 10 = 9 THEN TIMESTAMPTZ '2024-09-15 00:00:00+00' END AS unfollowed_ts,
			CASE WHEN i < 30 THEN 'C' || i END AS customer_id
		FROM range(36) t(i)`,
	`CREATE TABLE social_interactions AS
		SELECT 'wechat' AS platform, 'o' || (i % 36) AS openid, TIMESTAMPTZ '2024-01-15 00:00:00+00' + to_hours(i * 13) AS ts,
			['view', 'like', 'comment', 'share', 'click'][1 + i % 5] AS action, 'x' || (i % 9) AS content_id,
			['beauty', 'tea', 'travel'][1 + (i * 7) % 3] AS content_category,
			CASE WHEN i % 36 < 30 THEN 'C' || (i % 36) END AS customer_id
		FROM range(600) t(i)`,
	`CREATE TABLE rfm AS SELECT DATE '2024-10-31' AS as_of, 'C' || i AS customer_id, ['dormant', 'active', 'high_value'][1 + i % 3] AS tier FROM range(40) t(i)`,
	`CREATE TABLE lifecycle_stage AS
		SELECT DATE '2024-10-31' AS as_of, 'C' || i AS customer_id, ['interested', 'purchased', 'loyal'][1 + i % 3] AS aipl_stage,
			['interested', 'first_purchase', 'loyal'][1 + i % 3] AS pyramid_stage, 'tmall' AS channel
		FROM range(40) t(i)`,
}

type fixture struct {
	wh  *warehouse.DuckDB
	db  *sql.DB
	cfg *config.Config
}

func newFixture(t *testing.T, skip ...string) *fixture {
	t.Helper()
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "wh.duckdb"), warehouse.DuckDBOptions{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	ctx := context.Background()
outer:
	for _, q := range fixtureSQL {
		for _, s := range skip {
			if strings.Contains(q, "CREATE TABLE "+s+" ") || strings.Contains(q, "INSERT INTO "+s+" ") {
				continue outer
			}
		}
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	loc, _ := time.LoadLocation(testTZ)
	cfg := &config.Config{Timezone: testTZ, Location: loc, AsOf: testAsOf}
	cfg.Models.Growth.ChurnDays = 90
	cfg.Models.Campaign.WindowDays = 30
	cfg.Models.Credit.WindowDays = 120
	cfg.Models.Social.ConversionDays = 30
	return &fixture{wh: wh, db: wh.DB(), cfg: cfg}
}

func (f *fixture) run(t *testing.T, name string, asOf string) jobs.Result {
	t.Helper()
	var job *jobs.Job
	switch name {
	case JobProfit:
		job = ProfitJob(f.cfg)
	case JobGrowth:
		job = GrowthJob(f.cfg)
	case JobSales:
		job = SalesJob(f.cfg)
	case JobCampaign:
		job = CampaignJob(f.cfg)
	case JobCredit:
		job = CreditJob(f.cfg)
	case JobSocial:
		job = SocialJob(f.cfg)
	}
	env := &jobs.Env{Cfg: f.cfg, WH: f.wh}
	if asOf != "" {
		d, err := time.ParseInLocation(time.DateOnly, asOf, f.cfg.Location)
		if err != nil {
			t.Fatal(err)
		}
		env.AsOf = d
	}
	res, err := job.Run(context.Background(), env)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Logf("%s: %+v", name, res)
	return res
}

// rows runs q and returns its rows as "a|b|c" strings (floats to 4 places).
func rows(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rs, err := db.Query(q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case float64:
				parts[i] = fmt.Sprintf("%.4f", x)
			case time.Time:
				parts[i] = x.Format(time.DateOnly)
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// same checks that the mart query and the independent SQL give the same rows.
func same(t *testing.T, db *sql.DB, what, mart, ref string) {
	t.Helper()
	got, want := rows(t, db, mart), rows(t, db, ref)
	if len(want) == 0 {
		t.Fatalf("%s: reference query returned nothing", what)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\nmart:\n%s\nSQL:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// refLines are the sold lines up to the as-of day with their Shanghai month.
const refLines = `WITH l AS (
	SELECT *, strftime(timezone('Asia/Shanghai', order_ts), '%Y-%m') AS period,
		refund_amount > 0 AND refund_amount >= paid_amount AS returned
	FROM order_lines WHERE order_ts < ` + testEnd + ` AND status <> 'cancelled'
), o AS (
	SELECT channel, order_id, any_value(customer_id) AS customer_id, any_value(store_id) AS store_id, min(period) AS period,
		sum(net_amount) AS net, sum(refund_amount) AS refund
	FROM l GROUP BY channel, order_id
)`

func TestSalesMatchesSQL(t *testing.T) {
	f := newFixture(t)
	res := f.run(t, JobSales, "")
	if res.RowsOut == 0 || !strings.Contains(res.Message, "lines without unit cost (SKUs") {
		t.Errorf("result %+v", res)
	}
	same(t, f.db, "total by month",
		`SELECT period, units, net_sales, orders, customers, refunded_orders, refund_amount, anonymous_orders, avg_order_value
		FROM sales WHERE dimension = 'total' ORDER BY period`,
		refLines+`, u AS (SELECT period, sum(qty) FILTER (WHERE NOT returned) AS units FROM l GROUP BY period)
		SELECT o.period, any_value(u.units), sum(net), count(*) FILTER (WHERE net > 0), count(DISTINCT customer_id) FILTER (WHERE net > 0),
			count(*) FILTER (WHERE refund > 0), sum(refund), count(*) FILTER (WHERE net > 0 AND customer_id IS NULL),
			sum(net) / count(*) FILTER (WHERE net > 0)
		FROM o JOIN u USING (period) GROUP BY o.period ORDER BY o.period`)
	same(t, f.db, "gross margin by category",
		`SELECT period, key, net_sales, costed_net_sales, cost, gross_margin, missing_cost_lines FROM sales WHERE dimension = 'category' ORDER BY period, key`,
		refLines+`
		SELECT period, coalesce(p.category, 'unknown') AS cat, sum(net_amount),
			sum(net_amount) FILTER (WHERE returned OR p.unit_cost IS NOT NULL),
			coalesce(sum(qty * p.unit_cost) FILTER (WHERE NOT returned), 0),
			sum(net_amount) FILTER (WHERE returned OR p.unit_cost IS NOT NULL) - coalesce(sum(qty * p.unit_cost) FILTER (WHERE NOT returned), 0),
			count(*) FILTER (WHERE NOT returned AND p.unit_cost IS NULL)
		FROM l LEFT JOIN products p USING (sku) GROUP BY ALL ORDER BY period, cat`)
	same(t, f.db, "stores by month",
		`SELECT period, key, label, net_sales, orders, customers FROM sales WHERE dimension = 'store' ORDER BY period, key`,
		refLines+`
		SELECT period, store_id, s.store_name, sum(net), count(*) FILTER (WHERE net > 0), count(DISTINCT customer_id) FILTER (WHERE net > 0)
		FROM o JOIN stores s USING (store_id) GROUP BY ALL ORDER BY period, store_id`)
	// regions: store region for store orders, else the customer's
	same(t, f.db, "regions",
		`SELECT key, sum(net_sales), sum(orders) FROM sales WHERE dimension = 'region' GROUP BY key ORDER BY key`,
		refLines+`
		SELECT coalesce(s.region, c.region, 'unknown') AS r, sum(net), count(*) FILTER (WHERE net > 0)
		FROM o LEFT JOIN stores s USING (store_id) LEFT JOIN customers c USING (customer_id) GROUP BY r ORDER BY r`)
	checkRerun(t, f, JobSales, "sales")
}

func TestProfitMatchesSQL(t *testing.T) {
	f := newFixture(t)
	res := f.run(t, JobProfit, "")
	if !strings.Contains(res.Message, "refunds on") || !strings.Contains(res.Message, "without unit cost") {
		t.Errorf("message %q", res.Message)
	}
	same(t, f.db, "months",
		`SELECT period, orders, net_sales, cost, profit, missing_cost_lines, anonymous_orders FROM profit WHERE level = 'month' ORDER BY period`,
		refLines+`, m AS (
			SELECT period, coalesce(sum(qty * p.unit_cost) FILTER (WHERE NOT returned), 0) AS cost,
				sum(net_amount) FILTER (WHERE returned OR p.unit_cost IS NOT NULL) AS costed,
				count(*) FILTER (WHERE NOT returned AND p.unit_cost IS NULL) AS missing
			FROM l LEFT JOIN products p USING (sku) GROUP BY period)
		SELECT period, count(*) FILTER (WHERE net > 0), sum(net), any_value(m.cost), any_value(m.costed) - any_value(m.cost),
			any_value(m.missing), count(*) FILTER (WHERE net > 0 AND customer_id IS NULL)
		FROM o JOIN m USING (period) GROUP BY period ORDER BY period`)
	same(t, f.db, "customers",
		`SELECT customer_id, orders, net_sales, refunded_orders FROM profit WHERE level = 'customer' ORDER BY customer_id`,
		refLines+`
		SELECT customer_id, count(*) FILTER (WHERE net > 0), sum(net), count(*) FILTER (WHERE refund > 0)
		FROM o WHERE customer_id IS NOT NULL GROUP BY customer_id ORDER BY customer_id`)
	// Orders of October 2024 (the as-of month); profit NULL when a line has no cost.
	same(t, f.db, "orders",
		`SELECT channel, order_id, coalesce(customer_id, '-'), net_sales, profit IS NULL FROM profit WHERE level = 'order' ORDER BY channel, order_id`,
		refLines+`
		SELECT channel, order_id, coalesce(customer_id, '-'), sum(net_amount),
			bool_or(NOT returned AND p.unit_cost IS NULL)
		FROM l LEFT JOIN products p USING (sku) WHERE period = '2024-10' GROUP BY channel, order_id, customer_id ORDER BY channel, order_id`)
	checkRerun(t, f, JobProfit, "profit")
}

func TestGrowthMatchesSQL(t *testing.T) {
	f := newFixture(t)
	f.run(t, JobGrowth, "")
	purchase := jobs.PurchasePredicate(0)
	// New customers by month of first purchase under the shared purchase rule
	// (jobs.PurchasePredicate: a cancelled order with units and no refund is
	// a purchase there, as in cohorts; one refunded in full is not), identified.
	same(t, f.db, "new customers",
		`SELECT period, new_customers FROM growth WHERE dimension = 'total' AND new_customers > 0 ORDER BY period`,
		`SELECT strftime(timezone('Asia/Shanghai', min(order_ts)), '%Y-%m') AS period, count(*) OVER (PARTITION BY period)
		FROM orders WHERE order_ts < `+testEnd+` AND `+purchase+` AND customer_id IS NOT NULL
		GROUP BY customer_id QUALIFY row_number() OVER (PARTITION BY period) = 1 ORDER BY period`)
	// Buyers per month and the active base at the as-of date (purchase in the last 90 days).
	same(t, f.db, "buyers",
		`SELECT period, buyers FROM growth WHERE dimension = 'total' AND buyers > 0 ORDER BY period`,
		`SELECT strftime(timezone('Asia/Shanghai', order_ts), '%Y-%m') AS period, count(DISTINCT customer_id)
		FROM orders WHERE order_ts < `+testEnd+` AND `+purchase+` AND customer_id IS NOT NULL
		GROUP BY period ORDER BY period`)
	same(t, f.db, "active at the as-of date",
		`SELECT active_end FROM growth WHERE dimension = 'total' AND period = '2024-10'`,
		`SELECT count(*) FROM (SELECT customer_id, max(CAST(timezone('Asia/Shanghai', order_ts) AS DATE)) AS last
			FROM orders WHERE order_ts < `+testEnd+` AND `+purchase+` AND customer_id IS NOT NULL GROUP BY customer_id)
		WHERE DATE '2024-10-31' - last <= 90`)
	// The splits add up to the total.
	same(t, f.db, "first channel split",
		`SELECT period, sum(new_customers), sum(churned_customers), sum(active_end) FROM growth WHERE dimension = 'first_channel' GROUP BY period ORDER BY period`,
		`SELECT period, new_customers, churned_customers, active_end FROM growth WHERE dimension = 'total' ORDER BY period`)
	checkRerun(t, f, JobGrowth, "growth")
}

func TestCampaignEffectJob(t *testing.T) {
	f := newFixture(t)
	res := f.run(t, JobCampaign, "")
	if !strings.Contains(res.Message, "1 without a control group") {
		t.Errorf("message %q", res.Message)
	}
	// K1: customers C0..C29 without C5 (no customer): control i % 3 = 0
	// (10: C0, C3, ..., C27), target the other 19. Buyers within 30 days of
	// 2024-09-01 10:00 Shanghai, computed here in SQL.
	same(t, f.db, "groups",
		`SELECT campaign_id, target_customers, control_customers, target_buyers, control_buyers, round(target_revenue, 2), round(control_revenue, 2), unresolved_contacts
		FROM campaign_effect ORDER BY campaign_id`,
		`WITH g AS (
			SELECT campaign_id, customer_id, contact_group, min(contacted_ts) AS t FROM campaign_contacts WHERE customer_id IS NOT NULL GROUP BY ALL
		), b AS (
			SELECT g.campaign_id, g.contact_group, g.customer_id, count(o.order_id) > 0 AS bought, coalesce(sum(o.net_amount), 0) AS rev
			FROM g LEFT JOIN orders o ON o.customer_id = g.customer_id AND o.order_ts >= g.t AND o.order_ts < g.t + INTERVAL 30 DAY
				AND o.status <> 'cancelled' AND o.net_amount > 0 AND o.order_ts < `+testEnd+`
			GROUP BY ALL
		)
		SELECT campaign_id, count(*) FILTER (WHERE contact_group = 'target'), count(*) FILTER (WHERE contact_group = 'control'),
			count(*) FILTER (WHERE contact_group = 'target' AND bought), count(*) FILTER (WHERE contact_group = 'control' AND bought),
			round(sum(rev) FILTER (WHERE contact_group = 'target'), 2), round(coalesce(sum(rev) FILTER (WHERE contact_group = 'control'), 0), 2),
			CASE campaign_id WHEN 'K1' THEN 1 ELSE 0 END
		FROM b GROUP BY campaign_id ORDER BY campaign_id`)
	got := rows(t, f.db, `SELECT campaign_id, uplift IS NULL, note FROM campaign_effect WHERE campaign_id = 'K2'`)
	if len(got) != 1 || !strings.HasPrefix(got[0], "K2|true|no control group in campaign_contacts: uplift not estimated") {
		t.Errorf("K2: %v", got)
	}
	// K1's interval brackets its uplift.
	got = rows(t, f.db, `SELECT uplift_low < uplift AND uplift < uplift_high, revenue_uplift_low < revenue_uplift, period, start_date FROM campaign_effect WHERE campaign_id = 'K1'`)
	if len(got) != 1 || got[0] != "true|true|2024-09|2024-09-01" {
		t.Errorf("K1: %v", got)
	}
	checkRerun(t, f, JobCampaign, "campaign_effect")
}

func TestChannelCreditMatchesSQL(t *testing.T) {
	f := newFixture(t)
	f.run(t, JobCredit, "")
	// First purchase per customer; if it was in a store, its later non-store
	// purchases within 120 days are credited to that store and associate.
	ref := `WITH p AS (
		SELECT * FROM orders WHERE order_ts < ` + testEnd + ` AND status <> 'cancelled' AND net_amount > 0 AND customer_id IS NOT NULL
	), f AS (
		SELECT customer_id, arg_min(channel, order_ts) AS ch, arg_min_null(store_id, order_ts) AS store_id,
			arg_min_null(associate_id, order_ts) AS associate_id, min(order_ts) AS t0
		FROM p GROUP BY customer_id
	)
	SELECT strftime(timezone('Asia/Shanghai', p.order_ts), '%Y-%m') AS period, f.store_id, coalesce(f.associate_id, '-'),
		count(DISTINCT p.customer_id), count(*), sum(p.net_amount)
	FROM f JOIN p ON p.customer_id = f.customer_id AND p.channel <> 'pos' AND p.order_ts > f.t0 AND p.order_ts < f.t0 + INTERVAL 120 DAY
	WHERE f.ch = 'pos' GROUP BY ALL ORDER BY ALL`
	same(t, f.db, "credited orders by associate",
		`SELECT period, store_id, coalesce(associate_id, '-'), online_buyers, online_orders, online_revenue
		FROM channel_credit WHERE level = 'associate' AND online_orders > 0 ORDER BY ALL`, ref)
	same(t, f.db, "store totals",
		`SELECT store_id, sum(online_orders), sum(online_revenue), any_value(store_name) FROM channel_credit WHERE level = 'store' GROUP BY store_id ORDER BY store_id`,
		`SELECT store_id, sum(o), sum(r), any_value(s.store_name) FROM (`+strings.Replace(ref, "SELECT strftime", "SELECT f.store_id AS sid, strftime", 1)+`) x(sid, period, store_id, a, b, o, r)
		JOIN stores s USING (store_id) GROUP BY store_id ORDER BY store_id`)
	checkRerun(t, f, JobCredit, "channel_credit")
}

func TestSocialEngagementJob(t *testing.T) {
	f := newFixture(t)
	res := f.run(t, JobSocial, "")
	if !strings.Contains(res.Message, "tiers for 40 customers, stages for 40") {
		t.Errorf("message %q", res.Message)
	}
	same(t, f.db, "by category",
		`SELECT period, key, interactions, users FROM social_engagement WHERE dimension = 'category' ORDER BY period, key`,
		`SELECT strftime(timezone('Asia/Shanghai', ts), '%Y-%m') AS period, content_category, count(*), count(DISTINCT openid)
		FROM social_interactions WHERE ts < `+testEnd+` GROUP BY ALL ORDER BY ALL`)
	same(t, f.db, "by tier",
		`SELECT key, sum(interactions) FROM social_engagement WHERE dimension = 'rfm_tier' GROUP BY key ORDER BY key`,
		`SELECT coalesce(r.tier, 'unknown'), count(*) FROM social_interactions i LEFT JOIN rfm r USING (customer_id)
		WHERE ts < `+testEnd+` GROUP BY ALL ORDER BY ALL`)
	same(t, f.db, "by aipl stage",
		`SELECT key, sum(interactions) FROM social_engagement WHERE dimension = 'aipl_stage' GROUP BY key ORDER BY key`,
		`SELECT coalesce(s.aipl_stage, 'unknown'), count(*) FROM social_interactions i LEFT JOIN lifecycle_stage s USING (customer_id)
		WHERE ts < `+testEnd+` GROUP BY ALL ORDER BY ALL`)
	same(t, f.db, "new followers and conversion",
		`SELECT period, new_followers, linked_new_followers, converted_followers FROM social_engagement WHERE dimension = 'followers' AND key = 'all' AND new_followers > 0 ORDER BY period`,
		`SELECT strftime(timezone('Asia/Shanghai', a.followed_ts), '%Y-%m') AS period, count(*), count(a.customer_id),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = a.customer_id AND o.order_ts >= a.followed_ts
				AND o.order_ts < a.followed_ts + INTERVAL 30 DAY AND o.order_ts < `+testEnd+` AND o.status <> 'cancelled' AND o.net_amount > 0))
		FROM social_accounts a WHERE a.followed_ts < `+testEnd+` GROUP BY ALL ORDER BY ALL`)
	// Affinity index: 100 × (share of the category in the region) / (share overall).
	got := rows(t, f.db, `SELECT count(*), count(*) FILTER (WHERE abs(affinity_index - 100 * share / overall_share) < 1e-9) FROM social_engagement WHERE dimension = 'region_category'`)
	if len(got) != 1 || strings.Split(got[0], "|")[0] == "0" || strings.Split(got[0], "|")[0] != strings.Split(got[0], "|")[1] {
		t.Errorf("affinity rows: %v", got)
	}
	checkRerun(t, f, JobSocial, "social_engagement")
}

// Without the rfm and lifecycle marts (and without campaign or social
// sources) the jobs still run: tiers and stages are 'unknown', the marts
// are empty where there is no input, and the message names what was absent.
func TestAbsentInputs(t *testing.T) {
	f := newFixture(t, "rfm", "lifecycle_stage", "campaigns", "campaign_contacts", "customers")
	res := f.run(t, JobSocial, "")
	if !strings.Contains(res.Message, "absent (taken as empty): customers, rfm, lifecycle_stage") {
		t.Errorf("message %q", res.Message)
	}
	got := rows(t, f.db, `SELECT DISTINCT key FROM social_engagement WHERE dimension IN ('rfm_tier', 'aipl_stage', 'pyramid_stage')`)
	if len(got) != 1 || got[0] != "unknown" {
		t.Errorf("tiers/stages without marts: %v", got)
	}
	res = f.run(t, JobCampaign, "")
	if res.RowsOut != 0 || !strings.Contains(res.Message, "campaigns, campaign_contacts") {
		t.Errorf("campaigns absent: %+v", res)
	}
	if got := rows(t, f.db, `SELECT count(*) FROM campaign_effect`); got[0] != "0" {
		t.Errorf("campaign_effect rows: %v", got)
	}
	f.run(t, JobSales, "")
	if got := rows(t, f.db, `SELECT count(*) FROM sales WHERE dimension = 'region' AND key = 'unknown'`); got[0] == "0" {
		t.Error("without customers, e-commerce regions should be unknown")
	}
}

// checkRerun reruns the job for the same as-of date (the mart must not
// change) and for an earlier date (both dates kept, each with its own
// as_of).
func checkRerun(t *testing.T, f *fixture, job, mart string) {
	t.Helper()
	before := rows(t, f.db, "SELECT * FROM "+mart+" ORDER BY ALL")
	if len(before) == 0 {
		t.Fatalf("%s is empty", mart)
	}
	f.run(t, job, "")
	after := rows(t, f.db, "SELECT * FROM "+mart+" ORDER BY ALL")
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("%s changed on rerun: %d rows, then %d", mart, len(before), len(after))
	}
	f.run(t, job, "2024-09-30")
	got := rows(t, f.db, "SELECT as_of, count(*) > 0 FROM "+mart+" GROUP BY as_of ORDER BY as_of")
	if strings.Join(got, ",") != "2024-09-30|true,2024-10-31|true" {
		t.Errorf("%s as-of dates: %v", mart, got)
	}
	if n := rows(t, f.db, "SELECT count(*) FROM "+mart+" WHERE as_of = DATE '2024-10-31'"); n[0] != fmt.Sprint(len(before)) {
		t.Errorf("%s: %s rows for the first date after the second, want %d", mart, n[0], len(before))
	}
	// period figures stop at the as-of month
	if got := rows(t, f.db, "SELECT count(*) FROM "+mart+" WHERE as_of = DATE '2024-09-30' AND period > '2024-09'"); got[0] != "0" {
		t.Errorf("%s: %s rows after the as-of month", mart, got[0])
	}
}

func TestRegistered(t *testing.T) {
	g := jobs.Nightly(&config.Config{})
	for _, name := range []string{JobProfit, JobGrowth, JobSales, JobCampaign, JobCredit, JobSocial} {
		j, ok := g.Job(name)
		if !ok {
			t.Errorf("job %s not registered", name)
			continue
		}
		if j.Group != "models" {
			t.Errorf("%s: group %q", name, j.Group)
		}
	}
	// Only this package's jobs are registered here: nothing writes the
	// rfm and lifecycle_stage marts social_engagement reads.
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), "job social_engagement reads table rfm, which no job writes") ||
		!strings.Contains(err.Error(), "job social_engagement reads table lifecycle_stage, which no job writes") {
		t.Errorf("graph error = %v, want rfm and lifecycle_stage named as read by social_engagement and written by no job", err)
	}
	// With the writers of those marts, social_engagement runs after them,
	// stitch (customers) and core (the rest of what it reads).
	g = jobs.BuildGraph(nil, jobs.StitchJob(), nil, []*jobs.Job{SocialJob(nil),
		{Name: "rfm", Writes: []string{"rfm"}}, {Name: "lifecycle", Writes: []string{"lifecycle_stage"}}})
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	j, _ := g.Job(JobSocial)
	if strings.Join(j.Deps, ",") != "stitch,core,rfm,lifecycle" {
		t.Errorf("social deps %v, want stitch,core,rfm,lifecycle", j.Deps)
	}
}
