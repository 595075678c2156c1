package clvjob

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestCLVReadsStateOnlyWhenItAnswers: the clv job takes its summaries
// from customer_state only when they equal those of every purchase, and
// otherwise says why it reads every purchase. C0 bought on 2025-01-01
// (two orders, 150), 2025-01-15 (80) and 2025-02-12 (70) in Beijing time;
// C1 on 2025-02-01 (40); a return of C1 is no purchase. From the state at
// the end of 2025-03-31: C0 x = 2, t_x = 6 weeks, T = 89/7, mean spend 75.
func TestCLVReadsStateOnlyWhenItAnswers(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	for _, s := range []string{
		`CREATE TABLE orders (channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, customer_id VARCHAR, net_amount DOUBLE, units BIGINT, refund_amount DOUBLE)`,
		`INSERT INTO orders VALUES ('pos','a1',TIMESTAMPTZ '2025-01-01 02:00:00+00','C0',100,1,0), ('pos','a2',TIMESTAMPTZ '2025-01-01 05:00:00+00','C0',50,1,0),
			('tmall','a3',TIMESTAMPTZ '2025-01-14 23:30:00+00','C0',80,1,0), ('jd','a4',TIMESTAMPTZ '2025-02-12 04:00:00+00','C0',70,2,0),
			('pos','b1',TIMESTAMPTZ '2025-02-01 04:00:00+00','C1',40,1,0), ('pos','b2',TIMESTAMPTZ '2025-03-01 04:00:00+00','C1',-40,-1,0)`,
		`ALTER TABLE orders ADD COLUMN status VARCHAR DEFAULT 'paid'`,
	} {
		if err := wh.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := jobs.Prepare(ctx, wh); err != nil {
		t.Fatal(err)
	}
	cfg := func(min float64) *config.Config {
		return &config.Config{Location: sh, Timezone: "Asia/Shanghai", Models: config.Models{CLV: config.CLV{MinAmount: min}}}
	}
	env := &jobs.Env{Cfg: cfg(0), WH: wh, Log: discard()}
	mar31 := time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		setup  string // SQL run before
		build  bool   // run the customer_state job before
		min    float64
		full   bool
		calEnd time.Time
		reason string // "" when the summaries come from the state
	}{
		{"no state yet", "", false, 0, false, mar31, "customer_state: no customer_state yet"},
		{"state built", "", true, 0, false, mar31, ""},
		{"run --full", "", false, 0, true, mar31, "run --full"},
		{"as-of before the last purchase", "", false, 0, false, time.Date(2025, 2, 11, 0, 0, 0, 0, time.UTC), "customer_state has purchases after the as-of date 2025-02-11"},
		{"min_amount changed", "", false, 60, false, mar31, "customer_state: models.clv.min_amount is 60, the state was built with 0"},
		{"core changed a customer since", `INSERT INTO customer_changes VALUES ('C1')`, false, 0, false, mar31, "customer_state is behind core (1 customers changed since)"},
		{"state updated", "", true, 0, false, mar31, ""},
		{"core rebuilt", `INSERT INTO customer_changes VALUES (NULL)`, false, 0, false, mar31, "customer_state: core was rebuilt"},
	}
	for _, c := range cases {
		if c.setup != "" {
			if err := wh.Exec(ctx, c.setup); err != nil {
				t.Fatal(err)
			}
		}
		env.Cfg, env.Full = cfg(c.min), c.full
		if c.build {
			if _, err := runState(ctx, env); err != nil {
				t.Fatal(err)
			}
		}
		in, err := summariesFromState(ctx, env, c.calEnd, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if in.reason != c.reason {
			t.Errorf("%s: reason %q, want %q", c.name, in.reason, c.reason)
			continue
		}
		if c.reason != "" {
			continue
		}
		if len(in.sums) != 2 {
			t.Fatalf("%s: %d summaries, want 2: %+v", c.name, len(in.sums), in.sums)
		}
		s0, s1 := in.sums[0], in.sums[1]
		if s0.ID != "C0" || s0.X != 2 || abs(s0.TX-6) > 1e-12 || abs(s0.T-89.0/7) > 1e-12 || abs(s0.MeanSpend-75) > 1e-12 {
			t.Errorf("%s: C0 %+v, want x 2, t_x 6, T 89/7, mean spend 75", c.name, s0)
		}
		if s1.ID != "C1" || s1.X != 0 || s1.TX != 0 || abs(s1.T-58.0/7) > 1e-12 {
			t.Errorf("%s: C1 %+v, want x 0, T 58/7", c.name, s1)
		}
	}
	var n int64
	if err := wh.DB().QueryRow(`SELECT count(*) FROM customer_state`).Scan(&n); err != nil || n != 2 {
		t.Errorf("customer_state has %d rows (%v), want 2", n, err)
	}
	if res, err := runState(ctx, env); err != nil || !strings.HasPrefix(res.Message, "rebuilt") || !strings.Contains(res.Message, "core was rebuilt") {
		t.Errorf("customer_state after a rebuild of core: %q, %v", res.Message, err)
	}
}
