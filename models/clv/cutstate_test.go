package clv

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestCutStatesHandWorked: A bought on days 0, 7 and 21, B on day 14.
// At a cut on day 10: A has 2 days, the last day 7; B none. Advanced to
// day 20 with the purchases of days 11..20 (B's day 14): B has 1 day, the
// last 14. The holdout summaries at day 10 to day 28: A X 1, t_x 1 week,
// T 10/7 weeks, 1 holdout day (21); B is left out (first day 14).
func TestCutStatesHandWorked(t *testing.T) {
	d0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return d0.AddDate(0, 0, n).Add(9 * time.Hour) }
	first := DayNumber(d0)
	txns := []Txn{{"A", day(0), 10}, {"A", day(7), 20}, {"A", day(21), 30}, {"B", day(14), 8}}
	p := purchasesOf(t, txns)
	cuts := p.CutStates(first + 10)
	if want := (CutState{"A", 2, first + 7}); len(cuts) != 1 || cuts[0] != want {
		t.Fatalf("cut states at day 10 %+v, want [%+v]", cuts, want)
	}
	byID := map[string]CutState{"A": cuts[0]}
	hs, err := HoldoutFromCutStates(p.States(), byID, d0.AddDate(0, 0, 10), d0.AddDate(0, 0, 28))
	if w := (Summary{ID: "A", X: 1, TX: 1, T: 10.0 / 7, XHoldout: 1}); err != nil || len(hs) != 1 || hs[0] != w {
		t.Errorf("holdout summaries %+v (err %v), want [%+v]", hs, err, w)
	}
	// Aligned with the states (A, B; B has none at day 10): the same.
	aligned, err := HoldoutFromStateCuts(p.States(), []CutState{cuts[0], {}}, d0.AddDate(0, 0, 10), d0.AddDate(0, 0, 28))
	if err != nil || len(aligned) != 1 || aligned[0] != hs[0] {
		t.Errorf("aligned holdout summaries %+v (err %v), want %+v", aligned, err, hs)
	}
	if _, err := HoldoutFromStateCuts(p.States(), []CutState{cuts[0]}, d0.AddDate(0, 0, 10), d0.AddDate(0, 0, 28)); err == nil {
		t.Errorf("one cut state for two states accepted")
	}
	if _, err := HoldoutFromStateCuts(p.States(), []CutState{{}, {}}, d0.AddDate(0, 0, 10), d0.AddDate(0, 0, 28)); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("A without its cut state: err %v", err)
	}
	if err := AdvanceCutStates(byID, purchasesOf(t, []Txn{{"B", day(14), 8}}), first+10, first+20, nil); err != nil {
		t.Fatal(err)
	}
	if byID["B"] != (CutState{"B", 1, first + 14}) || byID["A"] != cuts[0] {
		t.Errorf("advanced to day 20: %+v", byID)
	}
	// A purchase outside the window, a backward move and a missing state fail.
	if err := AdvanceCutStates(byID, purchasesOf(t, []Txn{{"A", day(21), 1}}), first+10, first+20, nil); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("purchase after the window: err %v", err)
	}
	if err := AdvanceCutStates(byID, purchasesOf(t, nil), first+20, first+10, nil); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("backward: err %v", err)
	}
	if _, err := HoldoutFromCutStates(p.States(), map[string]CutState{}, d0.AddDate(0, 0, 10), d0.AddDate(0, 0, 28)); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("missing cut state: err %v", err)
	}
}

// TestCutStatesEqualPurchases: on random purchases, cut states built at
// one day and advanced a day at a time (the window of each day's
// purchases) give the holdout summaries of Purchases.Summaries (but the
// mean spend) at every cut, and equal the cut states built at that cut.
func TestCutStatesEqualPurchases(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 5))
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	var txns []Txn
	byDay := map[int32][]Txn{}
	for i := 0; i < 20_000; i++ {
		x := Txn{CustomerID: fmt.Sprintf("C%05d", rng.IntN(3000)), Time: start.AddDate(0, 0, rng.IntN(400)).Add(time.Duration(rng.IntN(86400)) * time.Second),
			Amount: float64(rng.IntN(100000)-1000) / 7}
		txns = append(txns, x)
		byDay[dateDay(x.Time)] = append(byDay[dateDay(x.Time)], x)
	}
	p := purchasesOf(t, txns)
	st := p.States()
	end := start.AddDate(0, 0, 410)
	cal := start.AddDate(0, 0, 300)
	cuts := map[string]CutState{}
	for _, c := range p.CutStates(dateDay(cal)) {
		cuts[c.ID] = c
	}
	for step := 0; step < 5; step++ {
		if step > 0 {
			next := cal.AddDate(0, 0, 1+step%2)
			var window []Txn
			for d := dateDay(cal) + 1; d <= dateDay(next); d++ {
				window = append(window, byDay[d]...)
			}
			if err := AdvanceCutStates(cuts, purchasesOf(t, window), dateDay(cal), dateDay(next), nil); err != nil {
				t.Fatal(err)
			}
			cal = next
		}
		want, _ := p.Summaries(cal, end)
		for i := range want {
			want[i].MeanSpend = 0
		}
		got, err := HoldoutFromCutStates(st, cuts, cal, end)
		if err != nil {
			t.Fatal(err)
		}
		sameSummaries(t, cal.Format(time.DateOnly), got, want)
		fresh := p.CutStates(dateDay(cal))
		if len(fresh) != len(cuts) {
			t.Fatalf("%s: %d advanced cut states, %d built", cal.Format(time.DateOnly), len(cuts), len(fresh))
		}
		for _, c := range fresh {
			if cuts[c.ID] != c {
				t.Fatalf("%s: advanced %+v, built %+v", cal.Format(time.DateOnly), cuts[c.ID], c)
			}
		}
	}
}
