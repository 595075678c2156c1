package segment

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The hand-built batch (null = -):
//
//	row id   rfm_tier    aipl decile clv    region first_ch  lp_days social contacted
//	0   c00  dormant     A    1      950.5  华东   pos       400     true   false
//	1   c01  active      I    2      720    华北   tmall     30      false  true
//	2   c02  high_value  P    3      610    华东   jd        200     true   -
//	3   c03  dormant     -    4      400    华南   -         365     -      false
//	4   c04  active      L    5      300    -      shopify   10      false  false
//	5   c05  dormant     I    6      150    华东   pos       190     false  true
//	6   c06  high_value  P    7      90     华北   tmall     -       true   false
//	7   c07  -           A    -      -      华东   jd        500     false  false
//	8   c08  active      P    9      20     西南   pos       181     true   true
//	9   c09  dormant     -    10     5      华东   shopify   180     -      -
func handBatch(t testing.TB) arrow.RecordBatch {
	t.Helper()
	type s = *string
	str := func(v string) s { return &v }
	i64 := func(v int64) *int64 { return &v }
	f64 := func(v float64) *float64 { return &v }
	bl := func(v bool) *bool { return &v }
	ids := []s{str("c00"), str("c01"), str("c02"), str("c03"), str("c04"), str("c05"), str("c06"), str("c07"), str("c08"), str("c09")}
	tier := []s{str("dormant"), str("active"), str("high_value"), str("dormant"), str("active"), str("dormant"), str("high_value"), nil, str("active"), str("dormant")}
	aipl := []s{str("A"), str("I"), str("P"), nil, str("L"), str("I"), str("P"), str("A"), str("P"), nil}
	decile := []*int64{i64(1), i64(2), i64(3), i64(4), i64(5), i64(6), i64(7), nil, i64(9), i64(10)}
	clv := []*float64{f64(950.5), f64(720), f64(610), f64(400), f64(300), f64(150), f64(90), nil, f64(20), f64(5)}
	region := []s{str("华东"), str("华北"), str("华东"), str("华南"), nil, str("华东"), str("华北"), str("华东"), str("西南"), str("华东")}
	first := []s{str("pos"), str("tmall"), str("jd"), nil, str("shopify"), str("pos"), str("tmall"), str("jd"), str("pos"), str("shopify")}
	lpd := []*int64{i64(400), i64(30), i64(200), i64(365), i64(10), i64(190), nil, i64(500), i64(181), i64(180)}
	social := []*bool{bl(true), bl(false), bl(true), nil, bl(false), bl(false), bl(true), bl(false), bl(true), nil}
	contacted := []*bool{bl(false), bl(true), nil, bl(false), bl(false), bl(true), bl(false), bl(false), bl(true), nil}

	schema := arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.BinaryTypes.String},
		{Name: "rfm_tier", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "aipl_stage", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "clv_decile", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "clv", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "first_channel", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "last_purchase_days", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "social_engaged", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "contacted_90d", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < 10; i++ {
		for c, col := range [][]s{ids, tier, aipl} {
			appendStr(b.Field(c).(*array.StringBuilder), col[i])
		}
		appendI64(b.Field(3).(*array.Int64Builder), decile[i])
		if clv[i] == nil {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.Float64Builder).Append(*clv[i])
		}
		appendStr(b.Field(5).(*array.StringBuilder), region[i])
		appendStr(b.Field(6).(*array.StringBuilder), first[i])
		appendI64(b.Field(7).(*array.Int64Builder), lpd[i])
		for c, col := range [][]*bool{social, contacted} {
			if col[i] == nil {
				b.Field(8 + c).AppendNull()
			} else {
				b.Field(8 + c).(*array.BooleanBuilder).Append(*col[i])
			}
		}
	}
	return b.NewRecordBatch()
}

func appendStr(b *array.StringBuilder, v *string) {
	if v == nil {
		b.AppendNull()
	} else {
		b.Append(*v)
	}
}

func appendI64(b *array.Int64Builder, v *int64) {
	if v == nil {
		b.AppendNull()
	} else {
		b.Append(*v)
	}
}

