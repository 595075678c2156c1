package metrics

import (
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// ProfitOptions configures Profit.
type ProfitOptions struct {
	Common
}

// ProfitStats is what Profit counted besides its rows.
type ProfitStats struct {
	LineStats
	// Orders are the orders with at least one non-cancelled line up to the
	// as-of date; Purchases those with net sales above zero.
	Orders, Purchases int64
	// RefundedOrders have a refund; FullyRefundedOrders net nothing.
	RefundedOrders, FullyRefundedOrders int64
	RefundAmount                        float64
	// AnonymousOrders are purchases without a customer.
	AnonymousOrders int64
	// MissingCostOrders have at least one line without a cost;
	// MissingCostNetSales is the net sales of those lines.
	MissingCostOrders   int64
	MissingCostNetSales float64
	// Customers is the number of customer rows.
	Customers int64
}

// ProfitSchema is the schema of the profit mart. Rows of three levels:
//   - level 'month': one per month up to the as-of month (period set), all
//     orders of the month including anonymous ones; customers counts the
//     identified buyers and profit_per_customer divides their profit by it;
//   - level 'customer': one per customer with orders up to the as-of date,
//     lifetime to date (period NULL);
//   - level 'order': one per order of the as-of month (period set); cost
//     and profit are NULL when a line of the order has no cost.
//
// net_sales = paid - refunds; cost = unit_cost × units over costed lines;
// profit = costed_net_sales - cost; margin_rate = profit / costed_net_sales;
// missing_cost_net_sales = net_sales - costed_net_sales.
var ProfitSchema = arrow.NewSchema([]arrow.Field{
	field("as_of", tDate), field("period", tString), field("level", tString),
	field("customer_id", tString), field("channel", tString), field("order_id", tString), field("store_id", tString),
	field("orders", tInt), field("customers", tInt), field("units", tInt),
	field("net_sales", tFloat), field("costed_net_sales", tFloat), field("cost", tFloat), field("profit", tFloat),
	field("margin_rate", tFloat), field("profit_per_order", tFloat), field("profit_per_customer", tFloat),
	field("refunded_orders", tInt), field("refund_amount", tFloat),
	field("missing_cost_lines", tInt), field("missing_cost_orders", tInt), field("missing_cost_net_sales", tFloat),
	field("anonymous_orders", tInt), field("anonymous_net_sales", tFloat),
}, nil)

// profitAcc accumulates orders.
type profitAcc struct {
	orders, customers, units     int64
	net, costedNet, cost, refund float64
	refunded, missLines, missOrd int64
	anonOrders                   int64
	anonNet, identProfit         float64
}

func (a *profitAcc) add(o orderAgg) {
	if o.net > 0 {
		a.orders++
	}
	a.units += o.units
	a.net += o.net
	a.costedNet += o.costedNet
	a.cost += o.cost
	a.refund += o.refund
	if o.refund > 0 {
		a.refunded++
	}
	a.missLines += o.missingLines
	if o.missingLines > 0 {
		a.missOrd++
	}
}

// merge adds the order figures of cell o (what add counts) to a.
func (a *profitAcc) merge(o *profitAcc) {
	a.orders += o.orders
	a.units += o.units
	a.net += o.net
	a.costedNet += o.costedNet
	a.cost += o.cost
	a.refund += o.refund
	a.refunded += o.refunded
	a.missLines += o.missLines
	a.missOrd += o.missOrd
}

func (a *profitAcc) profit() float64 { return a.costedNet - a.cost }

// Profit computes profit per month, per customer and per order of the
// as-of month from order lines (LineColumns) and products (sku, unit_cost;
// category and brand are not used here). Lines after the as-of day and
// cancelled lines are left out. The caller releases the returned batches,
// which have ProfitSchema.
func Profit(lines, products []arrow.RecordBatch, opt ProfitOptions) ([]arrow.RecordBatch, ProfitStats, error) {
	recs, _, st, err := profit(lines, products, opt, false)
	return recs, st, err
}

// ProfitWithCells is Profit that also returns each customer's cells
// (ProfitCellsSchema): one row per customer and month with an order. A
// customer row of Profit is its cells summed in month order, so the
// customer rows of any set of customers are ProfitFromCells of their
// cells, whichever months the cells were computed in. The caller releases
// both sets of batches.
func ProfitWithCells(lines, products []arrow.RecordBatch, opt ProfitOptions) (recs, cells []arrow.RecordBatch, st ProfitStats, err error) {
	return profit(lines, products, opt, true)
}

func profit(lines, products []arrow.RecordBatch, opt ProfitOptions, withCells bool) ([]arrow.RecordBatch, []arrow.RecordBatch, ProfitStats, error) {
	var st ProfitStats
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, nil, st, err
	}
	d := newDims(numRows(lines) / 2)
	if err := d.readProducts(products); err != nil {
		return nil, nil, st, err
	}
	b, err := readLines(lines, d, cal, opt.CancelledStatuses)
	if err != nil {
		return nil, nil, st, err
	}
	st.LineStats = b.stats
	nOrders := b.nOrders
	nCust := int32(d.nCust())
	asOfMonth := cal.AsOfMonth()
	minMonth := asOfMonth
	for _, m := range b.oMonth {
		minMonth = min(minMonth, m)
	}
	months := make([]profitAcc, asOfMonth-minMonth+1)
	lastCust := make([]int32, len(months))
	for i := range lastCust {
		lastCust[i] = -1
	}
	aggs := make([]orderAgg, nOrders)
	w := newWriter(ProfitSchema, opt.AsOf)
	type custRow struct {
		c   int32
		acc profitAcc
	}
	custRows := make([]custRow, 0, nCust)
	// A customer's orders are summed per month (cell) and the cells in
	// month order make its customer row: ProfitFromCells sums stored cells
	// the same way.
	cell := make([]profitAcc, len(months))
	var used []int32
	var cw *cellWriter
	if withCells {
		cw = newCellWriter()
	}
	// Customers in turn (their orders are consecutive), anonymous orders last.
	for c := int32(0); c <= nCust; c++ {
		lo, hi := b.custOrders(c)
		if lo == hi {
			continue
		}
		used = used[:0]
		for o := lo; o < hi; o++ {
			a := b.sumOrder(o)
			aggs[o] = a
			st.Orders++
			if a.net > 0 {
				st.Purchases++
			}
			if a.refund > 0 {
				st.RefundedOrders++
				st.RefundAmount += a.refund
				if a.net <= 0 {
					st.FullyRefundedOrders++
				}
			}
			if a.missingLines > 0 {
				st.MissingCostOrders++
				st.MissingCostNetSales += a.net - a.costedNet
			}
			mi := b.oMonth[o] - minMonth
			m := &months[mi]
			m.add(a)
			if c == nCust {
				if a.net > 0 {
					m.anonOrders++
					m.anonNet += a.net
					st.AnonymousOrders++
				}
				continue
			}
			if !slices.Contains(used, mi) {
				used = append(used, mi)
			}
			cell[mi].add(a)
			m.identProfit += a.costedNet - a.cost
			if a.net > 0 && lastCust[mi] != c {
				lastCust[mi] = c
				m.customers++
			}
		}
		if c < nCust {
			slices.Sort(used)
			var acc profitAcc
			for _, mi := range used {
				acc.merge(&cell[mi])
				if cw != nil {
					cw.add(d.custName(c), Period(mi+minMonth), &cell[mi])
				}
				cell[mi] = profitAcc{}
			}
			custRows = append(custRows, custRow{c, acc})
		}
	}
	for mi := range months {
		m := &months[mi]
		w.row()
		w.str(Period(int32(mi) + minMonth))
		w.str("month")
		w.str("")
		w.str("")
		w.str("")
		w.str("")
		writeProfitFigures(w, m, m.customers, ratio(m.identProfit, float64(m.customers)))
	}
	for _, r := range custRows {
		st.Customers++
		w.row()
		w.str("")
		w.str("customer")
		w.str(d.custName(r.c))
		w.str("")
		w.str("")
		w.str("")
		acc := r.acc
		writeProfitFigures(w, &acc, min(acc.orders, 1), acc.profit())
	}
	for o := int32(0); o < int32(nOrders); o++ {
		if b.oMonth[o] != asOfMonth {
			continue
		}
		a := aggs[o]
		w.row()
		w.str(Period(asOfMonth))
		w.str("order")
		w.str(d.custName(b.oCust[o]))
		w.str(d.channels.name(b.oChan[o]))
		w.str(b.orderID(o))
		w.str(d.store.name(b.oStore[o]))
		var acc profitAcc
		acc.add(a)
		if b.oCust[o] < 0 && a.net > 0 {
			acc.anonOrders, acc.anonNet = 1, a.net
		}
		customers := int64(0)
		if b.oCust[o] >= 0 && a.net > 0 {
			customers = 1
		}
		if a.missingLines > 0 {
			acc.cost = math.NaN()
		}
		writeProfitFigures(w, &acc, customers, math.NaN())
	}
	var cells []arrow.RecordBatch
	if cw != nil {
		cells = cw.done()
	}
	return w.done(), cells, st, nil
}

func writeProfitFigures(w *writer, a *profitAcc, customers int64, perCustomer float64) {
	p := a.profit()
	w.i64(a.orders)
	w.i64(customers)
	w.i64(a.units)
	w.f64(a.net)
	w.f64(a.costedNet)
	w.f64(a.cost)
	w.f64(p)
	w.f64(ratio(p, a.costedNet))
	w.f64(ratio(p, float64(a.orders)))
	w.f64(perCustomer)
	w.i64(a.refunded)
	w.f64(a.refund)
	w.i64(a.missLines)
	w.i64(a.missOrd)
	w.f64(a.net - a.costedNet)
	w.i64(a.anonOrders)
	w.f64(a.anonNet)
}
