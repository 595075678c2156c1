package metricjobs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// monthLines reads the order lines the run needs: all of them (shared
// with the other line readers of the chain) for a full recompute, else
// those of the months recomputed. An order with lines in a month
// recomputed and in another adds the other month (month_spill.sql), until
// every order read is read whole; should that not settle in a few rounds
// the plan turns into a full recompute.
func (r *run) monthLines() ([]arrow.RecordBatch, error) {
	p := r.plan
	if p == nil || p.full {
		return r.lines()
	}
	t0 := time.Now()
	defer func() { p.linesSec = time.Since(t0).Seconds() }()
	settled := false
	for round := 0; round < 4 && !settled; round++ {
		q, err := r.monthSQL("month_partial", monthArgs{})
		if err != nil {
			return nil, err
		}
		partial, err := warehouse.Int64(r.ctx, r.wh, q)
		if err != nil {
			return nil, fmt.Errorf("count orders read in part: %w", err)
		}
		if partial == 0 {
			settled = true
			break
		}
		if q, err = r.monthSQL("month_spill", monthArgs{}); err != nil {
			return nil, err
		}
		recs, err := r.wh.Query(r.ctx, q)
		if err != nil {
			return nil, fmt.Errorf("read the other months of orders read in part: %w", err)
		}
		added := 0
		for _, rec := range recs {
			for i := 0; i < int(rec.NumRows()); i++ {
				if t := warehouse.TimeAt(rec, 0, i); !t.IsZero() {
					if m := t.In(r.common.Location).Format("2006-01"); !slices.Contains(p.months, m) {
						p.months = append(p.months, m)
						added++
					}
				}
			}
		}
		warehouse.Release(recs)
		slices.Sort(p.months)
		settled = added == 0
	}
	if !settled {
		p.full, p.reason = true, "orders with lines in several months kept adding months"
		if r.env.Log != nil {
			r.env.Log.Info("recomputing every month", "job", r.job, "reason", p.reason)
		}
		return r.lines()
	}
	q, err := r.monthSQL("month_lines", monthArgs{})
	if err != nil {
		return nil, err
	}
	// sales and profit of one chain read the same months once.
	return r.shared("order_lines", q, JobSales, JobProfit)
}

