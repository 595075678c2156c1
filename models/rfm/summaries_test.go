package rfm

import (
	"errors"
	"testing"
	"time"
)

// day is the civil day number of a local date.
func day(y int, m time.Month, d int) int32 { return int32(civilDay(y, m, d)) }

// TestComputeSummaries: the customers of TestCompute summarised by hand
// (E's order of 2024-07-01 is after the as-of day, so its last purchase is
// 2024-05-01) score exactly as Compute scores their purchases; ten days
// later with nothing new every recency grows by 10 and, the order of the
// recencies being the same, so do no scores.
func TestComputeSummaries(t *testing.T) {
	s := Summaries{
		CustomerID: []string{"A", "B", "C", "D", "E", "F"},
		LastDay:    []int32{day(2024, 6, 30), day(2024, 6, 1), day(2023, 7, 1), day(2024, 6, 30), day(2024, 5, 1), day(2024, 6, 1)},
		Frequency:  []int64{2, 1, 0, 2, 1, 2},
		Monetary:   []float64{150, 200, 0, 10.004 + 20.003, 0, 200},
	}
	cases := []struct {
		name string
		asOf time.Time
		want []Score
	}{
		{"as of 2024-06-30 (TestCompute's scores)", local(2024, 6, 30, 0, 0), []Score{
			{"A", 0, 2, 150, 4, 3, 3, Active},
			{"B", 29, 1, 200, 2, 1, 4, Dormant},
			{"C", 365, 0, 0, 1, 1, 1, Dormant},
			{"D", 0, 2, 30.01, 4, 3, 2, Active},
			{"E", 60, 1, 0, 1, 1, 1, Dormant},
			{"F", 29, 2, 200, 2, 3, 4, Dormant},
		}},
		{"as of 2024-07-10: recency + 10, same scores", local(2024, 7, 10, 0, 0), []Score{
			{"A", 10, 2, 150, 4, 3, 3, Active},
			{"B", 39, 1, 200, 2, 1, 4, Dormant},
			{"C", 375, 0, 0, 1, 1, 1, Dormant},
			{"D", 10, 2, 30.01, 4, 3, 2, Active},
			{"E", 70, 1, 0, 1, 1, 1, Dormant},
			{"F", 39, 2, 200, 2, 3, 4, Dormant},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ComputeSummaries(s, Options{AsOf: tc.asOf, Location: shanghai})
			if err != nil {
				t.Fatal(err)
			}
			if res.Len() != len(tc.want) {
				t.Fatalf("%d scored, want %d", res.Len(), len(tc.want))
			}
			for i, w := range tc.want {
				if got := res.Row(i); got != w {
					t.Errorf("row %d: got %+v, want %+v", i, got, w)
				}
			}
		})
	}
	// A last purchase after the as-of day means the summaries do not
	// describe the purchases up to it.
	if _, err := ComputeSummaries(s, Options{AsOf: local(2024, 6, 29, 0, 0), Location: shanghai}); !errors.Is(err, ErrBadSummary) {
		t.Errorf("last day after the as-of day: err %v, want ErrBadSummary", err)
	}
	bad := s
	bad.Frequency = bad.Frequency[:5]
	if _, err := ComputeSummaries(bad, Options{AsOf: local(2024, 6, 30, 0, 0), Location: shanghai}); !errors.Is(err, ErrBadSummary) {
		t.Errorf("columns of different lengths: err %v, want ErrBadSummary", err)
	}
}
