package clv

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// roundTol is the tolerance for values the CSV files print with 2 decimals
// (half a unit in the last place, plus float slack).
const roundTol = 0.005 + 1e-9

func cdnowSummaries(tb testing.TB) []Summary {
	tb.Helper()
	sums, err := Summarize(loadCDNOWSample(tb), cdnowCalEnd, cdnowHoldoutEnd)
	if err != nil {
		tb.Fatal(err)
	}
	return sums
}

func byID(sums []Summary) map[string]Summary {
	m := make(map[string]Summary, len(sums))
	for _, s := range sums {
		m[s.ID] = s
	}
	return m
}

// TestSummarizeCDNOW checks Summarize against the published CDNOW summaries:
// frequency exactly, recency, T and zbar to their printed 2 decimals.
func TestSummarizeCDNOW(t *testing.T) {
	sums := cdnowSummaries(t)
	got := byID(sums)
	want := loadCDNOWSummary(t)
	if len(sums) != len(want) || len(want) != 2357 {
		t.Fatalf("got %d summaries, want %d (file) = 2357", len(sums), len(want))
	}
	maxT := 0.0
	for _, w := range want {
		g, ok := got[w.ID]
		if !ok {
			t.Fatalf("customer %s missing", w.ID)
		}
		if g.X != w.X || math.Abs(g.TX-w.TX) > roundTol || math.Abs(g.T-w.T) > roundTol {
			t.Errorf("customer %s: got x=%d t_x=%.4f T=%.4f, want %d %.2f %.2f", w.ID, g.X, g.TX, g.T, w.X, w.TX, w.T)
		}
		maxT = math.Max(maxT, g.T)
	}
	// T runs to the calibration end day itself: 1997-01-01 to 1997-09-30 is
	// 272 days = 38.86 weeks (39.00 if 1997-09-30 were counted as a whole day).
	if math.Abs(maxT-38.86) > roundTol {
		t.Errorf("max T = %.4f, want 38.86", maxT)
	}
	for _, w := range loadCDNOWZbar(t) {
		g := got[w.ID]
		if g.X != w.X || math.Abs(g.TX-w.TX) > roundTol || math.Abs(g.T-w.T) > roundTol ||
			math.Abs(g.MeanSpend-w.MeanSpend) > roundTol {
			t.Errorf("customer %s: got x=%d t_x=%.4f T=%.4f zbar=%.4f, want %d %.2f %.2f %.2f",
				w.ID, g.X, g.TX, g.T, g.MeanSpend, w.X, w.TX, w.T, w.MeanSpend)
		}
	}
}

