package metrics

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestGrowthContributions: the per-customer rows of TestGrowth's customers
// (as of 2024-06-30, 60 days; churn = last purchase + 61 days).
//
//	G1 tmall, East: Jan new; Feb returning (two orders on Feb 10, one day);
//	   the Feb 10 → Jun 1 gap churns on Apr 11 and reactivates in June;
//	   last Jun 1 → churn_date Aug 1.
//	G2 pos, no region of its own → North from store S2: Jan new, Mar
//	   returning (41 days); last Mar 1 → churn_date May 1.
//	G3 jd, East: Mar new (Feb 29 17:00 UTC is Mar 1 locally), the 111-day
//	   gap churns on May 1, reactivated in June; churn_date Aug 20.
//	G4 shopify, North: Jun new (May's order nets 0); churn_date Aug 10.
//	G5 (cancelled only) and the anonymous order add nothing.
func TestGrowthContributions(t *testing.T) {
	orders, customers, stores := growthCase(t)
	defer releaseAll(orders, customers, stores)
	opt := GrowthOptions{Common: Common{AsOf: asOf("2024-06-30"), Location: shanghai}, ChurnDays: 60}
	mart, c, st, err := GrowthContributions(orders, customers, stores, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer release(mart)
	defer c.Release()
	if !c.Months[0].Schema().Equal(GrowthContribSchema) || !c.Customers[0].Schema().Equal(GrowthCustomerSchema) {
		t.Fatalf("schemas %s, %s", c.Months[0].Schema(), c.Customers[0].Schema())
	}
	months := rowsOf(t, c.Months)
	type m struct {
		cust, period, ch, reg                        string
		buyers, newc, ret, react, reactEvents, churn int
	}
	wantMonths := []m{
		{"G1", "2024-01", "tmall", "East", 1, 1, 0, 0, 0, 0},
		{"G1", "2024-02", "tmall", "East", 1, 0, 1, 0, 0, 0},
		{"G1", "2024-04", "tmall", "East", 0, 0, 0, 0, 0, 1},
		{"G1", "2024-06", "tmall", "East", 1, 0, 0, 1, 1, 0},
		{"G2", "2024-01", "pos", "North", 1, 1, 0, 0, 0, 0},
		{"G2", "2024-03", "pos", "North", 1, 0, 1, 0, 0, 0},
		{"G3", "2024-03", "jd", "East", 1, 1, 0, 0, 0, 0},
		{"G3", "2024-05", "jd", "East", 0, 0, 0, 0, 0, 1},
		{"G3", "2024-06", "jd", "East", 1, 0, 0, 1, 1, 0},
		{"G4", "2024-06", "shopify", "North", 1, 1, 0, 0, 0, 0},
	}
	if len(months) != len(wantMonths) {
		t.Errorf("%d month rows, want %d", len(months), len(wantMonths))
	}
	for _, e := range wantMonths {
		r := pick(t, months, "customer_id", e.cust, "period", e.period)
		want(t, r, "first_channel", e.ch, "region", e.reg, "buyers", e.buyers, "new_customers", e.newc, "returning_customers", e.ret,
			"reactivated_customers", e.react, "reactivations", e.reactEvents, "churned", e.churn, "computed_as_of", "2024-06-30")
	}
	custs := rowsOf(t, c.Customers)
	for _, e := range []struct {
		cust, ch, reg string
		custReg       any
		churn, period string
	}{
		{"G1", "tmall", "East", "East", "2024-08-01", "2024-08"},
		{"G2", "pos", "North", nil, "2024-05-01", "2024-05"},
		{"G3", "jd", "East", "East", "2024-08-20", "2024-08"},
		{"G4", "shopify", "North", "North", "2024-08-10", "2024-08"},
	} {
		r := pick(t, custs, "customer_id", e.cust)
		want(t, r, "first_channel", e.ch, "region", e.reg, "customer_region", e.custReg, "churn_date", e.churn, "churn_period", e.period)
	}
	if len(custs) != 4 || st.Customers != 4 {
		t.Errorf("%d customer rows, %d customers; want 4", len(custs), st.Customers)
	}
	ref, _, err := Growth(orders, customers, stores, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer release(ref)
	if d := diffRows(rowsOf(t, mart), rowsOf(t, ref)); d != "" {
		t.Errorf("GrowthContributions' rows differ from Growth's: %s", d)
	}
}

// TestGrowthFromCells: the mart summed from the contributions equals
// Growth's, as of TestGrowth's date (only G2's last churn, May 1, is
// reached) and as of 2024-08-15 (G1's Aug 1 and G4's Aug 10 are too, G3's
// Aug 20 is not; the months without purchases run on to August). Cells
// come in as the contributions (one row per customer and month), summed
// per key, and summed with the churns split over two rows.
func TestGrowthFromCells(t *testing.T) {
	orders, customers, stores := growthCase(t)
	defer releaseAll(orders, customers, stores)
	for _, day := range []string{"2024-06-30", "2024-08-15"} {
		opt := GrowthOptions{Common: Common{AsOf: asOf(day), Location: shanghai}, ChurnDays: 60}
		_, c, _, err := GrowthContributions(orders, customers, stores, opt)
		if err != nil {
			t.Fatal(err)
		}
		ref, _, err := Growth(orders, customers, stores, opt)
		if err != nil {
			t.Fatal(err)
		}
		refRows := rowsOf(t, ref)
		release(ref)
		var perCustomer, summed [][]any
		sums := map[string][]int{}
		add := func(period, ch, reg string, v []int) {
			perCustomer = append(perCustomer, []any{period, ch, reg, v[0], v[1], v[2], v[3], v[4], v[5]})
			k := period + "|" + ch + "|" + reg
			if sums[k] == nil {
				sums[k] = make([]int, 6)
			}
			for i := range v {
				sums[k][i] += v[i]
			}
		}
		for _, r := range rowsOf(t, c.Months) {
			var v []int
			for _, col := range []string{"buyers", "new_customers", "returning_customers", "reactivated_customers", "reactivations", "churned"} {
				v = append(v, int(r[col].(int64)))
			}
			add(r["period"].(string), r["first_channel"].(string), r["region"].(string), v)
		}
		lastChurns := 0
		for _, r := range rowsOf(t, c.Customers) {
			if r["churn_date"].(string) <= day {
				lastChurns++
				add(r["churn_period"].(string), r["first_channel"].(string), r["region"].(string), []int{0, 0, 0, 0, 0, 1})
			}
		}
		c.Release()
		if want := map[string]int{"2024-06-30": 1, "2024-08-15": 3}[day]; lastChurns != want {
			t.Fatalf("as of %s: %d last churns reached, want %d", day, lastChurns, want)
		}
		keys := make([]string, 0, len(sums))
		for k := range sums {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := strings.SplitN(k, "|", 3)
			v := sums[k]
			// each sum as two rows: the churns apart from the rest
			summed = append(summed, []any{p[0], p[1], p[2], v[0], v[1], v[2], v[3], v[4], 0}, []any{p[0], p[1], p[2], 0, 0, 0, 0, 0, v[5]})
		}
		const spec = "period:s first_channel:s region:s buyers:i new_customers:i returning_customers:i reactivated_customers:i reactivations:i churned:f"
		for name, cells := range map[string][][]any{"per customer": perCustomer, "summed": summed} {
			in := []arrow.RecordBatch{batch(t, spec, cells...)}
			got, err := GrowthFromCells(in, opt)
			release(in)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffRows(rowsOf(t, got), refRows); d != "" {
				t.Errorf("as of %s, cells %s: %s", day, name, d)
			}
			release(got)
		}
		if day == "2024-08-15" {
			r := pick(t, refRows, "period", "2024-08", "dimension", DimTotal, "key", "all")
			want(t, r, "active_start", 3, "churned_customers", 2, "active_end", 1)
		}
	}
}

// TestGrowthFromCellsErrors: cells that cannot be a sum of contributions.
func TestGrowthFromCellsErrors(t *testing.T) {
	opt := GrowthOptions{Common: Common{AsOf: asOf("2024-06-30"), Location: shanghai}, ChurnDays: 60}
	const spec = "period:s first_channel:s region:s buyers:i new_customers:i returning_customers:i reactivated_customers:i reactivations:i churned:f"
	for _, c := range []struct {
		name string
		row  []any
		want string
	}{
		{"bad period", []any{"2024-6", "tmall", "East", 1, 1, 0, 0, 0, 0.0}, `period "2024-6" is not YYYY-MM`},
		{"after the as-of month", []any{"2024-07", "tmall", "East", 1, 1, 0, 0, 0, 0.0}, "period 2024-07 is after the as-of month 2024-06"},
		{"fraction", []any{"2024-06", "tmall", "East", 1, 1, 0, 0, 0, 0.5}, "column churned is 0.5, not a count"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := []arrow.RecordBatch{batch(t, spec, c.row)}
			defer release(in)
			_, err := GrowthFromCells(in, opt)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "row 0") {
				t.Errorf("got %v, want an error naming row 0 and %q", err, c.want)
			}
		})
	}
}

