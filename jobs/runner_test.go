package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

func testWH(t *testing.T) *warehouse.DuckDB {
	t.Helper()
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if err := Prepare(context.Background(), wh); err != nil {
		t.Fatal(err)
	}
	return wh
}

func testCfg() *config.Config {
	return &config.Config{Location: time.UTC, Timezone: "UTC", Jobs: config.Jobs{Parallelism: 2, Retries: 3, RetryBackoff: config.Duration(time.Second)}}
}

var errTransient = errors.New("smtp unavailable")

func TestRetryWithExponentialBackoff(t *testing.T) {
	wh := testWH(t)
	var calls int
	g := NewGraph()
	g.Add(&Job{Name: "flaky", Run: func(ctx context.Context, env *Env) (Result, error) {
		calls++
		if calls < 3 {
			return Result{}, errTransient
		}
		return Result{RowsOut: 7}, nil
	}, Retryable: func(err error) bool { return errors.Is(err, errTransient) }})
	g.Add(&Job{Name: "permanent", Run: func(ctx context.Context, env *Env) (Result, error) {
		return Result{}, errors.New("schema mismatch")
	}, Retryable: func(err error) bool { return errors.Is(err, errTransient) }})
	var slept []time.Duration
	r := &Runner{Graph: g, Cfg: testCfg(), WH: wh, Parallelism: 1, Sleep: func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}}
	res, err := r.Run(context.Background(), "c1", "", []string{"flaky", "permanent"})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Fatalf("flaky ran %d times, want 3", calls)
	}
	// Backoff doubles: 1s then 2s; the permanent error is not retried.
	if len(slept) != 2 || slept[0] != time.Second || slept[1] != 2*time.Second {
		t.Fatalf("slept %v, want [1s 2s]", slept)
	}
	var attempts, failed int64
	if err := wh.DB().QueryRow(`SELECT count(*) FILTER (WHERE job='flaky'), count(*) FILTER (WHERE job='permanent' AND status='failed') FROM job_runs`).Scan(&attempts, &failed); err != nil {
		t.Fatal(err)
	}
	if attempts != 3 || failed != 1 {
		t.Fatalf("job_runs: %d flaky attempts, %d permanent failures; want 3 and 1", attempts, failed)
	}
	if len(res.Failed) != 1 || res.Failed[0] != "permanent" {
		t.Fatalf("failed = %v", res.Failed)
	}
}

func TestFailedJobBlocksDownstreamAndFromResumes(t *testing.T) {
	wh := testWH(t)
	fail := true
	var ran []string
	g := NewGraph()
	add := func(name string, deps ...string) {
		g.Add(&Job{Name: name, Deps: deps, Run: func(ctx context.Context, env *Env) (Result, error) {
			if name == "b" && fail {
				return Result{}, errors.New("boom")
			}
			ran = append(ran, name)
			return Result{}, nil
		}})
	}
	add("a")
	add("b", "a")
	add("c", "b")
	add("d", "a")
	r := &Runner{Graph: g, Cfg: testCfg(), WH: wh, Parallelism: 1}
	plan, _ := g.Plan(g.Names(), false)
	res, _ := r.Run(context.Background(), "c1", "", plan)
	if strings.Join(ran, ",") != "a,d" {
		t.Fatalf("ran %v, want a,d", ran)
	}
	status := map[string]string{}
	for _, rr := range res.Runs {
		status[rr.Job] = rr.Status
	}
	if status["b"] != StatusFailed || status["c"] != "blocked" || status["d"] != StatusSucceeded {
		t.Fatalf("statuses %v", status)
	}
	fail, ran = false, nil
	from, err := g.Downstream("b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(context.Background(), "c2", "", from); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ran, ",") != "b,c" {
		t.Fatalf("--from b ran %v, want b,c", ran)
	}
}

func TestSkipWhenInputsUnchanged(t *testing.T) {
	wh := testWH(t)
	fp := "v1"
	runs := 0
	g := NewGraph()
	g.Add(&Job{Name: "m", Fingerprint: func(context.Context, *Env) (string, error) { return fp, nil },
		Run: func(context.Context, *Env) (Result, error) { runs++; return Result{}, nil }})
	r := &Runner{Graph: g, Cfg: testCfg(), WH: wh}
	for i, want := range []struct {
		fp     string
		status string
	}{{"v1", StatusSucceeded}, {"v1", StatusSkipped}, {"v2", StatusSucceeded}} {
		fp = want.fp
		res, _ := r.Run(context.Background(), "c"+string(rune('0'+i)), "", []string{"m"})
		if res.Runs[0].Status != want.status {
			t.Fatalf("run %d: status %s, want %s (%s)", i, res.Runs[0].Status, want.status, res.Runs[0].Message)
		}
	}
	if runs != 2 {
		t.Fatalf("job body ran %d times, want 2", runs)
	}
}

