package clv

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
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