// TestGrowthFirstPurchaseTie: two purchases at the same instant count
// under the lesser channel whatever the order they are read in.
func TestGrowthFirstPurchaseTie(t *testing.T) {
	rows := [][]any{
		{"tmall", "t1", "2024-03-01 10:00", "T1", nil, nil, "paid", 10},
		{"jd", "t2", "2024-03-01 10:00", "T1", nil, nil, "paid", 20},
	}
	opt := GrowthOptions{Common: Common{AsOf: asOf("2024-03-31"), Location: shanghai}, ChurnDays: 60}
	for _, order := range [][]int{{0, 1}, {1, 0}} {
		in := []arrow.RecordBatch{batch(t, orderSpec, rows[order[0]], rows[order[1]])}
		recs, _, err := Growth(in, nil, nil, opt)
		release(in)
		if err != nil {
			t.Fatal(err)
		}
		got := rowsOf(t, recs)
		release(recs)
		want(t, pick(t, got, "period", "2024-03", "dimension", DimFirstChannel), "key", "jd", "new_customers", 1)
	}
}

// diffRows describes the first difference between two sets of mart rows
// (compared in any order; floats to 1e-9 relative), "" when equal.
func diffRows(a, b []row) string {
	key := func(r row) string {
		var ks []string
		for k := range r {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		var parts []string
		for _, k := range ks {
			v := r[k]
			if f, ok := v.(float64); ok {
				v = fmt.Sprintf("%.9g", f)
				if math.Abs(f) < 1e-300 {
					v = "0"
				}
			}
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
		return strings.Join(parts, " ")
	}
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i, r := range a {
		ka[i] = key(r)
	}
	for i, r := range b {
		kb[i] = key(r)
	}
	sort.Strings(ka)
	sort.Strings(kb)
	for i := 0; i < len(ka) && i < len(kb); i++ {
		if ka[i] != kb[i] {
			return fmt.Sprintf("row %d:\n got  %s\n want %s", i, ka[i], kb[i])
		}
	}
	if len(ka) != len(kb) {
		return fmt.Sprintf("%d rows, want %d", len(ka), len(kb))
	}
	return ""
}
