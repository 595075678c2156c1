package metricjobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/internal/deltasim"
	"github.com/crmkit/crmkit/internal/sqltest"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestIncrementalMonthsEqualRebuild is the property test of the
// month-partitioned marts (sales, profit) and of growth from per-customer
// contributions (a 20-day churn window): random sequences of new days (some into the
// next month), re-exported orders (moving month), merges (the survivor
// sometimes taking the other's region), late files for old months, region
// changes in the golden record, runs with nothing new and an order with
// lines in two months, a file loaded again with other quantities (crmkit
// reload: the same load id), runs for an earlier as-of date and back, in the
// Shanghai time zone (late-evening UTC orders
// fall on the next local day), each followed by the nightly path on one
// warehouse and the full rebuild on another. Every mart, every as-of date,
// must be the same after every step, and after the first the nightly must
// not have recomputed every month.
func TestIncrementalMonthsEqualRebuild(t *testing.T) {
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Location: loc, Timezone: "Asia/Shanghai"}
	// A churn window shorter than the gaps between the simulated days, so
	// customers churn, come back, and churn after their last purchase as
	// the as-of date moves.
	cfg.Models.Growth.ChurnDays = 20
	type monthJob struct {
		name string
		run  func(context.Context, *jobs.Env) (jobs.Result, error)
		// whole is in the nightly's message when it recomputed everything
		whole string
	}
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			s := deltasim.New(t, seed)
			s.Region = func(s *deltasim.Sim) { // any customer, any region
				s.Exec(fmt.Sprintf(`UPDATE customers SET region = %s WHERE customer_id = ?`, deltasim.Regions[s.R.IntN(3)]), fmt.Sprintf("C%04d", 1+s.R.IntN(s.Customers)))
			}
			for s.Day = 0; s.Day < 70; s.Day += 7 {
				s.Load(s.NewOrders(6), s.Day, false)
			}
			steps := slices.Clone(deltasim.Steps)
			s.R.Shuffle(len(steps), func(i, j int) { steps[i], steps[j] = steps[j], steps[i] })
			kinds := []string{"history"}
			for i := 0; i <= len(steps); i++ {
				if i > 0 {
					s.Step(steps[i-1])
					kinds = append(kinds, steps[i-1])
				}
				if _, err := jobs.UpdateCore(ctx, s.Inc); err != nil {
					t.Fatal(err)
				}
				if _, err := jobs.BuildCore(ctx, s.Full); err != nil {
					t.Fatal(err)
				}
				for _, j := range []monthJob{{JobSales, runSales, "recomputed every month"}, {JobProfit, runProfit, "recomputed every month"},
					{JobGrowth, runGrowth, "contributions of every customer"}} {
					var msg string
					for k, wh := range []*warehouse.DuckDB{s.Inc, s.Full} {
						env := &jobs.Env{Cfg: cfg, WH: wh, Log: discard(), Job: j.name, Full: k == 1, AsOf: s.AsOf}
						res, err := j.run(ctx, env)
						if err != nil {
							t.Fatalf("after %v: %s: %v", kinds, j.name, err)
						}
						if k == 0 {
							msg = res.Message
						}
					}
					// A reload of a loaded file rebuilds core (jobs.UpdateCore),
					// so every month is recomputed then.
					if i > 0 && kinds[i] != "reload" && strings.Contains(msg, j.whole) {
						t.Errorf("step %d (%s): %s recomputed everything: %s", i, kinds[i], j.name, msg)
					}
					cols, a := sqltest.Table(t, s.Inc.DB(), j.name)
					_, b := sqltest.Table(t, s.Full.DB(), j.name)
					if d := sqltest.Diff(cols, a, b, nil); d != "" {
						t.Fatalf("after steps %v: %s differs: %s\nnightly: %s", kinds, j.name, d, msg)
					}
				}
			}
		})
	}
}
