package lifecyclejobs

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/models/lifecycle"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// BenchmarkJob1M runs read + compute + write on core tables of 1M
// customers and 10M events (3M orders of which 5% anonymous, 5M
// interactions, 1.5M contacts, 0.5M social accounts) generated in DuckDB.
func BenchmarkJob1M(b *testing.B) {
	ctx := context.Background()
	wh, err := warehouse.OpenDuckDB(filepath.Join(b.TempDir(), "wh.duckdb"), warehouse.DuckDBOptions{Threads: 2})
	if err != nil {
		b.Fatal(err)
	}
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
			b.Fatalf("%s: %v", q, err)
		}
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	p := Params(&config.Config{Location: loc})
	asOf := time.Date(2024, 6, 30, 0, 0, 0, 0, loc)
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		res, err := Compute(ctx, wh, p, asOf, lifecycle.PrevMonth(asOf))
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := Write(ctx, wh, res); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(t1.Sub(t0).Seconds(), "read+compute-s")
		b.ReportMetric(time.Since(t1).Seconds(), "write-s")
		b.ReportMetric(float64(len(res.Customers)), "staged")
	}
}
