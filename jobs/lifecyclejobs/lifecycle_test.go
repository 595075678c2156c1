package lifecyclejobs

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The core tables of a small population, Asia/Shanghai, as of 2024-06-30
// (previous date 2024-05-30; windows as in models/lifecycle's test:
// aware/interest from 2024-04-02 and 2024-03-02, purchases from 2023-07-02
// and 2023-06-01):
//
//	g1 order 06-10 tmall                                   none -> first_purchase, tmall
//	g2 order 2024-01-10 pos (partly refunded: counts),
//	   order 06-10 jd fully refunded (not a purchase)      first_purchase -> first_purchase, pos
//	g3 control-group contact 06-01 (not reached)           none -> none
//	g4 target contact 06-01, campaign K1 on sms            none -> aware, sms
//	g5 wechat account followed 2024-01-01                  interested -> interested, wechat
//	g6 weibo share 05-20, order 05-25 pos                  advocate -> advocate, pos
//	anonymous: receipt 06-15 pos counts; 06-16 pos fully refunded does not;
//	an interaction without customer is ignored.
var coreSQL = []string{
	`CREATE TABLE orders (channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, customer_id VARCHAR, store_id VARCHAR,
		associate_id VARCHAR, status VARCHAR, lines BIGINT, units BIGINT, gross_amount DOUBLE, discount DOUBLE,
		paid_amount DOUBLE, refund_amount DOUBLE, net_amount DOUBLE)`,
	`INSERT INTO orders (channel, order_id, order_ts, customer_id, paid_amount, refund_amount, net_amount) VALUES
		('tmall', 'o1', '2024-06-10 10:00:00+08', 'g1', 100, 0, 100),
		('pos', 'o2', '2024-01-10 10:00:00+08', 'g2', 100, 30, 70),
		('jd', 'o3', '2024-06-10 10:00:00+08', 'g2', 50, 50, 0),
		('pos', 'o4', '2024-05-25 10:00:00+08', 'g6', 80, 0, 80),
		('pos', 'o5', '2024-06-15 10:00:00+08', NULL, 20, NULL, 20),
		('pos', 'o6', '2024-06-16 10:00:00+08', NULL, 20, 20, 0)`,
	`CREATE TABLE social_accounts (platform VARCHAR, openid VARCHAR, unionid VARCHAR, phone VARCHAR, nickname VARCHAR,
		followed_ts TIMESTAMPTZ, unfollowed_ts TIMESTAMPTZ, _load_id VARCHAR, _row BIGINT, customer_id VARCHAR)`,
	`INSERT INTO social_accounts (platform, openid, followed_ts, unfollowed_ts, customer_id) VALUES
		('wechat', 'w5', '2024-01-01 08:00:00+08', NULL, 'g5')`,
	`CREATE TABLE social_interactions (platform VARCHAR, openid VARCHAR, ts TIMESTAMPTZ, action VARCHAR, content_id VARCHAR,
		content_category VARCHAR, _load_id VARCHAR, _row BIGINT, customer_id VARCHAR)`,
	`INSERT INTO social_interactions (platform, openid, ts, action, customer_id) VALUES
		('weibo', 'b6', '2024-05-20 12:00:00+08', 'share', 'g6'),
		('weibo', 'bx', '2024-06-20 12:00:00+08', 'like', NULL)`,
	`CREATE TABLE campaigns (campaign_id VARCHAR, campaign_name VARCHAR, channel VARCHAR, start_date DATE, end_date DATE, spend DOUBLE)`,
	`INSERT INTO campaigns VALUES ('K1', 'summer', 'sms', DATE '2024-06-01', DATE '2024-06-30', 1000)`,
	`CREATE TABLE campaign_contacts (campaign_id VARCHAR, identifier_type VARCHAR, identifier VARCHAR, contact_group VARCHAR,
		contacted_ts TIMESTAMPTZ, _load_id VARCHAR, _row BIGINT, customer_id VARCHAR)`,
	`INSERT INTO campaign_contacts (campaign_id, identifier, contact_group, contacted_ts, customer_id) VALUES
		('K1', 'p3', 'control', '2024-06-01 09:00:00+08', 'g3'),
		('K1', 'p4', 'target', '2024-06-01 09:00:00+08', 'g4')`,
}

func setup(t *testing.T) (*warehouse.DuckDB, *config.Config) {
	t.Helper()
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "wh.duckdb"), warehouse.DuckDBOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	ctx := context.Background()
	for _, q := range coreSQL {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Timezone: "Asia/Shanghai", Location: loc}
	cfg.Models.Lifecycle = config.Lifecycle{AwareDays: 90, InterestDays: 90, PurchaseDays: 365, LoyalMinDays: 2, AdvocateShares: 1}
	return wh, cfg
}

