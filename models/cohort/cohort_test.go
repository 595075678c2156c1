package cohort

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var shanghai = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// order is one test order; ix < 0 means a null customer index.
type order struct {
	ix  int64
	ts  time.Time
	amt float64
}

// ordersBatch builds an orders batch with int64 or int32 indices and
// timestamps in the given unit.
func ordersBatch(t testing.TB, rows []order, ix32 bool, unit arrow.TimeUnit) arrow.RecordBatch {
	t.Helper()
	ixType := arrow.DataType(arrow.PrimitiveTypes.Int64)
	if ix32 {
		ixType = arrow.PrimitiveTypes.Int32
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: ColCustomer, Type: ixType, Nullable: true},
		{Name: ColOrderTS, Type: &arrow.TimestampType{Unit: unit, TimeZone: "UTC"}},
		{Name: ColNetAmount, Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		switch ib := b.Field(0).(type) {
		case *array.Int64Builder:
			if r.ix < 0 {
				ib.AppendNull()
			} else {
				ib.Append(r.ix)
			}
		case *array.Int32Builder:
			if r.ix < 0 {
				ib.AppendNull()
			} else {
				ib.Append(int32(r.ix))
			}
		}
		v, err := arrow.TimestampFromTime(r.ts, unit)
		if err != nil {
			t.Fatal(err)
		}
		b.Field(1).(*array.TimestampBuilder).Append(v)
		b.Field(2).(*array.Float64Builder).Append(r.amt)
	}
	return b.NewRecordBatch()
}

