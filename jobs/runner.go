package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/internal/retry"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Runner executes planned jobs against one warehouse, recording each run.
type Runner struct {
	Graph *Graph
	Cfg   *config.Config
	WH    warehouse.Warehouse
	Log   *slog.Logger
	AsOf  time.Time
	Hooks Hooks
	// Force runs jobs even when their inputs are unchanged.
	Force bool
	// Resend is passed to the jobs as Env.Resend.
	Resend bool
	// Full makes jobs with an incremental path rebuild from the raw
	// tables instead (Env.Full).
	Full bool
	// Parallelism bounds jobs running at once (default cfg.Jobs.Parallelism).
	Parallelism int
	// Sleep waits between retries (tests replace it with a fake clock).
	Sleep func(ctx context.Context, d time.Duration) error
	// OnFinish is called after each job (progress reporting).
	OnFinish func(rec RunRecord)
	// Heartbeat, when set, is told of every job start and end (see
	// Session.Heartbeat).
	Heartbeat *Heartbeat
}

// NewChainID returns a fresh chain run id.
func NewChainID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b)
}

// EnsureTables creates job_runs.
func EnsureTables(ctx context.Context, wh warehouse.Warehouse) error {
	if err := warehouse.CreateTable(ctx, wh, "job_runs", JobRunsSchema); err != nil {
		return fmt.Errorf("create job_runs: %w", err)
	}
	return nil
}

// MarkAbandoned marks runs left 'running' by processes of this host that no
// longer exist as abandoned, and returns how many it marked. Runs of other
// hosts are left alone: their liveness cannot be checked from here.
func MarkAbandoned(ctx context.Context, wh warehouse.Warehouse) (int, error) {
	host, _ := os.Hostname()
	recs, err := wh.Query(ctx, runsSQL["running"])
	if err != nil {
		return 0, err
	}
	defer warehouse.Release(recs)
	n := 0
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			if pid := int(warehouse.Int64At(rec, 3, i)); warehouse.StringAt(rec, 4, i) != host || pid == os.Getpid() || processAlive(pid) {
				continue
			}
			if err := wh.Exec(ctx, runsSQL["abandon"],
				warehouse.StringAt(rec, 0, i), warehouse.StringAt(rec, 1, i), warehouse.Int64At(rec, 2, i)); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ChainResult summarises a chain run.
type ChainResult struct {
	ChainID string
	Runs    []RunRecord
	Failed  []string
}

// Err returns an error naming the failed jobs, or nil.
func (c *ChainResult) Err() error {
	if len(c.Failed) == 0 {
		return nil
	}
	for _, r := range c.Runs {
		if r.Status == StatusFailed {
			return fmt.Errorf("job %s failed: %s", r.Job, r.Error)
		}
	}
	return fmt.Errorf("jobs failed: %v", c.Failed)
}

// Run executes the planned jobs in dependency order, independent jobs in
// parallel up to the configured limit. A failed job stops its downstream
// (recorded as skipped); other branches continue.
func (r *Runner) Run(ctx context.Context, chainID, partition string, plan []string) (*ChainResult, error) {
	if r.Log == nil {
		r.Log = slog.Default()
	}
	par := r.Parallelism
	if par <= 0 {
		par = r.Cfg.Jobs.Parallelism
	}
	if par <= 0 {
		par = 1
	}
	inPlan := map[string]bool{}
	for _, n := range plan {
		inPlan[n] = true
	}
	res := &ChainResult{ChainID: chainID}
	asOf := &asOfCache{}
	shared := newSharedInputs(plan)
	defer shared.close()
	var mu sync.Mutex
	status := map[string]string{}
	done := map[string]chan struct{}{}
	for _, n := range plan {
		done[n] = make(chan struct{})
	}
	// Of the jobs ready to start, the one first in the plan starts first,
	// so the order of a run does not depend on goroutine scheduling (and
	// jobs that share an input run next to each other, see Job.Sequence).
	planIndex := map[string]int{}
	for i, n := range plan {
		planIndex[n] = i
	}
	waits := make([][]int, len(plan))
	for i, n := range plan {
		j, _ := r.Graph.Job(n)
		for _, d := range j.After {
			if inPlan[d] {
				waits[i] = append(waits[i], planIndex[d])
			}
		}
		for _, d := range r.Graph.upstreamInPlan(n, inPlan) {
			waits[i] = append(waits[i], planIndex[d])
		}
	}
	alone := make([]bool, len(plan))
	for i, n := range plan {
		j, _ := r.Graph.Job(n)
		alone[i] = j.Alone
	}
	slots := newOrderedSlots(par, waits, alone)
	var wg sync.WaitGroup
	for _, name := range plan {
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			defer close(done[name])
			defer slots.finish(planIndex[name])
			defer shared.finished(name)
			j, _ := r.Graph.Job(name)
			blocked := ""
			for _, d := range j.After {
				if inPlan[d] {
					<-done[d]
				}
			}
			// Wait for every upstream job in the plan, direct or transitive
			// (a plan may skip the jobs in between, e.g. "core publish").
			for _, d := range r.Graph.upstreamInPlan(name, inPlan) {
				<-done[d]
				mu.Lock()
				st := status[d]
				mu.Unlock()
				if st != StatusSucceeded && st != StatusSkipped && st != StatusPartial && blocked == "" {
					blocked = d
				}
			}
			var rec RunRecord
			if blocked != "" {
				now := time.Now()
				rec = RunRecord{RunID: chainID, ChainID: chainID, Job: name, Partition: partition, Started: now, Finished: &now,
					Status: "blocked", Message: "upstream job " + blocked + " did not succeed", Attempt: 1}
				_ = startRun(ctx, r.WH, rec)
				_ = finishRun(context.WithoutCancel(ctx), r.WH, rec, "")
			} else {
				taken := slots.acquire(ctx, planIndex[name])
				// One job at a time (a heavy job runs alone): what the heap
				// holds is the jobs before's garbage, not a running job's.
				if j.Alone || par == 1 {
					releaseGarbage()
				}
				rec = r.runOne(ctx, j, chainID, partition, asOf, shared)
				slots.release(taken)
			}
			r.Heartbeat.Record(rec)
			mu.Lock()
			status[name] = rec.Status
			res.Runs = append(res.Runs, rec)
			if rec.Status == StatusFailed || rec.Status == "blocked" {
				res.Failed = append(res.Failed, name)
			}
			mu.Unlock()
			if r.OnFinish != nil {
				r.OnFinish(rec)
			}
		}(name)
	}
	wg.Wait()
	// Keep the order of the plan in the result.
	order := map[string]int{}
	for i, n := range plan {
		order[n] = i
	}
	sortRuns(res.Runs, order)
	return res, nil
}

