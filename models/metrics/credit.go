package metrics

import (
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// DefaultCreditWindowDays is the credit window when CreditOptions.WindowDays is 0.
const DefaultCreditWindowDays = 365

// DefaultStoreChannels are the channels whose orders are store purchases.
var DefaultStoreChannels = []string{"pos"}

// CreditOptions configures ChannelCredit.
type CreditOptions struct {
	Common
	// WindowDays is how long after a customer's first (store) purchase
	// their e-commerce purchases are credited to that store (0: 365).
	WindowDays int
	// StoreChannels are the channels of store purchases (nil: pos); every
	// other channel is e-commerce.
	StoreChannels []string
}

// CreditStats is what ChannelCredit counted besides its rows.
type CreditStats struct {
	OrderStats
	// Customers bought at least once; StoreRecruited first bought in a
	// store, of whom NoAssociate with no associate on that receipt;
	// StoreFirstWithoutStore first bought in a store channel with no
	// store_id (not credited).
	Customers, StoreRecruited, NoAssociate, StoreFirstWithoutStore int64
	// CreditedOrders and CreditedRevenue are the e-commerce purchases
	// credited to stores.
	CreditedOrders  int64
	CreditedRevenue float64
}

// CreditSchema is the schema of the channel_credit mart: per period
// (month), rows of level 'store' (associate_id NULL) and 'associate' (per
// store and associate; associate_id NULL when the recruiting receipt had
// none). A customer whose first purchase (after stitching, any channel)
// was in a store is recruited by that store and the receipt's associate;
// their e-commerce purchases after it and within window_days days of it
// are credited there: online_orders and online_revenue (net) in the month
// of the online purchase, online_buyers the distinct customers behind
// them. recruited_customers counts the customers recruited in the month.
var CreditSchema = arrow.NewSchema([]arrow.Field{
	field("as_of", tDate), field("period", tString), field("level", tString),
	field("store_id", tString), field("store_name", tString), field("region", tString), field("associate_id", tString),
	field("recruited_customers", tInt), field("online_buyers", tInt), field("online_orders", tInt), field("online_revenue", tFloat),
	field("window_days", tInt),
}, nil)

type creditAcc struct {
	recruited, buyers, orders int64
	revenue                   float64
}

// ChannelCredit credits e-commerce purchases of store-recruited customers
// to the recruiting store and associate, from orders (OrderColumns, with
// store_id and associate_id) and stores (store_id, store_name, region).
// The caller releases the returned batches, which have CreditSchema.
func ChannelCredit(orders, stores []arrow.RecordBatch, opt CreditOptions) ([]arrow.RecordBatch, CreditStats, error) {
	var st CreditStats
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, st, err
	}
	win := opt.WindowDays
	if win <= 0 {
		win = DefaultCreditWindowDays
	}
	winUS := int64(win) * usPerDay
	d := newDims(numRows(orders))
	if err := d.readStores(stores); err != nil {
		return nil, st, err
	}
	b, err := readOrders(orders, d, cal, opt.CancelledStatuses, false)
	if err != nil {
		return nil, st, err
	}
	st.OrderStats = b.stats
	storeCh := creditStoreChannels(d, opt.StoreChannels)
	asOfMonth := cal.AsOfMonth()
	minMonth := asOfMonth
	for _, dd := range b.day {
		minMonth = min(minMonth, monthOfDay(dd))
	}
	nMonths := asOfMonth - minMonth + 1

	pairs := map[creditPair]int32{}
	var pairList []creditPair
	acc := map[int64]*creditAcc{} // month<<32 | pair
	get := func(mi, p int32) *creditAcc {
		k := int64(mi)<<32 | int64(p)
		a := acc[k]
		if a == nil {
			a = &creditAcc{}
			acc[k] = a
		}
		return a
	}
	walkCredit(d, b, storeCh, winUS, &st, func(_ int32, store, assoc, month int32, recruited, orders int64, revenue float64, newMonth bool) {
		pr := creditPair{store, assoc}
		p, ok := pairs[pr]
		if !ok {
			p = int32(len(pairList))
			pairs[pr] = p
			pairList = append(pairList, pr)
		}
		a := get(month-minMonth, p)
		a.recruited += recruited
		a.orders += orders
		a.revenue += revenue
		if newMonth {
			a.buyers++
		}
	})
	return creditRows(d, b.assocs, pairList, acc, minMonth, nMonths, win, opt.AsOf), st, nil
}

