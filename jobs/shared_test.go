package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestSharedQueryRunsOncePerChain: three planned readers of one input get
// it from one load, each owning its batches; a reader outside the plan's
// readers, or with no other reader planned, loads on its own; the batches
// are freed once every reader has released its copy and the chain ended.
func TestSharedQueryRunsOncePerChain(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	var loads atomic.Int32
	load := func() ([]arrow.RecordBatch, error) {
		loads.Add(1)
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues([]int64{1, 2, 3}, nil)
		col := b.NewArray()
		defer col.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
		return []arrow.RecordBatch{array.NewRecordBatch(schema, []arrow.Array{col}, 3)}, nil
	}
	g := NewGraph()
	var mu sync.Mutex
	got := map[string]int64{}
	for _, name := range []string{"a", "b", "c", "lonely"} {
		g.Add(&Job{Name: name, Run: func(ctx context.Context, env *Env) (Result, error) {
			readers := []string{"a", "b", "c", "absent"}
			if env.Job == "lonely" {
				readers = []string{"lonely", "absent"}
			}
			recs, err := env.SharedQuery("q:"+readers[0], readers, load)
			if err != nil {
				return Result{}, err
			}
			var sum int64
			for _, r := range recs {
				for _, v := range r.Column(0).(*array.Int64).Int64Values() {
					sum += v
				}
				r.Release()
			}
			mu.Lock()
			got[env.Job] = sum
			mu.Unlock()
			return Result{}, nil
		}})
	}
	for _, par := range []int{1, 2} {
		loads.Store(0)
		r := &Runner{Graph: g, Cfg: testCfg(), WH: testWH(t), Parallelism: par, Force: true}
		res, err := r.Run(context.Background(), fmt.Sprintf("c%d", time.Now().UnixNano()), "", []string{"a", "b", "c", "lonely"})
		if err != nil || res.Err() != nil {
			t.Fatal(err, res.Err())
		}
		if n := loads.Load(); n != 2 {
			t.Errorf("parallelism %d: %d loads, want 2 (one shared by a, b, c; one for lonely)", par, n)
		}
		for _, name := range []string{"a", "b", "c", "lonely"} {
			if got[name] != 6 {
				t.Errorf("parallelism %d: job %s read sum %d, want 6", par, name, got[name])
			}
		}
	}
	// Outside a chain there is nothing to share.
	recs, err := (&Env{Job: "a"}).SharedQuery("q", []string{"a", "b"}, load)
	if err != nil || len(recs) != 1 {
		t.Fatal(err)
	}
	recs[0].Release()
}

// TestSharedQueryLetGoWhenReaderFails: when the other planned reader of a
// shared input fails before reading it, the batches are let go as that
// reader ends, not held until the chain ends: a job after both sees
// nothing left allocated. A reader retried after the input was let go
// loads it again rather than getting an empty result.
func TestSharedQueryLetGoWhenReaderFails(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	var loads atomic.Int32
	load := func() ([]arrow.RecordBatch, error) {
		loads.Add(1)
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues([]int64{1, 2, 3}, nil)
		col := b.NewArray()
		defer col.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
		return []arrow.RecordBatch{array.NewRecordBatch(schema, []arrow.Array{col}, 3)}, nil
	}
	read := func(env *Env) error {
		recs, err := env.SharedQuery("q", []string{"a", "b"}, load)
		if err != nil {
			return err
		}
		if len(recs) != 1 || recs[0].NumRows() != 3 {
			return fmt.Errorf("%s read %d batches", env.Job, len(recs))
		}
		warehouse.Release(recs)
		return nil
	}
	var leftAtC int64 = -1
	g := NewGraph()
	g.Add(&Job{Name: "a", Run: func(ctx context.Context, env *Env) (Result, error) { return Result{}, read(env) }})
	g.Add(&Job{Name: "b", After: []string{"a"}, Run: func(ctx context.Context, env *Env) (Result, error) {
		return Result{}, errors.New("b fails before reading")
	}})
	g.Add(&Job{Name: "c", After: []string{"b"}, Run: func(ctx context.Context, env *Env) (Result, error) {
		leftAtC = int64(mem.CurrentAlloc())
		// a reader of the input after it was let go loads it itself
		env.Job = "a"
		return Result{}, read(env)
	}})
	r := &Runner{Graph: g, Cfg: testCfg(), WH: testWH(t), Parallelism: 1, Force: true}
	if _, err := r.Run(context.Background(), fmt.Sprintf("c%d", time.Now().UnixNano()), "", []string{"a", "b", "c"}); err != nil {
		t.Fatal(err)
	}
	if leftAtC != 0 {
		t.Errorf("%d bytes of the shared input still held after its other reader failed, want 0", leftAtC)
	}
	if n := loads.Load(); n != 2 {
		t.Errorf("%d loads, want 2 (a's, shared; c's after it was let go)", n)
	}
}

