package valuejobs

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/cohort"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// The cohort matrix from per-customer contributions. Every cell of
// cohort_retention is a sum over the customers of its cohort month and
// dimension value: cohort_size counts them, customers_active counts those
// who bought in month c+k, revenue sums their purchases of that month;
// retention_pct and cum_revenue_per_customer follow from those. A
// customer's part depends only on their own purchases up to the as-of day
// (the cohort is the month of the first, in the business time zone),
// their first purchase's channel and category (products) and their
// golden-record region. So the job keeps, per customer, cohort_members
// (cohort month and the three attributes) and cohort_activity (revenue per
// month with a purchase), and a nightly recomputes them only for the
// customers core touched (both sides of a merge), those whose region
// changed and, when the as-of date moved, those with a purchase between
// the two as-of days' ends; the matrix is then summed from the kept
// contributions (sql/cohort/cells.sql), which costs one pass over them,
// not over the purchases and their lines.
//
// Full recompute (cohort.Compute from every purchase, the reference; the
// contributions are written from the same inputs): run --full, no
// watermark or core rebuilt or settings changed (time zone,
// models.clv.min_amount, product categories), contributions missing;
// BigQuery always (no change log there).

//go:embed sql/cohort/*.sql
var cohortFS embed.FS

var cohortSQL = sqlfile.MustParse(cohortFS, "sql/cohort")

