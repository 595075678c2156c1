// Package deltasim drives the incremental-versus-rebuild property tests of
// the model jobs: random sequences of loads, re-exports, merges, late
// files, region changes and as-of moves applied alike to two warehouses.
package deltasim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Sim applies the same loads, stitch results and golden-record regions to
// two warehouses: Inc takes the nightly path (UpdateCore, then the jobs
// from the change log), Full the reference (BuildCore, then the jobs with
// Env.Full). The property tests of the month-partitioned marts
// (metricjobs) and of the cohort contributions (valuejobs) drive it.
type Sim struct {
	T         *testing.T
	R         *rand.Rand
	Inc, Full *warehouse.DuckDB
	Loads     int
	Reloads   int      // "reload" steps so far (each loads its file at a new time)
	Orders    []string // channel:order_id of every order loaded so far
	Customers int
	Day       int       // days after 2025-01-01 of the newest load
	AsOf      time.Time // the as-of date given (zero: the newest order's day)
	// Region, when set, replaces the "region" step's change of a golden
	// record's region.
	Region func(s *Sim)
}

// New returns a Sim over two fresh warehouses (NewWarehouse) drawing from
// a PCG source seeded with seed.
func New(t *testing.T, seed uint64) *Sim {
	return &Sim{T: t, R: rand.New(rand.NewPCG(seed, 4)), Inc: NewWarehouse(t), Full: NewWarehouse(t)}
}

// customersSchema is the part of stitch's customers table the jobs under
// test read: each customer's golden-record region.
var customersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

var channels = []string{"tmall", "jd", "pos"}

// NewWarehouse is a prepared DuckDB warehouse in t's temporary folder
// with four products, two stores and an empty customers table.
func NewWarehouse(t *testing.T) *warehouse.DuckDB {
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
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	if err := warehouse.CreateTable(ctx, wh, "customers", customersSchema); err != nil {
		t.Fatal(err)
	}
	return wh
}

func (s *Sim) Exec(q string, args ...any) {
	s.T.Helper()
	for _, wh := range []*warehouse.DuckDB{s.Inc, s.Full} {
		if err := wh.Exec(context.Background(), q, args...); err != nil {
			s.T.Fatalf("%v\n%s", err, q)
		}
	}
}

// Regions are the region literals customers are given.
var Regions = []string{"'East'", "'North'", "NULL"}