func TestLockRefusesLiveHolderAndTakesOverStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb.lock")
	l1, err := AcquireLock(path, "first")
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireLock(path, "second")
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != os.Getpid() || le.Holder.Command != "first" {
		t.Fatalf("second acquire: %v, want a LockedError naming this pid", err)
	}
	if !strings.Contains(err.Error(), "pid") || !strings.Contains(err.Error(), le.Holder.Host) {
		t.Fatalf("message %q does not name the holder", err)
	}
	l1.Release()
	// A lock left by a process that has exited is stale and taken over.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	stale := `{"pid":` + itoa(cmd.Process.Pid) + `,"host":"` + host + `","started":"2020-01-01T00:00:00Z","command":"killed run"}`
	if err := os.WriteFile(path, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	l2, err := AcquireLock(path, "third")
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	if l2.TookOver == nil || l2.TookOver.PID != cmd.Process.Pid {
		t.Fatalf("TookOver = %+v", l2.TookOver)
	}
	l2.Release()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("lock file still there after release")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestMissedSlotsAndScheduledIDs(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	cfg := &config.Config{Location: sh, Schedules: []config.Schedule{{Job: "chain", Cron: "0 2 * * *"}, {Job: "publish", Cron: "30 */6 * * *", Timezone: "UTC"}}}
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC) // 11:00 in Shanghai
	slots, err := MissedSlots(cfg, now, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range slots {
		got = append(got, s.ChainID)
	}
	// Window (11-24 03:00, 11-26 03:00] UTC. 02:00 Shanghai = 18:00 UTC the
	// day before; "30 */6" in UTC fires at 00:30, 06:30, 12:30 and 18:30.
	want := []string{
		"sched-publish-20261124T0630", "sched-publish-20261124T1230",
		"sched-chain-20261124T1800", "sched-publish-20261124T1830",
		"sched-publish-20261125T0030", "sched-publish-20261125T0630", "sched-publish-20261125T1230",
		"sched-chain-20261125T1800", "sched-publish-20261125T1830",
		"sched-publish-20261126T0030",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("slots\n got %v\nwant %v", got, want)
	}
}

func TestDaemonRunsOnScheduleSingletonAndCatchesUpOnce(t *testing.T) {
	start := time.Date(2026, 11, 26, 9, 59, 30, 0, time.UTC)
	clock := clockwork.NewFakeClockAt(start)
	cfg := &config.Config{Location: time.UTC, Schedules: []config.Schedule{{Job: "chain", Cron: "* * * * *"}},
		Jobs: config.Jobs{CatchupWindow: config.Duration(3 * time.Minute), Catchup: config.CatchupAll}}
	var running, maxRunning, total atomic.Int32
	seen := map[string]int{}
	release := make(chan struct{})
	started := make(chan string, 10)
	done := map[string]bool{}
	d := &Daemon{Cfg: cfg, Clock: clock, Log: discardLogger(),
		Done: func(ctx context.Context, id string) (bool, error) { return done[id], nil },
		// The schedule last ran the 09:55 slot.
		LastSlots: func(context.Context) (map[string]time.Time, error) {
			return map[string]time.Time{"chain": time.Date(2026, 11, 26, 9, 55, 0, 0, time.UTC)}, nil
		},
		Run: func(ctx context.Context, s ScheduledRun) error {
			n := running.Add(1)
			if n > maxRunning.Load() {
				maxRunning.Store(n)
			}
			total.Add(1)
			seen[s.ChainID]++
			if !strings.HasSuffix(s.ChainID, "0957") && !strings.HasSuffix(s.ChainID, "0958") && !strings.HasSuffix(s.ChainID, "0959") {
				started <- s.ChainID
				<-release
			}
			done[s.ChainID] = true
			running.Add(-1)
			return nil
		}}
	// One missed slot already done: catch-up must not run it again.
	done[ScheduledChainID("chain", time.Date(2026, 11, 26, 9, 57, 0, 0, time.UTC))] = true
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- d.Serve(ctx) }()
	// Catch-up: 09:58 and 09:59 run (oldest first), 09:57 was done.
	deadline := time.After(10 * time.Second)
	for total.Load() < 2 {
		select {
		case <-deadline:
			t.Fatalf("catch-up ran %d slots", total.Load())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(31 * time.Second) // 10:00:01 -> the 10:00 slot fires and blocks
	var first string
	select {
	case first = <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("scheduled run did not start")
	}
	if first != "sched-chain-20261126T1000" {
		t.Fatalf("first scheduled run %s", first)
	}
	// While it runs, two more minutes pass: singleton mode must not overlap.
	for i := 0; i < 2; i++ {
		clock.Advance(time.Minute)
		time.Sleep(50 * time.Millisecond)
	}
	if maxRunning.Load() != 1 {
		t.Fatalf("max concurrent runs %d, want 1", maxRunning.Load())
	}
	close(release)
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("slot %s ran %d times", id, n)
		}
	}
	if seen["sched-chain-20261126T0957"] != 0 || seen["sched-chain-20261126T0958"] != 1 || seen["sched-chain-20261126T0959"] != 1 {
		t.Errorf("catch-up slots: %v", seen)
	}
}

