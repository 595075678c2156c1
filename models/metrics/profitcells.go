package metrics

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ProfitCellsSchema is one customer's orders of one month (period, the
// business-zone month of the order as the profit mart counts it), summed:
// the figures a profit customer row adds up. orders counts the orders
// with net sales above zero, refunded_orders those with a refund,
// missing_cost_orders those with a line without cost; a month where the
// customer has only orders that count in none of them still has its cell,
// so that a customer with a cell is a customer with a row.
var ProfitCellsSchema = arrow.NewSchema([]arrow.Field{
	field("customer_id", tString), field("period", tString),
	field("orders", tInt), field("units", tInt),
	field("net_sales", tFloat), field("costed_net_sales", tFloat), field("cost", tFloat),
	field("refunded_orders", tInt), field("refund_amount", tFloat),
	field("missing_cost_lines", tInt), field("missing_cost_orders", tInt),
}, nil)

// cellWriter builds ProfitCellsSchema batches.
type cellWriter struct {
	b   *array.RecordBuilder
	n   int
	out []arrow.RecordBatch
}

func newCellWriter() *cellWriter {
	return &cellWriter{b: array.NewRecordBuilder(memory.DefaultAllocator, ProfitCellsSchema)}
}

func (w *cellWriter) add(customer, period string, a *profitAcc) {
	if w.n == batchRows {
		w.flush()
	}
	w.n++
	f := w.b.Fields()
	f[0].(*array.StringBuilder).Append(customer)
	f[1].(*array.StringBuilder).Append(period)
	f[2].(*array.Int64Builder).Append(a.orders)
	f[3].(*array.Int64Builder).Append(a.units)
	f[4].(*array.Float64Builder).Append(a.net)
	f[5].(*array.Float64Builder).Append(a.costedNet)
	f[6].(*array.Float64Builder).Append(a.cost)
	f[7].(*array.Int64Builder).Append(a.refunded)
	f[8].(*array.Float64Builder).Append(a.refund)
	f[9].(*array.Int64Builder).Append(a.missLines)
	f[10].(*array.Int64Builder).Append(a.missOrd)
}

func (w *cellWriter) flush() {
	if w.n > 0 {
		w.out = append(w.out, w.b.NewRecordBatch())
		w.n = 0
	}
}

func (w *cellWriter) done() []arrow.RecordBatch {
	w.flush()
	w.b.Release()
	return w.out
}

// ProfitFromCells returns the profit customer rows (level 'customer',
// ProfitSchema, as of opt.AsOf) of the customers in cells
// (ProfitCellsSchema, in any order): each customer's cells up to the as-of
// month summed in month order, as Profit sums them. Rows come in customer
// order. A cell after the as-of month, a period that is not YYYY-MM, a
// customer's month given twice or a missing count is an error naming the
// batch and row. The caller releases the batches.
func ProfitFromCells(cells []arrow.RecordBatch, opt ProfitOptions) ([]arrow.RecordBatch, error) {
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, err
	}
	asOfMonth := cal.AsOfMonth()
	type row struct {
		customer string
		month    int32
		acc      profitAcc
	}
	var rows []row
	ints := []string{"orders", "units", "refunded_orders", "missing_cost_lines", "missing_cost_orders"}
	floats := []string{"net_sales", "costed_net_sales", "cost", "refund_amount"}
	for bi, rec := range cells {
		t := table{name: "profit cells", rec: rec}
		cust, err := t.str("customer_id", true)
		if err != nil {
			return nil, wrapBatch(t.name, bi, err)
		}
		period, err := t.str("period", true)
		if err != nil {
			return nil, wrapBatch(t.name, bi, err)
		}
		cols := map[string]*numCol{}
		for _, name := range append(slices.Clone(ints), floats...) {
			if cols[name], err = t.num(name, true); err != nil {
				return nil, wrapBatch(t.name, bi, err)
			}
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			c := cust.at(i)
			if c == "" {
				return nil, wrapBatch(t.name, bi, fmt.Errorf("row %d: column customer_id is empty", i))
			}
			m, err := parsePeriod(period.at(i))
			if err != nil {
				return nil, wrapBatch(t.name, bi, fmt.Errorf("row %d (customer %s): column period: %w", i, c, err))
			}
			if m > asOfMonth {
				return nil, wrapBatch(t.name, bi, fmt.Errorf("row %d (customer %s): period %s is after the as-of month %s", i, c, Period(m), Period(asOfMonth)))
			}
			var v [5]int64
			for j, name := range ints {
				f := cols[name].at(i)
				if math.IsNaN(f) || f != math.Trunc(f) {
					return nil, wrapBatch(t.name, bi, fmt.Errorf("row %d (customer %s): column %s is %v, not a count", i, c, name, f))
				}
				v[j] = int64(f)
			}
			var x [4]float64
			for j, name := range floats {
				if x[j] = cols[name].at(i); math.IsNaN(x[j]) {
					return nil, wrapBatch(t.name, bi, fmt.Errorf("row %d (customer %s): column %s is null", i, c, name))
				}
			}
			rows = append(rows, row{customer: strings.Clone(c), month: m, acc: profitAcc{orders: v[0], units: v[1], refunded: v[2], missLines: v[3], missOrd: v[4],
				net: x[0], costedNet: x[1], cost: x[2], refund: x[3]}})
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := strings.Compare(a.customer, b.customer); c != 0 {
			return c
		}
		return int(a.month - b.month)
	})
	w := newWriter(ProfitSchema, opt.AsOf)
	for i := 0; i < len(rows); {
		j := i
		var acc profitAcc
		for ; j < len(rows) && rows[j].customer == rows[i].customer; j++ {
			if j > i && rows[j].month == rows[j-1].month {
				return nil, fmt.Errorf("metrics: profit cells: customer %s has two cells for %s", rows[j].customer, Period(rows[j].month))
			}
			acc.merge(&rows[j].acc)
		}
		w.row()
		w.str("")
		w.str("customer")
		w.str(rows[i].customer)
		w.str("")
		w.str("")
		w.str("")
		writeProfitFigures(w, &acc, min(acc.orders, 1), acc.profit())
		i = j
	}
	return w.done(), nil
}
