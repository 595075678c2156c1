package metrics

import (
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// creditCaseOrders are TestChannelCredit's orders (as of 2024-06-30, a
// 90-day window), by customer.
func creditCaseOrders() map[string][][]any {
	return map[string][][]any{
		"R1": {
			{"pos", "r1a", "2024-01-10 12:00", "R1", "S1", "A1", "paid", 100},
			{"tmall", "r1b", "2024-02-01 12:00", "R1", nil, nil, "paid", 50},
			{"jd", "r1c", "2024-02-15 12:00", "R1", nil, nil, "refunded", 0},
			{"jd", "r1d", "2024-03-15 12:00", "R1", nil, nil, "paid", 70},
			{"pos", "r1e", "2024-03-20 12:00", "R1", "S1", "A2", "paid", 60},
			{"shopify", "r1f", "2024-05-01 12:00", "R1", nil, nil, "paid", 30},
		},
		"R2": {
			{"pos", "r2a", "2024-01-15 12:00", "R2", "S1", "A2", "paid", 80},
			{"tmall", "r2b", "2024-01-20 12:00", "R2", nil, nil, "paid", 40},
			{"tmall", "r2c", "2024-01-25 12:00", "R2", nil, nil, "paid", 10},
		},
		"R3": {
			{"tmall", "r3a", "2024-01-05 12:00", "R3", nil, nil, "paid", 25},
			{"pos", "r3b", "2024-01-06 12:00", "R3", "S1", "A1", "paid", 25},
			{"jd", "r3c", "2024-02-01 12:00", "R3", nil, nil, "paid", 25},
		},
		"R4": {
			{"tmall", "r4b", "2024-02-10 15:00", "R4", nil, nil, "paid", 20},
			{"pos", "r4a", "2024-02-10 10:00", "R4", "S2", nil, "paid", 90},
		},
		"": {{"pos", "x", "2024-02-10 10:00", nil, "S2", "A9", "paid", 90}},
	}
}

func creditCaseBatch(t *testing.T, custs ...string) arrow.RecordBatch {
	t.Helper()
	all := creditCaseOrders()
	var rows [][]any
	for _, c := range custs {
		rows = append(rows, all[c]...)
	}
	return batch(t, orderSpec, rows...)
}

var creditCaseOpt = CreditOptions{Common: Common{AsOf: asOf("2024-06-30"), Location: shanghai}, WindowDays: 90}

// TestCreditContributions: the per-customer rows of TestChannelCredit's
// customers. R1 (S1, A1): recruited in January; February's tmall 50 (the
// refunded jd order is no purchase); March's jd 70 (the pos receipt is a
// store purchase; May's shopify order is past the window). R2 (S1, A2):
// recruited in January with two tmall orders, 50, one buyer. R3 first
// bought online: nothing. R4 (S2, no associate): recruited in February
// with the same day's tmall 20. The anonymous receipt adds nothing.
func TestCreditContributions(t *testing.T) {
	orders := []arrow.RecordBatch{creditCaseBatch(t, "R1", "R2", "R3", "R4", "")}
	defer releaseAll(orders)
	recs, st, err := CreditContributions(orders, creditCaseOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer release(recs)
	if !recs[0].Schema().Equal(CreditContribSchema) {
		t.Fatalf("schema %s", recs[0].Schema())
	}
	rows := rowsOf(t, recs)
	cases := []struct {
		name                      string
		cust, period              string
		store, assoc              any
		recruited, buyers, orders int64
		revenue                   float64
	}{
		{"R1 recruited", "R1", "2024-01", "S1", "A1", 1, 0, 0, 0},
		{"R1 tmall", "R1", "2024-02", "S1", "A1", 0, 1, 1, 50},
		{"R1 jd", "R1", "2024-03", "S1", "A1", 0, 1, 1, 70},
		{"R2 recruited and two orders", "R2", "2024-01", "S1", "A2", 1, 1, 2, 50},
		{"R4 no associate", "R4", "2024-02", "S2", nil, 1, 1, 1, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := pick(t, rows, "customer_id", c.cust, "period", c.period)
			want(t, r, "computed_as_of", "2024-06-30", "store_id", c.store, "associate_id", c.assoc, "recruited", c.recruited,
				"buyers", c.buyers, "orders", c.orders, "revenue", c.revenue)
		})
	}
	if len(rows) != len(cases) {
		t.Errorf("%d rows, want %d: %v", len(rows), len(cases), rows)
	}
	if st.Customers != 4 || st.StoreRecruited != 3 || st.NoAssociate != 1 || st.CreditedOrders != 5 || st.CreditedRevenue != 190 {
		t.Errorf("stats %+v", st)
	}
}

// TestCreditFromContributions: the mart from contributions equals
// ChannelCredit's, whether the contributions come from every order at
// once, from customers' orders read apart (as a nightly replaces some
// customers' rows) or as hand-written sums per period, store and
// associate (as the job's SQL aggregate gives them).
func TestCreditFromContributions(t *testing.T) {
	stores := []arrow.RecordBatch{batch(t, "store_id:s store_name:s region:s",
		[]any{"S1", "徐汇店", "East"}, []any{"S2", "Chaoyang", "North"})}
	all := []arrow.RecordBatch{creditCaseBatch(t, "R1", "R2", "R3", "R4", "")}
	defer releaseAll(stores, all)
	ref, _, err := ChannelCredit(all, stores, creditCaseOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer release(ref)
	wantRows := rowsOf(t, ref)
	contrib := func(custs ...string) []arrow.RecordBatch {
		o := []arrow.RecordBatch{creditCaseBatch(t, custs...)}
		defer releaseAll(o)
		recs, _, err := CreditContributions(o, creditCaseOpt)
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	const sumSpec = "period:s store_id:s associate_id:s recruited:i buyers:i orders:i revenue:f"
	cases := []struct {
		name    string
		contrib []arrow.RecordBatch
	}{
		{"one read", contrib("R1", "R2", "R3", "R4", "")},
		{"customers apart", append(append(contrib("R4"), contrib("R2", "")...), contrib("R1", "R3")...)},
		{"sums per pair", []arrow.RecordBatch{batch(t, sumSpec,
			[]any{"2024-03", "S1", "A1", 0, 1, 1, 70},
			[]any{"2024-01", "S1", "A1", 1, 0, 0, 0},
			[]any{"2024-01", "S1", "A2", 1, 1, 2, 50},
			[]any{"2024-02", "S2", nil, 1, 1, 1, 20},
			[]any{"2024-02", "S1", "A1", 0, 1, 1, 30},
			[]any{"2024-02", "S1", "A1", 0, 0, 0, 20}, // the same key again: added up
		)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer release(c.contrib)
			recs, err := CreditFromContributions(c.contrib, stores, creditCaseOpt)
			if err != nil {
				t.Fatal(err)
			}
			defer release(recs)
			if got := rowsOf(t, recs); !reflect.DeepEqual(got, wantRows) {
				t.Errorf("rows\n%v\nwant (ChannelCredit)\n%v", got, wantRows)
			}
		})
	}
	// A store missing from the master: no name, region Unknown.
	t.Run("unknown store", func(t *testing.T) {
		in := []arrow.RecordBatch{batch(t, sumSpec, []any{"2024-05", "S9", "A1", 2, 1, 3, 12.5})}
		defer releaseAll(in)
		recs, err := CreditFromContributions(in, stores, creditCaseOpt)
		if err != nil {
			t.Fatal(err)
		}
		defer release(recs)
		rows := rowsOf(t, recs)
		want(t, pick(t, rows, "level", "store"), "period", "2024-05", "store_id", "S9", "store_name", nil, "region", Unknown,
			"associate_id", nil, "recruited_customers", int64(2), "online_buyers", int64(1), "online_orders", int64(3), "online_revenue", 12.5, "window_days", int64(90))
		want(t, pick(t, rows, "level", "associate"), "associate_id", "A1", "online_orders", int64(3))
		if len(rows) != 2 {
			t.Errorf("%d rows, want 2", len(rows))
		}
	})
	t.Run("bad period", func(t *testing.T) {
		in := []arrow.RecordBatch{batch(t, sumSpec, []any{"2024-13", "S1", "A1", 1, 0, 0, 0})}
		defer releaseAll(in)
		_, err := CreditFromContributions(in, stores, creditCaseOpt)
		if err == nil || !strings.Contains(err.Error(), `period "2024-13"`) {
			t.Errorf("error %v, want one naming period \"2024-13\"", err)
		}
	})
}
