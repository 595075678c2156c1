package valuejobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/internal/sqltest"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// cohortSim applies the same loads, stitch results and golden-record
// regions to two warehouses: inc takes the nightly path (UpdateCore, then
// the month-partitioned jobs from the change log), full the reference
// (BuildCore, then the jobs with Env.Full).
type cohortSim struct {
	t         *testing.T
	r         *rand.Rand
	inc, full *warehouse.DuckDB
	loads     int
	orders    []string // channel:order_id of every order loaded so far
	customers int
	day       int       // days after 2025-01-01 of the newest load
	asOf      time.Time // the as-of date given (zero: the newest order's day)
}

var cohortChannels = []string{"tmall", "jd", "pos"}

func cohortWH(t *testing.T) *warehouse.DuckDB {
	t.Helper()
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	ctx := context.Background()
	if err := jobs.Prepare(ctx, wh); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at)
			VALUES ('M', 'm', 'm.csv', 'm', 'loaded', 0, 0, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00')`,
		`INSERT INTO raw_products (_load_id, _row, sku, category, brand, unit_cost) VALUES
			('M', 2, 'P0', 'Tea', 'B1', 3), ('M', 3, 'P1', 'Tea', 'B2', 5.5), ('M', 4, 'P2', 'Cup', 'B1', NULL), ('M', 5, 'P3', NULL, 'B2', 7)`,
		`INSERT INTO raw_stores (_load_id, _row, store_id, store_name, region) VALUES ('M', 2, 'S1', 'One', 'East'), ('M', 3, 'S2', 'Two', NULL)`,
		`CREATE TABLE customers (customer_id VARCHAR, region VARCHAR)`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	return wh
}

func (s *cohortSim) exec(q string, args ...any) {
	s.t.Helper()
	for _, wh := range []*warehouse.DuckDB{s.inc, s.full} {
		if err := wh.Exec(context.Background(), q, args...); err != nil {
			s.t.Fatalf("%v\n%s", err, q)
		}
	}
}

var cohortRegions = []string{"'East'", "'North'", "NULL"}

