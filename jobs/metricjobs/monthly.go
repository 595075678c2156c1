package metricjobs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Month-partitioned marts from the change log (jobs.ChangesSince). The
// sales mart's rows of a month (period) depend on:
//   - the orders whose month (the business-zone month of the earliest
//     counted line: dated, before the end of the as-of day, not
//     cancelled) is that month, with all their lines;
//   - the customers of those orders (distinct buyers) and, for the
//     region of an order without a store, the customer's region in
//     customers (the golden record);
//   - products (category, brand, unit cost) and stores (name, region);
//   - the as-of day, for the as-of month only (lines after it are out);
//   - and whether the month is at or after the first month with an order
//     (from there to the as-of month every month has its total row, zero
//     when empty).
//
// So a nightly recomputes only the months of the orders core touched
// (before and after: a re-export or a merge moving an order touches both
// sides), the months of the customers whose region changed
// (sales_customer_regions is the region each customer had at the last
// run), and every month from the base as-of month to the new one when the
// as-of date moved; it keeps the base partition's other months under the
// new as-of date, then drops the months before the first month with an
// order and gives every month from there to the as-of month its total row.
// products and stores go into the settings hash: any change recomputes
// every month, as do the cancelled statuses and the time zone.
//
// The months are read by order_ts ranges; an order with lines in a month
// recomputed and in another would be read in part: month_partial.sql
// finds such orders and month_spill.sql adds their other months.
//
// Full recompute (and why, in the message): run --full, no watermark or
// core rebuilt or settings changed (jobs.ChangesSince), the mart or its
// base partition missing, no customer region snapshot. The full path records the watermark too, in the mart's
// transaction; BigQuery always recomputes (no change log there).

// monthSpec describes one month-partitioned mart.
type monthSpec struct {
	mart     string
	masters  []string // files whose fingerprint goes into the settings hash
	regions  bool     // the mart uses the customers' regions (sales_customer_regions)
	monthRow string   // condition selecting the one row every month from the first to the as-of month has
	zero     string   // file inserting that row for a month without orders
	// lifetime: the mart also has one row per customer over every month
	// (period NULL, level 'customer'), recomputed for the customers whose
	// orders changed or came into or out of the as-of window.
	lifetime bool
}

var salesSpec = monthSpec{mart: JobSales, masters: []string{"products_hash", "stores_hash"}, regions: true,
	monthRow: "dimension = 'total'", zero: "sales_zero"}

// profitSpec: the profit mart's month rows depend on what a sales month
// depends on apart from stores and regions; its order rows are the as-of
// month's orders (kept and recomputed with that month); its customer rows
// are each customer's orders up to the as-of day, every month: the sum of
// the customer's cells (profit_cells, one per customer and month with an
// order, metrics.ProfitWithCells). The cells of the months recomputed are
// written again from their lines; the customer rows are recomputed from
// the cells for the customers core touched (both sides of a merge) and
// those with an order line between the base and the new as-of days' ends.
// A run without profit_cells recomputes every month.
var profitSpec = monthSpec{mart: JobProfit, masters: []string{"products_hash"}, monthRow: "level = 'month'", zero: "profit_zero", lifetime: true}

// monthPlan is how one run brings its mart up to date.
type monthPlan struct {
	spec       monthSpec
	ch         jobs.Changes
	hash       string
	full       bool
	reason     string
	months     []string // the periods recomputed, sorted (incremental)
	asOfPeriod string
	customers  string              // lifetime: query of the customers recomputed (incremental)
	cells      []arrow.RecordBatch // lifetime: the cells of the months computed (metrics.ProfitWithCells)
	// seconds of the plan, the months' lines, the lifetime rows (read
	// and model) and the write, for the job message
	planSec, linesSec, lifetimeSec, writeSec float64
}

// monthArgs are the parameters of the month_*.sql files.
type monthArgs struct {
	Status, End, Ranges               string
	Mart, AsOf, Base, AsOfPeriod      string
	Months, Skip, Also, First, Period string
	MonthRow, Customers, From, To     string
	Lo                                string
	All                               bool
}

// monthSQL renders a month file for the running job (render).
func (r *run) monthSQL(name string, a monthArgs) (string, error) {
	d := warehouse.SQLOf(r.wh.Dialect())
	a.Status, a.End, a.Mart = r.cancelledStatus(), r.end, r.job
	a.AsOf = d.String(r.asOf.Format(time.DateOnly))
	if r.plan != nil {
		a.AsOfPeriod = d.String(r.plan.asOfPeriod)
		a.Base = d.String(r.plan.ch.AsOf.Format(time.DateOnly))
		a.Months = "''" // no period is empty
		if len(r.plan.months) > 0 {
			q := make([]string, len(r.plan.months))
			for i, m := range r.plan.months {
				q[i] = d.String(m)
			}
			a.Months = strings.Join(q, ", ")
		}
		a.Ranges = r.monthRanges(r.plan.months)
		if a.Customers == "" {
			a.Customers = r.plan.customers
		}
	}
	return r.render(name, a)
}

