package metrics

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/crmkit/crmkit/models/days"
)

// The retail fixture, as of 2024-02-29 in Asia/Shanghai.
//
// Products: P1 Tea/A cost 10; P2 Tea/B cost 30; P3 Cup/A with no cost;
// P9 is sold but not in products. Stores: S1 徐汇店 in East, S2 in North.
// Customers: C1 East, C2 North, C3 with no region.
//
//	O1 tmall   C1  2024-01-10  P1 ×2 paid 50; P2 ×1 paid 60 refund 20 (partial)
//	O2 pos S1  C2  2024-01-31 20:00 UTC = 2024-02-01 04:00 local (February)
//	                           P1 ×1 paid 25; P3 ×1 paid 15 (no cost)
//	O3 jd      C1  2024-02-10  P2 ×1 paid 70 refund 70 (returned in full)
//	O4 pos S1  anonymous 2024-02-15  P1 ×3 paid 75
//	O5 shopify C3  2024-02-20  P9 ×1 paid 40 (SKU not in products); P1 ×1 paid 30
//	O6 tmall   C2  2024-02-25  P1 ×1 paid 25, status cancelled
//	O7 tmall   C1  2024-03-02  P1 ×1 paid 25 (after the as-of date)
func retailFixture(t testing.TB) (lines, products, stores, customers []arrow.RecordBatch) {
	const spec = "channel:s order_id:s order_ts:t customer_id:s store_id:s status:s sku:s qty:i paid_amount:f refund_amount:f"
	lines = []arrow.RecordBatch{
		batch(t, spec,
			[]any{"tmall", "O1", "2024-01-10 10:00", "C1", nil, "paid", "P1", 2, 50, 0},
			[]any{"pos", "O2", "2024-01-31 20:00Z", "C2", "S1", nil, "P1", 1, 25, nil},
			[]any{"tmall", "O1", "2024-01-10 10:00", "C1", nil, "paid", "P2", 1, 60, 20},
			[]any{"pos", "O2", "2024-01-31 20:00Z", "C2", "S1", nil, "P3", 1, 15, nil},
		),
		batch(t, spec,
			[]any{"jd", "O3", "2024-02-10 12:00", "C1", nil, "refunded", "P2", 1, 70, 70},
			[]any{"pos", "O4", "2024-02-15 18:00", nil, "S1", "paid", "P1", 3, 75, 0},
			[]any{"shopify", "O5", "2024-02-20 09:00", "C3", nil, "paid", "P9", 1, 40, 0},
			[]any{"shopify", "O5", "2024-02-20 09:00", "C3", nil, "paid", "P1", 1, 30, 0},
			[]any{"tmall", "O6", "2024-02-25 09:00", "C2", nil, "Cancelled", "P1", 1, 25, 0},
			[]any{"tmall", "O7", "2024-03-02 09:00", "C1", nil, "paid", "P1", 1, 25, 0},
		),
	}
	products = []arrow.RecordBatch{batch(t, "sku:s product_name:s category:s brand:s unit_cost:f",
		[]any{"P1", "green tea", "Tea", "A", 10},
		[]any{"P2", "oolong", "Tea", "B", 30},
		[]any{"P3", "cup", "Cup", "A", nil},
	)}
	stores = []arrow.RecordBatch{batch(t, "store_id:s store_name:s region:s",
		[]any{"S1", "徐汇店", "East"},
		[]any{"S2", "Chaoyang", "North"},
	)}
	customers = []arrow.RecordBatch{batch(t, "customer_id:s region:s",
		[]any{"C1", "East"},
		[]any{"C2", "North"},
		[]any{"C3", nil},
	)}
	return
}

func releaseAll(sets ...[]arrow.RecordBatch) {
	for _, s := range sets {
		release(s)
	}
}