// writeMonths writes the mart's rows for the as-of date and the watermark
// in one transaction: every row on a full recompute, else the months
// recomputed over the kept rows of the base as-of date (see above). The
// caller releases recs.
func (r *run) writeMonths(schema *arrow.Schema, recs []arrow.RecordBatch) (int64, error) {
	p := r.plan
	t0 := time.Now()
	defer func() { p.writeSec = time.Since(t0).Seconds() }()
	var n int64
	if !p.full {
		kept, err := keepPeriods(recs, p.months)
		defer warehouse.Release(kept)
		if err != nil {
			return 0, err
		}
		recs = kept
	}
	err := r.wh.InTx(r.ctx, func(tx warehouse.Tx) error {
		n = warehouse.NumRows(recs)
		if p.spec.lifetime {
			lifetime, err := r.writeCells(tx)
			defer warehouse.Release(lifetime)
			if err != nil {
				return err
			}
			n += warehouse.NumRows(lifetime)
			recs = append(slices.Clone(recs), lifetime...)
		}
		if p.full {
			if err := jobs.WriteMartTx(r.ctx, tx, p.spec.mart, r.asOf, schema, recs); err != nil {
				return err
			}
		} else if err := r.mergeMonths(tx, schema, recs); err != nil {
			return err
		}
		if p.spec.regions {
			if err := r.snapshotRegions(tx); err != nil {
				return err
			}
		}
		return jobs.SetWatermark(r.ctx, tx, r.job, p.ch.To, p.hash, r.asOf)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// mergeMonths replaces the recomputed months of the as-of date's rows.
func (r *run) mergeMonths(tx warehouse.Tx, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	p := r.plan
	same := p.ch.AsOf.Format(time.DateOnly) == r.asOf.Format(time.DateOnly)
	exec := func(file string, a monthArgs) error {
		q, err := r.monthSQL(file, a)
		if err != nil {
			return err
		}
		if err := tx.Exec(r.ctx, q); err != nil {
			return fmt.Errorf("%s: %s: %w", p.spec.mart, file, err)
		}
		return nil
	}
	also, skip := "FALSE", "FALSE"
	if p.spec.lifetime {
		also = "level = 'customer' AND customer_id IN (" + p.customers + ")"
		// profit's order rows are the as-of month's orders: those of a base
		// in an earlier month are not kept.
		skip = mustRender("profit_order_skip", warehouse.SQLOf(r.wh.Dialect()), struct{ AsOfPeriod string }{
			warehouse.SQLOf(r.wh.Dialect()).String(p.asOfPeriod)})
	}
	if err := exec("month_clear", monthArgs{All: !same, Also: also}); err != nil {
		return err
	}
	if !same {
		if err := exec("month_keep", monthArgs{Skip: skip}); err != nil {
			return err
		}
		if p.spec.lifetime {
			if err := exec("profit_keep_customers", monthArgs{}); err != nil {
				return err
			}
		}
	}
	if _, err := tx.Load(r.ctx, p.spec.mart, recs...); err != nil {
		return fmt.Errorf("write mart %s: %w", p.spec.mart, err)
	}
	// From the first month with an order to the as-of month, every month
	// has its month row.
	q, err := r.monthSQL("month_first", monthArgs{})
	if err != nil {
		return err
	}
	firstRecs, err := tx.Query(r.ctx, q)
	if err != nil {
		return fmt.Errorf("%s: the first order month: %w", p.spec.mart, err)
	}
	first := p.asOfPeriod
	if len(firstRecs) > 0 && firstRecs[0].NumRows() > 0 {
		if t := warehouse.TimeAt(firstRecs[0], 0, 0); !t.IsZero() {
			first = min(first, t.In(r.common.Location).Format("2006-01"))
		}
	}
	warehouse.Release(firstRecs)
	d := warehouse.SQLOf(r.wh.Dialect())
	if err := exec("month_trim", monthArgs{First: d.String(first)}); err != nil {
		return err
	}
	q, err = r.monthSQL("month_present", monthArgs{MonthRow: p.spec.monthRow})
	if err != nil {
		return err
	}
	present, err := tx.Query(r.ctx, q)
	if err != nil {
		return fmt.Errorf("%s: the months present: %w", p.spec.mart, err)
	}
	have := map[string]bool{}
	for _, rec := range present {
		for i := 0; i < int(rec.NumRows()); i++ {
			have[warehouse.StringAt(rec, 0, i)] = true
		}
	}
	warehouse.Release(present)
	f, _ := time.Parse("2006-01", first)
	for m := f; m.Format("2006-01") <= p.asOfPeriod; m = m.AddDate(0, 1, 0) {
		if period := m.Format("2006-01"); !have[period] {
			if err := exec(p.spec.zero, monthArgs{Period: d.String(period)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// snapshotRegions records the customers' regions this run used.
func (r *run) snapshotRegions(tx warehouse.Tx) error {
	ok, err := warehouse.TableExists(r.ctx, tx, "customers")
	if err != nil {
		return fmt.Errorf("look up customers: %w", err)
	}
	if !ok {
		if err := warehouse.RecreateTable(r.ctx, tx, "sales_customer_regions", regionsSchema); err != nil {
			return fmt.Errorf("record the customers' regions: %w", err)
		}
		return nil
	}
	q, err := r.monthSQL("regions_snapshot", monthArgs{})
	if err != nil {
		return err
	}
	if err := warehouse.CreateTableAs(r.ctx, tx, "sales_customer_regions", q); err != nil {
		return fmt.Errorf("record the customers' regions: %w", err)
	}
	return nil
}

// writeCells brings profit_cells to the run's as-of date in tx: every
// cell on a full recompute; else the cells of the months recomputed
// replace theirs and those after the as-of month go. On an incremental
// run it returns the customer rows of the customers in profit_touched,
// from all their cells (the caller releases them).
func (r *run) writeCells(tx warehouse.Tx) ([]arrow.RecordBatch, error) {
	p := r.plan
	defer warehouse.Release(p.cells)
	cells := p.cells
	p.cells = nil
	if p.full {
		if err := warehouse.RecreateTable(r.ctx, tx, "profit_cells", metrics.ProfitCellsSchema); err != nil {
			return nil, fmt.Errorf("write profit_cells: %w", err)
		}
	} else {
		q, err := r.monthSQL("profit_cells_clear", monthArgs{})
		if err != nil {
			return nil, err
		}
		if err := tx.Exec(r.ctx, q); err != nil {
			return nil, fmt.Errorf("profit: profit_cells_clear: %w", err)
		}
		kept, err := keepPeriods(cells, p.months)
		if err != nil {
			return nil, err
		}
		warehouse.Release(cells)
		cells = kept
	}
	if len(cells) > 0 {
		if _, err := tx.Load(r.ctx, "profit_cells", cells...); err != nil {
			return nil, fmt.Errorf("write profit_cells: %w", err)
		}
	}
	warehouse.Release(cells)
	if p.full {
		return nil, nil
	}
	t0 := time.Now()
	defer func() { p.lifetimeSec = time.Since(t0).Seconds() }()
	q, err := r.monthSQL("profit_cells_touched", monthArgs{})
	if err != nil {
		return nil, err
	}
	touched, err := tx.Query(r.ctx, q)
	defer warehouse.Release(touched)
	if err != nil {
		return nil, fmt.Errorf("profit: read the cells of the customers recomputed: %w", err)
	}
	rows, err := metrics.ProfitFromCells(touched, metrics.ProfitOptions{Common: r.common})
	if err != nil {
		return nil, fmt.Errorf("profit: customer rows from profit_cells: %w", err)
	}
	return rows, nil
}

// touchedSchema is profit_touched: the customers whose lifetime rows a
// profit run recomputes (the job's scratch, filled at each incremental run;
// a customer may be listed twice, its readers take it as a set).
var touchedSchema = arrow.NewSchema([]arrow.Field{{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)

// regionsSchema is sales_customer_regions: the region of each customer
// that the last sales run used.
var regionsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// keepPeriods returns the rows of recs whose period is one of months (the
// caller releases both).
func keepPeriods(recs []arrow.RecordBatch, months []string) ([]arrow.RecordBatch, error) {
	set := map[string]bool{}
	for _, m := range months {
		set[m] = true
	}
	return keepRows(recs, "period", func(v string, ok bool) bool { return ok && set[v] })
}

// keepRows returns the rows of recs whose column colName passes keep
// (given the value and whether it is set); the caller releases both.
func keepRows(recs []arrow.RecordBatch, colName string, keep func(string, bool) bool) ([]arrow.RecordBatch, error) {
	var out []arrow.RecordBatch
	for _, rec := range recs {
		idx := rec.Schema().FieldIndices(colName)
		if len(idx) != 1 {
			warehouse.Release(out)
			return nil, fmt.Errorf("mart batch has no %s column: %s", colName, rec.Schema())
		}
		col := rec.Column(idx[0])
		b := array.NewBooleanBuilder(memory.DefaultAllocator)
		for i := 0; i < int(rec.NumRows()); i++ {
			if col.IsValid(i) {
				b.Append(keep(col.ValueStr(i), true))
			} else {
				b.Append(keep("", false))
			}
		}
		mask := b.NewBooleanArray()
		b.Release()
		kept, err := compute.FilterRecordBatch(context.Background(), rec, mask, compute.DefaultFilterOptions())
		mask.Release()
		if err != nil {
			warehouse.Release(out)
			return nil, fmt.Errorf("keep the months recomputed: %w", err)
		}
		out = append(out, kept)
	}
	return out, nil
}

// planNote is the message tail saying how the mart was brought up to date.
func (r *run) planNote() string {
	p := r.plan
	switch {
	case p == nil:
		return ""
	case p.full:
		return "; recomputed every month (" + p.reason + ")"
	case len(p.months) == 0:
		return "; no month changed"
	}
	out := fmt.Sprintf("; recomputed %d months (%s), others kept from %s; plan %.2fs, lines %.2fs", len(p.months), strings.Join(p.months, ", "),
		p.ch.AsOf.Format(time.DateOnly), p.planSec, p.linesSec)
	if p.spec.lifetime {
		out += fmt.Sprintf(", lifetime rows %.2fs", p.lifetimeSec)
	}
	return out + fmt.Sprintf(", write %.2fs", p.writeSec)
}

// monthReads and extraWrites are what the month-partitioned jobs declare
// besides their inputs (reads) and their mart: the change log, their
// watermark, their own mart (its base partition), the tables the
// partition checks read, and sales' region snapshot.
var (
	monthReads = map[string][]string{
		JobSales:  append([]string{"orders", "kept_order_lines", JobSales, "sales_customer_regions", jobs.WatermarksTable}, jobs.ChangeLogTables...),
		JobProfit: append([]string{"orders", "kept_order_lines", JobProfit, "profit_touched", "profit_cells", jobs.WatermarksTable}, jobs.ChangeLogTables...),
	}
	extraWrites = map[string][]string{
		JobSales:  {jobs.WatermarksTable, "sales_customer_regions"},
		JobProfit: {jobs.WatermarksTable, "profit_touched", "profit_cells"},
	}
)

func init() {
	for j, ts := range monthReads {
		reads[j] = append(reads[j], ts...)
	}
}

// monthCustomers reads the customers (customer_id, region) a run needs:
// every one on a full recompute, else the buyers of the months recomputed
// (the other customers' regions are not used), which keeps a nightly from
// holding the whole customers table.
func (r *run) monthCustomers() ([]arrow.RecordBatch, error) {
	if p := r.plan; p == nil || p.full {
		return r.customers()
	}
	have, err := r.columns("customers", "customer_id", "region")
	if err != nil {
		return nil, err
	}
	if !have["customer_id"] || !have["region"] {
		r.missing = append(r.missing, "customers")
		return nil, nil
	}
	q, err := r.monthSQL("month_customers", monthArgs{})
	if err != nil {
		return nil, err
	}
	return r.query("customers", q)
}
