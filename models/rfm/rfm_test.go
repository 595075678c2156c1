package rfm

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestQuintiles(t *testing.T) {
	cases := []struct {
		name   string
		values []float64
		want   []int8
	}{
		{"empty", nil, []int8{}},
		{"single customer: nobody is worse, L=0", []float64{5}, []int8{1}},
		// n=10, L=i: 1+⌊5i/10⌋.
		{"distinct", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []int8{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}},
		{"all tied: L=0 for everyone", []float64{7, 7, 7, 7}, []int8{1, 1, 1, 1}},
		// Six 1s (L=0 → 1), 2s have L=6 → 1+⌊30/10⌋ = 4, 3 has L=8 → 5,
		// 5 has L=9 → 1+⌊45/10⌋ = 5: scores 2 and 3 are unused.
		{"heavy ties at the bottom", []float64{1, 1, 1, 1, 1, 1, 2, 2, 3, 5}, []int8{1, 1, 1, 1, 1, 1, 4, 4, 5, 5}},
		// Positions 1 and 2 hold the tied 20s; NTILE(5) would put them in
		// buckets 2 and 3, here both get the lower: L=1 → 2. 30: L=3 → 4.
		{"tie across a bucket boundary shares the lower bucket", []float64{10, 20, 20, 30, 40}, []int8{1, 2, 2, 4, 5}},
		// Input order does not matter: 1s L=0 → 1, 2 L=2 → 1+⌊10/4⌋ = 3,
		// 3 L=3 → 1+⌊15/4⌋ = 4.
		{"unsorted input", []float64{3, 1, 2, 1}, []int8{4, 1, 3, 1}},
		// Recency is scored on −days: 0 days is best.
		{"negated recency", []float64{-0, -3, -3, -10, -400}, []int8{5, 3, 3, 2, 1}},
		// Non-integers take the sorting path: sorted −3.75, 0.5, 0.5, 2.25,
		// 1e9 → L = 0, 1, 1, 3, 4 → 1, 2, 2, 4, 5.
		{"fractional with ties", []float64{0.5, 2.25, 0.5, 1e9, -3.75}, []int8{2, 4, 2, 5, 1}},
		// Integers over a wide range also sort: sorted 0, 5, 1e12, 1e12 →
		// L = 0, 1, 2, 2 → 1, 1+⌊5/4⌋ = 2, 1+⌊10/4⌋ = 3, 3.
		{"wide integer range", []float64{0, 1e12, 1e12, 5}, []int8{1, 3, 3, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Quintiles(tc.values)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Quintiles(%v) = %v, want %v", tc.values, got, tc.want)
			}
			// Any permutation of the input gives each value the same score.
			rev := slices.Clone(tc.values)
			slices.Reverse(rev)
			gotRev := Quintiles(rev)
			slices.Reverse(gotRev)
			if !slices.Equal(gotRev, tc.want) {
				t.Fatalf("reversed input: %v, want %v", gotRev, tc.want)
			}
		})
	}
}

// TestQuintilesBruteForce checks both code paths (counting and sorting)
// against the definition, L counted pair by pair, on random data with ties.
func TestQuintilesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 200; trial++ {
		n := 1 + r.IntN(60)
		vals := make([]float64, n)
		for i := range vals {
			switch trial % 3 {
			case 0: // small integers, many ties: counting path
				vals[i] = float64(r.IntN(6))
			case 1: // cents: sorting path
				vals[i] = float64(r.IntN(400)) / 4
			default: // huge integers: sorting path
				vals[i] = float64(r.IntN(3)) * 1e13
			}
		}
		got := Quintiles(vals)
		for i, v := range vals {
			l := 0
			for _, w := range vals {
				if w < v {
					l++
				}
			}
			if want := int8(1 + 5*l/n); got[i] != want {
				t.Fatalf("trial %d: value %v scored %d, want %d (L=%d, N=%d)", trial, v, got[i], want, l, n)
			}
		}
	}
}

func TestTierOf(t *testing.T) {
	cases := []struct {
		r, score, hv, dorm int
		want               Tier
	}{
		{2, 15, 12, 2, Dormant},   // R at the dormant limit wins over a high score
		{1, 3, 12, 2, Dormant},    // lowest everything
		{3, 12, 12, 2, HighValue}, // score exactly at the high value minimum
		{3, 11, 12, 2, Active},    // one below
		{5, 15, 12, 2, HighValue}, // best
		{2, 6, 12, 1, Active},     // dormant limit lowered to 1: R=2 is not dormant
		{1, 13, 12, 1, Dormant},
		{3, 9, 9, 2, HighValue}, // high value minimum lowered to 9
	}
	for _, tc := range cases {
		if got := TierOf(tc.r, tc.score, tc.hv, tc.dorm); got != tc.want {
			t.Errorf("TierOf(r=%d, score=%d, hv=%d, dormant=%d) = %s, want %s", tc.r, tc.score, tc.hv, tc.dorm, got, tc.want)
		}
	}
	for tier, action := range map[Tier]string{Dormant: "reactivate", Active: "maintain", HighValue: "deepen"} {
		if tier.Action() != action {
			t.Errorf("%s.Action() = %q, want %q", tier, tier.Action(), action)
		}
	}
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

type order struct {
	ix  int64 // < 0: null
	ts  time.Time
	amt float64
}

func ordersBatch(t testing.TB, rows []order) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: ColCustomer, Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: ColOrderTS, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: ColNetAmount, Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		if r.ix < 0 {
			b.Field(0).(*array.Int64Builder).AppendNull()
		} else {
			b.Field(0).(*array.Int64Builder).Append(r.ix)
		}
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(r.ts.UnixMicro()))
		b.Field(2).(*array.Float64Builder).Append(r.amt)
	}
	return b.NewRecordBatch()
}

