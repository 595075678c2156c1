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
		// first_order and first_us (order_ts in UTC microseconds) are the
		// first purchase first_category was read from: a nightly reads
		// lines only for customers whose first purchase is another or
		// was touched (sql/cohort/attributes.sql).
		{Name: "first_order", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "first_us", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	// cohortActivitySchema is cohort_activity: per customer and month with
	// a purchase (month_ix as cohort_ix), the revenue of those purchases,
	// with the customer's cohort month and cohort_members attributes as
	// their key in cohort_keys (cohortkeys.go), so that the matrix is
	// summed from this table and the small key table alone (no join of
	// every activity row to its member).
	cohortActivitySchema = arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "month_ix", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "revenue", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "key", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	// cohortTouchedSchema is cohort_touched, the customers a nightly
	// recomputes (the job's scratch, emptied at each run).
	cohortTouchedSchema = arrow.NewSchema([]arrow.Field{{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
)

// cohortState are the tables the cohorts job keeps besides its mart.
var cohortState = []string{"cohort_members", "cohort_activity", "cohort_keys", "cohort_touched", jobs.WatermarksTable}

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
	fmt.Fprintf(h, "cohorts 4\n%s\n%v\n%s\n", loc, env.Cfg.Models.CLV.MinAmount, strings.Join(CohortDimensions, ","))
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
	for _, t := range []string{"cohort_members", "cohort_activity", "cohort_keys", MartCohorts} {
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
	if p.full && env.Log != nil {
		env.Log.Info("cohorts from every purchase", "reason", p.reason)
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
// purchases (the customer's dense index into names and attrs, order_ts in
// UTC microseconds, net amount; attrs: first_channel, region,
// first_category, nil for NULL). Customers are keyed by index, not id, so
// that a full run's few million purchases cost no string hashing. The
// caller releases the two batches. keys numbers the activity's keys.
func contributions(cust []int32, a *customerAttrs, ts []int64, amts []float64, loc *time.Location, keys *cohortKeyer) (members, activity arrow.RecordBatch) {
	names, attrs := a.names, a.attrs
	const none = int32(1<<31 - 1)
	cohortOf := make([]int32, len(names))
	for i := range cohortOf {
		cohortOf[i] = none
	}
	type cell struct {
		c, m int32
		rev  float64
	}
	var cells []cell
	at := map[uint64]int{}
	if len(ts) > 0 {
		lo := ts[0]
		for _, t := range ts {
			lo = min(lo, t)
		}
		cal := newMonthCalendar(lo, loc)
		for i, c := range cust {
			m := cal.of(ts[i])
			cohortOf[c] = min(cohortOf[c], m)
			k := uint64(uint32(c))<<32 | uint64(uint32(m))
			j, ok := at[k]
			if !ok {
				j = len(cells)
				at[k] = j
				cells = append(cells, cell{c: c, m: m})
			}
			cells[j].rev += amts[i]
		}
	}
	mb := array.NewRecordBuilder(memory.DefaultAllocator, cohortMembersSchema)
	defer mb.Release()
	for c, name := range names {
		if cohortOf[c] == none {
			continue
		}
		mb.Field(0).(*array.StringBuilder).Append(name)
		mb.Field(1).(*array.Int32Builder).Append(cohortOf[c])
		for j := 0; j < 3; j++ {
			if v := attrs[c][j]; v != nil {
				mb.Field(2 + j).(*array.StringBuilder).Append(*v)
			} else {
				mb.Field(2 + j).AppendNull()
			}
		}
		if f := a.first[c]; f.order != nil {
			mb.Field(5).(*array.StringBuilder).Append(*f.order)
			mb.Field(6).(*array.Int64Builder).Append(f.us)
		} else {
			mb.Field(5).AppendNull()
			mb.Field(6).AppendNull()
		}
	}
	ab := array.NewRecordBuilder(memory.DefaultAllocator, cohortActivitySchema)
	defer ab.Release()
	ab.Reserve(len(cells))
	keyOf := map[int32]int32{}
	for _, x := range cells {
		key, ok := keyOf[x.c]
		if !ok {
			key = keys.key(cohortOf[x.c], attrs[x.c])
			keyOf[x.c] = key
		}
		ab.Field(0).(*array.StringBuilder).Append(names[x.c])
		ab.Field(1).(*array.Int32Builder).Append(x.m)
		ab.Field(2).(*array.Float64Builder).Append(x.rev)
		ab.Field(3).(*array.Int32Builder).Append(key)
	}
	return mb.NewRecordBatch(), ab.NewRecordBatch()
}

// customerAttrs are the cohort attributes query's rows: names[i] is a
// customer id, attrs[i] its first_channel, region and first_category, and
// byIx and byID give i for the query's customer_ix and for an id.
type customerAttrs struct {
	names []string
	attrs [][3]*string
	first []firstPurchase // the first purchase, when the query gives it
	byIx  map[int64]int32
	byID  map[string]int32
}

// firstPurchase is a customer's first purchase: its order id (nil: not
// known) and time in UTC microseconds.
type firstPurchase struct {
	order *string
	us    int64
}

// readAttributes reads the cohort attributes query's rows (customer_ix,
// customer_id, first_channel, region, first_category; first_order and
// first_ts when present).
func readAttributes(recs []arrow.RecordBatch) (*customerAttrs, error) {
	n := warehouse.NumRows(recs)
	a := &customerAttrs{names: make([]string, 0, n), attrs: make([][3]*string, 0, n), byIx: make(map[int64]int32, n), byID: map[string]int32{}}
	for _, r := range recs {
		cols := map[string]int{}
		for i, f := range r.Schema().Fields() {
			cols[f.Name] = i
		}
		for _, c := range []string{"customer_ix", "customer_id", "first_channel", "region", "first_category"} {
			if _, ok := cols[c]; !ok {
				return nil, fmt.Errorf("cohort attributes: no column %s in %s", c, r.Schema())
			}
		}
		oc, hasOrder := cols["first_order"]
		tc, hasTS := cols["first_ts"]
		var tcol *array.Timestamp
		var unit arrow.TimeUnit
		if hasTS {
			var ok bool
			if tcol, ok = r.Column(tc).(*array.Timestamp); !ok {
				return nil, fmt.Errorf("cohort attributes: first_ts is %s, not a timestamp", r.Column(tc).DataType())
			}
			unit = tcol.DataType().(*arrow.TimestampType).Unit
		}
		for i := 0; i < int(r.NumRows()); i++ {
			var v [3]*string
			for j, c := range []string{"first_channel", "region", "first_category"} {
				if r.Column(cols[c]).IsValid(i) {
					s := warehouse.StringAt(r, cols[c], i)
					v[j] = &s
				}
			}
			var f firstPurchase
			if hasOrder && hasTS && r.Column(oc).IsValid(i) && tcol.IsValid(i) {
				o := warehouse.StringAt(r, oc, i)
				f = firstPurchase{order: &o, us: tcol.Value(i).ToTime(unit).UnixMicro()}
			}
			a.first = append(a.first, f)
			a.byIx[warehouse.Int64At(r, cols["customer_ix"], i)] = int32(len(a.names))
			a.names = append(a.names, warehouse.StringAt(r, cols["customer_id"], i))
			a.attrs = append(a.attrs, v)
		}
	}
	return a, nil
}

// purchaseColumns reads (customer, order_ts µs, net_amount) from batches
// whose first column is the customer: customer_ix when byID is false,
// else customer_id; the customer becomes its index in a (a purchase of a
// customer a does not list is an error).
func purchaseColumns(recs []arrow.RecordBatch, a *customerAttrs, byID bool) ([]int32, []int64, []float64, error) {
	n := warehouse.NumRows(recs)
	cust, ts, amts := make([]int32, 0, n), make([]int64, 0, n), make([]float64, 0, n)
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
			var c int32
			var ok bool
			if byID {
				c, ok = a.byID[warehouse.StringAt(r, 0, i)]
			} else {
				c, ok = a.byIx[warehouse.Int64At(r, 0, i)]
			}
			if !ok {
				return nil, nil, nil, fmt.Errorf("purchases: customer in row %d has no cohort attributes", i)
			}
			cust = append(cust, c)
			ts = append(ts, tcol.Value(i).ToTime(unit).UnixMicro())
			amts = append(amts, warehouse.FloatAt(r, 2, i))
		}
	}
	return cust, ts, amts, nil
}

// writeCohortsFull writes the full recompute: the mart's as-of rows, every
// customer's contributions (from the same purchases and attributes) and
// the watermark, in one transaction.
func writeCohortsFull(ctx context.Context, env *jobs.Env, p *cohortPlan, asOf time.Time, loc *time.Location, rec arrow.RecordBatch,
	orders, customers []arrow.RecordBatch) error {
	attrs, err := readAttributes(customers)
	if err != nil {
		return err
	}
	cust, ts, amts, err := purchaseColumns(orders, attrs, false)
	if err != nil {
		return err
	}
	keyer, err := newCohortKeyer(nil)
	if err != nil {
		return err
	}
	members, activity := contributions(cust, attrs, ts, amts, loc, keyer)
	defer members.Release()
	defer activity.Release()
	keys := keyer.addedKeys()
	defer keys.Release()
	return env.WH.InTx(ctx, func(tx warehouse.Tx) error {
		if err := jobs.WriteMartTx(ctx, tx, MartCohorts, asOf, cohort.MartSchema, []arrow.RecordBatch{rec}); err != nil {
			return err
		}
		for _, t := range []struct {
			name   string
			schema *arrow.Schema
			rec    arrow.RecordBatch
		}{{"cohort_members", cohortMembersSchema, members}, {"cohort_activity", cohortActivitySchema, activity}, {"cohort_keys", cohortKeysSchema, keys}} {
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
	var tTouched, tRead, tWrite time.Time // ends of the phases, for the message
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
		if err := tx.Exec(ctx, valueStatement(d, "touched_clear", nil)); err != nil {
			return fmt.Errorf("clear cohort_touched: %w", err)
		}
		if err := exec("touched"); err != nil {
			return err
		}
		var err error
		if touched, err = warehouse.Int64(ctx, tx, valueStatement(d, "touched_count", nil)); err != nil {
			return fmt.Errorf("count cohort_touched: %w", err)
		}
		tTouched = time.Now()
		q, err := render("purchases")
		if err != nil {
			return err
		}
		prec, err := tx.Query(ctx, q)
		defer warehouse.Release(prec)
		if err != nil {
			return fmt.Errorf("read the purchases of the customers touched: %w", err)
		}
		aq := cohortCustomersSQL(d, env.Cfg.Models.CLV.MinAmount, valueStatement(d, "touched_only", nil), lines, src)
		if lines == rawLinesSQL {
			if aq, err = attributesSQL(d, env.Cfg.Models.CLV.MinAmount, p.ch, src != valueStatement(warehouse.SQLOf(nil), "no_regions", nil)); err != nil {
				return err
			}
		}
		arec, err := tx.Query(ctx, aq, end)
		defer warehouse.Release(arec)
		if err != nil {
			return fmt.Errorf("read the cohort attributes of the customers touched: %w", err)
		}
		attrs, err := readAttributes(arec)
		if err != nil {
			return err
		}
		for i, id := range attrs.names {
			attrs.byID[id] = int32(i)
		}
		cust, ts, amts, err := purchaseColumns(prec, attrs, true)
		if err != nil {
			return err
		}
		q, err = render("keys")
		if err != nil {
			return err
		}
		stored, err := tx.Query(ctx, q)
		defer warehouse.Release(stored)
		if err != nil {
			return fmt.Errorf("read cohort_keys: %w", err)
		}
		keyer, err := newCohortKeyer(stored)
		if err != nil {
			return err
		}
		tRead = time.Now()
		members, activity := contributions(cust, attrs, ts, amts, loc, keyer)
		defer members.Release()
		defer activity.Release()
		if len(keyer.added) > 0 {
			keys := keyer.addedKeys()
			defer keys.Release()
			if _, err := tx.Load(ctx, "cohort_keys", keys); err != nil {
				return fmt.Errorf("write cohort_keys: %w", err)
			}
		}
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
		if err := tx.Exec(ctx, valueStatement(d, "mart_clear", nil), asOf.Format(time.DateOnly)); err != nil {
			return fmt.Errorf("clear %s for %s: %w", MartCohorts, asOf.Format(time.DateOnly), err)
		}
		tWrite = time.Now()
		if err := exec("cells"); err != nil {
			return err
		}
		if rows, err = warehouse.Int64(ctx, tx, valueStatement(d, "mart_count", nil), asOf.Format(time.DateOnly)); err != nil {
			return fmt.Errorf("count %s: %w", MartCohorts, err)
		}
		return jobs.SetWatermark(ctx, tx, JobCohorts, p.ch.To, p.hash, asOf)
	})
	if err != nil {
		return jobs.Result{}, err
	}
	return jobs.Result{RowsIn: touched, RowsOut: rows,
		Message: fmt.Sprintf("as of %s: contributions of %d customers recomputed (changed since the last run), %d cells summed from the kept contributions; touched %.2fs, read %.2fs, contributions %.2fs, cells %.2fs; %.2fs",
			asOf.Format("2006-01-02"), touched, rows, tTouched.Sub(t0).Seconds(), tRead.Sub(tTouched).Seconds(), tWrite.Sub(tRead).Seconds(),
			time.Since(tWrite).Seconds(), time.Since(t0).Seconds())}, nil
}

// cohortReads are the tables the cohorts job reads.
func cohortReads() []string {
	return append([]string{"orders", "order_lines", "kept_order_lines", "products", "customers", MartCohorts}, append(cohortState, jobs.ChangeLogTables...)...)
}

// attributesSQL is sql/cohort/attributes.sql: the cohort attributes of the
// customers touched, reading order lines only for those whose first
// purchase changed (ch: the changes since the watermark; regions: the
// customers table has the region column).
func attributesSQL(d warehouse.SQL, minAmount float64, ch jobs.Changes, regions bool) (string, error) {
	if u := cohortSQL.Undeclared("attributes", cohortReads()); len(u) > 0 {
		return "", fmt.Errorf("job cohorts: sql/cohort/attributes.sql names undeclared tables %v", u)
	}
	first, firstCols := d.ArgMinCols([]string{"order_ts", "channel", "order_id"},
		[]string{"channel", "order_id", "order_ts"}, []string{"first_channel", "first_order", "first_ts"})
	return cohortSQL.Render("attributes", d, struct {
		Purchase, First, FirstCols, FirstCat string
		From, To                             int64
		Regions                              bool
	}{"(" + jobs.PurchasePredicate(minAmount) + ")", first, firstCols, d.ArgMinOf("pr.category", d.Neg("l.net_amount"), "pr.category"),
		ch.From, ch.To, regions})
}
