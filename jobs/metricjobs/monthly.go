package metricjobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
// are each customer's orders up to the as-of day, every month, so they
// are recomputed from all the lines of the customers core touched (both
// sides of a merge) and of those with an order line between the base and
// the new as-of days' ends.
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
	lifetime   []arrow.RecordBatch // lifetime: their customer rows
	// seconds of the plan, the months' lines, the lifetime rows (read
	// and model) and the write, for the job message
	planSec, linesSec, lifetimeSec, writeSec float64
}

// monthArgs are the parameters of the month_*.sql files.
type monthArgs struct {
	Status, End, Ranges               string
	Mart, AsOf, Base, AsOfPeriod      string
	Months, Keep, Also, First, Period string
	MonthRow, Customers, From, To     string
	All                               bool
}

// monthSQL renders a month file for the running job, refusing one that
// names a table the job does not declare.
func (r *run) monthSQL(name string, a monthArgs) (string, error) {
	declared := append(slices.Clone(reads[r.job]), extraWrites[r.job]...)
	if u := queries.Undeclared(name, declared); len(u) > 0 {
		return "", fmt.Errorf("job %s: sql/%s.sql reads %s, which the job does not declare (metricjobs reads)", r.job, name, strings.Join(u, ", "))
	}
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
	return queries.Render(name, d, a)
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
		n, err := warehouse.Int64(r.ctx, r.wh, fmt.Sprintf("SELECT count(*) FROM %s WHERE as_of = CAST(? AS DATE)", spec.mart), ch.AsOf.Format(time.DateOnly))
		if err != nil {
			return fmt.Errorf("count the base rows of %s: %w", spec.mart, err)
		}
		base = n > 0
	}
	if !base {
		return full(fmt.Sprintf("no %s rows for the base as-of date %s", spec.mart, ch.AsOf.Format(time.DateOnly)))
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
	// The as-of month's rows depend on the as-of day: when it moved, every
	// month between the two as-of months is recomputed. Moving forward, a
	// line coming into the window is read with its month, and the other
	// months of its order follow (monthLines); moving back, the orders of
	// the lines leaving the window are found here.
	if b := ch.AsOf.Format(time.DateOnly); b != r.asOf.Format(time.DateOnly) {
		lo, hi := ch.AsOf, r.asOf
		if hi.Before(lo) {
			lo, hi = hi, lo
			q, err := r.monthSQL("asof_months", monthArgs{From: r.end,
				To: tsLiteral(r.wh, time.Date(hi.Year(), hi.Month(), hi.Day()+1, 0, 0, 0, 0, r.common.Location))})
			if err != nil {
				return err
			}
			if err := r.addMonths(months, q); err != nil {
				return fmt.Errorf("read the months of orders leaving the as-of window: %w", err)
			}
		}
		for m := time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(hi); m = m.AddDate(0, 1, 0) {
			months[m.Format("2006-01")] = true
		}
	}
	if spec.lifetime {
		p.customers = ch.CustomersSQL()
		if b := ch.AsOf.Format(time.DateOnly); b != r.asOf.Format(time.DateOnly) {
			bEnd := time.Date(ch.AsOf.Year(), ch.AsOf.Month(), ch.AsOf.Day()+1, 0, 0, 0, 0, r.common.Location)
			nEnd := r.asOf.AddDate(0, 0, 1)
			lo, hi := min(bEnd.UnixMicro(), nEnd.UnixMicro()), max(bEnd.UnixMicro(), nEnd.UnixMicro())
			q, err := r.monthSQL("asof_customers", monthArgs{From: tsLiteral(r.wh, time.UnixMicro(lo)), To: tsLiteral(r.wh, time.UnixMicro(hi)), Customers: "NULL"})
			if err != nil {
				return err
			}
			p.customers += " UNION " + q
		}
		// The customers recomputed, kept for the statements that read and
		// replace their rows (the query joins core_changes and the lines).
		if err := r.wh.InTx(r.ctx, func(tx warehouse.Tx) error {
			if err := warehouse.CreateTable(r.ctx, tx, "profit_touched", touchedSchema); err != nil {
				return err
			}
			if err := tx.Exec(r.ctx, `DELETE FROM profit_touched WHERE true`); err != nil {
				return err
			}
			q, err := r.monthSQL("touched_customers", monthArgs{})
			if err != nil {
				return err
			}
			return tx.Exec(r.ctx, q)
		}); err != nil {
			return fmt.Errorf("list the customers whose lifetime rows are recomputed: %w", err)
		}
		p.customers = "SELECT customer_id FROM profit_touched"
	}
	for m := range months {
		if m <= p.asOfPeriod {
			p.months = append(p.months, m)
		}
	}
	slices.Sort(p.months)
	return nil
}