func sortRuns(rs []RunRecord, order map[string]int) {
	for i := 1; i < len(rs); i++ {
		for k := i; k > 0 && order[rs[k].Job] < order[rs[k-1].Job]; k-- {
			rs[k], rs[k-1] = rs[k-1], rs[k]
		}
	}
}

func (r *Runner) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	return retry.Sleep(ctx, d)
}

func (r *Runner) runOne(ctx context.Context, j *Job, chainID, partition string, asOf *asOfCache, shared *sharedInputs) RunRecord {
	env := &Env{Cfg: r.Cfg, WH: r.WH, Log: r.Log.With("job", j.Name, "run", chainID), AsOf: r.AsOf, Job: j.Name, RunID: chainID, ChainID: chainID, Partition: partition, Hooks: r.Hooks,
		Resend: r.Resend, Full: r.Full, asOf: asOf, shared: shared}
	if r.Hooks.Warehouse != nil {
		env.WH = r.Hooks.Warehouse(j.Name, r.WH)
	}
	retries := r.Cfg.Jobs.Retries
	backoff := r.Cfg.Jobs.RetryBackoff.D()
	if backoff <= 0 {
		backoff = time.Second
	}
	// A forced run records its fingerprint too, so that the next run
	// without force can skip when nothing changed since.
	var fp string
	if j.Fingerprint != nil {
		var err error
		fp, err = j.Fingerprint(ctx, env)
		if err != nil {
			env.Log.Warn("job fingerprint failed: running it", "error", err)
			fp = ""
		}
		if fp != "" && !r.Force {
			var last *string
			qerr := r.WH.QueryRow(ctx, runsSQL["same_inputs"], []any{j.Name, partition, fp, j.Name, partition}, &last)
			if qerr == nil && last != nil {
				now := time.Now()
				rec := RunRecord{RunID: chainID, ChainID: chainID, Job: j.Name, Partition: partition, Started: now, Finished: &now, Status: StatusSkipped,
					Message: "inputs unchanged since run " + *last, Attempt: 1}
				_ = startRun(ctx, r.WH, rec)
				_ = finishRun(ctx, r.WH, rec, fp)
				env.Log.Info("job skipped: inputs unchanged", "since", *last)
				return rec
			}
		}
	}
	var rec RunRecord
	for attempt := 1; ; attempt++ {
		rec = RunRecord{RunID: chainID, ChainID: chainID, Job: j.Name, Partition: partition, Started: time.Now(), Status: StatusRunning, Attempt: attempt}
		if err := startRun(ctx, r.WH, rec); err != nil {
			rec.Status, rec.Error = StatusFailed, "record run start: "+err.Error()
			return rec
		}
		r.Heartbeat.Record(rec)
		env.Log.Info("job started", "attempt", attempt)
		out, err := safeRun(ctx, j, env)
		fin := time.Now()
		rec.Finished = &fin
		rec.RowsIn, rec.RowsOut, rec.RowsQuarantined, rec.Message = out.RowsIn, out.RowsOut, out.RowsQuarantined, out.Message
		rec.Figures = out.Figures
		switch {
		case err == nil && out.Partial:
			rec.Status = StatusPartial
		case err == nil:
			rec.Status = StatusSucceeded
		default:
			rec.Status, rec.Error = StatusFailed, err.Error()
		}
		if ferr := finishRun(context.WithoutCancel(ctx), r.WH, rec, fp); ferr != nil {
			env.Log.Error("record run end", "error", ferr)
		}
		if err == nil {
			attrs := []any{"status", rec.Status, "rows_in", rec.RowsIn, "rows_out", rec.RowsOut, "seconds", fin.Sub(rec.Started).Seconds()}
			if len(rec.Figures) > 0 {
				attrs = append(attrs, "figures", rec.Figures)
			}
			env.Log.Info("job finished", attrs...)
			return rec
		}
		env.Log.Error("job failed", "attempt", attempt, "error", err)
		retryable := j.Retryable
		if retryable == nil {
			retryable = DefaultRetryable
		}
		if attempt > retries || !retryable(err) || ctx.Err() != nil {
			return rec
		}
		wait := retry.Backoff{Base: backoff}.Delay(attempt)
		env.Log.Info("retrying", "in", wait.String())
		if r.sleep(ctx, wait) != nil {
			return rec
		}
	}
}