// creditVisit receives one contribution of customer c to the (store,
// associate) pair in month (an absolute month index): recruited 1 with no
// order for the recruiting receipt, or one credited order of revenue;
// newMonth is true on the customer's first credited order of that month
// (the customer is one of the month's online buyers).
type creditVisit func(c, store, assoc, month int32, recruited, orders int64, revenue float64, newMonth bool)

// walkCredit walks every customer's purchases in time order: a customer
// whose first purchase is a store purchase with a store is recruited by
// that store and the receipt's associate, and their e-commerce purchases
// after it and before t0 + winUS are credited there. It counts the
// customers into st. What one customer contributes depends on that
// customer's purchases alone.
func walkCredit(d *dims, b *orderBook, storeCh []bool, winUS int64, st *CreditStats, visit creditVisit) {
	for c := int32(0); c < int32(d.nCust()); c++ {
		items := b.byCust.items(c)
		if len(items) == 0 {
			continue
		}
		st.Customers++
		first := items[0]
		if !storeCh[b.chn[first]] {
			continue
		}
		if b.store[first] < 0 {
			st.StoreFirstWithoutStore++
			continue
		}
		st.StoreRecruited++
		if b.assoc[first] < 0 {
			st.NoAssociate++
		}
		s, a := b.store[first], b.assoc[first]
		visit(c, s, a, monthOfDay(b.day[first]), 1, 0, 0, false)
		t0 := b.ts[first]
		lastMonth := int32(-1)
		for _, o := range items[1:] {
			if b.ts[o] >= t0+winUS {
				break
			}
			if storeCh[b.chn[o]] || b.ts[o] <= t0 {
				continue
			}
			m := monthOfDay(b.day[o])
			visit(c, s, a, m, 0, 1, b.net[o], m != lastMonth)
			lastMonth = m
			st.CreditedOrders++
			st.CreditedRevenue += b.net[o]
		}
	}
}

// creditPair is a (store, associate) pair of dims ids (associate -1: none).
type creditPair struct{ store, assoc int32 }

// creditRows writes the mart rows of the accumulators acc (key
// month-minMonth<<32 | index in pairList): per month, a store row summing
// the store's pairs, then the pairs' rows, ordered by store id and
// associate id (none first).
func creditRows(d *dims, assocs *interner, pairList []creditPair, acc map[int64]*creditAcc, minMonth, nMonths int32, win int, asOf time.Time) []arrow.RecordBatch {
	// Order pairs by store id, then associate id (none first).
	order := make([]int32, len(pairList))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(i, j int) bool {
		a, b2 := pairList[order[i]], pairList[order[j]]
		sa, sb := d.store.name(a.store), d.store.name(b2.store)
		if sa != sb {
			return sa < sb
		}
		return assocs.name(a.assoc) < assocs.name(b2.assoc)
	})
	w := newWriter(CreditSchema, asOf)
	emit := func(period, level string, store, assoc int32, a *creditAcc) {
		w.row()
		w.str(period)
		w.str(level)
		w.str(d.store.name(store))
		w.str(d.storeName[store])
		w.str(d.regionName(d.storeRegion[store]))
		w.str(assocs.name(assoc))
		w.i64(a.recruited)
		w.i64(a.buyers)
		w.i64(a.orders)
		w.f64(a.revenue)
		w.i64(int64(win))
	}
	for mi := int32(0); mi < nMonths; mi++ {
		period := Period(mi + minMonth)
		// store level
		for i := 0; i < len(order); {
			s := pairList[order[i]].store
			var sum creditAcc
			any := false
			j := i
			for ; j < len(order) && pairList[order[j]].store == s; j++ {
				if a := acc[int64(mi)<<32|int64(order[j])]; a != nil {
					any = true
					sum.recruited += a.recruited
					sum.buyers += a.buyers
					sum.orders += a.orders
					sum.revenue += a.revenue
				}
			}
			if any {
				emit(period, "store", s, -1, &sum)
			}
			i = j
		}
		for _, p := range order {
			if a := acc[int64(mi)<<32|int64(p)]; a != nil {
				emit(period, "associate", pairList[p].store, pairList[p].assoc, a)
			}
		}
	}
	return w.done()
}