// addMonths adds to months the business-zone months of the times query q
// returns.
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

// lifetimeLines reads every line up to the as-of day of the customers
// whose lifetime rows are recomputed (nil on a full recompute).
func (r *run) lifetimeLines() ([]arrow.RecordBatch, error) {
	p := r.plan
	if p == nil || p.full || !p.spec.lifetime {
		return nil, nil
	}
	n, err := warehouse.Int64(r.ctx, r.wh, `SELECT count(*) FROM profit_touched`)
	if err != nil || n == 0 {
		return nil, err
	}
	q, err := r.monthSQL("customer_lines", monthArgs{})
	if err != nil {
		return nil, err
	}
	return r.query("order_lines of the customers recomputed", q)
}

// keepLifetime keeps the customer rows of recs (batches of a run over the
// lifetime lines) as the plan's lifetime rows; it releases recs.
func (r *run) keepLifetime(recs []arrow.RecordBatch) error {
	defer warehouse.Release(recs)
	kept, err := keepRows(recs, "level", func(v string, ok bool) bool { return ok && v == "customer" })
	if err != nil {
		return err
	}
	r.plan.lifetime = kept
	return nil
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
		defer warehouse.Release(p.lifetime)
		recs = append(kept, p.lifetime...)
	}
	for _, rec := range recs {
		n += rec.NumRows()
	}
	err := r.wh.InTx(r.ctx, func(tx warehouse.Tx) error {
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
	also, keep := "FALSE", "FALSE"
	if p.spec.lifetime {
		also = "level = 'customer' AND customer_id IN (" + p.customers + ")"
		keep = "level = 'customer' AND customer_id NOT IN (" + p.customers + ")"
	}
	if err := exec("month_clear", monthArgs{All: !same, Also: also}); err != nil {
		return err
	}
	if !same {
		if err := exec("month_keep", monthArgs{Keep: keep}); err != nil {
			return err
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

// touchedSchema is profit_touched: the customers whose lifetime rows a
// profit run recomputes (the job's scratch, filled at each incremental run).
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
		JobProfit: append([]string{"orders", "kept_order_lines", JobProfit, "profit_touched", jobs.WatermarksTable}, jobs.ChangeLogTables...),
	}
	extraWrites = map[string][]string{
		JobSales:  {jobs.WatermarksTable, "sales_customer_regions"},
		JobProfit: {jobs.WatermarksTable, "profit_touched"},
	}
)

func init() {
	for j, ts := range monthReads {
		reads[j] = append(reads[j], ts...)
	}
}

// profitLifetime computes, on an incremental run, the customer rows of the
// customers recomputed from all their lines.
func (r *run) profitLifetime(products []arrow.RecordBatch) error {
	if r.plan == nil || r.plan.full {
		return nil
	}
	t0 := time.Now()
	defer func() { r.plan.lifetimeSec = time.Since(t0).Seconds() }()
	lines, err := r.lifetimeLines()
	if err != nil {
		return err
	}
	recs, _, err := metrics.Profit(lines, products, metrics.ProfitOptions{Common: r.common})
	if err != nil {
		return err
	}
	return r.keepLifetime(recs)
}
