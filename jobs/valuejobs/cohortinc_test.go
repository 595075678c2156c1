package valuejobs

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

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestIncrementalCohortsEqualRebuild is the property test of the cohort
// matrix from per-customer contributions, over the same random sequences
// as the month-partitioned metric marts (metricjobs'
// TestIncrementalMonthsEqualRebuild): new days (some into the next month),
// re-exported orders (moving month), merges (the survivor sometimes taking
// the other's region), late files for old months, region changes, runs
// with nothing new, an order with lines in two months, runs for an earlier
// as-of date and back, in the Shanghai time zone; nightly on one warehouse,
// full rebuild on another. cohort_retention, every as-of date, must be the
// same after every step, and after the first the nightly must have summed
// the matrix from the kept contributions.
func TestIncrementalCohortsEqualRebuild(t *testing.T) {
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Location: loc, Timezone: "Asia/Shanghai"}
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			s := deltasim.New(t, seed)
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
				var msg string
				for k, wh := range []*warehouse.DuckDB{s.Inc, s.Full} {
					env := &jobs.Env{Cfg: cfg, WH: wh, Log: discardLog(), Job: JobCohorts, Full: k == 1, AsOf: s.AsOf}
					res, err := runCohorts(ctx, env)
					if err != nil {
						t.Fatalf("after %v: cohorts: %v", kinds, err)
					}
					if k == 0 {
						msg = res.Message
					}
				}
				if i > 0 && !strings.Contains(msg, "summed from the kept contributions") {
					t.Errorf("step %d (%s): cohorts not from the contributions: %s", i, kinds[i], msg)
				}
				cols, a := sqltest.Table(t, s.Inc.DB(), MartCohorts)
				_, b := sqltest.Table(t, s.Full.DB(), MartCohorts)
				if len(b) == 0 {
					t.Fatalf("after steps %v: no cohort cells", kinds)
				}
				if d := sqltest.Diff(cols, a, b, nil); d != "" {
					t.Fatalf("after steps %v: %s differs: %s\nnightly: %s", kinds, MartCohorts, d, msg)
				}
			}
		})
	}
}