func TestPartitions(t *testing.T) {
	f := time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)
	to := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	ps, err := Partitions(f, to, "month")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Label+"@"+p.AsOf.Format("01-02"))
	}
	if strings.Join(got, " ") != "2025-01@01-31 2025-02@02-28 2025-03@03-10" {
		t.Fatalf("partitions %v", got)
	}
	days, _ := Partitions(f, f.AddDate(0, 0, 2), "day")
	if len(days) != 3 || days[2].Label != "2025-01-17" {
		t.Fatalf("day partitions %v", days)
	}
}

type tempErr struct{ retry bool }

func (e tempErr) Error() string   { return "temp" }
func (e tempErr) Retryable() bool { return e.retry }

func TestDefaultRetryable(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{errors.New("schema mismatch"), false},
		{fmt.Errorf("send: %w", syscall.ECONNREFUSED), true},
		{fmt.Errorf("wrapped: %w", tempErr{true}), true},
		{tempErr{false}, false},
		{fmt.Errorf("%w: min_rows", ErrCheckFailed), false},
		{context.Canceled, false},
		{context.DeadlineExceeded, true},
	}
	for _, c := range cases {
		if got := DefaultRetryable(c.err); got != c.want {
			t.Errorf("DefaultRetryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestReleaseGarbageSeesFreedMemory: memory a job freed is given back before
// the next job even after a collection has run (the heap no longer counts
// it as allocated, but still holds it), and a small heap is left alone.
func TestReleaseGarbageSeesFreedMemory(t *testing.T) {
	debug.FreeOSMemory()
	if releaseGarbage() {
		t.Fatal("released a heap holding less than garbageRelease")
	}
	runtime.KeepAlive(touchedGarbage())
	runtime.GC() // the 256 MiB are no longer allocated, but the heap keeps them
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > garbageRelease {
		t.Fatalf("after a collection %d MiB are still allocated", ms.HeapAlloc>>20)
	}
	if !releaseGarbage() {
		t.Fatalf("the heap holds %d MiB (%d MiB allocated) and was not released", (ms.HeapSys-ms.HeapReleased)>>20, ms.HeapAlloc>>20)
	}
	runtime.ReadMemStats(&ms)
	if held := ms.HeapSys - ms.HeapReleased; held > garbageRelease {
		t.Errorf("after the release the heap still holds %d MiB", held>>20)
	}
}

// TestRunnerReleasesGarbageBetweenJobs: run one at a time, a job starts
// without the memory the job before freed (the heap holds at most
// garbageRelease), whether or not the job is marked Alone.
func TestRunnerReleasesGarbageBetweenJobs(t *testing.T) {
	wh := testWH(t)
	var held uint64
	g := NewGraph()
	g.Add(&Job{Name: "reader", Run: func(ctx context.Context, env *Env) (Result, error) {
		runtime.KeepAlive(touchedGarbage())
		return Result{}, nil
	}})
	g.Add(&Job{Name: "next", Deps: []string{"reader"}, Run: func(ctx context.Context, env *Env) (Result, error) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		held = ms.HeapSys - ms.HeapReleased
		return Result{}, nil
	}})
	r := &Runner{Graph: g, Cfg: testCfg(), WH: wh, Parallelism: 1}
	plan, _ := g.Plan(g.Names(), false)
	res, err := r.Run(context.Background(), "c1", "", plan)
	if err != nil || res.Err() != nil {
		t.Fatal(err, res.Err())
	}
	if held > garbageRelease {
		t.Errorf("the job after one that freed 256 MiB started with the heap holding %d MiB", held>>20)
	}
}

// touchedGarbage allocates 256 MiB and writes to every page of it, so that
// the heap holds it resident once the caller drops it.
func touchedGarbage() [][]byte {
	garbage := make([][]byte, 0, 64)
	for range 64 {
		b := make([]byte, 4<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		garbage = append(garbage, b)
	}
	return garbage
}
