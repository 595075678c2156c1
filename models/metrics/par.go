package metrics

import (
	"runtime"
	"sync"
)

// workers is the number of goroutines the metrics use for their parallel
// passes (at most 2: the warehouse and other jobs share the machine).
func workers() int { return max(1, min(2, runtime.GOMAXPROCS(0))) }

// parallel splits [0, n) into one contiguous range per worker and runs f
// on each range at the same time, returning when all are done.
func parallel(n int, f func(lo, hi int)) {
	w := workers()
	if n < 2 {
		w = 1
	}
	runRanges(w, n, func(_, lo, hi int) { f(lo, hi) })
}

// runRanges splits [0, n) into w contiguous ranges and runs f on each at
// the same time (w is the range's index).
func runRanges(w, n int, f func(w, lo, hi int)) {
	if w <= 1 {
		f(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for i := 0; i < w; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i, n*i/w, n*(i+1)/w)
		}()
	}
	wg.Wait()
}