// TestReadyJobsStartInPlanOrder: with one slot, jobs that become ready
// together start in plan order, whatever the goroutine scheduling.
func TestReadyJobsStartInPlanOrder(t *testing.T) {
	g := NewGraph()
	var mu sync.Mutex
	var order []string
	g.Add(&Job{Name: "root", Run: func(ctx context.Context, env *Env) (Result, error) { return Result{}, nil }})
	names := []string{"j1", "j2", "j3", "j4", "j5", "j6", "j7", "j8"}
	for _, n := range names {
		g.Add(&Job{Name: n, Deps: []string{"root"}, Run: func(ctx context.Context, env *Env) (Result, error) {
			mu.Lock()
			order = append(order, env.Job)
			mu.Unlock()
			return Result{}, nil
		}})
	}
	for k := 0; k < 5; k++ {
		order = nil
		r := &Runner{Graph: g, Cfg: testCfg(), WH: testWH(t), Parallelism: 1, Force: true}
		plan, _ := g.Plan(append([]string{"root"}, names...), false)
		if _, err := r.Run(context.Background(), fmt.Sprintf("c%d", time.Now().UnixNano()), "", plan); err != nil {
			t.Fatal(err)
		}
		for i, n := range names {
			if i >= len(order) || order[i] != n {
				t.Fatalf("run %d: start order %v, want %v", k, order, names)
			}
		}
	}
}

// TestAloneJobsRunWithNoOther: at parallelism 2 the light jobs run two at
// a time, and a job marked Alone never runs beside another.
func TestAloneJobsRunWithNoOther(t *testing.T) {
	g := NewGraph()
	var running, maxLight atomic.Int32
	var overlapped atomic.Bool
	g.Add(&Job{Name: "root", Run: func(ctx context.Context, env *Env) (Result, error) { return Result{}, nil }})
	names := []string{"l1", "l2", "heavy", "l3", "l4"}
	for _, n := range names {
		alone := n == "heavy"
		g.Add(&Job{Name: n, Deps: []string{"root"}, Alone: alone, Run: func(ctx context.Context, env *Env) (Result, error) {
			now := running.Add(1)
			defer running.Add(-1)
			if alone && now != 1 {
				overlapped.Store(true)
			}
			for {
				m := maxLight.Load()
				if now <= m || maxLight.CompareAndSwap(m, now) {
					break
				}
			}
			time.Sleep(60 * time.Millisecond)
			if alone && running.Load() != 1 {
				overlapped.Store(true)
			}
			return Result{}, nil
		}})
	}
	r := &Runner{Graph: g, Cfg: testCfg(), WH: testWH(t), Parallelism: 2, Force: true}
	plan, _ := g.Plan(append([]string{"root"}, names...), false)
	res, err := r.Run(context.Background(), "c-alone", "", plan)
	if err != nil || res.Err() != nil {
		t.Fatal(err, res.Err())
	}
	if overlapped.Load() {
		t.Error("a job marked Alone ran beside another job")
	}
	if maxLight.Load() != 2 {
		t.Errorf("at most %d jobs ran at once, want 2 (light jobs pair up)", maxLight.Load())
	}
}
