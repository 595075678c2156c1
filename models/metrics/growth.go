package metrics

import (
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// DefaultChurnDays is the churn window when GrowthOptions.ChurnDays is 0.
const DefaultChurnDays = 365

// GrowthOptions configures Growth.
type GrowthOptions struct {
	Common
	// ChurnDays is the window after a purchase within which the next
	// purchase must come for the customer to stay active (0: 365).
	ChurnDays int
}

// GrowthStats is what Growth counted besides its rows.
type GrowthStats struct {
	OrderStats
	// Customers is the number of customers with a purchase.
	Customers int64
}

// Growth dimensions (besides DimTotal and DimRegion).
const (
	// DimFirstChannel splits customers by the channel of their first purchase.
	DimFirstChannel = "first_channel"
)

// GrowthSchema is the schema of the growth mart: one row per period
// (month), dimension (total, first_channel, region) and key.
//
// A customer is active on a day when their last purchase on or before it
// is at most churn_days days earlier. Per month: new_customers made their
// first purchase (after stitching, any channel); reactivated_customers
// bought after a gap of more than churn_days days; returning_customers are
// the other buyers; churned_customers reached churn_days + 1 days after a
// purchase without another one (counted on that day, only up to the as-of
// date). active_start is the number active at the end of the previous
// month, net_growth = new + reactivations - churns, active_end =
// active_start + net_growth (at the as-of date for the as-of month),
// net_growth_rate = net_growth / active_start. With churn_days of 31 or
// more a customer churns or reactivates at most once a month, so the
// counts are customers; below that, reactivations and churns are events.
// Region is the customer's (golden record), else that of the store of the
// first purchase, else 'unknown'.
var GrowthSchema = arrow.NewSchema([]arrow.Field{
	field("as_of", tDate), field("period", tString), field("dimension", tString), field("key", tString),
	field("active_start", tInt), field("buyers", tInt), field("new_customers", tInt), field("returning_customers", tInt),
	field("reactivated_customers", tInt), field("churned_customers", tInt), field("net_growth", tInt),
	field("net_growth_rate", tFloat), field("active_end", tInt), field("churn_days", tInt),
}, nil)

type growthAcc struct {
	buyers, newc, returning, reactivated, churned, reactEvents int64
}

// Growth computes new, returning, reactivated and churned customers and the
// net growth rate per month, in total and per first channel and region,
// from orders (OrderColumns), customers (customer_id, region) and stores
// (store_id, region; for customers without a region). Only identified
// purchases count: when orders has a purchase column (the shared rule,
// jobs.PurchasePredicate, as the growth job reads it) exactly the orders it
// marks, so a $0.00 purchase counts and a customer whose only orders are
// returns is no buyer, as in cohorts, RFM and CLV; without the column,
// orders with net_amount above zero and a status that is not cancelled. The caller releases the returned batches, which have
// GrowthSchema.
func Growth(orders, customers, stores []arrow.RecordBatch, opt GrowthOptions) ([]arrow.RecordBatch, GrowthStats, error) {
	recs, _, st, err := growth(orders, customers, stores, opt, false)
	return recs, st, err
}

// growth is Growth, with every customer's contributions when contrib is
// set (GrowthContributions).
func growth(orders, customers, stores []arrow.RecordBatch, opt GrowthOptions, contrib bool) ([]arrow.RecordBatch, GrowthContrib, GrowthStats, error) {
	var st GrowthStats
	var out GrowthContrib
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, out, st, err
	}
	W := int32(opt.ChurnDays)
	if W <= 0 {
		W = DefaultChurnDays
	}
	d := newDims(numRows(orders))
	if err := d.readCustomers(customers); err != nil {
		return nil, out, st, err
	}
	if err := d.readStores(stores); err != nil {
		return nil, out, st, err
	}
	b, err := readOrders(orders, d, cal, opt.CancelledStatuses, true)
	if err != nil {
		return nil, out, st, err
	}
	st.OrderStats = b.stats
	asOfDay, asOfMonth := cal.asOfDay, cal.AsOfMonth()
	minMonth := asOfMonth
	for _, dd := range b.day {
		minMonth = min(minMonth, monthOfDay(dd))
	}
	nMonths := asOfMonth - minMonth + 1

	nChan := int32(d.channels.len())
	nReg := int32(d.regions.len()) + 1
	G := 1 + nChan + nReg
	acc := make([]growthAcc, int(nMonths)*int(G))
	var ms []growthMonth
	var cw *contribWriter
	if contrib {
		cw = newContribWriter(opt.AsOf)
	}
	for c := int32(0); c < int32(d.nCust()); c++ {
		items := b.byCust.items(c)
		if len(items) == 0 {
			continue
		}
		st.Customers++
		first := growthFirst(b, d, items)
		reg := d.custRegion[c]
		if reg < 0 && b.store[first] >= 0 {
			reg = d.storeRegion[b.store[first]]
		}
		keys := [3]int32{0, 1 + b.chn[first], 1 + nChan + reg + 1}
		var last int32
		ms, last = growthCustomer(b, items, W, ms[:0])
		if cw != nil {
			cw.customer(d, c, b.chn[first], reg, ms, last+W+1)
		}
		for _, x := range ms {
			for _, k := range keys {
				acc[(x.m-minMonth)*G+k].add(x.a)
			}
		}
		if cd := last + W + 1; cd <= asOfDay {
			for _, k := range keys {
				acc[(monthOfDay(cd)-minMonth)*G+k].churned++
			}
		}
	}

	blocks := []growthBlock{
		{DimTotal, 0, 1, func(int32) string { return "all" }},
		{DimFirstChannel, 1, nChan, d.channels.name},
		{DimRegion, 1 + nChan, nReg, func(k int32) string { return d.regionName(k - 1) }},
	}
	if cw != nil {
		out = cw.done()
	}
	return growthRows(acc, minMonth, nMonths, G, blocks, W, opt.AsOf), out, st, nil
}