// monthRanges is the order_ts condition of the months (contiguous months
// as one range), FALSE for none.
func (r *run) monthRanges(months []string) string {
	var out []string
	loc := r.common.Location
	for i := 0; i < len(months); {
		start, _ := time.ParseInLocation("2006-01", months[i], loc)
		end := start.AddDate(0, 1, 0)
		j := i + 1
		for ; j < len(months) && months[j] == end.Format("2006-01"); j++ {
			end = end.AddDate(0, 1, 0)
		}
		out = append(out, fmt.Sprintf("order_ts >= %s AND order_ts < %s", tsLiteral(r.wh, start), tsLiteral(r.wh, end)))
		i = j
	}
	if len(out) == 0 {
		return "FALSE"
	}
	return "(" + strings.Join(out, ") OR (") + ")"
}

// planMonths decides how this run brings spec's mart up to date and
// keeps the plan in r.plan (nil on warehouses without the change log).
func (r *run) planMonths(spec monthSpec) error {
	if !warehouse.CapabilitiesOf(r.wh.Dialect()).IncrementalUpdates {
		return nil
	}
	p := &monthPlan{spec: spec, asOfPeriod: r.asOf.Format("2006-01")}
	r.plan = p
	t0 := time.Now()
	defer func() { p.planSec = time.Since(t0).Seconds() }()
	h := sha256.New()
	fmt.Fprintf(h, "monthly 1\n%s\n%s\n%s\n", r.job, r.common.Location, r.cancelledStatus())
	if spec.lifetime {
		// The customer rows come from profit_cells (cells version 1).
		fmt.Fprintf(h, "cells 1\n")
	}
	for _, f := range spec.masters {
		table := strings.TrimSuffix(f, "_hash") // products_hash reads products
		ok, err := warehouse.TableExists(r.ctx, r.wh, table)
		if err != nil {
			return fmt.Errorf("look up %s: %w", table, err)
		}
		v := "absent"
		if ok {
			q, err := r.monthSQL(f, monthArgs{})
			if err != nil {
				return err
			}
			var s *string
			if err := r.wh.QueryRow(r.ctx, q, nil, &s); err != nil {
				return fmt.Errorf("fingerprint %s: %w", table, err)
			}
			if s != nil {
				v = *s
			}
		}
		fmt.Fprintf(h, "%s %s\n", table, v)
	}
	p.hash = hex.EncodeToString(h.Sum(nil))[:16]
	ch, err := jobs.ChangesSince(r.ctx, r.wh, r.job, p.hash, r.common.Location)
	if err != nil {
		return err
	}
	p.ch = ch
	full := func(reason string) error {
		p.full, p.reason = true, reason
		if r.env.Log != nil {
			r.env.Log.Info("recomputing every month", "job", r.job, "reason", reason)
		}
		return nil
	}
	switch {
	case r.env.Full:
		return full("run --full")
	case ch.Everything:
		return full(ch.Reason)
	case ch.AsOf.IsZero():
		return full("the watermark has no as-of date")
	}
	base, err := warehouse.TableExists(r.ctx, r.wh, spec.mart)
	if err != nil {
		return fmt.Errorf("look up mart %s: %w", spec.mart, err)
	}
	if base {
		n, err := warehouse.Int64(r.ctx, r.wh, mustRender("month_base_rows", warehouse.SQLOf(r.wh.Dialect()), struct{ Mart string }{spec.mart}), ch.AsOf.Format(time.DateOnly))
		if err != nil {
			return fmt.Errorf("count the base rows of %s: %w", spec.mart, err)
		}
		base = n > 0
	}
	if !base {
		return full(fmt.Sprintf("no %s rows for the base as-of date %s", spec.mart, ch.AsOf.Format(time.DateOnly)))
	}
	if spec.lifetime {
		ok, err := warehouse.TableExists(r.ctx, r.wh, "profit_cells")
		if err != nil {
			return fmt.Errorf("look up profit_cells: %w", err)
		}
		if !ok {
			return full("no profit_cells yet")
		}
	}
	months := map[string]bool{}
	for _, m := range ch.Months {
		months[m] = true
	}
	if spec.regions {
		ok, err := warehouse.TableExists(r.ctx, r.wh, "sales_customer_regions")
		if err != nil {
			return fmt.Errorf("look up sales_customer_regions: %w", err)
		}
		if !ok {
			return full("no snapshot of the customers' regions yet")
		}
		if ok, err = warehouse.TableExists(r.ctx, r.wh, "customers"); err != nil {
			return fmt.Errorf("look up customers: %w", err)
		}
		if ok {
			q, err := r.monthSQL("region_months", monthArgs{})
			if err != nil {
				return err
			}
			if err := r.addMonths(months, q); err != nil {
				return fmt.Errorf("read the months of customers whose region changed: %w", err)
			}
		}
	}
	// The as-of month's rows depend on the as-of day. Moving back, every
	// month between the two as-of months is recomputed, with the months of
	// the orders whose lines leave the window. Moving forward, only the
	// months of the orders with a line coming into the window change (a
	// month before the new as-of month keeps its rows: it had every line up
	// to its end at the base date unless such a line enters it), and
	// profit's order rows of a month other than the new as-of month go
	// (mergeMonths).
	var asofCustomers []string // profit: the customers of the orders in the window
	if b := ch.AsOf.Format(time.DateOnly); b != r.asOf.Format(time.DateOnly) {
		bEnd := time.Date(ch.AsOf.Year(), ch.AsOf.Month(), ch.AsOf.Day()+1, 0, 0, 0, 0, r.common.Location)
		nEnd := r.asOf.AddDate(0, 0, 1)
		win := monthArgs{From: tsLiteral(r.wh, time.UnixMicro(min(bEnd.UnixMicro(), nEnd.UnixMicro()))),
			To: tsLiteral(r.wh, time.UnixMicro(max(bEnd.UnixMicro(), nEnd.UnixMicro())))}
		q, err := r.monthSQL("asof_window", win)
		if err != nil {
			return err
		}
		// Sales and profit of one chain moving from the same base run the
		// same text once (jobs.Env.SharedQuery); the unbounded text is the
		// key, as the bound gives the same rows.
		recs, err := r.env.SharedQuery(q, []string{JobSales, JobProfit}, func() ([]arrow.RecordBatch, error) {
			bounded, err := r.asofWindowBounded(win)
			if err != nil {
				return nil, err
			}
			if bounded != "" {
				q = bounded
			}
			return r.wh.Query(r.ctx, q)
		})
		if err == nil {
			asofCustomers = r.windowRows(months, recs)
		}
		warehouse.Release(recs)
		if err != nil {
			return fmt.Errorf("read the orders coming into or leaving the as-of window: %w", err)
		}
		if lo, hi := r.asOf, ch.AsOf; lo.Before(hi) {
			for m := time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(hi); m = m.AddDate(0, 1, 0) {
				months[m.Format("2006-01")] = true
			}
		}
	}
	if spec.lifetime {
		p.customers = ch.CustomersSQL()
		// The customers recomputed, kept for the statements that read and
		// replace their rows (the query joins core_changes and the lines).
		if err := r.wh.InTx(r.ctx, func(tx warehouse.Tx) error {
			if err := warehouse.CreateTable(r.ctx, tx, "profit_touched", touchedSchema); err != nil {
				return err
			}
			if err := tx.Exec(r.ctx, mustRender("profit_touched_clear", warehouse.SQLOf(r.wh.Dialect()), nil)); err != nil {
				return err
			}
			if len(asofCustomers) > 0 {
				b := array.NewStringBuilder(memory.DefaultAllocator)
				defer b.Release()
				b.AppendValues(asofCustomers, nil)
				col := b.NewArray()
				defer col.Release()
				rec := array.NewRecordBatch(touchedSchema, []arrow.Array{col}, int64(col.Len()))
				defer rec.Release()
				if _, err := tx.Load(r.ctx, "profit_touched", rec); err != nil {
					return err
				}
			}
			q, err := r.monthSQL("touched_customers", monthArgs{})
			if err != nil {
				return err
			}
			return tx.Exec(r.ctx, q)
		}); err != nil {
			return fmt.Errorf("list the customers whose lifetime rows are recomputed: %w", err)
		}
		p.customers = mustRender("profit_touched_customers", warehouse.SQLOf(r.wh.Dialect()), nil)
	}
	for m := range months {
		if m <= p.asOfPeriod {
			p.months = append(p.months, m)
		}
	}
	slices.Sort(p.months)
	return nil
}

