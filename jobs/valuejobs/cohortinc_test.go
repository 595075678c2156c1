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
				// A reload of a loaded file rebuilds core (jobs.UpdateCore), and
				// every model after it recomputes: that, too, must equal the
				// rebuild.
				if i > 0 && kinds[i] != "reload" && !strings.Contains(msg, "summed from the kept contributions") {
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

// TestCohortFirstCategoryKept: a nightly keeps a customer's first category
// while the first purchase stays the same untouched order, and reads it
// again when that order is re-exported at the same time with other lines.
// Products (deltasim): P0 and P1 Tea, P2 Cup.
//
//	history    C1: A1 2025-01-05 10:00 UTC, one Cup line (P2, 10.00); A2 2025-02-05, Tea.
//	           C2: B1 2025-01-10, Tea.                                  → C1 Cup, C2 Tea
//	new order  C1: A3 2025-02-10, Tea: A1 is still first, untouched     → C1 Cup
//	re-export  A1 again, same time, its one line now P0 (Tea)           → C1 Tea
//
// After every step the nightly's matrix equals the rebuild's.
func TestCohortFirstCategoryKept(t *testing.T) {
	ctx := context.Background()
	cfg := &config.Config{Location: time.UTC, Timezone: "UTC"}
	s := deltasim.New(t, 1)
	s.Exec(`INSERT INTO customers VALUES ('C1', 'East'), ('C2', 'North')`)
	load := func(id string, lines ...string) {
		s.Loads++ // later loads are newer exports
		s.Exec(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at)
			VALUES (?, 's', ?, ?, 'loaded', 0, 0, 0, TIMESTAMPTZ '2025-06-01 00:00:00+00' + to_minutes(CAST(? AS BIGINT)))`, id, id+".csv", id, s.Loads)
		s.Exec(`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, status, sku, qty, unit_price, paid_amount, refund_amount, store_id) VALUES ` +
			strings.Join(lines, ", "))
	}
	line := func(load string, row int, order, ts, sku string) string {
		return fmt.Sprintf("('%s', %d, 'tmall', '%s', TIMESTAMPTZ '%s+00', 'paid', '%s', 1, 10, 10, 0, NULL)", load, row, order, ts, sku)
	}
	assign := func(order, cust string) {
		s.Exec(`INSERT INTO identity_assignments VALUES ('order_lines', ?, ?)`, "tmall:"+order, cust)
	}
	for _, step := range []struct {
		name string
		do   func()
		c1   string
	}{
		{"history", func() {
			load("L1", line("L1", 2, "A1", "2025-01-05 10:00:00", "P2"), line("L1", 3, "A2", "2025-02-05 10:00:00", "P0"),
				line("L1", 4, "B1", "2025-01-10 10:00:00", "P0"))
			assign("A1", "C1")
			assign("A2", "C1")
			assign("B1", "C2")
		}, "Cup"},
		{"new order", func() {
			load("L2", line("L2", 2, "A3", "2025-02-10 10:00:00", "P0"))
			assign("A3", "C1")
		}, "Cup"},
		{"re-export at the same time", func() { load("L3", line("L3", 2, "A1", "2025-01-05 10:00:00", "P0")) }, "Tea"},
	} {
		step.do()
		if _, err := jobs.UpdateCore(ctx, s.Inc); err != nil {
			t.Fatal(err)
		}
		if _, err := jobs.BuildCore(ctx, s.Full); err != nil {
			t.Fatal(err)
		}
		var msg string
		for k, wh := range []*warehouse.DuckDB{s.Inc, s.Full} {
			res, err := runCohorts(ctx, &jobs.Env{Cfg: cfg, WH: wh, Log: discardLog(), Job: JobCohorts, Full: k == 1})
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if k == 0 {
				msg = res.Message
			}
		}
		if step.name != "history" && !strings.Contains(msg, "summed from the kept contributions") {
			t.Errorf("%s: not incremental: %s", step.name, msg)
		}
		_, rows := sqltest.Rows(t, s.Inc.DB(), `SELECT first_category FROM cohort_members WHERE customer_id = 'C1'`)
		if len(rows) != 1 || fmt.Sprint(rows[0][0]) != step.c1 {
			t.Errorf("%s: C1's first category %v, want %s", step.name, rows, step.c1)
		}
		cols, a := sqltest.Table(t, s.Inc.DB(), MartCohorts)
		_, b := sqltest.Table(t, s.Full.DB(), MartCohorts)
		if d := sqltest.Diff(cols, a, b, nil); d != "" {
			t.Errorf("%s: %s differs: %s", step.name, MartCohorts, d)
		}
	}
}
