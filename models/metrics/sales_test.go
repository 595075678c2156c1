package metrics

import "testing"

func TestSales(t *testing.T) {
	lines, products, stores, customers := retailFixture(t)
	defer releaseAll(lines, products, stores, customers)
	recs, st, err := Sales(lines, products, stores, customers, SalesOptions{Common{AsOf: asOf("2024-02-29"), Location: shanghai}})
	if err != nil {
		t.Fatal(err)
	}
	defer release(recs)
	if !recs[0].Schema().Equal(SalesSchema) {
		t.Fatalf("schema %s", recs[0].Schema())
	}
	rows := rowsOf(t, recs)
	feb := func(dim, key string) row { return pick(t, rows, "period", "2024-02", "dimension", dim, "key", key) }
	jan := func(dim, key string) row { return pick(t, rows, "period", "2024-01", "dimension", dim, "key", key) }

	// February in total: the same orders as the profit test (O2, O3, O4,
	// O5): units 7, net 185, costed 130, cost 50, margin 80, 3 orders, 2
	// identified customers, AOV 185/3, O3's refund of 70, 2 lines without a
	// cost, 1 anonymous order.
	want(t, feb(DimTotal, "all"), "label", "all", "units", 7, "net_sales", 185.0, "costed_net_sales", 130.0, "cost", 50.0,
		"gross_margin", 80.0, "margin_rate", 80.0/130, "orders", 3, "customers", 2, "avg_order_value", 185.0/3,
		"refunded_orders", 1, "refund_amount", 70.0, "missing_cost_lines", 2, "anonymous_orders", 1)

	// Channels in February: pos = O2 + O4: units 2+3, net 40+75 = 115,
	// costed 25+75 = 100, cost 10+30 = 40, margin 60, 2 orders, customer
	// C2, anonymous O4. jd = O3 only: a refunded order, no sale. shopify =
	// O5. tmall has only the cancelled O6 in February: no row.
	want(t, feb(DimChannel, "pos"), "units", 5, "net_sales", 115.0, "costed_net_sales", 100.0, "cost", 40.0, "gross_margin", 60.0,
		"orders", 2, "customers", 1, "avg_order_value", 57.5, "anonymous_orders", 1, "missing_cost_lines", 1)
	want(t, feb(DimChannel, "jd"), "units", 0, "net_sales", 0.0, "orders", 0, "customers", 0, "avg_order_value", nil,
		"refunded_orders", 1, "refund_amount", 70.0)
	want(t, feb(DimChannel, "shopify"), "units", 2, "net_sales", 70.0, "gross_margin", 20.0, "orders", 1, "customers", 1)
	if n := count(rows, "period", "2024-02", "dimension", DimChannel, "key", "tmall"); n != 0 {
		t.Errorf("tmall has %d February rows, want 0", n)
	}
	// Stores: S1 (labelled with its name) = pos; S2 sold nothing.
	want(t, feb(DimStore, "S1"), "label", "徐汇店", "units", 5, "net_sales", 115.0, "orders", 2, "customers", 1)
	if n := count(rows, "dimension", DimStore, "key", "S2"); n != 0 {
		t.Errorf("S2 has %d rows", n)
	}
	// Regions: store orders take the store's region (O2, O4 → East), others
	// the customer's (O3: C1 → East; O5: C3 has none → unknown).
	want(t, feb(DimRegion, "East"), "units", 5, "net_sales", 115.0, "orders", 2, "customers", 1, "refunded_orders", 1, "refund_amount", 70.0)
	want(t, feb(DimRegion, Unknown), "units", 2, "net_sales", 70.0, "orders", 1, "customers", 1)
	// Categories: Tea = P1 in O2 (1, 25), O4 (3, 75), O5 (1, 30) and the
	// returned P2 in O3 (0 units, net 0, refund 70): units 5, net 130, cost
	// 10+30+10 = 50; orders O2, O4, O5 (O3's tea nets 0); customers C2, C3.
	// Cup = P3 in O2 (no cost): net 15, costed 0. unknown = P9 in O5.
	want(t, feb(DimCategory, "Tea"), "units", 5, "net_sales", 130.0, "costed_net_sales", 130.0, "cost", 50.0, "gross_margin", 80.0,
		"orders", 3, "customers", 2, "anonymous_orders", 1, "refunded_orders", 1, "refund_amount", 70.0, "missing_cost_lines", 0)
	want(t, feb(DimCategory, "Cup"), "units", 1, "net_sales", 15.0, "costed_net_sales", 0.0, "cost", 0.0, "margin_rate", nil,
		"orders", 1, "customers", 1, "missing_cost_lines", 1)
	want(t, feb(DimCategory, Unknown), "units", 1, "net_sales", 40.0, "orders", 1, "customers", 1, "missing_cost_lines", 1)
	// Brands: A = P1 lines + P3: units 1+3+1+1 = 6, net 25+75+30+15 = 145,
	// costed 130, cost 50; orders O2, O4, O5. B = the returned P2.
	want(t, feb(DimBrand, "A"), "units", 6, "net_sales", 145.0, "costed_net_sales", 130.0, "cost", 50.0, "orders", 3, "customers", 2,
		"missing_cost_lines", 1)
	want(t, feb(DimBrand, "B"), "units", 0, "net_sales", 0.0, "orders", 0, "refunded_orders", 1)

	// January: O1 (tmall, C1 in East): P1 ×2 net 50 cost 20 (brand A),
	// P2 ×1 net 40 cost 30 refund 20 (brand B).
	want(t, jan(DimTotal, "all"), "units", 3, "net_sales", 90.0, "cost", 50.0, "gross_margin", 40.0, "orders", 1, "customers", 1,
		"avg_order_value", 90.0, "refunded_orders", 1, "refund_amount", 20.0)
	want(t, jan(DimChannel, "tmall"), "net_sales", 90.0, "orders", 1)
	want(t, jan(DimRegion, "East"), "net_sales", 90.0, "orders", 1)
	want(t, jan(DimCategory, "Tea"), "units", 3, "net_sales", 90.0, "orders", 1)
	want(t, jan(DimBrand, "A"), "units", 2, "net_sales", 50.0, "cost", 20.0, "gross_margin", 30.0, "orders", 1, "refunded_orders", 0)
	want(t, jan(DimBrand, "B"), "units", 1, "net_sales", 40.0, "cost", 30.0, "gross_margin", 10.0, "orders", 1, "refunded_orders", 1,
		"refund_amount", 20.0)
	// January rows: total, tmall, East, Tea, A, B.
	if n := count(rows, "period", "2024-01"); n != 6 {
		t.Errorf("%d January rows, want 6", n)
	}
	if st.Orders != 5 || st.Purchases != 4 || st.AnonymousOrders != 1 || st.RefundedOrders != 2 || st.RefundAmount != 90 || st.MissingCostLines != 2 {
		t.Errorf("stats %+v", st)
	}
}
