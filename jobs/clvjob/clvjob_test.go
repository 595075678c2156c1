package clvjob

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestCLVJobWritesMartsOncePerAsOf: 60 customers with known purchase days;
// the summary columns written to customer_clv are checked for two of them
// by hand, and a rerun of the same as-of does not double rows.
func TestCLVJobWritesMartsOncePerAsOf(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	cfg := &config.Config{Location: sh, Timezone: "Asia/Shanghai", Models: config.Models{CLV: config.CLV{HorizonMonths: 12, MonthlyDiscountRate: 0.01}}}
	// Customer C0: purchases on 2025-01-01 (twice, one day), 2025-01-15 and
	// 2025-02-12 (Beijing time) -> x = 2 repeat days, t_x = 6 weeks, and with
	// as-of 2025-03-31, T = 89 days = 12.714 weeks. 23:30 UTC on 01-14 is
	// 07:30 on 01-15 in Beijing. Customer C1 bought once: x = 0.
	// The other 58 customers vary so the model can be fitted.
	stmts := []string{
		`CREATE TABLE orders (channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, customer_id VARCHAR, net_amount DOUBLE)`,
		`INSERT INTO orders VALUES ('pos','a1',TIMESTAMPTZ '2025-01-01 02:00:00+00','C0',100), ('pos','a2',TIMESTAMPTZ '2025-01-01 05:00:00+00','C0',50),
			('tmall','a3',TIMESTAMPTZ '2025-01-14 23:30:00+00','C0',80), ('jd','a4',TIMESTAMPTZ '2025-02-12 04:00:00+00','C0',70),
			('pos','b1',TIMESTAMPTZ '2025-02-01 04:00:00+00','C1',40), ('pos','z',TIMESTAMPTZ '2025-04-05 04:00:00+00','C0',999)`,
		`INSERT INTO orders SELECT 'pos', 'g' || i || '_' || k, TIMESTAMPTZ '2025-01-02 04:00:00+00' + to_days(CAST((i * 7 + k * (3 + i % 11)) % 85 AS INTEGER)),
			'G' || lpad(CAST(i AS VARCHAR), 3, '0'), 20 + (i * 13 + k * 7) % 90
			FROM range(58) r(i), range(1 + (r.i % 5)) q(k)`,
		// Every order bought one unit and was not refunded.
		`ALTER TABLE orders ADD COLUMN units BIGINT DEFAULT 1`,
		`ALTER TABLE orders ADD COLUMN refund_amount DOUBLE DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN status VARCHAR DEFAULT 'paid'`,
	}
	for _, s := range stmts {
		if err := wh.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := jobs.Prepare(ctx, wh); err != nil {
		t.Fatal(err)
	}
	env := &jobs.Env{Cfg: cfg, WH: wh, AsOf: time.Date(2025, 3, 31, 0, 0, 0, 0, sh), Log: nil}
	env.Log = discard()
	for i := 0; i < 2; i++ {
		res, err := run(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		// The figures the bench reads.
		for _, k := range []string{FigSummarySeconds, FigFitSeconds, FigScoreSeconds, FigHoldoutSeconds, FigTriples, FigCustomers} {
			if _, ok := res.Figures[k]; !ok {
				t.Errorf("figure %q missing: %v", k, res.Figures)
			}
		}
		if res.Figures[FigCustomers] != 60 || res.Figures[FigTriples] < 1 || res.Figures[FigTriples] > 60 {
			t.Errorf("figures %v: want 60 customers and 1..60 triples", res.Figures)
		}
	}
	var n, fits int64
	wh.DB().QueryRow(`SELECT count(*) FROM customer_clv`).Scan(&n)
	wh.DB().QueryRow(`SELECT count(*) FROM clv_fit`).Scan(&fits)
	if n != 60 || fits != 1 {
		t.Fatalf("customer_clv rows %d (want 60), clv_fit rows %d (want 1) after two runs", n, fits)
	}
	var x int64
	var tx, T, mean, p, clv float64
	var decile int64
	if err := wh.DB().QueryRow(`SELECT x, t_x, "T", mean_spend, p_alive, clv, clv_decile FROM customer_clv WHERE customer_id = 'C0'`).Scan(&x, &tx, &T, &mean, &p, &clv, &decile); err != nil {
		t.Fatal(err)
	}
	// mean spend of the repeat days: (80 + 70) / 2 = 75.
	if x != 2 || abs(tx-6) > 1e-9 || abs(T-89.0/7) > 1e-9 || abs(mean-75) > 1e-9 {
		t.Errorf("C0 summary x=%d t_x=%v T=%v mean=%v, want 2, 6, 12.714, 75", x, tx, T, mean)
	}
	if p <= 0 || p > 1 || clv <= 0 || decile < 1 || decile > 10 {
		t.Errorf("C0 scores p_alive=%v clv=%v decile=%d", p, clv, decile)
	}
	if err := wh.DB().QueryRow(`SELECT x, p_alive FROM customer_clv WHERE customer_id = 'C1'`).Scan(&x, &p); err != nil || x != 0 || p != 1 {
		t.Errorf("C1 x=%d p_alive=%v (%v), want 0 and 1 (BG/NBD: no repeat means alive)", x, p, err)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
