package clv

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestPurchasesParallel reads enough rows for several workers and checks
// the summaries against Summarize, for the full period and a holdout split
// of the same Purchases.
func TestPurchasesParallel(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	var txns []Txn
	for i := 0; i < 300_000; i++ {
		c := rng.IntN(40_000)
		// Several transactions on some days, amounts with rounding.
		day := rng.IntN(700)
		if c%7 == 0 {
			day = c % 700
		}
		txns = append(txns, Txn{CustomerID: fmt.Sprintf("C%06d", c), Time: start.AddDate(0, 0, day), Amount: float64(rng.IntN(100000)) / 7})
	}
	recs := cdnowRecords(t, txns, arrow.FixedWidthTypes.Date32, 7_000)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	cal, end := start.AddDate(0, 0, 500), start.AddDate(0, 0, 699)
	p, err := PurchasesFromRecords(recs, "customer_id", "ts", "amount")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ cal, hold time.Time }{{end, time.Time{}}, {cal, end}} {
		want, err := Summarize(txns, c.cal, c.hold)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Summaries(c.cal, c.hold)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d summaries, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("summary %d: got %+v, want %+v", i, got[i], want[i])
			}
		}
	}
}

// TestPurchasesFromIndexed checks the dense-index reader against the
// id reader on the same transactions.
func TestPurchasesFromIndexed(t *testing.T) {
	txns := loadCDNOWSample(t)
	ids := map[string]bool{}
	for _, tx := range txns {
		ids[tx.CustomerID] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	ix := map[string]int32{}
	for i, id := range sorted {
		ix[id] = int32(i)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "customer_ix", Type: arrow.PrimitiveTypes.Int32},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32},
		{Name: "net_amount", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, tx := range txns {
		b.Field(0).(*array.Int32Builder).Append(ix[tx.CustomerID])
		b.Field(1).(*array.Date32Builder).Append(arrow.Date32FromTime(tx.Time))
		b.Field(2).(*array.Float64Builder).Append(tx.Amount)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	p, err := PurchasesFromIndexed([]arrow.RecordBatch{rec}, "customer_ix", "day", "net_amount", sorted, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Summaries(cdnowCalEnd, cdnowHoldoutEnd)
	if err != nil {
		t.Fatal(err)
	}
	want := byID(cdnowSummaries(t))
	if len(got) != len(want) {
		t.Fatalf("%d summaries, want %d", len(got), len(want))
	}
	for i, g := range got {
		if g != want[g.ID] || (i > 0 && got[i-1].ID >= g.ID) {
			t.Fatalf("summary %d: got %+v, want %+v in id order", i, g, want[g.ID])
		}
	}
	if _, err := PurchasesFromIndexed([]arrow.RecordBatch{rec}, "customer_ix", "day", "net_amount", sorted[:10], nil); !errors.Is(err, ErrBadColumn) {
		t.Errorf("index beyond the ids: err = %v, want ErrBadColumn", err)
	}
}

// TestPurchasesLocalDays: with a time zone, the purchase day of an instant
// is its calendar day there, across DST changes.
func TestPurchasesLocalDays(t *testing.T) {
	for _, zone := range []string{"America/New_York", "Asia/Shanghai", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skip(err)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "ix", Type: arrow.PrimitiveTypes.Int64},
			{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
			{Name: "v", Type: arrow.PrimitiveTypes.Float64},
		}, nil)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		var txns []Txn
		ids := []string{"a", "b", "c", "d", "e"}
		for i := 0; i < 20_000; i++ {
			c := rng.IntN(len(ids))
			sec := start + rng.Int64N(3*365*86400)
			if i%3 == 0 { // near local midnights
				y, m, d := time.Unix(sec, 0).In(loc).Date()
				sec = time.Date(y, m, d, 0, 0, 0, 0, loc).Unix() + rng.Int64N(7200) - 3600
			}
			y, m, d := time.Unix(sec, 0).In(loc).Date()
			txns = append(txns, Txn{CustomerID: ids[c], Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Amount: float64(i%97) + 1})
			b.Field(0).(*array.Int64Builder).Append(int64(c))
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(sec*1e6 + rng.Int64N(1e6)))
			b.Field(2).(*array.Float64Builder).Append(float64(i%97) + 1)
		}
		rec := b.NewRecordBatch()
		b.Release()
		p, err := PurchasesFromIndexed([]arrow.RecordBatch{rec}, "ix", "ts", "v", ids, loc)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		end := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
		got, err := p.Summaries(end.AddDate(0, -6, 0), end)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Summarize(txns, end.AddDate(0, -6, 0), end)
		if err != nil {
			t.Fatal(err)
		}
		wm := byID(want)
		if len(got) != len(want) {
			t.Fatalf("%s: %d summaries, want %d", zone, len(got), len(want))
		}
		for _, g := range got {
			if g != wm[g.ID] {
				t.Errorf("%s: got %+v, want %+v", zone, g, wm[g.ID])
			}
		}
	}
}
