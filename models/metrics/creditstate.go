package metrics

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// CreditContribSchema is one customer's contribution to the channel_credit
// mart: per month, the (store, associate) pair that recruited the customer
// (associate_id NULL when the receipt had none), recruited 1 in the month
// of the recruiting receipt, the customer's credited online orders and
// revenue in the month and buyers 1 when there is at least one. Every
// column of the mart except the store's name and region is the sum of
// these rows over customers, so a job can keep them and replace only the
// rows of customers whose orders changed. computed_as_of is the as-of
// date the contribution was computed for (orders after it not counted).
var CreditContribSchema = arrow.NewSchema([]arrow.Field{
	field("computed_as_of", tDate), field("customer_id", tString), field("period", tString),
	field("store_id", tString), field("associate_id", tString),
	field("recruited", tInt), field("buyers", tInt), field("orders", tInt), field("revenue", tFloat),
}, nil)

// CreditContributions is ChannelCredit per customer: from the same orders
// and options, the rows (CreditContribSchema) each customer adds to the
// mart. Summing them per period, store and associate and passing the sums
// to CreditFromContributions gives ChannelCredit's rows.
func CreditContributions(orders []arrow.RecordBatch, opt CreditOptions) ([]arrow.RecordBatch, CreditStats, error) {
	var st CreditStats
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, st, err
	}
	win := opt.WindowDays
	if win <= 0 {
		win = DefaultCreditWindowDays
	}
	d := newDims(numRows(orders))
	b, err := readOrders(orders, d, cal, opt.CancelledStatuses, false)
	if err != nil {
		return nil, st, err
	}
	st.OrderStats = b.stats
	storeCh := creditStoreChannels(d, opt.StoreChannels)
	w := newWriter(CreditContribSchema, opt.AsOf)
	type open struct {
		c, store, assoc, month int32
		acc                    creditAcc
	}
	var cur *open
	flush := func() {
		if cur == nil {
			return
		}
		w.row()
		w.str(d.custName(cur.c))
		w.str(Period(cur.month))
		w.str(d.store.name(cur.store))
		w.str(b.assocs.name(cur.assoc))
		w.i64(cur.acc.recruited)
		w.i64(cur.acc.buyers)
		w.i64(cur.acc.orders)
		w.f64(cur.acc.revenue)
		cur = nil
	}
	// A customer's visits come together, in non-decreasing months.
	walkCredit(d, b, storeCh, int64(win)*usPerDay, &st, func(c, store, assoc, month int32, recruited, orders int64, revenue float64, newMonth bool) {
		if cur != nil && (cur.c != c || cur.month != month) {
			flush()
		}
		if cur == nil {
			cur = &open{c: c, store: store, assoc: assoc, month: month}
		}
		cur.acc.recruited += recruited
		cur.acc.orders += orders
		cur.acc.revenue += revenue
		if newMonth {
			cur.acc.buyers++
		}
	})
	flush()
	return w.done(), st, nil
}

// CreditFromContributions writes the channel_credit mart (CreditSchema) for
// opt.AsOf from contributions (period, store_id, associate_id, recruited,
// buyers, orders, revenue; rows with the same period, store and associate
// are added up, so per-customer rows and pre-aggregated sums both do) and
// stores (store_id, store_name, region). Only opt.AsOf, opt.Location and
// opt.WindowDays are used.
func CreditFromContributions(contrib, stores []arrow.RecordBatch, opt CreditOptions) ([]arrow.RecordBatch, error) {
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, err
	}
	win := opt.WindowDays
	if win <= 0 {
		win = DefaultCreditWindowDays
	}
	d := newDims(0)
	if err := d.readStores(stores); err != nil {
		return nil, err
	}
	assocs := newInterner(256)
	type key struct {
		month int32
		pair  creditPair
	}
	sums := map[key]*creditAcc{}
	pairs := map[creditPair]int32{}
	var pairList []creditPair
	asOfMonth := cal.AsOfMonth()
	minMonth, maxMonth := asOfMonth, asOfMonth
	for bi, rec := range contrib {
		t := table{name: "credit contributions", rec: rec}
		period, err := t.str("period", true)
		if err != nil {
			return nil, wrapBatch(t.name, bi, err)
		}
		store, err := t.str("store_id", true)
		if err != nil {
			return nil, wrapBatch(t.name, bi, err)
		}
		assoc, err := t.str("associate_id", true)
		if err != nil {
			return nil, wrapBatch(t.name, bi, err)
		}
		cols := make([]*numCol, 4)
		for i, name := range []string{"recruited", "buyers", "orders", "revenue"} {
			if cols[i], err = t.num(name, true); err != nil {
				return nil, wrapBatch(t.name, bi, err)
			}
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			m, err := parsePeriod(period.at(i))
			if err != nil {
				return nil, wrapBatch(t.name, bi, fmt.Errorf("row %d: column period: %w", i, err))
			}
			if !store.valid(i) || store.at(i) == "" {
				return nil, wrapBatch(t.name, bi, fmt.Errorf("row %d: column store_id is empty", i))
			}
			pr := creditPair{d.storeID(store.at(i)), -1}
			if v := assoc.at(i); v != "" {
				pr.assoc = assocs.id(v)
			}
			if _, ok := pairs[pr]; !ok {
				pairs[pr] = int32(len(pairList))
				pairList = append(pairList, pr)
			}
			k := key{m, pr}
			a := sums[k]
			if a == nil {
				a = &creditAcc{}
				sums[k] = a
			}
			a.recruited += int64(cols[0].at(i))
			a.buyers += int64(cols[1].at(i))
			a.orders += int64(cols[2].at(i))
			a.revenue += cols[3].at(i)
			minMonth, maxMonth = min(minMonth, m), max(maxMonth, m)
		}
	}
	acc := make(map[int64]*creditAcc, len(sums))
	for k, a := range sums {
		acc[int64(k.month-minMonth)<<32|int64(pairs[k.pair])] = a
	}
	return creditRows(d, assocs, pairList, acc, minMonth, maxMonth-minMonth+1, win, opt.AsOf), nil
}

// creditStoreChannels marks the channel ids of d that are store channels
// (nil: DefaultStoreChannels).
func creditStoreChannels(d *dims, sc []string) []bool {
	storeCh := make([]bool, d.channels.len())
	if sc == nil {
		sc = DefaultStoreChannels
	}
	for _, name := range sc {
		if k, ok := d.channels.find(name); ok {
			storeCh[k] = true
		}
	}
	return storeCh
}

// parsePeriod is the month index of a 'YYYY-MM' label (Period's inverse).
func parsePeriod(s string) (int32, error) {
	if len(s) != 7 || s[4] != '-' {
		return 0, fmt.Errorf("period %q is not YYYY-MM", s)
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		return 0, fmt.Errorf("period %q is not YYYY-MM", s)
	}
	return int32(y*12 + m - 1), nil
}