// growthBlock is one dimension of the growth accumulators: keys base to
// base+n-1 of each month's G, named by key.
type growthBlock struct {
	name string
	base int32
	n    int32
	key  func(int32) string
}

// growthRows writes the mart rows from the per-month accumulators (acc[mi*G+k]
// for month minMonth+mi and key k): the running active count per key, month
// by month, and a row for every total and every key active at the month's
// start or with buyers or churns in it, sorted by key within a dimension.
func growthRows(acc []growthAcc, minMonth, nMonths, G int32, blocks []growthBlock, W int32, asOf time.Time) []arrow.RecordBatch {
	active := make([]int64, G)
	start := make([]int64, len(acc))
	for mi := int32(0); mi < nMonths; mi++ {
		for g := int32(0); g < G; g++ {
			a := &acc[mi*G+g]
			start[mi*G+g] = active[g]
			active[g] += a.newc + a.reactEvents - a.churned
		}
	}
	w := newWriter(GrowthSchema, asOf)
	for mi := int32(0); mi < nMonths; mi++ {
		period := Period(mi + minMonth)
		for _, blk := range blocks {
			ks := make([]int32, 0, blk.n)
			for k := int32(0); k < blk.n; k++ {
				g := mi*G + blk.base + k
				a := &acc[g]
				if blk.name == DimTotal || start[g] != 0 || a.buyers != 0 || a.churned != 0 {
					ks = append(ks, k)
				}
			}
			sort.Slice(ks, func(i, j int) bool { return blk.key(ks[i]) < blk.key(ks[j]) })
			for _, k := range ks {
				g := mi*G + blk.base + k
				a := &acc[g]
				net := a.newc + a.reactEvents - a.churned
				w.row()
				w.str(period)
				w.str(blk.name)
				w.str(blk.key(k))
				w.i64(start[g])
				w.i64(a.buyers)
				w.i64(a.newc)
				w.i64(a.returning)
				w.i64(a.reactivated)
				w.i64(a.churned)
				w.i64(net)
				w.f64(ratio(float64(net), float64(start[g])))
				w.i64(start[g] + net)
				w.i64(int64(W))
			}
		}
	}
	return w.done()
}
