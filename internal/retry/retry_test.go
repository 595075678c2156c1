package retry

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	cases := []struct {
		name string
		base time.Duration
		n    int
		want time.Duration
	}{
		{"first retry waits the base", time.Second, 1, time.Second},
		{"second retry doubles", time.Second, 2, 2 * time.Second},
		{"fourth retry is base times eight", 5 * time.Second, 4, 40 * time.Second},
		{"retry zero counts as the first", time.Second, 0, time.Second},
		{"no base no wait", 0, 3, 0},
		{"saturates instead of overflowing", time.Hour, 80, math.MaxInt64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := (Backoff{Base: c.base}).Delay(c.n); got != c.want {
				t.Errorf("Backoff{%v}.Delay(%d) = %v, want %v", c.base, c.n, got, c.want)
			}
		})
	}
}

func TestSleepReturnsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
	if err := Sleep(context.Background(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v, want nil", err)
	}
}
