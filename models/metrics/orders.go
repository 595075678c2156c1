package metrics

import (
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// OrderColumns lists the columns read from order batches (one row per
// order, like the core table orders). customer_id, order_ts and net_amount
// are required; channel, status, store_id, associate_id and purchase are
// optional. purchase (a boolean) is the warehouse's shared purchase rule
// evaluated per order (jobs.PurchasePredicate); the metrics that take it
// (Growth) count exactly the orders it marks, in place of their own rule
// (net amount above zero, status not cancelled).
var OrderColumns = []string{"channel", "order_id", "order_ts", "customer_id", "store_id", "associate_id", "status", "net_amount", "purchase"}

// OrderStats counts what happened to the orders read.
type OrderStats struct {
	// Orders is the number of order rows read.
	Orders int64
	// Purchases are the identified orders up to the as-of date that are
	// purchases (non-cancelled with net_amount above zero, or marked by the
	// purchase column where the metric takes it): the only ones the metric
	// uses.
	Purchases int64
	// AnonymousPurchases would be purchases but have no customer.
	AnonymousPurchases int64
	// CancelledOrders have a cancelled status.
	CancelledOrders int64
	// NonPositiveOrders net zero or less (fully refunded, free).
	NonPositiveOrders int64
	// NotPurchases are the orders the purchase column marks false (a
	// return, an order refunded in full, an amount under the minimum),
	// when the metric takes that column.
	NotPurchases int64
	// LaterOrders are dated after the as-of day; UndatedOrders have no time.
	LaterOrders, UndatedOrders int64
}

// orderBook holds identified purchases with dense ids, grouped by customer
// in time order.
type orderBook struct {
	cust  []int32
	ts    []int64
	day   []int32
	chn   []int32
	store []int32 // -1 none
	assoc []int32 // -1 none
	net   []float64

	assocs  *interner
	byCust  csr
	stats   OrderStats
	custSrc *keySource
	custPos []int32 // per purchase: position in custSrc
}

// scanOrders reads the purchases and adds their customers to d.custKeys;
// finish completes the book once the customers are built. With byColumn
// and a purchase column in the batch, that column alone says which dated
// orders up to the as-of day are purchases; otherwise a purchase has a net
// amount above zero and a status that is not cancelled.
func scanOrders(recs []arrow.RecordBatch, d *dims, cal *Calendar, cancelled []string, byColumn bool) (*orderBook, error) {
	n := numRows(recs)
	b := &orderBook{assocs: newInterner(256)}
	b.ts = make([]int64, 0, n)
	b.chn = make([]int32, 0, n)
	b.store = make([]int32, 0, n)
	b.assoc = make([]int32, 0, n)
	b.net = make([]float64, 0, n)
	b.custPos = make([]int32, 0, n)
	b.custSrc = d.custKeys.source()
	canc := newCancelSet(cancelled)
	for bi, rec := range recs {
		t := table{name: "orders", rec: rec}
		cust, err := t.str("customer_id", true)
		if err != nil {
			return nil, wrapBatch("orders", bi, err)
		}
		ts, err := t.ts("order_ts", true, cal)
		if err != nil {
			return nil, wrapBatch("orders", bi, err)
		}
		net, err := t.num("net_amount", true)
		if err != nil {
			return nil, wrapBatch("orders", bi, err)
		}
		ch, err := t.str("channel", false)
		if err != nil {
			return nil, wrapBatch("orders", bi, err)
		}
		status, err := t.str("status", false)
		if err != nil {
			return nil, wrapBatch("orders", bi, err)
		}
		store, err := t.str("store_id", false)
		if err != nil {
			return nil, wrapBatch("orders", bi, err)
		}
		assoc, err := t.str("associate_id", false)
		if err != nil {
			return nil, wrapBatch("orders", bi, err)
		}
		var purchase *boolCol
		if byColumn {
			if purchase, err = t.flag("purchase", false); err != nil {
				return nil, wrapBatch("orders", bi, err)
			}
		}
		b.custSrc.batch(cust)
		rows := int(rec.NumRows())
		b.stats.Orders += int64(rows)
		prevChStr, prevCh := "", int32(-1)
		prevStore, prevStoreID := "", int32(-1)
		for i := 0; i < rows; i++ {
			ok := false
			tus := ts.at(i)
			v := net.at(i)
			switch {
			case !ts.valid(i):
				b.stats.UndatedOrders++
			case tus >= cal.endUS:
				b.stats.LaterOrders++
			case purchase != nil && !purchase.at(i):
				b.stats.NotPurchases++
			case purchase != nil:
				ok = cust.valid(i) && cust.at(i) != ""
				if !ok {
					b.stats.AnonymousPurchases++
				}
			case status.valid(i) && canc.cancelled(status.at(i)):
				b.stats.CancelledOrders++
			case !(v > 0) || math.IsInf(v, 0):
				b.stats.NonPositiveOrders++
			case !cust.valid(i) || cust.at(i) == "":
				b.stats.AnonymousPurchases++
			default:
				ok = true
			}
			if !ok {
				b.custSrc.add(0, "")
				continue
			}
			b.stats.Purchases++
			b.custPos = append(b.custPos, int32(b.custSrc.add(0, cust.at(i))))
			chs := ch.at(i)
			if prevCh < 0 || chs != prevChStr {
				prevCh, prevChStr = d.channels.id(orUnknown(chs)), chs
			}
			s, a := int32(-1), int32(-1)
			if v := store.at(i); v != "" {
				if prevStoreID < 0 || v != prevStore {
					prevStore, prevStoreID = v, d.storeID(v)
				}
				s = prevStoreID
			}
			if v := assoc.at(i); v != "" {
				a = b.assocs.id(v)
			}
			b.ts = append(b.ts, tus)
			b.chn = append(b.chn, prevCh)
			b.store = append(b.store, s)
			b.assoc = append(b.assoc, a)
			b.net = append(b.net, v)
		}
	}
	b.day = make([]int32, len(b.ts))
	for i, t := range b.ts {
		b.day[i] = cal.Day(t)
	}
	return b, nil
}

// finish sets the purchases' customers once the customer keys are built
// and groups the purchases by customer in time order.
func (b *orderBook) finish(d *dims) {
	b.cust = make([]int32, len(b.custPos))
	for i, pos := range b.custPos {
		b.cust[i] = b.custSrc.id(int(pos))
	}
	b.custPos = nil
	b.byCust = buildCSR(b.cust, d.nCust())
	parallel(d.nCust(), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			items := b.byCust.items(int32(c))
			if len(items) > 1 {
				slices.SortFunc(items, func(x, y int32) int {
					if b.ts[x] != b.ts[y] {
						if b.ts[x] < b.ts[y] {
							return -1
						}
						return 1
					}
					return int(x - y)
				})
			}
		}
	})
	// Lay the purchases out customer by customer, in time order, so the
	// metrics read them in sequence (the columns are gathered by two
	// workers).
	perm := b.byCust.perm
	tasks := []func(){
		func() { b.ts = gather(b.ts, perm) },
		func() { b.net = gather(b.net, perm) },
		func() { b.cust = gather(b.cust, perm); b.day = gather(b.day, perm) },
		func() { b.chn = gather(b.chn, perm); b.store = gather(b.store, perm) },
		func() { b.assoc = gather(b.assoc, perm) },
	}
	parallel(len(tasks), func(lo, hi int) {
		for _, t := range tasks[lo:hi] {
			t()
		}
	})
	for i := range perm {
		perm[i] = int32(i)
	}
}

func gather[T any](v []T, perm []int32) []T {
	out := make([]T, len(perm))
	for i, p := range perm {
		out[i] = v[p]
	}
	return out
}

// readOrders is scanOrders, the customers build and finish, for metrics
// whose other customer sources were added to d.custKeys before.
func readOrders(recs []arrow.RecordBatch, d *dims, cal *Calendar, cancelled []string, byColumn bool) (*orderBook, error) {
	b, err := scanOrders(recs, d, cal, cancelled, byColumn)
	if err != nil {
		return nil, err
	}
	d.buildCustomers()
	b.finish(d)
	return b, nil
}

// firstPurchaseAt returns the index in items of the first order at or
// after us (items sorted by time).
func (b *orderBook) firstAtOrAfter(items []int32, us int64) int {
	lo, hi := 0, len(items)
	for lo < hi {
		m := (lo + hi) / 2
		if b.ts[items[m]] < us {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
