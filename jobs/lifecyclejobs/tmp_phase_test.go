package lifecyclejobs

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/models/lifecycle"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

func TestTmpPhases(t *testing.T) {
	ctx := context.Background()
	wh, _ := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "wh.duckdb"), warehouse.DuckDBOptions{Threads: 2})
	defer wh.Close()
	const id = `'C' || (10000000 + (random() * 1000000)::BIGINT)`
	const ts = `TIMESTAMPTZ '2024-07-01 00:00:00+08' - to_seconds((random() * 3 * 365 * 86400)::BIGINT)`
	for _, q := range []string{
		`SELECT setseed(0.5)`,
		`CREATE TABLE orders AS SELECT ['tmall','jd','shopify','pos'][1 + (i % 4)::INT] AS channel, 'o' || i AS order_id, ` + ts + ` AS order_ts,
			CASE WHEN i % 20 = 0 THEN NULL ELSE ` + id + ` END AS customer_id, 100.0 AS paid_amount, 0.0 AS refund_amount, 100.0 AS net_amount FROM range(3000000) r(i)`,
		`CREATE TABLE social_interactions AS SELECT ['wechat','weibo'][1 + (i % 2)::INT] AS platform, ` + ts + ` AS ts,
			['view','view','like','comment','share','click'][1 + (i % 6)::INT] AS action, ` + id + ` AS customer_id FROM range(5000000) r(i)`,
		`CREATE TABLE campaigns AS SELECT 'K' || i AS campaign_id, 'sms' AS channel FROM range(10) r(i)`,
		`CREATE TABLE campaign_contacts AS SELECT 'K' || (i % 10) AS campaign_id, CASE WHEN i % 10 = 0 THEN 'control' ELSE 'target' END AS contact_group,
			` + ts + ` AS contacted_ts, ` + id + ` AS customer_id FROM range(1500000) r(i)`,
		`CREATE TABLE social_accounts AS SELECT ['wechat','weibo'][1 + (i % 2)::INT] AS platform, ` + ts + ` AS followed_ts,
			CASE WHEN i % 3 = 0 THEN TIMESTAMPTZ '2024-06-01 00:00:00+08' END AS unfollowed_ts, ` + id + ` AS customer_id FROM range(500000) r(i)`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	p := Params(&config.Config{Location: loc})
	asOf := time.Date(2024, 6, 30, 0, 0, 0, 0, loc)
	for range 2 {
		t0 := time.Now()
		for _, q := range []string{"SELECT customer_id, order_ts, channel FROM orders", "SELECT customer_id, ts, action, platform FROM social_interactions", "SELECT customer_id, contacted_ts FROM campaign_contacts", "SELECT customer_id, followed_ts, unfollowed_ts, platform FROM social_accounts"} {
			recs, err := wh.Query(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Println(q[:30], len(recs), recs[0].NumRows(), recs[0].Schema().Field(0).Type)
			for _, r := range recs {
				r.Release()
			}
		}
		t1 := time.Now()
		res, _ := Compute(ctx, wh, p, asOf, lifecycle.PrevMonth(asOf))
		t2 := time.Now()
		Write(ctx, wh, res)
		t3 := time.Now()
		// SQL equivalent (one date, pyramid, rough)
		var n int64
		err := wh.QueryRow(ctx, `WITH ev AS (
			SELECT customer_id, order_ts AS ts, 'p' AS k, channel FROM orders WHERE customer_id IS NOT NULL
			UNION ALL SELECT customer_id, ts, action, platform FROM social_interactions
			UNION ALL SELECT customer_id, contacted_ts, 'c', NULL FROM campaign_contacts WHERE contact_group <> 'control'
			UNION ALL SELECT customer_id, followed_ts, 'f', platform FROM social_accounts),
			agg AS (SELECT customer_id,
				count(DISTINCT CASE WHEN k='p' AND ts >= TIMESTAMPTZ '2023-07-02 00:00:00+08' THEN date_trunc('day', timezone('Asia/Shanghai', ts)) END) AS pd,
				bool_or(k='p' AND ts < TIMESTAMPTZ '2023-07-02 00:00:00+08') AS before,
				count(*) FILTER (WHERE k='share' AND ts >= TIMESTAMPTZ '2024-04-02 00:00:00+08') AS shares,
				bool_or(k IN ('like','comment','click','share','f') AND ts >= TIMESTAMPTZ '2024-04-02 00:00:00+08') AS i,
				bool_or(k IN ('view','c') AND ts >= TIMESTAMPTZ '2024-04-02 00:00:00+08') AS a,
				arg_max(channel, ts) FILTER (WHERE k='p') AS ch
				FROM ev WHERE ts < TIMESTAMPTZ '2024-07-01 00:00:00+08' GROUP BY customer_id)
			SELECT count(*) FROM (SELECT CASE WHEN pd>0 AND shares>0 THEN 'adv' WHEN pd>=2 THEN 'loyal' WHEN pd>0 AND before THEN 'rep' WHEN pd>0 THEN 'fp' WHEN i THEN 'i' WHEN a THEN 'a' END AS s, ch FROM agg) WHERE s IS NOT NULL`, nil, &n)
		t4 := time.Now()
		fmt.Printf("read only %.2fs, read+compute %.2fs (compute ~%.2fs), write %.2fs, sql one date %.2fs (%d, err %v), staged %d\n", t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), t2.Sub(t1).Seconds()-t1.Sub(t0).Seconds(), t3.Sub(t2).Seconds(), t4.Sub(t3).Seconds(), n, err, len(res.Customers))
	}
}
