package metrics

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestChannelCredit: as of 2024-06-30, 90-day window.
//
//	R1 recruited in store S1 by A1 on 2024-01-10 (window to 2024-04-09):
//	   tmall 2024-02-01 50 (credited, February), jd 2024-02-15 fully
//	   refunded (net 0, not a purchase), jd 2024-03-15 70 (credited,
//	   March), pos S1 2024-03-20 (a store purchase, not credited),
//	   shopify 2024-05-01 30 (outside the window).
//	R2 recruited in S1 by A2 on 2024-01-15: tmall 2024-01-20 40 and
//	   2024-01-25 10 (credited, January).
//	R3 first bought on tmall 2024-01-05, then pos S1 (A1) and jd: not
//	   store-recruited, nothing credited.
//	R4 recruited in S2 with no associate on 2024-02-10 10:00, bought on
//	   tmall the same day at 15:00 for 20 (credited, February).
//	An anonymous store receipt is ignored.
//
// January: S1 recruited R1, R2; R2's 2 orders, 50. February: S1 R1's 50;
// S2 recruited R4 and R4's 20. March: S1 R1's 70.
func TestChannelCredit(t *testing.T) {
	orders := []arrow.RecordBatch{batch(t, orderSpec,
		[]any{"pos", "r1a", "2024-01-10 12:00", "R1", "S1", "A1", "paid", 100},
		[]any{"tmall", "r1b", "2024-02-01 12:00", "R1", nil, nil, "paid", 50},
		[]any{"jd", "r1c", "2024-02-15 12:00", "R1", nil, nil, "refunded", 0},
		[]any{"jd", "r1d", "2024-03-15 12:00", "R1", nil, nil, "paid", 70},
		[]any{"pos", "r1e", "2024-03-20 12:00", "R1", "S1", "A2", "paid", 60},
		[]any{"shopify", "r1f", "2024-05-01 12:00", "R1", nil, nil, "paid", 30},
		[]any{"pos", "r2a", "2024-01-15 12:00", "R2", "S1", "A2", "paid", 80},
		[]any{"tmall", "r2b", "2024-01-20 12:00", "R2", nil, nil, "paid", 40},
		[]any{"tmall", "r2c", "2024-01-25 12:00", "R2", nil, nil, "paid", 10},
		[]any{"tmall", "r3a", "2024-01-05 12:00", "R3", nil, nil, "paid", 25},
		[]any{"pos", "r3b", "2024-01-06 12:00", "R3", "S1", "A1", "paid", 25},
		[]any{"jd", "r3c", "2024-02-01 12:00", "R3", nil, nil, "paid", 25},
		[]any{"tmall", "r4b", "2024-02-10 15:00", "R4", nil, nil, "paid", 20},
		[]any{"pos", "r4a", "2024-02-10 10:00", "R4", "S2", nil, "paid", 90},
		[]any{"pos", "x", "2024-02-10 10:00", nil, "S2", "A9", "paid", 90},
	)}
	stores := []arrow.RecordBatch{batch(t, "store_id:s store_name:s region:s",
		[]any{"S1", "徐汇店", "East"}, []any{"S2", "Chaoyang", "North"})}
	defer releaseAll(orders, stores)
	recs, st, err := ChannelCredit(orders, stores, CreditOptions{Common: Common{AsOf: asOf("2024-06-30"), Location: shanghai}, WindowDays: 90})
	if err != nil {
		t.Fatal(err)
	}
	defer release(recs)
	if !recs[0].Schema().Equal(CreditSchema) {
		t.Fatalf("schema %s", recs[0].Schema())
	}
	rows := rowsOf(t, recs)
	store := func(period, s string) row {
		return pick(t, rows, "period", period, "level", "store", "store_id", s)
	}
	assoc := func(period, s string, a any) row {
		return pick(t, rows, "period", period, "level", "associate", "store_id", s, "associate_id", a)
	}
	want(t, store("2024-01", "S1"), "store_name", "徐汇店", "region", "East", "associate_id", nil,
		"recruited_customers", 2, "online_buyers", 1, "online_orders", 2, "online_revenue", 50.0, "window_days", 90)
	want(t, assoc("2024-01", "S1", "A1"), "recruited_customers", 1, "online_buyers", 0, "online_orders", 0, "online_revenue", 0.0)
	want(t, assoc("2024-01", "S1", "A2"), "recruited_customers", 1, "online_buyers", 1, "online_orders", 2, "online_revenue", 50.0)
	want(t, store("2024-02", "S1"), "recruited_customers", 0, "online_buyers", 1, "online_orders", 1, "online_revenue", 50.0)
	want(t, assoc("2024-02", "S1", "A1"), "online_buyers", 1, "online_orders", 1, "online_revenue", 50.0)
	want(t, store("2024-02", "S2"), "store_name", "Chaoyang", "region", "North", "recruited_customers", 1, "online_buyers", 1,
		"online_orders", 1, "online_revenue", 20.0)
	want(t, assoc("2024-02", "S2", nil), "recruited_customers", 1, "online_orders", 1, "online_revenue", 20.0)
	want(t, store("2024-03", "S1"), "online_buyers", 1, "online_orders", 1, "online_revenue", 70.0)
	want(t, assoc("2024-03", "S1", "A1"), "online_orders", 1, "online_revenue", 70.0)
	// Rows: Jan S1 + A1 + A2, Feb S1 + A1 + S2 + none, Mar S1 + A1; nothing after.
	if len(rows) != 9 {
		t.Errorf("%d rows, want 9", len(rows))
	}
	if st.Customers != 4 || st.StoreRecruited != 3 || st.NoAssociate != 1 || st.CreditedOrders != 5 || st.CreditedRevenue != 190 ||
		st.AnonymousPurchases != 1 || st.NonPositiveOrders != 1 {
		t.Errorf("stats %+v", st)
	}
}
