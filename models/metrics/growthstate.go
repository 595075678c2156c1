package metrics

import (
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Growth from per-customer contributions. Every count of the growth mart
// is a sum over customers: per month, a buyer adds 1 to buyers and to one
// of new, returning or reactivated; each gap of more than churn_days days
// between two purchases adds a reactivation event in the month of the
// later purchase and a churn on the day churn_days + 1 after the earlier
// one; and the last purchase adds a churn on the day churn_days + 1 after
// it once the as-of date reaches that day. active_start and active_end
// are running sums of those counts and net_growth_rate their ratio. All of
// it lands under the customer's first channel and region. So a customer's
// part depends on their own purchases up to the as-of day, their
// golden-record region and the stores' regions (for a customer without
// one), and on the as-of date only through the last churn: a job can keep
// the rows below and replace only those of the customers whose purchases
// or region changed.

// GrowthContribSchema is one customer's contribution to the growth mart in
// one month (period 'YYYY-MM'), under the customer's first channel and
// region: buyers 1 in a month with a purchase and exactly one of
// new_customers, returning_customers and reactivated_customers then;
// reactivations and churned count the gap events (churned here leaves out
// the churn after the last purchase, which is in GrowthCustomerSchema).
// computed_as_of is the as-of date the row was computed for (purchases
// after it not counted).
var GrowthContribSchema = arrow.NewSchema([]arrow.Field{
	field("computed_as_of", tDate), field("customer_id", tString), field("period", tString),
	field("first_channel", tString), field("region", tString),
	field("buyers", tInt), field("new_customers", tInt), field("returning_customers", tInt),
	field("reactivated_customers", tInt), field("reactivations", tInt), field("churned", tInt),
}, nil)

// GrowthCustomerSchema is one row per customer with a purchase: the first
// channel and region the customer's contributions are counted under,
// customer_region the customers-table region that decided it (NULL: none,
// the region came from the first purchase's store or is 'unknown'), and
// churn_date, the day churn_days + 1 after the last purchase, with its
// month churn_period: the customer churns there once the as-of date is on
// or after churn_date.
var GrowthCustomerSchema = arrow.NewSchema([]arrow.Field{
	field("computed_as_of", tDate), field("customer_id", tString), field("first_channel", tString), field("region", tString),
	field("customer_region", tString), field("churn_date", tDate), field("churn_period", tString),
}, nil)

// GrowthContrib is every customer's contribution to the growth mart:
// Months has GrowthContribSchema, Customers GrowthCustomerSchema.
type GrowthContrib struct {
	Months, Customers []arrow.RecordBatch
}

// Release releases the batches.
func (c GrowthContrib) Release() {
	for _, recs := range [][]arrow.RecordBatch{c.Months, c.Customers} {
		for _, r := range recs {
			r.Release()
		}
	}
}

// The class of a buyer in a month: the highest one reached wins.
const (
	clNone = iota
	clReturning
	clReactivated
	clNew
)

// growthMonth is one customer's counts in one month that do not depend on
// the as-of date (every count but the churn after the last purchase).
type growthMonth struct {
	m int32
	a growthAcc
}

func (a *growthAcc) add(b growthAcc) {
	a.buyers += b.buyers
	a.newc += b.newc
	a.returning += b.returning
	a.reactivated += b.reactivated
	a.churned += b.churned
	a.reactEvents += b.reactEvents
}

// growthCustomer appends to out the counts per month of one customer's
// purchases items (in time order; purchases on a day already seen count
// once) and returns them with the day of the last purchase.
func growthCustomer(b *orderBook, items []int32, W int32, out []growthMonth) ([]growthMonth, int32) {
	at := func(m int32) *growthAcc {
		for i := len(out) - 1; i >= 0; i-- {
			if out[i].m == m {
				return &out[i].a
			}
		}
		out = append(out, growthMonth{m: m})
		return &out[len(out)-1].a
	}
	curMonth, class := int32(-1), clNone
	closeMonth := func() {
		if curMonth < 0 {
			return
		}
		a := at(curMonth)
		a.buyers++
		switch class {
		case clNew:
			a.newc++
		case clReactivated:
			a.reactivated++
		default:
			a.returning++
		}
	}
	prev := int32(-1 << 30)
	for j, o := range items {
		dd := b.day[o]
		if j > 0 && dd <= prev {
			continue
		}
		m := monthOfDay(dd)
		if m != curMonth {
			closeMonth()
			curMonth, class = m, clReturning
		}
		if j == 0 {
			class = clNew
		} else if dd-prev > W {
			// The churn day comes before this purchase, so before the
			// as-of day: it counts whatever the as-of date.
			at(monthOfDay(prev+W+1)).churned++
			at(m).reactEvents++
			if class < clReactivated {
				class = clReactivated
			}
		}
		prev = dd
	}
	closeMonth()
	return out, prev
}

// growthFirst is the customer's first purchase among items (in time
// order): of the purchases at the first instant, the one with the least
// channel, then store, so the first channel and the store region do not
// depend on the order the rows were read in.
func growthFirst(b *orderBook, d *dims, items []int32) int32 {
	first := items[0]
	for _, o := range items[1:] {
		if b.ts[o] != b.ts[first] {
			break
		}
		cf, co := d.channels.name(b.chn[first]), d.channels.name(b.chn[o])
		if co < cf || co == cf && storeKey(d, b.store[o]) < storeKey(d, b.store[first]) {
			first = o
		}
	}
	return first
}

func storeKey(d *dims, s int32) string {
	if s < 0 {
		return ""
	}
	return d.store.name(s)
}

// GrowthContributions is Growth with every customer's contributions
// besides its rows (see GrowthContribSchema), from one read of the
// inputs: summing the contributions' counts per period, first channel and
// region, adding the churns of the customers whose churn_date is on or
// before the as-of date, and passing the sums to GrowthFromCells gives
// Growth's rows. The caller releases the batches.
func GrowthContributions(orders, customers, stores []arrow.RecordBatch, opt GrowthOptions) ([]arrow.RecordBatch, GrowthContrib, GrowthStats, error) {
	return growth(orders, customers, stores, opt, true)
}

// contribWriter writes the contribution rows of the customers walked.
type contribWriter struct {
	months, customers *writer
	periods           map[int32]string // Period of a month index, made once per month
}

func newContribWriter(asOf time.Time) *contribWriter {
	return &contribWriter{newWriter(GrowthContribSchema, asOf), newWriter(GrowthCustomerSchema, asOf), map[int32]string{}}
}

func (w *contribWriter) period(m int32) string {
	p, ok := w.periods[m]
	if !ok {
		p = Period(m)
		w.periods[m] = p
	}
	return p
}

// customer writes customer c's rows: its counts per month ms, counted
// under channel ch and region reg (-1: unknown), and the day it churns
// after its last purchase.
func (w *contribWriter) customer(d *dims, c, ch, reg int32, ms []growthMonth, churnDay int32) {
	name, chName, region := d.custName(c), d.channels.name(ch), d.regionName(reg)
	for _, x := range ms {
		w.months.row()
		w.months.str(name)
		w.months.str(w.period(x.m))
		w.months.str(chName)
		w.months.str(region)
		for _, v := range []int64{x.a.buyers, x.a.newc, x.a.returning, x.a.reactivated, x.a.reactEvents, x.a.churned} {
			w.months.i64(v)
		}
	}
	w.customers.row()
	w.customers.str(name)
	w.customers.str(chName)
	w.customers.str(region)
	if r := d.custRegion[c]; r >= 0 {
		w.customers.str(d.regionName(r))
	} else {
		w.customers.null()
	}
	w.customers.date(arrow.Date32(churnDay))
	w.customers.str(w.period(monthOfDay(churnDay)))
}

func (w *contribWriter) done() GrowthContrib {
	return GrowthContrib{Months: w.months.done(), Customers: w.customers.done()}
}

// GrowthFromCells builds the growth mart from summed contributions: rows
// of period, first_channel, region and the counts buyers, new_customers,
// returning_customers, reactivated_customers, reactivations and churned
// (any numeric type; several rows with the same key are added up), the
// churn after each customer's last purchase included where the as-of date
// reached it. The rows are Growth's over the same purchases.
func GrowthFromCells(cells []arrow.RecordBatch, opt GrowthOptions) ([]arrow.RecordBatch, error) {
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, err
	}
	W := int32(opt.ChurnDays)
	if W <= 0 {
		W = DefaultChurnDays
	}
	channels, regions := newInterner(16), newInterner(64)
	type key struct{ m, ch, reg int32 }
	sums := map[key]*growthAcc{}
	asOfMonth := cal.AsOfMonth()
	minMonth := asOfMonth
	counts := []string{"buyers", "new_customers", "returning_customers", "reactivated_customers", "reactivations", "churned"}
	for bi, rec := range cells {
		t := table{name: "growth cells", rec: rec}
		period, err := t.str("period", true)
		if err != nil {
			return nil, wrapBatch(t.name, bi, err)
		}
		ch, err := t.str("first_channel", true)
		if err != nil {
			return nil, wrapBatch(t.name, bi, err)
		}
		reg, err := t.str("region", true)
		if err != nil {
			return nil, wrapBatch(t.name, bi, err)
		}
		cols := make([]*numCol, len(counts))
		for i, name := range counts {
			if cols[i], err = t.num(name, true); err != nil {
				return nil, wrapBatch(t.name, bi, err)
			}
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			m, err := parsePeriod(period.at(i))
			if err != nil {
				return nil, wrapBatch(t.name, bi, fmt.Errorf("row %d: column period: %w", i, err))
			}
			if m > asOfMonth {
				return nil, wrapBatch(t.name, bi, fmt.Errorf("row %d: period %s is after the as-of month %s", i, Period(m), Period(asOfMonth)))
			}
			var v [6]int64
			for j, c := range cols {
				f := c.at(i)
				if math.IsNaN(f) || f != math.Trunc(f) {
					return nil, wrapBatch(t.name, bi, fmt.Errorf("row %d: column %s is %v, not a count", i, counts[j], f))
				}
				v[j] = int64(f)
			}
			k := key{m, channels.id(orUnknown(ch.at(i))), regions.id(orUnknown(reg.at(i)))}
			a := sums[k]
			if a == nil {
				a = &growthAcc{}
				sums[k] = a
			}
			a.add(growthAcc{buyers: v[0], newc: v[1], returning: v[2], reactivated: v[3], reactEvents: v[4], churned: v[5]})
			minMonth = min(minMonth, m)
		}
	}
	nMonths := asOfMonth - minMonth + 1
	nChan, nReg := int32(channels.len()), int32(regions.len())
	G := 1 + nChan + nReg
	acc := make([]growthAcc, int(nMonths)*int(G))
	for k, a := range sums {
		base := (k.m - minMonth) * G
		for _, g := range []int32{0, 1 + k.ch, 1 + nChan + k.reg} {
			acc[base+g].add(*a)
		}
	}
	blocks := []growthBlock{
		{DimTotal, 0, 1, func(int32) string { return "all" }},
		{DimFirstChannel, 1, nChan, channels.name},
		{DimRegion, 1 + nChan, nReg, regions.name},
	}
	return growthRows(acc, minMonth, nMonths, G, blocks, W, opt.AsOf), nil
}