func customersBatch(t testing.TB, ixs []int32, ids []string) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: ColCustomer, Type: arrow.PrimitiveTypes.Int32},
		{Name: ColCustomerID, Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range ixs {
		b.Field(0).(*array.Int32Builder).Append(ixs[i])
		b.Field(1).(*array.StringBuilder).Append(ids[i])
	}
	return b.NewRecordBatch()
}

func local(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai)
}

// TestCompute works an example by hand. Zone Asia/Shanghai, as-of
// 2024-06-30, window 365 days = 2023-07-02 00:00 .. 2024-07-01 00:00 local
// (2024 is a leap year, so 365 days back from 2024-07-01 is 2023-07-02).
// The model takes every order it is handed as a purchase, whatever its
// amount (the shared purchase rule chose them).
//
//	A (0): 2024-06-30 23:00 100, 2024-01-01 50    → recency 0,   F 2, M 150
//	B (1): 2024-06-01 200                         → recency 29,  F 1, M 200
//	C (2): 2023-07-01 23:59 500 (just before the window)
//	                                              → recency 365 (the span holds 2024-02-29), F 0, M 0
//	D (3): 2023-07-02 00:00 10.004 (first instant of the window), 2024-06-30 00:30 20.003
//	                                              → recency 0,   F 2, M 30.007 → 30.01
//	E (4): 2024-07-01 00:00 999 (after the as-of day), 2024-05-01 0.00 (a $0.00 purchase: E is a buyer)
//	                                              → recency 60 (30 days of May + 30 of June), F 1, M 0
//	F (5): 2024-06-01 120 and 80 (two orders)     → recency 29,  F 2, M 200
//	null customer: 2024-06-02 5                   → left out
//
// N = 6 scored; score = 1 + ⌊5·L/6⌋. R on −recency: sorted −365, −60, −29, −29, 0, 0:
// C L=0 → 1; E L=1 → 1; B, F L=2 → 2; A, D L=4 → 4.
// F: sorted 0, 1, 1, 2, 2, 2: C → 1; B, E L=1 → 1; A, D, F L=3 → 3.
// M: sorted 0, 0, 30.01, 150, 200, 200: C, E L=0 → 1; D L=2 → 2; A L=3 → 3; B, F L=4 → 4.
// RFM: A 4+3+3 = 10, B 2+1+4 = 7, C 1+1+1 = 3, D 4+3+2 = 9, E 1+1+1 = 3, F 2+3+4 = 9.
// Default tiers (dormant R <= 2, high value >= 12): A active, B dormant,
// C dormant, D active, E dormant, F dormant. With high value >= 10 and
// dormant R <= 1: A high_value, B active, C dormant, D active, E dormant,
// F active.
func TestCompute(t *testing.T) {
	ord := ordersBatch(t, []order{
		{0, local(2024, 6, 30, 23, 0), 100},
		{1, local(2024, 6, 1, 10, 0), 200},
		{2, local(2023, 7, 1, 23, 59), 500},
		{3, local(2023, 7, 2, 0, 0), 10.004},
		{4, local(2024, 7, 1, 0, 0), 999},
		{5, local(2024, 6, 1, 11, 0), 120},
		{-1, local(2024, 6, 2, 11, 0), 5},
		{0, local(2024, 1, 1, 12, 0), 50},
		{3, local(2024, 6, 30, 0, 30), 20.003},
		{4, local(2024, 5, 1, 12, 0), 0},
		{5, local(2024, 6, 1, 18, 0), 80},
	})
	defer ord.Release()
	cust := customersBatch(t, []int32{5, 4, 3, 2, 1, 0}, []string{"F", "E", "D", "C", "B", "A"})
	defer cust.Release()
	in := []arrow.RecordBatch{ord}
	cs := []arrow.RecordBatch{cust}

	want := []Score{
		{"A", 0, 2, 150, 4, 3, 3, Active},
		{"B", 29, 1, 200, 2, 1, 4, Dormant},
		{"C", 365, 0, 0, 1, 1, 1, Dormant},
		{"D", 0, 2, 30.01, 4, 3, 2, Active},
		{"E", 60, 1, 0, 1, 1, 1, Dormant},
		{"F", 29, 2, 200, 2, 3, 4, Dormant},
	}
	res, err := Compute(in, cs, Options{AsOf: local(2024, 6, 30, 0, 0), Location: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	if res.Len() != len(want) {
		t.Fatalf("%d scored, want %d", res.Len(), len(want))
	}
	for i, w := range want {
		if got := res.Row(i); got != w {
			t.Errorf("row %d: got %+v, want %+v", i, got, w)
		}
	}
	if res.Orders != 11 || res.Purchases != 9 || res.AfterAsOf != 1 || res.Null != 1 {
		t.Errorf("accounting: orders %d purchases %d after %d null %d", res.Orders, res.Purchases, res.AfterAsOf, res.Null)
	}
	if tc := res.TierCounts(); tc[Dormant] != 4 || tc[Active] != 2 || tc[HighValue] != 0 {
		t.Errorf("tier counts %v", tc)
	}
	if !res.WindowStart.Equal(local(2023, 7, 2, 0, 0)) {
		t.Errorf("window start %v", res.WindowStart)
	}

	res2, err := Compute(in, cs, Options{AsOf: local(2024, 6, 30, 0, 0), Location: shanghai, HighValueMin: 10, DormantRecencyMax: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []Tier{HighValue, Active, Dormant, Active, Dormant, Active} {
		if res2.Tier[i] != w {
			t.Errorf("thresholds 10/1, row %d (%s): tier %s, want %s", i, res2.CustomerID[i], res2.Tier[i], w)
		}
	}

	recs := res.Record(nil, local(2024, 6, 30, 0, 0), 2)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	if len(recs) != 3 || recs[2].NumRows() != 2 || !recs[0].Schema().Equal(MartSchema) {
		t.Fatalf("record batches: %d", len(recs))
	}
	// Row 1 of batch 0 is B: rfm_score 7, tier dormant, action reactivate;
	// as_of 2024-06-30 = day 19904.
	r0 := recs[0]
	if r0.Column(0).(*array.Date32).Value(1) != 19904 || r0.Column(1).(*array.String).Value(1) != "B" ||
		r0.Column(8).(*array.Int32).Value(1) != 7 || r0.Column(9).(*array.String).Value(1) != "dormant" ||
		r0.Column(10).(*array.String).Value(1) != "reactivate" {
		t.Errorf("record row B wrong")
	}
}

func TestErrors(t *testing.T) {
	asOf := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	ord := ordersBatch(t, []order{{7, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), 1}})
	defer ord.Release()
	cust := customersBatch(t, []int32{0, 2}, []string{"a", "c"})
	defer cust.Release()
	hole := ordersBatch(t, []order{{1, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), 1}})
	defer hole.Release()
	dup := customersBatch(t, []int32{0, 0}, []string{"a", "b"})
	defer dup.Release()
	cases := []struct {
		name      string
		orders    []arrow.RecordBatch
		customers []arrow.RecordBatch
		opts      Options
		want      error
	}{
		{"index beyond customers", []arrow.RecordBatch{ord}, []arrow.RecordBatch{cust}, Options{AsOf: asOf}, ErrBadCustomer},
		{"index in a hole", []arrow.RecordBatch{hole}, []arrow.RecordBatch{cust}, Options{AsOf: asOf}, ErrBadCustomer},
		{"duplicate customer", nil, []arrow.RecordBatch{dup}, Options{AsOf: asOf}, ErrBadCustomer},
		{"no as-of", nil, nil, Options{}, ErrBadOptions},
		{"high value min out of range", nil, nil, Options{AsOf: asOf, HighValueMin: 16}, ErrBadOptions},
		{"dormant max out of range", nil, nil, Options{AsOf: asOf, DormantRecencyMax: 6}, ErrBadOptions},
		{"customers without ids", nil, []arrow.RecordBatch{ord}, Options{AsOf: asOf}, ErrBadColumn},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Compute(tc.orders, tc.customers, tc.opts); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestCents checks that a sum's float error does not decide its cents:
// 7.56 + 299.763 + 127.699 + 180.583 is 615.605 exactly, and its float
// sums in two orders straddle the half cent.
func TestCents(t *testing.T) {
	xs := []float64{7.56, 299.763, 127.699, 180.583} // added at run time: Go folds constant expressions exactly
	var a, b float64
	for i := range xs {
		a += xs[i]
		b += xs[len(xs)-1-i]
	}
	if a == b {
		t.Fatalf("the two orders sum to the same float %v: the case tests nothing", a)
	}
	for _, c := range []struct {
		name string
		in   float64
		want float64
	}{
		{"summed forwards", a, 615.61},
		{"summed backwards", b, 615.61},
		{"just below the half", 615.6049999999999, 615.61},
		{"a real 0.4 cent", 615.604, 615.6},
		{"0.46 of a cent", 615.6046, 615.6},
		{"a real 0.6 cent", 615.606, 615.61},
		{"negative half", -0.005, -0.01},
		{"zero", 0, 0},
	} {
		if got := cents(c.in); got != c.want {
			t.Errorf("%s: cents(%v) = %v, want %v", c.name, c.in, got, c.want)
		}
	}
}