// asofWindowBounded returns asof_window.sql bounded by the window's start
// (.Lo) when asof_window_bound.sql finds that every order with a line in
// the window starts in it, and "" when one does not.
func (r *run) asofWindowBounded(win monthArgs) (string, error) {
	q, err := r.monthSQL("asof_window_bound", win)
	if err != nil {
		return "", err
	}
	outside, err := warehouse.Int64(r.ctx, r.wh, q)
	if err != nil {
		return "", fmt.Errorf("bound the as-of window's orders: %w", err)
	}
	if outside > 0 {
		return "", nil
	}
	win.Lo = win.From
	return r.monthSQL("asof_window", win)
}

// addMonths adds to months the business-zone months of the times in the
// first column of query q's rows.
func (r *run) addMonths(months map[string]bool, q string) error {
	recs, err := r.wh.Query(r.ctx, q)
	defer warehouse.Release(recs)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			if t := warehouse.TimeAt(rec, 0, i); !t.IsZero() {
				months[t.In(r.common.Location).Format("2006-01")] = true
			}
		}
	}
	return nil
}

// windowRows adds to months the business-zone months of the times of
// asof_window.sql's rows recs and returns its customers (distinct).
func (r *run) windowRows(months map[string]bool, recs []arrow.RecordBatch) []string {
	seen := map[string]bool{}
	var out []string
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			if t := warehouse.TimeAt(rec, 0, i); !t.IsZero() {
				months[t.In(r.common.Location).Format("2006-01")] = true
			}
			if c := warehouse.StringAt(rec, 1, i); c != "" && !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}