// load adds one loaded file whose lines are the given orders (one to
// three lines each, now and then cancelled, refunded, of a SKU not in
// products or without a store) dated day (split: the last line of each
// order 40 days earlier), and assigns a customer to each new order (one
// in ten anonymous), a new customer now and then, with a region.
func (s *cohortSim) load(orders []string, day int, split bool) {
	s.loads++
	id := fmt.Sprintf("L%03d", s.loads)
	s.exec(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at)
		VALUES (?, 's', ?, ?, 'loaded', 0, 0, 0, TIMESTAMPTZ '2025-06-01 00:00:00+00' + to_minutes(CAST(? AS BIGINT)))`, id, id+".csv", id, s.loads)
	seen := map[string]bool{}
	for _, o := range s.orders {
		seen[o] = true
	}
	var rows []string
	for _, key := range orders {
		ch, oid, _ := strings.Cut(key, ":")
		status := []string{"paid", "paid", "paid", "refunded", "cancelled", "PAID"}[s.r.IntN(6)]
		store := "NULL"
		if ch == "pos" && s.r.IntN(4) > 0 {
			store = fmt.Sprintf("'S%d'", 1+s.r.IntN(2))
		}
		minute := s.r.IntN(1200) // up to 04:00 the next day in Shanghai
		n := 1 + s.r.IntN(3)
		for l := 0; l < n; l++ {
			d := day
			if split && l == n-1 {
				d = max(day-40, 0)
			}
			qty := 1 + s.r.IntN(3)
			price := float64(1+s.r.IntN(9999)) / 7
			refund := 0.0
			if status == "refunded" {
				refund = price * float64(qty) / float64(1+s.r.IntN(2))
			}
			rows = append(rows, fmt.Sprintf("('%s', %d, '%s', '%s', TIMESTAMPTZ '2025-01-01 08:00:00+00' + INTERVAL %d DAY + INTERVAL %d MINUTE, '%s', 'P%d', %d, %v, %v, %v, %s)",
				id, len(rows)+2, ch, oid, d, minute, status, s.r.IntN(5), qty, price, price*float64(qty), refund, store))
		}
		if !seen[key] {
			seen[key] = true
			s.orders = append(s.orders, key)
			if s.r.IntN(10) > 0 {
				if s.customers == 0 || s.r.IntN(3) == 0 {
					s.customers++
					s.exec(fmt.Sprintf(`INSERT INTO customers VALUES ('C%04d', %s)`, s.customers, cohortRegions[s.r.IntN(3)]))
				}
				s.exec(`INSERT INTO identity_assignments VALUES ('order_lines', ?, ?)`, key, fmt.Sprintf("C%04d", 1+s.r.IntN(s.customers)))
			}
		}
	}
	s.exec(`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, status, sku, qty, unit_price, paid_amount, refund_amount, store_id) VALUES ` + strings.Join(rows, ", "))
}

func (s *cohortSim) newOrders(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("%s:O%05d", cohortChannels[s.r.IntN(len(cohortChannels))], len(s.orders)+i))
	}
	return out
}

// cohortSteps are the changes of one sequence, shuffled per seed.
var cohortSteps = []string{"new day", "new day", "new day", "new day", "re-export", "re-export", "merge", "merge", "late file", "late file",
	"region", "nothing new", "split order", "earlier as-of", "as-of back"}

// step applies one change of the kind.
func (s *cohortSim) step(kind string) {
	switch kind {
	case "new day":
		s.day += 1 + s.r.IntN(12) // now and then into the next month
		s.load(s.newOrders(3+s.r.IntN(6)), s.day, false)
	case "re-export": // orders exported again, maybe dated in another month
		var again []string
		for i := 0; i < 1+s.r.IntN(3); i++ {
			again = append(again, s.orders[s.r.IntN(len(s.orders))])
		}
		s.load(again, s.r.IntN(s.day+1), false)
	case "merge": // a new shared identifier merges two customers; the survivor may take the other's region
		a, b := fmt.Sprintf("C%04d", 1+s.r.IntN(s.customers)), fmt.Sprintf("C%04d", 1+s.r.IntN(s.customers))
		lo, hi := min(a, b), max(a, b)
		if lo != hi {
			s.exec(`UPDATE identity_assignments SET customer_id = ? WHERE customer_id = ?`, lo, hi)
			if s.r.IntN(2) == 0 {
				s.exec(`UPDATE customers SET region = (SELECT region FROM customers WHERE customer_id = ?) WHERE customer_id = ?`, hi, lo)
			}
			s.exec(`DELETE FROM customers WHERE customer_id = ?`, hi)
		}
	case "late file": // new orders and an old one, for an old month
		s.load(append(s.newOrders(2), s.orders[s.r.IntN(len(s.orders))]), s.r.IntN(max(s.day-30, 1)), false)
	case "region": // the golden record's region of a customer with orders changes
		s.exec(fmt.Sprintf(`UPDATE customers SET region = CASE WHEN region = 'East' THEN 'North' ELSE 'East' END
			WHERE customer_id = (SELECT DISTINCT customer_id FROM orders WHERE units > 0 AND net_amount > 0 ORDER BY 1 LIMIT 1 OFFSET %d)`, s.r.IntN(4)))
	case "split order": // an order whose last line is 40 days before the others
		s.load(s.newOrders(1), s.day, true)
	case "earlier as-of": // a run for a day before the newest orders (they go out of the window)
		s.asOf = time.Date(2025, 1, 1+max(s.day-20, 1), 0, 0, 0, 0, time.UTC)
	case "as-of back": // the newest order's day again (they come back in)
		s.asOf = time.Time{}
	}
}

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
			s := &cohortSim{t: t, r: rand.New(rand.NewPCG(seed, 4)), inc: cohortWH(t), full: cohortWH(t)}
			for s.day = 0; s.day < 70; s.day += 7 {
				s.load(s.newOrders(6), s.day, false)
			}
			steps := slices.Clone(cohortSteps)
			s.r.Shuffle(len(steps), func(i, j int) { steps[i], steps[j] = steps[j], steps[i] })
			kinds := []string{"history"}
			for i := 0; i <= len(steps); i++ {
				if i > 0 {
					s.step(steps[i-1])
					kinds = append(kinds, steps[i-1])
				}
				if _, err := jobs.UpdateCore(ctx, s.inc); err != nil {
					t.Fatal(err)
				}
				if _, err := jobs.BuildCore(ctx, s.full); err != nil {
					t.Fatal(err)
				}
				var msg string
				for k, wh := range []*warehouse.DuckDB{s.inc, s.full} {
					env := &jobs.Env{Cfg: cfg, WH: wh, Log: discardLog(), Job: JobCohorts, Full: k == 1, AsOf: s.asOf}
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
				cols, a := sqltest.Table(t, s.inc.DB(), MartCohorts)
				_, b := sqltest.Table(t, s.full.DB(), MartCohorts)
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