// handCases are expressions over handBatch with the selected rows worked
// out by hand from the table above.
var handCases = []struct {
	expr string
	want []int
}{
	// dormant = {0,3,5,9}
	{"rfm_tier = 'dormant'", []int{0, 3, 5, 9}},
	// dormant ∩ 华东 {0,2,5,7,9}
	{"rfm_tier = 'dormant' AND region = '华东'", []int{0, 5, 9}},
	// decile<=2 {0,1}; contacted {1,5,8} so NOT contacted = {0,2,3,4,6,7,9} (nulls 2,9 in)
	{"clv_decile <= 2 AND NOT contacted_90d", []int{0}},
	// IN(I,P) {1,2,5,6,8} ∪ social {0,2,6,8} = {0,1,2,5,6,8}; lp_days>180 {0,2,3,5,7,8}
	{"(aipl_stage IN ('I','P') OR social_engaged) AND last_purchase_days > 180", []int{0, 2, 5, 8}},
	// != leaves out the null first channel (row 3)
	{"first_channel != 'pos'", []int{1, 2, 4, 6, 7, 9}},
	// NOT is the complement: row 3 (null) is in
	{"NOT first_channel = 'pos'", []int{1, 2, 3, 4, 6, 7, 9}},
	{"aipl_stage IS NULL", []int{3, 9}},
	{"aipl_stage IS NOT NULL", []int{0, 1, 2, 4, 5, 6, 7, 8}},
	// non-null and neither A nor L
	{"aipl_stage NOT IN ('A', 'L')", []int{1, 2, 5, 6, 8}},
	// dormant {0,3,5,9} ∪ (华北 {1,6} ∩ decile<5 {0,1,2,3} = {1}) = {0,1,3,5,9}; complement
	{"NOT (rfm_tier = 'dormant' OR (region = '华北' AND clv_decile < 5))", []int{2, 4, 6, 7, 8}},
	// clv > 100.5 {0..5}; clv < 700 {2,3,4,5,6,8,9}
	{"clv > 100.5 AND clv < 700", []int{2, 3, 4, 5}},
	{"contacted_90d = FALSE", []int{0, 3, 4, 6, 7}},
	{"social_engaged != TRUE", []int{1, 4, 5, 7}},
	{"social_engaged", []int{0, 2, 6, 8}},
	{"NOT NOT social_engaged", []int{0, 2, 6, 8}},
	{"social_engaged IN (TRUE, FALSE)", []int{0, 1, 2, 4, 5, 6, 7, 8}},
	{"clv_decile IN (1, 3, 10)", []int{0, 2, 9}},
	// many values: map lookup path
	{"clv_decile IN (1, 3, 10, 11, 12, 13, 14, 15)", []int{0, 2, 9}},
	{"region IN ('华南', '西南', 'a', 'b', 'c', 'd', 'e', 'f')", []int{3, 8}},
	// integer column against non-integer numbers
	{"clv_decile >= 2.5", []int{2, 3, 4, 5, 6, 8, 9}},
	{"clv_decile < 2.5", []int{0, 1}},
	{"clv_decile = 2.5", nil},
	{"clv_decile != 2.5", []int{0, 1, 2, 3, 4, 5, 6, 8, 9}},
	{"clv_decile != 4", []int{0, 1, 2, 4, 5, 6, 8, 9}},
	{"clv = 720", []int{1}},
	{"clv IN (5, 950.5)", []int{0, 9}},
	// byte-wise order: jd < pos < shopify < tmall
	{"first_channel < 'pos'", []int{2, 7}},
	{"first_channel >= 'shopify'", []int{1, 4, 6, 9}},
	// active/high_value {1,2,4,6,8}; social ∪ contacted {0,1,2,5,6,8}; NOT {3,4,7,9}
	{"((rfm_tier = 'active' OR rfm_tier = 'high_value') AND NOT (social_engaged OR contacted_90d))", []int{4}},
	{"rfm_tier IS NULL OR clv IS NULL", []int{7}},
	// precedence: active {1,4,8} ∪ (dormant ∩ 华东 {0,5,9})
	{"rfm_tier = 'active' OR rfm_tier = 'dormant' AND region = '华东'", []int{0, 1, 4, 5, 8, 9}},
	// precedence: (NOT social {1,3,4,5,7,9}) ∩ contacted {1,5,8}
	{"NOT social_engaged AND contacted_90d", []int{1, 5}},
	{"TRUE", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
	{"FALSE AND social_engaged", nil},
	{"FALSE OR region = '西南'", []int{8}},
	{"region = ''", nil},
}

func TestEvalHandBatch(t *testing.T) {
	rec := handBatch(t)
	defer rec.Release()
	for _, tc := range handCases {
		e, err := Compile(tc.expr, rec.Schema())
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.expr, err)
			continue
		}
		bm, err := e.Eval(rec)
		if err != nil {
			t.Errorf("Eval(%q): %v", tc.expr, err)
			continue
		}
		got := bm.Indices()
		if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s\n got rows %v\nwant rows %v", tc.expr, got, tc.want)
		}
		if bm.Count() != len(tc.want) {
			t.Errorf("%s: Count() = %d, want %d", tc.expr, bm.Count(), len(tc.want))
		}
		for i := 0; i < 10; i++ {
			if bm.Contains(i) != slices.Contains(tc.want, i) {
				t.Errorf("%s: Contains(%d) = %v", tc.expr, i, bm.Contains(i))
			}
		}
	}
}

