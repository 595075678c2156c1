package metrics

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

const orderSpec = "channel:s order_id:s order_ts:t customer_id:s store_id:s associate_id:s status:s net_amount:f"

// growthCase are TestGrowth's inputs (as of 2024-06-30, a 60-day window).
func growthCase(t *testing.T) (orders, customers, stores []arrow.RecordBatch) {
	orders = []arrow.RecordBatch{batch(t, orderSpec,
		[]any{"tmall", "a1", "2024-01-05 10:00", "G1", nil, nil, "paid", 100},
		[]any{"tmall", "a2", "2024-02-10 10:00", "G1", nil, nil, "paid", 50},
		[]any{"jd", "a3", "2024-02-10 20:00", "G1", nil, nil, "paid", 30},
		[]any{"tmall", "a4", "2024-06-01 10:00", "G1", nil, nil, "paid", 80},
		[]any{"pos", "b1", "2024-01-20 10:00", "G2", "S2", "E1", "paid", 60},
		[]any{"tmall", "b2", "2024-03-01 10:00", "G2", nil, nil, "paid", 20},
		[]any{"jd", "c2", "2024-06-20 10:00", "G3", nil, nil, "paid", 40},
		[]any{"jd", "c1", "2024-02-29 17:00Z", "G3", nil, nil, "paid", 70},
		[]any{"shopify", "d1", "2024-05-01 10:00", "G4", nil, nil, "refunded", 0},
		[]any{"shopify", "d2", "2024-06-10 10:00", "G4", nil, nil, "paid", 90},
		[]any{"tmall", "e1", "2024-04-01 10:00", "G5", nil, nil, "cancelled", 100},
		[]any{"pos", "x1", "2024-04-01 10:00", nil, "S1", nil, "paid", 10},
	)}
	customers = []arrow.RecordBatch{batch(t, "customer_id:s region:s",
		[]any{"G1", "East"}, []any{"G2", nil}, []any{"G3", "East"}, []any{"G4", "North"}, []any{"G5", "East"})}
	stores = []arrow.RecordBatch{batch(t, "store_id:s store_name:s region:s", []any{"S2", "Chaoyang", "North"})}
	return orders, customers, stores
}

// TestGrowth: as of 2024-06-30 with a 60-day churn window.
//
//	G1 tmall, East:  2024-01-05, 2024-02-10 (two orders), 2024-06-01
//	G2 pos S2 (no region of its own → the store's North): 2024-01-20, 2024-03-01
//	G3 jd, East:     2024-02-29 17:00 UTC = 2024-03-01 01:00 local, 2024-06-20
//	G4 shopify, North: 2024-05-01 fully refunded (net 0, not a purchase), 2024-06-10
//	G5 only a cancelled order; one anonymous order.
//
// Gaps: G1 Jan 5 → Feb 10 = 36 days (returning); Feb 10 → Jun 1 = 112 > 60:
// churns on Feb 10 + 61 = Apr 11, reactivates Jun 1. G2 Jan 20 → Mar 1 =
// 41 (returning); churns Mar 1 + 61 = May 1. G3 Mar 1 → Jun 20 = 111:
// churns May 1, reactivates Jun 20. G1, G3 and G4 are active on Jun 30.
func TestGrowth(t *testing.T) {
	orders, customers, stores := growthCase(t)
	defer releaseAll(orders, customers, stores)
	recs, st, err := Growth(orders, customers, stores, GrowthOptions{Common: Common{AsOf: asOf("2024-06-30"), Location: shanghai}, ChurnDays: 60})
	if err != nil {
		t.Fatal(err)
	}
	defer release(recs)
	if !recs[0].Schema().Equal(GrowthSchema) {
		t.Fatalf("schema %s", recs[0].Schema())
	}
	rows := rowsOf(t, recs)
	nan := math.NaN()
	type exp struct {
		period, dim, key                                   string
		start, buyers, newc, ret, react, churned, net, end int
		rate                                               float64
	}
	for _, e := range []exp{
		// total: Jan G1, G2 new. Feb G1 returning. Mar G3 new, G2
		// returning. Apr G1 churns. May G2, G3 churn. Jun G1, G3
		// reactivate, G4 new.
		{"2024-01", DimTotal, "all", 0, 2, 2, 0, 0, 0, 2, 2, nan},
		{"2024-02", DimTotal, "all", 2, 1, 0, 1, 0, 0, 0, 2, 0},
		{"2024-03", DimTotal, "all", 2, 2, 1, 1, 0, 0, 1, 3, 0.5},
		{"2024-04", DimTotal, "all", 3, 0, 0, 0, 0, 1, -1, 2, -1.0 / 3},
		{"2024-05", DimTotal, "all", 2, 0, 0, 0, 0, 2, -2, 0, -1},
		{"2024-06", DimTotal, "all", 0, 3, 1, 0, 2, 0, 3, 3, nan},
		// by first channel
		{"2024-01", DimFirstChannel, "tmall", 0, 1, 1, 0, 0, 0, 1, 1, nan},
		{"2024-02", DimFirstChannel, "tmall", 1, 1, 0, 1, 0, 0, 0, 1, 0},
		{"2024-04", DimFirstChannel, "tmall", 1, 0, 0, 0, 0, 1, -1, 0, -1},
		{"2024-06", DimFirstChannel, "tmall", 0, 1, 0, 0, 1, 0, 1, 1, nan},
		{"2024-01", DimFirstChannel, "pos", 0, 1, 1, 0, 0, 0, 1, 1, nan},
		{"2024-03", DimFirstChannel, "pos", 1, 1, 0, 1, 0, 0, 0, 1, 0},
		{"2024-05", DimFirstChannel, "pos", 1, 0, 0, 0, 0, 1, -1, 0, -1},
		{"2024-03", DimFirstChannel, "jd", 0, 1, 1, 0, 0, 0, 1, 1, nan},
		{"2024-06", DimFirstChannel, "shopify", 0, 1, 1, 0, 0, 0, 1, 1, nan},
		// by region: East = G1, G3; North = G2 (its first store's region), G4
		{"2024-03", DimRegion, "East", 1, 1, 1, 0, 0, 0, 1, 2, 1},
		{"2024-04", DimRegion, "East", 2, 0, 0, 0, 0, 1, -1, 1, -0.5},
		{"2024-05", DimRegion, "East", 1, 0, 0, 0, 0, 1, -1, 0, -1},
		{"2024-06", DimRegion, "East", 0, 2, 0, 0, 2, 0, 2, 2, nan},
		{"2024-01", DimRegion, "North", 0, 1, 1, 0, 0, 0, 1, 1, nan},
		{"2024-04", DimRegion, "North", 1, 0, 0, 0, 0, 0, 0, 1, 0},
		{"2024-06", DimRegion, "North", 0, 1, 1, 0, 0, 0, 1, 1, nan},
	} {
		r := pick(t, rows, "period", e.period, "dimension", e.dim, "key", e.key)
		rate := any(e.rate)
		if math.IsNaN(e.rate) {
			rate = nil
		}
		want(t, r, "active_start", e.start, "buyers", e.buyers, "new_customers", e.newc, "returning_customers", e.ret,
			"reactivated_customers", e.react, "churned_customers", e.churned, "net_growth", e.net, "active_end", e.end,
			"net_growth_rate", rate, "churn_days", 60)
	}
	// tmall in May (nobody active, nothing happened) and pos in June have no row.
	if count(rows, "period", "2024-05", "dimension", DimFirstChannel, "key", "tmall")+
		count(rows, "period", "2024-06", "dimension", DimFirstChannel, "key", "pos") != 0 {
		t.Error("rows for empty months")
	}
	// 12 order rows: 9 purchases, d1 nets 0, e1 cancelled, x1 anonymous.
	if st.Orders != 12 || st.Purchases != 9 || st.NonPositiveOrders != 1 || st.CancelledOrders != 1 || st.AnonymousPurchases != 1 || st.Customers != 4 {
		t.Errorf("stats %+v", st)
	}
}