func TestProfit(t *testing.T) {
	lines, products, stores, customers := retailFixture(t)
	defer releaseAll(lines, products, stores, customers)
	recs, st, err := Profit(lines, products, ProfitOptions{Common{AsOf: asOf("2024-02-29"), Location: shanghai}})
	if err != nil {
		t.Fatal(err)
	}
	defer release(recs)
	if !recs[0].Schema().Equal(ProfitSchema) {
		t.Fatalf("schema %s", recs[0].Schema())
	}
	rows := rowsOf(t, recs)

	// January: O1 only. Net 50 + (60-20) = 90; cost 2×10 + 1×30 = 50; the
	// partial refund keeps the units and the cost. Profit 40 on 1 order
	// and 1 customer.
	want(t, pick(t, rows, "level", "month", "period", "2024-01"),
		"orders", 1, "customers", 1, "units", 3, "net_sales", 90.0, "costed_net_sales", 90.0, "cost", 50.0,
		"profit", 40.0, "margin_rate", 40.0/90, "profit_per_order", 40.0, "profit_per_customer", 40.0,
		"refunded_orders", 1, "refund_amount", 20.0, "missing_cost_lines", 0, "missing_cost_orders", 0,
		"missing_cost_net_sales", 0.0, "anonymous_orders", 0, "anonymous_net_sales", 0.0, "customer_id", nil)

	// February (O2 falls here in Shanghai time; O6 is cancelled, O7 later):
	//   O2 net 25+15 = 40, costed 25 (P3 has no cost), cost 10, units 2
	//   O3 net 70-70 = 0, returned: units 0, cost 0, not a purchase
	//   O4 net 75, cost 30, units 3, anonymous
	//   O5 net 40+30 = 70, costed 30 (P9 unknown), cost 10, units 2
	// orders 3 (O2, O4, O5); customers C2, C3 = 2 (C1's O3 nets 0);
	// units 7; net 185; costed 25+0+75+30 = 130; cost 50; profit 80;
	// profit/order 80/3; identified profit 15 + 0 + 20 = 35 over 2
	// customers = 17.5; refunds: O3 70; missing cost: P3 (15) and P9 (40)
	// = 2 lines, 2 orders, 55 of net sales; anonymous O4: 1 order, 75.
	want(t, pick(t, rows, "level", "month", "period", "2024-02"),
		"orders", 3, "customers", 2, "units", 7, "net_sales", 185.0, "costed_net_sales", 130.0, "cost", 50.0,
		"profit", 80.0, "margin_rate", 80.0/130, "profit_per_order", 80.0/3, "profit_per_customer", 17.5,
		"refunded_orders", 1, "refund_amount", 70.0, "missing_cost_lines", 2, "missing_cost_orders", 2,
		"missing_cost_net_sales", 55.0, "anonymous_orders", 1, "anonymous_net_sales", 75.0)
	if n := count(rows, "level", "month"); n != 2 {
		t.Errorf("%d month rows, want 2", n)
	}

	// Customers, lifetime to 2024-02-29:
	//   C1: O1 + O3: 1 purchase, units 3, net 90, cost 50, profit 40, two
	//       refunded orders (20 + 70 = 90).
	//   C2: O2: net 40, costed 25, cost 10, profit 15, 1 missing line (15).
	//   C3: O5: net 70, costed 30, cost 10, profit 20, 1 missing line (40).
	want(t, pick(t, rows, "level", "customer", "customer_id", "C1"), "period", nil,
		"orders", 1, "customers", 1, "units", 3, "net_sales", 90.0, "cost", 50.0, "profit", 40.0, "profit_per_order", 40.0,
		"profit_per_customer", 40.0, "refunded_orders", 2, "refund_amount", 90.0, "missing_cost_lines", 0)
	want(t, pick(t, rows, "level", "customer", "customer_id", "C2"),
		"orders", 1, "units", 2, "net_sales", 40.0, "costed_net_sales", 25.0, "cost", 10.0, "profit", 15.0,
		"missing_cost_lines", 1, "missing_cost_orders", 1, "missing_cost_net_sales", 15.0)
	want(t, pick(t, rows, "level", "customer", "customer_id", "C3"),
		"orders", 1, "units", 2, "net_sales", 70.0, "costed_net_sales", 30.0, "cost", 10.0, "profit", 20.0,
		"margin_rate", 20.0/30, "missing_cost_lines", 1, "missing_cost_net_sales", 40.0)
	if n := count(rows, "level", "customer"); n != 3 {
		t.Errorf("%d customer rows, want 3", n)
	}

	// Orders of the as-of month (February): O2, O3, O4, O5. An order with a
	// line without cost has no cost and no profit.
	want(t, pick(t, rows, "level", "order", "order_id", "O2"), "period", "2024-02", "channel", "pos", "store_id", "S1",
		"customer_id", "C2", "net_sales", 40.0, "cost", nil, "profit", nil, "missing_cost_lines", 1)
	want(t, pick(t, rows, "level", "order", "order_id", "O3"), "channel", "jd", "orders", 0, "units", 0,
		"net_sales", 0.0, "cost", 0.0, "profit", 0.0, "refunded_orders", 1, "refund_amount", 70.0)
	want(t, pick(t, rows, "level", "order", "order_id", "O4"), "customer_id", nil, "orders", 1, "units", 3,
		"net_sales", 75.0, "cost", 30.0, "profit", 45.0, "margin_rate", 0.6, "anonymous_orders", 1)
	want(t, pick(t, rows, "level", "order", "order_id", "O5"), "net_sales", 70.0, "cost", nil, "profit", nil)
	if n := count(rows, "level", "order"); n != 4 {
		t.Errorf("%d order rows, want 4", n)
	}

	// Ten line rows: O6 cancelled, O7 later; P3 and P9 lack a cost.
	if st.Lines != 10 || st.CancelledLines != 1 || st.LaterLines != 1 || st.ReturnedLines != 1 || st.MissingCostLines != 2 {
		t.Errorf("line stats %+v", st.LineStats)
	}
	slices.Sort(st.MissingCostSKUs)
	if !slices.Equal(st.MissingCostSKUs, []string{"P3", "P9"}) {
		t.Errorf("missing SKUs %v", st.MissingCostSKUs)
	}
	// Orders O1..O5 (O6 all cancelled, O7 later); purchases O1, O2, O4, O5;
	// refunds O1 (20) and O3 (70, in full).
	if st.Orders != 5 || st.Purchases != 4 || st.RefundedOrders != 2 || st.FullyRefundedOrders != 1 ||
		st.RefundAmount != 90 || st.AnonymousOrders != 1 || st.MissingCostOrders != 2 || st.MissingCostNetSales != 55 || st.Customers != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestProfitErrors(t *testing.T) {
	lines, products, stores, customers := retailFixture(t)
	defer releaseAll(lines, products, stores, customers)
	if _, _, err := Profit(lines, products, ProfitOptions{}); !errors.Is(err, ErrBadOptions) {
		t.Errorf("no as-of: got %v", err)
	}
	bad := []arrow.RecordBatch{batch(t, "channel:s order_id:s", []any{"tmall", "X"})}
	defer release(bad)
	if _, _, err := Profit(bad, products, ProfitOptions{Common{AsOf: asOf("2024-02-29")}}); !errors.Is(err, ErrBadColumn) {
		t.Errorf("missing columns: got %v", err)
	}
}

func TestCalendar(t *testing.T) {
	cal, err := NewCalendar(Common{AsOf: asOf("2024-02-29"), Location: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	// 2024-01-31 20:00 UTC is 2024-02-01 04:00 in Shanghai.
	d := cal.Day(tsOf(t, "2024-01-31 20:00Z").UnixMicro())
	if y, m, dd := days.ToCivil(int64(d)); y != 2024 || m != 2 || dd != 1 {
		t.Errorf("day %d = %d-%d-%d", d, y, m, dd)
	}
	if p := Period(monthOfDay(d)); p != "2024-02" {
		t.Errorf("period %s", p)
	}
	// The as-of day ends at 2024-03-01 00:00 local = 2024-02-29 16:00 UTC.
	if got := cal.EndUS(); got != tsOf(t, "2024-02-29 16:00Z").UnixMicro() {
		t.Errorf("end %d", got)
	}
	// A zone with daylight saving time: 2024-03-10 07:30 UTC is 03:30 EDT
	// in New York (after the 02:00 switch), 06:30 UTC is 01:30 EST; both
	// are on March 10; 2024-11-03 04:30 UTC is 00:30 EDT on November 3.
	ny, _ := time.LoadLocation("America/New_York")
	cal, _ = NewCalendar(Common{AsOf: time.Date(2024, 12, 31, 0, 0, 0, 0, ny), Location: ny})
	for _, c := range []struct {
		utc  string
		want string
	}{{"2024-03-10 07:30Z", "2024-03-10"}, {"2024-03-10 06:30Z", "2024-03-10"}, {"2024-03-10 04:30Z", "2024-03-09"},
		{"2024-11-03 04:30Z", "2024-11-03"}, {"2024-11-03 03:30Z", "2024-11-02"}, {"1969-12-31 23:00Z", "1969-12-31"}} {
		d := cal.Day(tsOf(t, c.utc).UnixMicro())
		y, m, dd := days.ToCivil(int64(d))
		if got := time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC).Format("2006-01-02"); got != c.want {
			t.Errorf("%s: got %s, want %s", c.utc, got, c.want)
		}
	}
	for d := int32(-800000); d < 800000; d += 997 {
		y, m, dd := days.ToCivil(int64(d))
		if int32(days.FromCivil(y, m, dd)) != d {
			t.Fatalf("civil round trip of %d", d)
		}
		if want := time.Unix(int64(d)*86400, 0).UTC(); want.Year() != y || int(want.Month()) != m || want.Day() != dd {
			t.Fatalf("day %d: %d-%d-%d, want %s", d, y, m, dd, want)
		}
	}

}