// load adds one loaded file whose lines are the given orders (one to
// three lines each, now and then cancelled, refunded, of a SKU not in
// products or without a store) dated day (split: the last line of each
// order 40 days earlier), and assigns a customer to each new order (one
// in ten anonymous), a new customer now and then, with a region.
func (s *Sim) Load(orders []string, day int, split bool) {
	s.Loads++
	id := fmt.Sprintf("L%03d", s.Loads)
	s.Exec(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at)
		VALUES (?, 's', ?, ?, 'loaded', 0, 0, 0, TIMESTAMPTZ '2025-06-01 00:00:00+00' + to_minutes(CAST(? AS BIGINT)))`, id, id+".csv", id, s.Loads)
	seen := map[string]bool{}
	for _, o := range s.Orders {
		seen[o] = true
	}
	var rows []string
	for _, key := range orders {
		ch, oid, _ := strings.Cut(key, ":")
		status := []string{"paid", "paid", "paid", "refunded", "cancelled", "PAID"}[s.R.IntN(6)]
		store := "NULL"
		if ch == "pos" && s.R.IntN(4) > 0 {
			store = fmt.Sprintf("'S%d'", 1+s.R.IntN(2))
		}
		minute := s.R.IntN(1200) // up to 04:00 the next day in Shanghai
		n := 1 + s.R.IntN(3)
		for l := 0; l < n; l++ {
			d := day
			if split && l == n-1 {
				d = max(day-40, 0)
			}
			qty := 1 + s.R.IntN(3)
			price := float64(1+s.R.IntN(9999)) / 7
			refund := 0.0
			if status == "refunded" {
				refund = price * float64(qty) / float64(1+s.R.IntN(2))
			}
			rows = append(rows, fmt.Sprintf("('%s', %d, '%s', '%s', TIMESTAMPTZ '2025-01-01 08:00:00+00' + INTERVAL %d DAY + INTERVAL %d MINUTE, '%s', 'P%d', %d, %v, %v, %v, %s)",
				id, len(rows)+2, ch, oid, d, minute, status, s.R.IntN(5), qty, price, price*float64(qty), refund, store))
		}
		if !seen[key] {
			seen[key] = true
			s.Orders = append(s.Orders, key)
			if s.R.IntN(10) > 0 {
				if s.Customers == 0 || s.R.IntN(3) == 0 {
					s.Customers++
					s.Exec(fmt.Sprintf(`INSERT INTO customers VALUES ('C%04d', %s)`, s.Customers, Regions[s.R.IntN(3)]))
				}
				s.Exec(`INSERT INTO identity_assignments VALUES ('order_lines', ?, ?)`, key, fmt.Sprintf("C%04d", 1+s.R.IntN(s.Customers)))
			}
		}
	}
	s.Exec(`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, status, sku, qty, unit_price, paid_amount, refund_amount, store_id) VALUES ` + strings.Join(rows, ", "))
}

func (s *Sim) NewOrders(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("%s:O%05d", channels[s.R.IntN(len(channels))], len(s.Orders)+i))
	}
	return out
}

// Steps are the changes of one sequence, shuffled per seed.
var Steps = []string{"new day", "new day", "new day", "new day", "re-export", "re-export", "merge", "merge", "late file", "late file",
	"region", "nothing new", "split order", "earlier as-of", "as-of back", "reload"}

// step applies one change of the kind.
// Step applies one change of the kind (one of Steps).
func (s *Sim) Step(kind string) {
	switch kind {
	case "new day":
		s.Day += 1 + s.R.IntN(12) // now and then into the next month
		s.Load(s.NewOrders(3+s.R.IntN(6)), s.Day, false)
	case "re-export": // orders exported again, maybe dated in another month
		var again []string
		for i := 0; i < 1+s.R.IntN(3); i++ {
			again = append(again, s.Orders[s.R.IntN(len(s.Orders))])
		}
		s.Load(again, s.R.IntN(s.Day+1), false)
	case "merge": // a new shared identifier merges two customers; the survivor may take the other's region
		a, b := fmt.Sprintf("C%04d", 1+s.R.IntN(s.Customers)), fmt.Sprintf("C%04d", 1+s.R.IntN(s.Customers))
		lo, hi := min(a, b), max(a, b)
		if lo != hi {
			s.Exec(`UPDATE identity_assignments SET customer_id = ? WHERE customer_id = ?`, lo, hi)
			if s.R.IntN(2) == 0 {
				s.Exec(`UPDATE customers SET region = (SELECT region FROM customers WHERE customer_id = ?) WHERE customer_id = ?`, hi, lo)
			}
			s.Exec(`DELETE FROM customers WHERE customer_id = ?`, hi)
		}
	case "late file": // new orders and an old one, for an old month
		s.Load(append(s.NewOrders(2), s.Orders[s.R.IntN(len(s.Orders))]), s.R.IntN(max(s.Day-30, 1)), false)
	case "region": // the golden record's region of a customer with orders changes
		if s.Region != nil {
			s.Region(s)
			return
		}
		s.Exec(fmt.Sprintf(`UPDATE customers SET region = CASE WHEN region = 'East' THEN 'North' ELSE 'East' END
			WHERE customer_id = (SELECT DISTINCT customer_id FROM orders WHERE units > 0 AND net_amount > 0 ORDER BY 1 LIMIT 1 OFFSET %d)`, s.R.IntN(4)))
	case "split order": // an order whose last line is 40 days before the others
		s.Load(s.NewOrders(1), s.Day, true)
	case "reload": // crmkit reload of a file under a fixed config: the same load id (it hashes the content), a new load time, other quantities
		s.Reloads++
		id := fmt.Sprintf("L%03d", 1+s.R.IntN(s.Loads))
		s.Exec(`CREATE OR REPLACE TEMP TABLE deltasim_reload AS SELECT * FROM raw_order_lines WHERE _load_id = ?`, id)
		s.Exec(`DELETE FROM raw_order_lines WHERE _load_id = ?`, id)
		s.Exec(`DELETE FROM load_files WHERE load_id = ?`, id)
		s.Exec(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at)
			VALUES (?, 's', ?, ?, 'loaded', 0, 0, 0, TIMESTAMPTZ '2026-06-01 00:00:00+00' + to_minutes(CAST(? AS BIGINT)))`, id, id+".csv", id, s.Reloads)
		s.Exec(`INSERT INTO raw_order_lines SELECT * REPLACE (qty + _row % 2 AS qty, paid_amount + unit_price * (_row % 2) AS paid_amount) FROM deltasim_reload`)
	case "earlier as-of": // a run for a day before the newest orders (they go out of the window)
		s.AsOf = time.Date(2025, 1, 1+max(s.Day-20, 1), 0, 0, 0, 0, time.UTC)
	case "as-of back": // the newest order's day again (they come back in)
		s.AsOf = time.Time{}
	}
}