// TestGrowthPurchaseColumn: with a purchase column (the shared rule as the
// growth job reads it) the column alone decides, as of 2024-03-31 with a
// 60-day window:
//
//	P1 2024-01-10 $0.00 purchase (true)         → new in Jan, though net is 0
//	P2 2024-01-15 return only (net -20, false)  → never a buyer
//	P3 2024-02-01 fully refunded (net 0, false), 2024-03-05 paid (true)
//	   → new in Mar, not Feb
//	P4 2024-02-20 "cancelled" with purchase true → new in Feb: the column,
//	   not the status, decides
//	P5 2024-03-01 anonymous purchase (no customer) → left out
//
// The same orders without the column give the old rule: P1 (net 0) is no
// buyer and P4 (cancelled) is none either.
func TestGrowthPurchaseColumn(t *testing.T) {
	rows := [][]any{
		{"shopify", "p1", "2024-01-10 10:00", "P1", nil, nil, "paid", 0, true},
		{"shopify", "p2", "2024-01-15 10:00", "P2", nil, nil, "returned", -20, false},
		{"shopify", "p3a", "2024-02-01 10:00", "P3", nil, nil, "refunded", 0, false},
		{"shopify", "p3b", "2024-03-05 10:00", "P3", nil, nil, "paid", 15, true},
		{"shopify", "p4", "2024-02-20 10:00", "P4", nil, nil, "cancelled", 12, true},
		{"pos", "p5", "2024-03-01 10:00", nil, "S1", nil, "paid", 9, true},
	}
	withCol := []arrow.RecordBatch{batch(t, orderSpec+" purchase:b", rows...)}
	var plain [][]any
	for _, r := range rows {
		plain = append(plain, r[:len(r)-1])
	}
	without := []arrow.RecordBatch{batch(t, orderSpec, plain...)}
	defer releaseAll(withCol, without)
	opt := GrowthOptions{Common: Common{AsOf: asOf("2024-03-31"), Location: shanghai}, ChurnDays: 60}
	for _, c := range []struct {
		name                   string
		orders                 []arrow.RecordBatch
		newJan, newFeb, newMar int
		purchases, not, anon   int64
	}{
		{"purchase column decides", withCol, 1, 1, 1, 3, 2, 1},
		{"without the column: net > 0, not cancelled", without, 0, 0, 1, 1, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			recs, st, err := Growth(c.orders, nil, nil, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer release(recs)
			rows := rowsOf(t, recs)
			for _, m := range []struct {
				period string
				n      int
			}{{"2024-01", c.newJan}, {"2024-02", c.newFeb}, {"2024-03", c.newMar}} {
				// The mart starts at the month of the first purchase.
				if m.n == 0 && count(rows, "period", m.period, "dimension", DimTotal) == 0 {
					continue
				}
				r := pick(t, rows, "period", m.period, "dimension", DimTotal, "key", "all")
				want(t, r, "new_customers", m.n)
			}
			if st.Purchases != c.purchases || st.NotPurchases != c.not || st.AnonymousPurchases != c.anon {
				t.Errorf("stats %+v", st)
			}
		})
	}
}