// customersBatch builds a customers batch: ix plus string columns; a value
// "<null>" is stored as null.
func customersBatch(t testing.TB, cols []string, ixs []int32, vals [][]string) arrow.RecordBatch {
	t.Helper()
	fields := []arrow.Field{{Name: ColCustomer, Type: arrow.PrimitiveTypes.Int32}}
	for _, c := range cols {
		fields = append(fields, arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for r, ix := range ixs {
		b.Field(0).(*array.Int32Builder).Append(ix)
		for c := range cols {
			sb := b.Field(c + 1).(*array.StringBuilder)
			if vals[r][c] == "<null>" {
				sb.AppendNull()
			} else {
				sb.Append(vals[r][c])
			}
		}
	}
	return b.NewRecordBatch()
}

func local(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai)
}

// TestHandBuilt works a small example out by hand. Business zone
// Asia/Shanghai (UTC+8), as-of 2024-03-15 (orders before 2024-03-16 00:00
// local count). The model takes every order it is handed as a purchase,
// whatever its amount (the shared purchase rule chose them), so the $0.00
// orders of customers 2 and 3 are purchases.
//
//	ix  first_channel region  first_category  orders (local time, net)
//	0   tmall         east    shoes           01-05 100, 01-20 50, 03-02 30
//	1   pos           north   bags            02-01 01:00 80 (= 01-31 17:00 UTC: February locally),
//	                                          02-10 20, 03-15 23:59 40 (last minute of the as-of day)
//	2   tmall         (null)  shoes           01-10 60, 02-29 0.00 (a purchase), 03-16 00:00 500 (after as-of)
//	3   jd            east    shoes           01-15 0.00 (its only purchase: a buyer, cohort 2024-01)
//	4   pos           north   bags            03-16 08:00 70 (after as-of) → in no cohort
//	null index: 01-07 1000 → left out
//
// Cohorts: 2024-01 = {0, 2, 3}, 2024-02 = {1}; months run 2024-01..2024-03.
//
//	all 2024-01: k0 active {0,2,3} = 3, revenue 100+50+60+0 = 210, cum/cust 210/3 = 70
//	             k1 active {2} = 1 → 33.3 % (its 02-29 $0.00 order), revenue 0, cum 70
//	             k2 active {0} = 1 → 33.3 %, revenue 30, cum (210+30)/3 = 80
//	all 2024-02: k0 active 1, revenue 80+20 = 100, cum 100; k1 active 1, revenue 40, cum 140
//	first_channel: jd = {3}: 2024-01 k0 1 / 100 % / 0 / 0, k1 and k2 0 / 0 / 0 / 0
//	               pos = {1} (2024-02 as above)
//	               tmall = {0,2}: 2024-01 k0 2 / 100 % / 210 / 105, k1 1 / 50 % / 0 / 105, k2 1 / 50 % / 30 / 120
//	region: east = {0,3}: 2024-01 k0 2 / 100 % / 150 / 75, k1 0 / 0 / 0 / 75, k2 1 / 50 % / 30 / 90
//	        north = {1}: as all 2024-02
//	        unknown = {2}: 2024-01 k0 1 / 100 % / 60 / 60, k1 1 / 100 % / 0 / 60, k2 0 / 0 / 0 / 60
//	first_category: bags = {1}, shoes = {0, 2, 3} (as all 2024-01)
//
// Accounting: 12 rows = 9 purchases + 2 after as-of + 1 null; 4 customers.
func TestHandBuilt(t *testing.T) {
	b1 := ordersBatch(t, []order{
		{0, local(2024, 1, 5, 10, 0), 100},
		{1, local(2024, 2, 1, 1, 0), 80},
		{2, local(2024, 1, 10, 12, 0), 60},
		{0, local(2024, 1, 20, 9, 0), 50},
		{-1, local(2024, 1, 7, 9, 0), 1000},
		{2, local(2024, 3, 16, 0, 0), 500},
	}, false, arrow.Microsecond)
	defer b1.Release()
	b2 := ordersBatch(t, []order{
		{1, local(2024, 2, 10, 15, 0), 20},
		{0, local(2024, 3, 2, 18, 0), 30},
		{2, local(2024, 2, 29, 11, 0), 0},
		{3, local(2024, 1, 15, 11, 0), 0},
		{1, local(2024, 3, 15, 23, 59), 40},
		{4, local(2024, 3, 16, 8, 0), 70},
	}, true, arrow.Millisecond)
	defer b2.Release()
	cols := []string{"first_channel", "region", "first_category"}
	c1 := customersBatch(t, cols, []int32{3, 1, 0}, [][]string{
		{"jd", "east", "shoes"}, {"pos", "north", "bags"}, {"tmall", "east", "shoes"}})
	defer c1.Release()
	c2 := customersBatch(t, cols, []int32{4, 2}, [][]string{
		{"pos", "north", "bags"}, {"tmall", "<null>", "shoes"}})
	defer c2.Release()

	res, err := Compute([]arrow.RecordBatch{b1, b2}, []arrow.RecordBatch{c1, c2}, Options{
		AsOf: local(2024, 3, 15, 0, 0), Location: shanghai, Dimensions: cols})
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		dim, val, month string
		k               int
		size, active    int64
		ret, rev, cum   float64
	}
	third := 100.0 / 3
	jan := func(dim, val string) []cell {
		return []cell{
			{dim, val, "2024-01", 0, 3, 3, 100, 210, 70},
			{dim, val, "2024-01", 1, 3, 1, third, 0, 70},
			{dim, val, "2024-01", 2, 3, 1, third, 30, 80},
		}
	}
	feb := func(dim, val string) []cell {
		return []cell{
			{dim, val, "2024-02", 0, 1, 1, 100, 100, 100},
			{dim, val, "2024-02", 1, 1, 1, 100, 40, 140},
		}
	}
	var want []cell
	want = append(want, jan("all", "all")...)
	want = append(want, feb("all", "all")...)
	want = append(want,
		cell{"first_channel", "jd", "2024-01", 0, 1, 1, 100, 0, 0},
		cell{"first_channel", "jd", "2024-01", 1, 1, 0, 0, 0, 0},
		cell{"first_channel", "jd", "2024-01", 2, 1, 0, 0, 0, 0})
	want = append(want, feb("first_channel", "pos")...)
	want = append(want,
		cell{"first_channel", "tmall", "2024-01", 0, 2, 2, 100, 210, 105},
		cell{"first_channel", "tmall", "2024-01", 1, 2, 1, 50, 0, 105},
		cell{"first_channel", "tmall", "2024-01", 2, 2, 1, 50, 30, 120})
	want = append(want,
		cell{"region", "east", "2024-01", 0, 2, 2, 100, 150, 75},
		cell{"region", "east", "2024-01", 1, 2, 0, 0, 0, 75},
		cell{"region", "east", "2024-01", 2, 2, 1, 50, 30, 90})
	want = append(want, feb("region", "north")...)
	want = append(want,
		cell{"region", "unknown", "2024-01", 0, 1, 1, 100, 60, 60},
		cell{"region", "unknown", "2024-01", 1, 1, 1, 100, 0, 60},
		cell{"region", "unknown", "2024-01", 2, 1, 0, 0, 0, 60})
	want = append(want, feb("first_category", "bags")...)
	want = append(want, jan("first_category", "shoes")...)

	if len(res.Cells) != len(want) {
		t.Fatalf("got %d cells, want %d: %+v", len(res.Cells), len(want), res.Cells)
	}
	for i, w := range want {
		g := res.Cells[i]
		got := cell{g.Dimension, g.Value, g.CohortMonth, g.MonthsSince, g.CohortSize, g.Active, g.RetentionPct, g.Revenue, g.CumRevenuePerCustomer}
		if got.dim != w.dim || got.val != w.val || got.month != w.month || got.k != w.k || got.size != w.size || got.active != w.active ||
			!approx(got.ret, w.ret) || !approx(got.rev, w.rev) || !approx(got.cum, w.cum) {
			t.Errorf("cell %d: got %+v, want %+v", i, got, w)
		}
	}
	if res.Customers != 4 || res.Orders != 12 || res.Purchases != 9 || res.AfterAsOf != 2 || res.Null != 1 {
		t.Errorf("accounting: %+v", *res)
	}

	rec := res.Record(nil, local(2024, 3, 15, 0, 0))
	defer rec.Release()
	if rec.NumRows() != int64(len(want)) || !rec.Schema().Equal(MartSchema) {
		t.Fatalf("record: %d rows, schema %s", rec.NumRows(), rec.Schema())
	}
	// 2024-03-15 is day 19797 since 1970-01-01 (the UTC instant of local
	// midnight is still 03-14, which must not be used).
	if got := rec.Column(0).(*array.Date32).Value(0); got != 19797 {
		t.Errorf("as_of date32 = %d, want 19797", got)
	}
}

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestLongHistory checks months_since beyond 64 (the activity bitset's
// second word) and a cohort with no purchase after its first month.
func TestLongHistory(t *testing.T) {
	utc := time.UTC
	rec := ordersBatch(t, []order{
		{0, time.Date(2015, 1, 31, 23, 0, 0, 0, utc), 10},
		{0, time.Date(2020, 7, 1, 0, 0, 0, 0, utc), 5}, // 66 months later
		{1, time.Date(2020, 7, 3, 0, 0, 0, 0, utc), 7},
	}, false, arrow.Nanosecond)
	defer rec.Release()
	cust := customersBatch(t, nil, []int32{0, 1}, [][]string{{}, {}})
	defer cust.Release()
	res, err := Compute([]arrow.RecordBatch{rec}, []arrow.RecordBatch{cust}, Options{AsOf: time.Date(2020, 8, 2, 0, 0, 0, 0, utc)})
	if err != nil {
		t.Fatal(err)
	}
	// 2015-01 cohort: months_since 0..67 (2015-01..2020-08) = 68 cells;
	// 2020-07 cohort: 0..1 = 2 cells.
	if len(res.Cells) != 70 {
		t.Fatalf("%d cells, want 70", len(res.Cells))
	}
	c66 := res.Cells[66]
	if c66.CohortMonth != "2015-01" || c66.MonthsSince != 66 || c66.Active != 1 || c66.Revenue != 5 || c66.CumRevenuePerCustomer != 15 {
		t.Errorf("cell 66: %+v", c66)
	}
	if c := res.Cells[67]; c.Active != 0 || c.CumRevenuePerCustomer != 15 {
		t.Errorf("cell 67: %+v", c)
	}
	if c := res.Cells[68]; c.CohortMonth != "2020-07" || c.Active != 1 || c.Revenue != 7 {
		t.Errorf("cell 68: %+v", c)
	}
}

func TestErrors(t *testing.T) {
	asOf := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	ord := ordersBatch(t, []order{{5, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), 1}}, false, arrow.Microsecond)
	defer ord.Release()
	cust := customersBatch(t, []string{"region"}, []int32{0, 1}, [][]string{{"a"}, {"b"}})
	defer cust.Release()
	dup := customersBatch(t, []string{"region"}, []int32{0, 0}, [][]string{{"a"}, {"b"}})
	defer dup.Release()
	// A purchase in year 1 would size the matrix at 24,277 months
	// (295 million cells per group) without the bound.
	year1 := ordersBatch(t, []order{{0, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), 1}, {1, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), 1}}, false, arrow.Microsecond)
	defer year1.Release()
	// 2014-01 to 2024-01 is 121 months: over a bound of 120, within 121.
	tenYears := ordersBatch(t, []order{{0, time.Date(2014, 1, 15, 0, 0, 0, 0, time.UTC), 1}}, false, arrow.Microsecond)
	defer tenYears.Release()
	cases := []struct {
		name      string
		orders    []arrow.RecordBatch
		customers []arrow.RecordBatch
		opts      Options
		want      error
	}{
		{"purchase in year 1", []arrow.RecordBatch{year1}, []arrow.RecordBatch{cust}, Options{AsOf: asOf}, ErrSpanTooLarge},
		{"121 months over a bound of 120", []arrow.RecordBatch{tenYears}, []arrow.RecordBatch{cust}, Options{AsOf: asOf, MaxMonths: 120}, ErrSpanTooLarge},
		{"121 months within a bound of 121", []arrow.RecordBatch{tenYears}, []arrow.RecordBatch{cust}, Options{AsOf: asOf, MaxMonths: 121}, nil},
		{"unknown customer", []arrow.RecordBatch{ord}, []arrow.RecordBatch{cust}, Options{AsOf: asOf}, ErrBadCustomer},
		{"duplicate customer", nil, []arrow.RecordBatch{dup}, Options{AsOf: asOf}, ErrBadCustomer},
		{"missing dimension", nil, []arrow.RecordBatch{cust}, Options{AsOf: asOf, Dimensions: []string{"city"}}, ErrBadColumn},
		{"reserved dimension", nil, []arrow.RecordBatch{cust}, Options{AsOf: asOf, Dimensions: []string{"all"}}, ErrBadOptions},
		{"no as-of", nil, []arrow.RecordBatch{cust}, Options{}, ErrBadOptions},
		{"customers as orders", []arrow.RecordBatch{cust}, []arrow.RecordBatch{cust}, Options{AsOf: asOf}, ErrBadColumn},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Compute(tc.orders, tc.customers, tc.opts); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// No purchases: an empty matrix, not an error.
	res, err := Compute(nil, []arrow.RecordBatch{cust}, Options{AsOf: asOf, Dimensions: []string{"region"}})
	if err != nil || len(res.Cells) != 0 || res.Customers != 0 {
		t.Fatalf("empty: %+v, %v", res, err)
	}
}