// TestEvalSlicedAndRepeated checks the kernels away from word and byte
// boundaries: a slice starting at row 3 (validity bits not byte-aligned)
// and the batch repeated 13 times (130 rows, three words).
func TestEvalSlicedAndRepeated(t *testing.T) {
	rec := handBatch(t)
	defer rec.Release()
	sliced := rec.NewSlice(3, 10)
	defer sliced.Release()

	cols := make([]arrow.Array, rec.NumCols())
	for c := range cols {
		parts := make([]arrow.Array, 13)
		for k := range parts {
			parts[k] = rec.Column(c)
		}
		arr, err := array.Concatenate(parts, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		defer arr.Release()
		cols[c] = arr
	}
	big := array.NewRecordBatch(rec.Schema(), cols, 130)
	defer big.Release()

	for _, tc := range handCases {
		e, err := Compile(tc.expr, rec.Schema())
		if err != nil {
			t.Fatal(err)
		}
		var wantSliced, wantBig []int
		for _, r := range tc.want {
			if r >= 3 {
				wantSliced = append(wantSliced, r-3)
			}
		}
		for k := 0; k < 13; k++ {
			for _, r := range tc.want {
				wantBig = append(wantBig, k*10+r)
			}
		}
		slices.Sort(wantBig)
		for _, x := range []struct {
			rec  arrow.RecordBatch
			want []int
		}{{sliced, wantSliced}, {big, wantBig}} {
			bm, err := e.Eval(x.rec)
			if err != nil {
				t.Fatal(err)
			}
			if got := bm.Indices(); !slices.Equal(got, x.want) && !(len(got) == 0 && len(x.want) == 0) {
				t.Errorf("%s over %d rows:\n got %v\nwant %v", tc.expr, x.rec.NumRows(), got, x.want)
			}
		}
	}
}

func TestFilter(t *testing.T) {
	rec := handBatch(t)
	defer rec.Release()
	e, err := Compile("rfm_tier = 'dormant' AND region = '华东'", rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	bm, err := e.Eval(rec)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Filter(rec, bm)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if out.NumRows() != 3 || out.NumCols() != rec.NumCols() {
		t.Fatalf("filtered %d rows × %d cols, want 3 × %d", out.NumRows(), out.NumCols(), rec.NumCols())
	}
	ids := out.Column(0).(*array.String)
	lpd := out.Column(7).(*array.Int64)
	for i, want := range []string{"c00", "c05", "c09"} {
		if ids.Value(i) != want {
			t.Errorf("row %d id %s, want %s", i, ids.Value(i), want)
		}
	}
	// last_purchase_days of rows 0, 5, 9: 400, 190, 180
	for i, want := range []int64{400, 190, 180} {
		if lpd.Value(i) != want {
			t.Errorf("row %d last_purchase_days %d, want %d", i, lpd.Value(i), want)
		}
	}
	// social_engaged of row 9 is null and stays null
	if !out.Column(8).IsNull(2) {
		t.Error("null social_engaged of c09 lost")
	}

	all, err := Filter(rec, FullBitmap(10))
	if err != nil {
		t.Fatal(err)
	}
	if all.NumRows() != 10 {
		t.Errorf("full filter kept %d rows", all.NumRows())
	}
	all.Release()
	none, err := Filter(rec, NewBitmap(10))
	if err != nil {
		t.Fatal(err)
	}
	if none.NumRows() != 0 {
		t.Errorf("empty filter kept %d rows", none.NumRows())
	}
	none.Release()
	if _, err := Filter(rec, NewBitmap(9)); err == nil {
		t.Error("bitmap of the wrong length accepted")
	}
}

func TestEvalSchemaMismatch(t *testing.T) {
	rec := handBatch(t)
	defer rec.Release()
	e, err := Compile("orders > 2", TagSchema)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(rec); err == nil {
		t.Error("missing column not reported")
	}
	// clv_decile compiled as text, batch has int64
	s := arrow.NewSchema([]arrow.Field{{Name: "clv_decile", Type: arrow.BinaryTypes.String}}, nil)
	e, err = Compile("clv_decile = '1'", s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(rec); err == nil {
		t.Error("kind mismatch not reported")
	}
}

func TestBitmapOps(t *testing.T) {
	a := BitmapOf(70, 0, 3, 64, 69)
	b := BitmapOf(70, 3, 5, 69)
	if got := a.And(b).Indices(); !slices.Equal(got, []int{3, 69}) {
		t.Errorf("And = %v", got)
	}
	if got := a.Or(b).Indices(); !slices.Equal(got, []int{0, 3, 5, 64, 69}) {
		t.Errorf("Or = %v", got)
	}
	if got := a.AndNot(b).Indices(); !slices.Equal(got, []int{0, 64}) {
		t.Errorf("AndNot = %v", got)
	}
	if n := a.Not().Count(); n != 66 {
		t.Errorf("Not().Count() = %d, want 66", n)
	}
	if n := FullBitmap(70).Count(); n != 70 {
		t.Errorf("FullBitmap(70).Count() = %d", n)
	}
	// Arrow layout: rows 0 and 3 -> byte 0 = 0b1001; row 64 -> byte 8 bit 0; row 69 -> byte 8 bit 5
	by := a.Bytes()
	if len(by) != 9 || by[0] != 0x09 || by[8] != 0x21 {
		t.Errorf("Bytes() = %x", by)
	}
}

// ---- randomised check against a row-at-a-time reference ----

type refRow struct {
	tier, aipl, region *string
	decile, lpd        *int64
	clv                *float64
	social, contacted  *bool
}

// TestEvalRandomAgainstReference compares Eval with predicates written
// row by row in Go, on 5,000 random rows with nulls, over int32 and
// large_string columns too.
func TestEvalRandomAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 5000
	rows := make([]refRow, n)
	tiers := []string{"dormant", "active", "high_value"}
	stages := []string{"A", "I", "P", "L"}
	regions := []string{"华东", "华北", "华南", "西南"}
	for i := range rows {
		if r.IntN(10) > 0 {
			rows[i].tier = &tiers[r.IntN(3)]
		}
		if r.IntN(5) > 0 {
			rows[i].aipl = &stages[r.IntN(4)]
		}
		if r.IntN(8) > 0 {
			rows[i].region = &regions[r.IntN(4)]
		}
		if r.IntN(10) > 0 {
			v := int64(1 + r.IntN(10))
			rows[i].decile = &v
		}
		if r.IntN(10) > 0 {
			v := int64(r.IntN(720))
			rows[i].lpd = &v
		}
		if r.IntN(10) > 0 {
			v := float64(r.IntN(100000)) / 100
			rows[i].clv = &v
		}
		if r.IntN(6) > 0 {
			v := r.IntN(2) == 0
			rows[i].social = &v
		}
		if r.IntN(6) > 0 {
			v := r.IntN(3) == 0
			rows[i].contacted = &v
		}
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "rfm_tier", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "aipl_stage", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "clv_decile", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "last_purchase_days", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "clv", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "social_engaged", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "contacted_90d", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, row := range rows {
		if row.tier == nil {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.LargeStringBuilder).Append(*row.tier)
		}
		appendStr(b.Field(1).(*array.StringBuilder), row.aipl)
		appendStr(b.Field(2).(*array.StringBuilder), row.region)
		if row.decile == nil {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.Int32Builder).Append(int32(*row.decile))
		}
		appendI64(b.Field(4).(*array.Int64Builder), row.lpd)
		if row.clv == nil {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.Float64Builder).Append(*row.clv)
		}
		for c, v := range []*bool{row.social, row.contacted} {
			if v == nil {
				b.Field(6 + c).AppendNull()
			} else {
				b.Field(6 + c).(*array.BooleanBuilder).Append(*v)
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()

	is := func(p *string, v string) bool { return p != nil && *p == v }
	isTrue := func(p *bool) bool { return p != nil && *p }
	cases := []struct {
		expr string
		ref  func(r refRow) bool
	}{
		{"rfm_tier = 'dormant' AND region = '华东'", func(r refRow) bool { return is(r.tier, "dormant") && is(r.region, "华东") }},
		{"clv_decile <= 2 AND NOT contacted_90d", func(r refRow) bool { return r.decile != nil && *r.decile <= 2 && !isTrue(r.contacted) }},
		{"(aipl_stage IN ('I','P') OR social_engaged) AND last_purchase_days > 180", func(r refRow) bool {
			return (is(r.aipl, "I") || is(r.aipl, "P") || isTrue(r.social)) && r.lpd != nil && *r.lpd > 180
		}},
		{"rfm_tier != 'active'", func(r refRow) bool { return r.tier != nil && *r.tier != "active" }},
		{"NOT (clv >= 500 OR region IS NULL)", func(r refRow) bool { return !((r.clv != nil && *r.clv >= 500) || r.region == nil) }},
		{"aipl_stage NOT IN ('A') AND clv_decile IN (1,2,3,4,5,6,7)", func(r refRow) bool {
			return r.aipl != nil && *r.aipl != "A" && r.decile != nil && *r.decile <= 7
		}},
		{"contacted_90d = FALSE OR social_engaged IS NULL", func(r refRow) bool { return (r.contacted != nil && !*r.contacted) || r.social == nil }},
		{"region > '华北' AND clv < 100.25", func(r refRow) bool { return r.region != nil && *r.region > "华北" && r.clv != nil && *r.clv < 100.25 }},
	}
	for _, tc := range cases {
		e, err := Compile(tc.expr, schema)
		if err != nil {
			t.Fatal(err)
		}
		for _, off := range []int{0, 5, 64, 77} {
			sub := rec.NewSlice(int64(off), n)
			bm, err := e.Eval(sub)
			sub.Release()
			if err != nil {
				t.Fatal(err)
			}
			mismatch := 0
			for i := off; i < n; i++ {
				if bm.Contains(i-off) != tc.ref(rows[i]) {
					mismatch++
				}
			}
			if mismatch > 0 {
				t.Errorf("%s (offset %d): %d rows differ from the reference", tc.expr, off, mismatch)
			}
		}
	}
}

// ---- benchmark ----

func benchBatch(b *testing.B, n int) arrow.RecordBatch {
	r := rand.New(rand.NewPCG(7, 8))
	tiers := []string{"dormant", "active", "high_value"}
	stages := []string{"A", "I", "P", "L"}
	regions := []string{"华东", "华北", "华南", "西南", "华中", "东北", "西北"}
	channels := []string{"tmall", "jd", "shopify", "pos"}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, TagSchema)
	defer rb.Release()
	for i := 0; i < n; i++ {
		rb.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("C%08d", i))
		rb.Field(1).(*array.StringBuilder).Append(tiers[r.IntN(3)])
		if r.IntN(5) == 0 {
			rb.Field(2).AppendNull()
		} else {
			rb.Field(2).(*array.StringBuilder).Append(stages[r.IntN(4)])
		}
		rb.Field(3).AppendNull() // pyramid_stage
		rb.Field(4).(*array.Int64Builder).Append(int64(1 + r.IntN(10)))
		rb.Field(5).(*array.Float64Builder).Append(r.Float64() * 2000)
		rb.Field(6).(*array.StringBuilder).Append(regions[r.IntN(len(regions))])
		rb.Field(7).(*array.StringBuilder).Append(channels[r.IntN(4)])
		rb.Field(8).(*array.StringBuilder).Append(channels[r.IntN(4)])
		if r.IntN(20) == 0 {
			rb.Field(9).AppendNull()
		} else {
			rb.Field(9).(*array.Int64Builder).Append(int64(r.IntN(730)))
		}
		rb.Field(10).(*array.Int64Builder).Append(int64(1 + r.IntN(12)))
		rb.Field(11).(*array.Float64Builder).Append(r.Float64() * 5000)
		rb.Field(12).(*array.BooleanBuilder).Append(r.IntN(3) == 0)
		rb.Field(13).(*array.BooleanBuilder).Append(r.IntN(4) == 0)
		for c := 14; c < 17; c++ {
			rb.Field(c).AppendNull()
		}
	}
	return rb.NewRecordBatch()
}

// BenchmarkEval1M evaluates typical definitions over 1,000,000 customers.
func BenchmarkEval1M(b *testing.B) {
	const n = 1_000_000
	rec := benchBatch(b, n)
	defer rec.Release()
	for _, expr := range []string{
		"rfm_tier = 'dormant' AND region = '华东'",
		"clv_decile <= 2 AND NOT contacted_90d",
		"(aipl_stage IN ('I','P') OR social_engaged) AND last_purchase_days > 180",
		"first_channel != 'pos'",
		"region IN ('华东','华北','华南','西南','华中','东北','西北') AND net_sales >= 1000",
	} {
		e, err := Compile(expr, TagSchema)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			var count int
			for b.Loop() {
				bm, err := e.Eval(rec)
				if err != nil {
					b.Fatal(err)
				}
				count = bm.Count()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
			b.ReportMetric(float64(count), "selected")
		})
	}
}

