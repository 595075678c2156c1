package identity

import (
	"runtime"

	"github.com/apache/arrow-go/v18/arrow"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// heapPeak samples the live heap every few milliseconds until stopped.
type heapPeak struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func startHeapPeak() *heapPeak {
	h := &heapPeak{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > h.peak.Load() {
			h.peak.Store(v)
		}
	}
	read()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return h
}

func (h *heapPeak) Stop() uint64 {
	close(h.stop)
	h.wg.Wait()
	return h.peak.Load()
}

// cpuTime is the user+system CPU time of the process (all threads; the
// heap sampler adds a little).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapLive() uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// BenchmarkStitch1M stitches generated evidence for 1 million people
// (11.0 million records, 19 million identifier values, 4.4 million distinct
// identifiers). Reported: ids/s (distinct identifiers stitched per
// wall second), values/s (identifier values read per second), rows/s,
// cpu_s/op (CPU seconds of the process during Stitch, all threads), the
// input size and the peak heap during Stitch above the input
// (stitch_peak_MB, garbage not yet collected included). Run it alone with
// /usr/bin/time -v for the process's peak RSS.
func BenchmarkStitch1M(b *testing.B) {
	benchStitch(b, 1_000_000, false)
}

// BenchmarkStitch100K is the same at 100,000 people (quick check).
func BenchmarkStitch100K(b *testing.B) {
	benchStitch(b, 100_000, false)
}

// BenchmarkStitch1MRerun is the nightly case: the same 1 million people
// stitched again with the previous identity map as prior (every identifier
// is looked up in it; no id changes).
func BenchmarkStitch1MRerun(b *testing.B) {
	benchStitch(b, 1_000_000, true)
}

func benchStitch(b *testing.B, persons int, rerun bool) {
	syn := GenerateSynthetic(SynthOptions{Persons: persons, Seed: 7})
	defer syn.Release()
	var prior []arrow.RecordBatch
	if rerun {
		first, err := Stitch(syn.Evidence, nil, syn.Config, "first")
		if err != nil {
			b.Fatal(err)
		}
		prior = first.IdentityMap
		for _, bs := range [][]arrow.RecordBatch{first.Assignments, first.Blocked, first.Changes, first.Customers, first.StatsBatch} {
			for _, r := range bs {
				r.Release()
			}
		}
		defer func() {
			for _, r := range prior {
				r.Release()
			}
		}()
	}
	var rows int64
	for _, e := range syn.Evidence {
		rows += e.NumRows()
	}
	base := heapLive()
	b.ReportAllocs()
	b.ResetTimer()
	var ids, values int64
	var peak uint64
	var elapsed, cpu time.Duration
	for i := 0; i < b.N; i++ {
		h := startHeapPeak()
		t0, c0 := time.Now(), cpuTime()
		res, err := Stitch(syn.Evidence, prior, syn.Config, "bench")
		elapsed += time.Since(t0)
		cpu += cpuTime() - c0
		p := h.Stop()
		if err != nil {
			b.Fatal(err)
		}
		peak = max(peak, p)
		if rerun && (res.Stats.NewIDs != 0 || res.Stats.Merges != 0 || res.Stats.Splits != 0) {
			b.Fatalf("rerun changed ids: %+v", res.Stats)
		}
		ids += res.Stats.Identifiers + res.Stats.Blocked
		for _, v := range res.Stats.Values {
			values += v
		}
		res.Release()
	}
	b.StopTimer()
	sec := elapsed.Seconds()
	b.ReportMetric(float64(ids)/sec, "ids/s")
	b.ReportMetric(float64(values)/sec, "values/s")
	b.ReportMetric(float64(rows)*float64(b.N)/sec, "rows/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu_s/op")
	b.ReportMetric(float64(base)/(1<<20), "input_heap_MB")
	b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "stitch_peak_MB")
}
