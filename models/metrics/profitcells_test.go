package metrics

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestProfitCells works the retail fixture's cells out by hand (as of
// 2024-02-29, Shanghai) and checks that the customer rows summed from
// them, all or some, are Profit's.
func TestProfitCells(t *testing.T) {
	lines, products, stores, customers := retailFixture(t)
	defer releaseAll(lines, products, stores, customers)
	opt := ProfitOptions{Common{AsOf: asOf("2024-02-29"), Location: shanghai}}
	recs, cells, _, err := ProfitWithCells(lines, products, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseAll(recs, cells)
	if !cells[0].Schema().Equal(ProfitCellsSchema) {
		t.Fatalf("schema %s", cells[0].Schema())
	}
	got := rowsOf(t, cells)
	// C1 2024-01: O1, net 90, cost 50, refund 20 (partial).
	// C1 2024-02: O3 returned in full: not a purchase, no units, net and
	//   cost 0, refund 70; the cell is there (O3 is an order of C1's).
	// C2 2024-02: O2 net 40, costed 25 (P3 without cost), cost 10; O6 is
	//   cancelled and counts nowhere.
	// C3 2024-02: O5 net 70, costed 30 (P9 unknown), cost 10.
	// The anonymous O4 has no cell; O7 is after the as-of date.
	if len(got) != 4 {
		t.Fatalf("%d cells, want 4: %v", len(got), got)
	}
	want(t, pick(t, got, "customer_id", "C1", "period", "2024-01"), "orders", 1, "units", 3, "net_sales", 90.0, "costed_net_sales", 90.0,
		"cost", 50.0, "refunded_orders", 1, "refund_amount", 20.0, "missing_cost_lines", 0, "missing_cost_orders", 0)
	want(t, pick(t, got, "customer_id", "C1", "period", "2024-02"), "orders", 0, "units", 0, "net_sales", 0.0, "costed_net_sales", 0.0,
		"cost", 0.0, "refunded_orders", 1, "refund_amount", 70.0, "missing_cost_lines", 0, "missing_cost_orders", 0)
	want(t, pick(t, got, "customer_id", "C2", "period", "2024-02"), "orders", 1, "units", 2, "net_sales", 40.0, "costed_net_sales", 25.0,
		"cost", 10.0, "refunded_orders", 0, "refund_amount", 0.0, "missing_cost_lines", 1, "missing_cost_orders", 1)
	want(t, pick(t, got, "customer_id", "C3", "period", "2024-02"), "orders", 1, "units", 2, "net_sales", 70.0, "costed_net_sales", 30.0,
		"cost", 10.0, "missing_cost_lines", 1, "missing_cost_orders", 1)

	// Every customer row from the cells is Profit's row for that customer.
	fromCells, err := ProfitFromCells(cells, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer release(fromCells)
	ref := rowsOf(t, recs)
	rows := rowsOf(t, fromCells)
	if len(rows) != 3 {
		t.Fatalf("%d customer rows from the cells, want 3", len(rows))
	}
	for _, c := range []string{"C1", "C2", "C3"} {
		a, b := pick(t, rows, "customer_id", c), pick(t, ref, "level", "customer", "customer_id", c)
		for col, v := range b {
			if w := a[col]; w != v {
				t.Errorf("%s: column %s from the cells %v, Profit %v", c, col, w, v)
			}
		}
	}
	// C1 alone, from its two months: 1 purchase, two refunded orders, 90
	// refunded, profit 40.
	only, err := ProfitFromCells(cellsOf(t, got, "C1"), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer release(only)
	one := rowsOf(t, only)
	if len(one) != 1 {
		t.Fatalf("%d rows for C1 alone", len(one))
	}
	want(t, one[0], "level", "customer", "customer_id", "C1", "period", nil, "orders", 1, "customers", 1, "units", 3, "net_sales", 90.0,
		"cost", 50.0, "profit", 40.0, "profit_per_order", 40.0, "refunded_orders", 2, "refund_amount", 90.0)
}

// cellsOf rebuilds the cells of customer c from rows of ProfitCellsSchema.
func cellsOf(t *testing.T, rows []row, c string) []arrow.RecordBatch {
	t.Helper()
	const spec = "customer_id:s period:s orders:i units:i net_sales:f costed_net_sales:f cost:f refunded_orders:i refund_amount:f missing_cost_lines:i missing_cost_orders:i"
	var vals [][]any
	for _, r := range rows {
		if r["customer_id"] == c {
			var v []any
			for _, f := range strings.Fields(spec) {
				x := r[strings.Split(f, ":")[0]]
				if n, ok := x.(int64); ok {
					x = int(n)
				}
				v = append(v, x)
			}
			vals = append(vals, v)
		}
	}
	return []arrow.RecordBatch{batch(t, spec, vals...)}
}

func TestProfitFromCellsErrors(t *testing.T) {
	const spec = "customer_id:s period:s orders:i units:i net_sales:f costed_net_sales:f cost:f refunded_orders:i refund_amount:f missing_cost_lines:i missing_cost_orders:i"
	opt := ProfitOptions{Common{AsOf: asOf("2024-02-29"), Location: shanghai}}
	for _, c := range []struct {
		name string
		rows [][]any
		want string
	}{
		{"after the as-of month", [][]any{{"C1", "2024-03", 1, 1, 10, 10, 5, 0, 0, 0, 0}}, "period 2024-03 is after the as-of month 2024-02"},
		{"bad period", [][]any{{"C1", "2024-3", 1, 1, 10, 10, 5, 0, 0, 0, 0}}, `period "2024-3" is not YYYY-MM`},
		{"month twice", [][]any{{"C1", "2024-01", 1, 1, 10, 10, 5, 0, 0, 0, 0}, {"C1", "2024-01", 1, 1, 10, 10, 5, 0, 0, 0, 0}}, "customer C1 has two cells for 2024-01"},
		{"no count", [][]any{{"C1", "2024-01", nil, 1, 10, 10, 5, 0, 0, 0, 0}}, "column orders is NaN, not a count"},
		{"no customer", [][]any{{nil, "2024-01", 1, 1, 10, 10, 5, 0, 0, 0, 0}}, "column customer_id is empty"},
		{"no net", [][]any{{"C1", "2024-01", 1, 1, nil, 10, 5, 0, 0, 0, 0}}, "column net_sales is null"},
	} {
		t.Run(c.name, func(t *testing.T) {
			recs := []arrow.RecordBatch{batch(t, spec, c.rows...)}
			defer release(recs)
			out, err := ProfitFromCells(recs, opt)
			release(out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}