// BenchmarkFilter1M selects about 10% of 1,000,000 rows into a new batch.
func BenchmarkFilter1M(b *testing.B) {
	const n = 1_000_000
	rec := benchBatch(b, n)
	defer rec.Release()
	e, err := Compile("clv_decile = 1", TagSchema)
	if err != nil {
		b.Fatal(err)
	}
	bm, err := e.Eval(rec)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		out, err := Filter(rec, bm)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

// TestEvalOtherTypes covers string_view, int8, uint16 and float32 columns.
func TestEvalOtherTypes(t *testing.T) {
	mem := memory.DefaultAllocator
	sv := array.NewStringViewBuilder(mem)
	defer sv.Release()
	sv.AppendValues([]string{"a", "", "abc", "a", "a string longer than twelve bytes"}, []bool{true, false, true, true, true})
	i8 := array.NewInt8Builder(mem)
	defer i8.Release()
	i8.AppendValues([]int8{-3, 0, 7, 120, -128}, []bool{true, true, false, true, true})
	u16 := array.NewUint16Builder(mem)
	defer u16.Release()
	u16.AppendValues([]uint16{0, 65535, 10, 10, 3}, nil)
	f32 := array.NewFloat32Builder(mem)
	defer f32.Release()
	f32.AppendValues([]float32{0.5, -1, 2, 1e6, 3}, []bool{true, true, true, true, false})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "sv", Type: arrow.BinaryTypes.StringView, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	}, nil)
	cols := []arrow.Array{sv.NewArray(), i8.NewArray(), u16.NewArray(), f32.NewArray()}
	for _, c := range cols {
		defer c.Release()
	}
	rec := array.NewRecordBatch(schema, cols, 5)
	defer rec.Release()
	// sv:  a, null, abc, a, "a string longer..."
	// i8:  -3, 0, null, 120, -128
	// u16: 0, 65535, 10, 10, 3
	// f32: 0.5, -1, 2, 1e6, null
	tests := []struct {
		expr string
		want []int
	}{
		{"sv = 'a'", []int{0, 3}},
		{"sv != 'a'", []int{2, 4}},
		{"sv > 'a'", []int{2, 4}},
		{"sv IN ('abc', 'a string longer than twelve bytes')", []int{2, 4}},
		{"sv IS NULL", []int{1}},
		{"i8 < 0", []int{0, 4}},
		{"i8 >= 1000", nil},
		{"i8 > -1000", []int{0, 1, 3, 4}},
		{"i8 IN (0, 120)", []int{1, 3}},
		{"u16 = 65535", []int{1}},
		{"u16 IN (10, 3)", []int{2, 3, 4}},
		{"u16 < -1", nil},
		{"f32 > 0", []int{0, 2, 3}},
		{"f32 <= 0.5", []int{0, 1}},
		{"f32 IN (2, -1)", []int{1, 2}},
	}
	for _, tc := range tests {
		e, err := Compile(tc.expr, schema)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.expr, err)
			continue
		}
		bm, err := e.Eval(rec)
		if err != nil {
			t.Errorf("Eval(%q): %v", tc.expr, err)
			continue
		}
		if got := bm.Indices(); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: got %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestEvalEmptyBatch(t *testing.T) {
	rec := handBatch(t)
	defer rec.Release()
	empty := rec.NewSlice(0, 0)
	defer empty.Release()
	for _, tc := range handCases {
		e, err := Compile(tc.expr, rec.Schema())
		if err != nil {
			t.Fatal(err)
		}
		bm, err := e.Eval(empty)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if bm.Len() != 0 || bm.Count() != 0 {
			t.Errorf("%s on 0 rows: Len %d Count %d", tc.expr, bm.Len(), bm.Count())
		}
	}
}