func rows(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	r, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var out []string
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, v := range vals {
			switch x := v.(type) {
			case nil:
				parts = append(parts, "NULL")
			case time.Time:
				parts = append(parts, x.Format(time.DateOnly))
			case float64:
				parts = append(parts, strconv.FormatFloat(x, 'g', 6, 64))
			default:
				parts = append(parts, fmt.Sprint(v))
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func runJob(t *testing.T, wh *warehouse.DuckDB, cfg *config.Config, day string) jobs.Result {
	t.Helper()
	asOf, err := time.ParseInLocation(time.DateOnly, day, cfg.Location)
	if err != nil {
		t.Fatal(err)
	}
	res, err := NewJob(cfg).Run(context.Background(), &jobs.Env{Cfg: cfg, WH: wh, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestJob(t *testing.T) {
	wh, cfg := setup(t)
	db := wh.DB()
	for range 2 { // the rerun replaces the rows of 2024-06-30
		res := runJob(t, wh, cfg, "2024-06-30")
		// 5 stage rows + 60 count rows (5 channels: all, pos, sms, tmall, wechat; 5 AIPL + 7 pyramid rows each) + 72 flow rows
		if res.RowsOut != 5+60+72 {
			t.Errorf("rows out %d, want 137 (%s)", res.RowsOut, res.Message)
		}
		equal(t, "lifecycle_stage", rows(t, db, `SELECT as_of, customer_id, aipl_stage, pyramid_stage, channel FROM lifecycle_stage`), []string{
			"2024-06-30|g1|purchased|first_purchase|tmall",
			"2024-06-30|g2|purchased|first_purchase|pos",
			"2024-06-30|g4|aware|aware|sms",
			"2024-06-30|g5|interested|interested|wechat",
			"2024-06-30|g6|loyal|advocate|pos",
		})
		equal(t, "lifecycle_counts", rows(t, db, `SELECT view, channel, stage, customers FROM lifecycle_counts WHERE customers > 0`), []string{
			"aipl|all|aware|1", "aipl|all|interested|1", "aipl|all|purchased|2", "aipl|all|loyal|1", "aipl|all|anonymous_orders|1",
			"aipl|pos|purchased|1", "aipl|pos|loyal|1", "aipl|pos|anonymous_orders|1",
			"aipl|sms|aware|1", "aipl|tmall|purchased|1", "aipl|wechat|interested|1",
			"pyramid|all|aware|1", "pyramid|all|interested|1", "pyramid|all|first_purchase|2", "pyramid|all|advocate|1", "pyramid|all|anonymous_orders|1",
			"pyramid|pos|first_purchase|1", "pyramid|pos|advocate|1", "pyramid|pos|anonymous_orders|1",
			"pyramid|sms|aware|1", "pyramid|tmall|first_purchase|1", "pyramid|wechat|interested|1",
		})
		equal(t, "count rows", rows(t, db, `SELECT as_of, count(*), count(DISTINCT channel) FROM lifecycle_counts GROUP BY ALL`), []string{"2024-06-30|60|5"})
		equal(t, "lifecycle_flows", rows(t, db, `SELECT as_of, prev_as_of, view, from_stage, to_stage, customers, rate FROM lifecycle_flows WHERE customers > 0`), []string{
			"2024-06-30|2024-05-30|aipl|new|aware|1|NULL",
			"2024-06-30|2024-05-30|aipl|new|purchased|1|NULL",
			"2024-06-30|2024-05-30|aipl|purchased|purchased|1|1",
			"2024-06-30|2024-05-30|aipl|interested|interested|1|1",
			"2024-06-30|2024-05-30|aipl|loyal|loyal|1|1",
			"2024-06-30|2024-05-30|pyramid|new|aware|1|NULL",
			"2024-06-30|2024-05-30|pyramid|new|first_purchase|1|NULL",
			"2024-06-30|2024-05-30|pyramid|first_purchase|first_purchase|1|1",
			"2024-06-30|2024-05-30|pyramid|interested|interested|1|1",
			"2024-06-30|2024-05-30|pyramid|advocate|advocate|1|1",
		})
		// every other cell is 0, with rate 0 in rows whose stage had customers
		// at 2024-05-30 (AIPL I, P, L; pyramid interested, first_purchase,
		// advocate) and NULL otherwise.
		equal(t, "flow rows", rows(t, db, `SELECT view, count(*), sum(customers), count(rate), sum(rate) FROM lifecycle_flows GROUP BY ALL`), []string{
			"aipl|24|5|15|3", "pyramid|48|5|21|3",
		})
	}
	// another as-of date is added next to the first one; the first is kept
	runJob(t, wh, cfg, "2024-07-31")
	equal(t, "dates", rows(t, db, `SELECT as_of, count(*) FROM lifecycle_stage GROUP BY ALL`), []string{"2024-06-30|5", "2024-07-31|5"})
	equal(t, "flow dates", rows(t, db, `SELECT as_of, prev_as_of, count(*) FROM lifecycle_flows GROUP BY ALL`), []string{
		"2024-06-30|2024-05-30|72", "2024-07-31|2024-06-30|72",
	})
}

// TestMissingTables: without social and campaign tables the job still
// runs on orders alone.
func TestMissingTables(t *testing.T) {
	wh, cfg := setup(t)
	for _, tb := range []string{"social_accounts", "social_interactions", "campaign_contacts", "campaigns"} {
		if err := wh.Exec(context.Background(), "DROP TABLE "+tb); err != nil {
			t.Fatal(err)
		}
	}
	runJob(t, wh, cfg, "2024-06-30")
	equal(t, "stages", rows(t, wh.DB(), `SELECT customer_id, pyramid_stage FROM lifecycle_stage`), []string{
		"g1|first_purchase", "g2|first_purchase", "g6|first_purchase",
	})
}

func TestRegistered(t *testing.T) {
	cfg := &config.Config{Location: time.UTC}
	if _, ok := jobs.Nightly(cfg).Job(JobName); !ok {
		t.Fatalf("job %q is not in the nightly chain", JobName)
	}
	p := Params(&config.Config{})
	if p.AwareDays != 90 || p.PurchaseDays != 365 || p.LoyalMinDays != 2 || p.AdvocateShares != 1 || p.Location != time.UTC {
		t.Errorf("default params %+v", p)
	}
}