func safeRun(ctx context.Context, j *Job, env *Env) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in job %s: %v", j.Name, p)
		}
	}()
	return j.Run(ctx, env)
}

// upstreamInPlan returns the jobs of the plan that name depends on,
// directly or through jobs that are not in the plan.
func (g *Graph) upstreamInPlan(name string, inPlan map[string]bool) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(n string)
	walk = func(n string) {
		j, ok := g.jobs[n]
		if !ok {
			return
		}
		for _, d := range j.Deps {
			if seen[d] {
				continue
			}
			seen[d] = true
			if inPlan[d] {
				out = append(out, d)
			} else {
				walk(d)
			}
		}
	}
	walk(name)
	return out
}

// orderedSlots lets at most n jobs run at once (a job marked alone takes
// every slot) and starts them in plan order: a job takes free slots only
// when no job before it in the plan is ready (its upstream jobs all
// finished) and not yet started.
type orderedSlots struct {
	mu       sync.Mutex
	cond     *sync.Cond
	n, free  int
	waits    [][]int // per plan index: the plan indices it waits for
	alone    []bool
	started  []bool
	finished []bool
}

func newOrderedSlots(n int, waits [][]int, alone []bool) *orderedSlots {
	s := &orderedSlots{n: n, free: n, waits: waits, alone: alone, started: make([]bool, len(waits)), finished: make([]bool, len(waits))}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// acquire waits for the slots of the job at ix and returns how many it
// took (to give back to release). It returns at once when ctx is done, so
// a cancelled chain records its jobs as failed quickly.
func (s *orderedSlots) acquire(ctx context.Context, ix int) int {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer stop()
	need := 1
	if s.alone[ix] {
		need = s.n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for ctx.Err() == nil && (s.free < need || !s.first(ix)) {
		s.cond.Wait()
	}
	s.started[ix] = true
	s.free -= need
	s.cond.Broadcast()
	return need
}

func (s *orderedSlots) first(ix int) bool {
	for w := 0; w < ix; w++ {
		if s.started[w] {
			continue
		}
		ready := true
		for _, d := range s.waits[w] {
			if !s.finished[d] {
				ready = false
				break
			}
		}
		if ready {
			return false
		}
	}
	return true
}

// release gives back the slots acquire took.
func (s *orderedSlots) release(taken int) {
	s.mu.Lock()
	s.free += taken
	s.mu.Unlock()
	s.cond.Broadcast()
}

// finish records that the job at ix is done (run, skipped or blocked).
func (s *orderedSlots) finish(ix int) {
	s.mu.Lock()
	s.started[ix], s.finished[ix] = true, true
	s.mu.Unlock()
	s.cond.Broadcast()
}

// garbageRelease is how much memory the Go heap may hold between two jobs
// (live, garbage, or freed and not yet given back to the system) before
// it is given back.
const garbageRelease = 192 << 20

// releaseGarbage gives the memory the jobs before left in the Go heap back
// to the system before a job starts alone (a heavy job, Job.Alone, or any
// job when the runner runs one at a time), when the heap holds more than
// garbageRelease, and reports whether it did. Jobs read large transient
// inputs, and the runtime keeps the freed memory for a while: without
// this, the next job's peak comes on top of it. The measure is the memory
// the heap holds (HeapSys - HeapReleased), not HeapAlloc: after a
// collection the garbage is no longer allocated but still resident. It is
// not done when the heap is small: giving memory back costs the next job
// page faults on every page it takes again (on these VMs 1-2 s for
// lifecycle's ~400 MB at 1M customers, docs/performance.md).
func releaseGarbage() bool {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapSys-ms.HeapReleased <= garbageRelease {
		return false
	}
	debug.FreeOSMemory()
	return true
}