var (
	// cohortMembersSchema is cohort_members: per customer with a purchase
	// up to the as-of day, the cohort month (year*12 + month - 1) and the
	// attributes the matrix splits by.
	cohortMembersSchema = arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "cohort_ix", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "first_channel", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "first_category", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	// cohortActivitySchema is cohort_activity: per customer and month with
	// a purchase (month_ix as cohort_ix), the revenue of those purchases.
	cohortActivitySchema = arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "month_ix", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "revenue", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	// cohortTouchedSchema is cohort_touched, the customers a nightly
	// recomputes (the job's scratch, emptied at each run).
	cohortTouchedSchema = arrow.NewSchema([]arrow.Field{{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
)

// cohortState are the tables the cohorts job keeps besides its mart.
var cohortState = []string{"cohort_members", "cohort_activity", "cohort_touched", jobs.WatermarksTable}

// cohortPlan is how one cohorts run brings the matrix up to date.
type cohortPlan struct {
	ch     jobs.Changes
	hash   string
	full   bool
	reason string
}

// planCohorts decides between the full and the incremental path; nil on a
// warehouse without the change log.
func planCohorts(ctx context.Context, env *jobs.Env, loc *time.Location) (*cohortPlan, error) {
	wh := env.WH
	if !warehouse.CapabilitiesOf(wh.Dialect()).IncrementalUpdates {
		return nil, nil
	}
	h := sha256.New()
	fmt.Fprintf(h, "cohorts 1\n%s\n%v\n%s\n", loc, env.Cfg.Models.CLV.MinAmount, strings.Join(CohortDimensions, ","))
	for _, t := range []string{"products", "customers"} {
		ok, err := warehouse.TableExists(ctx, wh, t)
		if err != nil {
			return nil, fmt.Errorf("look up %s: %w", t, err)
		}
		fmt.Fprintf(h, "%s %v\n", t, ok)
		if ok && t == "products" {
			q, err := cohortSQL.Render("products_hash", warehouse.SQLOf(wh.Dialect()), nil)
			if err != nil {
				return nil, err
			}
			var s *string
			if err := wh.QueryRow(ctx, q, nil, &s); err != nil {
				return nil, fmt.Errorf("fingerprint products: %w", err)
			}
			if s != nil {
				fmt.Fprintf(h, "%s\n", *s)
			}
		}
	}
	p := &cohortPlan{hash: hex.EncodeToString(h.Sum(nil))[:16]}
	ch, err := jobs.ChangesSince(ctx, wh, JobCohorts, p.hash, loc)
	if err != nil {
		return nil, err
	}
	p.ch = ch
	switch {
	case env.Full:
		p.full, p.reason = true, "run --full"
	case ch.Everything:
		p.full, p.reason = true, ch.Reason
	}
	for _, t := range []string{"cohort_members", "cohort_activity", MartCohorts} {
		if p.full {
			break
		}
		ok, err := warehouse.TableExists(ctx, wh, t)
		if err != nil {
			return nil, fmt.Errorf("look up %s: %w", t, err)
		}
		if !ok {
			p.full, p.reason = true, "no "+t+" yet"
		}
	}
	return p, nil
}

// monthCalendar maps instants (UTC microseconds) to months (year*12 +
// month - 1) of a time zone, for instants from lo on.
type monthCalendar struct {
	first  int32
	starts []int64 // starts[i]: the first instant of month first+i
	loc    *time.Location
}

func newMonthCalendar(lo int64, loc *time.Location) *monthCalendar {
	y, m, _ := time.UnixMicro(lo).In(loc).Date()
	c := &monthCalendar{first: int32(y*12 + int(m) - 1), loc: loc}
	c.starts = append(c.starts, time.Date(y, m, 1, 0, 0, 0, 0, loc).UnixMicro())
	return c
}

func (c *monthCalendar) of(us int64) int32 {
	for us >= c.next() {
		i := int32(len(c.starts))
		mi := c.first + i
		c.starts = append(c.starts, time.Date(int(mi/12), time.Month(mi%12+1), 1, 0, 0, 0, 0, c.loc).UnixMicro())
	}
	i := sort.Search(len(c.starts), func(i int) bool { return c.starts[i] > us }) - 1
	return c.first + int32(i)
}

func (c *monthCalendar) next() int64 {
	mi := c.first + int32(len(c.starts))
	return time.Date(int(mi/12), time.Month(mi%12+1), 1, 0, 0, 0, 0, c.loc).UnixMicro()
}

// contributions builds cohort_members and cohort_activity rows from
// purchases (id of each, order_ts in UTC microseconds, net amount) and the
// attributes of each customer id (first_channel, region, first_category;
// missing: NULL). The caller releases the two batches.
func contributions(ids []string, ts []int64, amts []float64, attrs map[string][3]*string, loc *time.Location) (members, activity arrow.RecordBatch) {
	lo := int64(1<<63 - 1)
	for _, t := range ts {
		lo = min(lo, t)
	}
	type key struct {
		id string
		m  int32
	}
	cohortOf := map[string]int32{}
	rev := map[key]float64{}
	var order []key
	if len(ts) > 0 {
		cal := newMonthCalendar(lo, loc)
		for i, id := range ids {
			m := cal.of(ts[i])
			if c, ok := cohortOf[id]; !ok || m < c {
				cohortOf[id] = m
			}
			k := key{id, m}
			if _, ok := rev[k]; !ok {
				order = append(order, k)
			}
			rev[k] += amts[i]
		}
	}
	mb := array.NewRecordBuilder(memory.DefaultAllocator, cohortMembersSchema)
	defer mb.Release()
	custs := make([]string, 0, len(cohortOf))
	for id := range cohortOf {
		custs = append(custs, id)
	}
	sort.Strings(custs)
	str := func(b array.Builder, s *string) {
		if s == nil {
			b.AppendNull()
			return
		}
		b.(*array.StringBuilder).Append(*s)
	}
	for _, id := range custs {
		mb.Field(0).(*array.StringBuilder).Append(id)
		mb.Field(1).(*array.Int32Builder).Append(cohortOf[id])
		a := attrs[id]
		for j := 0; j < 3; j++ {
			str(mb.Field(2+j), a[j])
		}
	}
	ab := array.NewRecordBuilder(memory.DefaultAllocator, cohortActivitySchema)
	defer ab.Release()
	for _, k := range order {
		ab.Field(0).(*array.StringBuilder).Append(k.id)
		ab.Field(1).(*array.Int32Builder).Append(k.m)
		ab.Field(2).(*array.Float64Builder).Append(rev[k])
	}
	return mb.NewRecordBatch(), ab.NewRecordBatch()
}

// readAttributes reads the cohort attributes query's rows by customer id
// (the query has customer_id, first_channel, region, first_category).
func readAttributes(recs []arrow.RecordBatch) (map[string][3]*string, map[int64]string, error) {
	out := map[string][3]*string{}
	byIx := map[int64]string{}
	for _, r := range recs {
		cols := map[string]int{}
		for i, f := range r.Schema().Fields() {
			cols[f.Name] = i
		}
		for _, c := range []string{"customer_ix", "customer_id", "first_channel", "region", "first_category"} {
			if _, ok := cols[c]; !ok {
				return nil, nil, fmt.Errorf("cohort attributes: no column %s in %s", c, r.Schema())
			}
		}
		for i := 0; i < int(r.NumRows()); i++ {
			id := warehouse.StringAt(r, cols["customer_id"], i)
			var a [3]*string
			for j, c := range []string{"first_channel", "region", "first_category"} {
				if r.Column(cols[c]).IsValid(i) {
					s := warehouse.StringAt(r, cols[c], i)
					a[j] = &s
				}
			}
			out[id] = a
			byIx[warehouse.Int64At(r, cols["customer_ix"], i)] = id
		}
	}
	return out, byIx, nil
}

// purchaseColumns reads (customer, order_ts µs, net_amount) from batches
// whose first column is the customer (customer_ix numbered by byIx, or
// customer_id when byIx is nil).
func purchaseColumns(recs []arrow.RecordBatch, byIx map[int64]string) ([]string, []int64, []float64, error) {
	var ids []string
	var ts []int64
	var amts []float64
	for _, r := range recs {
		tcol, ok := r.Column(1).(*array.Timestamp)
		if !ok {
			return nil, nil, nil, fmt.Errorf("purchases: order_ts is %s, not a timestamp", r.Column(1).DataType())
		}
		unit := tcol.DataType().(*arrow.TimestampType).Unit
		for i := 0; i < int(r.NumRows()); i++ {
			if r.Column(0).IsNull(i) || tcol.IsNull(i) || r.Column(2).IsNull(i) {
				continue
			}
			var id string
			if byIx != nil {
				id = byIx[warehouse.Int64At(r, 0, i)]
			} else {
				id = warehouse.StringAt(r, 0, i)
			}
			ids = append(ids, id)
			ts = append(ts, tcol.Value(i).ToTime(unit).UnixMicro())
			amts = append(amts, warehouse.FloatAt(r, 2, i))
		}
	}
	return ids, ts, amts, nil
}

// writeCohortsFull writes the full recompute: the mart's as-of rows, every
// customer's contributions (from the same purchases and attributes) and
// the watermark, in one transaction.
func writeCohortsFull(ctx context.Context, env *jobs.Env, p *cohortPlan, asOf time.Time, loc *time.Location, rec arrow.RecordBatch,
	orders, customers []arrow.RecordBatch) error {
	attrs, byIx, err := readAttributes(customers)
	if err != nil {
		return err
	}
	ids, ts, amts, err := purchaseColumns(orders, byIx)
	if err != nil {
		return err
	}
	members, activity := contributions(ids, ts, amts, attrs, loc)
	defer members.Release()
	defer activity.Release()
	return env.WH.InTx(ctx, func(tx warehouse.Tx) error {
		if err := jobs.WriteMartTx(ctx, tx, MartCohorts, asOf, cohort.MartSchema, []arrow.RecordBatch{rec}); err != nil {
			return err
		}
		for _, t := range []struct {
			name   string
			schema *arrow.Schema
			rec    arrow.RecordBatch
		}{{"cohort_members", cohortMembersSchema, members}, {"cohort_activity", cohortActivitySchema, activity}} {
			if err := warehouse.RecreateTable(ctx, tx, t.name, t.schema); err != nil {
				return fmt.Errorf("create %s: %w", t.name, err)
			}
			if _, err := tx.Load(ctx, t.name, t.rec); err != nil {
				return fmt.Errorf("write %s: %w", t.name, err)
			}
		}
		return jobs.SetWatermark(ctx, tx, JobCohorts, p.ch.To, p.hash, asOf)
	})
}

// runCohortsIncremental brings the contributions of the customers touched
// up to date and sums the matrix from all of them.
func runCohortsIncremental(ctx context.Context, env *jobs.Env, p *cohortPlan, asOf time.Time, loc *time.Location, end string) (jobs.Result, error) {
	t0 := time.Now()
	d := warehouse.SQLOf(env.WH.Dialect())
	purchase := "(" + jobs.PurchasePredicate(env.Cfg.Models.CLV.MinAmount) + ")"
	endTS, err := time.Parse(time.RFC3339, end)
	if err != nil {
		return jobs.Result{}, fmt.Errorf("as-of end %q: %w", end, err)
	}
	regions, err := warehouse.TableExists(ctx, env.WH, "customers")
	if err != nil {
		return jobs.Result{}, fmt.Errorf("look up customers: %w", err)
	}
	args := struct {
		Changed, Purchase, From, To, End, Table, Mart, AsOf string
		Regions, Window                                     bool
		AsOfIx                                              int
	}{Changed: p.ch.CustomersSQL(), Purchase: purchase, Regions: regions, End: d.TimestampUTC(endTS), Mart: MartCohorts,
		AsOf: d.String(asOf.Format(time.DateOnly)), AsOfIx: asOf.Year()*12 + int(asOf.Month()) - 1}
	if b := p.ch.AsOf; b.Format(time.DateOnly) != asOf.Format(time.DateOnly) {
		bEnd := time.Date(b.Year(), b.Month(), b.Day()+1, 0, 0, 0, 0, loc)
		lo, hi := bEnd, endTS
		if hi.Before(lo) {
			lo, hi = hi, lo
		}
		args.Window, args.From, args.To = true, d.TimestampUTC(lo), d.TimestampUTC(hi)
	}
	render := func(name string) (string, error) {
		if u := cohortSQL.Undeclared(name, cohortReads()); len(u) > 0 {
			return "", fmt.Errorf("job cohorts: sql/cohort/%s.sql names undeclared tables %v", name, u)
		}
		return cohortSQL.Render(name, d, args)
	}
	src, err := customersSource(ctx, env.WH)
	if err != nil {
		return jobs.Result{}, err
	}
	lines, err := linesSource(ctx, env.WH)
	if err != nil {
		return jobs.Result{}, err
	}
	var touched, rows int64
	err = env.WH.InTx(ctx, func(tx warehouse.Tx) error {
		exec := func(name string) error {
			q, err := render(name)
			if err != nil {
				return err
			}
			if err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("cohorts: %s: %w", name, err)
			}
			return nil
		}
		if err := warehouse.CreateTable(ctx, tx, "cohort_touched", cohortTouchedSchema); err != nil {
			return fmt.Errorf("create cohort_touched: %w", err)
		}
		if err := tx.Exec(ctx, `DELETE FROM cohort_touched WHERE true`); err != nil {
			return fmt.Errorf("clear cohort_touched: %w", err)
		}
		if err := exec("touched"); err != nil {
			return err
		}
		var err error
		if touched, err = warehouse.Int64(ctx, tx, `SELECT count(*) FROM cohort_touched`); err != nil {
			return fmt.Errorf("count cohort_touched: %w", err)
		}
		q, err := render("purchases")
		if err != nil {
			return err
		}
		prec, err := tx.Query(ctx, q)
		defer warehouse.Release(prec)
		if err != nil {
			return fmt.Errorf("read the purchases of the customers touched: %w", err)
		}
		arec, err := tx.Query(ctx, fmt.Sprintf(cohortCustomersSQL(d, env.Cfg.Models.CLV.MinAmount,
			"AND customer_id IN (SELECT customer_id FROM cohort_touched)"), lines, src), end)
		defer warehouse.Release(arec)
		if err != nil {
			return fmt.Errorf("read the cohort attributes of the customers touched: %w", err)
		}
		attrs, _, err := readAttributes(arec)
		if err != nil {
			return err
		}
		ids, ts, amts, err := purchaseColumns(prec, nil)
		if err != nil {
			return err
		}
		members, activity := contributions(ids, ts, amts, attrs, loc)
		defer members.Release()
		defer activity.Release()
		for _, t := range []struct {
			name string
			rec  arrow.RecordBatch
		}{{"cohort_members", members}, {"cohort_activity", activity}} {
			args.Table = t.name
			if err := exec("clear"); err != nil {
				return err
			}
			if _, err := tx.Load(ctx, t.name, t.rec); err != nil {
				return fmt.Errorf("write %s: %w", t.name, err)
			}
		}
		if err := jobs.EnsureMart(ctx, tx, MartCohorts, cohort.MartSchema); err != nil {
			return err
		}
		if err := tx.Exec(ctx, `DELETE FROM `+MartCohorts+` WHERE as_of = CAST(? AS DATE)`, asOf.Format(time.DateOnly)); err != nil {
			return fmt.Errorf("clear %s for %s: %w", MartCohorts, asOf.Format(time.DateOnly), err)
		}
		if err := exec("cells"); err != nil {
			return err
		}
		if rows, err = warehouse.Int64(ctx, tx, `SELECT count(*) FROM `+MartCohorts+` WHERE as_of = CAST(? AS DATE)`, asOf.Format(time.DateOnly)); err != nil {
			return fmt.Errorf("count %s: %w", MartCohorts, err)
		}
		return jobs.SetWatermark(ctx, tx, JobCohorts, p.ch.To, p.hash, asOf)
	})
	if err != nil {
		return jobs.Result{}, err
	}
	return jobs.Result{RowsIn: touched, RowsOut: rows,
		Message: fmt.Sprintf("as of %s: contributions of %d customers recomputed (changed since the last run), %d cells summed from the kept contributions; %.2fs",
			asOf.Format("2006-01-02"), touched, rows, time.Since(t0).Seconds())}, nil
}

// cohortReads are the tables the cohorts job reads.
func cohortReads() []string {
	return append([]string{"orders", "order_lines", "kept_order_lines", "products", "customers", MartCohorts}, append(cohortState, jobs.ChangeLogTables...)...)
}
