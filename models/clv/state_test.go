package clv

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestStatesHandWorked: one customer bought on days 0 (10 + 5), 7 (20)
// and 21 (30 - 4); another only on day 14. Worked out by hand:
// A: first day 0 worth 15, 3 days, repeat value 20 + 26 = 46; at the end
// of day 28: X 2, t_x 3 weeks, T 4 weeks, mean spend 23. B: X 0, t_x 0,
// T 2 weeks. At the end of day 10 with a holdout to day 28, A has X 1
// (day 7), t_x 1, T 10/7, mean spend 20 and one holdout day (21); B
// has not bought yet and is left out.
func TestStatesHandWorked(t *testing.T) {
	d0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return d0.AddDate(0, 0, n).Add(9 * time.Hour) }
	txns := []Txn{{"A", day(0), 10}, {"A", day(0), 5}, {"A", day(7), 20}, {"A", day(21), 30}, {"A", day(21), -4}, {"B", day(14), 8}}
	p := purchasesOf(t, txns)
	st := p.States()
	first := DayNumber(d0)
	want := []State{{"A", first, first + 21, 3, 15, 46}, {"B", first + 14, first + 14, 1, 8, 0}}
	if len(st) != 2 || st[0] != want[0] || st[1] != want[1] {
		t.Fatalf("states %+v, want %+v", st, want)
	}
	sums, err := SummariesFromStates(st, d0.AddDate(0, 0, 28))
	if err != nil {
		t.Fatal(err)
	}
	wantSums := []Summary{{ID: "A", X: 2, TX: 3, T: 4, MeanSpend: 23}, {ID: "B", T: 2}}
	if len(sums) != 2 || sums[0] != wantSums[0] || sums[1] != wantSums[1] {
		t.Errorf("summaries %+v, want %+v", sums, wantSums)
	}
	hs, err := HoldoutFromStates(st, p, d0.AddDate(0, 0, 10), d0.AddDate(0, 0, 28))
	if err != nil {
		t.Fatal(err)
	}
	if w := (Summary{ID: "A", X: 1, TX: 1, T: 10.0 / 7, MeanSpend: 20, XHoldout: 1}); len(hs) != 1 || hs[0] != w {
		t.Errorf("holdout summaries %+v, want [%+v]", hs, w)
	}
	// A purchase after the calibration end: the state cannot answer.
	if _, err := SummariesFromStates(st, d0.AddDate(0, 0, 20)); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("calibration end before the last purchase: err %v, want ErrBadPeriod", err)
	}
	// A customer active in the holdout but missing from the recent purchases.
	if _, err := HoldoutFromStates(st, nil, d0.AddDate(0, 0, 10), d0.AddDate(0, 0, 28)); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("recent purchases missing: err %v, want ErrBadPeriod", err)
	}
}

// TestStatesEqualPurchases: on random purchases, the summaries from the
// states equal Purchases.Summaries bit for bit, for the full period and
// for a holdout split where only the customers active in the holdout are
// given as recent purchases.
func TestStatesEqualPurchases(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 4))
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	var txns []Txn
	for i := 0; i < 20_000; i++ {
		txns = append(txns, Txn{CustomerID: fmt.Sprintf("C%05d", rng.IntN(3000)), Time: start.AddDate(0, 0, rng.IntN(400)).Add(time.Duration(rng.IntN(86400)) * time.Second),
			Amount: float64(rng.IntN(100000)-1000) / 7})
	}
	p := purchasesOf(t, txns)
	st := p.States()
	end := start.AddDate(0, 0, 410)
	want, _ := p.Summaries(end, time.Time{})
	got, err := SummariesFromStates(st, end)
	if err != nil {
		t.Fatal(err)
	}
	sameSummaries(t, "full period", got, want)
	cal := start.AddDate(0, 0, 300)
	var recent []Txn
	for _, s := range st {
		if s.LastDay > DayNumber(cal) {
			for _, x := range txns {
				if x.CustomerID == s.ID {
					recent = append(recent, x)
				}
			}
		}
	}
	want, _ = p.Summaries(cal, end)
	got, err = HoldoutFromStates(st, purchasesOf(t, recent), cal, end)
	if err != nil {
		t.Fatal(err)
	}
	sameSummaries(t, "holdout", got, want)
}

func sameSummaries(t *testing.T, what string, got, want []Summary) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d summaries, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: summary %d %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

func purchasesOf(t *testing.T, txns []Txn) *Purchases {
	t.Helper()
	g := newAggregator()
	for _, x := range txns {
		g.add(x.CustomerID, dateDay(x.Time.UTC()), x.Amount)
	}
	return g.purchases()
}