// TestCDNOWTracking checks repeat purchase days against the published
// cumulative tracking figures: summarising up to the end of week k gives
// sum(X) = cumulative repeat transactions in weeks 1..k.
func TestCDNOWTracking(t *testing.T) {
	txns := loadCDNOWSample(t)
	start := time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, want := range []int{1359, 1414, 1484, 1517, 1573, 1672} {
		week := 20 + i
		end := start.AddDate(0, 0, 7*week-1)
		sums, err := Summarize(txns, end, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, s := range sums {
			got += s.X
		}
		if got != want {
			t.Errorf("week %d: cumulative repeat purchases %d, want %d", week, got, want)
		}
	}
}

func TestSummarizeRules(t *testing.T) {
	d := func(y, m, dd, h int) time.Time { return time.Date(y, time.Month(m), dd, h, 0, 0, 0, time.UTC) }
	txns := []Txn{
		{"a", d(2020, 1, 1, 9), 10},
		{"a", d(2020, 1, 1, 18), 5}, // same day as the first purchase
		{"b", d(2020, 1, 5, 0), 7},
		{"a", d(2020, 1, 8, 1), 20},
		{"a", d(2020, 1, 8, 23), 10}, // same day: one purchase of 30
		{"a", d(2020, 1, 15, 12), 6},
		{"a", d(2020, 1, 31, 23), 1}, // last calibration day
		{"a", d(2020, 2, 1, 0), 1},   // holdout
		{"a", d(2020, 2, 1, 5), 1},   // same holdout day
		{"a", d(2020, 2, 10, 5), 1},  // holdout end day
		{"a", d(2020, 2, 11, 5), 1},  // after holdout
		{"c", d(2020, 2, 2, 0), 9},   // first purchase after calibration: excluded
	}
	sums, err := Summarize(txns, d(2020, 1, 31, 0), d(2020, 2, 10, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []Summary{
		{ID: "a", X: 3, TX: 30.0 / 7, T: 30.0 / 7, MeanSpend: (30 + 6 + 1) / 3.0, XHoldout: 2},
		{ID: "b", X: 0, TX: 0, T: 26.0 / 7, MeanSpend: 0, XHoldout: 0},
	}
	if len(sums) != len(want) {
		t.Fatalf("got %+v, want %+v", sums, want)
	}
	for i := range want {
		g, w := sums[i], want[i]
		if g.ID != w.ID || g.X != w.X || g.XHoldout != w.XHoldout ||
			math.Abs(g.TX-w.TX) > 1e-12 || math.Abs(g.T-w.T) > 1e-12 || math.Abs(g.MeanSpend-w.MeanSpend) > 1e-12 {
			t.Errorf("summary %d: got %+v, want %+v", i, g, w)
		}
	}
	if _, err := Summarize(txns, d(2020, 1, 31, 0), d(2020, 1, 1, 0)); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("holdout before calibration end: err = %v, want ErrBadPeriod", err)
	}
	if _, err := Summarize([]Txn{{"a", d(2020, 1, 1, 0), math.NaN()}}, d(2020, 1, 31, 0), time.Time{}); !errors.Is(err, ErrBadAmount) {
		t.Errorf("NaN amount: err = %v, want ErrBadAmount", err)
	}
}

// cdnowRecords converts transactions to Arrow batches of at most size rows
// with the given time column type (timestamp[us, UTC] or date32).
func cdnowRecords(tb testing.TB, txns []Txn, tsType arrow.DataType, size int) []arrow.RecordBatch {
	tb.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "extra", Type: arrow.PrimitiveTypes.Int64},
		{Name: "customer_id", Type: arrow.BinaryTypes.String},
		{Name: "ts", Type: tsType},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	var recs []arrow.RecordBatch
	for lo := 0; lo < len(txns); lo += size {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for _, tx := range txns[lo:min(lo+size, len(txns))] {
			b.Field(0).(*array.Int64Builder).Append(1)
			b.Field(1).(*array.StringBuilder).Append(tx.CustomerID)
			switch tsType.ID() {
			case arrow.TIMESTAMP:
				// Noon UTC: the UTC calendar day is the transaction's day.
				b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(tx.Time.Add(12 * time.Hour).UnixMicro()))
			case arrow.DATE32:
				b.Field(2).(*array.Date32Builder).Append(arrow.Date32FromTime(tx.Time))
			}
			b.Field(3).(*array.Float64Builder).Append(tx.Amount)
		}
		recs = append(recs, b.NewRecordBatch())
		b.Release()
	}
	return recs
}

func TestSummaryFromRecordsCDNOW(t *testing.T) {
	txns := loadCDNOWSample(t)
	want := cdnowSummaries(t)
	for _, tc := range []struct {
		name string
		typ  arrow.DataType
	}{
		{"timestamp_us_utc", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{"date32", arrow.FixedWidthTypes.Date32},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := cdnowRecords(t, txns, tc.typ, 1000)
			defer func() {
				for _, r := range recs {
					r.Release()
				}
			}()
			got, err := SummaryFromRecords(recs, "customer_id", "ts", "amount", cdnowCalEnd, cdnowHoldoutEnd)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d summaries, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("summary %d: got %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestSummaryFromRecordsErrors(t *testing.T) {
	txns := []Txn{{"a", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), 1}}
	recs := cdnowRecords(t, txns, arrow.FixedWidthTypes.Date32, 10)
	defer recs[0].Release()
	end := time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name             string
		cust, ts, amount string
		want             error
	}{
		{"missing", "nope", "ts", "amount", ErrBadColumn},
		{"id not string", "extra", "ts", "amount", ErrBadColumn},
		{"ts not time", "customer_id", "extra", "amount", ErrBadColumn},
		{"amount not float", "customer_id", "ts", "extra", ErrBadColumn},
	} {
		if _, err := SummaryFromRecords(recs, tc.cust, tc.ts, tc.amount, end, time.Time{}); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// A null amount.
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "c", Type: arrow.BinaryTypes.String},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append("a")
	b.Field(1).(*array.Date32Builder).Append(0)
	b.Field(2).(*array.Float64Builder).AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()
	if _, err := SummaryFromRecords([]arrow.RecordBatch{rec}, "c", "d", "v", end, time.Time{}); !errors.Is(err, ErrNullValue) {
		t.Errorf("null amount: err = %v, want ErrNullValue", err)
	}
}