// TestDictionaryDimension: a dictionary-encoded dimension column gives the
// same cells as the plain string column (values sorted, nulls unknown).
func TestDictionaryDimension(t *testing.T) {
	ord := ordersBatch(t, []order{
		{0, local(2024, 1, 5, 10, 0), 10},
		{1, local(2024, 1, 6, 10, 0), 20},
		{2, local(2024, 2, 6, 10, 0), 40},
		{1, local(2024, 2, 7, 10, 0), 80},
	}, false, arrow.Microsecond)
	defer ord.Release()
	plain := customersBatch(t, []string{"region"}, []int32{0, 1, 2}, [][]string{{"west"}, {"<null>"}, {"east"}})
	defer plain.Release()

	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	db := array.NewDictionaryBuilder(memory.DefaultAllocator, dt).(*array.BinaryDictionaryBuilder)
	defer db.Release()
	for _, v := range []string{"west", "", "east"} {
		if v == "" {
			db.AppendNull()
		} else if err := db.AppendString(v); err != nil {
			t.Fatal(err)
		}
	}
	regions := db.NewArray()
	defer regions.Release()
	ixb := array.NewInt32Builder(memory.DefaultAllocator)
	defer ixb.Release()
	ixb.AppendValues([]int32{0, 1, 2}, nil)
	ixs := ixb.NewArray()
	defer ixs.Release()
	dict := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{
		{Name: ColCustomer, Type: arrow.PrimitiveTypes.Int32},
		{Name: "region", Type: dt, Nullable: true},
	}, nil), []arrow.Array{ixs, regions}, 3)
	defer dict.Release()

	opts := Options{AsOf: local(2024, 2, 29, 0, 0), Location: shanghai, Dimensions: []string{"region"}}
	a, err := Compute([]arrow.RecordBatch{ord}, []arrow.RecordBatch{plain}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Compute([]arrow.RecordBatch{ord}, []arrow.RecordBatch{dict}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Cells) == 0 || !slices.Equal(a.Cells, b.Cells) {
		t.Fatalf("plain %+v\ndictionary %+v", a.Cells, b.Cells)
	}
	// Regions sort east, unknown, west; unknown = customer 1 (January
	// cohort): 2024-01 k0 revenue 20, k1 revenue 80.
	var got []string
	for _, c := range a.Cells {
		if c.Dimension == "region" && c.MonthsSince == 0 {
			got = append(got, c.Value+"/"+c.CohortMonth)
		}
	}
	if want := []string{"east/2024-02", "unknown/2024-01", "west/2024-01"}; !slices.Equal(got, want) {
		t.Fatalf("region cohorts %v, want %v", got, want)
	}
}
